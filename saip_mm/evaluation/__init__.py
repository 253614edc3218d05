"""Metrics the OpenMMLab libraries lack."""
from . import metrics  # noqa: F401
