import pytest
import torch

from saip_mm.models.heads import CrossScaleMatchingHead
from saip_mm.registry import MODELS

CFG = dict(in_channels=16, hidden_channels=32, bottleneck_channels=8,
           out_channels=64)


def attn_maps(views=2):
    return [(torch.rand(2, 2, 5, 5).softmax(-1),
             torch.rand(2, 2, 5, 5).softmax(-1)) for _ in range(views)]


def test_forward_shape_and_unit_rows():
    head = CrossScaleMatchingHead(**CFG)
    assert head(torch.rand(5, 16)).shape == (5, 64)
    norms = head.last_layer.weight.norm(dim=1)
    torch.testing.assert_close(norms, torch.ones(64))
    assert head.last_layer.weight_g is None
    assert head.loss_module.center.shape == (1, 64)  # out_channels merged
    # no bias anywhere after the MLP; MLP biases start at zero
    assert all(lin.bias.abs().sum() == 0 for lin in head.mlp
               if isinstance(lin, torch.nn.Linear))


def test_output_is_scale_invariant_in_last_weight():
    head = CrossScaleMatchingHead(**CFG)
    x = torch.rand(3, 16)
    before = head(x)
    with torch.no_grad():
        head.last_layer.weight_v.mul_(7.)
    torch.testing.assert_close(head(x), before)


def test_learnable_last_norm():
    head = CrossScaleMatchingHead(**CFG, norm_last_layer=False)
    assert head.last_layer.weight_g.shape == (64, 1)
    with torch.no_grad():
        head.last_layer.weight_g.fill_(3.)
    torch.testing.assert_close(head.last_layer.weight.norm(dim=1),
                               torch.full((64, ), 3.))


def test_loss_keys_weights_and_gradients():
    head = CrossScaleMatchingHead(**CFG, loss_weight=2., att_loss_weight=3.)
    student = [head(torch.rand(2, 16)) for _ in range(4)]
    teacher = [head(torch.rand(2, 16)).detach() for _ in range(2)]
    s_att, t_att = attn_maps(), attn_maps()
    losses = head.loss(student, teacher, s_att, t_att)
    assert {k for k in losses if 'loss' in k} == {'loss_csm', 'loss_csm_att'}
    assert set(losses) - {'loss_csm', 'loss_csm_att'} == {
        'csm_teacher_entropy', 'csm_batch_entropy', 'csm_kl',
        'csm_center_norm'}
    ref = CrossScaleMatchingHead(**CFG).att_loss_module(s_att, t_att)
    torch.testing.assert_close(losses['loss_csm_att'], 3 * ref)
    losses['loss_csm'].backward()
    assert head.mlp[0].weight.grad is not None
    assert head.last_layer.weight_v.grad is not None

    # without maps the attention term is skipped
    assert {k for k in head.loss(student, teacher) if 'loss' in k} == {
        'loss_csm'}


@pytest.mark.parametrize('off', [dict(att_loss=None),
                                 dict(att_loss_weight=0.)])
def test_att_loss_none_or_weight_0_disables_attention_term(off):
    head = CrossScaleMatchingHead(**CFG, **off)
    assert head.att_loss_module is None
    student = [head(torch.rand(2, 16)) for _ in range(3)]
    teacher = [s.detach() for s in student[:2]]
    losses = head.loss(student, teacher, attn_maps(), attn_maps())
    assert {k for k in losses if 'loss' in k} == {'loss_csm'}


def test_build_with_temperatures_in_loss_cfg():
    head = MODELS.build(dict(
        type='saip_mm.CrossScaleMatchingHead', **CFG,
        loss=dict(type='saip_mm.DINOLoss', teacher_temp=0.07)))
    assert head.loss_module.teacher_temp == 0.07
    assert head.loss_module.out_channels == 64
