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
    'attribute_probe', 'extract_features', 'fit_linear_probe', 'knn_predict',
    'load_attribute_splits', 'load_probe_backbone', 'mean_accuracy',
    'pool_tokens', 'read_market_split', 'reid_probe'
]
