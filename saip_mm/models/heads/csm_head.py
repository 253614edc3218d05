"""Cross-scale matching (CSM): a DINO projection head and its losses."""
import math
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from saip_mm.models.backbones.vit_layers import AttnMaps, init_vit_weights
from saip_mm.registry import MODELS


class NormalizedLinear(nn.Module):
    """Bias-free linear layer whose weight rows have unit (or learned) norm.

    Equivalent to ``nn.utils.weight_norm(nn.Linear(..., bias=False))`` with
    ``weight_g`` fixed at 1 (DINO's ``norm_last_layer=True``), or learnable
    from 1 when ``learn_norm=True``, without the deprecated hook.

    Args:
        in_features (int): Input width.
        out_features (int): Output width.
        learn_norm (bool): Learn a per-row scale ``weight_g``.
            Defaults to False.
    """

    def __init__(self, in_features: int, out_features: int,
                 learn_norm: bool = False) -> None:
        super().__init__()
        self.weight_v = nn.Parameter(torch.empty(out_features, in_features))
        # nn.Linear's default init, which the reference's weight-normed
        # nn.Linear keeps (only the row directions matter)
        nn.init.kaiming_uniform_(self.weight_v, a=math.sqrt(5))
        if learn_norm:
            self.weight_g = nn.Parameter(torch.ones(out_features, 1))
        else:
            self.register_parameter('weight_g', None)

    @property
    def weight(self) -> Tensor:
        """The effective weight ``g * v / ||v||`` (row-wise)."""
        weight = F.normalize(self.weight_v, dim=1)
        return weight if self.weight_g is None else self.weight_g * weight

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight)


@MODELS.register_module()
class CrossScaleMatchingHead(BaseModule):
    """DINO-style head mapping every view's CLS token to K prototypes.

    MLP ``in -> hidden -> hidden -> bottleneck`` (GELU, no BN), L2
    normalisation, then a bias-free weight-normalised linear layer to
    ``out_channels`` logits. The DINO cross-entropy across views and scales
    (``loss``) and, optionally, the KL distillation of the last block's
    attention maps (``att_loss``) make the CSM objective.

    Args:
        in_channels (int): Width of the backbone CLS token.
        hidden_channels (int): MLP hidden width. Defaults to 2048.
        bottleneck_channels (int): Width before the last layer.
            Defaults to 256.
        out_channels (int): Number of prototypes K. Also passed to the loss.
            Defaults to 65536.
        norm_last_layer (bool): Fix the norm of the last layer's rows at 1.
            Defaults to True.
        loss (dict): Config of the cross-view loss; ``out_channels`` is
            merged into it. Defaults to ``dict(type='saip_mm.DINOLoss')``.
        att_loss (dict, optional): Config of the attention distillation
            loss; None disables it. Defaults to
            ``dict(type='saip_mm.AttentionKLLoss')``.
        loss_weight (float): Weight of ``loss_csm``. Defaults to 1.
        att_loss_weight (float): Weight of ``loss_csm_att``; 0 disables
            the term as ``att_loss=None`` does (no attention maps are
            computed). Defaults to 1.
        init_cfg (dict | list[dict], optional): Initialisation config. The
            reference initialisation (Xavier-uniform MLP with zero bias, the
            last layer as ``nn.Linear``'s default) is applied at
            construction. Defaults to None.

    Example:
        >>> head = CrossScaleMatchingHead(192, out_channels=1024)
        >>> head(torch.rand(8, 192)).shape
        torch.Size([8, 1024])
    """

    def __init__(self,
                 in_channels: int,
                 hidden_channels: int = 2048,
                 bottleneck_channels: int = 256,
                 out_channels: int = 65536,
                 norm_last_layer: bool = True,
                 loss: dict = dict(type='saip_mm.DINOLoss'),
                 att_loss: Optional[dict] = dict(
                     type='saip_mm.AttentionKLLoss'),
                 loss_weight: float = 1.0,
                 att_loss_weight: float = 1.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.out_channels = out_channels
        self.loss_weight = loss_weight
        self.att_loss_weight = att_loss_weight
        self.mlp = nn.Sequential(
            nn.Linear(in_channels, hidden_channels), nn.GELU(),
            nn.Linear(hidden_channels, hidden_channels), nn.GELU(),
            nn.Linear(hidden_channels, bottleneck_channels))
        # the reference's CSMDecoder init: Xavier-uniform, zero bias
        self.mlp.apply(init_vit_weights)
        self.last_layer = NormalizedLinear(
            bottleneck_channels, out_channels,
            learn_norm=not norm_last_layer)

        loss = dict(loss)
        if loss.get('out_channels', out_channels) != out_channels:
            raise ValueError(
                f"loss out_channels {loss['out_channels']} differs from the "
                f"head's {out_channels}")
        loss['out_channels'] = out_channels
        self.loss_module = MODELS.build(loss)
        self.att_loss_module = (
            MODELS.build(att_loss)
            if att_loss is not None and att_loss_weight > 0 else None)

    def forward(self, x: Tensor) -> Tensor:
        """Project CLS tokens (N, C) to prototype logits (N, K)."""
        x = F.normalize(self.mlp(x), dim=-1)
        return self.last_layer(x)

    def loss(self,
             student_logits: List[Tensor],
             teacher_logits: List[Tensor],
             student_attn: Optional[List[AttnMaps]] = None,
             teacher_attn: Optional[List[AttnMaps]] = None
             ) -> Dict[str, Tensor]:
        """Compute the CSM losses.

        Args:
            student_logits (list[Tensor]): V tensors (B, K), view order.
            teacher_logits (list[Tensor]): T tensors (B, K); teacher view
                ``i`` is student view ``i``.
            student_attn (list[tuple[Tensor, Tensor]], optional): Student
                (qk, vv) maps (B, heads, N, N) of the teacher's views.
            teacher_attn (list[tuple[Tensor, Tensor]], optional): Teacher
                maps of the same views.

        Returns:
            dict[str, Tensor]: ``loss_csm``, the loss module's log-only
            collapse monitors (``csm_teacher_entropy``, ``csm_batch_entropy``,
            ``csm_kl``, ``csm_center_norm`` for :class:`DINOLoss`) and, when
            the attention term is enabled and maps are given,
            ``loss_csm_att``.
        """
        losses = dict(loss_csm=self.loss_weight *
                      self.loss_module(student_logits, teacher_logits))
        losses.update(getattr(self.loss_module, 'monitors', {}))
        if (self.att_loss_module is not None and student_attn is not None
                and teacher_attn is not None):
            losses['loss_csm_att'] = self.att_loss_weight * \
                self.att_loss_module(student_attn, teacher_attn)
        return losses
