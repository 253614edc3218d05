"""MultiPersonComposite: paste geometry, exact blending, masks, RNG."""
import functools

import numpy as np
import pytest
import torch
from mmengine.dataset import worker_init_fn
from torch.utils.data import DataLoader

from saip_mm.datasets import DemoPersonDataset
from saip_mm.datasets.transforms import (
    MultiPersonComposite,
    SAIPMultiScaleViews,
)
from saip_mm.datasets.transforms.multi_person_composite import paste_ranges


@pytest.fixture
def background_folder(tmp_path, write_rgb, random_rgb):
    root = tmp_path / 'backgrounds'
    write_rgb(root / 'bg1.jpg', random_rgb(300, 400, 5))
    write_rgb(root / 'bg2.png', random_rgb(180, 240, 6))
    return root


@pytest.fixture
def views(random_rgb):
    """Views of a random 'person' (fixed once made)."""
    torch.manual_seed(0)
    return SAIPMultiScaleViews().transform(dict(
        img=random_rgb(220, 100), img_path='person.jpg'))


def _composite(views, seed, **kwargs):
    torch.manual_seed(seed)
    transform = MultiPersonComposite(**kwargs)
    return transform.transform(dict(views, img=list(views['img'])))


def _box(mask):
    """``(x1, y1, x2, y2)`` (end exclusive) around the ones of ``mask``."""
    rows, cols = np.nonzero(mask)
    return cols.min(), rows.min(), cols.max() + 1, rows.max() + 1


def _paste_boxes(results):
    """Boxes of the roi and the inst pastes, read from their masks."""
    return np.array([_box(results[key]) for key in ('roi_mask', 'inst_mask')])


def test_reference_bounds():
    bounds = paste_ranges((224, 224), (128, 64), (128, 64))
    assert (bounds['row1_high'], bounds['row2_high'], bounds['col1_high'],
            bounds['col2_high']) == (95, 95, 95, 159)
    with pytest.raises(ValueError, match='do not fit'):
        paste_ranges((224, 128), (128, 64), (128, 64))


def test_outputs_and_masks(views, background_folder):
    bg = dict(type='folder', root=str(background_folder))
    for seed in range(8):
        results = _composite(views, seed, background=bg)
        composite = results['composite']
        assert composite.shape == (224, 224, 3)
        assert composite.dtype == np.uint8
        boxes = _paste_boxes(results)
        (rx1, ry1, rx2, ry2), (ix1, iy1, ix2, iy2) = boxes
        assert (rx2 - rx1, ry2 - ry1) == (ix2 - ix1, iy2 - iy1) == (64, 128)
        assert 0 <= ry1 < 95 and 0 <= iy1 < 95 and 0 <= rx1 < 95
        assert rx2 <= ix1 < 159, 'pastes overlap horizontally'
        for key, (x1, y1, x2, y2) in zip(('roi_mask', 'inst_mask'), boxes):
            mask = results[key]
            assert mask.shape == (224, 224) and mask.dtype == np.uint8
            assert set(np.unique(mask)) == {0, 1}
            expected = np.zeros_like(mask)
            expected[y1:y2, x1:x2] = 1
            np.testing.assert_array_equal(mask, expected)


def test_pixels_are_alpha_blended_persons(views, background_folder):
    bg = dict(type='folder', root=str(background_folder))
    blended = _composite(views, 3, background=bg, alpha=0.7)
    # Same seed, alpha 0: the same background and positions, no person.
    background = _composite(views, 3, background=bg, alpha=0.0)['composite']
    np.testing.assert_array_equal(
        _paste_boxes(blended),
        _paste_boxes(_composite(views, 3, background=bg)))
    roi = views['img'][-1]
    inst = views['img'][0][::2, ::2]  # nearest 2x downsampling of g1
    composite = blended['composite']
    for person, (x1, y1, x2, y2) in zip((roi, inst),
                                        _paste_boxes(blended)):
        region = background[y1:y2, x1:x2].astype(np.float64)
        expected = np.rint(0.7 * person + (1 - 0.7) * region)
        np.testing.assert_array_equal(composite[y1:y2, x1:x2], expected)
    outside = (blended['roi_mask'] | blended['inst_mask']) == 0
    np.testing.assert_array_equal(composite[outside], background[outside])


def test_random_order_swaps_sides(views, background_folder):
    bg = dict(type='folder', root=str(background_folder))
    roi_left = {
        bool(_box(_composite(views, seed, background=bg,
                             random_order=True)['roi_mask'])[0] < 80)
        for seed in range(12)
    }
    assert roi_left == {True, False}


def test_worker_seeds_give_different_positions(views, background_folder):
    bg = dict(type='folder', root=str(background_folder))
    first = _paste_boxes(_composite(views, 100, background=bg))
    second = _paste_boxes(_composite(views, 101, background=bg))
    assert not np.array_equal(first, second)


def test_dataloader_workers_do_not_repeat_positions():
    pipeline = [
        dict(type='saip_mm.LoadPersonImage'),
        dict(type='saip_mm.SAIPMultiScaleViews', num_local=1),
        dict(type='saip_mm.MultiPersonComposite',
             background=dict(type='demo')),
        dict(type='saip_mm.PackSAIPInputs'),
    ]
    # Every sample is the same photo: only the RNG can make them differ.
    dataset = DemoPersonDataset(num_samples=4, pipeline=pipeline,
                                serialize_data=False)
    init_fn = functools.partial(worker_init_fn, num_workers=2, rank=0,
                                seed=0)
    loader = DataLoader(dataset, batch_size=1, num_workers=2,
                        worker_init_fn=init_fn,
                        collate_fn=lambda batch: batch[0])
    masks = [s['data_samples'].roi_mask.numpy() for s in loader]
    assert not np.array_equal(masks[0], masks[1])  # worker 0 vs worker 1
    assert not np.array_equal(masks[2], masks[3])


def test_dataset_background_needs_a_bound_dataset(views):
    with pytest.raises(RuntimeError, match="type='dataset'"):
        _composite(views, 0)


def test_empty_background_folder_names_it(tmp_path):
    (tmp_path / 'no_backgrounds').mkdir()
    with pytest.raises(FileNotFoundError, match='no_backgrounds'):
        MultiPersonComposite(
            background=dict(type='folder', root=str(tmp_path /
                                                    'no_backgrounds')))


def test_unusable_background_pool(views, tmp_path, log_records):
    root = tmp_path / 'broken_backgrounds'
    root.mkdir()
    (root / 'empty.jpg').write_bytes(b'')
    bg = dict(type='folder', root=str(root), on_bad_image='skip',
              max_tries=3)
    with pytest.raises(RuntimeError, match='broken_backgrounds'):
        _composite(views, 0, background=bg)
    assert any('3 background(s) skipped' in w
               for w in log_records.warnings())
    with pytest.raises(OSError, match='zero-byte'):
        _composite(views, 0, background=dict(type='folder', root=str(root)))
