"""tools/analysis/get_flops.py: parameters and FLOPs of a config's model."""
import re

import pytest
from mmengine.config import Config


def number(pattern, text):
    match = re.search(pattern, text)
    assert match, f'{pattern!r} not in:\n{text}'
    return float(match.group(1))


def test_get_flops_whole_model(run_tool, tiny_config):
    result = run_tool('analysis/get_flops.py', tiny_config)
    assert result.returncode == 0, result.stdout[-3000:]
    out = result.stdout
    assert 'Input shape:   (1, 3, 32, 32)' in out  # from the Resize
    assert "the whole model, model(inputs, mode='tensor')" in out
    assert number(r'Params total:\s+([\d.]+) M', out) > 0
    assert number(r'Params backbone \(ResNet\): ([\d.]+) M', out) > 0
    assert number(r'FLOPs:\s+([\d.]+) G', out) > 0


def test_get_flops_saip_vit_tiny(run_tool, repo_root):
    """The SAIP pretraining forward needs views: the backbone is measured.
    """
    result = run_tool('analysis/get_flops.py',
                      repo_root / 'configs' / 'saip' / 'saip_vit-t.py')
    assert result.returncode == 0, result.stdout[-3000:]
    out = result.stdout
    assert 'Input shape:   (1, 3, 256, 128)' in out
    assert 'the backbone only' in out
    backbone = number(r'Params backbone \(\w+\): ([\d.]+) M', out)
    assert 5.3 < backbone < 5.7  # ViT-Tiny, the paper's ~5.5 M
    assert number(r'MACs:\s+([\d.]+) G', out) > 0.5


@pytest.fixture
def get_flops(tools_module):
    return tools_module('analysis/get_flops.py')


def test_get_flops_shape_option(get_flops, tiny_config, capsys):
    get_flops.main([str(tiny_config), '--shape', '64', '48'])
    assert 'Input shape:   (1, 3, 64, 48) [from --shape]' in \
        capsys.readouterr().out


@pytest.mark.parametrize('cfg,shape,source', [
    (dict(model=dict(backbone=dict(img_size=(256, 128)))), (256, 128),
     'model.backbone.img_size'),
    (dict(model=dict(backbone=dict(img_size=224))), (224, 224),
     'model.backbone.img_size'),
    # mmpose: codec sizes are (w, h)
    (dict(model=dict(), codec=dict(input_size=(192, 256))), (256, 192),
     'codec.input_size'),
    # mmseg: crop_size is (h, w)
    (dict(model=dict(), crop_size=(512, 1024)), (512, 1024), 'crop_size'),
    # mmdet / mmpretrain pipelines: (w, h), the last sizing transform wins
    (dict(model=dict(), test_dataloader=dict(dataset=dict(pipeline=[
        dict(type='Resize', scale=(1333, 800), keep_ratio=True)]))),
     (800, 1333), 'test_dataloader pipeline'),
    (dict(model=dict(), test_dataloader=dict(dataset=dict(pipeline=[
        dict(type='ResizeEdge', scale=256),
        dict(type='CenterCrop', crop_size=224)]))),
     (224, 224), 'test_dataloader pipeline'),
    (dict(model=dict()), (224, 224), 'default'),
])
def test_infer_input_shape(get_flops, cfg, shape, source):
    assert get_flops.infer_input_shape(Config(cfg)) == (shape, source)
