"""Camera-aware query/gallery mAP and CMC for person ReID."""
from typing import Dict, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric

from saip_mm.datasets.market_names import JUNK_PID
from saip_mm.registry import METRICS


def query_gallery_eval(dist: np.ndarray, q_pids: np.ndarray,
                       g_pids: np.ndarray, q_camids: np.ndarray,
                       g_camids: np.ndarray,
                       ranks: Sequence[int] = (1, 5, 10)) -> Dict[str, float]:
    """mAP and CMC of the Market-1501 / MSMT17 protocol.

    For every query the gallery is sorted by distance; gallery images of the
    same person taken by the same camera and junk images (pid -1) are
    removed. Distractors (pid 0) stay in the ranking. A query left without
    any true match does not enter mAP or CMC and is counted instead.

    Args:
        dist (np.ndarray): (num_query, num_gallery) distances.
        q_pids, g_pids (np.ndarray): Person ids of queries and gallery.
        q_camids, g_camids (np.ndarray): Camera ids of queries and gallery.
        ranks (Sequence[int]): CMC ranks to report. Defaults to (1, 5, 10).

    Returns:
        dict: ``mAP`` and ``R{k}`` in percent, ``num_query`` (evaluated
        queries), ``num_query_no_match`` and ``num_gallery``.
    """
    order = np.argsort(dist, axis=1, kind='stable')
    sorted_pids = g_pids[order]
    matches = sorted_pids == q_pids[:, None]
    keep = ~((matches & (g_camids[order] == q_camids[:, None]))
             | (sorted_pids == JUNK_PID))
    aps, first_hits = [], []
    for match, kept in zip(matches, keep):
        hits = match[kept]
        if not hits.any():
            continue
        hit_pos = np.flatnonzero(hits)
        # precision at the position of each true match
        aps.append(np.mean(np.arange(1, len(hit_pos) + 1) / (hit_pos + 1)))
        first_hits.append(hit_pos[0])
    if not aps:
        raise ValueError('no query has a true match in the gallery from '
                         'another camera; check pids and camids')
    first_hits = np.asarray(first_hits)
    results = dict(mAP=100 * float(np.mean(aps)))
    for k in ranks:
        results[f'R{k}'] = 100 * float(np.mean(first_hits < k))
    results.update(num_query=len(aps),
                   num_query_no_match=len(q_pids) - len(aps),
                   num_gallery=len(g_pids))
    return results


@METRICS.register_module()
class ReIDQueryGalleryMetric(BaseMetric):
    """mAP and CMC (Rank-k) of the standard query/gallery ReID protocol.

    mmdet's ``ReIDMetrics`` ranks every sample against all the others and
    ignores cameras, which is not the protocol Market-1501 / MSMT17 numbers
    are reported with. This metric reads ``pid``, ``camid`` and ``is_query``
    from each data sample (see :class:`saip_mm.Market1501Dataset`) and the
    feature the head predicts (``pred_feature``, as mmdet's
    ``LinearReIDHead`` writes it), then applies :func:`query_gallery_eval`.

    Args:
        ranks (Sequence[int]): CMC ranks. Defaults to (1, 5, 10).
        feat_norm (bool): L2-normalise features first, so the Euclidean
            ranking equals the cosine one. Defaults to True.
        collect_device (str): 'cpu' or 'gpu'. Defaults to 'cpu'.
        prefix (str, optional): Metric name prefix. Defaults to 'reid'.
    """
    default_prefix: Optional[str] = 'reid'

    def __init__(self,
                 ranks: Sequence[int] = (1, 5, 10),
                 feat_norm: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device, prefix)
        if min(ranks) < 1:
            raise ValueError(f'CMC ranks start at 1, got {ranks}')
        self.ranks = tuple(ranks)
        self.feat_norm = feat_norm

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Keep the feature and the identity of every sample."""
        for sample in data_samples:
            self.results.append(dict(
                feature=sample['pred_feature'].detach().float().cpu(),
                pid=int(sample['pid']),
                camid=int(sample['camid']),
                is_query=bool(sample['is_query'])))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Rank the gallery for every query and score the rankings."""
        feats = torch.stack([r['feature'] for r in results])
        if self.feat_norm:
            feats = F.normalize(feats, dim=1)
        pids = np.array([r['pid'] for r in results])
        camids = np.array([r['camid'] for r in results])
        is_query = np.array([r['is_query'] for r in results])
        if is_query.all() or not is_query.any():
            raise ValueError('ReID evaluation needs queries and a gallery; '
                             'use saip_mm.Market1501Dataset as test set')
        q, g = torch.from_numpy(is_query), torch.from_numpy(~is_query)
        dist = torch.cdist(feats[q], feats[g]).numpy()
        return query_gallery_eval(dist, pids[is_query], pids[~is_query],
                                  camids[is_query], camids[~is_query],
                                  self.ranks)
