"""Model utilities: position-embedding resampling, cross-scale masks, the
named SAIP views and multi-view forwards."""
from .cross_scale_mask import CrossScaleMaskGenerator
from .multi_view import apply_per_view, encode_views
from .pos_embed import resample_pos_embed
from .saip_views import SAIPViews, split_views

__all__ = [
    'resample_pos_embed', 'CrossScaleMaskGenerator', 'SAIPViews',
    'split_views', 'encode_views', 'apply_per_view'
]
