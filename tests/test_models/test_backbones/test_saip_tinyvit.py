"""SAIPTinyViT: any input size, mmpretrain parity, checkpoints, masking."""
import math

import pytest
import torch
from mmpretrain.models.backbones import TinyViT

from saip_mm.models.backbones import SAIPTinyViT

SMALL = dict(channels=[16, 32, 48, 64], num_heads=[1, 2, 3, 4],
             depths=[1, 1, 2, 1], window_sizes=[4, 4, 4, 4])
# sizes that are, and are not, multiples of the windows and of the strides
SIZES = [(256, 128), (256, 192), (100, 70)]


def small(**kwargs) -> SAIPTinyViT:
    model = SAIPTinyViT(arch=SMALL, **kwargs)
    model.init_weights()
    return model


def test_5m_preset():
    model = SAIPTinyViT('5m')
    n = sum(p.numel() for p in model.parameters())
    assert 4.9e6 < n < 5.3e6  # TinyViT-5M without its classifier
    assert model.channels == [64, 128, 160, 320] and model.embed_dims == 320
    assert model.num_stages == 4 and model.stem_stride == 4
    assert model.stage_strides == [4, 8, 16, 32]
    with pytest.raises(ValueError, match='unknown arch'):
        SAIPTinyViT('7m')
    with pytest.raises(ValueError, match='one entry per stage'):
        SAIPTinyViT(dict(SMALL, depths=[1, 1, 2]))


@pytest.mark.parametrize('hw', SIZES)
def test_stage_maps_follow_the_input_size(hw):
    model = small(out_indices=(0, 1, 2, 3)).eval()
    outs = model(torch.rand(2, 3, *hw))
    assert [tuple(o.shape) for o in outs] == [
        (2, c, math.ceil(hw[0] / s), math.ceil(hw[1] / s))
        for c, s in zip(model.channels, model.stage_strides)]


def test_5m_at_the_downstream_sizes():
    model = SAIPTinyViT('5m', out_indices=(-2, -1)).eval()
    with torch.no_grad():
        outs = model(torch.rand(1, 3, 256, 192))
    assert [tuple(o.shape) for o in outs] == [(1, 160, 16, 12),
                                              (1, 320, 8, 6)]


def test_avg_featmap_is_the_normed_mean_of_the_last_map():
    model = small(out_indices=(1, 3), out_type='avg_featmap').eval()
    x = torch.rand(2, 3, 96, 64)
    pooled = model(x)
    maps = model.forward_stages(x)
    assert [tuple(p.shape) for p in pooled] == [(2, 32), (2, 64)]
    torch.testing.assert_close(pooled[0], maps[1].mean(dim=(2, 3)))
    torch.testing.assert_close(pooled[1],
                               model.norm3(maps[3].mean(dim=(2, 3))))
    with pytest.raises(ValueError, match='out_type'):
        SAIPTinyViT(SMALL, out_type='cls_token')


def test_forward_stages_stops_early_and_leaves_maps_unnormed():
    model = small(out_indices=(3, )).eval()
    x = torch.rand(1, 3, 64, 32)
    maps = model.forward_stages(x, num_stages=2)
    assert [m.shape[1] for m in maps] == [16, 32]
    last = model.forward_stages(x)[-1]
    torch.testing.assert_close(model(x)[0], model.final_norm(last))
    assert not torch.allclose(model(x)[0], last)


@pytest.mark.parametrize('hw', [(224, 224), (256, 128)])
def test_equals_mmpretrain_tinyvit_at_its_build_size(hw):
    # mmpretrain's TinyViT built for this size, its weights loaded strictly
    # into the '-in1k' preset: the same features
    reference = TinyViT('5m', img_size=hw, out_indices=-1,
                        gap_before_final_norm=False, drop_path_rate=0.)
    model = SAIPTinyViT('5m-in1k', img_size=(64, 64), out_indices=(3, ))
    assert model.load_state_dict(reference.state_dict(),
                                 strict=False).missing_keys == ['arch_meta']
    reference.eval(), model.eval()
    x = torch.rand(1, 3, *hw)
    with torch.no_grad():
        torch.testing.assert_close(model(x)[0], reference(x)[0])


def test_weights_loaded_in_eval_mode_are_used():
    # mmpretrain's LeAttention caches its bias table at eval(); ours not
    source, target = small().eval(), small().eval()
    for p in source.parameters():
        p.data.normal_(std=0.1)
    target.load_state_dict(source.state_dict())
    x = torch.rand(1, 3, 64, 32)
    torch.testing.assert_close(target(x)[0], source(x)[0])


