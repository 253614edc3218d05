"""Hooks of SAIP pretraining."""
from .probe_hook import ReIDProbeHook
from .teacher_momentum_hook import TeacherMomentumHook

__all__ = ['ReIDProbeHook', 'TeacherMomentumHook']
