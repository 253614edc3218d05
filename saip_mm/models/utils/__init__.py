"""Model utilities: position embeddings, patchify, cross-scale masks, the
named SAIP views, multi-view forwards, the token interface of a
hierarchical backbone, and what the backbones share (out indices, strict
pretrained loading)."""
from .cross_scale_mask import CrossScaleMaskGenerator
from .hierarchical_tokens import HierarchicalTokens
from .multi_view import apply_per_view, encode_views
from .out_indices import normalise_indices
from .patchify import patchify, unpatchify
from .pos_embed import resample_pos_embed, sincos_pos_embed_2d
from .saip_views import SAIPViews, split_views
from .strict_loading import load_strictly, pretrained_source

__all__ = [
    'resample_pos_embed', 'sincos_pos_embed_2d', 'patchify', 'unpatchify',
    'CrossScaleMaskGenerator', 'SAIPViews', 'split_views', 'encode_views',
    'apply_per_view', 'HierarchicalTokens', 'normalise_indices',
    'load_strictly', 'pretrained_source'
]
