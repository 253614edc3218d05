"""PETA, PA-100K and Market-1501 attribute datasets on their own formats."""
import json
import os.path as osp

import numpy as np
import pytest
from scipy.io import savemat

from saip_mm.datasets.attribute_datasets import (
    PETA35,
    MarketAttributeDataset,
    PA100KDataset,
    PETADataset,
)


@pytest.fixture(scope='module')
def peta(shared_data):
    """The shared PETA json (11,484 images, 105 attributes)."""
    ann_file = shared_data / 'attributes_peta' / 'peta_attributes.json'
    return ann_file, json.loads(ann_file.read_text())


def peta_split(peta, split, **kwargs):
    ann_file, _ = peta
    return PETADataset(str(ann_file), split=split,
                       data_root=str(ann_file.parents[1]), lazy_init=False,
                       **kwargs)


def test_peta_identity_split_is_disjoint_and_complete(peta):
    _, ann = peta
    splits = {s: peta_split(peta, s) for s in ('train', 'val', 'test')}
    assert sum(len(d) for d in splits.values()) == len(ann['samples'])
    root = str(peta[0].parents[1])
    by_path = {osp.join(root, s['img_path']): f'{s["subset"]}/{s["pid"]}'
               for s in ann['samples']}
    ids = {name: {by_path[d.get_data_info(i)['img_path']]
                  for i in range(len(d))}
           for name, d in splits.items()}
    assert not ids['train'] & ids['val'] and not ids['train'] & ids['test']
    n_ids = len(set(by_path.values()))
    assert len(ids['train']) == round(0.6 * n_ids)
    trainval = peta_split(peta, ('train', 'val'))
    assert len(trainval) == len(splits['train']) + len(splits['val'])


def test_peta35_labels_follow_the_json(peta):
    _, ann = peta
    ds = peta_split(peta, 'test', attributes='peta35', split_by='image',
                    split_ratios=(0.5, 0.1))
    assert ds.metainfo['classes'] == PETA35
    assert len(ds) == len(ann['samples']) - round(
        0.5 * len(ann['samples'])) - round(0.1 * len(ann['samples']))
    info = ds.get_data_info(0)
    sample = next(s for s in ann['samples']
                  if info['img_path'].endswith(s['img_path']))
    columns = [ann['attributes'].index(a) for a in PETA35]
    assert info['gt_label'] == [
        i for i, c in enumerate(columns) if sample['labels'][c]]


def test_peta_arguments_are_checked(peta):
    with pytest.raises(ValueError, match='splits'):
        peta_split(peta, 'trainval')
    with pytest.raises(KeyError, match='unknown attribute set'):
        peta_split(peta, 'test', attributes='peta36')
    with pytest.raises(KeyError, match='no attributes'):
        peta_split(peta, 'test', attributes=['hairPurpleAndGreen'])
    with pytest.raises(ValueError, match='split_by'):
        peta_split(peta, 'test', split_by='camera')
    with pytest.raises(ValueError, match='split_ratios'):
        peta_split(peta, 'test', split_ratios=(0.8, 0.3))


def test_pa100k_reads_the_release_mat(tmp_path):
    rng = np.random.RandomState(0)
    names = ['Female', 'AgeOver60', 'Hat']
    mat = dict(attributes=np.array([[n] for n in names], dtype=object))
    for split, n in (('train', 4), ('val', 2), ('test', 3)):
        mat[f'{split}_images_name'] = np.array(
            [[f'{split}{i:05d}.jpg'] for i in range(n)], dtype=object)
        mat[f'{split}_label'] = rng.randint(0, 2, (n, 3)).astype(np.uint8)
    savemat(tmp_path / 'annotation.mat', mat)
    ds = PA100KDataset('annotation.mat', split=('train', 'val'),
                       data_root=str(tmp_path), data_prefix='data/')
    assert ds.metainfo['classes'] == tuple(names)
    assert len(ds) == 6
    assert ds.get_data_info(4)['img_path'] == str(tmp_path /
                                                  'data/val00000.jpg')
    assert ds.get_data_info(1)['gt_label'] == np.flatnonzero(
        mat['train_label'][1]).tolist()
    test = PA100KDataset(str(tmp_path / 'annotation.mat'), split='test')
    assert len(test) == 3


def test_market_attributes_expand_age(shared_data):
    root = shared_data / 'attr_sample' / 'market1501_attr'
    ann = json.loads((root / 'annotations/attributes.json').read_text())
    train = MarketAttributeDataset('annotations/attributes.json',
                                   data_root=str(root))
    test = MarketAttributeDataset('annotations/attributes.json',
                                  split='test', data_root=str(root))
    assert (len(train), len(test)) == (34, 32)
    classes = train.metainfo['classes']
    assert len(classes) == 30 and classes[:4] == (
        'age_young', 'age_teenager', 'age_adult', 'age_old')
    sample, info = ann['data'][0], train.get_data_info(0)
    assert info['img_path'] == str(root / sample['img_path'])
    values = sample['attributes']
    expected = [values['age'] - 1] + [
        classes.index(n) for n in ann['attribute_names']
        if n != 'age' and values[n] == 2]
    assert info['gt_label'] == expected


def test_split_all_scores_the_whole_file_and_says_how_much(peta, capsys):
    from mmengine.logging import MMLogger
    MMLogger.get_instance('attr_split_all')
    _, ann = peta
    whole = peta_split(peta, 'all')
    assert len(whole) == len(ann['samples'])
    test = peta_split(peta, 'test')
    logged = capsys.readouterr().out
    assert f'{len(ann["samples"])} of {len(ann["samples"])} images in ' \
        'split all' in logged
    assert f'{len(test)} of {len(ann["samples"])} images in split test' \
        in logged
