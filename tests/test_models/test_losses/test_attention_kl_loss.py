import numpy as np
import torch

from saip_mm.models.losses import AttentionKLLoss


def np_softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def np_kl(t, s, eps):
    return (t * (np.log(t + eps) - np.log(s + eps))).sum(-1).mean()


def test_attention_kl_matches_numpy():
    rng = np.random.default_rng(1)
    shape = (2, 3, 5, 5)  # B, heads, N, N
    views = 2
    student = [(np_softmax(rng.normal(size=shape)),
                np_softmax(rng.normal(size=shape))) for _ in range(views)]
    teacher = [(np_softmax(rng.normal(size=shape) * 3),
                np_softmax(rng.normal(size=shape) * 3)) for _ in range(views)]
    # an exact zero exercises eps
    teacher[0][0][0, 0, 0] = np.eye(5)[0]

    eps = 1e-10
    expected = np.mean([
        np_kl(t_qk, s_qk, eps) + np_kl(t_vv, s_vv, eps)
        for (s_qk, s_vv), (t_qk, t_vv) in zip(student, teacher)
    ])
    to_t = lambda pair: tuple(torch.tensor(m) for m in pair)  # noqa: E731
    s_maps = [tuple(m.requires_grad_() for m in to_t(p)) for p in student]
    t_maps = [tuple(m.requires_grad_() for m in to_t(p)) for p in teacher]
    loss = AttentionKLLoss(eps=eps)(s_maps, t_maps)
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-10)

    loss.backward()
    assert s_maps[0][0].grad is not None
    assert t_maps[0][0].grad is None


def test_attention_kl_zero_for_identical_maps():
    maps = [(torch.rand(1, 2, 4, 4).softmax(-1),
             torch.rand(1, 2, 4, 4).softmax(-1))]
    assert AttentionKLLoss()(maps, maps).abs().item() < 1e-6
