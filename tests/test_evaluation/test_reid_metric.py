"""Camera-aware query/gallery ReID metric against hand-computed rankings."""
import numpy as np
import pytest
import torch

from saip_mm.evaluation.metrics import ReIDQueryGalleryMetric
from saip_mm.evaluation.metrics.reid_metric import query_gallery_eval

# gallery: same-camera twin of pid 1, pid 1 from camera 2, pid 2, a junk box
# (-1) and a distractor (0)
G_PIDS = np.array([1, 1, 2, -1, 0])
G_CAMS = np.array([1, 2, 2, 2, 3])
Q_PIDS = np.array([1, 2, 3, 1, 1])
Q_CAMS = np.array([1, 1, 1, 2, 3])
DIST = np.array([
    # q0: g0 (same pid + camera) and g3 (junk) drop out -> g2 g4 g1: AP 1/3
    [0.1, 0.5, 0.3, 0.2, 0.4],
    # q1: g2 first -> AP 1
    [0.3, 0.2, 0.1, 0.5, 0.4],
    # q2: pid 3 is not in the gallery -> excluded, counted
    [0.1, 0.2, 0.3, 0.4, 0.5],
    # q3: g1 (same pid + camera) drops out -> g0 first: AP 1
    [0.2, 0.1, 0.3, 0.4, 0.5],
    # q4: g4 g1 g2 g0 (g3 junk) -> hits at 2 and 4: AP (1/2 + 2/4) / 2
    [0.4, 0.1, 0.2, 0.3, 0.05],
])


def test_hand_computed_example():
    out = query_gallery_eval(DIST, Q_PIDS, G_PIDS, Q_CAMS, G_CAMS)
    assert out['mAP'] == pytest.approx(100 * (1 / 3 + 1 + 1 + 0.5) / 4)
    # first hits at ranks 3, 1, 1, 2
    assert out['R1'] == pytest.approx(50.)
    assert out['R5'] == out['R10'] == pytest.approx(100.)
    assert (out['num_query'], out['num_query_no_match'],
            out['num_gallery']) == (4, 1, 5)


def test_distractors_rank_and_junk_does_not():
    # the distractor g4 ranked first costs q4 its rank-1; junk never does
    out = query_gallery_eval(DIST[4:], Q_PIDS[4:], G_PIDS, Q_CAMS[4:],
                             G_CAMS, ranks=(1, 2))
    assert (out['R1'], out['R2']) == (0., 100.)
    junk_first = np.array([[0.4, 0.1, 0.2, 0.01, 0.3]])
    out = query_gallery_eval(junk_first, Q_PIDS[4:], G_PIDS, Q_CAMS[4:],
                             G_CAMS, ranks=(1, ))
    assert out['R1'] == 100.


def test_no_query_with_a_match_raises():
    with pytest.raises(ValueError, match='no query has a true match'):
        query_gallery_eval(DIST[2:3], Q_PIDS[2:3], G_PIDS, Q_CAMS[2:3],
                           G_CAMS)


def samples(feats, pids, cams, is_query):
    return [dict(pred_feature=f, pid=p, camid=c, is_query=q)
            for f, p, c, q in zip(feats, pids, cams, is_query)]


def evaluate(metric, results):
    metric.process({}, results)
    return metric.compute_metrics(metric.results)


def test_metric_ranks_queries_against_the_gallery_only():
    rng = torch.Generator().manual_seed(0)
    q_feats, g_feats = torch.randn(5, 8, generator=rng), torch.randn(
        5, 8, generator=rng)
    metric = ReIDQueryGalleryMetric(feat_norm=False)
    metric.process({}, samples(q_feats, Q_PIDS, Q_CAMS, [True] * 5))
    metric.process({}, samples(g_feats, G_PIDS, G_CAMS, [False] * 5))
    out = metric.compute_metrics(metric.results)
    expected = query_gallery_eval(
        torch.cdist(q_feats, g_feats).numpy(), Q_PIDS, G_PIDS, Q_CAMS,
        G_CAMS)
    assert out == pytest.approx(expected)


def test_feat_norm_ranks_by_cosine():
    # g0 is nearer in Euclidean distance, g1 in angle
    q = torch.tensor([[1., 0.]])
    g = torch.tensor([[0.5, 0.5], [3., 0.1]])
    results = samples(torch.cat([q, g]), [1, 1, 2], [1, 2, 2],
                      [True, False, False])
    assert evaluate(ReIDQueryGalleryMetric(feat_norm=True), results)['R1'] == 0
    assert evaluate(ReIDQueryGalleryMetric(feat_norm=False),
                    results)['R1'] == 100


def test_metric_needs_queries_and_gallery():
    results = samples(torch.randn(3, 4), [1, 1, 2], [1, 2, 1], [True] * 3)
    with pytest.raises(ValueError, match='queries and a gallery'):
        evaluate(ReIDQueryGalleryMetric(), results)
    with pytest.raises(ValueError, match='start at 1'):
        ReIDQueryGalleryMetric(ranks=(0, 1))
