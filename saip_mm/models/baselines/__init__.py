"""Baselines that SAIP is compared with (not part of SAIP): mmpretrain's MAE
on rectangular patch grids."""
from .mae import MAEPretrainDecoderRect, MAEPretrainHeadRect, MAEViTRect

__all__ = ['MAEViTRect', 'MAEPretrainDecoderRect', 'MAEPretrainHeadRect']
