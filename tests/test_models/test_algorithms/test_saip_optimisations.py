"""Every SAIP speedup leaves the losses and the gradients unchanged."""
from functools import lru_cache

import pytest
import torch

from saip_mm.models.algorithms.saip import SPEEDUPS

from .test_saip import build, fake_batch, tiny_saip_cfg

ALL_OFF = dict.fromkeys(SPEEDUPS, False)


def step(speedups: dict, extra_scales=(0.75, 1.25)):
    """Losses and student gradients of one step from fixed weights/draws."""
    return cached_step(tuple(sorted(speedups.items())), extra_scales)


@lru_cache(maxsize=None)
def cached_step(speedups: tuple, extra_scales: tuple):
    torch.manual_seed(0)
    model = build(tiny_saip_cfg(speedups=dict(speedups),
                                extra_scales=extra_scales))
    batch = fake_batch(model)
    torch.manual_seed(1)
    losses = model(**batch, mode='loss')
    sum(losses.values()).backward()
    grads = {n: p.grad for n, p in model.named_parameters()
             if not n.startswith('teacher.')}
    return losses, grads


def assert_same_step(reference, other):
    ref_losses, ref_grads = reference
    losses, grads = other
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


# s1 == s2 makes the last local view and r share a resolution, so they are
# batched together too
@pytest.mark.parametrize('extra_scales', [(0.75, 1.25), (1.25, )])
def test_all_speedups_match_the_naive_step(extra_scales):
    assert_same_step(step(ALL_OFF, extra_scales),
                     step({}, extra_scales))


@pytest.mark.parametrize('name', sorted(SPEEDUPS))
def test_each_speedup_alone_matches_the_naive_step(name):
    assert_same_step(step(ALL_OFF), step({**ALL_OFF, name: True}))


def count_calls(module: torch.nn.Module) -> list:
    calls = []
    module.register_forward_hook(lambda m, i, o: calls.append(1))
    return calls


def test_batched_views_run_one_forward_per_resolution():
    torch.manual_seed(0)
    counts = {}
    for batch_views in (True, False):
        model = build(tiny_saip_cfg(speedups=dict(batch_views=batch_views),
                                    extra_scales=(1.25, )))
        student = count_calls(model.backbone.patch_embed.projection)
        teacher = count_calls(
            model.teacher['backbone'].patch_embed.projection)
        head = count_calls(model.csm_head.last_layer)
        model(**fake_batch(model), mode='loss')
        counts[batch_views] = len(student), len(teacher), len(head)
    # g1+g2, l1+l2, l3*s1 + r*s2, CSR view | g1+g2, composite | all views
    assert counts[True] == (4, 2, 1)
    # g1, g2, l1, l2, l3*s1, r*s2, CSR view | g1, g2, composite | 6 views
    assert counts[False] == (7, 3, 6)


def test_minimal_teacher_mirrors_and_runs_only_what_losses_use():
    blocks = {}
    for minimal in (True, False):
        model = build(tiny_saip_cfg(
            speedups=dict(minimal_teacher=minimal)))
        last_block = count_calls(model.teacher['backbone'].layers[-1])
        model(**fake_batch(model), mode='loss')
        blocks[minimal] = len(last_block)
        assert ('csr_head' in model.teacher.net) != minimal
    # the composite stops at block 7 (inter_index) when minimal
    assert blocks == {True: 1, False: 2}


def test_unknown_speedup_is_an_error():
    with pytest.raises(ValueError, match='unknown speedups'):
        build(tiny_saip_cfg(speedups=dict(fused_attn=True)))
