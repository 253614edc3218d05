"""DINO self-distillation loss with a centred, sharpened teacher (CSM)."""
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from mmengine.dist import all_reduce, get_world_size
from mmengine.model import BaseModule
from torch import Tensor

from saip_mm.registry import MODELS


def at_least_fp32(x: Tensor) -> Tensor:
    """Promote fp16/bf16 to fp32: a softmax over 65536 logits at
    temperature 0.04 underflows in half precision."""
    return x.to(torch.promote_types(x.dtype, torch.float32))


@MODELS.register_module()
class DINOLoss(BaseModule):
    r"""Cross-entropy between teacher and student views of different index.

    Student view ``v`` learns the teacher's distribution of every teacher
    view ``i != v``; teacher view ``i`` is the same image as student view
    ``i``. The teacher is centred by ``center`` (an EMA of its batch mean,
    averaged over all ranks) and sharpened by ``teacher_temp``:

    .. math::
        L = \frac{1}{|P|} \sum_{(i, v) \in P} \frac{1}{B} \sum_b
            \sum_k -\mathrm{softmax}((t_i - c) / \tau_t)_k
            \log \mathrm{softmax}(s_v / \tau_s)_k

    with ``P`` every pair of teacher view ``i`` and student view ``v != i``
    (18 pairs for SAIP's 2 teacher and 10 student views).

    Args:
        out_channels (int): Width K of the logits. Defaults to 65536.
        student_temp (float): Student temperature. Defaults to 0.1.
        teacher_temp (float): Teacher temperature. Defaults to 0.04.
        center_momentum (float): EMA momentum of the centre. Defaults to 0.9.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 out_channels: int = 65536,
                 student_temp: float = 0.1,
                 teacher_temp: float = 0.04,
                 center_momentum: float = 0.9,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.out_channels = out_channels
        self.student_temp = student_temp
        self.teacher_temp = teacher_temp
        self.center_momentum = center_momentum
        self.register_buffer('center', torch.zeros(1, out_channels))
        self.monitors: Dict[str, Tensor] = {}

    def forward(self, student_logits: List[Tensor],
                teacher_logits: List[Tensor]) -> Tensor:
        """Compute the loss and update the centre.

        Args:
            student_logits (list[Tensor]): V tensors (B, K), in view order.
            teacher_logits (list[Tensor]): T tensors (B, K); teacher view
                ``i`` is the same image as student view ``i`` (T <= V).

        Returns:
            Tensor: Scalar loss.
        """
        num_t, num_s = len(teacher_logits), len(student_logits)
        if not 0 < num_t <= num_s:
            raise ValueError(f'need 1..{num_s} teacher views for {num_s} '
                             f'student views, got {num_t}')
        student = at_least_fp32(torch.stack(student_logits))  # V, B, K
        teacher = at_least_fp32(torch.stack(teacher_logits).detach())
        log_probs = F.log_softmax(student / self.student_temp, dim=-1)
        probs = F.softmax((teacher - self.center) / self.teacher_temp, dim=-1)
        # Cross-entropy summed over the student views v != i, for every
        # teacher view i, with one product per teacher view instead of V - 1.
        others = log_probs.sum(dim=0, keepdim=True) - log_probs[:num_t]
        total = (-probs * others).sum(dim=-1).mean(dim=-1).sum()
        loss = total / (num_t * (num_s - 1))
        self.monitors = self.health(probs, loss)
        self.update_center(teacher.flatten(0, 1))
        return loss

    @torch.no_grad()
    def health(self, teacher_probs: Tensor,
               cross_entropy: Tensor) -> Dict[str, Tensor]:
        """DINO collapse monitors of one batch (log-only, no ``loss``).

        - ``csm_teacher_entropy``: mean entropy of one teacher distribution.
          Near ln K the teacher is uniform (collapse by centring); near 0 it
          is one-hot.
        - ``csm_batch_entropy``: entropy of the batch-mean teacher
          distribution. Near 0 every image picks the same prototype
          (collapse by sharpening); it stays well above
          ``csm_teacher_entropy`` in a healthy run.
        - ``csm_kl``: cross-entropy minus teacher entropy, the part of
          ``loss_csm`` the student can still remove; it falls as the student
          matches the teacher.
        - ``csm_center_norm``: L2 norm of the centre.

        Args:
            teacher_probs (Tensor): (T, B, K) centred, sharpened teacher.
            cross_entropy (Tensor): The unweighted loss of the batch.

        Returns:
            dict[str, Tensor]: The four scalars.
        """
        log_p = teacher_probs.clamp_min(1e-12).log()
        entropy = -(teacher_probs * log_p).sum(dim=-1).mean()
        mean_p = teacher_probs.flatten(0, 1).mean(dim=0)
        batch_entropy = -(mean_p * mean_p.clamp_min(1e-12).log()).sum()
        return dict(csm_teacher_entropy=entropy,
                    csm_batch_entropy=batch_entropy,
                    csm_kl=cross_entropy.detach() - entropy,
                    csm_center_norm=self.center.norm())

    @torch.no_grad()
    def update_center(self, teacher_logits: Tensor) -> None:
        """EMA of the teacher's batch mean, averaged over every rank.

        Args:
            teacher_logits (Tensor): (N, K), every teacher view of the batch.
        """
        batch_sum = teacher_logits.sum(dim=0, keepdim=True)
        all_reduce(batch_sum, op='sum')
        batch_center = batch_sum / (teacher_logits.shape[0] * get_world_size())
        self.center.mul_(self.center_momentum).add_(
            batch_center.to(self.center.dtype), alpha=1 - self.center_momentum)
