"""The SAIP algorithm: losses, switchable objectives, teacher."""
import copy
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.structures import DataSample

from saip_mm.models.backbones.vit_layers import MultiheadSelfAttention
from saip_mm.models.utils import split_views
from saip_mm.registry import MODELS

CONFIGS = Path(__file__).resolve().parents[3] / 'configs' / 'saip'
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


def fake_batch(model, batch_size: int = 2, num_local: int = 3,
               composite: bool = True) -> dict:
    """Random views in packing order: g1, g2, locals, r (= g1 at half
    scale, as SAIPMultiScaleViews makes it) and the composite."""
    g = [torch.randint(0, 256, (batch_size, 3, 256, 128)).float()
         for _ in range(2)]
    loc = [torch.randint(0, 256, (batch_size, 3, 128, 64)).float()
           for _ in range(num_local)]
    r = [F.interpolate(g[0], scale_factor=0.5, mode='nearest')]
    comp = [torch.randint(0, 256, (batch_size, 3, 224, 224)).float()
            ][:int(composite)]
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
        dict(inputs=g + loc + r + comp, data_samples=samples), True)


def test_all_objectives_give_finite_named_losses():
    torch.manual_seed(0)
    model = build(tiny_saip_cfg())
    losses = {k: v for k, v in model(**fake_batch(model), mode='loss').items()
              if 'loss' in k}
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
    losses = {k: v for k, v in model(**fake_batch(model), mode='loss').items()
              if 'loss' in k}
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


def assert_teacher_is_student(model) -> None:
    for name, teacher_module in model.teacher.net.items():
        student = getattr(model, name).state_dict()
        teacher = teacher_module.state_dict()
        assert teacher.keys() == student.keys(), name
        for key, value in teacher.items():
            assert torch.equal(value, student[key]), f'{name}.{key}'


def build_source(source: str):
    """The tiny ViT SAIP of these tests, or the model of a SAIP config."""
    if source == 'tiny':
        return build(tiny_saip_cfg())
    return build(Config.fromfile(str(CONFIGS / source)).model)


# Parameters that init_weights() sets after __init__ copied the student into
# the teacher (zero before): the ViT's position embedding and CLS token,
# TinyViT's mask token.
@pytest.mark.parametrize('source, initialised', [
    pytest.param('tiny', ('pos_embed', 'cls_token'), id='tiny'),
    pytest.param('saip_tinyvit-5m.py', ('net.mask_token', ),
                 id='saip_tinyvit-5m'),
    pytest.param('saip_tinyvit-5m_cpu-proxy.py', ('net.mask_token', ),
                 id='saip_tinyvit-5m_cpu-proxy'),
])
def test_teacher_starts_as_the_initialised_student(source, initialised):
    torch.manual_seed(0)
    model = build_source(source)
    assert_teacher_is_student(model)
    for name in initialised:
        assert model.teacher['backbone'].get_parameter(name).abs().sum() > 0
    x = torch.rand(2, 3, *model.backbone.img_size)
    model.eval()
    with torch.no_grad():
        s = model.backbone.forward_saip(x)['final'][:, 0]
        t = model.teacher['backbone'].forward_saip(x)['final'][:, 0]
    torch.testing.assert_close(s, t)


def test_checkpoint_teacher_is_kept_and_a_missing_one_is_filled():
    model = build(tiny_saip_cfg())
    state = copy.deepcopy(model.state_dict())
    teacher_key = 'teacher.net.backbone.pos_embed'
    state[teacher_key] = torch.full_like(state[teacher_key], 7.)
    state['backbone.pos_embed'] = torch.full_like(state[teacher_key], 3.)
    fresh = build(tiny_saip_cfg())
    fresh.load_state_dict(state)
    assert torch.all(fresh.teacher['backbone'].pos_embed == 7.)
    # no teacher in the checkpoint: it starts as the loaded student
    no_teacher = {k: v for k, v in state.items()
                  if not k.startswith('teacher.')}
    fresh = build(tiny_saip_cfg())
    fresh.load_state_dict(no_teacher)
    assert torch.all(fresh.teacher['backbone'].pos_embed == 3.)
    assert_teacher_is_student(fresh)


def xavier_std(weight: torch.Tensor) -> float:
    fan_out, fan_in = weight.shape[0], weight[0].numel()
    rf = weight[0, 0].numel() if weight.dim() > 2 else 1
    return (2. / (fan_in + fan_out * rf)) ** .5


