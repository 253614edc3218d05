"""Downstream configs name the SAIP backbone checkpoint one way.

Every pose, parsing, ReID, attribute and detection config sets a top-level
``backbone_checkpoint`` and loads it with
``init_cfg=dict(type='Pretrained', checkpoint=backbone_checkpoint)`` and no
``prefix``: ``SAIPViT`` takes a backbone-only checkpoint as it is and the
student backbone of a whole SAIP training checkpoint by itself. The docs
override the key ``model.backbone.init_cfg.checkpoint``.
"""
from mmengine.config import Config


def test_every_task_has_configs(downstream_configs):
    assert {p.parent.name for p in downstream_configs} == {
        'pose', 'parsing', 'reid', 'attributes', 'detection'}


def test_backbone_checkpoint(downstream_config):
    cfg = Config.fromfile(str(downstream_config))
    init_cfg = cfg.model.backbone.init_cfg
    assert init_cfg == dict(type='Pretrained',
                            checkpoint=cfg.backbone_checkpoint)
    arch = cfg.model.backbone.arch
    name = {'saip_mm.SAIPViT': f'saip_vit-{arch[0]}',  # 'tiny' -> 't'
            'saip_mm.SAIPTinyViT': f'saip_tinyvit-{arch}'}
    assert cfg.backbone_checkpoint == \
        f'checkpoints/{name[cfg.model.backbone.type]}_backbone.pth'
    # the names used before
    assert 'checkpoint' not in cfg and 'pretrained' not in cfg
    cfg.merge_from_dict({'model.backbone.init_cfg.checkpoint': 'x.pth'})
    assert cfg.model.backbone.init_cfg.checkpoint == 'x.pth'
