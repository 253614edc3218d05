"""Training-free probes of representation quality (ReID, attributes)."""
from .attribute_probe import (
    PROBE_METHODS,
    AttributeSplits,
    attribute_probe,
    fit_linear_probe,
    knn_predict,
    load_attribute_splits,
    mean_accuracy,
)
from .cli import add_backbone_arguments, backbone_from_args
from .features import (
    FEATURE_TYPES,
    PersonImageList,
    extract_features,
    load_probe_backbone,
    pool_tokens,
)
from .reid_probe import read_market_split, reid_probe

__all__ = [
    'FEATURE_TYPES', 'PROBE_METHODS', 'AttributeSplits', 'PersonImageList',
    'add_backbone_arguments', 'attribute_probe', 'backbone_from_args',
    'extract_features', 'fit_linear_probe', 'knn_predict',
    'load_attribute_splits', 'load_probe_backbone', 'mean_accuracy',
    'pool_tokens', 'read_market_split', 'reid_probe'
]
