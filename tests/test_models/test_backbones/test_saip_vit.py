"""SAIPViT: shapes, rectangular grids, position embeddings, checkpoints."""
import pytest
import torch

from saip_mm.models.backbones import SAIPViT
from saip_mm.models.utils.pos_embed import resample_pos_embed

TINY = dict(embed_dims=32, num_layers=4, num_heads=2)


def tiny(**kwargs) -> SAIPViT:
    kwargs.setdefault('inter_index', 1)
    model = SAIPViT(arch=TINY, **kwargs)
    model.init_weights()
    return model


def test_presets_parameter_counts():
    # the paper's ViT-Tiny is ~5.5 M parameters at 256x128
    n = sum(p.numel() for p in SAIPViT('tiny').parameters())
    assert 5.4e6 < n < 5.6e6
    assert SAIPViT('s').embed_dims == 384
    assert SAIPViT('base').arch_settings['num_heads'] == 12
    with pytest.raises(ValueError, match='unknown arch'):
        SAIPViT('huge')


@pytest.mark.parametrize('hw', [(256, 128), (256, 192)])
@pytest.mark.parametrize('out_type,shape', [
    ('cls_token', lambda h, w: (2, 32)),
    ('avg_featmap', lambda h, w: (2, 32)),
    ('featmap', lambda h, w: (2, 32, h // 16, w // 16)),
    ('raw', lambda h, w: (2, 1 + h * w // 256, 32)),
])
def test_output_shapes(hw, out_type, shape):
    model = tiny(img_size=hw, out_type=out_type, out_indices=(1, 3))
    outs = model(torch.rand(2, 3, *hw))
    assert len(outs) == 2
    assert all(o.shape == shape(*hw) for o in outs)


def test_featmap_without_cls_token():
    model = tiny(img_size=(256, 192), out_type='featmap',
                 with_cls_token=False, inter_index=None)
    assert not hasattr(model, 'cls_token')
    assert model(torch.rand(1, 3, 256, 192))[0].shape == (1, 32, 16, 12)
    with pytest.raises(ValueError, match='with_cls_token'):
        SAIPViT(arch=TINY, with_cls_token=False)


def test_forward_saip_outputs_and_attention():
    model = tiny().eval()
    x = torch.rand(2, 3, 256, 128)
    out = model.forward_saip(x, return_attn=True)
    assert out['inter'].shape == out['final'].shape == (2, 129, 32)
    qk, vv = out['attn']
    assert qk.shape == vv.shape == (2, 2, 129, 129)
    torch.testing.assert_close(qk.sum(-1), torch.ones(2, 2, 129))
    # the explicit path (maps) and the fused path give the same tokens
    torch.testing.assert_close(out['final'], model.forward_saip(x)['final'])
    partial = model.forward_saip(x, num_blocks=2)
    assert partial['final'] is None
    torch.testing.assert_close(partial['inter'], out['inter'])


def test_masked_encoding_keeps_selected_patches():
    model = tiny().eval()
    x = torch.rand(2, 3, 320, 160)
    keep = torch.tensor([[0, 5, 9], [3, 4, 199]])
    out = model.forward_saip(x, num_blocks=2, keep_ids=keep)
    assert out['inter'].shape == (2, 4, 32)
    assert out['grid'] == (20, 10)


def test_resample_pos_embed_2d_is_spatial():
    # a pos-embed equal to its row index: 2-D resampling keeps columns
    # constant and rows increasing; the 1-D stretch of the reference mixes
    # rows and columns.
    rows = torch.arange(16.).repeat_interleave(8)
    pos = torch.cat([torch.zeros(1), rows]).reshape(1, 129, 1)
    out = resample_pos_embed(pos, (20, 10), (16, 8), 1, '2d')
    grid = out[0, 1:, 0].reshape(20, 10)
    assert torch.allclose(grid, grid[:, :1].expand(20, 10), atol=1e-5)
    assert (grid[1:, 0] >= grid[:-1, 0] - 1e-5).all()
    flat = resample_pos_embed(pos, (20, 10), (16, 8), 1, '1d')
    flat_grid = flat[0, 1:, 0].reshape(20, 10)
    assert not torch.allclose(flat_grid, flat_grid[:, :1].expand(20, 10),
                              atol=1e-2)
    assert resample_pos_embed(pos, (16, 8), (16, 8)) is pos


def test_checkpoint_loads_across_input_sizes(tmp_path):
    src = tiny(img_size=(256, 128))
    dst = tiny(img_size=(256, 192), out_type='featmap')
    dst.load_state_dict(src.state_dict())
    expected = resample_pos_embed(src.pos_embed.data, (16, 12), (16, 8))
    torch.testing.assert_close(dst.pos_embed.data, expected)
    # the buffer keeps describing the model it lives in
    assert dst.arch_meta.tolist()[-2:] == [16, 12]


def test_architecture_mismatch_is_an_error():
    src = tiny()
    other = SAIPViT(arch=dict(embed_dims=32, num_layers=4, num_heads=4))
    with pytest.raises(ValueError, match='num_heads'):
        other.load_state_dict(src.state_dict())


def test_pretrained_init_fails_loudly_on_missing_keys(tmp_path):
    src = tiny()
    path = tmp_path / 'ckpt.pth'
    torch.save({'state_dict': {f'backbone.{k}': v
                               for k, v in src.state_dict().items()}}, path)
    good = SAIPViT(arch=TINY, inter_index=None, init_cfg=dict(
        type='Pretrained', checkpoint=str(path), prefix='backbone.'))
    good.init_weights()
    torch.testing.assert_close(good.layers[3].ffn.layers[1].weight,
                               src.layers[3].ffn.layers[1].weight)
    wrong_prefix = SAIPViT(arch=TINY, init_cfg=dict(
        type='Pretrained', checkpoint=str(path), prefix='student.'))
    with pytest.raises(KeyError, match='prefix'):
        wrong_prefix.init_weights()
    partial = {k: v for k, v in src.state_dict().items()
               if not k.startswith('layers.3.')}
    torch.save({'state_dict': partial}, path)
    broken = SAIPViT(arch=TINY, init_cfg=dict(type='Pretrained',
                                              checkpoint=str(path)))
    with pytest.raises(KeyError, match='layers.3'):
        broken.init_weights()


def test_training_checkpoint_without_prefix_loads_its_student(tmp_path):
    # a whole SAIP training checkpoint (student, teacher, heads) given as a
    # backbone without prefix='backbone.' used to fail listing every key
    src = tiny()
    state = {f'backbone.{k}': v for k, v in src.state_dict().items()}
    state.update({f'teacher.net.backbone.{k}': torch.zeros_like(v)
                  for k, v in src.state_dict().items()})
    state['csm_head.mlp.0.weight'] = torch.zeros(4, 4)
    path = tmp_path / 'iter_10.pth'
    torch.save({'state_dict': state}, path)
    model = SAIPViT(arch=TINY, init_cfg=dict(type='Pretrained',
                                             checkpoint=str(path)))
    model.init_weights()
    torch.testing.assert_close(model.layers[3].ffn.layers[1].weight,
                               src.layers[3].ffn.layers[1].weight)


def test_foreign_square_checkpoint_without_meta():
    src = tiny(img_size=(224, 224))
    state = {k: v for k, v in src.state_dict().items() if k != 'arch_meta'}
    dst = tiny(img_size=(256, 128))
    dst.load_state_dict(state, strict=False)
    assert dst.pos_embed.shape == (1, 129, 32)
    rect = {k: v for k, v in tiny().state_dict().items() if k != 'arch_meta'}
    with pytest.raises(ValueError, match='cannot infer'):
        tiny(img_size=(224, 224)).load_state_dict(rect, strict=False)


def test_layer_depth_and_frozen_stages():
    model = tiny(frozen_stages=2)
    assert model.get_layer_depth('backbone.pos_embed', 'backbone.') == (0, 6)
    assert model.get_layer_depth('backbone.layers.2.ln1.weight',
                                 'backbone.') == (3, 6)
    assert model.get_layer_depth('backbone.ln1.weight', 'backbone.') == (5, 6)
    assert not model.layers[1].attn.qkv.weight.requires_grad
    assert model.layers[2].attn.qkv.weight.requires_grad
    assert not model.pos_embed.requires_grad
