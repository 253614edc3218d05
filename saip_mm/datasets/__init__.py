"""Datasets and transforms."""
from . import transforms  # noqa: F401
from .attribute_datasets import (
                                 MarketAttributeDataset,
                                 PA100KDataset,
                                 PETADataset,
)
from .demo_data import DemoPersonDataset, demo_image_paths
from .image_io import BadImageError, imfrombytes_rgb, imread_rgb
from .market_names import parse_market_name, scan_market_folder
from .person_image_dataset import PersonImageDataset
from .reid_dataset import Market1501Dataset

__all__ = [
    'BadImageError', 'DemoPersonDataset', 'PersonImageDataset',
    'demo_image_paths', 'imfrombytes_rgb', 'imread_rgb',
    'Market1501Dataset', 'MarketAttributeDataset', 'PA100KDataset',
    'PETADataset', 'parse_market_name', 'scan_market_folder'
]
