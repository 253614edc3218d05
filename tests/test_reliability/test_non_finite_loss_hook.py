"""NonFiniteLossHook: a NaN loss never reaches the student, the teacher, the
DINO centre or the optimizer state."""
import copy
import re
from pathlib import Path

import pytest
import torch
from mmengine.hooks import Hook

from saip_mm.engine.hooks import NonFiniteLossHook

POISONED = 3  # PoisonInputHook: one NaN pixel in g1 at this iteration
GUARDED = """
optim_wrapper = dict(optimizer=dict(lr=1e-3), accumulative_counts={accum})
auto_scale_lr = dict(enable=False)
custom_hooks = custom_hooks + [
    dict(type='saip_mm.NonFiniteLossHook', action='{action}'),
    dict(type='PoisonInputHook', iteration={poisoned})]
"""


class Snapshots(Hook):
    """Model and optimizer state after every iteration, after every other
    hook (the teacher update included)."""

    priority = 'LOWEST'

    def __init__(self) -> None:
        self.states = {}

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        self.states[runner.iter + 1] = copy.deepcopy(
            (runner.model.state_dict(), runner.optim_wrapper.state_dict()))


def guarded_run(tiny_runner, action: str, max_iters: int, accum: int = 1):
    """12 images at batch 2: no epoch boundary (and its 2 s pause)."""
    runner = tiny_runner(max_iters, GUARDED.format(
        action=action, accum=accum, poisoned=POISONED), num_images=12)
    snapshots = Snapshots()
    runner.register_hook(snapshots)
    return runner, snapshots.states


def test_raise_names_terms_and_iteration_and_keeps_the_last_good_state(
        tiny_runner):
    runner, states = guarded_run(tiny_runner, 'raise', max_iters=4)
    with pytest.raises(FloatingPointError) as info:
        runner.train()
    message = str(info.value)
    assert f'non-finite loss at iteration {POISONED}: loss_csm=nan' in message
    assert 'loss_csr=nan' in message and 'loss_css_inst=nan' in message
    assert 'loss_css_roi' not in message  # finite: not blamed
    # student, teacher, DINO centre and optimizer exactly as after the last
    # good iteration: no backward, step or teacher update happened, and the
    # centre the NaN forward had updated was put back
    model_state, optim_state = states[POISONED - 1]
    torch.testing.assert_close(runner.model.state_dict(), model_state,
                               rtol=0, atol=0)
    torch.testing.assert_close(runner.optim_wrapper.state_dict(),
                               optim_state, rtol=0, atol=0)


@pytest.mark.parametrize('accum', [1, 2])
def test_skip_drops_the_step_counts_it_and_trains_on(tiny_runner, accum):
    """With accumulation 2, iterations 3 and 4 form one optimizer step: the
    NaN in iteration 3 drops the whole step."""
    window_end = POISONED + accum - 1
    max_iters = window_end + accum  # and one good step after it
    runner, states = guarded_run(tiny_runner, 'skip', max_iters, accum)
    runner.train()
    before = states[POISONED - 1][0]
    # the centre update of the NaN forward was undone ...
    center = 'csm_head.loss_module.center'
    torch.testing.assert_close(states[POISONED][0][center], before[center],
                               rtol=0, atol=0)
    # ... and the student did not move in the step that held its gradients
    student = [n for n, p in runner.model.named_parameters()
               if p.requires_grad]
    torch.testing.assert_close(
        {n: states[window_end][0][n] for n in student},
        {n: before[n] for n in student}, rtol=0, atol=0)
    # then training goes on, finite, with one optimizer step fewer
    final_model, final_optim = states[max_iters]
    assert all(torch.isfinite(v).all() for v in final_model.values()
               if v.is_floating_point())
    steps = {int(s['step']) for s in final_optim['state'].values()}
    assert steps == {max_iters // accum - 1}
    logged = runner.message_hub.get_scalar('train/skipped_steps').data[0]
    assert logged.tolist() == [0] * (POISONED - 1) + [1] * (
        max_iters - POISONED + 1)
    log = Path(runner.log_dir, f'{runner.timestamp}.log').read_text()
    assert re.search(
        f'WARNING - non-finite loss at iteration {POISONED}: loss_csm=nan.*'
        'skipping its optimizer step \\(1 skipped so far\\)', log)


def test_invalid_action():
    with pytest.raises(ValueError, match='action'):
        NonFiniteLossHook(action='ignore')
