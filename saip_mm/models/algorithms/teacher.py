"""The EMA teacher of SAIP."""
import copy
from typing import Dict

import torch
from torch import nn


class EMATeacher(nn.Module):
    """A stop-gradient EMA copy of the student modules the teacher uses.

    Only the modules the teacher actually runs are copied (the backbone and,
    with CSM on, the CSM head): the reference also averages decoders the
    teacher never uses, which is wasted work. mmengine's
    ``ExponentialMovingAverage`` is not used because it copies the source on
    its first update (momentum 0 for step 1) and weights the *new* value by
    ``momentum``; SAIP's schedule is set per optimizer step by
    :class:`~saip_mm.engine.hooks.TeacherMomentumHook`.

    Args:
        modules (dict[str, nn.Module]): Student modules to mirror.
    """

    def __init__(self, modules: Dict[str, nn.Module]) -> None:
        super().__init__()
        self.net = nn.ModuleDict(
            {k: copy.deepcopy(m) for k, m in modules.items()})
        self.net.requires_grad_(False)
        self.net.eval()

    @torch.no_grad()
    def copy_from(self, student: Dict[str, nn.Module]) -> None:
        """theta_t <- theta_s: the start of the EMA (the reference loads the
        student's state into the teacher before the first step)."""
        self.update(student, momentum=0.)

    def train(self, mode: bool = True) -> 'EMATeacher':
        """The teacher always runs in eval mode (no drop-path)."""
        return super().train(False)

    def __getitem__(self, name: str) -> nn.Module:
        return self.net[name]

    @torch.no_grad()
    def update(self, student: Dict[str, nn.Module], momentum: float) -> None:
        """theta_t <- m * theta_t + (1 - m) * theta_s, buffers copied."""
        t_params, s_params = [], []
        for name, module in self.net.items():
            t_params += list(module.parameters())
            s_params += [p.detach() for p in student[name].parameters()]
            for tb, sb in zip(module.buffers(), student[name].buffers()):
                tb.copy_(sb)
        torch._foreach_lerp_(t_params, s_params, 1. - momentum)
