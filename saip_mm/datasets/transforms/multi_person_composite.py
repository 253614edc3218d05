# Copyright (c) OpenMMLab. All rights reserved.
"""SAIP's synthetic multi-person image for cross-scale search (CSS)."""
from typing import Dict, Optional, Tuple

import numpy as np
from mmcv.transforms import BaseTransform

from saip_mm.registry import TRANSFORMS

from .augment_ops import SAIP_JITTER, CropAugment
from .background_pool import BackgroundPool
from .rng import ProcessRNG


def paste_ranges(canvas_size: Tuple[int, int], first_size: Tuple[int, int],
                 second_size: Tuple[int, int]) -> Dict[str, int]:
    """Bounds of the two paste positions, derived from the sizes.

    Rows are drawn from ``[0, H - h - 1)`` for each paste. The first paste's
    column is drawn from ``[0, W - w1 - w2 - 1)`` and the second's from
    ``[x1 + w1, W - w2 - 1)``, so the two never overlap horizontally. The
    ``- 1`` reproduces the reference (for a 224 x 224 canvas and two
    128 x 64 pastes: rows in [0, 95), first column in [0, 95), second
    column in [x1 + 64, 159)).

    Args:
        canvas_size (Tuple[int, int]): ``(H, W)`` of the composite.
        first_size (Tuple[int, int]): ``(h1, w1)`` of the left paste.
        second_size (Tuple[int, int]): ``(h2, w2)`` of the right paste.

    Returns:
        Dict[str, int]: Exclusive upper bounds ``row1_high``, ``row2_high``,
        ``col1_high`` and ``col2_high``, and ``w1`` (the second column's low
        bound is ``x1 + w1``).

    Raises:
        ValueError: If the two pastes do not fit side by side.
    """
    (canvas_h, canvas_w), (h1, w1), (h2, w2) = (canvas_size, first_size,
                                                second_size)
    bounds = dict(
        row1_high=canvas_h - h1 - 1,
        row2_high=canvas_h - h2 - 1,
        col1_high=canvas_w - w1 - w2 - 1,
        col2_high=canvas_w - w2 - 1,
        w1=w1)
    if min(bounds['row1_high'], bounds['row2_high'],
           bounds['col1_high']) < 1:
        raise ValueError(
            f'pastes of {first_size} and {second_size} (h, w) do not fit '
            f'side by side in a {canvas_size} composite')
    return bounds


def alpha_paste(canvas: np.ndarray, person: np.ndarray, row: int, col: int,
                alpha: float) -> None:
    """Blend ``person`` into ``canvas`` in place at ``(row, col)``.

    The result is ``rint(alpha * person + (1 - alpha) * background)``
    computed in float64. The reference blends ImageNet-normalised tensors
    instead; normalisation is affine, so blending before or after it gives
    the same image (up to our rounding to uint8).

    Args:
        canvas (np.ndarray): ``H x W x 3`` uint8 background, modified.
        person (np.ndarray): ``h x w x 3`` uint8 image to paste.
        row (int): Top row of the paste.
        col (int): Left column of the paste.
        alpha (float): Weight of the person.
    """
    height, width = person.shape[:2]
    region = canvas[row:row + height, col:col + width]
    blended = alpha * person.astype(np.float64) + (1.0 - alpha) * region
    region[...] = np.rint(blended).astype(np.uint8)


