"""Fixtures for the tools/ tests: a tiny image folder and a tool runner."""
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, List

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TINY_CONFIG = REPO_ROOT / 'tests/data/configs/tiny_mmpretrain_cls.py'


@pytest.fixture(scope='session')
def tiny_cls_data(tmp_path_factory) -> Path:
    """Two classes of four random 40x40 PNGs, one sub-folder per class."""
    import cv2
    root = tmp_path_factory.mktemp('tiny_cls')
    rng = np.random.RandomState(0)
    for label in ('cat', 'dog'):
        (root / label).mkdir()
        for i in range(4):
            image = rng.randint(0, 256, (40, 40, 3), dtype=np.uint8)
            cv2.imwrite(str(root / label / f'{i}.png'), image)
    return root


@pytest.fixture(scope='session')
def tiny_config() -> Path:
    """The tiny mmpretrain classification config."""
    return TINY_CONFIG


@pytest.fixture(scope='session')
def data_options(tiny_cls_data) -> List[str]:
    """``--cfg-options`` pointing the three dataloaders at the data."""
    return ['--cfg-options'] + [
        f'{split}_dataloader.dataset.data_root={tiny_cls_data}'
        for split in ('train', 'val', 'test')
    ]


def tool_env() -> dict:
    """Environment of the tool subprocesses.

    One OpenMP thread: the models are tiny, and with more threads than idle
    cores OpenMP's spin-waiting makes each step up to 100x slower.
    """
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    env.pop('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', None)
    return env


@pytest.fixture(scope='session')
def run_tool(script_runner) -> Callable[..., subprocess.CompletedProcess]:
    """Run ``tools/<script>`` (``.py`` in a fork of this process, see
    ``script_runner``; ``.sh`` with bash).

    The call returns the finished process (stdout and stderr merged into
    ``stdout``); it never raises on a non-zero exit code.
    """

    def run(script: str, *args, cwd=None, timeout: float = 300,
            env: dict = None) -> subprocess.CompletedProcess:
        path = REPO_ROOT / 'tools' / script
        full_env = tool_env()
        full_env['PYTHON'] = sys.executable  # for the .sh launchers
        full_env.update(env or {})
        if script.endswith('.py'):
            return script_runner([path, *args], cwd=cwd, env=full_env,
                                 timeout=timeout, merge_stderr=True)
        return subprocess.run(
            ['bash', str(path)] + [str(a) for a in args],
            cwd=cwd, env=full_env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, timeout=timeout)

    return run


@pytest.fixture(scope='session')
def trained_work_dir(tmp_path_factory, run_tool, tiny_config,
                     data_options) -> Path:
    """A work dir after 2 iterations of the tiny config (``iter_2.pth``)."""
    work_dir = tmp_path_factory.mktemp('train') / 'work_dir'
    result = run_tool('train.py', tiny_config, '--work-dir', work_dir,
                      *data_options, cwd=work_dir.parent)
    assert result.returncode == 0, result.stdout[-3000:]
    assert (work_dir / 'iter_2.pth').is_file(), result.stdout[-3000:]
    return work_dir


def load_tool_module(name: str, path: Path):
    """Import ``tools/<path>`` as module ``name`` (tools/ is no package)."""
    import importlib.util
    tools = str(REPO_ROOT / 'tools')
    if tools not in sys.path:
        sys.path.insert(0, tools)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='session')
def tools_module() -> Callable:
    """``tools_module('train.py')``: a tool script imported as a module."""
    return lambda script: load_tool_module(
        'saip_tools_' + Path(script).stem.replace('/', '_'),
        REPO_ROOT / 'tools' / script)
