"""Hooks of SAIP pretraining."""
from .teacher_momentum_hook import TeacherMomentumHook

__all__ = ['TeacherMomentumHook']
