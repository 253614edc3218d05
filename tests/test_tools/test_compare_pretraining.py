"""tools/analysis/compare_pretraining.py: budgets, configs, and a tiny run
of all three methods end to end."""
import json
import math
from types import SimpleNamespace

import pytest

from saip_mm.evaluation.probes import load_probe_backbone

TOOL = 'analysis/compare_pretraining.py'


@pytest.fixture
def tool(tools_module):
    return tools_module(TOOL)


def test_budget_hook_counts_its_clock(tool, monkeypatch):
    now = [100.]
    monkeypatch.setitem(tool.CLOCKS, 'cpu', lambda: now[0])
    hook = tool.TrainingBudgetHook(seconds=60, clock='cpu')
    runner = SimpleNamespace(train_loop=SimpleNamespace(stop_training=False))
    hook.before_train(runner)
    now[0] = 159.
    hook.after_train_iter(runner, 0)
    assert not runner.train_loop.stop_training
    now[0] = 160.
    hook.after_train_iter(runner, 1)
    assert runner.train_loop.stop_training


@pytest.mark.parametrize('method', ['saip', 'mae'])
def test_every_method_gets_the_same_budget_config(tool, method, tmp_path):
    args = tool.parse_args([
        '--iters', '7', '--batch-size', '3', '--lr', '1e-4', '--data',
        str(tmp_path), '--work-dir', str(tmp_path / 'out'), '--limit', '5'
    ])
    cfg = tool.budget_config(tool.CONFIGS[method], method, args)
    assert cfg.train_cfg == dict(type='IterBasedTrainLoop', max_iters=7)
    assert cfg.optim_wrapper.type == 'OptimWrapper'
    assert cfg.optim_wrapper.optimizer.lr == 1e-4
    assert cfg.optim_wrapper.get('accumulative_counts', 1) == 1
    assert not cfg.auto_scale_lr.enable
    assert cfg.default_hooks.checkpoint is None
    dataset = cfg.train_dataloader.dataset
    assert (dataset.data_root, dataset.ann_file, dataset.indices) == (
        str(tmp_path), '', 5)
    assert cfg.train_dataloader.batch_size == 3
    assert cfg.work_dir == str(tmp_path / 'out' / method)


@pytest.mark.e2e
def test_tiny_comparison_end_to_end(run_tool, shared_data, tmp_path):
    work = tmp_path / 'compare'
    result = run_tool(
        TOOL, '--iters', '2', '--batch-size', '2', '--limit', '4',
        '--data', shared_data / 'persons',
        '--reid', shared_data / 'reid_sample' / 'market1501_mini',
        '--attributes', shared_data / 'attr_sample' / 'market1501_attr' /
        'annotations' / 'attributes.json', '--linear-steps', '20',
        '--knn-k', '5', '--log-interval', '1', '--work-dir', work)
    assert result.returncode == 0, result.stdout[-3000:]
    rows = json.loads((work / 'results.json').read_text())['rows']
    assert [(r['method'], r['iters']) for r in rows] == [
        ('saip', 2), ('mae', 2), ('random', 0)]
    for row in rows:
        for key in ('reid_mAP', 'reid_R1', 'reid_R5', 'reid_R10',
                    'attr_knn_mA', 'attr_linear_mA'):
            assert 0 <= row[key] <= 100 and math.isfinite(row[key])
        assert row['reid_num_query'] == 15
    table = (work / 'results.md').read_text().splitlines()
    assert table[0].startswith('| method | iters | train min (wall)')
    assert [line.split(' | ')[0] for line in table[2:]] == [
        '| saip', '| mae', '| random']
    assert table[-1] in result.stdout
    # both pretrained backbones load as SAIPViT for downstream use
    for method in ('saip', 'mae'):
        model = load_probe_backbone(str(work / method / 'backbone.pth'))
        assert model.grid_size == (16, 8)
