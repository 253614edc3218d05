"""Label- and instance-based metrics of pedestrian attribute recognition."""
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmpretrain.structures import label_to_onehot

from saip_mm.registry import METRICS

# The field's formulas (Li et al. 2015; Jia et al. 2021) divide by counts
# plus a tiny epsilon, so an empty denominator gives a zero ratio.
EPS = 1e-20


def pedestrian_attribute_scores(pred: np.ndarray,
                                target: np.ndarray) -> Dict[str, float]:
    """mA and instance-based accuracy / precision / recall / F1.

    Label-based mean accuracy: for attribute ``j``,
    ``(TP_j / P_j + TN_j / N_j) / 2``, averaged over attributes. Instance
    based: per image ``|pred & gt| / |pred | gt|`` (accuracy),
    ``/ |pred|`` (precision) and ``/ |gt|`` (recall), averaged over images;
    F1 is the harmonic mean of the averaged precision and recall.

    Args:
        pred (np.ndarray): (N, K) binary predictions.
        target (np.ndarray): (N, K) binary ground truth.

    Returns:
        dict: ``mA``, ``accuracy``, ``precision``, ``recall`` and ``f1``
        in percent.
    """
    pred, target = pred.astype(bool), target.astype(bool)
    tpr = (pred & target).sum(0) / (target.sum(0) + EPS)
    tnr = (~pred & ~target).sum(0) / ((~target).sum(0) + EPS)
    intersection = (pred & target).sum(1)
    precision = np.mean(intersection / (pred.sum(1) + EPS))
    recall = np.mean(intersection / (target.sum(1) + EPS))
    scores = dict(
        mA=np.mean((tpr + tnr) / 2),
        accuracy=np.mean(intersection / ((pred | target).sum(1) + EPS)),
        precision=precision,
        recall=recall,
        f1=2 * precision * recall / (precision + recall + EPS))
    return {k: 100 * float(v) for k, v in scores.items()}


@METRICS.register_module()
class PedestrianAttributeMetric(BaseMetric):
    """mA and instance-based metrics, as pedestrian-attribute papers report.

    Takes the ``pred_score`` (sigmoid scores) of mmpretrain's multi-label
    heads and the ``gt_label`` indices (or ``gt_score``) of the samples; see
    :func:`pedestrian_attribute_scores` for the formulas.

    Args:
        thr (float): Score from which an attribute is predicted present.
            Defaults to 0.5.
        collect_device (str): 'cpu' or 'gpu'. Defaults to 'cpu'.
        prefix (str, optional): Metric name prefix. Defaults to 'attribute'.
    """
    default_prefix: Optional[str] = 'attribute'

    def __init__(self,
                 thr: float = 0.5,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device, prefix)
        self.thr = thr

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Keep binary predictions and targets of every sample.

        Raises:
            ValueError: The model scores another number of attributes than
                the dataset names (``dataset_meta['classes']``): the
                targets would be padded or cut to the head's width and the
                scores would look valid.
        """
        classes = (self.dataset_meta or {}).get('classes')
        for sample in data_samples:
            score = sample['pred_score'].detach().cpu()
            if classes is not None and score.numel() != len(classes):
                raise ValueError(
                    f'the model scores {score.numel()} attributes but the '
                    f'dataset has {len(classes)} ({list(classes)[:3]} ...): '
                    f'set model.head.num_classes={len(classes)}, or evaluate '
                    'a checkpoint trained on these attributes')
            if 'gt_score' in sample:
                target = sample['gt_score'].cpu()
            else:
                target = label_to_onehot(sample['gt_label'], score.numel())
            self.results.append(dict(pred=(score >= self.thr).numpy(),
                                     target=target.bool().numpy()))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Score all collected samples."""
        pred = np.stack([r['pred'] for r in results])
        target = np.stack([r['target'] for r in results])
        scores = pedestrian_attribute_scores(pred, target)
        scores['num_samples'] = len(results)
        return scores

