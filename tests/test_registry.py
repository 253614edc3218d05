"""Our modules build as ``type='saip_mm.X'`` from every library's scope."""
import importlib.util
import subprocess
import sys

import torch
from mmengine.registry import DefaultScope

SCOPES = {
    'mmpretrain': 'mmpretrain.registry',
    'mmpose': 'mmpose.registry',
    'mmdet': 'mmdet.registry',
    'mmseg': 'mmseg.registry',
}


def test_backbone_builds_from_every_scope_without_importing_saip_mm():
    # a fresh interpreter (one for all scopes: imports cost seconds): only
    # the 'saip_mm.' prefix imports the plugin
    lines = ['import sys', 'from mmengine.registry import DefaultScope']
    backbones = ("dict(type='saip_mm.SAIPViT', arch='tiny')",
                 "dict(type='saip_mm.SAIPTinyViT', arch='5m')")
    for scope, module in sorted(SCOPES.items()):
        lines += [
            f'from {module} import MODELS',
            f"with DefaultScope.overwrite_default_scope('{scope}'):",
            *[f'    m{i} = MODELS.build({cfg})'
              for i, cfg in enumerate(backbones)],
            f"print('{scope}', type(m0).__name__, type(m1).__name__)",
        ]
    lines.insert(2, "assert 'saip_mm' not in sys.modules")
    out = subprocess.run([sys.executable, '-c', '\n'.join(lines)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == [
        w for scope in sorted(SCOPES)
        for w in (scope, 'SAIPViT', 'SAIPTinyViT')]


def test_pretraining_import_needs_no_downstream_library():
    # mmpretrain itself imports mmdet when it is installed; what matters is
    # that saip_mm pulls in neither mmpose/mmseg nor its integrations.
    code = ('import sys, saip_mm\n'
            "names = ('mmpose', 'mmseg', 'saip_mm.integrations.mmseg')\n"
            'bad = [m for m in names if m in sys.modules]\n'
            'assert not bad, bad\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]


def test_every_integration_module_exists():
    # an entry without its module fails every lookup miss once its host
    # library is imported
    from saip_mm.integrations import INTEGRATIONS
    assert [m for m in INTEGRATIONS.values()
            if importlib.util.find_spec(m) is None] == []


def test_topdown_pose_model_around_saip_vit():
    from mmpose.registry import MODELS
    from mmpose.testing import get_packed_inputs
    cfg = dict(
        type='TopdownPoseEstimator',
        data_preprocessor=dict(type='PoseDataPreprocessor'),
        backbone=dict(type='saip_mm.SAIPViT',
                      arch=dict(embed_dims=32, num_layers=2, num_heads=2),
                      img_size=(256, 192), out_type='featmap',
                      with_cls_token=False, inter_index=None),
        head=dict(type='HeatmapHead', in_channels=32, out_channels=17,
                  deconv_out_channels=(32, ), deconv_kernel_sizes=(4, ),
                  loss=dict(type='KeypointMSELoss', use_target_weight=True),
                  decoder=dict(type='MSRAHeatmap', input_size=(192, 256),
                               heatmap_size=(24, 32), sigma=2)))
    with DefaultScope.overwrite_default_scope('mmpose'):
        model = MODELS.build(cfg)
        model.init_weights()
        packed = get_packed_inputs(2, img_shape=(256, 192),
                                   input_size=(192, 256),
                                   heatmap_size=(24, 32))
        data = model.data_preprocessor(packed, training=True)
        losses = model(**data, mode='loss')
    assert torch.isfinite(losses['loss_kpt'])


def test_seg_encoder_decoder_around_saip_vit():
    from mmseg.registry import MODELS
    cfg = dict(
        type='EncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor',
                               size=(128, 128)),
        backbone=dict(type='saip_mm.SAIPViT',
                      arch=dict(embed_dims=32, num_layers=4, num_heads=2),
                      img_size=(128, 128), out_type='featmap',
                      out_indices=(0, 1, 2, 3), inter_index=None),
        neck=dict(type='MultiLevelNeck', in_channels=[32] * 4,
                  out_channels=32, scales=[4, 2, 1, 0.5]),
        decode_head=dict(type='UPerHead', in_channels=[32] * 4,
                         in_index=[0, 1, 2, 3], pool_scales=(1, 2),
                         channels=32, num_classes=20,
                         norm_cfg=dict(type='BN', requires_grad=True)),
        train_cfg=dict(), test_cfg=dict(mode='whole'))
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(cfg).eval()
        logits = model(torch.rand(1, 3, 128, 128), mode='tensor')
    assert logits.shape == (1, 20, 32, 32)