@TRANSFORMS.register_module()
class MultiPersonComposite(BaseTransform):
    """Paste two views of the person onto a random background (CSS input).

    The background is a random pool image, RandomResizedCrop'ed to ``size``
    with the usual photometric augmentations. Paste #1 is the ``roi`` view
    (by default the last local view ``lN``); paste #2 is the ``inst``
    person ``r`` (g1 at half scale, made by :class:`SAIPMultiScaleViews`).
    Paste #2 lies to the right of paste #1 without horizontal overlap (see
    :func:`paste_ranges`), and both are alpha-blended (:func:`alpha_paste`).

    Positions come from a per-process generator seeded from
    ``torch.initial_seed()`` (:class:`ProcessRNG`), so DataLoader workers
    never repeat each other's positions and runs are reproducible under
    mmengine's seeded ``worker_init_fn``.

    **Required Keys:**

    - img (List[np.ndarray]): The views of :class:`SAIPMultiScaleViews`.
    - r_view (np.ndarray): r, of :class:`SAIPMultiScaleViews`.
    - img_path (optional): Not used as background when possible.

    **Added Keys:**

    - composite (np.ndarray): ``H x W x 3`` uint8 RGB.
    - roi_mask (np.ndarray): ``H x W`` uint8, 1 where the roi view is.
    - inst_mask (np.ndarray): ``H x W`` uint8, 1 where ``r`` is.

    Args:
        background (dict): :class:`BackgroundPool` arguments, e.g.
            ``dict(type='folder', root='data/bg', list_file=None)``,
            ``dict(type='dataset')`` or ``dict(type='demo')``. Defaults to
            ``dict(type='dataset')``.
        size (Tuple[int, int]): ``(H, W)`` of the composite. Defaults to
            (224, 224).
        scale (Tuple[float, float]): Background crop area range. Defaults to
            (0.2, 1.0).
        ratio (Tuple[float, float]): Background crop aspect range ``w / h``.
            Defaults to (3 / 4, 4 / 3).
        interpolation (str): Background resize interpolation. Defaults to
            'bicubic'.
        antialias (bool): Area interpolation when the background crop
            shrinks. Defaults to True.
        flip_prob (float): Background flip probability. Defaults to 0.5.
        color_jitter (dict, optional): Background jitter strengths. Defaults
            to ``dict(brightness=0.4, contrast=0.4, saturation=0.2,
            hue=0.1)``.
        jitter_prob (float): Jitter probability. Defaults to 0.8.
        gray_prob (float): Grayscale probability. Defaults to 0.2.
        blur_prob (float): Blur probability. Defaults to 0.1.
        blur_sigma (Tuple[float, float]): Blur sigma range. Defaults to
            (0.1, 2.0).
        solarize_prob (float): Solarize probability. Defaults to 0.2.
        solarize_threshold (int): Solarize threshold. Defaults to 128.
        alpha (float): Weight of the pasted person. Defaults to 0.7.
        roi_view_index (int): Index in ``img`` of the roi view. Defaults to
            -1 (the last local view).
        random_order (bool): Swap the left/right order of the two pastes
            with probability 0.5. The reference always puts the roi view on
            the left. Defaults to False.
    """

    def __init__(self,
                 background: Optional[dict] = None,
                 size: Tuple[int, int] = (224, 224),
                 scale: Tuple[float, float] = (0.2, 1.0),
                 ratio: Tuple[float, float] = (3 / 4, 4 / 3),
                 interpolation: str = 'bicubic',
                 antialias: bool = True,
                 flip_prob: float = 0.5,
                 color_jitter: Optional[Dict[str, float]] = SAIP_JITTER,
                 jitter_prob: float = 0.8,
                 gray_prob: float = 0.2,
                 blur_prob: float = 0.1,
                 blur_sigma: Tuple[float, float] = (0.1, 2.0),
                 solarize_prob: float = 0.2,
                 solarize_threshold: int = 128,
                 alpha: float = 0.7,
                 roi_view_index: int = -1,
                 random_order: bool = False) -> None:
        assert 0.0 <= alpha <= 1.0, f'alpha must be in [0, 1], got {alpha}'
        self.pool = BackgroundPool(**(background or dict(type='dataset')))
        self.background_aug = CropAugment(
            size,
            scale,
            ratio,
            interpolation=interpolation,
            antialias=antialias,
            flip_prob=flip_prob,
            color_jitter=color_jitter,
            jitter_prob=jitter_prob,
            gray_prob=gray_prob,
            blur_prob=blur_prob,
            blur_sigma=blur_sigma,
            solarize_prob=solarize_prob,
            solarize_threshold=solarize_threshold)
        self.size = tuple(size)
        self.alpha = alpha
        self.roi_view_index = roi_view_index
        self.random_order = random_order
        self.rng = ProcessRNG(type(self).__name__)

    def bind_dataset(self, dataset) -> None:
        """Give a ``background=dict(type='dataset')`` pool its images.

        Args:
            dataset (PersonImageDataset): The dataset the pipeline runs in.
        """
        self.pool.bind_dataset(dataset)

    def transform(self, results: dict) -> dict:
        """Build the composite and its paste masks.

        Args:
            results (dict): Result dict with the views ``img`` and
                ``r_view``.

        Returns:
            dict: The result dict with ``composite``, ``roi_mask`` and
            ``inst_mask``.
        """
        roi = results['img'][self.roi_view_index]
        inst = results['r_view']
        rng = self.rng.generator
        background = self.pool.sample(rng, exclude=results.get('img_path'))
        canvas, _, _ = self.background_aug(background, rng)

        pastes = [roi, inst]
        swap = self.random_order and rng.random() < 0.5
        if swap:
            pastes.reverse()
        bounds = paste_ranges(self.size, pastes[0].shape[:2],
                              pastes[1].shape[:2])
        row1 = int(rng.integers(0, bounds['row1_high']))
        col1 = int(rng.integers(0, bounds['col1_high']))
        row2 = int(rng.integers(0, bounds['row2_high']))
        col2 = int(rng.integers(col1 + bounds['w1'], bounds['col2_high']))
        boxes = []
        for person, row, col in zip(pastes, (row1, row2), (col1, col2)):
            alpha_paste(canvas, person, row, col, self.alpha)
            boxes.append((col, row, col + person.shape[1],
                          row + person.shape[0]))
        if swap:
            boxes.reverse()

        results['composite'] = canvas
        for key, (x1, y1, x2, y2) in zip(('roi_mask', 'inst_mask'), boxes):
            mask = np.zeros(self.size, dtype=np.uint8)
            mask[y1:y2, x1:x2] = 1
            results[key] = mask
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(pool={self.pool}, size={self.size}, '
                f'background_aug={self.background_aug}, alpha={self.alpha}, '
                f'random_order={self.random_order})')
