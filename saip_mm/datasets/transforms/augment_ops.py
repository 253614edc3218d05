# Copyright (c) OpenMMLab. All rights reserved.
"""uint8 RGB augmentation ops on OpenCV, shared by the SAIP view transforms.

Why not the stock transforms: mmpretrain's ``RandomResizedCrop`` draws from
the global ``np.random`` and does not report its box; its ``ColorJitter`` and
mmcv's ``adjust_*`` work in float32 and assume BGR grey weights; its
``GaussianBlur`` goes through PIL. SAIP needs 10 augmented images per sample,
so these ops stay in uint8 (lookup tables, one-pass colour matrices) and
take an explicit ``numpy.random.Generator``. Semantics follow torchvision's
``RandomResizedCrop`` / ``ColorJitter`` / ``RandomGrayscale`` /
``GaussianBlur`` / ``RandomSolarize``, which the reference pipeline uses.
"""
import math
from typing import Dict, Optional, Sequence, Tuple

import cv2
import mmcv
import numpy as np

Box = Tuple[int, int, int, int]
_IDENTITY = np.arange(256, dtype=np.float32)
# ITU-R 601 luma weights for R, G, B (what RGB2GRAY and torchvision use).
_GRAY_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)
# Colour-jitter strengths of the reference (DINO) pipeline, for every view
# and the composite's background.
SAIP_JITTER = dict(brightness=0.4, contrast=0.4, saturation=0.2, hue=0.1)


def sample_crop_box(rng: np.random.Generator,
                    height: int,
                    width: int,
                    scale: Sequence[float],
                    ratio: Sequence[float],
                    max_attempts: int = 10) -> Box:
    """Draw a RandomResizedCrop box (torchvision's ``get_params`` rule).

    Args:
        rng (np.random.Generator): The random generator.
        height (int): Image height.
        width (int): Image width.
        scale (Sequence[float]): Range of the crop area as a fraction of the
            image area.
        ratio (Sequence[float]): Range of the crop aspect ratio ``w / h``,
            sampled log-uniformly.
        max_attempts (int): Draws before falling back to the largest central
            crop whose aspect ratio is within ``ratio``. Defaults to 10.

    Returns:
        Tuple[int, int, int, int]: ``(x1, y1, x2, y2)``, end exclusive.
    """
    # One generator call for all attempts: per-call overhead dominates here.
    draws = rng.random((max_attempts, 2))
    log_low, log_high = math.log(ratio[0]), math.log(ratio[1])
    for u_area, u_aspect in draws:
        area = height * width * (scale[0] + (scale[1] - scale[0]) * u_area)
        aspect = math.exp(log_low + (log_high - log_low) * u_aspect)
        crop_w = round(math.sqrt(area * aspect))
        crop_h = round(math.sqrt(area / aspect))
        if 0 < crop_w <= width and 0 < crop_h <= height:
            y1 = int(rng.integers(0, height - crop_h + 1))
            x1 = int(rng.integers(0, width - crop_w + 1))
            return x1, y1, x1 + crop_w, y1 + crop_h
    in_ratio = width / height
    if in_ratio < min(ratio):
        crop_w = width
        crop_h = min(height, max(1, round(crop_w / min(ratio))))
    elif in_ratio > max(ratio):
        crop_h = height
        crop_w = min(width, max(1, round(crop_h * max(ratio))))
    else:
        crop_w, crop_h = width, height
    y1, x1 = (height - crop_h) // 2, (width - crop_w) // 2
    return x1, y1, x1 + crop_w, y1 + crop_h


def resized_crop(img: np.ndarray,
                 box: Box,
                 size: Tuple[int, int],
                 interpolation: str = 'bicubic',
                 antialias: bool = True) -> np.ndarray:
    """Crop ``box`` out of ``img``, then resize the crop to ``size``.

    Cropping first means only the crop's pixels are ever resampled.

    Args:
        img (np.ndarray): ``H x W x C`` uint8 image.
        box (Tuple[int, int, int, int]): ``(x1, y1, x2, y2)``.
        size (Tuple[int, int]): Output ``(h, w)``.
        interpolation (str): mmcv interpolation name. Defaults to
            ``'bicubic'``.
        antialias (bool): Use area interpolation when the crop shrinks in
            both directions, as PIL's antialiased bicubic (the reference)
            does not alias there and OpenCV's bicubic does. Defaults to True.

    Returns:
        np.ndarray: ``h x w x C`` uint8 image.
    """
    x1, y1, x2, y2 = box
    out_h, out_w = size
    if antialias and y2 - y1 > out_h and x2 - x1 > out_w:
        interpolation = 'area'
    return mmcv.imresize(
        img[y1:y2, x1:x2], (out_w, out_h), interpolation=interpolation)


