"""Markdown table of fine-tuning runs: the best validation metric of each.

Reads ``<root>/<set>/<start>/*/vis_data/scalars.json`` (the work dirs of
``tools/train.py`` runs of the ``*-small-*`` configs, one per set and
backbone start) and prints, per set, the best value of the set's metric
over the validations of the run, the iteration it was reached at (from
the name of the best checkpoint kept) and the minutes between the first
and the last line of the run's log.
A run without any validation is listed as missing, never as a number.
Several roots (one per seed) give one line per set with every root's value
in a cell, separated by ``/``, and their mean.

Example:
    python tools/analysis/finetune_benchmark.py work_dirs/small_sets
    python tools/analysis/finetune_benchmark.py work_dirs/small_sets_v2/s0 \
        work_dirs/small_sets_v2/s1
"""
import argparse
import json
import re
from datetime import datetime
from pathlib import Path
from typing import List, Optional, Tuple

# the metric each set's config keeps its best checkpoint by, and its chance
# level (see the configs' headers)
METRICS = {
    'peta': ('attribute/mA', '50'),
    'reid_grid': ('reid/mAP', '0.82'),
    'pennfudan': ('coco/bbox_mAP', '0'),
    'ccp': ('mIoU', '1.63'),
}
STARTS = ('random', 'mae', 'saip')


def best_metric(work_dir: Path, key: str) -> Optional[Tuple[float, int]]:
    """The best ``key`` over the validations logged in ``work_dir``.

    Args:
        work_dir (Path): A ``tools/train.py`` work dir.
        key (str): The metric name in ``scalars.json``.

    Returns:
        tuple | None: ``(value, iteration)`` of the best validation, or None
        when the run logged no validation with ``key``.
    """
    values = [
        json.loads(line)[key]
        for scalars in sorted(work_dir.glob('*/vis_data/scalars.json'))
        for line in scalars.read_text().splitlines() if f'"{key}"' in line
    ]
    if not values:
        return None
    # validations of iteration-based runs are logged with step 0: the
    # iteration is in the name of the best checkpoint CheckpointHook kept
    best = sorted(work_dir.glob('best_*.pth'))
    match = re.search(r'_(?:iter|epoch)_(\d+)\.pth$', best[-1].name) \
        if best else None
    return max(values), int(match.group(1)) if match else -1


def log_minutes(work_dir: Path) -> Optional[float]:
    """Minutes from the first to the last timestamped line of the log."""
    stamps = [
        datetime.strptime(match.group(1), '%Y/%m/%d %H:%M:%S')
        for log in sorted(work_dir.glob('*/*.log'))
        for match in re.finditer(r'^(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) - ',
                                 log.read_text(), re.M)
    ]
    return (stamps[-1] - stamps[0]).total_seconds() / 60 if stamps else None


def cell(work_dirs: List[Path], key: str) -> str:
    """One table cell: the best ``key`` of each run (and their mean)."""
    runs = [(best_metric(d, key), log_minutes(d)) for d in work_dirs]
    if any(best is None for best, _ in runs):
        return 'missing'
    text = ' / '.join(f'{best[0]:.4g} (it {best[1]}, '
                      f'{minutes or float("nan"):.1f} min)'
                      for best, minutes in runs)
    if len(runs) > 1:
        text += f'; mean {sum(b[0] for b, _ in runs) / len(runs):.4g}'
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('roots', type=Path, nargs='+',
                        help='folders of <set>/<start> work dirs, one a seed')
    args = parser.parse_args()
    print('| set | metric | chance | ' + ' | '.join(STARTS) + ' |')
    print('|---|---|---|' + '---|' * len(STARTS))
    for name, (key, chance) in METRICS.items():
        if not any((root / name).is_dir() for root in args.roots):
            continue
        cells = [cell([root / name / start for root in args.roots], key)
                 for start in STARTS]
        print(f'| {name} | {key} | {chance} | ' + ' | '.join(cells) + ' |')


if __name__ == '__main__':
    main()
