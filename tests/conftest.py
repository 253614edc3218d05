"""Shared pytest fixtures: paths to the repository and to ../shared/data."""
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get(
    'SAIP_SHARED_DATA', REPO_ROOT.parent / 'shared' / 'data')).resolve()


@pytest.fixture(scope='session')
def repo_root() -> Path:
    """The repository root."""
    return REPO_ROOT


@pytest.fixture(scope='session')
def shared_data() -> Path:
    """``../shared/data``; every test that uses it fails loudly if absent."""
    assert SHARED_DATA.is_dir(), f'shared data not found at {SHARED_DATA}'
    return SHARED_DATA


@pytest.fixture(scope='session')
def pretrained_backbone(tmp_path_factory) -> Path:
    """A backbone checkpoint made by the pretraining tools themselves: one
    iteration of ``configs/saip/saip_demo.py`` (all three objectives, real
    photo, no download), exported like ``saip_to_backbone.py`` does."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    from saip_mm.utils.checkpoint_loader import save_checkpoint_atomic
    from saip_mm.utils.model_converters import export_backbone

    work_dir = tmp_path_factory.mktemp('saip_demo')
    cfg = Config.fromfile(str(REPO_ROOT / 'configs/saip/saip_demo.py'))
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = 'pretrained_backbone'  # own mmengine logger
    cfg.train_cfg.max_iters = 1
    cfg.train_dataloader.batch_size = 2
    cfg.default_hooks.checkpoint.interval = 1
    Runner.from_cfg(cfg).train()
    path = work_dir / 'saip_vit-t_backbone.pth'
    save_checkpoint_atomic(export_backbone(str(work_dir / 'iter_1.pth')),
                           str(path))
    return path
