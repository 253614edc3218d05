"""Lightweight backbones for person images."""
from .saip_vit import ARCH_ZOO, SAIPViT

__all__ = ['SAIPViT', 'ARCH_ZOO']
