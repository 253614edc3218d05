"""Hooks and optimizer-wrapper constructors."""
from . import hooks, optimizers  # noqa: F401
