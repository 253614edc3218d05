"""Hooks of SAIP pretraining."""
from .atomic_checkpoint_hook import AtomicCheckpointHook, AtomicLocalBackend
from .iteration_seed_hook import IterationSeedHook
from .non_finite_loss_hook import NonFiniteLossHook
from .probe_hook import ReIDProbeHook
from .teacher_momentum_hook import TeacherMomentumHook

__all__ = [
    'AtomicCheckpointHook', 'AtomicLocalBackend', 'IterationSeedHook',
    'NonFiniteLossHook', 'ReIDProbeHook', 'TeacherMomentumHook'
]
