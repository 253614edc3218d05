"""Training-free ReID retrieval probe on a Market-1501 style folder."""
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch

from saip_mm.datasets.market_names import MARKET_FOLDERS, scan_market_folder
from saip_mm.evaluation.metrics.reid_metric import query_gallery_eval
from saip_mm.models.backbones import SAIPViT

from .features import extract_features

QUERY_DIR = MARKET_FOLDERS['query']
GALLERY_DIR = MARKET_FOLDERS['gallery']


def read_market_split(root: str, folder: str
                      ) -> Tuple[List[str], np.ndarray, np.ndarray]:
    """Paths, person ids and cameras of the images of ``root/folder``.

    Names are parsed by :func:`saip_mm.datasets.scan_market_folder`;
    junk (pid -1) is kept: the metric ignores it.

    Args:
        root (str): Dataset root.
        folder (str): ``'query'`` or ``'bounding_box_test'``.

    Returns:
        tuple: (paths sorted by name, pids, camids).
    """
    directory = osp.join(root, folder)
    records = scan_market_folder(directory)
    return ([osp.join(directory, name) for name, _, _ in records],
            np.array([pid for _, pid, _ in records]),
            np.array([camid for _, _, camid in records]))


def reid_probe(backbone: SAIPViT,
               data_root: str,
               feature: str = 'cls',
               batch_size: int = 64,
               num_workers: int = 0,
               ranks: Sequence[int] = (1, 5, 10),
               img_size: Tuple[int, int] = (256, 128),
               progress: bool = False) -> Dict[str, float]:
    """mAP and CMC of frozen features, ranked by cosine similarity.

    Queries in ``data_root/query`` are ranked against
    ``data_root/bounding_box_test`` with the camera-aware protocol of
    :func:`saip_mm.evaluation.metrics.reid_metric.query_gallery_eval`
    (same person + same camera and junk entries excluded, distractors kept).

    Args:
        backbone (SAIPViT): The frozen backbone.
        data_root (str): Market-1501 style root.
        feature (str): ``'cls'`` or ``'avg'``. Defaults to 'cls'.
        batch_size (int): Images per forward. Defaults to 64.
        num_workers (int): DataLoader workers. Defaults to 0.
        ranks (Sequence[int]): CMC ranks. Defaults to (1, 5, 10).
        img_size (tuple[int, int]): (H, W). Defaults to (256, 128).
        progress (bool): Show a tqdm bar. Defaults to False.

    Returns:
        dict: ``mAP`` and ``R{k}`` in percent, ``num_query``,
        ``num_query_no_match`` and ``num_gallery``.
    """
    q_paths, q_pids, q_cams = read_market_split(data_root, QUERY_DIR)
    g_paths, g_pids, g_cams = read_market_split(data_root, GALLERY_DIR)
    feats = extract_features(
        backbone, q_paths + g_paths, feature, batch_size, num_workers,
        img_size, progress='reid features' if progress else None)
    q_feats, g_feats = feats[:len(q_paths)], feats[len(q_paths):]
    # unit-norm features: cosine distance ranks like 1 - similarity
    dist = (1 - torch.mm(q_feats, g_feats.t())).numpy()
    return query_gallery_eval(dist, q_pids, g_pids, q_cams, g_cams, ranks)
