"""Formula-level loss modules, one file each."""
from .attention_kl_loss import AttentionKLLoss
from .dino_loss import DINOLoss
from .mask_bce_loss import MaskBCELoss

__all__ = ['DINOLoss', 'AttentionKLLoss', 'MaskBCELoss']
