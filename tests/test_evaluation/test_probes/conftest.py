"""Fixtures of the probe tests: a tiny backbone and tiny image folders."""
from pathlib import Path

import cv2
import numpy as np
import pytest

from saip_mm.models.backbones import SAIPViT

# Probe inputs of the tests: 4 x 2 patches of 8 pixels.
TINY_SIZE = (32, 16)


@pytest.fixture
def tiny_backbone() -> SAIPViT:
    """A 2-block, 32-d SAIPViT at 32x16, randomly initialised."""
    model = SAIPViT(dict(embed_dims=32, num_layers=2, num_heads=2),
                    img_size=TINY_SIZE, patch_size=8, inter_index=None)
    model.init_weights()
    return model


def write_image(path: Path, seed: int) -> None:
    """A random 40x20 colour image, the same for the same seed."""
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
