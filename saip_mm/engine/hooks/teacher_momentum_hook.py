"""Teacher momentum schedule of SAIP as an mmengine hook."""
import math
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from saip_mm.registry import HOOKS

DATA_BATCH = Optional[dict]


@HOOKS.register_module()
class TeacherMomentumHook(Hook):
    """Update the EMA teacher with a cosine momentum schedule.

    ``m_k = end - (end - start) * (cos(pi * k / K) + 1) / 2`` for optimizer
    step ``k`` of ``K`` (all optimizer steps of the run). With
    ``mode='intended'`` (default) the teacher is updated once per optimizer
    step, i.e. once every ``accumulative_counts`` iterations.

    ``mode='reference'`` reproduces SAIPv1: the schedule is laid out over all
    *iterations* but indexed by the iteration within the epoch, and the
    teacher is updated after every micro-step, so the momentum never leaves
    about ``start`` and with gradient accumulation the effective momentum per
    optimizer step is ``start ** accumulative_counts``.

    The state depends only on ``runner.iter``, so ``--resume`` continues the
    schedule exactly.

    Args:
        start (float): Momentum at step 0. Defaults to 0.996.
        end (float): Momentum at the last step. Defaults to 1.0.
        mode (str): ``'intended'`` or ``'reference'``.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, start: float = 0.996, end: float = 1.0,
                 mode: str = 'intended') -> None:
        if mode not in ('intended', 'reference'):
            raise ValueError(f"mode must be 'intended' or 'reference', "
                             f'got {mode!r}')
        self.start = start
        self.end = end
        self.mode = mode

    def momentum(self, step: int, total: int) -> float:
        """Cosine schedule value at ``step`` of ``total``."""
        progress = step / max(total - 1, 1)
        return self.end - (self.end - self.start) * (
            math.cos(math.pi * min(progress, 1.)) + 1) / 2

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        accum = getattr(runner.optim_wrapper, '_accumulative_counts', 1)
        it = runner.iter  # index of the iteration that just ran
        if self.mode == 'intended':
            if (it + 1) % accum and it + 1 != runner.max_iters:
                return
            m = self.momentum(it // accum, math.ceil(runner.max_iters / accum))
        else:
            iters_per_epoch = runner.max_iters // max(runner.max_epochs, 1) \
                if runner.max_epochs else runner.max_iters
            m = self.momentum(it % max(iters_per_epoch, 1), runner.max_iters)
        model.update_teacher(m)
        runner.message_hub.update_scalar('train/teacher_momentum', m)
