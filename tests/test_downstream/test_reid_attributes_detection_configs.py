"""Every ReID, attribute and detection config builds, runs and optimises.

The backbone's ``init_cfg`` is dropped (no checkpoint here); the rest of
each config is built as ``tools/train.py`` would: model in the config's
default scope, optimizer through its (layer-decay) constructor.
"""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import MODELS, init_default_scope

from saip_mm.models.backbones import SAIPTinyViT

CONFIGS = sorted(
    p for task in ('reid', 'attributes', 'detection')
    for p in (Path(__file__).resolve().parents[2] / 'configs' /
              task).glob('*.py'))


def build(config: Path):
    cfg = Config.fromfile(config)
    init_default_scope(cfg.default_scope)
    checkpoint = Path(cfg.model.backbone.init_cfg.checkpoint).name
    cfg.model.backbone.init_cfg = None
    if 'data_preprocessor' in cfg:  # mmpretrain keeps it beside the model
        cfg.model.setdefault('data_preprocessor', cfg.data_preprocessor)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return cfg, model, checkpoint


def expected_checkpoint_and_last_block(backbone) -> tuple:
    """The checkpoint name of the backbone's arch, and its last block."""
    if isinstance(backbone, SAIPTinyViT):
        return 'saip_tinyvit-5m_backbone.pth', backbone.stages[-1].blocks[-1]
    assert backbone.inter_index is None
    arch = {192: 't', 384: 's'}[backbone.embed_dims]
    return f'saip_vit-{arch}_backbone.pth', backbone.layers[-1]


@pytest.mark.parametrize('config', CONFIGS, ids=lambda p: p.stem)
def test_config_builds_and_runs(config):
    cfg, model, checkpoint = build(config)
    backbone = model.backbone
    # the checkpoint named is the one of the backbone's arch
    name, last_block = expected_checkpoint_and_last_block(backbone)
    assert checkpoint == name
    assert last_block.drop_path.drop_prob == pytest.approx(0.1)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    lrs = {g['lr'] for g in optim_wrapper.optimizer.param_groups}
    first = next(n for n, _ in backbone.named_parameters())
    # layer-wise decay is on: one lr per depth
    assert len(lrs) == backbone.get_layer_depth(first)[1]
    model.eval()
    with torch.no_grad():
        if config.parent.name == 'detection':
            feats = model.extract_feat(torch.rand(1, 3, 256, 192))
            assert [f.shape[-2:] for f in feats] == [(64, 48), (32, 24),
                                                     (16, 12), (8, 6),
                                                     (4, 3)]
        else:
            out = model(torch.rand(2, 3, 256, 128), mode='tensor')
            expected = (cfg.model.head.num_classes
                        if config.parent.name == 'attributes' else
                        backbone.embed_dims)
            assert out.shape == (2, expected)
