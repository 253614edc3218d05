"""Plot the fine-tuning curves of ``*-small-*`` runs: metric and loss per set.

Each positional argument is a set folder ``<...>/<set>/`` holding one
``tools/train.py`` work dir per backbone start (``random``, ``mae``,
``saip``; the layout ``tools/analysis/finetune_benchmark.py`` reads), the
set named by the folder (``reid_grid``, ``peta``, ``pennfudan``, ``ccp``).
Several folders of one set (seeds) share its panels; their parent folder's
name labels them. One column per set: the validation metric over the
iterations with the set's chance level on top, the training loss below.

Validations of iteration-based runs are logged to ``vis_data/scalars.json``
without their iteration; it is taken from the ``train_cfg`` of the config
copy in the work dir (every ``val_interval`` iterations and at the end).

Example:
    python tools/analysis/plot_finetune_curves.py \\
        work_dirs/small_sets/reid_grid work_dirs/small_sets/pennfudan \\
        work_dirs/small_sets_v2/s0/peta work_dirs/small_sets_v2/s1/peta \\
        --out docs/finetune_curves.png
"""
import argparse
import json
import os.path as osp
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
from mmengine.config import Config  # noqa: E402

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from finetune_benchmark import METRICS, STARTS  # noqa: E402
from plot_pretraining_curves import read_scalars  # noqa: E402

Curve = List[Tuple[int, float]]


def val_iterations(work_dir: Path) -> List[int]:
    """The iterations ``work_dir``'s run validated at, from its config."""
    configs = sorted(work_dir.glob('*.py'))
    if not configs:
        raise FileNotFoundError(f'no config copy in {work_dir}')
    train_cfg = Config.fromfile(
        configs[-1], import_custom_modules=False).train_cfg
    interval, end = train_cfg.val_interval, train_cfg.max_iters
    iters = list(range(interval, end + 1, interval))
    return iters if iters and iters[-1] == end else iters + [end]


def read_run(work_dir: Path, key: str) -> Tuple[Curve, Curve]:
    """``(metric curve, training loss curve)`` of one work dir."""
    found = sorted(work_dir.glob('*/vis_data/scalars.json'))
    if not found:
        raise FileNotFoundError(f'no vis_data/scalars.json in {work_dir}')
    scalars = found[-1]  # the latest run in the work dir
    values = [
        json.loads(line)[key] for line in scalars.read_text().splitlines()
        if f'"{key}"' in line
    ]
    iters = val_iterations(work_dir)
    if len(values) > len(iters):
        raise ValueError(f'{scalars}: {len(values)} validations, but the '
                         f'config validates at {iters}')
    return list(zip(iters, values)), read_scalars(str(scalars)).get(
        'loss', [])


def plot(set_dirs: List[Path], out: str) -> None:
    """One column per set: metric (top) and training loss (bottom)."""
    by_set: Dict[str, List[Path]] = {}
    for set_dir in set_dirs:
        if set_dir.name not in METRICS:
            raise ValueError(f'{set_dir}: not one of {list(METRICS)}')
        by_set.setdefault(set_dir.name, []).append(set_dir)
    fig, axes = plt.subplots(2, len(by_set), figsize=(4 * len(by_set), 6),
                             squeeze=False)
    for col, (name, dirs) in enumerate(by_set.items()):
        key, chance = METRICS[name]
        top, bottom = axes[0, col], axes[1, col]
        for seed, set_dir in enumerate(dirs):
            for colour, start in enumerate(STARTS):
                if not (set_dir / start).is_dir():
                    continue
                metric, loss = read_run(set_dir / start, key)
                label = start if len(dirs) == 1 else \
                    f'{start} {set_dir.parent.name}'
                style = dict(color=f'C{colour}',
                             linestyle=('-', '--', ':')[seed % 3])
                top.plot(*zip(*metric), marker='o', label=label, **style)
                if loss:
                    bottom.plot(*zip(*loss), **style)
        top.axhline(float(chance), color='grey', linewidth=1,
                    linestyle='-.', label='chance')
        top.set_title(f'{name}: {key}')
        top.legend(fontsize='small')
        bottom.set_title(f'{name}: training loss')
        bottom.set_xlabel('iteration')
    fig.tight_layout()
    fig.savefig(out, dpi=70)
    print(f'wrote {out}')


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('set_dirs', nargs='+', type=Path,
                        help='<set> folders of <start> work dirs')
    parser.add_argument('--out', default='finetune_curves.png')
    args = parser.parse_args(argv)
    missing = [d for d in args.set_dirs if not d.is_dir()]
    if missing:
        parser.error(f'not folders: {missing}')
    plot(args.set_dirs, args.out)


if __name__ == '__main__':
    main()
