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
