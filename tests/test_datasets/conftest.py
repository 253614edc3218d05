"""Fixtures for the data tests: tiny image files and a log recorder."""
import logging
from pathlib import Path
from typing import List

import cv2
import numpy as np
import pytest
from mmengine.logging import MMLogger


def write_rgb(path: Path, rgb: np.ndarray) -> Path:
    """Write an RGB (or grey) uint8/uint16 array with OpenCV (BGR on disk)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    img = rgb if rgb.ndim == 2 else cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    assert cv2.imwrite(str(path), img)
    return path


def random_rgb(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A random uint8 RGB image."""
    return np.random.default_rng(seed).integers(
        0, 256, (height, width, 3), dtype=np.uint8)


@pytest.fixture(name='write_rgb')
def write_rgb_fixture():
    """:func:`write_rgb` as a fixture (conftest is not importable)."""
    return write_rgb


@pytest.fixture(name='random_rgb')
def random_rgb_fixture():
    """:func:`random_rgb` as a fixture."""
    return random_rgb


@pytest.fixture
def image_folder(tmp_path: Path) -> Path:
    """A folder with 3 valid images, one nested and one upper-case."""
    root = tmp_path / 'persons'
    write_rgb(root / 'a.jpg', random_rgb(60, 30, 1))
    write_rgb(root / 'sub' / 'b.png', random_rgb(40, 20, 2))
    write_rgb(root / 'C.JPG', random_rgb(50, 25, 3))
    (root / 'notes.txt').write_text('not an image')
    return root


class _Records(logging.Handler):

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: List[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def warnings(self) -> List[str]:
        return [
            r.getMessage() for r in self.records
            if r.levelno == logging.WARNING
        ]


@pytest.fixture
def log_records():
    """Record what mmengine's ``print_log(logger='current')`` emits."""
    logger = MMLogger.get_current_instance()
    handler = _Records()
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
