"""Metrics the OpenMMLab libraries lack."""
from .attribute_metric import PedestrianAttributeMetric
from .reid_metric import ReIDQueryGalleryMetric

__all__ = ['PedestrianAttributeMetric', 'ReIDQueryGalleryMetric']
