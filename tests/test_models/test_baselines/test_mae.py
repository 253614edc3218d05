"""The MAE baseline of the comparison: mmpretrain's MAE at 256x128."""
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.models.utils import build_2d_sincos_position_embedding

from saip_mm.models.mae_rect import MAEPretrainHeadRect, sincos_pos_embed_2d
from saip_mm.registry import MODELS

LOSS = dict(type='mmpretrain.PixelReconstructionLoss', criterion='L2')


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


def test_patchify_round_trip_rectangular():
    head = MAEPretrainHeadRect((16, 8), loss=LOSS)
    imgs = torch.rand(2, 3, 256, 128)
    patches = head.patchify(imgs)
    assert patches.shape == (2, 128, 768)
    # token 9 is row 1, column 1
    torch.testing.assert_close(
        patches[0, 9].reshape(16, 16, 3).permute(2, 0, 1),
        imgs[0, :, 16:32, 16:32])
    torch.testing.assert_close(head.unpatchify(patches), imgs)
    with pytest.raises(ValueError, match='multiple'):
        head.patchify(torch.rand(1, 3, 250, 128))


def test_mae_config_trains_at_256x128(repo_root):
    cfg = Config.fromfile(str(repo_root / 'configs/mae/mae_vit-t.py'))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    assert model.backbone.arch_meta.tolist() == [192, 12, 3, 16, 16, 8]
    loss = model.loss(torch.rand(2, 3, 256, 128), None)['loss']
    loss.backward()
    assert torch.isfinite(loss)
    assert model.backbone.layers[0].attn.qkv.weight.grad is not None
    assert model.backbone.pos_embed.grad is None  # fixed, as in MAE
