"""Utilities: safe checkpoint loading (installed at ``import saip_mm``)."""
from .checkpoint_loader import (
    load_from_local_safe,
    register_safe_checkpoint_loader,
    runner_checkpoint_globals,
    save_checkpoint_atomic,
)

__all__ = [
    'load_from_local_safe', 'register_safe_checkpoint_loader',
    'runner_checkpoint_globals', 'save_checkpoint_atomic'
]
