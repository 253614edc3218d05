"""Exact resume: a run SIGKILLed mid-epoch and restarted with ``--resume``
repeats the losses and ends in the state of an uninterrupted run."""
import signal

import torch

from saip_mm.utils import load_from_local_safe

# 8 images at batch 2: an epoch is 4 iterations. Checkpoints at 3 and 6;
# the kill comes after iteration 5, so the run resumes from iteration 3, in
# the middle of the first epoch, and crosses an epoch boundary afterwards.
MAX_ITERS, INTERVAL, KILL_AFTER = 7, 3, 5
COMMON = f"""
optim_wrapper = dict(optimizer=dict(lr=1e-3))  # every state matters
auto_scale_lr = dict(enable=False)
default_hooks = dict(checkpoint=dict(
    type='saip_mm.AtomicCheckpointHook', interval={INTERVAL},
    by_epoch=False, max_keep_ckpts=1))
"""
KILLED = f"""
custom_hooks = custom_hooks + [
    dict(type='SigkillAfterIterHook', iteration={KILL_AFTER})]
"""
LOGGED = ('loss', 'loss_csm', 'loss_csm_att', 'loss_csr', 'loss_css_inst',
          'loss_css_roi', 'teacher_momentum', 'lr')


def test_sigkill_then_resume_repeats_the_uninterrupted_run(
        tmp_path, tiny_config, start_tool, read_scalars):
    config = tiny_config(tmp_path / 'tiny.py', MAX_ITERS, COMMON)
    killed = tiny_config(tmp_path / 'tiny_killed.py', MAX_ITERS,
                         COMMON + KILLED)
    ref_dir, run_dir = tmp_path / 'uninterrupted', tmp_path / 'interrupted'
    logs = [tmp_path / f'{name}.log' for name in ('ref', 'killed', 'resumed')]
    reference = start_tool('train.py', config, '--work-dir', ref_dir,
                           log=logs[0])
    first = start_tool('train.py', killed, '--work-dir', run_dir, log=logs[1])
    assert first.wait(timeout=300) == -signal.SIGKILL, logs[1].read_text()
    assert (run_dir / 'last_checkpoint').read_text().endswith(
        f'iter_{INTERVAL}.pth')
    second = start_tool('train.py', config, '--work-dir', run_dir,
                        '--resume', log=logs[2])
    assert second.wait(timeout=300) == 0, logs[2].read_text()
    assert reference.wait(timeout=300) == 0, logs[0].read_text()
    assert f'resumed epoch: 0, iter: {INTERVAL}' in logs[2].read_text()

    (uninterrupted, ) = read_scalars(ref_dir)
    expected = {row['iter']: row for row in uninterrupted}
    assert sorted(expected) == list(range(1, MAX_ITERS + 1))
    before_kill, after_resume = read_scalars(run_dir)
    assert [r['iter'] for r in before_kill] == list(range(1, KILL_AFTER + 1))
    assert [r['iter'] for r in after_resume] == list(
        range(INTERVAL + 1, MAX_ITERS + 1))
    for row in before_kill + after_resume:
        for key in LOGGED:
            assert row[key] == expected[row['iter']][key], (row['iter'], key)

    # the end state: student, teacher, DINO centre, optimizer, lr schedule
    final = [load_from_local_safe(str(d / f'iter_{MAX_ITERS}.pth'))
             for d in (ref_dir, run_dir)]
    assert 'csm_head.loss_module.center' in final[0]['state_dict']
    for key in ('state_dict', 'optimizer'):
        torch.testing.assert_close(final[1][key], final[0][key], rtol=0,
                                   atol=0, msg=key)
    assert final[1]['param_schedulers'] == final[0]['param_schedulers']
