"""Tests for saip_mm.TrainableParamsOptimWrapperConstructor."""
import copy
import logging

import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from torch import nn

import saip_mm  # noqa: F401

PARAMWISE = dict(norm_decay_mult=0., bias_decay_mult=0., flat_decay_mult=0.)


class StudentTeacher(nn.Module):
    """A student, a frozen copy of it (SAIP's EMA teacher) and a student
    module with one frozen tensor."""

    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(8, 16), nn.LayerNorm(16),
                                      nn.Linear(16, 4))
        self.head = nn.Linear(4, 2)
        self.head.bias.requires_grad_(False)
        self.teacher = copy.deepcopy(self.backbone).requires_grad_(False)


class Records(logging.Handler):

    def __init__(self) -> None:
        super().__init__()
        self.messages = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.INFO:  # not the registries' DEBUG
            self.messages.append((record.levelno, record.getMessage()))


@pytest.fixture
def records():
    logger = MMLogger.get_current_instance()
    handler = Records()
    logger.addHandler(handler)
    yield handler.messages
    logger.removeHandler(handler)


def build(model: nn.Module, constructor: str):
    return build_optim_wrapper(model, dict(
        constructor=constructor,
        optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
        paramwise_cfg=PARAMWISE))


def settings(optim_wrapper) -> dict:
    """Every optimised parameter's settings (its group's, but params)."""
    return {id(p): {k: v for k, v in g.items() if k != 'params'}
            for g in optim_wrapper.optimizer.param_groups
            for p in g['params']}


def test_same_settings_as_mmengine_in_merged_groups_and_a_summary(records):
    model = StudentTeacher()
    default = build(model, 'DefaultOptimWrapperConstructor')
    assert any('is skipped since its requires_grad=False' in m
               for _, m in records)
    records.clear()
    ours = build(model, 'saip_mm.TrainableParamsOptimWrapperConstructor')
    # every parameter keeps its lr, weight decay and the rest, in one group
    # per setting instead of one per parameter
    assert settings(ours) == settings(default)
    assert {s['weight_decay'] for s in settings(ours).values()} == {0, 0.05}
    assert len(default.optimizer.param_groups) == 7
    assert len(ours.optimizer.param_groups) == 2
    optimised = [id(p) for g in ours.optimizer.param_groups
                 for p in g['params']]
    assert sorted(optimised) == sorted(
        id(p) for p in model.parameters() if p.requires_grad)
    assert [level for level, _ in records] == [logging.INFO]
    assert records[0][1] == '\n'.join([
        'optimizer: 7 trainable tensors, 252 parameters, in these param '
        'groups:',
        '  lr=0.001, weight_decay=0: 4 tensors, 52 parameters',
        '  lr=0.001, weight_decay=0.05: 3 tensors, 200 parameters',
        '  not optimised (requires_grad=False): head 1 tensors, 2 '
        'parameters; teacher 6 tensors, 244 parameters'])


def test_merged_groups_step_and_resume_as_per_parameter_groups():
    """The merged optimizer updates as mmengine's does, and its state dict
    loads into a fresh merged optimizer."""
    torch.manual_seed(0)
    models = [StudentTeacher(), None, None]
    models[1:] = copy.deepcopy(models[0]), copy.deepcopy(models[0])
    kinds = ('DefaultOptimWrapperConstructor',
             'saip_mm.TrainableParamsOptimWrapperConstructor',
             'saip_mm.TrainableParamsOptimWrapperConstructor')
    wrappers = [build(m, kind) for m, kind in zip(models, kinds)]
    x = torch.randn(4, 8)
    for step in range(3):
        if step == 2:  # resume the third model from the second's state
            # (a copy, as from a file: loading shares same-device tensors)
            wrappers[2].load_state_dict(
                copy.deepcopy(wrappers[1].state_dict()))
            models[2].load_state_dict(models[1].state_dict())
        for model, wrapper in zip(models, wrappers):
            wrapper.update_params(model.head(model.backbone(x)).square()
                                  .sum())
    for name, param in models[0].named_parameters():
        for other in models[1:]:
            torch.testing.assert_close(other.get_parameter(name), param,
                                       rtol=0, atol=0)
    # a checkpoint saved with one group per parameter does not load
    with pytest.raises(ValueError, match='parameter groups'):
        wrappers[1].load_state_dict(wrappers[0].state_dict())


def test_layer_decay_builds_on_it(records):
    from saip_mm.models.backbones import SAIPViT

    model = nn.Module()
    model.backbone = SAIPViT('tiny', img_size=(64, 32), inter_index=None,
                             frozen_stages=0)
    model.head = nn.Linear(192, 4)
    optim_wrapper = build_optim_wrapper(model, dict(
        constructor='saip_mm.LayerDecayOptimWrapperConstructor',
        optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
        paramwise_cfg=dict(layer_decay_rate=0.75)))
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    assert frozen  # the patch embedding and the position embedding
    assert sum(len(g['params']) for g in
               optim_wrapper.optimizer.param_groups) == \
        len(list(model.parameters())) - len(frozen)
    messages = [m for _, m in records]
    assert not any('requires_grad=False' in m and 'not optimised' not in m
                   for m in messages)
    assert not any(m.startswith('paramwise_options') for m in messages)
    assert messages[0].startswith('optimizer: ')
    assert messages[1].startswith('layer-wise lr decay (rate 0.75):')
    loss = model.head(model.backbone(torch.rand(1, 3, 64, 32))[0]).sum()
    loss.backward()
    optim_wrapper.step()
