"""Feature extraction and backbone loading of the probes."""
import pytest
import torch

from saip_mm.evaluation.probes import (
    extract_features,
    load_probe_backbone,
    pool_tokens,
)
from saip_mm.models.backbones import SAIPViT
from saip_mm.models.baselines import MAEViTRect

from .conftest import TINY_SIZE


def test_pool_tokens():
    tokens = torch.arange(2 * 3 * 4, dtype=torch.float).reshape(2, 3, 4)
    torch.testing.assert_close(pool_tokens(tokens, 'cls'), tokens[:, 0])
    torch.testing.assert_close(pool_tokens(tokens, 'avg'),
                               tokens[:, 1:].mean(1))
    with pytest.raises(ValueError, match='feature'):
        pool_tokens(tokens, 'max')


def test_extract_features_unit_norm_and_mode_restored(market_folder,
                                                      tiny_backbone):
    paths = sorted(str(p) for p in market_folder.glob('*/*.jpg'))
    tiny_backbone.train()
    feats = extract_features(tiny_backbone, paths, batch_size=3,
                             img_size=TINY_SIZE)
    assert feats.shape == (8, 32)
    torch.testing.assert_close(feats.norm(dim=1), torch.ones(8))
    assert tiny_backbone.training
    # the same pixels give the same feature whatever the batch
    again = extract_features(tiny_backbone, paths[:1], img_size=TINY_SIZE)
    torch.testing.assert_close(again[0], feats[0])


def test_extract_features_needs_cls_token(market_folder):
    model = SAIPViT(dict(embed_dims=32, num_layers=1, num_heads=2),
                    img_size=TINY_SIZE, patch_size=8, inter_index=None,
                    out_type='featmap', with_cls_token=False)
    with pytest.raises(ValueError, match='CLS'):
        extract_features(model, [], img_size=TINY_SIZE)


def test_random_backbone_is_saip_init():
    torch.manual_seed(0)
    model = load_probe_backbone(None)
    assert model.grid_size == (16, 8) and not model.training
    # SAIPViT's reference init draws the position embedding from U[0, 1)
    assert 0 <= model.pos_embed.min() and model.pos_embed.max() < 1


def test_loads_exported_and_training_checkpoints(tmp_path):
    saip = SAIPViT('tiny')
    torch.save(dict(state_dict=saip.state_dict()), tmp_path / 'export.pth')
    torch.save(dict(state_dict={f'backbone.{k}': v for k, v in
                                saip.state_dict().items()}),
               tmp_path / 'train.pth')
    for name in ('export.pth', 'train.pth'):
        model = load_probe_backbone(str(tmp_path / name))
        torch.testing.assert_close(model.layers[3].attn.qkv.weight,
                                   saip.layers[3].attn.qkv.weight)


def test_mae_backbone_maps_onto_saip_vit(tmp_path):
    # mmpretrain's ViT names are SAIPViT's; CLS + fixed sin-cos position
    # embedding load as they are, and the features agree
    mae = MAEViTRect('deit-tiny', img_size=(256, 128))
    mae.init_weights()
    torch.save(dict(state_dict={f'backbone.{k}': v for k, v in
                                mae.state_dict().items()}),
               tmp_path / 'mae.pth')
    model = load_probe_backbone(str(tmp_path / 'mae.pth'))
    torch.testing.assert_close(model.pos_embed, mae.pos_embed)
    x = torch.rand(2, 3, 256, 128)
    mae.eval()
    with torch.no_grad():
        expected = mae(x, mask=None)[0][:, 0]
        actual = model.forward_saip(x)['final'][:, 0]
    torch.testing.assert_close(actual, expected, atol=1e-5, rtol=1e-5)
