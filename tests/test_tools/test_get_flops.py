"""tools/analysis/get_flops.py: parameters and FLOPs of a config's model."""
import re

import pytest
from mmengine.config import Config

POSE = 'configs/pose/saip-vit-t_td-hm_coco-256x192.py'
DETECTION = 'configs/detection/saip-vit-t_faster-rcnn_sfp_coco-person.py'
SAIP = 'configs/saip/saip_vit-t.py'
TINYVIT_REID = 'configs/reid/saip-tinyvit-5m_reid_market1501-256x128.py'


def number(pattern, text):
    match = re.search(pattern, text)
    assert match, f'{pattern!r} not in:\n{text}'
    return float(match.group(1))


def built_params(config, options=()) -> int:
    """Parameters of the config's model, built here without the tool."""
    from mmengine.registry import MODELS, DefaultScope
    cfg = Config.fromfile(config)
    for option in options:
        key, value = option.split('=')
        cfg.merge_from_dict({key: int(value)})
    cfg.model.backbone.init_cfg = None
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    return sum(p.numel() for p in model.parameters())


@pytest.fixture
def get_flops(tools_module):
    return tools_module('analysis/get_flops.py')


@pytest.fixture
def run_get_flops(get_flops, capsys):
    """``get_flops.main(argv)`` in this process; returns its stdout."""

    def run(*argv) -> str:
        get_flops.main([str(a) for a in argv])
        return capsys.readouterr().out

    return run


def assert_whole_model(out, config, options=()):
    """Whole-model numbers, above the backbone's, and the exact params."""
    assert 'FLOPs of:      the whole model' in out
    assert 'FLOPs of:      the backbone only' in out
    whole = number(r'\nMACs:\s+([\d.]+) G', out)
    backbone = number(r'\nBackbone MACs:\s+([\d.]+) G', out)
    assert whole > backbone > 0
    params = number(r'Params total:\s+[\d.]+ M \((\d+)\)', out)
    assert params == built_params(config, options)
    return whole, backbone


def test_get_flops_tiny_whole_model(run_tool, tiny_config):
    result = run_tool('analysis/get_flops.py', tiny_config)
    assert result.returncode == 0, result.stdout[-3000:]
    out = result.stdout
    assert 'Input shape:   (1, 3, 32, 32)' in out  # from the Resize
    assert ("the whole model (backbone, neck and heads): "
            "model(inputs, data_samples, mode='tensor') on one random image "
            'packed by PackInputs and ClsDataPreprocessor') in out
    assert number(r'Params total:\s+([\d.]+) M', out) > 0
    assert number(r'Params backbone \(ResNet\): ([\d.]+) M', out) > 0
    assert number(r'FLOPs:\s+([\d.]+) G', out) > 0


def test_get_flops_pose_whole_model(run_get_flops, repo_root):
    """The top-down estimator's forward needs data samples (mmpose)."""
    out = run_get_flops(repo_root / POSE)
    assert 'Input shape:   (1, 3, 256, 192)' in out
    assert 'PackPoseInputs and PoseDataPreprocessor' in out
    whole, backbone = assert_whole_model(out, repo_root / POSE)
    # the heatmap head's two deconvolutions at 256 channels
    assert whole - backbone > 0.5


def test_get_flops_detection_whole_model(run_get_flops, repo_root):
    """Faster R-CNN: SFP neck, RPN and the RoI head on the proposals."""
    options = ['model.test_cfg.rpn.nms_pre=100',
               'model.test_cfg.rpn.max_per_img=20']
    out = run_get_flops(repo_root / DETECTION, '--shape', 128, 128,
                        '--cfg-options', *options)
    assert 'Input shape:   (1, 3, 128, 128) [from --shape]' in out
    assert 'PackDetInputs and DetDataPreprocessor' in out
    assert 'the RoI head ran on 20 proposals' in out
    whole, backbone = assert_whole_model(out, repo_root / DETECTION,
                                         options)
    assert whole > 2 * backbone


def test_get_flops_tinyvit_reid(run_get_flops, repo_root):
    """The hierarchical backbone's params and FLOPs at 256x128."""
    out = run_get_flops(repo_root / TINYVIT_REID)
    assert 'Input shape:   (1, 3, 256, 128)' in out
    params = number(r'Params backbone \(SAIPTinyViT\): ([\d.]+) M', out)
    assert 5.0 < params < 5.2  # TinyViT-5M without its classifier
    assert number(r'Params total:\s+[\d.]+ M \((\d+)\)', out) == \
        built_params(repo_root / TINYVIT_REID)
    backbone = number(r'\nBackbone MACs:\s+([\d.]+) G', out)
    assert 0.7 < backbone < 0.9  # ViT-T's 0.7 G, windows of 8x8
    assert number(r'\nMACs:\s+([\d.]+) G', out) >= backbone


def test_get_flops_saip_training_forward(run_get_flops, repo_root):
    """SAIP has no test forward: one training forward over every view."""
    out = run_get_flops(repo_root / SAIP)
    # g1, g2; 7 local views and r; the composite
    assert ('Input shape:   11 views: 2 x (1, 3, 256, 128), '
            '8 x (1, 3, 128, 64), 1 x (1, 3, 224, 224) '
            '[from the train pipeline]') in out
    assert "model(inputs, data_samples, mode='loss')" in out
    assert 'in-model scales (s1, s2) = (' in out
    backbone_params = number(r'Params backbone \(\w+\): ([\d.]+) M', out)
    assert 5.3 < backbone_params < 5.7  # ViT-Tiny, the paper's ~5.5 M
    whole, backbone = assert_whole_model(out, repo_root / SAIP)
    # 12 student / teacher encodings, the CSR and CSS decoders
    assert whole > 10 * backbone
    assert 0.7 < backbone < 0.9


def test_get_flops_failure_is_loud(run_get_flops, tiny_config, capsys):
    """A whole model that cannot run: backbone numbers, said, exit 1."""
    with pytest.raises(SystemExit) as exit_info:
        run_get_flops(tiny_config, '--cfg-options', 'model.head.in_channels=7')
    assert 'whole-model FLOPs not counted' in str(exit_info.value)
    captured = capsys.readouterr()
    assert 'WHOLE-MODEL FLOPs NOT COUNTED' in captured.out
    assert 'THE BACKBONE ONLY' in captured.out
    assert 'FLOPs of:      the whole model' not in captured.out
    assert 'Traceback' in captured.err


def test_get_flops_shape_option(run_get_flops, tiny_config):
    out = run_get_flops(tiny_config, '--shape', '64', '48')
    assert 'Input shape:   (1, 3, 64, 48) [from --shape]' in out


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
