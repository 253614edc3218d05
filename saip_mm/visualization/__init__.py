"""Visualisation of SAIP samples and predictions."""
from .saip_sample_grid import render_saip_sample

__all__ = ['render_saip_sample']
