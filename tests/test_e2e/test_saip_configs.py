"""Every SAIP config trains a couple of iterations in-process."""
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

REPO = Path(__file__).resolve().parents[2]
ABLATIONS = sorted((REPO / 'configs/saip/ablations').glob('*.py'))


def shrink_heads(model: dict) -> None:
    """Narrow the enabled heads: the ablations test wiring, not capacity."""
    if model.get('csm_head'):
        model.csm_head.update(hidden_channels=256, out_channels=1024)
    if model.get('csr_head'):
        model.csr_head.update(embed_dims=128, depth=2)
    if model.get('css_head'):
        model.css_head.update(embed_dims=128, num_query_blocks=1)


def tiny_run(config: Path, work_dir: Path, data_root: Path, iters: int = 2,
             narrow: bool = False, save: bool = False):
    cfg = Config.fromfile(str(config))
    if narrow:
        shrink_heads(cfg.model)
    cfg.work_dir = str(work_dir)
    cfg.optim_wrapper.type = 'OptimWrapper'
    cfg.train_dataloader.update(batch_size=2, num_workers=0,
                                persistent_workers=False, pin_memory=False)
    if cfg.train_dataloader.dataset.type == 'saip_mm.PersonImageDataset':
        cfg.train_dataloader.dataset.update(
            data_root=str(data_root), ann_file='train.txt',
            indices=2 * iters)
    else:
        cfg.train_dataloader.dataset.num_samples = 2 * iters
    if 'max_epochs' in cfg.train_cfg:
        cfg.train_cfg.max_epochs = 1
    else:
        cfg.train_cfg.max_iters = iters
    cfg.default_hooks.logger.interval = 1
    if save:
        cfg.default_hooks.checkpoint.update(interval=iters, by_epoch=False)
    else:
        cfg.default_hooks.checkpoint = None
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


@pytest.mark.parametrize('config', ABLATIONS, ids=lambda p: p.stem)
def test_ablation_trains(config, tmp_path, shared_data):
    runner = tiny_run(config, tmp_path, shared_data / 'persons',
                      narrow=True)
    enabled = config.stem.split('_')[-1].split('-')
    hub = runner.message_hub
    logged = {k.split('/')[-1] for k in hub.log_scalars
              if k.startswith('train/loss_')}
    assert {k.split('_')[1] for k in logged} == set(enabled)
    for key in logged:
        assert torch.isfinite(torch.tensor(
            hub.get_scalar(f'train/{key}').current()))


def test_demo_config_runs_without_data_and_visualises(tmp_path):
    demo = REPO / 'configs/saip/saip_demo.py'
    runner = tiny_run(demo, tmp_path, None, save=True)
    assert runner.iter == 2
    assert 'train/loss_css_roi' in runner.message_hub.log_scalars
    png = tmp_path / 'sample.png'
    out = subprocess.run(
        [sys.executable, 'tools/analysis/visualize_saip.py', str(demo),
         str(tmp_path / 'iter_2.pth'), '--out', str(png)], cwd=REPO,
        capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert png.stat().st_size > 20_000
