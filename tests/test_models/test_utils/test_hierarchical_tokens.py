"""HierarchicalTokens: SAIP's token interface on a multi-stage net."""
from typing import List, Optional

import pytest
import torch
from torch import Tensor, nn

from saip_mm.models.utils import HierarchicalTokens


class FourStages(nn.Module):
    """A small net with the hierarchical interface: a stem of two
    overlapping 3x3 stride-2 convolutions (as TinyViT's) and four stages at
    strides 4, 8, 16 and 32."""

    channels = [8, 12, 16, 24]
    num_stages = 4
    stem_stride = 4
    stage_strides = [4, 8, 16, 32]
    norm_name = 'norm3'

    def __init__(self, img_size=(256, 128), use_mask_token=True) -> None:
        super().__init__()
        self.img_size = img_size
        c = self.channels
        self.stem = nn.Sequential(nn.Conv2d(3, c[0], 3, 2, 1), nn.GELU(),
                                  nn.Conv2d(c[0], c[0], 3, 2, 1))
        self.stages = nn.ModuleList(
            [nn.Conv2d(c[0], c[0], 3, 1, 1)] +
            [nn.Conv2d(c[i - 1], c[i], 3, 2, 1) for i in range(1, 4)])
        self.norm3 = nn.LayerNorm(c[3])
        if use_mask_token:
            self.mask_token = nn.Parameter(torch.randn(1, c[0], 1, 1))
        self.masks: List[Optional[Tensor]] = []

    def forward_stages(self, x: Tensor, mask: Optional[Tensor] = None,
                       num_stages: Optional[int] = None) -> List[Tensor]:
        self.masks.append(mask)
        x = self.stem(x)
        if mask is not None:
            x = torch.where(mask.unsqueeze(1), self.mask_token, x)
        outs = []
        for stage in self.stages[:num_stages or self.num_stages]:
            x = stage(x)
            outs.append(x)
        return outs

    def stage_modules(self, first: int) -> List[nn.Module]:
        return list(self.stages[first:])

    def forward(self, x: Tensor):
        return (self.forward_stages(x)[-1].mean((2, 3)), )


def adapter(**kwargs) -> HierarchicalTokens:
    torch.manual_seed(0)
    return HierarchicalTokens(dict(type=FourStages, **kwargs))


@pytest.mark.parametrize('hw', [(256, 128), (320, 160), (48, 24)])
def test_tokens_put_the_mean_cell_first_on_the_inter_grid(hw):
    model = adapter()
    out = model.forward_saip(torch.rand(2, 3, *hw))
    grid = model.patch_grid(hw)
    assert out['grid'] == grid == ((hw[0] + 15) // 16, (hw[1] + 15) // 16)
    assert out['inter'].shape == (2, 1 + grid[0] * grid[1], 16)
    final_cells = ((hw[0] + 31) // 32) * ((hw[1] + 31) // 32)
    assert out['final'].shape == (2, 1 + final_cells, 24)
    assert out['attn'] is None
    assert model.grid_size == (16, 8)
    assert (model.embed_dims, model.inter_dims, model.inter_index) == \
        (24, 16, 2)
    # num_blocks counts stages: the inter stage runs, the last does not
    part = model.forward_saip(torch.rand(2, 3, *hw), num_blocks=3)
    assert part['final'] is None and part['inter'].shape == out['inter'].shape


def test_cls_is_the_normed_mean_and_keep_ids_pick_cells_in_order():
    feat = torch.randn(2, 5, 4, 3)
    keep = torch.tensor([[7, 0, 11], [2, 9, 4]])
    tokens = HierarchicalTokens.tokens(feat, nn.Identity(), keep)
    cells = feat.flatten(2).transpose(1, 2)
    torch.testing.assert_close(tokens[:, 0], cells.mean(1))
    torch.testing.assert_close(tokens[:, 1:],
                               torch.stack([cells[0, keep[0]],
                                            cells[1, keep[1]]]))


def keep_ids(batch: int, cells: int, keep: int) -> Tensor:
    return torch.stack([torch.randperm(cells)[:keep] for _ in range(batch)])


def test_mask_token_goes_exactly_to_the_stem_cells_of_hidden_cells():
    model = adapter()
    keep = keep_ids(2, 20 * 10, 50)
    model.forward_saip(torch.rand(2, 3, 320, 160), num_blocks=3,
                       keep_ids=keep)
    mask = model.net.masks[-1]
    assert mask.shape == (2, 80, 40) and mask.dtype == torch.bool
    hidden = torch.ones(2, 200, dtype=torch.bool)
    hidden[torch.arange(2)[:, None], keep] = False
    rows, cols = torch.meshgrid(torch.arange(80), torch.arange(40),
                                indexing='ij')
    expected = hidden.view(2, 20, 10)[:, rows // 4, cols // 4]
    assert torch.equal(mask, expected)
    assert mask.sum() == 2 * 150 * 16
    # without keep_ids nothing is masked
    model.forward_saip(torch.rand(1, 3, 320, 160))
    assert model.net.masks[-1] is None


def test_no_pixel_of_a_hidden_cell_reaches_the_encoder():
    model = adapter()
    keep = keep_ids(2, 200, 50)
    x = torch.rand(2, 3, 320, 160)
    out = model.forward_saip(x, num_blocks=3, keep_ids=keep)['inter']
    assert out.shape == (2, 1 + 50, 16)
    hidden = model.hidden_cells(keep, (20, 10))
    pixels = model.upsample(hidden, 16, (320, 160)).unsqueeze(1)
    changed = torch.where(pixels, torch.rand_like(x), x)
    again = model.forward_saip(changed, num_blocks=3, keep_ids=keep)
    torch.testing.assert_close(again['inter'], out, rtol=0, atol=0)
    # a visible cell's pixels do reach it (the test can fail)
    r, c = divmod(keep[0, 0].item(), 10)
    visible = x.clone()
    visible[0, :, 16 * r:16 * r + 16, 16 * c:16 * c + 16] += 1.
    moved = model.forward_saip(visible, num_blocks=3, keep_ids=keep)
    assert not torch.allclose(moved['inter'][0], out[0])


def test_attention_maps_are_refused_with_the_setting_to_change():
    with pytest.raises(ValueError, match='att_loss_weight=0'):
        adapter().forward_saip(torch.rand(1, 3, 64, 32), return_attn=True)


def test_inter_stage_must_leave_a_final_stage():
    with pytest.raises(ValueError, match='inter_stage'):
        HierarchicalTokens(dict(type=FourStages), inter_stage=3)


def test_freeze_unread_freezes_later_stages_and_unread_norms():
    model = adapter()
    model.freeze_unread(final=True, inter=False)
    assert not any(p.requires_grad for p in model.net.stages[3].parameters())
    assert not model.net.norm3.weight.requires_grad
    assert all(p.requires_grad for p in model.net.stages[2].parameters())
    assert model.inter_norm.weight.requires_grad
    model = adapter()
    model.freeze_unread(final=False, inter=True)
    assert not model.inter_norm.weight.requires_grad
    assert model.net.norm3.weight.requires_grad
