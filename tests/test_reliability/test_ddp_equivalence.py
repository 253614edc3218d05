"""DDP equivalence: ``tools/dist_train.sh`` with 2 CPU processes (gloo) at
batch B per process learns what one process learns at batch 2B; and a NaN on
one rank stops every rank."""
import json
import re
from pathlib import Path

import pytest
import torch

from saip_mm.utils import load_from_local_safe

ITERS, BATCH = 3, 2
# What must line up for the two runs to be comparable:
# - samples: DefaultSampler gives rank r the indices r, r + 2, ... of the
#   same shuffled order, so each step the two ranks together hold exactly
#   the 2B samples of the single process;
# - pixels: each sample's augmentation is seeded by its index
#   (SeedPerSample), not by the process that happens to load it;
# - model draws (the extra scales): diff_rank_seed=False, so with
#   IterationSeedHook every rank draws what the single process draws;
# - CSR is off: its masks are drawn per process for the local batch, so
#   CSR under DDP matches a single process statistically, not numerically
#   (like BatchNorm statistics).
# DINO (its centre all-reduced over ranks), the attention KL and CSS are
# batch means: the mean over ranks of the per-rank losses is the loss of the
# whole batch, and DDP's averaged gradient is its gradient. The optimizer is
# SGD: AdamW divides by the gradient's own scale, which blows float noise in
# gradients that are zero in exact arithmetic (the key bias of attention)
# up to full-size updates that differ between any two summation orders.
# After the checkpoint at ITERS, iteration ITERS + 1 gets a NaN on the last
# rank only.
EXTRA = f"""
model['csr_head'] = None
train_dataloader['dataset']['pipeline'] = [
    dict(type='saip_mm.LoadPersonImage'),
    dict(type='SeedPerSample', transforms=views_and_composite),
    dict(type='saip_mm.PackSAIPInputs')]
randomness = dict(seed=0, diff_rank_seed=False)
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='SGD', lr=0.01, momentum=0.9,
                   weight_decay=0.))
auto_scale_lr = dict(enable=False)
default_hooks = dict(checkpoint=dict(type='saip_mm.AtomicCheckpointHook',
                                     interval={ITERS}, by_epoch=False))
custom_hooks = custom_hooks + [
    dict(type='saip_mm.NonFiniteLossHook', action='raise'),
    dict(type='RecordRankLossesHook'),
    dict(type='PoisonInputHook', iteration={ITERS + 1})]
"""


@pytest.fixture(scope='module')
def runs(tmp_path_factory, tiny_config, start_tool) -> Path:
    """Both runs, to the end (the NaN stops them at ITERS + 1)."""
    root = tmp_path_factory.mktemp('ddp')
    # 16 images: 4 steps of 2B = 4 samples, one epoch, no reshuffle
    config = tiny_config(root / 'tiny_ddp.py', ITERS + 1, EXTRA,
                         num_images=16)
    ddp = start_tool('dist_train.sh', config, 2, '--work-dir', root / 'ddp',
                     log=root / 'ddp.log')
    single = start_tool('train.py', config, '--work-dir', root / 'single',
                        '--cfg-options',
                        f'train_dataloader.batch_size={2 * BATCH}',
                        log=root / 'single.log')
    for process, log in ((ddp, 'ddp.log'), (single, 'single.log')):
        assert process.wait(timeout=300) != 0
        output = (root / log).read_text()
        # anything else than the planted NaN stopping the run is a failure
        assert 'FloatingPointError: non-finite loss' in output, output[-5000:]
    return root


def rank_losses(path: Path) -> dict:
    """{iteration: {term: value}} of one rank."""
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return {row.pop('iter'): row for row in rows}


def test_two_processes_at_b_match_one_at_2b(runs):
    assert 'Distributed training: True' in (runs / 'ddp.log').read_text()
    expected = rank_losses(runs / 'single' / 'losses_rank0.jsonl')
    ranks = [rank_losses(runs / 'ddp' / f'losses_rank{r}.jsonl')
             for r in (0, 1)]
    assert sorted(expected) == sorted(ranks[0]) == list(range(1, ITERS + 1))
    assert ranks[0][1] != ranks[1][1]  # the ranks saw different samples
    for it, terms in expected.items():
        # the CSM monitors (csm_*) are per-rank statistics, logged only
        terms = {k: v for k, v in terms.items() if 'loss' in k}
        assert set(terms) == {'loss', 'loss_csm', 'loss_csm_att',
                              'loss_css_inst', 'loss_css_roi'}
        for term, value in terms.items():
            mean = (ranks[0][it][term] + ranks[1][it][term]) / 2
            # the attention KL starts at 0 (teacher = student) and stays
            # ~1e-7 over these few SGD steps: float noise needs a floor
            assert abs(mean - value) <= 1e-5 * abs(value) + 1e-8, (it, term)

    # after the last step: student, teacher and the all-reduced DINO centre
    states = [
        load_from_local_safe(str(runs / d / f'iter_{ITERS}.pth'))
        ['state_dict'] for d in ('single', 'ddp')
    ]
    assert states[0]['csm_head.loss_module.center'].abs().sum() > 0
    torch.testing.assert_close(states[1], states[0], rtol=1e-5, atol=1e-5)


def test_nan_on_one_rank_stops_every_rank(runs):
    ddp_log = (runs / 'ddp.log').read_text()
    # rank 0's own losses were finite: it stops on the all-reduced verdict
    for rank in (0, 1):
        raised = re.search(
            rf'\[rank{rank}\]: FloatingPointError: non-finite loss at '
            rf'iteration {ITERS + 1}: (.*)', ddp_log)
        assert raised, ddp_log[-3000:]
        assert 'loss_csm=' in raised.group(1)
        assert 'non-finite on 1 of 2 ranks' in raised.group(1)
        assert 'loss_css_roi' not in raised.group(1)
    assert f'FloatingPointError: non-finite loss at iteration {ITERS + 1}: ' \
        'loss_csm=nan, loss_csm_att=nan, loss_css_inst=nan.' in (
            runs / 'single.log').read_text()
    # nothing was written after the last good iteration
    assert sorted(p.name for p in (runs / 'ddp').glob('*.pth')) == [
        f'iter_{ITERS}.pth'
    ]
