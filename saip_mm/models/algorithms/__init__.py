"""The SAIP pretraining algorithm."""
from .saip import SAIP
from .teacher import EMATeacher

__all__ = ['SAIP', 'EMATeacher']
