"""ONNX export of SAIP backbones and pose models matches PyTorch."""
import importlib.util
from pathlib import Path

import pytest

from saip_mm.deployment import (
    PoseHeatmapModel,
    build_backbone,
    build_pose_estimator,
    export_onnx,
    onnx_latency,
    onnx_parity,
)

pytest.importorskip('onnxruntime')

REPO = Path(__file__).resolve().parents[2]
TINY = dict(embed_dims=32, num_layers=2, num_heads=2)
# a small SAIPTinyViT (the 'channels' key selects it)
TINYVIT = dict(channels=[16, 32, 48, 64], num_heads=[1, 2, 3, 4],
               depths=[1, 1, 2, 1], window_sizes=[4, 4, 4, 4])


@pytest.mark.parametrize('arch,size', [
    (TINY, (256, 128)), (TINY, (256, 192)),
    # sizes that are no multiple of the windows or of the strides too
    (TINYVIT, (256, 128)), (TINYVIT, (256, 192)), (TINYVIT, (100, 70))
], ids=['vit-256x128', 'vit-256x192', 'tinyvit-256x128',
        'tinyvit-256x192', 'tinyvit-100x70'])
def test_backbone_export_matches_pytorch(tmp_path, arch, size):
    model = build_backbone(arch, size)
    path = export_onnx(model, size, str(tmp_path / 'backbone.onnx'))
    # batch 2 also checks the dynamic batch axis; shapes must agree
    diff, scale = onnx_parity(model, path, size, batch_size=2)
    assert diff <= 1e-4 and scale > 0.1
    assert onnx_latency(path, size, threads=1, runs=2, warmup=1) > 0


@pytest.mark.parametrize('arch', [TINY, TINYVIT], ids=['vit', 'tinyvit'])
def test_pose_model_export_matches_pytorch(tmp_path, arch):
    model = PoseHeatmapModel(build_pose_estimator(arch)).eval()
    size = model.estimator.backbone.img_size
    assert size == (256, 192)
    path = export_onnx(model, size, str(tmp_path / 'pose.onnx'))
    diff, scale = onnx_parity(model, path, size, batch_size=1)
    # a random head's heatmaps are ~1e-5: judge the error by their scale
    assert diff <= 1e-4 * scale


def test_tool_exports_checks_and_prints_a_table(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location(
        'export_onnx', REPO / 'tools/deployment/export_onnx.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.main(['backbone', '--arch', 'tiny', 'tinyvit-5m',
                      '--input-size', '64', '32', '--out-dir', str(tmp_path),
                      '--benchmark', '--runs', '2']) == 0
    out = capsys.readouterr().out.splitlines()
    # name, 5.5 (5.1) M parameters, GFLOPs, diff, scale, two latencies
    for name, params in [('saip_vit-tiny', '5.5'),
                         ('saip_tinyvit-5m', '5.1')]:
        assert (tmp_path / f'{name}_backbone_64x32.onnx').is_file()
        row = [line for line in out
               if line.startswith(f'| {name}_backbone_64x32 |')]
        assert len(row) == 1 and row[0].split(' | ')[1] == params
        assert len(row[0].split(' | ')) == 7
