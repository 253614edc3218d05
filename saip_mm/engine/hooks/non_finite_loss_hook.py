"""Stop, or skip, a training step whose loss is not finite."""
import functools
import logging
from typing import Callable, Dict, List, Optional, Sequence

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper
from torch import Tensor, nn

from saip_mm.registry import HOOKS

DATA_BATCH = Optional[Sequence[dict]]
SKIPPED_KEY = 'train/skipped_steps'


def is_finite(value) -> Tensor:
    """Whether a loss term (a tensor or a list of them) is all finite."""
    values = value if isinstance(value, (list, tuple)) else [value]
    return torch.stack([torch.isfinite(v).all() for v in values]).all()


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Catch a NaN / Inf loss term before it reaches any weight.

    mmengine's ``train_step`` runs forward, backward and the optimizer step
    in one call, and :class:`TeacherMomentumHook` moves the EMA teacher
    after it, so an ``after_train_iter`` check would come too late. This
    hook checks every ``loss*`` term in a forward hook on the model, i.e.
    before the backward pass. The forward may already have changed model
    buffers (the DINO centre is an EMA of the teacher outputs); they are put
    back to their values before the iteration.

    - ``action='raise'``: raise :class:`FloatingPointError` naming the
      non-finite terms and the iteration. No backward, optimizer step or
      teacher update happens, so the weights in memory and in the last
      checkpoint are those of the last good iteration.
    - ``action='skip'``: the optimizer step that would apply this
      iteration's gradients is skipped (with gradient accumulation, the
      step of the whole accumulation window) and the gradients are zeroed;
      the teacher then moves towards the unchanged, finite student. Each
      skip logs a warning, and ``skipped_steps`` (the count since the start
      of the run, kept across ``--resume``) is logged with the other
      scalars.

    With several processes the verdict is all-reduced, so all ranks raise
    or skip together (a rank raising alone would leave the others waiting
    in the next collective).

    Args:
        action (str): ``'raise'`` or ``'skip'``. Defaults to ``'raise'``.
    """

    priority = 'VERY_HIGH'  # snapshot the buffers before other hooks act

    def __init__(self, action: str = 'raise') -> None:
        if action not in ('raise', 'skip'):
            raise ValueError(
                f"action must be 'raise' or 'skip', got {action!r}")
        self.action = action
        self.skipped = 0
        self._runner = None
        self._handle = None
        self._buffers: Dict[str, Tensor] = {}
        self._skip_step = False
        self._step: Optional[Callable] = None

    @staticmethod
    def unwrap(model: nn.Module) -> nn.Module:
        """The model inside a DDP-style wrapper."""
        return model.module if is_model_wrapper(model) else model

    def before_train(self, runner) -> None:
        """Watch the model's losses (and, to skip, the optimizer step)."""
        self._runner = runner
        self._handle = self.unwrap(runner.model).register_forward_hook(
            self._check_losses)
        if self.action == 'raise':
            return
        wrapper = runner.optim_wrapper
        if not isinstance(wrapper, OptimWrapper):
            raise TypeError("NonFiniteLossHook(action='skip') supports one "
                            f'OptimWrapper, got {type(wrapper).__name__}')
        # OptimWrapper.update_params has no pre-step hook point: shadow the
        # step on this instance (put back in after_train), as mmengine's
        # parameter schedulers do to count steps.
        self._step = wrapper.step
        wrapper.step = self._guard(wrapper.step)
        if SKIPPED_KEY in runner.message_hub.log_scalars:  # resumed run
            self.skipped = int(
                runner.message_hub.get_scalar(SKIPPED_KEY).current())

    def after_train(self, runner) -> None:
        """Stop watching."""
        self._handle.remove()
        if self.action == 'skip':
            runner.optim_wrapper.step = self._step

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch: DATA_BATCH = None) -> None:
        """Snapshot the buffers the forward pass may update."""
        self._buffers = {
            name: buf.detach().clone()
            for name, buf in self.unwrap(runner.model).named_buffers()
        }

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        """Log the number of skipped steps (0 included: never silent)."""
        if self.action == 'skip':
            runner.message_hub.update_scalar(SKIPPED_KEY, self.skipped)

    def _guard(self, step: Callable) -> Callable:
        """``step`` that does nothing once after a non-finite loss."""

        @functools.wraps(step)  # keeps the schedulers' step counter mark
        def guarded_step(**kwargs) -> None:
            if self._skip_step:
                self._skip_step = False
                return
            step(**kwargs)

        return guarded_step

    def _check_losses(self, module: nn.Module, args: tuple,
                      outputs) -> None:
        """Forward hook: act on non-finite ``loss*`` terms."""
        if not module.training or not isinstance(outputs, dict):
            return
        names = sorted(k for k in outputs if 'loss' in k)
        if not names:
            return
        bad = torch.stack([~is_finite(outputs[k]) for k in names]).int()
        all_reduce(bad)  # the same verdict on every rank
        if not bad.any():
            return
        for name, buf in module.named_buffers():
            buf.copy_(self._buffers[name])
        it = self._runner.iter + 1
        terms = self._describe(outputs, names, bad.tolist())
        if self.action == 'raise':
            raise FloatingPointError(
                f'non-finite loss at iteration {it}: {terms}. Stopped before '
                'the backward pass, the optimizer step and the teacher '
                f'update: the weights are those after iteration {it - 1}. '
                'Check the inputs and the learning rate, then resume from '
                "the last checkpoint, or set NonFiniteLossHook(action='skip')"
                ' to skip such steps.')
        self._skip_step = True
        self.skipped += 1
        print_log(f'non-finite loss at iteration {it}: {terms}; skipping '
                  f'its optimizer step ({self.skipped} skipped so far)',
                  logger='current', level=logging.WARNING)

    @staticmethod
    def _describe(outputs: dict, names: List[str], bad: List[int]) -> str:
        """``loss_x=nan, ...`` for the non-finite terms (local values)."""
        world_size = get_world_size()
        parts = []
        for name, count in zip(names, bad):
            if not count:
                continue
            value = outputs[name]
            if isinstance(value, (list, tuple)):
                value = sum(v.mean() for v in value)
            part = f'{name}={float(value.detach().mean()):g}'
            if world_size > 1:
                part += f' (non-finite on {count} of {world_size} ranks)'
            parts.append(part)
        return ', '.join(parts)
