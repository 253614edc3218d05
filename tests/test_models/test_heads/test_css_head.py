import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample

from saip_mm.models.heads import CrossScaleSearchHead
from saip_mm.registry import MODELS

TINY = dict(in_channels=16, embed_dims=32, num_heads=2, num_query_blocks=1,
            num_mask_convs=1)


def inputs(batch_size=2):
    queries = dict(inst=torch.rand(batch_size, 1 + 8, 16),
                   roi=torch.rand(batch_size, 1 + 6, 16))
    ref = torch.rand(batch_size, 14 * 14, 16)
    targets = {k: (torch.rand(batch_size, 14, 14) > 0.7).float()
               for k in queries}
    return queries, ref, targets


def samples_with(masks: dict) -> list:
    """Data samples carrying ``<name>_mask`` (B, H, W) as uint8 fields."""
    samples = []
    for i in range(len(next(iter(masks.values())))):
        sample = DataSample()
        for name, mask in masks.items():
            sample.set_field(mask[i].to(torch.uint8), f'{name}_mask')
        samples.append(sample)
    return samples


def test_forward_shape():
    head = CrossScaleSearchHead(**TINY)
    queries, ref, _ = inputs()
    feats = head.mask_features(ref.transpose(1, 2).reshape(2, 16, 14, 14))
    assert feats.shape == (2, 32, 14, 14)
    assert head(queries['inst'], ref, feats).shape == (2, 14, 14)
    assert len(head.mask_convs) == 4  # 1x1 + GELU, one 3x3 + GELU


def test_loss_is_bce_on_hand_made_mask():
    head = CrossScaleSearchHead(**TINY, loss_weight=2.)
    queries, ref, _ = inputs()
    target = torch.zeros(2, 14, 14)
    target[:, 3:9, 2:5] = 1.  # a pasted person, made by hand
    targets = dict(inst=target, roi=target.flip(-1))
    losses = head.loss(queries, ref, (14, 14), samples_with(targets))
    assert set(losses) == {'loss_css_inst', 'loss_css_roi'}

    ref_map = ref.transpose(1, 2).reshape(2, 16, 14, 14)
    logits = head(queries['inst'], ref, head.mask_features(ref_map))
    # BCE with logits written out: mean of softplus(x) - t * x
    by_hand = (F.softplus(logits) - target * logits).mean()
    torch.testing.assert_close(losses['loss_css_inst'], 2 * by_hand)
    torch.testing.assert_close(
        losses['loss_css_inst'],
        2 * F.binary_cross_entropy_with_logits(logits, target))
    sum(losses.values()).backward()
    assert head.mask_convs[0].weight.grad is not None
    assert head.query_embed.weight.grad is not None


def test_mask_features_computed_once_for_all_queries():
    head = CrossScaleSearchHead(**TINY)
    calls = []
    head.mask_convs[0].register_forward_hook(lambda *args: calls.append(1))
    queries, ref, targets = inputs()
    head.loss(queries, ref, (14, 14), samples_with(targets))
    assert len(calls) == 1
    maps = head.predict(queries, ref, (14, 14))
    assert len(calls) == 2
    assert set(maps) == {'inst', 'roi'}
    assert maps['roi'].shape == (2, 14, 14)
    assert maps['roi'].min() >= 0 and maps['roi'].max() <= 1


def test_kernel_depends_on_query():
    head = MODELS.build(dict(type='saip_mm.CrossScaleSearchHead', **TINY))
    queries, ref, _ = inputs()
    feats = head.mask_features(ref.transpose(1, 2).reshape(2, 16, 14, 14))
    a = head(queries['inst'], ref, feats)
    b = head(queries['inst'] + 1., ref, feats)
    assert not torch.allclose(a, b)


def test_rectangular_reference_grid():
    head = CrossScaleSearchHead(**TINY)
    queries, _, _ = inputs()
    ref = torch.rand(2, 8 * 4, 16)
    targets = {k: torch.zeros(2, 8, 4) for k in queries}
    losses = head.loss(queries, ref, (8, 4), samples_with(targets))
    assert all(v.ndim == 0 for v in losses.values())


def test_paste_masks_are_downsampled_to_the_reference_grid():
    head = CrossScaleSearchHead(**TINY, loss_weight=1.)
    queries, ref, _ = inputs()
    full = torch.zeros(2, 224, 224)
    full[:, 32:160, 48:112] = 1  # a 128 x 64 paste on a 224 x 224 image
    losses = head.loss(queries, ref, (14, 14),
                       samples_with(dict(inst=full, roi=full)))
    small = torch.zeros(2, 14, 14)
    small[:, 2:10, 3:7] = 1  # the same paste in 16-pixel cells
    logits = head(queries['inst'], ref, head.mask_features(
        ref.transpose(1, 2).reshape(2, 16, 14, 14)))
    torch.testing.assert_close(
        losses['loss_css_inst'],
        F.binary_cross_entropy_with_logits(logits, small))
