"""Human parsing through mmseg with a SAIP backbone: configs and e2e on
LIP, CIHP and CCP samples."""
import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from PIL import Image

from saip_mm.models.backbones import SAIPTinyViT, SAIPViT

REPO = Path(__file__).resolve().parents[2]
CONFIGS = sorted((REPO / 'configs/parsing').glob('*.py'))
# the e2e runs at 128x128; the backbone keeps img_size=(512, 512), so the
# checkpoint is still resampled to the config's 32x32 grid on load
SIZE = '(128,128)'
CCP_IDS = ('0002', '0003', '0004', '0005')


@pytest.mark.parametrize('config', CONFIGS, ids=lambda p: p.stem)
def test_config_builds(config):
    from mmseg.registry import DATASETS, MODELS
    cfg = Config.fromfile(str(config))
    cfg.model.backbone.init_cfg = None
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model).eval()
        classes = DATASETS.get(
            cfg.train_dataloader.dataset.type).METAINFO['classes']
    assert isinstance(model.backbone, (SAIPViT, SAIPTinyViT))
    assert cfg.model.decode_head.num_classes == len(classes)
    with torch.no_grad():
        logits = model.decode_head(model.extract_feat(
            torch.rand(1, 3, 512, 512)))
    assert logits.shape == (1, len(classes), 128, 128)


def lip_layout(root: Path, train: str, val: str) -> dict:
    """Datasets in LIP's ``<split>_images`` / ``<split>_segmentations``."""
    return dict(
        data_root=root,
        train=dict(img_path=f'{train}_images',
                   seg_map_path=f'{train}_segmentations'),
        val=dict(img_path=f'{val}_images',
                 seg_map_path=f'{val}_segmentations'))


def ccp_layout(shared_data: Path, out_dir: Path, run_tool) -> dict:
    """CCP label maps converted into ``out_dir``, photos left in place."""
    run_tool('tools/dataset_converters/ccp_to_mmseg.py',
             shared_data / 'parsing_ccp', '--out-dir', out_dir,
             '--val-ratio', '0.5', '--ids', *CCP_IDS)
    # the converter links out_dir/photos: the config's prefixes work as is
    prefix = dict(img_path='photos', seg_map_path='labels')
    return dict(data_root=out_dir,
                train=dict(prefix, ann_file='splits/train.txt'),
                val=dict(prefix, ann_file='splits/val.txt'))


def sample_options(layout: dict, checkpoint: Path) -> list:
    """Small, fast run: 128x128, 3 iterations at batch 2, no workers."""
    options = [f'model.backbone.init_cfg.checkpoint={checkpoint}',
               f'model.data_preprocessor.size={SIZE}',
               f'train_dataloader.dataset.pipeline.2.scale={SIZE}',
               f'train_dataloader.dataset.pipeline.3.crop_size={SIZE}',
               'train_dataloader.batch_size=2', 'train_cfg.max_iters=3',
               # tools/train.py fits warm-up and poly decay to 3 iterations
               'train_cfg.val_interval=3', 'default_hooks.logger.interval=1']
    for split in ('train', 'val', 'test'):
        loader = f'{split}_dataloader'
        options += [f'{loader}.dataset.data_root={layout["data_root"]}',
                    f'{loader}.num_workers=0',
                    f'{loader}.persistent_workers=False']
        for key, value in layout['train' if split == 'train' else
                                 'val'].items():
            field = key if key == 'ann_file' else f'data_prefix.{key}'
            options.append(f'{loader}.dataset.{field}={value}')
        if split != 'train':
            options.append(f'{loader}.dataset.pipeline.1.scale={SIZE}')
    return options


def miou(samples: list, num_classes: int) -> float:
    """mmseg's mIoU (percent) recomputed from dumped predictions."""
    inter, union = np.zeros(num_classes), np.zeros(num_classes)
    for sample in samples:
        pred = sample['pred_sem_seg']['data'].numpy().ravel()
        gt = sample['gt_sem_seg']['data'].numpy().ravel()
        pred, gt = pred[gt != 255], gt[gt != 255]
        inter += np.bincount(gt[pred == gt], minlength=num_classes)
        union += (np.bincount(gt, minlength=num_classes) +
                  np.bincount(pred, minlength=num_classes))
    union -= inter
    with np.errstate(invalid='ignore', divide='ignore'):
        return float(np.nanmean(inter / union) * 100)


@pytest.mark.e2e
@pytest.mark.parametrize('dataset', ['lip', 'cihp', 'ccp'])
def test_train_and_test_on_samples(dataset, saip_checkpoint, run_tool,
                                   shared_data,
                                   tmp_path):
    layout = dict(
        lip=lambda: lip_layout(shared_data / 'lip_sample', 'train', 'val'),
        cihp=lambda: lip_layout(shared_data / 'cihp_sample', 'val', 'val'),
        ccp=lambda: ccp_layout(shared_data, tmp_path / 'ccp', run_tool),
    )[dataset]()
    config = REPO / f'configs/parsing/saip-vit-t_upernet_{dataset}-512x512.py'
    options = sample_options(layout, saip_checkpoint)
    work_dir = tmp_path / 'work'
    log = run_tool('tools/train.py', config, '--work-dir', work_dir,
                   '--cfg-options', *options)
    assert 'resampling pos_embed (16, 8) -> (32, 32)' in log
    assert f'loaded backbone weights from {saip_checkpoint}' in log
    assert 'missing keys' not in log and 'unexpected key' not in log
    assert 'Iter(train) [3/3]' in log

    preds = tmp_path / 'preds.pkl'
    log = run_tool('tools/test.py', config, work_dir / 'iter_3.pth',
                   '--work-dir', work_dir, '--out', preds, '--cfg-options',
                   *options)
    metrics = json.loads(log[log.rindex('\n{') + 1:])
    print(dataset, metrics)
    with open(preds, 'rb') as f:
        samples = pickle.load(f)
    # every val image once, scored against its real label map
    val = layout['val']
    if 'ann_file' in val:
        names = (layout['data_root'] / val['ann_file']).read_text().split()
    else:
        names = [p.stem for p in
                 (layout['data_root'] / val['img_path']).glob('*.jpg')]
    assert sorted(Path(s['img_path']).stem for s in samples) == sorted(names)
    seg_dir = layout['data_root'] / val['seg_map_path']
    for sample in samples:
        seg_map = Path(sample['seg_map_path'])
        assert seg_map.parent == seg_dir
        np.testing.assert_array_equal(
            sample['gt_sem_seg']['data'].numpy()[0],
            np.array(Image.open(seg_map)))
    num_classes = 59 if dataset == 'ccp' else 20
    assert metrics['mIoU'] == pytest.approx(miou(samples, num_classes),
                                            abs=0.01)
