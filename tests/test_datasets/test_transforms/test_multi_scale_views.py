"""SAIPMultiScaleViews: shapes, crop geometry, per-call randomness."""
import mmcv
import numpy as np
import pytest
import torch

from saip_mm.datasets.transforms import SAIPMultiScaleViews
from saip_mm.datasets.transforms.augment_ops import (
    adjust_brightness,
    adjust_contrast,
    adjust_hue,
    adjust_saturation,
    color_jitter,
    sample_crop_box,
    to_grayscale,
)
from saip_mm.datasets.transforms.rng import ProcessRNG

GEOMETRY_ONLY = dict(color_jitter=None, gray_prob=0., global_blur_probs=(0, 0),
                     local_blur_prob=0., global_solarize_probs=(0, 0))


def _run(transform, img):
    return transform.transform(dict(img=img))


def _makers(transform):
    """The view makers of ``transform`` in view order (g1, g2, locals)."""
    return transform.global_views + [transform.local_view] * \
        transform.num_local


def _boxes(transform, img, seed=0):
    """Crop boxes that the view makers of ``transform`` draw for ``img``."""
    rng = np.random.default_rng(seed)
    return np.array([maker(img, rng)[1] for maker in _makers(transform)])


@pytest.mark.parametrize('num_local', [0, 2, 7])
def test_shapes_and_dtype(random_rgb, num_local):
    results = _run(SAIPMultiScaleViews(num_local=num_local),
                   random_rgb(300, 140))
    views = results['img']
    assert len(views) == 2 + num_local
    assert [v.shape for v in views] == ([(256, 128, 3)] * 2 +
                                        [(128, 64, 3)] * num_local)
    assert all(v.dtype == np.uint8 and v.flags.c_contiguous for v in views)
    assert results['num_local_views'] == num_local


def test_r_is_g1_at_half_scale_nearest(random_rgb):
    results = _run(SAIPMultiScaleViews(num_local=1), random_rgb(300, 140))
    g1, r = results['img'][0], results['r_view']
    assert r.dtype == np.uint8 and r.shape == (128, 64, 3)
    # nearest at exactly half: every other pixel, as F.interpolate does
    np.testing.assert_array_equal(r, g1[::2, ::2])
    r_small = _run(SAIPMultiScaleViews(num_local=0, r_scale=0.25),
                   random_rgb(300, 140))['r_view']
    assert r_small.shape == (64, 32, 3)


def test_custom_sizes(random_rgb):
    transform = SAIPMultiScaleViews(
        global_size=(192, 96), local_size=(96, 48), num_local=3)
    views = _run(transform, random_rgb(300, 140))['img']
    assert [v.shape[:2] for v in views] == [(192, 96)] * 2 + [(96, 48)] * 3


def _rounding_slack(box):
    x1, y1, x2, y2 = box
    width, height = x2 - x1, y2 - y1
    return (width - 0.5) / (height + 0.5), (width + 0.5) / (height - 0.5)


def test_crop_aspect_and_area_in_range(random_rgb):
    # A tall image: every draw of the local range fits, no fallback.
    img = random_rgb(800, 400)
    transform = SAIPMultiScaleViews(num_local=40, **GEOMETRY_ONLY)
    boxes = _boxes(transform, img)
    for box in boxes:
        low, high = _rounding_slack(box)
        assert low <= 0.6 and high >= 0.4, f'aspect of {box} out of range'
    local = boxes[2:]
    areas = (local[:, 2] - local[:, 0]) * (local[:, 3] - local[:, 1])
    fractions = areas / (800 * 400)
    assert fractions.min() >= 0.05 * 0.97 and fractions.max() <= 0.8 * 1.03
    assert (boxes[:, :2] >= 0).all()
    assert (boxes[:, 2] <= 400).all() and (boxes[:, 3] <= 800).all()


