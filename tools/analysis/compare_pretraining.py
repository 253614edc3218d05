"""Pretrain SAIP, MAE and nothing for the same budget, then probe each.

For every method the same ViT-Tiny/16 at 256x128 is pretrained on a folder
of person crops for the same number of iterations (``--iters``) or the same
wall-clock time (``--budget-minutes``), with the same batch size, AdamW and
learning rate (linear warm-up, then constant: under a time budget the number
of iterations is unknown in advance). On a CPU shared with other jobs,
``--clock cpu`` counts the budget in CPU time of this process, so that every
method gets the same compute whatever else runs. The "random" method is
SAIPViT's own initialisation, i.e. what fine-tuning without pretraining
starts from.
Each backbone is then probed without training: ReID retrieval (mAP, CMC) and
kNN / linear attribute probes (mA). One table is printed and written to
``<work-dir>/results.md`` (+ ``results.json``).

Example:
    # CPU smoke run (a minute)
    python tools/analysis/compare_pretraining.py --iters 2 --batch-size 2 \
        --limit 16 --reid ../shared/data/reid_sample/market1501_mini \
        --attributes ../shared/data/attr_sample/market1501_attr/annotations/attributes.json
    # the recorded CPU comparison (docs/benchmarks.md)
    OMP_NUM_THREADS=1 python tools/analysis/compare_pretraining.py \
        --budget-minutes 20 --clock cpu
"""  # noqa: E501
import argparse
import gc
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.hooks import Hook  # noqa: E402
from mmengine.model import is_model_wrapper  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

import saip_mm  # noqa: E402,F401
from saip_mm.evaluation.probes import (  # noqa: E402
    FEATURE_TYPES,
    PROBE_METHODS,
    attribute_probe,
    load_probe_backbone,
    reid_probe,
)
from saip_mm.utils import save_checkpoint_atomic  # noqa: E402

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = dict(saip=osp.join(REPO_ROOT, 'configs/saip/saip_vit-t.py'),
               mae=osp.join(REPO_ROOT, 'configs/mae/mae_vit-t.py'))
METHODS = ('saip', 'mae', 'random')
SHARED_DATA = osp.join(osp.dirname(REPO_ROOT), 'shared', 'data')
# Iteration cap under a time budget; the budget hook ends training first.
UNBOUNDED_ITERS = 10**9
CLOCKS = dict(wall=time.perf_counter, cpu=time.process_time)


class TrainingBudgetHook(Hook):
    """End training after the first iteration that exhausts the budget.

    Args:
        seconds (float): Training time allowed, counted from
            ``before_train``.
        clock (str): ``'wall'`` (elapsed time) or ``'cpu'`` (CPU time of
            this process, which other jobs on a shared machine do not eat
            into). Defaults to 'wall'.
    """
    priority = 'VERY_LOW'

    def __init__(self, seconds: float, clock: str = 'wall') -> None:
        self.seconds = seconds
        self.timer = CLOCKS[clock]
        self.start = 0.

    def before_train(self, runner) -> None:
        self.start = self.timer()

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if self.timer() - self.start >= self.seconds:
            runner.train_loop.stop_training = True


