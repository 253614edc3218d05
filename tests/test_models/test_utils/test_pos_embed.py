"""The fixed 2-D sine-cosine position embedding on rectangular grids."""
import torch
from mmpretrain.models.utils import build_2d_sincos_position_embedding

from saip_mm.models.utils import sincos_pos_embed_2d


def test_sincos_rows_and_columns():
    pos = sincos_pos_embed_2d((16, 8), 192)
    assert pos.shape == (1, 129, 192)
    assert not pos[0, 0].any()  # the CLS row
    grid = pos[0, 1:].reshape(16, 8, 192)
    # x channels (first half) vary along a row only, y channels down a
    # column only: row-major token order
    torch.testing.assert_close(grid[:, 3, :96], grid[:1, 3, :96].expand(
        16, -1))
    torch.testing.assert_close(grid[5, :, 96:], grid[5, :1, 96:].expand(
        8, -1))
    assert not torch.allclose(grid[5, 0, :96], grid[5, 1, :96])


def test_sincos_square_grid_matches_mmpretrain():
    # on a square grid mmpretrain's embedding is ours with the row and
    # column halves swapped
    ours = sincos_pos_embed_2d((4, 4), 16, cls_token=False)[0]
    theirs = build_2d_sincos_position_embedding(4, 16)[0]
    torch.testing.assert_close(ours, torch.cat([theirs[:, 8:],
                                                theirs[:, :8]], 1))


def test_sincos_rectangle_differs_from_mmpretrain():
    # mmpretrain lays a (w, h) grid over row-major (h, w) tokens: token 8,
    # the first of row 1, would get the position of row 0, column 8
    theirs = build_2d_sincos_position_embedding((16, 8), 192)[0]
    ours = sincos_pos_embed_2d((16, 8), 192, cls_token=False)[0]
    swapped = torch.cat([theirs[:, 96:], theirs[:, :96]], 1)
    assert not torch.allclose(ours, swapped)
