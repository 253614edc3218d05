"""Test-only hooks and transforms, imported by the subprocess runs of the
reliability tests through ``custom_imports`` (this folder is put on
``PYTHONPATH``). They register into mmengine's root registries, which every
scope falls back to."""
import json
import os
import os.path as osp
import signal

import torch
from mmcv.transforms import BaseTransform, Compose
from mmengine.dist import get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS, TRANSFORMS


@HOOKS.register_module()
class SigkillAfterIterHook(Hook):
    """SIGKILL the process after iteration ``iteration`` (1-based): no
    cleanup, no ``after_train``, like a preempted or OOM-killed job.

    Lowest priority: the checkpoint of that iteration, if any, is written
    first.
    """

    priority = 'LOWEST'

    def __init__(self, iteration: int) -> None:
        self.iteration = iteration

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if runner.iter + 1 == self.iteration:
            os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module()
class PoisonInputHook(Hook):
    """At iteration ``iteration`` (1-based), on the last rank only, set one
    pixel of g1 of the last sample of the batch to NaN (after the data
    preprocessor).

    The NaN spreads through attention to that sample's tokens, so the
    teacher's logits (and with them the DINO centre) and every loss term
    that uses g1 become NaN; ``loss_css_roi`` (last local view against the
    teacher's composite) stays finite. With DefaultSampler's interleaving,
    the last sample on the last of 2 ranks at batch B is the last sample of
    one process at batch 2B.
    """

    def __init__(self, iteration: int) -> None:
        self.iteration = iteration
        self._runner = None

    def before_train(self, runner) -> None:
        self._runner = runner
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        model.data_preprocessor.register_forward_hook(self._poison)

    def _poison(self, module, args, output) -> None:
        if self._runner.iter + 1 == self.iteration and \
                get_rank() == get_world_size() - 1:
            output['inputs'][0][-1, 0, 0, 0] = float('nan')


@HOOKS.register_module()
class RecordRankLossesHook(Hook):
    """Append every rank's loss terms to ``work_dir/losses_rank{r}.jsonl``
    (mmengine logs rank 0 only)."""

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        row = {k: float(v) for k, v in outputs.items()}
        row['iter'] = runner.iter + 1
        path = osp.join(runner.work_dir, f'losses_rank{get_rank()}.jsonl')
        with open(path, 'a') as file:
            file.write(json.dumps(row) + '\n')


@TRANSFORMS.register_module()
class SeedPerSample(BaseTransform):
    """Run ``transforms`` with torch seeded by the sample index.

    saip_mm's transforms draw from a per-process generator keyed on
    ``torch.initial_seed()``, so a sample's augmentation depends on which
    process (rank, worker) loads it and what it loaded before. Seeding by
    ``sample_idx`` makes it a function of the sample alone, so one process
    at batch 2B and two at batch B see identical pixels. The global state
    is put back afterwards so the model's draws are unaffected.
    """

    def __init__(self, transforms: list) -> None:
        self.transforms = Compose(transforms)

    def bind_dataset(self, dataset) -> None:
        """PersonImageDataset binds only its top-level transforms."""
        for transform in self.transforms.transforms:
            if hasattr(transform, 'bind_dataset'):
                transform.bind_dataset(dataset)

    def transform(self, results: dict) -> dict:
        state = torch.get_rng_state()
        torch.manual_seed(results['sample_idx'])
        try:
            return self.transforms(results)
        finally:
            torch.set_rng_state(state)
