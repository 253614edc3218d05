"""Downstream configs name the SAIP backbone checkpoint one way.

Every pose, parsing, ReID, attribute and detection config sets a top-level
``backbone_checkpoint`` and loads it with
``init_cfg=dict(type='Pretrained', checkpoint=backbone_checkpoint)`` and no
``prefix``: ``SAIPViT`` takes a backbone-only checkpoint as it is and the
student backbone of a whole SAIP training checkpoint by itself. The docs
override the key ``model.backbone.init_cfg.checkpoint``.
"""
from pathlib import Path

import pytest
from mmengine.config import Config

CONFIGS = Path(__file__).resolve().parents[2] / 'configs'
TASKS = ('pose', 'parsing', 'reid', 'attributes', 'detection')
DOWNSTREAM = sorted(p for task in TASKS for p in (CONFIGS / task).glob('*.py'))


def test_every_task_has_configs():
    assert {p.parent.name for p in DOWNSTREAM} == set(TASKS)


@pytest.mark.parametrize('path', DOWNSTREAM,
                         ids=lambda p: str(p.relative_to(CONFIGS)))
def test_backbone_checkpoint(path):
    cfg = Config.fromfile(str(path))
    init_cfg = cfg.model.backbone.init_cfg
    assert init_cfg == dict(type='Pretrained',
                            checkpoint=cfg.backbone_checkpoint)
    arch = cfg.model.backbone.arch[0]  # 'tiny' -> 't'
    assert cfg.backbone_checkpoint == \
        f'checkpoints/saip_vit-{arch}_backbone.pth'
    # the names used before
    assert 'checkpoint' not in cfg and 'pretrained' not in cfg
    cfg.merge_from_dict({'model.backbone.init_cfg.checkpoint': 'x.pth'})
    assert cfg.model.backbone.init_cfg.checkpoint == 'x.pth'
