"""Frozen-backbone features of person images, for training-free probes."""
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from saip_mm.datasets.image_io import imread_rgb
from saip_mm.models.backbones import SAIPViT
from saip_mm.utils.model_converters import (
    backbone_from_state,
    hierarchical_from_state,
)
from saip_mm.utils.state_dicts import backbone_state

# ImageNet statistics in RGB order, as in pretraining.
IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)
FEATURE_TYPES = ('cls', 'avg')


class PersonImageList(Dataset):
    """Images resized to the probe size and normalised, in list order.

    Args:
        paths (Sequence[str]): Image files.
        img_size (tuple[int, int]): (H, W) fed to the backbone. Defaults to
            (256, 128).
    """

    def __init__(self, paths: Sequence[str],
                 img_size: Tuple[int, int] = (256, 128)) -> None:
        self.paths = list(paths)
        self.img_size = tuple(img_size)
        self.mean = np.array(IMAGENET_MEAN, np.float32)
        self.std = np.array(IMAGENET_STD, np.float32)

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> Tensor:
        img = imread_rgb(self.paths[index])
        h, w = self.img_size
        img = cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)
        img = (img.astype(np.float32) - self.mean) / self.std
        return torch.from_numpy(img.transpose(2, 0, 1).copy())


def pool_tokens(tokens: Tensor, feature: str = 'cls') -> Tensor:
    """One vector per image from final tokens (B, 1 + N, C).

    Args:
        tokens (Tensor): Output of the last block after the final norm,
            CLS first.
        feature (str): ``'cls'`` (the CLS token) or ``'avg'`` (mean of the
            patch tokens). Defaults to 'cls'.

    Returns:
        Tensor: (B, C).
    """
    if feature == 'cls':
        return tokens[:, 0]
    if feature == 'avg':
        return tokens[:, 1:].mean(dim=1)
    raise ValueError(f'feature must be one of {FEATURE_TYPES}, got '
                     f'{feature!r}')


@torch.no_grad()
def extract_features(backbone: SAIPViT,
                     paths: Sequence[str],
                     feature: str = 'cls',
                     batch_size: int = 64,
                     num_workers: int = 0,
                     img_size: Tuple[int, int] = (256, 128),
                     progress: Optional[str] = None) -> Tensor:
    """L2-normalised features of images under a frozen backbone.

    The backbone runs in eval mode on its own device and is put back in the
    mode it was in, so the function can run in the middle of training.

    Args:
        backbone (SAIPViT): Backbone with a CLS token.
        paths (Sequence[str]): Image files.
        feature (str): ``'cls'`` or ``'avg'``. Defaults to 'cls'.
        batch_size (int): Images per forward. Defaults to 64.
        num_workers (int): DataLoader workers. Defaults to 0.
        img_size (tuple[int, int]): (H, W). Defaults to (256, 128).
        progress (str, optional): Show a tqdm bar with this description.

    Returns:
        Tensor: (len(paths), C) float32 on the CPU, unit L2 norm.
    """
    if feature not in FEATURE_TYPES:
        raise ValueError(f'feature must be one of {FEATURE_TYPES}, got '
                         f'{feature!r}')
    if not backbone.with_cls_token:
        raise ValueError('the probes need a backbone with a CLS token')
    loader = DataLoader(PersonImageList(paths, img_size),
                        batch_size=batch_size, num_workers=num_workers)
    device = next(backbone.parameters()).device
    was_training = backbone.training
    backbone.eval()
    feats: List[Tensor] = []
    try:
        for images in tqdm(loader, desc=progress, disable=progress is None,
                           unit='batch'):
            tokens = backbone.forward_saip(images.to(device))['final']
            feats.append(pool_tokens(tokens, feature).float().cpu())
    finally:
        backbone.train(was_training)
    return F.normalize(torch.cat(feats), dim=1)


def load_probe_backbone(checkpoint: Optional[str] = None,
                        img_size: Tuple[int, int] = (256, 128),
                        arch: str = 'tiny') -> SAIPViT:
    """A ``SAIPViT`` with the weights of a checkpoint, or randomly initialised.

    Accepts an exported backbone (``tools/model_converters/
    saip_to_backbone.py``), a SAIP training checkpoint or an MAE training
    checkpoint of ``configs/mae/`` (both: ``backbone.`` keys with
    ``arch_meta``); the architecture comes from the checkpoint and the
    position embedding is resampled to ``img_size``. A hierarchical net
    (``SAIPTinyViT``, no position embedding) comes inside
    ``HierarchicalTokens``, whose CLS is its pooled, normed last stage.

    Args:
        checkpoint (str, optional): Checkpoint path; None gives SAIPViT's
            own random initialisation (the "no pretraining" baseline).
        img_size (tuple[int, int]): Probe input (H, W). Defaults to
            (256, 128).
        arch (str): Architecture of the random backbone. Defaults to 'tiny'.

    Returns:
        SAIPViT: The backbone, in eval mode.
    """
    if checkpoint is None:
        model = SAIPViT(arch, img_size=img_size, inter_index=None)
        model.init_weights()
        return model.eval()
    state, _ = backbone_state(checkpoint)
    if 'pos_embed' not in state:
        return hierarchical_from_state(state).eval()
    return backbone_from_state(state, img_size).eval()
