"""Child registries of saip_mm (scope ``saip_mm``).

Every module of the plugin registers here. A config anywhere in the OpenMMLab
family reaches it as ``type='saip_mm.X'``: mmengine imports this file from the
prefix and then the ``locations`` of the registry, so no ``custom_imports`` is
needed. Modules that subclass a downstream library's classes (mmseg's) live
in ``saip_mm.integrations`` and load only when that library is imported (see
:class:`LazyIntegrationRegistry`), so pretraining needs only mmengine,
mmcv(-lite) and mmpretrain. Only the registries that something registers
into exist here; the others (samplers, visualizers, ...) are mmengine's.
"""
from typing import Any, Optional

from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import (
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
)
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import Registry


class LazyIntegrationRegistry(Registry):
    """Registry that loads host-library integrations on a lookup miss.

    ``saip_mm.integrations`` holds classes built on downstream libraries
    (mmseg). They are imported the first time a lookup misses *and* their
    host library is already imported (i.e. a config of that library is in
    use).
    """

    def get(self, key: str) -> Optional[Any]:
        obj = super().get(key)
        if obj is None:
            from saip_mm.integrations import import_loaded_integrations
            if import_loaded_integrations():
                obj = super().get(key)
        return obj


MODELS = LazyIntegrationRegistry(
    'model', parent=MMENGINE_MODELS, scope='saip_mm',
    locations=['saip_mm.models'])
DATASETS = LazyIntegrationRegistry(
    'dataset', parent=MMENGINE_DATASETS, scope='saip_mm',
    locations=['saip_mm.datasets'])
TRANSFORMS = LazyIntegrationRegistry(
    'transform', parent=MMENGINE_TRANSFORMS, scope='saip_mm',
    locations=['saip_mm.datasets.transforms'])
HOOKS = Registry(
    'hook', parent=MMENGINE_HOOKS, scope='saip_mm',
    locations=['saip_mm.engine.hooks'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, scope='saip_mm',
    locations=['saip_mm.engine.optimizers'])
METRICS = LazyIntegrationRegistry(
    'metric', parent=MMENGINE_METRICS, scope='saip_mm',
    locations=['saip_mm.evaluation'])
