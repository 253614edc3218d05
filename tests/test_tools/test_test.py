"""tools/test.py: evaluates a checkpoint, dumps metrics or predictions."""
import json
import pickle

import pytest
from mmengine.config import Config


def test_test_prints_and_dumps_metrics(trained_work_dir, tmp_path, run_tool,
                                       tiny_config, data_options):
    out = tmp_path / 'metrics.json'
    result = run_tool('test.py', tiny_config,
                      trained_work_dir / 'iter_2.pth', '--work-dir',
                      tmp_path / 'wd', '--out', out, '--out-item', 'metrics',
                      *data_options, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert 'Load checkpoint from' in result.stdout
    assert '"accuracy/top1":' in result.stdout
    assert 'accuracy/top1' in json.loads(out.read_text())


def test_test_dumps_predictions(trained_work_dir, tmp_path, run_tool,
                                tiny_config, data_options):
    out = tmp_path / 'preds.pkl'
    result = run_tool('test.py', tiny_config,
                      trained_work_dir / 'iter_2.pth', '--work-dir',
                      tmp_path / 'wd', '--out', out, *data_options,
                      cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    with open(out, 'rb') as file:
        assert len(pickle.load(file)) == 8  # one per test image


@pytest.mark.parametrize('scope,hook,expected', [
    ('mmpretrain', dict(type='VisualizationHook', enable=False),
     dict(enable=True, out_dir='SHOW')),
    ('mmpose', dict(type='PoseVisualizationHook', enable=False),
     dict(enable=True, out_dir='SHOW')),
    ('mmdet', dict(type='DetVisualizationHook'),
     dict(draw=True, test_out_dir='SHOW')),
    ('mmseg', dict(type='SegVisualizationHook'), dict(draw=True)),
])
def test_show_dir_per_library(tools_module, scope, hook, expected):
    test_tool = tools_module('test.py')
    cfg = Config(dict(default_scope=scope, default_hooks=dict(
        visualization=hook), visualizer=dict(type='Visualizer')))
    test_tool.enable_visualization(cfg, 'SHOW')
    for key, value in expected.items():
        assert cfg.default_hooks.visualization[key] == value
    if scope == 'mmseg':  # the hook has no directory: the visualizer has
        assert cfg.visualizer.save_dir == 'SHOW'


def test_test_refuses_a_checkpoint_that_does_not_fit(
        trained_work_dir, tmp_path, run_tool, tiny_config, data_options):
    import torch
    state = torch.load(trained_work_dir / 'iter_2.pth', map_location='cpu',
                       weights_only=False)['state_dict']
    backbone = {k[len('backbone.'):]: v for k, v in state.items()
                if k.startswith('backbone.')}
    path = tmp_path / 'backbone_only.pth'
    torch.save(dict(state_dict=backbone), path)
    result = run_tool('test.py', tiny_config, path, '--work-dir',
                      tmp_path / 'wd', *data_options, cwd=tmp_path)
    assert result.returncode != 0
    assert f'{path} does not fit the model' in result.stdout
    assert 'backbone-only checkpoint' in result.stdout
    assert 'accuracy/top1' not in result.stdout