def test_views_are_their_crops_resized(random_rgb):
    """Crop first, then resize: each view is exactly its box, resized."""
    img = random_rgb(90, 50)  # smaller than the 256 x 128 output
    transform = SAIPMultiScaleViews(num_local=3, antialias=False,
                                    **GEOMETRY_ONLY)
    torch.manual_seed(7)
    views = _run(transform, img)['img']
    # the same stream again, drawn maker by maker to see each box and flip
    rng = ProcessRNG(type(transform).__name__).generator
    assert len(views) == len(_makers(transform)) == 5
    for view, maker in zip(views, _makers(transform)):
        made, (x1, y1, x2, y2), flip = maker(img, rng)
        np.testing.assert_array_equal(view, made)
        expected = mmcv.imresize(img[y1:y2, x1:x2], view.shape[1::-1],
                                 interpolation='bicubic')
        if flip:
            expected = expected[:, ::-1]
        np.testing.assert_array_equal(view, expected)


def test_randomness_differs_per_call(random_rgb):
    transform = SAIPMultiScaleViews()
    img = random_rgb(300, 140)
    first, second = _run(transform, img), _run(transform, img)
    for view_a, view_b in zip(first['img'], second['img']):
        assert not np.array_equal(view_a, view_b)
    rng = np.random.default_rng(0)
    flips = [transform.local_view(img, rng)[2] for _ in range(90)]
    assert 0.2 < np.mean(flips) < 0.8


def test_torch_seed_controls_the_stream(random_rgb):
    """Same torch seed -> same views (a rerun); a new seed -> new stream."""
    img = random_rgb(300, 140)
    torch.manual_seed(11)
    transform = SAIPMultiScaleViews(num_local=2)
    first = _run(transform, img)
    again = _run(SAIPMultiScaleViews(num_local=2), img)
    for view_a, view_b in zip(first['img'], again['img']):
        np.testing.assert_array_equal(view_a, view_b)
    torch.manual_seed(12)
    other = _run(transform, img)  # the same instance follows the new seed
    assert not np.array_equal(first['img'][0], other['img'][0])


def test_tiny_image_is_upsampled(random_rgb):
    results = _run(SAIPMultiScaleViews(num_local=2), random_rgb(12, 5))
    assert [v.shape for v in results['img']] == [(256, 128, 3)] * 2 + [
        (128, 64, 3)
    ] * 2


def test_fallback_crop_clamps_aspect():
    rng = np.random.default_rng(0)
    # Far too wide for ratio (0.4, 0.6): the central fallback crop is used.
    x1, y1, x2, y2 = sample_crop_box(rng, 20, 1000, (0.8, 1.0), (0.4, 0.6))
    assert (y1, y2) == (0, 20) and x2 - x1 == 12
    x1, y1, x2, y2 = sample_crop_box(rng, 1, 1, (0.8, 1.0), (0.4, 0.6))
    assert (x1, y1, x2, y2) == (0, 0, 1, 1)


def test_color_jitter_semantics(random_rgb):
    img = random_rgb(8, 8)
    rng = np.random.default_rng(0)
    assert np.array_equal(color_jitter(img, rng, 0., 0., 0., 0.), img)
    half = adjust_brightness(img, 0.5)
    np.testing.assert_array_equal(half, np.rint(img * 0.5).astype(np.uint8))
    luma = img.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    for grey in (adjust_saturation(img, 0.0), to_grayscale(img)):
        assert grey.shape == img.shape and grey.dtype == np.uint8
        assert np.abs(grey - luma[..., None]).max() < 1  # fixed-point
    flat = adjust_contrast(img, 0.0)
    np.testing.assert_array_equal(flat, np.full_like(img, round(luma.mean())))
    red = np.zeros((2, 2, 3), np.uint8)
    red[..., 0] = 255
    # 8-bit hue wheel (1.4 degree steps): a few levels of error
    np.testing.assert_allclose(adjust_hue(red, 0.5)[0, 0], [0, 255, 255],
                               atol=8)
    np.testing.assert_allclose(adjust_hue(red, -1 / 3)[0, 0], [0, 0, 255],
                               atol=8)
