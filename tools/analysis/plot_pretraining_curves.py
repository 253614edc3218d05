"""Plot logged pretraining scalars of one or more runs into one PNG.

Reads mmengine's ``vis_data/scalars.json`` (one json object per logged
iteration, written by ``LocalVisBackend``) of each run and draws one panel
per key, one line per run. mmdet's ``analyze_logs.py`` does the same for its
own log format; mmengine ships no plotting tool, hence this short script.

Example:
    python tools/analysis/plot_pretraining_curves.py \\
        work_dirs/cmp30/saip_s0/saip/*/vis_data/scalars.json \\
        work_dirs/cmp30/saip_s1/saip/*/vis_data/scalars.json \\
        --labels 'seed 0' 'seed 1' --out docs/img/saip_proxy_curves.png
"""
import argparse
import json
import math
from typing import Dict, List, Optional, Tuple

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

DEFAULT_KEYS = ('loss_csm', 'csm_kl', 'csm_teacher_entropy',
                'csm_batch_entropy', 'loss_csm_att', 'loss_csr',
                'loss_css_inst', 'loss_css_roi')


def read_scalars(path: str) -> Dict[str, List[Tuple[int, float]]]:
    """``{key: [(iteration, value), ...]}`` of one scalars.json.

    Raises:
        ValueError: naming the file and line of a line that is not json.
    """
    curves: Dict[str, List[Tuple[int, float]]] = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f'{path}:{number}: not json ({err})') \
                    from err
            if 'iter' not in record:
                continue
            for key, value in record.items():
                curves.setdefault(key, []).append((record['iter'], value))
    return curves


def plot(paths: List[str], labels: List[str], keys: List[str],
         out: str) -> None:
    """One panel per key present in any run, one line per run."""
    runs = [read_scalars(p) for p in paths]
    keys = [k for k in keys if any(k in run for run in runs)]
    if not keys:
        raise ValueError(f'none of the keys is logged in {paths}')
    cols = min(4, len(keys))
    rows = math.ceil(len(keys) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows),
                             squeeze=False)
    for ax, key in zip(axes.flat, keys):
        for i, (run, label) in enumerate(zip(runs, labels)):
            if key in run:  # one colour per run across panels
                ax.plot(*zip(*run[key]), label=label, color=f'C{i % 10}')
        ax.set_title(key)
        ax.set_xlabel('iteration')
    for ax in list(axes.flat)[len(keys):]:
        ax.axis('off')
    # one legend for every run, whichever panels it appears in
    handles = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, handle)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    fig.legend(handles.values(), handles.keys(), loc='upper center',
               ncol=min(5, len(handles)))
    fig.savefig(out, dpi=80)
    print(f'wrote {out}')


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('scalars', nargs='+', help='vis_data/scalars.json')
    parser.add_argument('--labels', nargs='+', help='one per file')
    parser.add_argument('--keys', nargs='+', default=list(DEFAULT_KEYS))
    parser.add_argument('--out', default='pretraining_curves.png')
    args = parser.parse_args(argv)
    labels = args.labels or args.scalars
    if len(labels) != len(args.scalars):
        parser.error(f'{len(labels)} labels for {len(args.scalars)} files')
    plot(args.scalars, labels, args.keys, args.out)


if __name__ == '__main__':
    main()
