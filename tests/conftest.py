"""Shared pytest fixtures: paths to the repository and to ../shared/data,
a pretrained backbone, a tiny Market-1501 style folder."""
import os
import runpy
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, Optional, Sequence

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get(
    'SAIP_SHARED_DATA', REPO_ROOT.parent / 'shared' / 'data')).resolve()


def pytest_configure(config) -> None:
    """Under pytest-xdist, split the cores among the workers: each worker
    (and every tool it starts, through ``OMP_NUM_THREADS``) gets
    cores // workers threads instead of all cores each."""
    workers = os.environ.get('PYTEST_XDIST_WORKER_COUNT')
    if workers is None:
        return
    import torch
    cores = (len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity')
             else os.cpu_count() or 1)
    threads = max(1, cores // int(workers))
    for var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ.setdefault(var, str(threads))
    torch.set_num_threads(int(os.environ['OMP_NUM_THREADS']))


# what a fresh interpreter starts with (pytest's per-test filters differ)
PYTHON_DEFAULT_WARNINGS = (('default', DeprecationWarning, '__main__'),
                           ('ignore', DeprecationWarning, ''),
                           ('ignore', PendingDeprecationWarning, ''),
                           ('ignore', ImportWarning, ''),
                           ('ignore', ResourceWarning, ''))


def run_script(argv: Sequence, cwd: Optional[Path] = None,
               env: Optional[dict] = None, timeout: float = 600,
               merge_stderr: bool = False) -> subprocess.CompletedProcess:
    """``python argv[0] argv[1:]`` in a fork of the test process.

    The child starts with torch and the OpenMMLab packages already imported
    (a fresh interpreter spends 5-6 CPU seconds importing them, for every
    tool call of the suite) but is its own process: the script's global
    state (registries, loggers, scopes) and its exit code stay there. The
    environment, the working folder, ``sys.argv``, ``sys.path[0]``, the
    warning filters and the mmengine instances are those of a fresh run.
    Never raises on a non-zero exit code; raises ``TimeoutExpired``.
    """
    import mmdet.models  # noqa: F401  (imported once, shared by the forks)
    import mmpose.models  # noqa: F401
    import mmpretrain.models  # noqa: F401
    import mmseg.models  # noqa: F401
    import torch
    from mmengine.utils import ManagerMixin

    import saip_mm  # noqa: F401
    argv = [str(a) for a in argv]
    env = dict(os.environ if env is None else env)
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 1
        try:
            os.dup2(out.fileno(), 1)
            os.dup2((out if merge_stderr else err).fileno(), 2)
            sys.stdout = open(1, 'w', buffering=1, closefd=False)
            sys.stderr = open(2, 'w', buffering=1, closefd=False)
            os.chdir(cwd or os.getcwd())
            os.environ.clear()
            os.environ.update(env)
            torch.set_num_threads(int(env.get('OMP_NUM_THREADS', 1)))
            warnings.resetwarnings()
            warnings.showwarning = lambda *a, **k: sys.stderr.write(
                warnings.formatwarning(*a[:4], k.get('line')))
            for action, category, module in PYTHON_DEFAULT_WARNINGS:
                warnings.filterwarnings(action, category=category,
                                        module=module, append=True)
            stack = [ManagerMixin]
            while stack:  # MMLogger, MessageHub, DefaultScope, Visualizer
                cls = stack.pop()
                cls._instance_dict.clear()
                stack += cls.__subclasses__()
            sys.argv = argv
            sys.path.insert(0, str(Path(argv[0]).resolve().parent))
            runpy.run_path(argv[0], run_name='__main__')
            code = 0
        except SystemExit as exc:
            if isinstance(exc.code, str):
                print(exc.code, file=sys.stderr)
            code = exc.code if isinstance(exc.code, int) else int(
                exc.code is not None)
        except BaseException:
            traceback.print_exc()
        finally:
            import logging
            logging.shutdown()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            raise subprocess.TimeoutExpired(argv, timeout)
        time.sleep(0.05)

    def read(file) -> str:
        file.seek(0)
        return file.read().decode(errors='replace')

    return subprocess.CompletedProcess(
        argv, os.waitstatus_to_exitcode(status), read(out),
        None if merge_stderr else read(err))


@pytest.fixture(scope='session')
def script_runner() -> Callable[..., subprocess.CompletedProcess]:
    """:func:`run_script` as a fixture."""
    return run_script


DOWNSTREAM_TASKS = ('pose', 'parsing', 'reid', 'attributes', 'detection')
DOWNSTREAM_CONFIGS = sorted(
    path for task in DOWNSTREAM_TASKS
    for path in (REPO_ROOT / 'configs' / task).glob('*.py'))


def pytest_generate_tests(metafunc) -> None:
    """A test taking ``downstream_config`` runs once per downstream config
    file (``configs/<task>/*.py``, ids relative to ``configs/``)."""
    if 'downstream_config' in metafunc.fixturenames:
        metafunc.parametrize(
            'downstream_config', DOWNSTREAM_CONFIGS,
            ids=[str(p.relative_to(REPO_ROOT / 'configs'))
                 for p in DOWNSTREAM_CONFIGS])


@pytest.fixture(scope='session')
def downstream_configs() -> list:
    """Every downstream config file, sorted."""
    return DOWNSTREAM_CONFIGS


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
def demo_run(tmp_path_factory) -> SimpleNamespace:
    """2 iterations of ``configs/saip/saip_demo.py`` (all three objectives,
    real photo, no download) at batch 2, checkpoint ``iter_2.pth``: the run
    the demo test checks and the one the downstream tests' backbone comes
    from (one pretraining run for both).

    Returns ``runner``, ``work_dir`` and ``log``, the run's log file as it
    was when the run ended (later in-process runs may append to it).
    """
    from mmengine.config import Config
    from mmengine.runner import Runner

    cfg = Config.fromfile(str(REPO_ROOT / 'configs/saip/saip_demo.py'))
    cfg.work_dir = str(tmp_path_factory.mktemp('saip_demo'))
    cfg.experiment_name = 'demo_run'  # own mmengine logger
    cfg.train_cfg.max_iters = 2
    cfg.train_dataloader.update(batch_size=2, num_workers=0,
                                persistent_workers=False, pin_memory=False)
    cfg.train_dataloader.dataset.num_samples = 4
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.update(interval=2, by_epoch=False)
    runner = Runner.from_cfg(cfg)
    runner.train()
    log = Path(runner.log_dir, f'{runner.timestamp}.log').read_text()
    return SimpleNamespace(runner=runner, work_dir=Path(cfg.work_dir),
                           log=log)


@pytest.fixture(scope='session')
def pretrained_backbone(demo_run) -> Path:
    """A backbone checkpoint made by the pretraining tools themselves: the
    demo run's last checkpoint exported like ``saip_to_backbone.py`` does."""
    from saip_mm.utils.checkpoint_loader import save_checkpoint_atomic
    from saip_mm.utils.model_converters import export_backbone

    work_dir = demo_run.work_dir
    path = work_dir / 'saip_vit-t_backbone.pth'
    save_checkpoint_atomic(export_backbone(str(work_dir / 'iter_2.pth')),
                           str(path))
    return path


def write_image(path: Path, seed: int) -> None:
    """A random 40x20 colour image, the same for the same seed."""
    import cv2
    import numpy as np
    rng = np.random.RandomState(seed)
    cv2.imwrite(str(path), rng.randint(0, 256, (40, 20, 3), np.uint8))


@pytest.fixture
def market_folder(tmp_path) -> Path:
    """A Market-1501 style folder where a person looks the same everywhere.

    Queries: pid 1 (camera 1) and pid 2 (camera 2). Gallery: pid 1 from
    camera 2, pid 2 from camera 1, a same-camera twin of each query (to be
    excluded), a distractor (0) and a junk box (-1).
    """
    for folder, names in {
            'query': ['0001_c1s1_000001_00.jpg', '0002_c2s1_000002_00.jpg'],
            'bounding_box_test': [
                '0001_c2s1_000003_00.jpg', '0002_c1s1_000004_00.jpg',
                '0001_c1s1_000005_00.jpg', '0002_c2s1_000006_00.jpg',
                '0000_c3s1_000007_00.jpg', '-1_c3s1_000008_00.jpg'
            ]
    }.items():
        (tmp_path / folder).mkdir()
        for name in names:
            pid = int(name.split('_')[0])
            write_image(tmp_path / folder / name, seed=pid + 10)
    return tmp_path
