"""tools/analysis/plot_finetune_curves.py: fine-tuning work dirs -> PNG."""
import importlib.util
import json
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[2] / \
    'tools/analysis/plot_finetune_curves.py'
spec = importlib.util.spec_from_file_location('plot_finetune', TOOL)
plot_finetune = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plot_finetune)


def fake_run(work_dir: Path, metrics: list, max_iters: int = 50,
             val_interval: int = 30) -> Path:
    """A tools/train.py-like work dir: config copy and scalars.json."""
    vis = work_dir / '20260101_000000' / 'vis_data'
    vis.mkdir(parents=True)
    (work_dir / 'cfg.py').write_text(
        f'train_cfg = dict(type="IterBasedTrainLoop", max_iters={max_iters}'
        f', val_interval={val_interval})\n')
    records = [dict(iter=10, step=10, loss=2.0), dict(iter=20, loss=1.5)]
    # validations of iteration-based runs are logged without their iteration
    lines = [json.dumps(r) for r in records] + [
        json.dumps({'attribute/mA': m, 'step': 0}) for m in metrics]
    (vis / 'scalars.json').write_text('\n'.join(lines) + '\n')
    return work_dir


def test_validations_get_the_iterations_of_the_config(tmp_path):
    run = fake_run(tmp_path / 'peta' / 'random', [55.0, 58.5])
    metric, loss = plot_finetune.read_run(run, 'attribute/mA')
    # every val_interval (30) and at the end (50)
    assert metric == [(30, 55.0), (50, 58.5)]
    assert loss == [(10, 2.0), (20, 1.5)]


def test_more_validations_than_the_config_runs_is_an_error(tmp_path):
    run = fake_run(tmp_path / 'peta' / 'random', [50.0, 51.0, 52.0])
    with pytest.raises(ValueError, match='3 validations'):
        plot_finetune.read_run(run, 'attribute/mA')


def test_writes_one_png_for_seeds_of_a_set(tmp_path):
    for seed in ('s0', 's1'):
        for start, m in (('random', 55.), ('saip', 57.)):
            fake_run(tmp_path / seed / 'peta' / start, [m, m + 1])
    out = tmp_path / 'curves.png'
    plot_finetune.main([str(tmp_path / 's0' / 'peta'),
                        str(tmp_path / 's1' / 'peta'), '--out', str(out)])
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    with pytest.raises(ValueError, match='not one of'):
        plot_finetune.main([str(tmp_path / 's0'), '--out', str(out)])
