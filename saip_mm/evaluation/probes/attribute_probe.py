"""kNN and linear attribute probes on frozen features, scored by mA."""
import json
import os.path as osp
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from saip_mm.datasets.attribute_datasets import (
    MarketAttributeDataset,
    PETADataset,
)
from saip_mm.evaluation.metrics.attribute_metric import (
    pedestrian_attribute_scores,
)
from saip_mm.models.backbones import SAIPViT

from .features import extract_features

PROBE_METHODS = ('knn', 'linear')


class AttributeSplits(NamedTuple):
    """Identity-disjoint train / test images with binary labels."""
    names: Tuple[str, ...]
    train_paths: List[str]
    train_labels: Tensor  # (N_train, K) float 0/1
    test_paths: List[str]
    test_labels: Tensor  # (N_test, K) float 0/1


def _multi_hot(dataset, num_classes: int) -> Tuple[List[str], Tensor]:
    """Image paths and (N, K) labels of an attribute dataset."""
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    labels = torch.zeros(len(infos), num_classes)
    for row, info in enumerate(infos):
        labels[row, info['gt_label']] = 1
    return [info['img_path'] for info in infos], labels


def load_attribute_splits(ann_file: str,
                          data_root: Optional[str] = None) -> AttributeSplits:
    """Read a PETA or Market-1501-attribute json into probe splits.

    The format is told by the json: ``samples`` (PETA,
    ``attributes_peta/peta_attributes.json``; identity-disjoint split of
    :class:`saip_mm.PETADataset`, its train + val against its test) or
    ``data`` (Market-1501 attributes, ``attr_sample``; Market's train
    identities against its test identities).

    Args:
        ann_file (str): The json file.
        data_root (str, optional): Root of the ``img_path`` entries.
            Defaults to the parent of the json's folder (``shared/data`` for
            PETA, ``market1501_attr`` for ``attr_sample``).

    Returns:
        AttributeSplits: Attribute names, paths and labels of both splits.
    """
    ann_file = osp.abspath(ann_file)
    if data_root is None:
        data_root = osp.dirname(osp.dirname(ann_file))
    with open(ann_file) as f:
        keys = set(json.load(f))
    if 'samples' in keys:
        dataset_type, train_split = PETADataset, ('train', 'val')
    elif 'data' in keys:
        dataset_type, train_split = MarketAttributeDataset, 'train'
    else:
        raise ValueError(f'{ann_file}: neither PETA ("samples") nor '
                         f'Market-1501 attributes ("data"); keys {keys}')
    train, test = (dataset_type(ann_file=ann_file, data_root=data_root,
                                split=split)
                   for split in (train_split, 'test'))
    names = tuple(train.metainfo['classes'])
    train_paths, train_labels = _multi_hot(train, len(names))
    test_paths, test_labels = _multi_hot(test, len(names))
    return AttributeSplits(names, train_paths, train_labels, test_paths,
                           test_labels)


def knn_predict(train_feats: Tensor, train_labels: Tensor,
                test_feats: Tensor, k: int = 20,
                chunk: int = 1024) -> Tensor:
    """Attributes over-represented among the k nearest training images.

    An attribute is predicted when its frequency among the ``k`` most
    cosine-similar training images exceeds its training prior: mA averages
    the true positive and true negative rates, and for that balanced
    accuracy the posterior must be compared with the prior, not with 0.5
    (which would never predict a rare attribute).

    Args:
        train_feats (Tensor): (N, C) unit-norm training features.
        train_labels (Tensor): (N, K) binary labels.
        test_feats (Tensor): (M, C) unit-norm test features.
        k (int): Neighbours. Defaults to 20.
        chunk (int): Test rows per similarity block. Defaults to 1024.

    Returns:
        Tensor: (M, K) bool predictions.
    """
    k = min(k, len(train_feats))
    prior = train_labels.mean(0)
    preds = []
    for block in test_feats.split(chunk):
        idx = torch.mm(block, train_feats.t()).topk(k, dim=1).indices
        preds.append(train_labels[idx].mean(1) > prior)
    return torch.cat(preds)


class _Standardise(nn.Module):
    """``(x - mean) / std`` with fixed training statistics."""

    def __init__(self, mean: Tensor, std: Tensor) -> None:
        super().__init__()
        self.register_buffer('mean', mean)
        self.register_buffer('std', std)

    def forward(self, x: Tensor) -> Tensor:
        return (x - self.mean) / self.std