def _lut(img: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Apply a float lookup table with rounding and saturation."""
    return cv2.LUT(img, np.clip(np.rint(table), 0, 255).astype(np.uint8))


def _mix_with_gray(img: np.ndarray, factor: float) -> np.ndarray:
    """``factor * img + (1 - factor) * grey(img)`` in one OpenCV pass.

    The 3 x 3 colour matrix replaces cvtColor to grey, cvtColor back to RGB
    and addWeighted (three passes) with one ``cv2.transform``.
    """
    matrix = (1.0 - factor) * np.tile(_GRAY_WEIGHTS, (3, 1))
    matrix[np.diag_indices(3)] += factor
    return cv2.transform(img, matrix)


def adjust_brightness(img: np.ndarray, factor: float) -> np.ndarray:
    """Blend with black: ``factor * img``."""
    return _lut(img, _IDENTITY * factor)


def adjust_contrast(img: np.ndarray, factor: float) -> np.ndarray:
    """Blend with the mean grey level of the image."""
    # The grey mean is the weighted mean of the channel means (linearity).
    mean = float(np.dot(cv2.mean(img)[:3], _GRAY_WEIGHTS))
    return _lut(img, _IDENTITY * factor + (1.0 - factor) * mean)


def adjust_saturation(img: np.ndarray, factor: float) -> np.ndarray:
    """Blend with the grey version of the image."""
    return _mix_with_gray(img, factor)


def adjust_hue(img: np.ndarray, shift: float) -> np.ndarray:
    """Rotate the hue by ``shift`` turns (``[-0.5, 0.5]``).

    mmcv's ``adjust_hue`` casts negative shifts to uint8, which is undefined
    behaviour in numpy; a lookup table on the 0-255 hue wheel avoids it.
    """
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV_FULL)
    hue = (np.arange(256) + int(round(shift * 256))) % 256
    table = np.stack([hue, np.arange(256), np.arange(256)], axis=-1)
    hsv = cv2.LUT(hsv, table.astype(np.uint8).reshape(256, 1, 3))
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB_FULL)


def color_jitter(img: np.ndarray, rng: np.random.Generator,
                 brightness: float, contrast: float, saturation: float,
                 hue: float) -> np.ndarray:
    """torchvision ``ColorJitter``: four adjustments in random order.

    Args:
        img (np.ndarray): ``H x W x 3`` uint8 RGB image.
        rng (np.random.Generator): The random generator.
        brightness (float): Factor drawn from ``[max(0, 1 - b), 1 + b]``.
        contrast (float): Factor drawn from ``[max(0, 1 - c), 1 + c]``.
        saturation (float): Factor drawn from ``[max(0, 1 - s), 1 + s]``.
        hue (float): Shift drawn from ``[-hue, hue]`` turns.

    Returns:
        np.ndarray: The jittered uint8 RGB image.
    """
    ops = ((adjust_brightness, brightness), (adjust_contrast, contrast),
           (adjust_saturation, saturation))
    for op_idx in rng.permutation(4):
        if op_idx == 3:
            if hue > 0:
                img = adjust_hue(img, rng.uniform(-hue, hue))
            continue
        op, strength = ops[op_idx]
        if strength > 0:
            img = op(img, rng.uniform(max(0.0, 1.0 - strength),
                                      1.0 + strength))
    return img


def to_grayscale(img: np.ndarray) -> np.ndarray:
    """Grey image replicated to 3 channels (ITU-R 601 weights on RGB)."""
    return _mix_with_gray(img, 0.0)


class CropAugment:
    """RandomResizedCrop then SimCLR/DINO photometric augmentations.

    One SAIP view: crop, resize, horizontal flip, colour jitter, grayscale,
    Gaussian blur and solarize, each with its own probability, on a uint8
    RGB image. Not a registered transform: the SAIP transforms hold several
    of these and a shared random generator.

    Args:
        size (Tuple[int, int]): Output ``(h, w)``.
        scale (Tuple[float, float]): Crop area range (fraction of image).
        ratio (Tuple[float, float]): Crop aspect range ``w / h``.
        interpolation (str): Resize interpolation. Defaults to 'bicubic'.
        antialias (bool): See :func:`resized_crop`. Defaults to True.
        flip_prob (float): Horizontal flip probability. Defaults to 0.5.
        color_jitter (dict, optional): ``brightness``, ``contrast``,
            ``saturation`` and ``hue`` strengths; None disables jitter.
            Defaults to None.
        jitter_prob (float): Probability of applying the jitter. Defaults to
            0.8.
        gray_prob (float): Grayscale probability. Defaults to 0.2.
        blur_prob (float): Gaussian blur probability. Defaults to 0.
        blur_sigma (Tuple[float, float]): Blur sigma (PIL "radius") range.
            Defaults to (0.1, 2.0).
        solarize_prob (float): Solarize probability. Defaults to 0.
        solarize_threshold (int): Pixels ``>=`` this are inverted. Defaults
            to 128.
    """

    def __init__(self,
                 size: Tuple[int, int],
                 scale: Tuple[float, float],
                 ratio: Tuple[float, float],
                 interpolation: str = 'bicubic',
                 antialias: bool = True,
                 flip_prob: float = 0.5,
                 color_jitter: Optional[Dict[str, float]] = None,
                 jitter_prob: float = 0.8,
                 gray_prob: float = 0.2,
                 blur_prob: float = 0.,
                 blur_sigma: Tuple[float, float] = (0.1, 2.0),
                 solarize_prob: float = 0.,
                 solarize_threshold: int = 128) -> None:
        assert scale[0] <= scale[1] and ratio[0] <= ratio[1], \
            f'ranges must be (min, max), got scale={scale}, ratio={ratio}'
        self.size = tuple(size)
        self.scale = tuple(scale)
        self.ratio = tuple(ratio)
        self.interpolation = interpolation
        self.antialias = antialias
        self.flip_prob = flip_prob
        self.color_jitter = {
            'brightness': 0.,
            'contrast': 0.,
            'saturation': 0.,
            'hue': 0.,
            **(color_jitter or {})
        }
        self.jitter_prob = jitter_prob if color_jitter else 0.
        self.gray_prob = gray_prob
        self.blur_prob = blur_prob
        self.blur_sigma = tuple(blur_sigma)
        self.solarize_prob = solarize_prob
        self.solarize_threshold = solarize_threshold

    def __call__(self, img: np.ndarray,
                 rng: np.random.Generator) -> Tuple[np.ndarray, Box, bool]:
        """Make one augmented view.

        Args:
            img (np.ndarray): ``H x W x 3`` uint8 RGB source image.
            rng (np.random.Generator): The random generator.

        Returns:
            Tuple[np.ndarray, Box, bool]: The ``h x w x 3`` uint8 RGB view,
            its crop box ``(x1, y1, x2, y2)`` in the source image, and
            whether it was flipped.
        """
        box = sample_crop_box(rng, img.shape[0], img.shape[1], self.scale,
                              self.ratio)
        out = resized_crop(img, box, self.size, self.interpolation,
                           self.antialias)
        flipped = bool(rng.random() < self.flip_prob)
        if flipped:
            out = cv2.flip(out, 1)
        if rng.random() < self.jitter_prob:
            out = color_jitter(out, rng, **self.color_jitter)
        if rng.random() < self.gray_prob:
            out = to_grayscale(out)
        if rng.random() < self.blur_prob:
            sigma = rng.uniform(*self.blur_sigma)
            out = cv2.GaussianBlur(out, (0, 0), sigmaX=sigma)
        if rng.random() < self.solarize_prob:
            out = mmcv.solarize(out, self.solarize_threshold)
        return out, box, flipped

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(size={self.size}, '
                f'scale={self.scale}, ratio={self.ratio}, '
                f'blur_prob={self.blur_prob}, '
                f'solarize_prob={self.solarize_prob})')
