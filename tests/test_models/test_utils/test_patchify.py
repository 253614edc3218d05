"""Patchify on rectangular images, and its inverse."""
import pytest
import torch

from saip_mm.models.utils import patchify, unpatchify


def test_patchify_rectangular_and_inverse():
    imgs = torch.rand(2, 3, 320, 160)
    patches = patchify(imgs, 16)
    assert patches.shape == (2, 200, 768)
    # patch (row 1, col 2), pixel (row 3, col 5), channel 1
    idx = 1 * 10 + 2
    assert patches[0, idx, (3 * 16 + 5) * 3 + 1] == imgs[0, 1, 16 + 3,
                                                         32 + 5]
    torch.testing.assert_close(unpatchify(patches, 16, (20, 10)), imgs)
    with pytest.raises(ValueError, match='multiple of the patch size 16'):
        patchify(torch.rand(1, 3, 300, 160), 16)
