"""Pedestrian attribute metrics (mA, instance-based) against hand counts."""
import numpy as np
import pytest
import torch

from saip_mm.evaluation.metrics import PedestrianAttributeMetric
from saip_mm.evaluation.metrics.attribute_metric import (
    pedestrian_attribute_scores,
)

PRED = np.array([[1, 0], [1, 1], [0, 0]])
TARGET = np.array([[1, 1], [0, 1], [0, 0]])


def test_hand_computed_example():
    out = pedestrian_attribute_scores(PRED, TARGET)
    # attr 0: TPR 1/1, TNR 1/2; attr 1: TPR 1/2, TNR 1/1 -> both 0.75
    assert out['mA'] == pytest.approx(75.)
    # per image (inter/union, inter/|pred|, inter/|gt|):
    # (1/2, 1, 1/2), (1/2, 1/2, 1), (0, 0, 0): empty ratios count as 0
    assert out['accuracy'] == pytest.approx(100 / 3)
    assert out['precision'] == pytest.approx(50.)
    assert out['recall'] == pytest.approx(50.)
    assert out['f1'] == pytest.approx(50.)


def test_attribute_without_positives_counts_half():
    # the field's formula: TPR of an attribute with no positive is 0
    pred = np.concatenate([PRED, np.zeros((3, 1))], axis=1)
    target = np.concatenate([TARGET, np.zeros((3, 1))], axis=1)
    out = pedestrian_attribute_scores(pred, target)
    assert out['mA'] == pytest.approx(100 * (0.75 + 0.75 + 0.5) / 3)


def test_metric_thresholds_scores_and_reads_label_indices():
    scores = torch.tensor([[0.9, 0.2], [0.6, 0.5], [0.1, 0.49]])
    metric = PedestrianAttributeMetric(thr=0.5)
    metric.process({}, [
        dict(pred_score=s, gt_label=torch.tensor(g, dtype=torch.long))
        for s, g in zip(scores, ([0, 1], [1], []))
    ])
    out = metric.compute_metrics(metric.results)
    assert out == pytest.approx(
        dict(pedestrian_attribute_scores(PRED, TARGET), num_samples=3))


def test_metric_reads_gt_score():
    metric = PedestrianAttributeMetric()
    metric.process({}, [
        dict(pred_score=torch.tensor([0.9, 0.1]),
             gt_score=torch.tensor([1., 0.]))
    ])
    assert metric.compute_metrics(metric.results)['accuracy'] == 100.


def test_head_wider_than_the_dataset_is_refused():
    # a 3-attribute head on a 2-attribute dataset: label_to_onehot would
    # pad the targets to 3 and score a believable mA
    metric = PedestrianAttributeMetric()
    metric.dataset_meta = dict(classes=('hat', 'bag'))
    with pytest.raises(ValueError, match=r'scores 3 attributes but the '
                       r'dataset has 2 .*model.head.num_classes=2'):
        metric.process({}, [dict(pred_score=torch.tensor([0.9, 0.1, 0.7]),
                                 gt_label=torch.tensor([0]))])
    metric.process({}, [dict(pred_score=torch.tensor([0.9, 0.1]),
                             gt_label=torch.tensor([0]))])
    assert metric.compute_metrics(metric.results)['accuracy'] == 100.
