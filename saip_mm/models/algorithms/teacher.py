"""The EMA teacher of SAIP."""
import copy
from typing import Sequence

import torch
from torch import nn


class EMATeacher(nn.Module):
    """A stop-gradient EMA copy of the student modules the teacher runs.

    ``names`` lists the student's attributes the teacher may run; those the
    student has are copied into ``net`` under the same names (SAIP: the
    backbone and, with CSM on, the CSM head; the reference also averages
    decoders the teacher never uses, which is wasted work). mmengine's
    ``ExponentialMovingAverage`` is not used because it copies the source on
    its first update (momentum 0 for step 1) and weights the *new* value by
    ``momentum``; SAIP's schedule is set per optimizer step by
    :class:`~saip_mm.engine.hooks.TeacherMomentumHook`.

    The teacher must be an attribute of ``student``. A checkpoint loaded
    into ``student`` without teacher weights (e.g. a backbone given as
    ``load_from``) starts the teacher as the loaded student.

    Args:
        student (nn.Module): The model whose modules are mirrored; not kept
            (it is passed again to :meth:`copy_from` and :meth:`update`).
        names (Sequence[str]): Attribute names of the modules to mirror.
    """

    def __init__(self, student: nn.Module, names: Sequence[str]) -> None:
        super().__init__()
        self.net = nn.ModuleDict({
            name: copy.deepcopy(getattr(student, name))
            for name in names if hasattr(student, name)
        })
        self.net.requires_grad_(False)
        self.net.eval()
        student.register_load_state_dict_pre_hook(self._fill_missing)

    def _fill_missing(self, student: nn.Module, state_dict: dict,
                      prefix: str, *args) -> None:
        """Copy the student's keys to absent teacher keys (load pre-hook of
        the student, which sees the whole state dict)."""
        name = next(n for n, m in student.named_children() if m is self)
        own = f'{prefix}{name}.net.'
        if not any(key.startswith(own) for key in state_dict):
            for key in self.net.state_dict():
                if prefix + key in state_dict:
                    state_dict[own + key] = state_dict[prefix + key]

    @torch.no_grad()
    def copy_from(self, student: nn.Module) -> None:
        """theta_t <- theta_s: the start of the EMA (the reference loads the
        student's state into the teacher before the first step)."""
        self.update(student, momentum=0.)

    def train(self, mode: bool = True) -> 'EMATeacher':
        """The teacher always runs in eval mode (no drop-path)."""
        return super().train(False)

    def __getitem__(self, name: str) -> nn.Module:
        return self.net[name]

    @torch.no_grad()
    def update(self, student: nn.Module, momentum: float) -> None:
        """theta_t <- m * theta_t + (1 - m) * theta_s, buffers copied."""
        t_params, s_params = [], []
        for name, module in self.net.items():
            source = getattr(student, name)
            t_params += list(module.parameters())
            s_params += [p.detach() for p in source.parameters()]
            for tb, sb in zip(module.buffers(), source.buffers()):
                tb.copy_(sb)
        torch._foreach_lerp_(t_params, s_params, 1. - momentum)
