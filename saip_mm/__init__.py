"""saip_mm: SAIP (Scale-Aware Image Pretraining) for OpenMMLab.

``import saip_mm`` checks the OpenMMLab versions, registers every module into
the ``saip_mm`` registries and installs the checkpoint loader that keeps
``resume`` working under torch's ``weights_only`` loading.
"""
from .version import __version__
from .version_check import check_versions

check_versions()

from . import datasets, engine, evaluation, models  # noqa: E402,F401
from .utils.checkpoint_loader import register_safe_checkpoint_loader  # noqa: E402,E501

register_safe_checkpoint_loader()

__all__ = ['__version__']
