"""AtomicCheckpointHook: a kill while saving leaves the previous checkpoint
in place, loadable, and named by ``last_checkpoint``."""
import builtins
import os
import signal

import pytest
from mmengine.fileio.backends import local_backend

from saip_mm.utils import checkpoint_loader, load_from_local_safe
from saip_mm.utils.checkpoint_loader import TMP_SUFFIX

SAVE_EVERY_ITER = """
default_hooks = dict(checkpoint=dict(
    type='{hook}', interval=1, by_epoch=False, max_keep_ckpts={keep}))
"""


class SimulatedKill(BaseException):
    """The process dies while writing (a BaseException: nothing catches
    it on the way out)."""


def die_while_writing(monkeypatch, name: str) -> None:
    """Make the next write of a file whose path contains ``name`` write
    half of its bytes and then die, in mmengine's local backend and in
    ours."""
    real_open = builtins.open

    class HalfWriter:

        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc_info):
            self.handle.close()

        def write(self, data: bytes):
            self.handle.write(data[:len(data) // 2])
            self.handle.flush()
            raise SimulatedKill(self.handle.name)

    def open_(file, mode='r', *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        if name in str(file) and 'w' in mode:
            return HalfWriter(handle)
        return handle

    for module in (local_backend, checkpoint_loader):
        monkeypatch.setattr(module, 'open', open_, raising=False)


@pytest.mark.parametrize('hook,survives', [
    ('saip_mm.AtomicCheckpointHook', True),
    # mmengine's hook removes iter_1.pth before writing iter_2.pth in place:
    # this is what the test would catch
    ('CheckpointHook', False),
])
def test_kill_while_saving_keeps_the_previous_checkpoint(
        tiny_runner, monkeypatch, hook, survives):
    runner = tiny_runner(2, SAVE_EVERY_ITER.format(hook=hook, keep=1))
    work_dir = runner.work_dir
    die_while_writing(monkeypatch, 'iter_2.pth')
    with pytest.raises(SimulatedKill):
        runner.train()
    monkeypatch.undo()
    previous = os.path.join(work_dir, 'iter_1.pth')
    if not survives:
        assert not os.path.exists(previous)
        with pytest.raises(Exception):
            load_from_local_safe(os.path.join(work_dir, 'iter_2.pth'))
        return
    assert set(os.listdir(work_dir)) == {
        'iter_1.pth', 'last_checkpoint', runner.timestamp, 'tiny.py'
    }
    with open(os.path.join(work_dir, 'last_checkpoint')) as file:
        assert file.read() == previous
    assert load_from_local_safe(previous)['meta']['iter'] == 1
    # a SIGKILL would also leave the temporary file behind
    stale = os.path.join(work_dir, f'iter_2.pth{TMP_SUFFIX}')
    with open(stale, 'wb') as file:
        file.write(b'partial')

    resumed = tiny_runner(2, SAVE_EVERY_ITER.format(hook=hook, keep=1) +
                          'resume = True\n')
    resumed.train()
    assert resumed.iter == 2
    assert not os.path.exists(stale)
    assert sorted(p for p in os.listdir(work_dir) if p.endswith('.pth')) == [
        'iter_2.pth'
    ]


def test_keeps_the_latest_checkpoints(tiny_runner):
    runner = tiny_runner(
        4, SAVE_EVERY_ITER.format(hook='saip_mm.AtomicCheckpointHook',
                                  keep=2))
    runner.train()
    files = sorted(p for p in os.listdir(runner.work_dir)
                   if p.endswith(('.pth', TMP_SUFFIX)))
    assert files == ['iter_3.pth', 'iter_4.pth']
    assert runner.message_hub.get_info('keep_ckpt_ids') == [3, 4]
    # mmengine's warnings about the FileClient it builds and never uses
    # (once before training, once per save) stay out of the log
    with open(os.path.join(runner.log_dir, f'{runner.timestamp}.log')) as f:
        log = f.read()
    assert 'Saving checkpoint at 4 iterations' in log
    assert '"FileClient" will be deprecated' not in log
    assert '"HardDiskBackend" is the alias' not in log


def test_sigkill_between_write_and_rename_leaves_the_old_file(tmp_path):
    target = tmp_path / 'epoch_1.pth'
    target.write_bytes(b'complete old checkpoint')
    pid = os.fork()
    if pid == 0:  # child: die by SIGKILL with the new bytes on disk
        os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)
        checkpoint_loader.write_atomic(b'new', target)
        os._exit(0)  # not reached
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status)
    assert os.WTERMSIG(status) == signal.SIGKILL
    assert target.read_bytes() == b'complete old checkpoint'
    assert (tmp_path / f'epoch_1.pth{TMP_SUFFIX}').read_bytes() == b'new'
