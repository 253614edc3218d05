"""Write ``attributes.json`` (saip_mm.MarketAttributeDataset) for Market-1501.

Market-1501_Attribute (Lin et al. 2019) labels identities, not images:
``market_attribute.mat`` holds a ``train`` and a ``test`` struct with one
``1 x N`` row per attribute (1 = no / 2 = yes; age 1-4) and the ids in
``image_index``. Every image of ``bounding_box_train/`` (train ids) and of
``query/`` and ``bounding_box_test/`` (test ids) gets its identity's labels;
junk and distractor images (ids -1 and 0) have none and are left out.

Example:
    python tools/dataset_converters/market1501_attr_to_json.py \
        data/market1501 data/market1501/market_attribute.mat
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Tuple

from scipy.io import loadmat

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
from saip_mm.datasets.market_names import parse_market_name  # noqa: E402

SPLIT_FOLDERS = dict(train=('bounding_box_train', ),
                     test=('query', 'bounding_box_test'))


def read_attribute_mat(mat_file: str
                       ) -> Tuple[List[str], Dict[str, Dict[int, dict]]]:
    """Attribute names and, per split, pid -> {attribute: value}."""
    mat = loadmat(mat_file)['market_attribute'][0, 0]
    names, labels = [], {}
    for split in SPLIT_FOLDERS:
        table = mat[split][0, 0]
        names = [n for n in table.dtype.names if n != 'image_index']
        pids = [int(x.item()) for x in table['image_index'].ravel()]
        columns = {n: table[n].ravel() for n in names}
        labels[split] = {
            pid: {n: int(columns[n][i]) for n in names}
            for i, pid in enumerate(pids)
        }
    return names, labels


def collect_samples(root: str, labels: Dict[str, Dict[int, dict]]
                    ) -> List[dict]:
    """One sample per labelled image of the Market-1501 folders."""
    samples = []
    for split, folders in SPLIT_FOLDERS.items():
        for folder in folders:
            for name in sorted(os.listdir(osp.join(root, folder))):
                if not name.endswith('.jpg'):
                    continue
                pid, camid = parse_market_name(name)
                if pid in labels[split]:
                    samples.append(dict(
                        img_path=f'{folder}/{name}', pid=pid, camid=camid,
                        market_split=split,
                        attributes=labels[split][pid]))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(
        description='Write attributes.json for Market-1501 attributes')
    parser.add_argument('root', help='Market-1501 folder, e.g. '
                        'data/market1501')
    parser.add_argument('mat', help='market_attribute.mat')
    parser.add_argument('--out', help='json to write '
                        '(default: <root>/attributes.json)')
    args = parser.parse_args()
    names, labels = read_attribute_mat(args.mat)
    samples = collect_samples(args.root, labels)
    out = args.out or osp.join(args.root, 'attributes.json')
    with open(out, 'w') as f:
        json.dump(dict(attribute_names=names, data=samples), f)
    print(f'{out}: {len(samples)} images, {len(names)} attributes')


if __name__ == '__main__':
    main()
