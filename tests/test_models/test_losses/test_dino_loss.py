import numpy as np
import pytest
import torch

from saip_mm.models.losses import DINOLoss
from saip_mm.registry import MODELS


def np_log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def np_dino(student, teacher, center, tau_s, tau_t):
    total, pairs = 0., 0
    for i, t in enumerate(teacher):
        p = np.exp(np_log_softmax((t - center) / tau_t))
        for v, s in enumerate(student):
            if v == i:
                continue
            total += (-p * np_log_softmax(s / tau_s)).sum(-1).mean()
            pairs += 1
    return total / pairs, pairs


def test_dino_loss_matches_numpy_and_updates_center():
    rng = np.random.default_rng(0)
    K, B = 7, 3
    student = [rng.normal(size=(B, K)) for _ in range(4)]
    teacher = [rng.normal(size=(B, K)) for _ in range(2)]
    center = rng.normal(size=(1, K)) * 0.1

    loss_fn = DINOLoss(out_channels=K, student_temp=0.1, teacher_temp=0.04,
                       center_momentum=0.9).double()
    loss_fn.center.copy_(torch.from_numpy(center))
    s_t = [torch.tensor(s, requires_grad=True) for s in student]
    loss = loss_fn(s_t, [torch.tensor(t) for t in teacher])

    expected, pairs = np_dino(student, teacher, center, 0.1, 0.04)
    assert pairs == 6
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-12)
    # the loss is evaluated with the centre *before* the update
    new_center = 0.9 * center + 0.1 * np.concatenate(teacher).mean(0)
    np.testing.assert_allclose(loss_fn.center.numpy(), new_center,
                               rtol=1e-12)
    loss.backward()
    assert all(s.grad is not None for s in s_t)


def test_dino_loss_detaches_teacher_and_center_is_persistent():
    loss_fn = DINOLoss(out_channels=5)
    teacher = [torch.randn(2, 5, requires_grad=True) for _ in range(2)]
    loss = loss_fn([torch.randn(2, 5, requires_grad=True)
                    for _ in range(3)], teacher)
    loss.backward()
    assert all(t.grad is None for t in teacher)
    assert 'center' in loss_fn.state_dict()
    assert loss_fn.center.shape == (1, 5)


def test_dino_loss_two_views_is_symmetric_pairing():
    # with V == T == 2 only the cross pairs (0, 1) and (1, 0) count
    loss_fn = DINOLoss(out_channels=4, teacher_temp=1., student_temp=1.)
    same = torch.tensor([[10., 0., 0., 0.]])
    other = torch.tensor([[0., 10., 0., 0.]])
    low = loss_fn([other, same], [same, other])
    loss_fn.center.zero_()
    high = loss_fn([same, other], [same, other])
    assert high > low + 5


def test_dino_loss_rejects_more_teacher_views():
    with pytest.raises(ValueError):
        DINOLoss(out_channels=3)([torch.zeros(1, 3)], [torch.zeros(1, 3)] * 2)


def test_dino_loss_builds_from_registry():
    loss_fn = MODELS.build(dict(type='saip_mm.DINOLoss', out_channels=11))
    assert isinstance(loss_fn, DINOLoss) and loss_fn.center.shape == (1, 11)


def test_center_update_averages_over_ranks(monkeypatch):
    """Two ranks with identical batches must give the single-rank centre."""
    from saip_mm.models.losses import dino_loss

    teacher = [torch.randn(3, 6), torch.randn(3, 6)]
    student = [torch.randn(3, 6) for _ in range(3)]
    single = DINOLoss(out_channels=6)
    single(student, teacher)

    def fake_all_reduce(data, op='sum'):
        assert op == 'sum'
        data.mul_(2)  # the other rank contributes the same sums

    monkeypatch.setattr(dino_loss, 'all_reduce', fake_all_reduce)
    monkeypatch.setattr(dino_loss, 'get_world_size', lambda: 2)
    two_ranks = DINOLoss(out_channels=6)
    two_ranks(student, teacher)
    torch.testing.assert_close(two_ranks.center, single.center)


def test_center_update_with_initialised_process_group(tmp_path):
    import torch.distributed as dist
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/store',
                            rank=0, world_size=1)
    try:
        teacher = [torch.randn(2, 4), torch.randn(2, 4)]
        loss_fn = DINOLoss(out_channels=4, center_momentum=0.5)
        loss_fn([torch.randn(2, 4) for _ in range(3)], teacher)
        expected = 0.5 * torch.cat(teacher).mean(0, keepdim=True)
        torch.testing.assert_close(loss_fn.center, expected)
    finally:
        dist.destroy_process_group()
