"""Tests for saip_mm.LayerDecayOptimWrapperConstructor."""
import pytest
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from torch import nn

from saip_mm.models.backbones import SAIPViT

BASE_LR, BASE_WD, DECAY = 1e-3, 0.05, 0.75


class DummyModel(nn.Module):
    """The shape every host model shares: ``backbone`` plus a head."""

    def __init__(self, **backbone_kwargs) -> None:
        super().__init__()
        self.backbone = SAIPViT('tiny', img_size=(64, 32), inter_index=None,
                                **backbone_kwargs)
        self.head = nn.Linear(192, 4)


def build(model: nn.Module, **paramwise_cfg):
    cfg = dict(
        constructor='saip_mm.LayerDecayOptimWrapperConstructor',
        optimizer=dict(type='AdamW', lr=BASE_LR, weight_decay=BASE_WD),
        paramwise_cfg=dict(layer_decay_rate=DECAY, **paramwise_cfg))
    return build_optim_wrapper(model, cfg)


def groups_by_name(optim_wrapper) -> dict:
    return {g['param_name']: g for g in optim_wrapper.optimizer.param_groups}


def test_lr_per_depth():
    model = DummyModel()
    groups = groups_by_name(build(model))
    assert len(groups) == len(list(model.parameters()))
    num_depths = model.backbone.num_layers + 2
    lr_per_depth = {}
    for group in groups.values():
        lr_per_depth.setdefault(group['layer_id'], set()).add(group['lr'])
    print('\n'.join(f'depth {d:2d}: lr {sorted(lr)}'
                    for d, lr in sorted(lr_per_depth.items())))
    assert sorted(lr_per_depth) == list(range(num_depths))
    for depth, lrs in lr_per_depth.items():
        expected = BASE_LR * DECAY**(num_depths - 1 - depth)
        assert len(lrs) == 1 and lrs.pop() == pytest.approx(expected)
    assert groups['backbone.pos_embed']['layer_id'] == 0
    assert groups['backbone.patch_embed.projection.weight']['layer_id'] == 0
    assert groups['backbone.layers.0.attn.qkv.weight']['layer_id'] == 1
    assert groups['backbone.layers.11.ffn.layers.1.weight']['layer_id'] == 12
    # final norm and everything outside the backbone: base lr
    assert groups['backbone.ln1.weight']['lr'] == pytest.approx(BASE_LR)
    assert groups['head.weight']['lr'] == pytest.approx(BASE_LR)


def test_weight_decay_rules():
    groups = groups_by_name(
        build(DummyModel(), custom_keys=dict(
            pos_embed=dict(decay_mult=0.), cls_token=dict(decay_mult=0.))))
    for name, group in groups.items():
        param = group['params'][0]
        no_decay = param.ndim == 1 or name.endswith(('pos_embed',
                                                      'cls_token'))
        assert group['weight_decay'] == (0. if no_decay else BASE_WD), name


def test_custom_lr_mult_composes_with_depth():
    groups = groups_by_name(
        build(DummyModel(), custom_keys=dict(head=dict(lr_mult=10.))))
    assert groups['head.weight']['lr'] == pytest.approx(10 * BASE_LR)
    assert groups['backbone.layers.11.ffn.layers.1.weight']['lr'] == \
        pytest.approx(BASE_LR * DECAY)


def test_frozen_parameters_are_left_out():
    model = DummyModel(frozen_stages=2)
    names = set(groups_by_name(build(model)))
    assert 'backbone.pos_embed' not in names
    assert 'backbone.layers.1.attn.qkv.weight' not in names
    assert 'backbone.layers.2.attn.qkv.weight' in names


def test_host_model_classifier():
    """mmpretrain's ImageClassifier has its own get_layer_depth; ours must
    agree with the backbone's view of it."""
    from mmpretrain.models import ImageClassifier
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = ImageClassifier(
            backbone=dict(type='saip_mm.SAIPViT', arch='tiny',
                          img_size=(64, 32), inter_index=None),
            head=dict(type='LinearClsHead', num_classes=3, in_channels=192))
    for name, group in groups_by_name(build(model)).items():
        assert (group['layer_id'],
                model.backbone.num_layers + 2) == model.get_layer_depth(name)


def test_errors():
    with pytest.raises(KeyError, match='layer_decay_rate'):
        build_optim_wrapper(DummyModel(), dict(
            constructor='saip_mm.LayerDecayOptimWrapperConstructor',
            optimizer=dict(type='AdamW', lr=BASE_LR)))
    with pytest.raises(TypeError, match='get_layer_depth'):
        build(nn.Sequential(nn.Linear(2, 2)))


@pytest.mark.parametrize('config', [
    'configs/pose/saip-vit-t_td-hm_coco-256x192.py',
    'configs/parsing/saip-vit-t_upernet_lip-512x512.py'
])
def test_host_models_without_get_layer_depth(config, repo_root):
    """mmpose TopdownPoseEstimator and mmseg EncoderDecoder, as the
    downstream configs build them."""
    from mmengine.config import Config
    from mmengine.registry import MODELS
    cfg = Config.fromfile(str(repo_root / config))
    cfg.model.backbone.init_cfg = None
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
        groups = groups_by_name(build_optim_wrapper(model, cfg.optim_wrapper))
    base_lr = cfg.optim_wrapper.optimizer.lr
    rate = cfg.optim_wrapper.paramwise_cfg.layer_decay_rate
    for name, group in groups.items():
        if name.startswith('backbone.layers.'):
            depth = int(name.split('.')[2]) + 1
            assert group['lr'] == pytest.approx(base_lr * rate**(13 - depth))
        elif not name.startswith('backbone.'):
            assert group['lr'] == pytest.approx(base_lr), name
