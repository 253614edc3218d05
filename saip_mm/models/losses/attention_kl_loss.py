"""KL distillation of attention and value-relation maps (CSM attention)."""
from typing import List, Optional

from mmengine.model import BaseModule
from torch import Tensor

from saip_mm.models.backbones.vit_layers import AttnMaps
from saip_mm.registry import MODELS

from .dino_loss import at_least_fp32


@MODELS.register_module()
class AttentionKLLoss(BaseModule):
    """KL(teacher || student) between the last block's attention maps.

    Each view carries two row-stochastic maps of shape (B, heads, N, N):
    ``softmax(q k^T / sqrt(d))`` and ``softmax(v v^T / sqrt(d))``. For each
    map the KL divergence is summed over the keys and averaged over batch,
    heads and queries; the two terms are added and the result is averaged
    over the views (SAIP: the two global views, same view in teacher and
    student).

    Args:
        eps (float): Added inside both logarithms, so zero probabilities
            stay finite. Defaults to 1e-10.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self, eps: float = 1e-10,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.eps = eps

    def forward(self, student_maps: List[AttnMaps],
                teacher_maps: List[AttnMaps]) -> Tensor:
        """Compute the loss.

        Args:
            student_maps (list[tuple[Tensor, Tensor]]): Per view, the
                (qk, vv) softmax maps (B, heads, N, N) of the student.
            teacher_maps (list[tuple[Tensor, Tensor]]): The teacher's maps of
                the same views; detached here.

        Returns:
            Tensor: Scalar loss.
        """
        if len(student_maps) != len(teacher_maps) or not student_maps:
            raise ValueError(
                f'need the same non-zero number of student and teacher '
                f'views, got {len(student_maps)} and {len(teacher_maps)}')
        total = 0.
        for s_maps, t_maps in zip(student_maps, teacher_maps):
            for s, t in zip(s_maps, t_maps):
                t = at_least_fp32(t.detach())
                s = at_least_fp32(s)
                kl = t * ((t + self.eps).log() - (s + self.eps).log())
                total = total + kl.sum(dim=-1).mean()
        return total / len(student_maps)
