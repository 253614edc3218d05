"""Datasets and transforms."""
from . import transforms  # noqa: F401
