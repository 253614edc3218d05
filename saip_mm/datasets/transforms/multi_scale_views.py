# Copyright (c) OpenMMLab. All rights reserved.
"""SAIP's single-person multi-scale views: 2 global + N local crops, and
r (g1 at half scale)."""
from typing import Dict, Optional, Sequence, Tuple

import mmcv
from mmcv.transforms import BaseTransform

from saip_mm.registry import TRANSFORMS

from .augment_ops import SAIP_JITTER, CropAugment
from .rng import ProcessRNG


@TRANSFORMS.register_module()
class SAIPMultiScaleViews(BaseTransform):
    """Two global and ``num_local`` local views of one person image, and r.

    Unlike mmpretrain's ``MultiView``, randomness is drawn per call from a
    per-process generator (:class:`ProcessRNG`), and every image stays uint8
    RGB. Each view is cropped from the source first and only the crop is
    resized.
    Defaults are the reference SAIP / DINO multi-crop settings. ``r`` is g1
    resized by ``r_scale`` (same content, another scale), made here once for
    both its users: the model's CSM view ``r * s2`` and the ``inst`` person
    that :class:`MultiPersonComposite` pastes.

    **Required Keys:**

    - img (np.ndarray): ``H x W x 3`` uint8 RGB image.

    **Modified Keys:**

    - img (List[np.ndarray]): ``[g1, g2, l1, ..., lN]``, uint8 RGB,
      ``global_size`` and ``local_size`` respectively.

    **Added Keys:**

    - r_view (np.ndarray): g1 resized by ``r_scale`` (sizes rounded down,
      as ``F.interpolate`` does), uint8 RGB.
    - num_local_views (int): N, which the SAIP model checks against its
      ``num_local_views``.

    Args:
        global_size (Tuple[int, int]): ``(h, w)`` of g1, g2. Defaults to
            (256, 128).
        local_size (Tuple[int, int]): ``(h, w)`` of local views. Defaults to
            (128, 64).
        num_local (int): Number of local views N. Defaults to 7.
        global_scale (Tuple[float, float]): Crop area range of global views.
            Defaults to (0.8, 1.0).
        local_scale (Tuple[float, float]): Crop area range of local views.
            Defaults to (0.05, 0.8).
        ratio (Tuple[float, float]): Crop aspect range ``w / h`` of every
            view. Defaults to (0.4, 0.6).
        interpolation (str): Resize interpolation. Defaults to 'bicubic'.
        antialias (bool): Area interpolation when a crop shrinks in both
            directions (PIL-like). Defaults to True.
        flip_prob (float): Horizontal flip probability. Defaults to 0.5.
        color_jitter (dict, optional): Jitter strengths ``brightness``,
            ``contrast``, ``saturation``, ``hue``. Defaults to
            ``dict(brightness=0.4, contrast=0.4, saturation=0.2, hue=0.1)``.
        jitter_prob (float): Probability of colour jitter. Defaults to 0.8.
        gray_prob (float): Grayscale probability. Defaults to 0.2.
        global_blur_probs (Tuple[float, float]): Blur probability of g1, g2.
            Defaults to (1.0, 0.1).
        local_blur_prob (float): Blur probability of local views. Defaults
            to 0.5.
        blur_sigma (Tuple[float, float]): Blur sigma range. Defaults to
            (0.1, 2.0).
        global_solarize_probs (Tuple[float, float]): Solarize probability
            of g1, g2. Defaults to (0.0, 0.2).
        local_solarize_prob (float): Solarize probability of local views.
            Defaults to 0.
        solarize_threshold (int): Solarize threshold. Defaults to 128.
        r_scale (float): Size of r over g1's; the SAIP model checks it
            against its ``ref_scale``. Defaults to 0.5.
        r_interpolation (str): Interpolation of r. Defaults to 'nearest'
            (the reference's).
    """

    def __init__(self,
                 global_size: Tuple[int, int] = (256, 128),
                 local_size: Tuple[int, int] = (128, 64),
                 num_local: int = 7,
                 global_scale: Tuple[float, float] = (0.8, 1.0),
                 local_scale: Tuple[float, float] = (0.05, 0.8),
                 ratio: Tuple[float, float] = (0.4, 0.6),
                 interpolation: str = 'bicubic',
                 antialias: bool = True,
                 flip_prob: float = 0.5,
                 color_jitter: Optional[Dict[str, float]] = SAIP_JITTER,
                 jitter_prob: float = 0.8,
                 gray_prob: float = 0.2,
                 global_blur_probs: Sequence[float] = (1.0, 0.1),
                 local_blur_prob: float = 0.5,
                 blur_sigma: Tuple[float, float] = (0.1, 2.0),
                 global_solarize_probs: Sequence[float] = (0.0, 0.2),
                 local_solarize_prob: float = 0.,
                 solarize_threshold: int = 128,
                 r_scale: float = 0.5,
                 r_interpolation: str = 'nearest') -> None:
        assert num_local >= 0, f'num_local must be >= 0, got {num_local}'
        assert len(global_blur_probs) == len(global_solarize_probs) == 2, \
            'give one blur / solarize probability per global view'
        self.num_local = num_local
        self.r_scale = r_scale
        self.r_interpolation = r_interpolation
        common = dict(
            ratio=ratio,
            interpolation=interpolation,
            antialias=antialias,
            flip_prob=flip_prob,
            color_jitter=color_jitter,
            jitter_prob=jitter_prob,
            gray_prob=gray_prob,
            blur_sigma=blur_sigma,
            solarize_threshold=solarize_threshold)
        self.global_views = [
            CropAugment(
                global_size,
                global_scale,
                blur_prob=blur_p,
                solarize_prob=solarize_p,
                **common) for blur_p, solarize_p in zip(
                    global_blur_probs, global_solarize_probs)
        ]
        self.local_view = CropAugment(
            local_size,
            local_scale,
            blur_prob=local_blur_prob,
            solarize_prob=local_solarize_prob,
            **common)
        self.rng = ProcessRNG(type(self).__name__)

    def transform(self, results: dict) -> dict:
        """Replace ``results['img']`` by the list of views.

        Args:
            results (dict): Result dict with ``img``.

        Returns:
            dict: The result dict with ``img``, ``r_view`` and
            ``num_local_views`` (see the class docstring).
        """
        img = results['img']
        rng = self.rng.generator
        makers = self.global_views + [self.local_view] * self.num_local
        results['img'] = [maker(img, rng)[0] for maker in makers]
        g1 = results['img'][0]
        h, w = (int(s * self.r_scale) for s in g1.shape[:2])
        results['r_view'] = mmcv.imresize(
            g1, (w, h), interpolation=self.r_interpolation)
        results['num_local_views'] = self.num_local
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(global_views={self.global_views}, '
                f'local_view={self.local_view}, num_local={self.num_local}, '
                f'r_scale={self.r_scale})')
