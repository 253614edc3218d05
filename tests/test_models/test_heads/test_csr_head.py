import pytest
import torch

from saip_mm.models.heads import CrossScaleReconstructionHead
from saip_mm.models.utils import CrossScaleMaskGenerator
from saip_mm.registry import MODELS

TINY = dict(in_channels=16, embed_dims=32, depth=1, num_heads=2)


def masked_inputs(batch_size=2, grid=(20, 10), seed=0):
    gen = CrossScaleMaskGenerator((16, 8), 0.75)
    out = gen(batch_size, grid, generator=torch.Generator().manual_seed(seed))
    K = out['keep_ids'].shape[1]
    visible = torch.rand(batch_size, 1 + K, 16)
    return visible, torch.rand(batch_size, 16), out


def test_norm_pix_target_statistics():
    head = CrossScaleReconstructionHead(**TINY)
    imgs = torch.rand(2, 3, 64, 32) * 5 + 2
    target = head.construct_target(imgs)
    assert target.shape == (2, 8, 768)
    torch.testing.assert_close(target.mean(-1), torch.zeros(2, 8),
                               atol=1e-5, rtol=0)
    torch.testing.assert_close(target.var(-1), torch.ones(2, 8),
                               atol=1e-4, rtol=0)
    raw = CrossScaleReconstructionHead(**TINY, norm_pix=False)
    torch.testing.assert_close(raw.construct_target(imgs),
                               raw.patchify(imgs))


@pytest.mark.parametrize('pos_resample', ['2d', '1d'])
def test_forward_shapes(pos_resample):
    head = CrossScaleReconstructionHead(**TINY, pos_resample=pos_resample)
    assert head.decoder_pos_embed.shape == (1, 129, 32)
    assert hasattr(head, 'context_pos_embed') == (pos_resample == '2d')
    visible, context, mask = masked_inputs()
    pred = head(visible, context, mask['ids_restore'], (20, 10))
    assert pred.shape == (2, 200, 768)
    pred.sum().backward()
    assert head.mask_token.grad is not None
    assert head.decoder_pos_embed.grad is not None


def test_position_embeddings_by_mode():
    head2d = CrossScaleReconstructionHead(**TINY, pos_resample='2d')
    cls, ctx, patches = head2d.position_embeddings((16, 8))
    # the anchor grid needs no resampling
    torch.testing.assert_close(patches, head2d.decoder_pos_embed[:, 1:])
    assert ctx is head2d.context_pos_embed
    head1d = CrossScaleReconstructionHead(**TINY, pos_resample='1d')
    cls, ctx, patches = head1d.position_embeddings((20, 10))
    assert patches.shape == (1, 200, 32) and ctx.shape == (1, 1, 32)
    torch.testing.assert_close(cls, head1d.decoder_pos_embed[:, :1])


def test_visible_tokens_land_on_their_grid_slots():
    head = CrossScaleReconstructionHead(**TINY)
    visible, context, mask = masked_inputs()
    # without blocks every output depends on its own slot only
    head.blocks = torch.nn.ModuleList()
    base = head(visible, context, mask['ids_restore'], (20, 10))
    visible2 = visible.clone()
    visible2[0, 1] += 1.  # first visible patch token
    moved = head(visible2, context, mask['ids_restore'], (20, 10))
    changed = (moved - base).abs().sum(-1)[0].nonzero().flatten().tolist()
    assert changed == [mask['keep_ids'][0, 0].item()]


def test_loss_counts_only_scored_patches():
    head = CrossScaleReconstructionHead(**TINY)
    visible, context, mask = masked_inputs()
    imgs = torch.rand(2, 3, 320, 160)
    pred = head(visible, context, mask['ids_restore'], (20, 10)).detach()
    loss = head.loss(pred, imgs, mask['mask'])['loss_csr']

    target = head.construct_target(imgs)
    per_patch = ((pred - target)**2).mean(-1)
    m = mask['mask']
    torch.testing.assert_close(loss, (per_patch * m).sum() / m.sum())

    vis_idx = mask['keep_ids'][0, 0]
    scored_idx = m[0].nonzero()[0, 0]
    at_visible = pred.clone()
    at_visible[0, vis_idx] += 10.
    torch.testing.assert_close(
        head.loss(at_visible, imgs, m)['loss_csr'], loss)
    at_scored = pred.clone()
    at_scored[0, scored_idx] += 10.
    assert head.loss(at_scored, imgs, m)['loss_csr'] > loss + 1e-3


def test_loss_weight_and_registry_build():
    head = MODELS.build(dict(type='saip_mm.CrossScaleReconstructionHead',
                             **TINY, loss_weight=0.5,
                             pos_embed_init='trunc_normal'))
    assert head.decoder_pos_embed.abs().max() < 0.1
    pred = torch.zeros(1, 8, 768)
    mask = torch.ones(1, 8)
    imgs = torch.rand(1, 3, 64, 32)
    target = head.construct_target(imgs)
    torch.testing.assert_close(head.loss(pred, imgs, mask)['loss_csr'],
                               0.5 * (target**2).mean())


def test_uniform_init_and_bad_grid():
    head = CrossScaleReconstructionHead(**TINY)
    assert head.decoder_pos_embed.min() >= 0
    assert head.decoder_pos_embed.max() < 1
    visible, context, mask = masked_inputs()
    with pytest.raises(ValueError):
        head(visible, context, mask['ids_restore'], (16, 8))
