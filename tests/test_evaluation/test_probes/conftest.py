"""Fixtures of the probe tests: a tiny backbone (the Market-1501 style
folder ``market_folder`` is in tests/conftest.py, shared with the tools)."""
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
