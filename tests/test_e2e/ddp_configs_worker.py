"""Worker of test_ddp_configs.py: run under torchrun with 2 processes.

Trains every given config for 2 iterations the way ``tools/dist_train.sh``
does (``tools/runner_cli.build_runner``: MMDistributedDataParallel with
``find_unused_parameters=False`` on gloo), with narrow heads and one image
per rank, and writes the logged loss terms of each config (rank 0) to a
json file.

usage: torchrun --nproc_per_node 2 ddp_configs_worker.py OUT_JSON DATA_ROOT
       REID_ROOT WORK_DIR CONFIG [CONFIG ...]
"""
import json
import math
import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path[:0] = [REPO, osp.join(REPO, 'tools'), osp.dirname(__file__)]

from mmengine.config import Config  # noqa: E402
from mmengine.dist import get_rank  # noqa: E402
from runner_cli import build_runner  # noqa: E402
from test_saip_configs import shrink_heads  # noqa: E402

import saip_mm  # noqa: E402,F401

ITERS = 2


def tiny_ddp_config(config: str, data_root: str, reid_root: str,
                    work_dir: str) -> Config:
    """The config with narrow heads, 2 iterations, 1 image per rank."""
    cfg = Config.fromfile(config)
    shrink_heads(cfg.model)
    name = osp.splitext(osp.basename(config))[0]
    cfg.work_dir = osp.join(work_dir, name)
    cfg.experiment_name = f'ddp_{name}'
    cfg.launcher = 'pytorch'
    cfg.compile = False  # inductor on CPU takes minutes; not what is tested
    cfg.optim_wrapper.type = 'OptimWrapper'
    cfg.optim_wrapper.pop('dtype', None)
    # every iteration synchronises gradients: with the paper's 4-step
    # accumulation the first all-reduce comes at iteration 4 (or the last),
    # and DDP reports unused parameters only at the forward after it, so a
    # short run would never see them
    cfg.optim_wrapper.accumulative_counts = 1
    cfg.train_dataloader.update(batch_size=1, num_workers=0,
                                persistent_workers=False, pin_memory=False)
    dataset = cfg.train_dataloader.dataset
    if dataset.type == 'saip_mm.PersonImageDataset':
        dataset.update(data_root=data_root, ann_file='train.txt',
                       indices=2 * ITERS)
    else:
        dataset.num_samples = 2 * ITERS
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=ITERS)
    cfg.param_scheduler = []
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.default_hooks.checkpoint = None
    cfg.log_processor = dict(by_epoch=False, window_size=1)
    for hook in cfg.get('custom_hooks', []):
        if hook.type == 'saip_mm.ReIDProbeHook':
            hook.update(data_root=reid_root, before_train=False)
    return cfg


def main() -> None:
    out_json, data_root, reid_root, work_dir, *configs = sys.argv[1:]
    results = {}
    for config in configs:
        runner = build_runner(tiny_ddp_config(config, data_root, reid_root,
                                              work_dir))
        runner.train()
        hub = runner.message_hub
        results[config] = dict(
            iters=runner.iter,
            wrapper=type(runner.model).__name__,
            find_unused=getattr(runner.model, 'find_unused_parameters',
                                None),
            losses={k.split('/')[-1]: hub.get_scalar(k).current()
                    for k in hub.log_scalars
                    if k.startswith('train/loss_')})
        del runner
    if get_rank() == 0:
        with open(out_json, 'w') as f:
            json.dump(results, f, indent=1, default=lambda v: (
                v if math.isfinite(v) else str(v)))


if __name__ == '__main__':
    main()
