"""The MAE baseline of the comparison: mmpretrain's MAE at 256x128 (its
sine-cosine embedding is tested in tests/test_models/test_utils)."""
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from saip_mm.models.baselines import MAEPretrainHeadRect
from saip_mm.registry import MODELS

LOSS = dict(type='mmpretrain.PixelReconstructionLoss', criterion='L2')


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
