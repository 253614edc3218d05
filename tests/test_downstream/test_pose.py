"""COCO keypoints through mmpose with a SAIP backbone: configs and e2e."""
import json
import pickle
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from saip_mm.models.backbones import SAIPTinyViT, SAIPViT

REPO = Path(__file__).resolve().parents[2]
CONFIGS = sorted((REPO / 'configs/pose').glob('*.py'))
COCO_TINY = REPO / 'configs/pose/saip-vit-t_td-hm_coco-256x192.py'
ANN_FILE = 'annotations/person_keypoints_sample.json'


@pytest.mark.parametrize('config', CONFIGS, ids=lambda p: p.stem)
def test_config_builds(config):
    from mmpose.registry import MODELS
    cfg = Config.fromfile(str(config))
    cfg.model.backbone.init_cfg = None
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model).eval()
    assert isinstance(model.backbone, (SAIPViT, SAIPTinyViT))
    with torch.no_grad():
        heatmaps = model.head(model.extract_feat(torch.rand(1, 3, 256, 192)))
    assert heatmaps.shape == (1, 17, 64, 48)


def sample_options(data: Path, checkpoint: Path) -> list:
    """Point every loader and evaluator at coco_kpt_sample, GT boxes."""
    options = [f'model.backbone.init_cfg.checkpoint={checkpoint}',
               'train_dataloader.batch_size=4', 'val_dataloader.batch_size=4',
               # tools/train.py fits the 210-epoch schedule to 3 iterations
               'train_cfg.max_iters=3',
               'default_hooks.logger.interval=1']
    for split in ('train', 'val', 'test'):
        loader = f'{split}_dataloader'
        options += [f'{loader}.dataset.data_root={data}',
                    f'{loader}.dataset.ann_file={ANN_FILE}',
                    f'{loader}.dataset.data_prefix.img=images/',
                    f'{loader}.num_workers=0',
                    f'{loader}.persistent_workers=False']
        if split != 'train':
            options += [f'{loader}.dataset.bbox_file=None',
                        f'{split}_evaluator.ann_file={data / ANN_FILE}']
    return options


@pytest.mark.e2e
def test_train_and_test_on_coco_sample(saip_checkpoint, run_tool, shared_data,
                                       tmp_path):
    data = shared_data / 'coco_kpt_sample'
    options = sample_options(data, saip_checkpoint)
    work_dir = tmp_path / 'work'
    log = run_tool('tools/train.py', COCO_TINY, '--work-dir', work_dir,
                   '--cfg-options', *options)
    assert 'resampling pos_embed (16, 8) -> (16, 12)' in log
    assert f'loaded backbone weights from {saip_checkpoint}' in log
    assert 'missing keys' not in log and 'unexpected key' not in log
    assert 'Iter(train) [3/3]' in log  # 12 instances at batch 4

    preds = tmp_path / 'preds.pkl'
    log = run_tool('tools/test.py', COCO_TINY, work_dir / 'iter_3.pth',
                   '--work-dir', work_dir, '--out', preds, '--cfg-options',
                   *options)
    metrics = json.loads(log[log.rindex('\n{') + 1:])
    print({k: v for k, v in metrics.items() if k.startswith('coco/')})
    assert 0. <= metrics['coco/AP'] <= 1.
    # one prediction per annotated person (mmpose drops crowd and
    # keypoint-less boxes), on every image of the json
    coco = json.loads((data / ANN_FILE).read_text())
    persons = [a for a in coco['annotations']
               if a['num_keypoints'] > 0 and not a['iscrowd']]
    with open(preds, 'rb') as f:
        samples = pickle.load(f)
    assert sum(len(s['pred_instances']['keypoints'])
               for s in samples) == len(persons) == 12
    assert {Path(s['img_path']).name for s in samples} == \
        {img['file_name'] for img in coco['images']}
