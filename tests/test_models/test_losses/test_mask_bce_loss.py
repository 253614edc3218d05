import math

import torch
import torch.nn.functional as F

from saip_mm.registry import MODELS


def test_mask_bce_is_the_mean_over_cells_in_float32():
    loss = MODELS.build(dict(type='saip_mm.MaskBCELoss'))
    logits = torch.randn(2, 14, 14, dtype=torch.bfloat16)
    target = (torch.rand(2, 14, 14) > 0.5).to(torch.uint8)
    value = loss(logits, target)
    assert value.dtype == torch.float32
    x, t = logits.float(), target.float()
    by_hand = (F.softplus(x) - t * x).mean()
    torch.testing.assert_close(value, by_hand)
    # logits 0 are a coin flip whatever the target
    assert math.isclose(loss(torch.zeros(1, 4, 4), t[:1, :4, :4]).item(),
                        math.log(2), rel_tol=1e-6)
