"""Lightweight backbones for person images."""
from .saip_tinyvit import SAIPTinyViT
from .saip_vit import ARCH_ZOO, SAIPViT

__all__ = ['SAIPViT', 'SAIPTinyViT', 'ARCH_ZOO']
