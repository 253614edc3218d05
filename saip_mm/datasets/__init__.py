"""Datasets and transforms."""
from . import transforms  # noqa: F401
from .demo_data import DemoPersonDataset, demo_image_paths
from .image_io import BadImageError, imfrombytes_rgb, imread_rgb
from .person_image_dataset import PersonImageDataset

__all__ = [
    'BadImageError', 'DemoPersonDataset', 'PersonImageDataset',
    'demo_image_paths', 'imfrombytes_rgb', 'imread_rgb'
]
