"""Convert Clothing Co-Parsing (CCP) label maps to mmseg PNGs and splits.

CCP stores each pixel-level annotation as ``annotations/pixel-level/
NNNN.mat`` (``groundtruth``: uint8 H x W, values 0..58, 0 = ``null``).
mmseg reads PNG label maps, so this writes ``<out>/labels/NNNN.png`` with
the same values, and ``<out>/splits/{train,val}.txt`` (image ids, one a
line) for ``saip_mm.CCPDataset``'s ``ann_file``. The photos stay where they
are (``<root>/photos/NNNN.jpg``); with ``--out-dir`` elsewhere,
``<out>/photos`` becomes a link to them, so that the CCP config reads
``data_root=<out>`` as is.

CCP has no official split. The split here is seeded (``random.Random(seed)``
over the sorted groups) and keeps known near-duplicate shots (same person,
outfit and place) on one side, so that validation does not score images
the model has practically trained on.

Example:
    python tools/dataset_converters/ccp_to_mmseg.py data/CCP
    python tools/dataset_converters/ccp_to_mmseg.py data/CCP \
        --out-dir data/CCP --val-ratio 0.2 --seed 2025
"""
import argparse
import os.path as osp
import random
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
from PIL import Image

NUM_CLASSES = 59
# Pairs of CCP photos of the same shoot, found by feature matching and
# checked by eye (see shared/data/README.md, parsing_ccp).
NEAR_DUPLICATE_PAIRS = (('0183', '0730'), ('0197', '0671'), ('0223', '0616'),
                        ('0312', '0398'), ('0594', '0722'), ('0692', '0732'),
                        ('0907', '0990'))


def load_label_map(mat_path: str) -> np.ndarray:
    """Read one CCP ``.mat`` label map and check its values.

    Args:
        mat_path (str): Path of ``NNNN.mat``.

    Returns:
        np.ndarray: uint8 (H, W) class ids in ``[0, 59)``.
    """
    from scipy.io import loadmat
    label = loadmat(mat_path)['groundtruth']
    if label.ndim != 2 or label.max() >= NUM_CLASSES:
        raise ValueError(f'{mat_path}: expected an (H, W) map with values '
                         f'< {NUM_CLASSES}, got shape {label.shape}, max '
                         f'{label.max()}')
    return label.astype(np.uint8)


def split_ids(ids: Sequence[str], val_ratio: float, seed: int,
              pairs: Sequence[Sequence[str]] = NEAR_DUPLICATE_PAIRS
              ) -> Dict[str, List[str]]:
    """Seeded train / val split that keeps each near-duplicate pair
    together.

    Args:
        ids (Sequence[str]): Image ids.
        val_ratio (float): Fraction of ids (rounded) that go to val.
        seed (int): Seed of ``random.Random``.
        pairs (Sequence[Sequence[str]]): Groups to keep on one side.

    Returns:
        dict: ``{'train': [...], 'val': [...]}``, each sorted.
    """
    group_of = {i: (i, ) for i in ids}
    for pair in pairs:
        group = tuple(sorted(i for i in pair if i in group_of))
        for i in group:
            group_of[i] = group
    groups = sorted(set(group_of.values()))
    random.Random(seed).shuffle(groups)
    num_val = round(len(ids) * val_ratio)
    val: List[str] = []
    for group in groups:
        if len(val) + len(group) <= num_val:
            val.extend(group)
    val_set = set(val)
    return dict(train=sorted(i for i in ids if i not in val_set),
                val=sorted(val))


def convert(root: str, out_dir: str, val_ratio: float, seed: int,
            ids: Optional[Sequence[str]] = None) -> Dict[str, List[str]]:
    """Write the PNG label maps and the split files.

    Args:
        root (str): CCP root with ``annotations/pixel-level/*.mat``.
        out_dir (str): Where ``labels/`` and ``splits/`` are written.
        val_ratio (float): Fraction of images in the val split.
        seed (int): Split seed.
        ids (Sequence[str], optional): Convert only these ids.

    Returns:
        dict: The split written, ``{'train': [...], 'val': [...]}``.
    """
    mat_dir = Path(root, 'annotations', 'pixel-level')
    available = sorted(p.stem for p in mat_dir.glob('*.mat'))
    if not available:
        raise FileNotFoundError(f'no .mat label maps in {mat_dir}')
    if ids is not None:
        missing = sorted(set(ids) - set(available))
        if missing:
            raise FileNotFoundError(f'no label map for ids {missing}')
        available = sorted(ids)
    label_dir = Path(out_dir, 'labels')
    label_dir.mkdir(parents=True, exist_ok=True)
    for image_id in available:
        label = load_label_map(str(mat_dir / f'{image_id}.mat'))
        Image.fromarray(label, mode='L').save(label_dir / f'{image_id}.png')
    split = split_ids(available, val_ratio, seed)
    split_dir = Path(out_dir, 'splits')
    split_dir.mkdir(exist_ok=True)
    for name, names in split.items():
        (split_dir / f'{name}.txt').write_text(''.join(
            f'{i}\n' for i in names))
    return split


def link_photos(root: str, out_dir: str) -> None:
    """Make ``<out_dir>/photos`` a link to ``<root>/photos`` (if they
    differ), so that ``out_dir`` has the layout the CCP config reads."""
    photos, link = Path(root, 'photos').resolve(), Path(out_dir, 'photos')
    if link.resolve() == photos:
        return
    if link.exists() or link.is_symlink():
        raise FileExistsError(
            f'{link} exists and is not {photos}: remove it, or point the '
            'config at the photos with --cfg-options '
            f'<loader>.dataset.data_prefix.img_path={photos}')
    link.symlink_to(photos, target_is_directory=True)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='CCP root (photos/, annotations/)')
    parser.add_argument(
        '--out-dir', help='where labels/ and splits/ go (default: root)')
    parser.add_argument(
        '--val-ratio', type=float, default=0.2,
        help='fraction of the images in splits/val.txt (default: 0.2)')
    parser.add_argument('--seed', type=int, default=2025)
    parser.add_argument(
        '--ids', nargs='+', help='convert only these image ids (e.g. 0002)')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    out_dir = args.out_dir or args.root
    split = convert(args.root, out_dir, args.val_ratio, args.seed, args.ids)
    link_photos(args.root, out_dir)
    print(f'wrote {sum(map(len, split.values()))} label maps to '
          f'{osp.join(out_dir, "labels")}; splits/train.txt '
          f'{len(split["train"])}, splits/val.txt {len(split["val"])}\n'
          'train with: --cfg-options '
          + ' '.join(f'{loader}_dataloader.dataset.data_root={out_dir}'
                     for loader in ('train', 'val', 'test')))


if __name__ == '__main__':
    main()
