"""Pedestrian attribute datasets: PETA, PA-100K and Market-1501 attributes.

Each dataset reads its benchmark's own annotation file, keeps the images of
the requested split and hands mmpretrain's multi-label pipeline the indices
of the attributes present (``gt_label``); ``metainfo['classes']`` holds the
attribute names in label order.
"""
import json
import random
from typing import Dict, List, Sequence, Tuple, Union

import numpy as np
from mmengine.fileio import join_path
from mmengine.logging import print_log
from mmpretrain.datasets import MultiLabelDataset
from scipy.io import loadmat

from saip_mm.registry import DATASETS

# (image path, split name, binary label vector)
Record = Tuple[str, str, np.ndarray]

# The 35 attributes PETA results are conventionally reported on (Deng et
# al. 2014; the PETA / PETAzs protocol of Jia et al. 2021), spelt as in
# PETA's label files.
PETA35 = (
    'accessoryHat', 'accessoryMuffler', 'accessoryNothing',
    'accessorySunglasses', 'hairLong', 'upperBodyCasual', 'upperBodyFormal',
    'upperBodyJacket', 'upperBodyLogo', 'upperBodyPlaid',
    'upperBodyShortSleeve', 'upperBodyThinStripes', 'upperBodyTshirt',
    'upperBodyOther', 'upperBodyVNeck', 'lowerBodyCasual', 'lowerBodyFormal',
    'lowerBodyJeans', 'lowerBodyShorts', 'lowerBodyShortSkirt',
    'lowerBodyTrousers', 'footwearLeatherShoes', 'footwearSandals',
    'footwearShoes', 'footwearSneakers', 'carryingBackpack', 'carryingOther',
    'carryingMessengerBag', 'carryingNothing', 'carryingPlasticBags',
    'personalLess30', 'personalLess45', 'personalLess60', 'personalLarger60',
    'personalMale')


class PedestrianAttributeDataset(MultiLabelDataset):
    """Base class: binary attribute vectors of one or more splits.

    Subclasses implement :meth:`load_records`.

    Args:
        ann_file (str): Annotation file of the benchmark.
        split (str | Sequence[str]): Split(s) to keep, e.g. ``'train'`` or
            ``('train', 'val')``; ``'all'`` keeps every image of the file
            (to evaluate a whole external file). How many images were kept
            out of how many is logged.
        attributes (str | Sequence[str], optional): Attribute names to keep,
            in this order, or the name of a set in ``ATTRIBUTE_SETS``.
            Defaults to None (all attributes of the file).
        **kwargs: Other arguments of mmpretrain's ``MultiLabelDataset``.
    """
    ATTRIBUTE_SETS: Dict[str, Sequence[str]] = {}

    def __init__(self,
                 ann_file: str,
                 split: Union[str, Sequence[str]] = 'train',
                 attributes: Union[str, Sequence[str], None] = None,
                 **kwargs) -> None:
        self.splits = {split} if isinstance(split, str) else set(split)
        if isinstance(attributes, str):
            if attributes not in self.ATTRIBUTE_SETS:
                raise KeyError(f'unknown attribute set {attributes!r}; known: '
                               f'{sorted(self.ATTRIBUTE_SETS)}')
            attributes = self.ATTRIBUTE_SETS[attributes]
        self.attributes = attributes
        super().__init__(ann_file=ann_file, **kwargs)

    def load_records(self) -> Tuple[List[str], List[Record]]:
        """Attribute names and one record per image of the file."""
        raise NotImplementedError

    def load_data_list(self) -> List[dict]:
        """Samples of the requested splits and attributes."""
        names, records = self.load_records()
        known = {r[1] for r in records}
        if self.splits == {'all'}:
            records = [(path, 'all', labels) for path, _, labels in records]
        elif not self.splits <= known:
            raise ValueError(f'{self.ann_file}: splits '
                             f'{sorted(self.splits - known)} not in '
                             f'{sorted(known)}')
        columns = list(range(len(names)))
        if self.attributes is not None:
            missing = set(self.attributes) - set(names)
            if missing:
                raise KeyError(f'{self.ann_file}: no attributes '
                               f'{sorted(missing)}')
            columns = [names.index(a) for a in self.attributes]
        self._metainfo['classes'] = tuple(names[c] for c in columns)
        data_list = [
            dict(img_path=join_path(self.img_prefix, path),
                 gt_label=np.flatnonzero(labels[columns]).tolist())
            for path, split, labels in records if split in self.splits
        ]
        print_log(f'{self.ann_file}: {len(data_list)} of {len(records)} '
                  f"images in split {'+'.join(sorted(self.splits))} "
                  "(split='all' keeps the whole file)", logger='current')
        return data_list


