"""Modules built on downstream libraries, loaded only when those are in use.

Each entry maps a host library to the integration module that subclasses its
classes: today mmseg's parsing datasets (CIHP, CCP). An integration is
imported only once its host is in ``sys.modules``, so ``import saip_mm`` and
pretraining never need the compiled mmcv ops that mmseg requires. mmpose
and mmdet configs use ``saip_mm`` modules that need no subclass of theirs.
"""
import importlib
import sys
from typing import Dict

INTEGRATIONS: Dict[str, str] = {
    'mmseg': 'saip_mm.integrations.mmseg',
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
            importlib.import_module(module)
            newly = True
    return newly