def test_head_initialisation_follows_the_reference():
    model = build(tiny_saip_cfg(
        csm_head=dict(type='saip_mm.CrossScaleMatchingHead',
                      hidden_channels=512, bottleneck_channels=256,
                      out_channels=1024),
        css_head=dict(type='saip_mm.CrossScaleSearchHead', embed_dims=256,
                      num_heads=2, num_query_blocks=1, num_mask_convs=3)))
    # CSM MLP: Xavier-uniform, zero bias (was trunc-normal 0.02)
    for layer in model.csm_head.mlp:
        if isinstance(layer, torch.nn.Linear):
            std = layer.weight.std().item()
            assert abs(std / xavier_std(layer.weight) - 1) < 0.05
            assert torch.all(layer.bias == 0)
    # CSS mask convolutions: Xavier-uniform weights (PyTorch's default is
    # kaiming_uniform(a=sqrt(5)), about 1/1.7 of that for 3x3 512 convs)
    convs = [m for m in model.css_head.mask_convs
             if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 4
    for conv in convs:
        std = conv.weight.std().item()
        assert abs(std / xavier_std(conv.weight) - 1) < 0.05


def test_monitors_are_logged_and_do_not_enter_the_loss():
    model = build(tiny_saip_cfg())
    out = model(**fake_batch(model), mode='loss')
    monitors = {'csm_teacher_entropy', 'csm_batch_entropy', 'csm_kl',
                'csm_center_norm'}
    assert monitors <= set(out)
    assert not any('loss' in k for k in monitors)
    k = model.csm_head.out_channels
    assert 0 <= out['csm_teacher_entropy'] <= math.log(k)
    assert out['csm_batch_entropy'] >= out['csm_teacher_entropy'] - 1e-5
    assert out['csm_kl'] >= -1e-5


def test_view_count_mismatch_names_both_settings():
    model = build(tiny_saip_cfg(num_local_views=2))
    batch = fake_batch(model, num_local=3)
    for ds in batch['data_samples']:
        ds.set_metainfo(dict(num_local_views=3))
    with pytest.raises(ValueError, match=r'3 local views.*'
                       r'model.num_local_views=2'):
        model(**batch, mode='loss')
    # without the metainfo, too few inputs still fail
    model = build(tiny_saip_cfg(num_local_views=5))
    with pytest.raises(ValueError, match='model.num_local_views=5'):
        model(**fake_batch(model, num_local=3), mode='loss')
    # one local view too many reads the composite as r, whose size is wrong
    model = build(tiny_saip_cfg(num_local_views=4))
    with pytest.raises(ValueError, match=r'r is \(224, 224\)'):
        model(**fake_batch(model, num_local=3), mode='loss')


def test_r_of_another_scale_names_both_settings():
    model = build(tiny_saip_cfg(ref_scale=0.25))
    with pytest.raises(ValueError, match=r'r is \(128, 64\).*'
                       r'model.ref_scale=0.25'):
        model(**fake_batch(model), mode='loss')


def test_css_off_pipeline_may_leave_the_composite_out():
    model = build(tiny_saip_cfg(css_head=None))
    losses = model(**fake_batch(model, composite=False), mode='loss')
    assert {'loss_csm', 'loss_csr'} <= set(losses)
    model = build(tiny_saip_cfg())
    with pytest.raises(ValueError, match='MultiPersonComposite'):
        model(**fake_batch(model, composite=False), mode='loss')


def test_split_views_names_the_packed_views():
    model = build(tiny_saip_cfg())
    batch = fake_batch(model)
    views = split_views(batch['inputs'], 3, 0.5, batch['data_samples'])
    assert views.to_inputs() == batch['inputs']
    assert [v.shape[-2:] for v in views.local_views] == [(128, 64)] * 3
    assert views.r.shape[-2:] == (128, 64)
    assert views.composite.shape[-2:] == (224, 224)
    no_composite = split_views(batch['inputs'][:-1], 3, 0.5)
    assert no_composite.composite is None


def count_attention_maps(model) -> list:
    """Calls of any attention layer that asked for its maps."""
    calls = []
    for module in model.modules():
        if isinstance(module, MultiheadSelfAttention):
            module.register_forward_hook(
                lambda m, args, out: calls.append(1)
                if out[1] is not None else None)
    return calls


@pytest.mark.parametrize('att_loss', ['weight 0', 'None'])
def test_attention_term_off_computes_no_maps(att_loss):
    head = dict(tiny_saip_cfg()['csm_head'])
    if att_loss == 'weight 0':
        head['att_loss_weight'] = 0.
    else:
        head['att_loss'] = None
    model = build(tiny_saip_cfg(csm_head=head))
    assert not model.with_attn_loss
    calls = count_attention_maps(model)
    losses = model(**fake_batch(model), mode='loss')
    assert 'loss_csm_att' not in losses and 'loss_csm' in losses
    assert not calls
    # on, the last block of student and teacher return maps of g1 + g2
    model = build(tiny_saip_cfg())
    calls = count_attention_maps(model)
    assert 'loss_csm_att' in model(**fake_batch(model), mode='loss')
    assert len(calls) == 2


@pytest.mark.parametrize('enabled', [('csm', ), ('csr', ), ('css', ),
                                     ('csr', 'css'), ('csm', 'csr', 'css')])
def test_every_trainable_parameter_gets_a_gradient(enabled):
    # DistributedDataParallel(find_unused_parameters=False) stops at the
    # second iteration otherwise
    off = {f'{h}_head': None for h in ('csm', 'csr', 'css')
           if h not in enabled}
    model = build(tiny_saip_cfg(**off))
    sum(v for k, v in model(**fake_batch(model), mode='loss').items()
        if 'loss' in k).backward()
    no_grad = [n for n, p in model.named_parameters()
               if p.requires_grad and p.grad is None]
    assert not no_grad, no_grad
