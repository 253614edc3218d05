"""TeacherMomentumHook: cosine schedule, once per optimizer step."""
import math
from types import SimpleNamespace

import pytest

from saip_mm.engine.hooks import TeacherMomentumHook


class RecordingModel:
    def __init__(self):
        self.momenta = []

    def update_teacher(self, momentum):
        self.momenta.append(momentum)


def fake_runner(max_iters, accum=1, max_epochs=1):
    hub = SimpleNamespace(update_scalar=lambda *a: None)
    return SimpleNamespace(
        model=RecordingModel(), iter=0, max_iters=max_iters,
        max_epochs=max_epochs, message_hub=hub,
        optim_wrapper=SimpleNamespace(_accumulative_counts=accum))


def run(hook, runner):
    for it in range(runner.max_iters):
        runner.iter = it
        hook.after_train_iter(runner, it)
    return runner.model.momenta


def test_cosine_from_start_to_end():
    momenta = run(TeacherMomentumHook(), fake_runner(5))
    assert momenta[0] == pytest.approx(0.996)
    assert momenta[-1] == pytest.approx(1.0)
    mid = 1 - 0.004 * (math.cos(math.pi * 0.5) + 1) / 2
    assert momenta[2] == pytest.approx(mid)
    assert momenta == sorted(momenta)


def test_once_per_optimizer_step_with_accumulation():
    momenta = run(TeacherMomentumHook(), fake_runner(12, accum=4))
    assert len(momenta) == 3
    assert momenta[0] == pytest.approx(0.996)
    assert momenta[-1] == pytest.approx(1.0)


def test_reference_mode_restarts_every_epoch_and_every_micro_step():
    momenta = run(TeacherMomentumHook(mode='reference'),
                  fake_runner(12, accum=4, max_epochs=3))
    assert len(momenta) == 12
    # indexed by the iteration within the epoch: never leaves ~0.996
    assert momenta[0] == momenta[4] == momenta[8] == pytest.approx(0.996)
    assert max(momenta) < 0.997


def test_bad_mode():
    with pytest.raises(ValueError):
        TeacherMomentumHook(mode='other')