def budget_config(config: str, method: str, args: argparse.Namespace
                  ) -> Config:
    """The method's config with the shared data, optimiser and budget.

    Args:
        config (str): Pretraining config of the method.
        method (str): Method name (work-dir sub-folder).
        args (argparse.Namespace): Parsed command line.

    Returns:
        Config: Ready for ``Runner.from_cfg``.
    """
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(getattr(args, f'{method}_cfg_options') or {})
    cfg.work_dir = osp.join(args.work_dir, method)
    cfg.experiment_name = method
    cfg.randomness = dict(seed=args.seed, diff_rank_seed=True)
    ann_file = 'train.txt' if osp.isfile(
        osp.join(args.data, 'train.txt')) else ''
    cfg.train_dataloader.dataset.update(
        data_root=args.data, ann_file=ann_file, data_prefix='',
        indices=args.limit)
    cfg.train_dataloader.update(
        batch_size=args.batch_size, num_workers=args.num_workers,
        persistent_workers=args.num_workers > 0,
        pin_memory=torch.cuda.is_available())
    cfg.optim_wrapper = dict(
        type='AmpOptimWrapper' if args.amp else 'OptimWrapper',
        optimizer=dict(type='AdamW', lr=args.lr, betas=(0.9, 0.95),
                       weight_decay=0.05),
        paramwise_cfg=cfg.optim_wrapper.get('paramwise_cfg'))
    cfg.auto_scale_lr = dict(enable=False)
    cfg.param_scheduler = [
        dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
             end=args.warmup_iters)
    ] if args.warmup_iters else []
    cfg.train_cfg = dict(type='IterBasedTrainLoop',
                         max_iters=args.iters or UNBOUNDED_ITERS)
    cfg.default_hooks.logger = dict(type='LoggerHook',
                                    interval=args.log_interval)
    # the backbone is exported once at the end; no runner checkpoints
    cfg.default_hooks.checkpoint = None
    cfg.log_processor = dict(by_epoch=False, window_size=args.log_interval)
    return cfg


def pretrain(method: str, args: argparse.Namespace) -> Dict[str, object]:
    """Pretrain one method and export its student backbone.

    Returns:
        dict: ``iters``, ``train_s`` (wall), ``train_cpu_s`` and
        ``checkpoint`` (backbone-only, ``{'state_dict', 'meta'}``).
    """
    cfg = budget_config(getattr(args, f'{method}_config'), method, args)
    runner = Runner.from_cfg(cfg)
    if args.budget_minutes:
        runner.register_hook(
            TrainingBudgetHook(60 * args.budget_minutes, args.clock))
    start, start_cpu = time.perf_counter(), time.process_time()
    runner.train()
    spent = dict(train_s=time.perf_counter() - start,
                 train_cpu_s=time.process_time() - start_cpu)
    model = runner.model.module if is_model_wrapper(runner.model) \
        else runner.model
    checkpoint = osp.join(cfg.work_dir, 'backbone.pth')
    # a hierarchical net (under HierarchicalTokens) is saved alone: the
    # file its downstream configs load
    backbone = getattr(model.backbone, 'net', model.backbone)
    save_checkpoint_atomic(
        dict(state_dict={k: v.detach().cpu() for k, v in
                         backbone.state_dict().items()},
             meta=dict(method=method, iters=runner.iter, **spent)),
        checkpoint)
    result = dict(iters=runner.iter, checkpoint=checkpoint, **spent)
    del runner, model
    gc.collect()
    return result


def probe(checkpoint: Optional[str], args: argparse.Namespace
          ) -> Dict[str, float]:
    """Both probes of one backbone (random init when no checkpoint)."""
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    img_size = tuple(args.probe_size)
    backbone = load_probe_backbone(checkpoint, img_size).to(device)
    common = dict(feature=args.feature, batch_size=args.probe_batch_size,
                  num_workers=args.num_workers, progress=True,
                  img_size=img_size)
    reid = reid_probe(backbone, args.reid, **common)
    attributes = attribute_probe(backbone, args.attributes,
                                 methods=args.attr_probes, k=args.knn_k,
                                 steps=args.linear_steps, **common)
    return {**{f'reid_{k}': v for k, v in reid.items()},
            **{f'attr_{k}': v for k, v in attributes.items()}}


