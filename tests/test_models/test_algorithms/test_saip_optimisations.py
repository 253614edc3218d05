"""SAIP's one path gives the losses and gradients of a naive reference.

The package encodes the views of one resolution as one batch, calls the CSM
head once for all views, computes the CSS mask features once for both
queries, uses fused attention, and gives the teacher only the backbone and
the CSM head, running the composite only up to the block CSS reads.
:func:`naive_loss` is the slow way those replace, kept here only: one
forward and one head call per view, the CSS features per query, every
softmax materialised, the teacher's composite through every block.
"""
from functools import lru_cache

import pytest
import torch
import torch.nn.functional as F

from saip_mm.models.utils import split_views

from .test_saip import build, fake_batch, tiny_saip_cfg


def naive_loss(model, inputs, data_samples) -> dict:
    """The SAIP losses of ``model`` computed view by view."""
    views = split_views(inputs, model.num_local_views, model.ref_scale,
                        data_samples)
    idx = torch.randint(len(model.extra_scales), (2, )).tolist()
    s1, s2 = (model.extra_scales[i] for i in idx)
    backbone, teacher = model.backbone, model.teacher['backbone']
    student_views = [
        views.g1, views.g2, *views.local_views[:-1],
        model.rescale(views.local_views[-1], s1), model.rescale(views.r, s2)
    ]
    student = [backbone.forward_saip(view, return_attn=i < 2)
               for i, view in enumerate(student_views)]
    with torch.no_grad():
        teacher_out = [teacher.forward_saip(view, return_attn=True)
                       for view in (views.g1, views.g2)]
        t_logits = [model.teacher['csm_head'](out['final'][:, 0])
                    for out in teacher_out]
    losses = model.csm_head.loss(
        [model.csm_head(out['final'][:, 0]) for out in student], t_logits,
        [out['attn'] for out in student[:2]],
        [out['attn'] for out in teacher_out])

    g1_inter = student[0]['inter']
    view = model.rescale(views.g2, model.csr_scale)
    grid = backbone.patch_grid(view.shape[-2:])
    mask = model.mask_generator(view.shape[0], grid, device=view.device)
    enc = backbone.forward_saip(view, num_blocks=model.inter_depth,
                                keep_ids=mask['keep_ids'])
    pred = model.csr_head(enc['inter'], g1_inter[:, 0], mask['ids_restore'],
                          grid)
    losses.update(model.csr_head.loss(pred, view, mask['mask']))

    with torch.no_grad():
        ref = teacher.forward_saip(views.composite)
    tokens = ref['inter'][:, 1:]
    B, _, C = tokens.shape
    ref_map = tokens.transpose(1, 2).reshape(B, C, *ref['grid'])
    head = model.css_head
    for name, query in (('inst', g1_inter), ('roi', student[-2]['inter'])):
        logits = head(query, tokens, head.mask_features(ref_map))
        masks = torch.stack([ds.get(f'{name}_mask') for ds in data_samples])
        target = F.interpolate(masks[:, None].float(), size=ref['grid'],
                               mode='nearest')[:, 0]
        losses[f'loss_css_{name}'] = head.loss_weight * \
            F.binary_cross_entropy_with_logits(logits, target)
    return losses


@lru_cache(maxsize=None)
def step(naive: bool, extra_scales: tuple):
    """Losses and student gradients of one step from fixed weights/draws."""
    torch.manual_seed(0)
    model = build(tiny_saip_cfg(extra_scales=extra_scales))
    batch = fake_batch(model)
    if naive:
        for module in model.modules():
            if hasattr(module, 'fused_attn'):
                module.fused_attn = False
    torch.manual_seed(1)
    losses = (naive_loss(model, **batch) if naive else
              model(**batch, mode='loss'))
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    grads = {n: p.grad for n, p in model.named_parameters()
             if not n.startswith('teacher.')}
    return losses, grads


# s1 == s2 makes the last local view and r share a resolution, so they are
# batched together too
@pytest.mark.parametrize('extra_scales', [(0.75, 1.25), (1.25, )])
def test_saip_step_matches_the_naive_step(extra_scales):
    ref_losses, ref_grads = step(True, extra_scales)
    losses, grads = step(False, extra_scales)
    assert losses.keys() == ref_losses.keys()
    for key, value in ref_losses.items():
        torch.testing.assert_close(losses[key], value, rtol=1e-5, atol=1e-6,
                                   msg=key)
    assert grads.keys() == ref_grads.keys()
    for name, grad in ref_grads.items():
        assert (grad is None) == (grads[name] is None), name
        if grad is not None:
            # summation order differs: judge the error against the tensor's
            # scale (observed <= 1e-6), not element by element
            error = (grads[name] - grad).abs().max()
            assert error <= 1e-5 * grad.abs().max() + 1e-12, (name, error)


def count_calls(module: torch.nn.Module) -> list:
    calls = []
    module.register_forward_hook(lambda m, i, o: calls.append(1))
    return calls


def test_one_forward_per_resolution():
    torch.manual_seed(0)
    model = build(tiny_saip_cfg(extra_scales=(1.25, )))
    student = count_calls(model.backbone.patch_embed.projection)
    teacher = count_calls(model.teacher['backbone'].patch_embed.projection)
    head = count_calls(model.csm_head.last_layer)
    model(**fake_batch(model), mode='loss')
    # g1+g2, l1+l2, l3*s1 + r*s2, CSR view | g1+g2, composite | all views
    assert (len(student), len(teacher), len(head)) == (4, 2, 1)


def test_teacher_mirrors_and_runs_only_what_losses_use():
    model = build(tiny_saip_cfg())
    assert set(model.teacher.net) == {'backbone', 'csm_head'}
    last_block = count_calls(model.teacher['backbone'].layers[-1])
    model(**fake_batch(model), mode='loss')
    # g1 + g2 once; the composite stops at block 7 (inter_index)
    assert len(last_block) == 1


def test_attention_is_fused_everywhere():
    model = build(tiny_saip_cfg())
    flags = [m.fused_attn for m in model.modules()
             if hasattr(m, 'fused_attn')]
    # student and teacher blocks, CSR and CSS decoder blocks, cross-attention
    assert len(flags) == 4 + 4 + 1 + 1 + 1 and all(flags)
