"""Model utilities: position-embedding resampling, cross-scale masks."""
from .cross_scale_mask import CrossScaleMaskGenerator
from .pos_embed import resample_pos_embed

__all__ = ['resample_pos_embed', 'CrossScaleMaskGenerator']
