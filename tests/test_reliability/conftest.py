"""Tiny SAIP runs for the reliability tests: config files, in-process
runners and ``tools/`` subprocesses."""
import json
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Callable, List

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]

# configs/saip/saip_demo.py (IterBasedTrainLoop, OptimWrapper, gloo) with a
# 32-wide, 4-block student, narrow heads, 3 local views and real crops.
TINY_CONFIG = """
_base_ = ['{repo}/configs/saip/saip_demo.py']
custom_imports = dict(imports=['saip_mm', 'reliability_helpers'],
                      allow_failed_imports=False)
num_local = 3
model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=32, num_layers=4,
                            num_heads=2),
                  inter_index=1),
    csm_head=dict(hidden_channels=32, bottleneck_channels=16,
                  out_channels=64),
    csr_head=dict(embed_dims=32, depth=1, num_heads=2),
    css_head=dict(embed_dims=32, num_heads=2, num_query_blocks=1,
                  num_mask_convs=1),
    num_local_views=num_local)
views_and_composite = [
    dict(type='saip_mm.SAIPMultiScaleViews', num_local=num_local),
    dict(type='saip_mm.MultiPersonComposite',
         background=dict(type='dataset')),
]
train_pipeline = [dict(type='saip_mm.LoadPersonImage'),
                  *views_and_composite,
                  dict(type='saip_mm.PackSAIPInputs')]
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, type='saip_mm.PersonImageDataset',
                 data_root='{data_root}', ann_file='train.txt',
                 indices={num_images}, pipeline=train_pipeline))
train_cfg = dict(max_iters={max_iters})
default_hooks = dict(checkpoint=None)
custom_hooks = [
    dict(type='saip_mm.TeacherMomentumHook'),
    dict(type='saip_mm.IterationSeedHook'),
]
"""


@pytest.fixture(scope='session')
def persons(shared_data) -> Path:
    """``../shared/data/persons`` (with ``train.txt``)."""
    return shared_data / 'persons'


@pytest.fixture(scope='session')
def tiny_config(persons) -> Callable[..., Path]:
    """``tiny_config(path, max_iters, extra='', num_images=8)``: write the
    tiny SAIP config to ``path``.

    ``extra`` is appended to the same file, so a new assignment replaces the
    variable of the tiny config (use item assignment to change a field);
    variables the tiny config does not set are merged with its bases.
    """

    def write(path: Path, max_iters: int, extra: str = '',
              num_images: int = 8) -> Path:
        path.write_text(
            TINY_CONFIG.format(repo=REPO_ROOT, data_root=persons,
                               max_iters=max_iters,
                               num_images=num_images) + extra)
        return path

    return write


@pytest.fixture
def tiny_runner(tmp_path, tiny_config, monkeypatch) -> Callable[..., Runner]:
    """``tiny_runner(max_iters, extra='', num_images=8)``: the tiny config
    as an in-process Runner working in ``tmp_path/work_dir``, on one thread
    (with more threads than idle cores OpenMP spin-waits)."""
    monkeypatch.syspath_prepend(str(HERE))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)

    def build(max_iters: int, extra: str = '', num_images: int = 8
              ) -> Runner:
        cfg = Config.fromfile(str(tiny_config(
            tmp_path / 'tiny.py', max_iters, extra, num_images)))
        cfg.work_dir = str(tmp_path / 'work_dir')
        # mmengine shares one logger per experiment name ('tiny_<second>'):
        # two runners built in the same second would write into the first
        # one's log file
        cfg.experiment_name = f'{tmp_path.name}_{uuid.uuid4().hex[:8]}'
        return Runner.from_cfg(cfg)

    yield build
    torch.set_num_threads(threads)


def free_port() -> str:
    """A TCP port nobody listens on now (for torchrun)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return str(sock.getsockname()[1])


@pytest.fixture(scope='session')
def start_tool() -> Callable[..., subprocess.Popen]:
    """``start_tool(script, *args, log=path)``: start ``tools/<script>`` in
    the folder of ``log``, with its output going to ``log``.

    One OpenMP thread per process (two cores serve every run), a free
    torchrun port, and this folder on ``PYTHONPATH`` for the test-only
    hooks of ``reliability_helpers``.
    """

    def start(script: str, *args, log: Path) -> subprocess.Popen:
        launcher = ['bash'] if script.endswith('.sh') else [sys.executable]
        env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1',
                   PYTHON=sys.executable, PORT=free_port(),
                   PYTHONPATH=os.pathsep.join([str(HERE), str(REPO_ROOT)]))
        with open(log, 'w') as out:
            return subprocess.Popen(
                launcher + [str(REPO_ROOT / 'tools' / script)] +
                [str(a) for a in args],
                cwd=log.parent, env=env, stdout=out,
                stderr=subprocess.STDOUT)

    return start


@pytest.fixture(scope='session')
def read_scalars() -> Callable[[Path], List[List[dict]]]:
    """``read_scalars(work_dir)``: the training rows of each run's
    ``vis_data/scalars.json`` in ``work_dir``, oldest run first."""

    def read(work_dir: Path) -> List[List[dict]]:
        return [[row for row in map(json.loads, path.read_text().splitlines())
                 if 'loss' in row]
                for path in sorted(work_dir.glob('*/vis_data/scalars.json'))]

    return read
