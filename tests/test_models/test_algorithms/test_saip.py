"""The SAIP algorithm: losses, switchable objectives, teacher."""
import copy

import pytest
import torch
from mmengine.registry import DefaultScope
from mmpretrain.structures import DataSample

from saip_mm.registry import MODELS

LOSS_KEYS = {'loss_csm', 'loss_csm_att', 'loss_csr', 'loss_css_inst',
             'loss_css_roi'}


def tiny_saip_cfg(**overrides) -> dict:
    """SAIP with a 4-block, 32-wide backbone and narrow heads."""
    cfg = dict(
        type='saip_mm.SAIP',
        data_preprocessor=dict(type='SelfSupDataPreprocessor',
                               mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375], to_rgb=False),
        backbone=dict(type='saip_mm.SAIPViT',
                      arch=dict(embed_dims=32, num_layers=4, num_heads=2),
                      inter_index=1),
        csm_head=dict(type='saip_mm.CrossScaleMatchingHead',
                      hidden_channels=32, bottleneck_channels=16,
                      out_channels=64),
        csr_head=dict(type='saip_mm.CrossScaleReconstructionHead',
                      embed_dims=32, depth=1, num_heads=2),
        css_head=dict(type='saip_mm.CrossScaleSearchHead', embed_dims=32,
                      num_heads=2, num_query_blocks=1, num_mask_convs=1),
        num_local_views=3)
    cfg.update(overrides)
    return cfg


def build(cfg: dict):
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg)
    model.init_weights()
    return model


def fake_batch(model, batch_size: int = 2, num_local: int = 3) -> dict:
    g = [torch.randint(0, 256, (batch_size, 3, 256, 128)).float()
         for _ in range(2)]
    loc = [torch.randint(0, 256, (batch_size, 3, 128, 64)).float()
           for _ in range(num_local)]
    comp = [torch.randint(0, 256, (batch_size, 3, 224, 224)).float()]
    samples = []
    for i in range(batch_size):
        ds = DataSample()
        inst = torch.zeros(224, 224, dtype=torch.uint8)
        inst[16 * i:16 * i + 128, 120:184] = 1
        roi = torch.zeros(224, 224, dtype=torch.uint8)
        roi[40:168, 0:64] = 1
        ds.set_field(inst, 'inst_mask')
        ds.set_field(roi, 'roi_mask')
        samples.append(ds)
    return model.data_preprocessor(
        dict(inputs=g + loc + comp, data_samples=samples), True)


def test_all_objectives_give_finite_named_losses():
    torch.manual_seed(0)
    model = build(tiny_saip_cfg())
    losses = model(**fake_batch(model), mode='loss')
    assert set(losses) == LOSS_KEYS
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    assert model.backbone.layers[0].attn.qkv.weight.grad is not None
    assert all(p.grad is None for p in model.teacher.parameters())


def test_student_never_encodes_the_composite():
    model = build(tiny_saip_cfg())
    student_sizes, teacher_sizes = [], []
    model.backbone.patch_embed.projection.register_forward_hook(
        lambda m, i, o: student_sizes.append(tuple(i[0].shape[-2:])))
    model.teacher['backbone'].patch_embed.projection.register_forward_hook(
        lambda m, i, o: teacher_sizes.append(tuple(i[0].shape[-2:])))
    model(**fake_batch(model), mode='loss')
    assert (224, 224) not in student_sizes
    assert (224, 224) in teacher_sizes
    # the CSR view is g2 upscaled by 1.25
    assert (320, 160) in student_sizes


@pytest.mark.parametrize('enabled', [
    ('csm', ), ('csr', ), ('css', ), ('csm', 'csr'), ('csm', 'css'),
    ('csr', 'css')
])
def test_disabled_objectives_build_nothing(enabled):
    off = {f'{h}_head': None for h in ('csm', 'csr', 'css')
           if h not in enabled}
    model = build(tiny_saip_cfg(**off))
    names = {n.split('.')[0] for n, _ in model.named_parameters()}
    for head in ('csm', 'csr', 'css'):
        assert (f'{head}_head' in names) == (head in enabled)
    assert ('csm_head' in model.teacher.net) == ('csm' in enabled)
    losses = model(**fake_batch(model), mode='loss')
    assert {k.split('_')[1] for k in losses} == set(enabled)
    sum(losses.values()).backward()
    # every trainable parameter of the enabled heads receives a gradient
    unused = [n for n, p in model.named_parameters()
              if p.requires_grad and p.grad is None
              and not n.startswith('backbone.')]
    assert not unused, unused


def test_zero_weight_disables_and_none_everywhere_is_an_error():
    cfg = tiny_saip_cfg()
    cfg['csr_head'] = dict(cfg['csr_head'], loss_weight=0.)
    assert not hasattr(build(cfg), 'csr_head')
    with pytest.raises(ValueError, match='at least one'):
        build(tiny_saip_cfg(csm_head=None, csr_head=None, css_head=None))


def test_teacher_update_is_an_ema_of_the_student():
    model = build(tiny_saip_cfg())
    with torch.no_grad():
        for p in model.backbone.parameters():
            p.add_(1.)
    before = copy.deepcopy(model.teacher['backbone'].pos_embed.data)
    model.update_teacher(0.9)
    expected = 0.9 * before + 0.1 * model.backbone.pos_embed.data
    torch.testing.assert_close(model.teacher['backbone'].pos_embed.data,
                               expected)
    assert not hasattr(model.teacher.net, 'csr_head')
