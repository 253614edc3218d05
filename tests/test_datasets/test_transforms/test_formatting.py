"""PackSAIPInputs and the batch-by-resolution contract, end to end."""
import torch
from mmengine.dataset import default_collate
from mmpretrain.models.utils import SelfSupDataPreprocessor
from mmpretrain.structures import DataSample

from saip_mm.models.utils import split_views
from saip_mm.registry import DATASETS

MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
NUM_LOCAL = 3
# g1, g2, the local views, r, the composite
SHAPES = ([(256, 128)] * 2 + [(128, 64)] * NUM_LOCAL + [(128, 64)] +
          [(224, 224)])


def _pipeline(background, composite=True):
    return [
        dict(type='saip_mm.LoadPersonImage'),
        dict(type='saip_mm.SAIPMultiScaleViews', num_local=NUM_LOCAL),
        *[dict(type='saip_mm.MultiPersonComposite', background=background)
          ][:int(composite)],
        dict(type='saip_mm.PackSAIPInputs'),
    ]


def test_pack_single_sample():
    dataset = DATASETS.build(
        dict(type='saip_mm.DemoPersonDataset', num_samples=1,
             serialize_data=False, pipeline=_pipeline(dict(type='demo'))))
    packed = dataset[0]
    assert list(packed) == ['inputs', 'data_samples']
    inputs = packed['inputs']
    assert [tuple(t.shape) for t in inputs] == [(3, ) + s for s in SHAPES]
    assert all(t.dtype == torch.uint8 and t.is_contiguous() for t in inputs)
    sample = packed['data_samples']
    assert isinstance(sample, DataSample)
    for key in ('inst_mask', 'roi_mask'):
        mask = sample.get(key)
        assert mask.dtype == torch.uint8 and mask.shape == (224, 224)
        assert int(mask.sum()) == 128 * 64
    assert sample.img_path.endswith('.jpg')
    assert sample.num_local_views == NUM_LOCAL


def test_pack_without_composite():
    """A CSS-off pipeline may leave MultiPersonComposite out."""
    dataset = DATASETS.build(
        dict(type='saip_mm.DemoPersonDataset', num_samples=1,
             serialize_data=False, pipeline=_pipeline(None, False)))
    packed = dataset[0]
    assert [tuple(t.shape[1:]) for t in packed['inputs']] == SHAPES[:-1]
    assert 'inst_mask' not in packed['data_samples']
    assert 'roi_mask' not in packed['data_samples']


def test_real_data_through_collate_and_preprocessor(shared_data):
    persons = shared_data / 'persons'
    dataset = DATASETS.build(
        dict(type='saip_mm.PersonImageDataset',
             data_root=str(persons),
             ann_file='train.txt',
             indices=[0, 7500, 8500, 9500],  # TownCentre, MIT, CAVIAR, PRID
             pipeline=_pipeline(dict(type='dataset'))))
    batch = default_collate([dataset[i] for i in range(len(dataset))])
    assert isinstance(batch['inputs'], list) and len(batch['inputs']) == 7
    assert len(batch['data_samples']) == 4

    preprocessor = SelfSupDataPreprocessor(mean=MEAN, std=STD, to_rgb=False)
    out = preprocessor(batch)
    views = out['inputs']
    assert [tuple(v.shape) for v in views] == [(4, 3) + s for s in SHAPES]
    assert all(v.dtype == torch.float32 for v in views)
    # to_rgb=False keeps our RGB order: channel 0 is normalised with R stats.
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    for raw, normalised in zip(batch['inputs'], views):
        torch.testing.assert_close(normalised, (raw.float() - mean) / std)
    masks = torch.stack([s.inst_mask for s in out['data_samples']])
    assert masks.shape == (4, 224, 224) and masks.dtype == torch.uint8
    # the model names the views back, in the same order
    views = split_views(views, NUM_LOCAL, 0.5, out['data_samples'],
                        need_composite=True)
    assert views.g1.shape[-2:] == (256, 128)
    assert views.r.shape[-2:] == (128, 64)
    assert views.composite.shape[-2:] == (224, 224)
