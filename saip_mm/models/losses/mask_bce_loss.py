"""Binary cross-entropy of mask logits against a binary mask (CSS)."""
from typing import Optional

import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from saip_mm.registry import MODELS


@MODELS.register_module()
class MaskBCELoss(BaseModule):
    """BCE with logits, averaged over every cell of every mask.

    Computed in float32 whatever the autocast dtype of the logits.

    Args:
        init_cfg (dict, optional): Initialisation config. Defaults to None.

    Example:
        >>> loss = MaskBCELoss()
        >>> loss(torch.zeros(2, 14, 14), torch.ones(2, 14, 14))
        tensor(0.6931)
    """

    def __init__(self, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)

    def forward(self, logits: Tensor, target: Tensor) -> Tensor:
        """Mean BCE of ``logits`` (B, h, w) against ``target`` (B, h, w)."""
        return F.binary_cross_entropy_with_logits(
            logits.float(), target.to(logits.device).float())
