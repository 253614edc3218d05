"""Heads of the SAIP objectives, one per objective."""
from .csm_head import CrossScaleMatchingHead
from .csr_head import CrossScaleReconstructionHead
from .css_head import CrossScaleSearchHead

__all__ = [
    'CrossScaleMatchingHead', 'CrossScaleReconstructionHead',
    'CrossScaleSearchHead'
]
