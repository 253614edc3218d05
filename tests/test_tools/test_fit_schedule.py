"""tools/train.py fits ``param_scheduler`` to a loop shortened by
``--cfg-options``: every downstream config accepts ``train_cfg.max_iters=2``.
"""
import copy
from pathlib import Path

import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import PARAM_SCHEDULERS

REPO_ROOT = Path(__file__).resolve().parents[2]
REID = 'configs/reid/saip-vit-t_reid_market1501-256x128.py'


@pytest.fixture(scope='module')
def train_tool(tools_module):
    module = tools_module('train.py')
    module.import_saip_mm()
    return module


def merged(train_tool, config, *options, flags=()):
    args = train_tool.build_parser().parse_args(
        [str(REPO_ROOT / config), *flags, '--cfg-options', *options])
    return train_tool.merge_args(train_tool.load_config(args), args)


def learning_rates(cfg, iters: int) -> list:
    """Build the schedulers as mmengine's runner does (``end`` defaults to
    the loop length) and step them through the loop: the lr of each step.
    """
    param = torch.nn.Parameter(torch.zeros(1))
    optim = OptimWrapper(torch.optim.SGD([param], lr=1.0))
    schedulers = []
    for scheduler in copy.deepcopy(cfg.param_scheduler):
        scheduler.pop('_scope_', None)
        scheduler.setdefault('end', iters)
        schedulers.append(PARAM_SCHEDULERS.build(
            scheduler, default_args=dict(optimizer=optim, epoch_length=1)))
    rates = []
    for _ in range(iters):
        rates.append(optim.get_lr()['lr'][0])
        for scheduler in schedulers:
            scheduler.step()
    return rates


def test_every_downstream_config_is_found(downstream_configs):
    assert len(downstream_configs) >= 12


def test_max_iters_2_trains_two_iterations(train_tool, downstream_config):
    cfg = merged(train_tool, downstream_config, 'train_cfg.max_iters=2')
    assert cfg.train_cfg.type == 'IterBasedTrainLoop'
    assert cfg.train_cfg.max_iters == 2
    for scheduler in cfg.param_scheduler:
        assert scheduler['by_epoch'] is False
        assert scheduler.get('begin', 0) < scheduler.get('end', 2) <= 2
    rates = learning_rates(cfg, 2)
    # a poly decay reaches its eta_min (0) at the last step, as in full runs
    assert len(rates) == 2 and all(0 <= lr <= 1 for lr in rates)
    assert rates[0] > 0


def test_shorter_iteration_schedule_keeps_its_fractions(train_tool):
    cfg = merged(train_tool, REID, 'train_cfg.max_iters=2400')
    warmup, cosine = cfg.param_scheduler
    # 1000 of 24000 iterations of warm-up, cosine to the end
    assert (warmup.begin, warmup.end) == (0, 100)
    assert (cosine.begin, cosine.end) == (100, 2400)


def test_shorter_epoch_schedule_scales_epochs_only(train_tool):
    cfg = merged(train_tool,
                 'configs/detection/saip-vit-t_faster-rcnn_sfp_coco-person.py',
                 'train_cfg.max_epochs=6')
    warmup, steps = cfg.param_scheduler
    assert cfg.train_cfg.max_epochs == 6
    assert warmup.end == 500  # an iteration warm-up is not an epoch span
    assert steps.milestones == [4, 5] and steps.end == 6


def test_the_issues_failure_names_the_keys_with_keep_schedule(train_tool):
    with pytest.raises(SystemExit, match=r'param_scheduler\[1\] \(PolyLR\) '
                       r'begins at iter 1500 but ends at 2.*'
                       r'param_scheduler\.1\.begin'):
        merged(train_tool,
               'configs/parsing/saip-vit-t_upernet_lip-512x512.py',
               'train_cfg.max_iters=2', flags=['--keep-schedule'])


def test_explicit_scheduler_options_are_not_rescaled(train_tool):
    cfg = merged(train_tool,
                 'configs/parsing/saip-vit-t_upernet_lip-512x512.py',
                 'train_cfg.max_iters=3', 'param_scheduler.0.end=2',
                 'param_scheduler.1.begin=2')
    assert cfg.param_scheduler[0].end == 2
    assert cfg.param_scheduler[1].begin == 2


def test_max_epochs_on_an_iteration_config_names_max_iters(train_tool):
    with pytest.raises(SystemExit, match='set train_cfg.max_iters instead'):
        merged(train_tool, REID, 'train_cfg.max_epochs=2')