@DATASETS.register_module()
class PETADataset(PedestrianAttributeDataset):
    """PETA (Deng et al. 2014), 105 binary attributes per image.

    Reads ``peta_attributes.json``: ``{"attributes": [...], "samples":
    [{"img_path", "labels", "subset", "pid"}]}`` (see ``../shared/data``;
    ``tools/dataset_converters/peta_to_json.py`` writes it from the PETA
    release). The file has no split, so one is drawn reproducibly: the
    sorted identities (``subset/pid``, PETAzs-style zero-shot protocol:
    no person in two splits) or images are shuffled with
    ``random.Random(seed)`` and cut by ``split_ratios`` into train / val /
    test.

    Args:
        ann_file (str): The json file.
        split (str | Sequence[str]): 'train', 'val', 'test' or several.
        attributes (str | Sequence[str], optional): ``'peta35'`` for the
            conventional 35-attribute evaluation set, a list of names, or
            None for all 105.
        split_by (str): ``'identity'`` (zero-shot, PETAzs) or ``'image'``
            (the original random PETA protocol). Defaults to 'identity'.
        split_ratios (Sequence[float]): Train and val fractions; the rest
            is test. Defaults to (0.6, 0.2), close to PETAzs' 11241 / 3826
            / 3933 images.
        seed (int): Shuffle seed. Defaults to 2025.
        **kwargs: See :class:`PedestrianAttributeDataset`.
    """
    ATTRIBUTE_SETS = dict(peta35=PETA35)
    SPLIT_BY = ('identity', 'image')

    def __init__(self,
                 ann_file: str,
                 split: Union[str, Sequence[str]] = 'train',
                 attributes: Union[str, Sequence[str], None] = None,
                 split_by: str = 'identity',
                 split_ratios: Sequence[float] = (0.6, 0.2),
                 seed: int = 2025,
                 **kwargs) -> None:
        if split_by not in self.SPLIT_BY:
            raise ValueError(f'split_by must be one of {self.SPLIT_BY}')
        if len(split_ratios) != 2 or sum(split_ratios) > 1:
            raise ValueError('split_ratios are the train and val fractions '
                             f'(sum <= 1), got {split_ratios}')
        self.split_by = split_by
        self.split_ratios = tuple(split_ratios)
        self.seed = seed
        super().__init__(ann_file, split, attributes, **kwargs)

    def split_of(self, keys: List[str]) -> Dict[str, str]:
        """Assign each distinct key (identity or image) to a split."""
        order = sorted(set(keys))
        random.Random(self.seed).shuffle(order)
        n_train = round(self.split_ratios[0] * len(order))
        n_val = round(self.split_ratios[1] * len(order))
        return {key: ('train' if i < n_train else
                      'val' if i < n_train + n_val else 'test')
                for i, key in enumerate(order)}

    def load_records(self) -> Tuple[List[str], List[Record]]:
        with open(self.ann_file) as f:
            ann = json.load(f)
        samples = ann['samples']
        keys = [f'{s["subset"]}/{s["pid"]}' if self.split_by == 'identity'
                else s['img_path'] for s in samples]
        splits = self.split_of(keys)
        return ann['attributes'], [
            (s['img_path'], splits[key], np.asarray(s['labels']))
            for s, key in zip(samples, keys)
        ]


@DATASETS.register_module()
class PA100KDataset(PedestrianAttributeDataset):
    """PA-100K (Liu et al. 2017): 26 attributes, official 80k/10k/10k split.

    Reads the release's ``annotation.mat`` (``attributes``,
    ``{train,val,test}_images_name`` and ``{train,val,test}_label``);
    images live in ``data/`` under the dataset root.

    Args:
        ann_file (str): ``annotation.mat``.
        split (str | Sequence[str]): 'train', 'val', 'test' or several.
        **kwargs: See :class:`PedestrianAttributeDataset`.
    """
    SPLITS = ('train', 'val', 'test')

    def load_records(self) -> Tuple[List[str], List[Record]]:
        mat = loadmat(self.ann_file)
        # MATLAB cell arrays load as (n, 1) object arrays of 1-element arrays
        names = [str(x.item()) for x in mat['attributes'][:, 0]]
        records = []
        for split in self.SPLITS:
            images = [str(x.item()) for x in mat[f'{split}_images_name'][:, 0]]
            labels = mat[f'{split}_label']
            records += [(img, split, label)
                        for img, label in zip(images, labels)]
        return names, records


@DATASETS.register_module()
class MarketAttributeDataset(PedestrianAttributeDataset):
    """Market-1501 attributes (Lin et al. 2019), identity-level labels.

    Reads ``{"attribute_names", "data": [{"img_path", "market_split",
    "attributes": {name: value}}]}`` as in ``../shared/data/attr_sample``
    (``tools/dataset_converters/market1501_attr_to_json.py`` writes it from
    ``market_attribute.mat``). Values are 1 = no / 2 = yes, so the positive
    class of the two-valued attributes is their value 2 (``gender`` =
    female, ``hair`` = long, ``up`` = short sleeve, ``down`` = short lower
    clothing, ``clothes`` = pants). The 4-valued ``age`` becomes four binary
    attributes, giving the usual 30.

    Args:
        ann_file (str): The json file.
        split (str | Sequence[str]): 'train' or 'test' (query + gallery
            identities).
        **kwargs: See :class:`PedestrianAttributeDataset`.
    """
    AGE_GROUPS = ('young', 'teenager', 'adult', 'old')

    def load_records(self) -> Tuple[List[str], List[Record]]:
        with open(self.ann_file) as f:
            ann = json.load(f)
        binary = [n for n in ann['attribute_names'] if n != 'age']
        names = [f'age_{g}' for g in self.AGE_GROUPS] + binary
        records = []
        for sample in ann['data']:
            values = sample['attributes']
            age = np.arange(1, len(self.AGE_GROUPS) + 1) == values['age']
            labels = np.concatenate(
                [age, [values[n] == 2 for n in binary]]).astype(np.uint8)
            records.append((sample['img_path'], sample['market_split'],
                            labels))
        return names, records