def format_table(rows: List[Dict[str, object]]) -> str:
    """Markdown table of the comparison."""
    columns = [('method', 'method', '{}'), ('iters', 'iters', '{}'),
               ('train min (wall)', 'train_s', '{:.1f}'),
               ('train min (CPU)', 'train_cpu_s', '{:.1f}'),
               ('ReID mAP', 'reid_mAP', '{:.2f}'),
               ('R1', 'reid_R1', '{:.2f}'), ('R5', 'reid_R5', '{:.2f}'),
               ('R10', 'reid_R10', '{:.2f}'),
               ('attr mA kNN', 'attr_knn_mA', '{:.2f}'),
               ('attr mA linear', 'attr_linear_mA', '{:.2f}')]
    columns = [c for c in columns if c[1] in rows[0]]
    lines = ['| ' + ' | '.join(c[0] for c in columns) + ' |',
             '|' + '|'.join('---' for _ in columns) + '|']
    for row in rows:
        values = dict(row, train_s=row['train_s'] / 60,
                      train_cpu_s=row['train_cpu_s'] / 60)
        lines.append('| ' + ' | '.join(
            fmt.format(values[key]) for _, key, fmt in columns) + ' |')
    return '\n'.join(lines)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data', default=osp.join(SHARED_DATA, 'persons'),
                        help='folder of person crops (with train.txt or '
                        'scanned)')
    parser.add_argument('--reid', default=osp.join(SHARED_DATA, 'reid_grid'),
                        help='Market-1501 style probe set')
    parser.add_argument('--attributes', default=osp.join(
        SHARED_DATA, 'attributes_peta', 'peta_attributes.json'),
        help='PETA or Market-1501 attribute json')
    parser.add_argument('--methods', nargs='+', choices=METHODS,
                        default=list(METHODS))
    parser.add_argument('--saip-config', default=CONFIGS['saip'],
                        help='SAIP pretraining config')
    parser.add_argument('--mae-config', default=CONFIGS['mae'],
                        help='MAE pretraining config')
    for method in ('saip', 'mae'):
        parser.add_argument(
            f'--{method}-cfg-options', nargs='+', action=DictAction,
            help=f'overrides of the {method.upper()} config, e.g. '
            + ('model.csm_head=None model.css_head=None (CSR only)'
               if method == 'saip' else 'model.neck.decoder_depth=4'))
    parser.add_argument('--probe-size', type=int, nargs=2,
                        default=(256, 128), metavar=('H', 'W'),
                        help='probe input size (the pretraining size of a '
                        'CPU proxy, e.g. 128 64)')
    budget = parser.add_mutually_exclusive_group(required=True)
    budget.add_argument('--iters', type=int,
                        help='pretraining iterations per method')
    budget.add_argument('--budget-minutes', type=float,
                        help='pretraining minutes per method (see --clock)')
    parser.add_argument('--clock', choices=tuple(CLOCKS), default='wall',
                        help='what --budget-minutes counts: elapsed time, '
                        'or the CPU time of this process (fair on a shared '
                        'CPU machine; data workers are not counted)')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--lr', type=float, default=1.5e-4,
                        help='AdamW learning rate of every method')
    parser.add_argument('--warmup-iters', type=int, default=20)
    parser.add_argument('--limit', type=int,
                        help='pretrain on the first N images only')
    parser.add_argument('--amp', action='store_true',
                        help='AmpOptimWrapper (needs a GPU)')
    parser.add_argument('--num-workers', type=int, default=0)
    parser.add_argument('--feature', choices=FEATURE_TYPES, default='cls')
    parser.add_argument('--attr-probes', nargs='+', choices=PROBE_METHODS,
                        default=list(PROBE_METHODS))
    parser.add_argument('--knn-k', type=int, default=20)
    parser.add_argument('--linear-steps', type=int, default=300)
    parser.add_argument('--probe-batch-size', type=int, default=64)
    parser.add_argument('--log-interval', type=int, default=10)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--work-dir',
                        default='work_dirs/compare_pretraining')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    os.makedirs(args.work_dir, exist_ok=True)
    rows = []
    for method in args.methods:
        if method == 'random':
            torch.manual_seed(args.seed)
            trained = dict(iters=0, train_s=0., train_cpu_s=0.,
                           checkpoint=None)
        else:
            trained = pretrain(method, args)
        checkpoint = trained.pop('checkpoint')
        print(f'[{method}] {trained["iters"]} iterations in '
              f'{trained["train_s"]:.0f} s ({trained["train_cpu_s"]:.0f} s '
              'CPU); probing', flush=True)
        rows.append(dict(method=method, **trained,
                         **probe(checkpoint, args)))
        print(format_table(rows[-1:]), flush=True)
    table = format_table(rows)
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(dict(args=vars(args), rows=rows), f, indent=1)
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(table + '\n')
    print(table)


if __name__ == '__main__':
    main()