def fit_linear_probe(train_feats: Tensor, train_labels: Tensor,
                     steps: int = 300,
                     weight_decay: float = 1e-4) -> nn.Module:
    """Class-balanced logistic regression per attribute, fitted by L-BFGS.

    Features are standardised with the training statistics. Positives are
    weighted by ``negatives / positives`` of their attribute, the balanced
    counterpart of mA, like the thresholding in :func:`knn_predict`.

    Args:
        train_feats (Tensor): (N, C) features.
        train_labels (Tensor): (N, K) binary labels.
        steps (int): L-BFGS iterations. Defaults to 300.
        weight_decay (float): L2 penalty on the weights. Defaults to 1e-4.

    Returns:
        nn.Module: Maps (M, C) features to (M, K) logits.
    """
    mean, std = train_feats.mean(0), train_feats.std(0).clamp(min=1e-6)
    linear = nn.Linear(train_feats.shape[1], train_labels.shape[1])
    x = (train_feats - mean) / std
    positives = train_labels.sum(0)
    pos_weight = (len(train_labels) - positives) / positives.clamp(min=1)
    optimizer = torch.optim.LBFGS(linear.parameters(), lr=1, max_iter=steps,
                                  history_size=20,
                                  line_search_fn='strong_wolfe')

    def closure() -> Tensor:
        optimizer.zero_grad()
        loss = F.binary_cross_entropy_with_logits(
            linear(x), train_labels, pos_weight=pos_weight)
        loss = loss + weight_decay * linear.weight.pow(2).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        optimizer.step(closure)
    linear.requires_grad_(False)
    return nn.Sequential(_Standardise(mean, std), linear)


def mean_accuracy(pred: Tensor, target: Tensor) -> Dict[str, float]:
    """Label-based mA over the attributes the test split can score.

    An attribute without positives (or without negatives) in ``target``
    has no true positive (negative) rate; it is left out and counted.

    Args:
        pred (Tensor): (M, K) bool predictions.
        target (Tensor): (M, K) binary labels.

    Returns:
        dict: ``mA`` in percent, ``num_attr`` scored and
        ``num_attr_excluded``.
    """
    target = target.bool()
    valid = (target.any(0) & (~target).any(0)).numpy()
    if not valid.any():
        raise ValueError('no attribute has both positives and negatives in '
                         'the test split')
    scores = pedestrian_attribute_scores(
        pred.numpy()[:, valid], target.numpy()[:, valid])
    return dict(mA=scores['mA'], num_attr=int(valid.sum()),
                num_attr_excluded=int((~valid).sum()))


def attribute_probe(backbone: SAIPViT,
                    ann_file: str,
                    data_root: Optional[str] = None,
                    methods: Sequence[str] = PROBE_METHODS,
                    k: int = 20,
                    steps: int = 300,
                    feature: str = 'cls',
                    batch_size: int = 64,
                    num_workers: int = 0,
                    img_size: Tuple[int, int] = (256, 128),
                    progress: bool = False) -> Dict[str, float]:
    """kNN and/or linear attribute probe of a frozen backbone.

    Args:
        backbone (SAIPViT): The frozen backbone.
        ann_file (str): PETA or Market-1501 attribute json (see
            :func:`load_attribute_splits`).
        data_root (str, optional): Root of the image paths.
        methods (Sequence[str]): ``'knn'`` and/or ``'linear'``.
        k (int): kNN neighbours. Defaults to 20.
        steps (int): L-BFGS iterations of the linear probe. Defaults to 300.
        feature (str): ``'cls'`` or ``'avg'``. Defaults to 'cls'.
        batch_size (int): Images per forward. Defaults to 64.
        num_workers (int): DataLoader workers. Defaults to 0.
        img_size (tuple[int, int]): (H, W). Defaults to (256, 128).
        progress (bool): Show a tqdm bar. Defaults to False.

    Returns:
        dict: ``knn_mA`` / ``linear_mA`` in percent, ``num_train``,
        ``num_test``, ``num_attr`` and ``num_attr_excluded``.
    """
    unknown = set(methods) - set(PROBE_METHODS)
    if unknown or not methods:
        raise ValueError(f'methods must be a non-empty subset of '
                         f'{PROBE_METHODS}, got {methods}')
    splits = load_attribute_splits(ann_file, data_root)
    feats = extract_features(
        backbone, splits.train_paths + splits.test_paths, feature,
        batch_size, num_workers, img_size,
        progress='attribute features' if progress else None)
    train_feats = feats[:len(splits.train_paths)]
    test_feats = feats[len(splits.train_paths):]
    results: Dict[str, float] = dict(num_train=len(train_feats),
                                     num_test=len(test_feats))
    for method in methods:
        if method == 'knn':
            pred = knn_predict(train_feats, splits.train_labels, test_feats,
                               k)
        else:
            probe = fit_linear_probe(train_feats, splits.train_labels,
                                     steps)
            pred = probe(test_feats) > 0
        scores = mean_accuracy(pred, splits.test_labels)
        results[f'{method}_mA'] = scores.pop('mA')
        results.update(scores)
    return results
