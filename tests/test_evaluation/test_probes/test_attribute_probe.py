"""Attribute probes: kNN, linear, mA with exclusions, dataset splits."""
import json

import pytest
import torch
import torch.nn.functional as F

from saip_mm.evaluation.probes import (
    attribute_probe,
    fit_linear_probe,
    knn_predict,
    load_attribute_splits,
    mean_accuracy,
)

from ...conftest import write_image
from .conftest import TINY_SIZE


def clusters(n_per: int, seed: int):
    """Two well separated clusters; attribute 0 marks cluster 1, attribute
    1 is never present."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.tensor([[4., 0., 0.], [0., 4., 0.]])
    labels = torch.arange(2).repeat_interleave(n_per)
    feats = centres[labels] + 0.3 * torch.randn(2 * n_per, 3, generator=g)
    targets = torch.stack([labels.float(), torch.zeros(2 * n_per)], 1)
    return F.normalize(feats, dim=1), targets


def test_mean_accuracy_excludes_and_counts():
    target = torch.tensor([[1, 0, 1], [0, 0, 1], [1, 0, 1], [0, 0, 1]])
    pred = torch.tensor([[1, 1, 0], [1, 0, 0], [1, 0, 0], [0, 0, 0]],
                        dtype=torch.bool)
    out = mean_accuracy(pred, target)
    # only attribute 0 has positives and negatives: TPR 1, TNR 1/2
    assert out == dict(mA=pytest.approx(75.), num_attr=1,
                       num_attr_excluded=2)
    with pytest.raises(ValueError, match='no attribute'):
        mean_accuracy(pred[:, 1:], target[:, 1:])


def test_knn_compares_votes_with_the_prior():
    train_feats = F.normalize(torch.eye(4), dim=1)
    train_labels = torch.tensor([[1.], [0.], [0.], [0.]])  # prior 1/4
    test_feats = F.normalize(torch.tensor([[1., .1, 0, 0], [0, 1., .1, 0]]),
                             dim=1)
    # k=2: one positive of two neighbours (1/2 > 1/4) is predicted, even
    # though a 0.5 threshold would not
    pred = knn_predict(train_feats, train_labels, test_feats, k=2)
    assert pred.squeeze(1).tolist() == [True, False]


@pytest.mark.parametrize('method', ['knn', 'linear'])
def test_separable_attribute_is_perfect(method):
    train_feats, train_labels = clusters(20, seed=0)
    test_feats, test_labels = clusters(10, seed=1)
    if method == 'knn':
        pred = knn_predict(train_feats, train_labels, test_feats, k=5)
    else:
        probe = fit_linear_probe(train_feats, train_labels, steps=50)
        pred = probe(test_feats) > 0
    out = mean_accuracy(pred, test_labels)
    assert out == dict(mA=pytest.approx(100.), num_attr=1,
                       num_attr_excluded=1)


def test_market_attribute_split_is_identity_disjoint(shared_data):
    ann = (shared_data / 'attr_sample' / 'market1501_attr' / 'annotations' /
           'attributes.json')
    splits = load_attribute_splits(str(ann))
    assert len(splits.names) == 30
    assert (len(splits.train_paths), len(splits.test_paths)) == (34, 32)
    assert splits.train_labels.shape == (34, 30)
    ids = [{p.rsplit('/', 1)[1][:4] for p in paths}
           for paths in (splits.train_paths, splits.test_paths)]
    assert not ids[0] & ids[1]
    assert all(p.startswith(str(ann.parents[1])) for p in splits.test_paths)


@pytest.fixture
def peta_json(tmp_path):
    """A PETA-format json of 10 persons x 2 images; attribute 'a' marks even
    persons, 'b' is never present."""
    (tmp_path / 'imgs').mkdir()
    samples = []
    for pid in range(10):
        for i in range(2):
            path = f'imgs/{pid}_{i}.jpg'
            write_image(tmp_path / path, seed=pid % 2)
            samples.append(dict(img_path=path, labels=[int(pid % 2 == 0), 0],
                                subset='S', pid=str(pid)))
    ann = tmp_path / 'peta' / 'peta.json'
    ann.parent.mkdir()
    ann.write_text(json.dumps(dict(attributes=['a', 'b'], samples=samples)))
    return ann


def test_peta_split_and_probe(peta_json, tiny_backbone):
    splits = load_attribute_splits(str(peta_json))
    # PETADataset's identity split: train + val (8 persons) against test
    assert (len(splits.train_paths), len(splits.test_paths)) == (16, 4)
    person = [{p.rsplit('/', 1)[1].split('_')[0] for p in paths}
              for paths in (splits.train_paths, splits.test_paths)]
    assert not person[0] & person[1]
    out = attribute_probe(tiny_backbone, str(peta_json), k=3, steps=30,
                          img_size=TINY_SIZE)
    assert (out['num_train'], out['num_test']) == (16, 4)
    # the test split happens to hold both looks: 'a' is scorable, 'b' not
    assert (out['num_attr'], out['num_attr_excluded']) == (1, 1)
    # each look is one image: both probes separate them perfectly
    assert out['knn_mA'] == out['linear_mA'] == pytest.approx(100.)


def test_attribute_probe_rejects_unknown_method(peta_json, tiny_backbone):
    with pytest.raises(ValueError, match='methods'):
        attribute_probe(tiny_backbone, str(peta_json), methods=['svm'])
