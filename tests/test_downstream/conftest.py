"""Fixtures shared by the downstream end-to-end tests."""
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='session')
def saip_checkpoint(pretrained_backbone) -> Path:
    """The backbone the pretraining tools produced (16x8 grid at 256x128,
    no key prefix, ``arch_meta`` included); see ``tests/conftest.py``."""
    return pretrained_backbone


@pytest.fixture(scope='session')
def run_tool(script_runner):
    """Run a script (relative to the repo root) with one OpenMP thread, as
    the e2e suite shares two cores (``script_runner``: a fork of this
    process); assert it exits 0 and return its stdout (mmengine logs
    there)."""

    def run(script: str, *args) -> str:
        env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
        out = script_runner([REPO / script, *args], cwd=REPO, env=env)
        assert out.returncode == 0, (out.stdout[-3000:], out.stderr[-3000:])
        return out.stdout

    return run
