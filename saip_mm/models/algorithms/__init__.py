"""The SAIP pretraining algorithm."""
from .saip import SAIP
from .saip_outputs import SAIPPrediction, StudentTokens
from .teacher import EMATeacher

__all__ = ['SAIP', 'EMATeacher', 'SAIPPrediction', 'StudentTokens']