def test_checkpoint_round_trip_across_anchor_sizes(tmp_path):
    source = small(img_size=(256, 128)).eval()
    assert source.meta_tensor()[-2:].tolist() == [256, 128]
    path = str(tmp_path / 'net.pth')
    torch.save(source.state_dict(), path)
    target = SAIPTinyViT(SMALL, img_size=(256, 192),
                         init_cfg=dict(type='Pretrained', checkpoint=path))
    target.init_weights()
    target.eval()
    assert target.arch_meta[-2:].tolist() == [256, 192]
    x = torch.rand(1, 3, 256, 192)
    torch.testing.assert_close(target(x)[0], source(x)[0])
    other = SAIPTinyViT(dict(SMALL, window_sizes=[4, 4, 8, 4]))
    with pytest.raises(ValueError, match='does not match'):
        other.load_state_dict(source.state_dict())


def test_from_arch_meta_rebuilds_the_architecture():
    source = small(img_size=(256, 192))
    rebuilt = SAIPTinyViT.from_arch_meta(source.arch_meta)
    assert rebuilt.arch_settings == source.arch_settings
    assert rebuilt.img_size == (256, 192)
    rebuilt.load_state_dict(source.state_dict(), strict=True)


def test_pretrained_init_is_strict_and_finds_the_net(tmp_path):
    state = small(use_mask_token=True).state_dict()
    # a SAIP training checkpoint: the net inside HierarchicalTokens
    saip = str(tmp_path / 'saip.pth')
    torch.save(dict(state_dict={f'backbone.net.{k}': v
                                for k, v in state.items()}), saip)
    model = SAIPTinyViT(SMALL, init_cfg=dict(type='Pretrained',
                                             checkpoint=saip))
    model.init_weights()  # the mask token is optional
    torch.testing.assert_close(model.norm3.weight, state['norm3.weight'])
    broken = {k: v for k, v in state.items() if not k.startswith('norm3')}
    broken['extra.weight'] = torch.zeros(1)
    path = str(tmp_path / 'broken.pth')
    torch.save(broken, path)
    model = SAIPTinyViT(SMALL, init_cfg=dict(type='Pretrained',
                                             checkpoint=path))
    with pytest.raises(KeyError, match=r"missing keys \['norm3.weight', "
                       r"'norm3.bias'\]; unexpected keys \['extra.weight'\]"):
        model.init_weights()


def test_layer_depths_are_monotone_in_forward_order():
    model = SAIPTinyViT('5m', use_mask_token=True)
    depths = [model.get_layer_depth(n)
              for n, _ in model.named_parameters()]
    num_depths = sum(model.depths) + 2
    assert {d[1] for d in depths} == {num_depths}
    ids = [d[0] for d in depths]
    assert ids[0] == 0 and model.get_layer_depth('mask_token') == (0, 14)
    # the parameters are registered in the order they run
    assert ids[:-1] == sorted(ids[:-1]) and ids[-1] == num_depths - 1
    assert set(ids) == set(range(num_depths))
    assert model.get_layer_depth('backbone.stages.2.blocks.5.mlp.fc1.weight',
                                 'backbone.') == (10, 14)
    assert model.get_layer_depth('head.fc.weight', 'backbone.') == (13, 14)


def test_mask_token_replaces_the_masked_stem_cells():
    model = small(use_mask_token=True).eval()
    x = torch.rand(2, 3, 64, 32)
    mask = torch.zeros(2, 16, 8, dtype=torch.bool)
    plain = model.forward_stages(x)[-1]
    torch.testing.assert_close(model.forward_stages(x, mask)[-1], plain)
    mask[0, :8] = True
    masked = model.forward_stages(x, mask)[-1]
    assert not torch.allclose(masked[0], plain[0])
    torch.testing.assert_close(masked[1], plain[1])
    # hidden pixels (the stem cells of rows 0-7 see pixel rows <= 31, the
    # first visible cell none above 29) no longer matter
    y = x.clone()
    y[0, :, :28] = torch.rand(3, 28, 32)
    torch.testing.assert_close(model.forward_stages(y, mask)[-1], masked)
    assert not torch.allclose(model.forward_stages(y)[-1], plain)
    assert not hasattr(small(), 'mask_token')
    with pytest.raises(ValueError, match='use_mask_token'):
        small().forward_stages(x, mask)
    with pytest.raises(ValueError, match='stem grid'):
        model.forward_stages(x, mask[:, :8])


def test_frozen_stages():
    model = small(frozen_stages=2)
    model.train()
    frozen = [model.patch_embed, *model.stage_modules(0, 2)]
    assert all(not p.requires_grad for m in frozen for p in m.parameters())
    assert all(not m.training for m in frozen)
    trainable = model.stage_modules(2)
    assert [type(m).__name__ for m in trainable] == [
        'PatchMerging', 'ModuleList', 'PatchMerging', 'ModuleList']
    assert all(p.requires_grad for m in trainable for p in m.parameters())
    assert all(p.requires_grad for p in small().parameters())
