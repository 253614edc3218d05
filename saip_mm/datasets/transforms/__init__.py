"""SAIP data transforms: loading, multi-scale views, composites, packing."""
from .formatting import PackSAIPInputs
from .loading import LoadPersonImage
from .multi_person_composite import MultiPersonComposite
from .multi_scale_views import SAIPMultiScaleViews

__all__ = [
    'LoadPersonImage', 'MultiPersonComposite', 'PackSAIPInputs',
    'SAIPMultiScaleViews'
]
