"""Modules built on mmpose / mmseg / mmdet, loaded only when those are in use.

Each entry maps a host library to the integration module that subclasses its
classes. An integration is imported only once its host is in ``sys.modules``,
so ``import saip_mm`` and pretraining never need the compiled mmcv ops that
mmpose, mmseg and mmdet require.
"""
import importlib
import sys
from typing import Dict

INTEGRATIONS: Dict[str, str] = {
    'mmdet': 'saip_mm.integrations.mmdet',
    'mmseg': 'saip_mm.integrations.mmseg',
    'mmpose': 'saip_mm.integrations.mmpose',
}
_loaded: set = set()


def import_loaded_integrations() -> bool:
    """Import the integrations whose host library is imported.

    Returns:
        bool: True if at least one integration was newly imported.
    """
    newly = False
    for host, module in INTEGRATIONS.items():
        if host in sys.modules and module not in _loaded:
            _loaded.add(module)
            if importlib.util.find_spec(module) is not None:
                importlib.import_module(module)
                newly = True
    return newly
