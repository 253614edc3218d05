"""Fixtures shared by the downstream end-to-end tests."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='session')
def saip_checkpoint(pretrained_backbone) -> Path:
    """The backbone the pretraining tools produced (16x8 grid at 256x128,
    no key prefix, ``arch_meta`` included); see ``tests/conftest.py``."""
    return pretrained_backbone


def run_repo_script(script: str, *args) -> str:
    """Run ``script`` (relative to the repo root) with one OpenMP thread, as
    the e2e suite shares two cores; return its stdout (mmengine logs there).
    """
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    out = subprocess.run([sys.executable, script, *map(str, args)],
                         cwd=REPO, env=env, text=True, timeout=600,
                         capture_output=True)
    assert out.returncode == 0, (out.stdout[-3000:], out.stderr[-3000:])
    return out.stdout


@pytest.fixture(scope='session')
def run_tool():
    """:func:`run_repo_script` as a fixture."""
    return run_repo_script
