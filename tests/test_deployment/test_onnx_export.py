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


@pytest.mark.parametrize('size', [(256, 128), (256, 192)])
def test_backbone_export_matches_pytorch(tmp_path, size):
    model = build_backbone(TINY, size)
    path = export_onnx(model, size, str(tmp_path / 'backbone.onnx'))
    # batch 2 also checks the dynamic batch axis; shapes must agree
    diff, scale = onnx_parity(model, path, size, batch_size=2)
    assert diff <= 1e-4 and scale > 0.1
    assert onnx_latency(path, size, threads=1, runs=2, warmup=1) > 0


def test_pose_model_export_matches_pytorch(tmp_path):
    model = PoseHeatmapModel(build_pose_estimator(TINY)).eval()
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
    assert tool.main(['backbone', '--arch', 'tiny', '--input-size', '64',
                      '32', '--out-dir', str(tmp_path), '--benchmark',
                      '--runs', '2']) == 0
    assert (tmp_path / 'saip_vit-tiny_backbone_64x32.onnx').is_file()
    # name, 5.5 M parameters, GFLOPs, diff, scale, two latencies
    row = [line for line in capsys.readouterr().out.splitlines()
           if line.startswith('| saip_vit-tiny_backbone_64x32 |')]
    assert len(row) == 1 and row[0].split(' | ')[1] == '5.5'
    assert len(row[0].split(' | ')) == 7
