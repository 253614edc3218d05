"""SimpleFeaturePyramid: ViTDet's pyramid from one stride-16 map."""
import pytest
import torch

from saip_mm.models.necks import SimpleFeaturePyramid


def test_strides_4_to_64_from_a_rectangular_map():
    neck = SimpleFeaturePyramid(32, 16)
    neck.init_weights()
    # a 512x256 image through a patch-16 ViT
    outs = neck((torch.rand(2, 32, 32, 16), ))
    assert [tuple(o.shape) for o in outs] == [(2, 16, 128, 64),
                                             (2, 16, 64, 32),
                                             (2, 16, 32, 16),
                                             (2, 16, 16, 8), (2, 16, 8, 4)]


def test_layer_norm_over_channels_and_no_conv_bias():
    neck = SimpleFeaturePyramid(32, 16, norm_cfg=dict(type='mmpretrain.LN2d'))
    convs = [m for m in neck.outputs.modules()
             if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 8 and all(c.bias is None for c in convs)
    # normalised over channels: every position has zero mean before affine
    out = neck((torch.rand(1, 32, 4, 4) * 10, ))[2]
    assert out.mean(dim=1).abs().max() < 1e-4


def test_fewer_levels_and_gradients_reach_every_block():
    neck = SimpleFeaturePyramid(32, 16, scale_factors=(2., 1.), num_outs=3)
    x = torch.rand(1, 32, 8, 8, requires_grad=True)
    outs = neck((x, ))
    assert [o.shape[-1] for o in outs] == [16, 8, 4]
    sum(o.sum() for o in outs).backward()
    assert all(p.grad is not None for p in neck.parameters())


def test_invalid_arguments():
    with pytest.raises(ValueError, match='scale factors'):
        SimpleFeaturePyramid(32, 16, scale_factors=(3., ))
    with pytest.raises(ValueError, match='num_outs'):
        SimpleFeaturePyramid(32, 16, num_outs=3)
