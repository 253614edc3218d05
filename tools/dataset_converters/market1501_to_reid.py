"""Write mmdet ReID annotation lists for Market-1501 or MSMT17.

mmdet's ``ReIDDataset`` reads ``<path> <label>`` lines whose labels must be
contiguous (its triplet sampler indexes identities by label). Evaluation
with :class:`saip_mm.Market1501Dataset` needs the camera of every query and
gallery image as well. This script writes, relative to the dataset root:

- ``train.txt``: ``<path> <label>``, labels 0..N-1 over the training ids;
- ``query.txt`` and ``gallery.txt``: ``<path> <pid> <camid>``.

Layouts (``data/market1501`` and ``data/msmt17`` by convention):

- ``market1501``: ``bounding_box_train/``, ``query/``, ``bounding_box_test/``
  with names ``<pid>_c<cam>s<seq>_<frame>_<box>.jpg`` (pid -1 = junk,
  0 = distractor). Missing folders are skipped (a test-only set has no
  ``bounding_box_train/``); their lists are not written.
- ``msmt17``: ``train/`` and ``test/`` (V1) or ``mask_train_v2/`` and
  ``mask_test_v2/`` (V2) with ``list_train.txt``, ``list_val.txt``,
  ``list_query.txt`` and ``list_gallery.txt`` (``<pid>/<name>.jpg <pid>``,
  the camera is the third ``_`` field of the name).

Example:
    python tools/dataset_converters/market1501_to_reid.py data/market1501
    python tools/dataset_converters/market1501_to_reid.py data/msmt17 \
        --format msmt17
"""
import argparse
import os
import os.path as osp
import sys
from typing import Dict, List, Tuple

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

from saip_mm.datasets.market_names import (  # noqa: E402
    MARKET_FOLDERS,
    scan_market_folder,
)

# (relative image path, person id, camera id)
Record = Tuple[str, int, int]
# Market-1501 ids that are not identities: -1 junk boxes, 0 distractors.
NON_IDENTITY_PIDS = (-1, 0)


def read_msmt_list(root: str, image_dir: str, list_file: str
                   ) -> List[Record]:
    """Records of an MSMT17 ``list_*.txt`` file."""
    records = []
    with open(osp.join(root, list_file)) as f:
        for line in f:
            if not line.strip():
                continue
            path, pid = line.split()
            camid = int(osp.basename(path).split('_')[2])
            records.append((f'{image_dir}/{path}', int(pid), camid))
    return records


def find_msmt_dir(root: str, candidates: Tuple[str, ...]) -> str:
    """The first of ``candidates`` (V1 or V2 folder name) under ``root``."""
    for name in candidates:
        if osp.isdir(osp.join(root, name)):
            return name
    raise FileNotFoundError(f'none of {candidates} found in {root}')


def collect_market1501(root: str) -> Dict[str, List[Record]]:
    """Records of the train, query and gallery folders that exist."""
    splits = {}
    for split, folder in MARKET_FOLDERS.items():
        if not osp.isdir(osp.join(root, folder)):
            print(f'{split}: no {osp.join(root, folder)}, skipped')
            continue
        records = [(f'{folder}/{name}', pid, camid) for name, pid, camid
                   in scan_market_folder(osp.join(root, folder))]
        if split == 'train':  # the classifier learns identities only
            records = [r for r in records if r[1] not in NON_IDENTITY_PIDS]
        splits[split] = records
    if not splits:
        raise SystemExit(
            f'{root}: none of {", ".join(MARKET_FOLDERS.values())} found; '
            'is this a Market-1501 style folder?')
    return splits


def collect_msmt17(root: str) -> Dict[str, List[Record]]:
    """Train (train + val lists, as usual), query and gallery of MSMT17."""
    train_dir = find_msmt_dir(root, ('train', 'mask_train_v2'))
    test_dir = find_msmt_dir(root, ('test', 'mask_test_v2'))
    train = read_msmt_list(root, train_dir, 'list_train.txt')
    train += read_msmt_list(root, train_dir, 'list_val.txt')
    return dict(train=train,
                query=read_msmt_list(root, test_dir, 'list_query.txt'),
                gallery=read_msmt_list(root, test_dir, 'list_gallery.txt'))


def relabel(records: List[Record]) -> List[Tuple[str, int]]:
    """Map person ids to contiguous labels 0..N-1 (sorted by pid)."""
    labels = {pid: i for i, pid in
              enumerate(sorted({pid for _, pid, _ in records}))}
    return [(path, labels[pid]) for path, pid, _ in records]


def write_lists(splits: Dict[str, List[Record]], out_dir: str) -> None:
    """Write ``<split>.txt`` for each split: ``train.txt`` (relabelled),
    ``query.txt`` and ``gallery.txt``."""
    os.makedirs(out_dir, exist_ok=True)
    for split, records in splits.items():
        lines = ([f'{path} {label}\n' for path, label in relabel(records)]
                 if split == 'train' else
                 [f'{path} {pid} {camid}\n' for path, pid, camid in records])
        with open(osp.join(out_dir, f'{split}.txt'), 'w') as f:
            f.writelines(lines)


def summary(splits: Dict[str, List[Record]]) -> str:
    """Images per written list (and ``num_classes`` for training)."""
    parts = []
    for split, records in splits.items():
        if split == 'train':
            num_ids = len({pid for _, pid, _ in records})
            parts.append(f'train {len(records)} images / {num_ids} ids '
                         f'(num_classes={num_ids})')
        else:
            parts.append(f'{split} {len(records)}')
    return ', '.join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(
        description='Write mmdet ReID lists for Market-1501 / MSMT17')
    parser.add_argument('root', help='dataset root, e.g. data/market1501')
    parser.add_argument('--format', choices=('market1501', 'msmt17'),
                        default='market1501', help='folder layout')
    parser.add_argument('--out-dir', help='where to write the lists '
                        '(default: <root>/meta); paths stay relative to root')
    args = parser.parse_args()
    collect = dict(market1501=collect_market1501, msmt17=collect_msmt17)
    splits = collect[args.format](args.root)
    out_dir = args.out_dir or osp.join(args.root, 'meta')
    write_lists(splits, out_dir)
    print(f'{out_dir}: {summary(splits)}')


if __name__ == '__main__':
    main()
