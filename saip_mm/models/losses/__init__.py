"""Formula-level loss modules, one file each."""
from .attention_kl_loss import AttentionKLLoss
from .dino_loss import DINOLoss

__all__ = ['DINOLoss', 'AttentionKLLoss']
