import torch

from saip_mm.models.backbones import SAIPViT
from saip_mm.models.utils import apply_per_view, encode_views


def test_encode_views_batches_by_resolution_in_view_order():
    torch.manual_seed(0)
    model = SAIPViT(arch=dict(embed_dims=32, num_layers=2, num_heads=2),
                    inter_index=0).eval()
    views = [torch.rand(2, 3, 64, 32), torch.rand(2, 3, 32, 16),
             torch.rand(2, 3, 64, 32)]
    calls = []
    model.patch_embed.projection.register_forward_hook(
        lambda m, i, o: calls.append(i[0].shape[0]))
    outs = encode_views(model, views, return_attn=True)
    assert calls == [4, 2]  # the two 64 x 32 views ran as one batch
    for view, out in zip(views, outs):
        alone = model.forward_saip(view, return_attn=True)
        torch.testing.assert_close(out['final'], alone['final'])
        torch.testing.assert_close(out['inter'], alone['inter'])
        for batched, single in zip(out['attn'], alone['attn']):
            torch.testing.assert_close(batched, single)
        assert out['grid'] == alone['grid']


def test_apply_per_view_is_one_call():
    linear = torch.nn.Linear(4, 3)
    calls = []
    linear.register_forward_hook(lambda *args: calls.append(1))
    inputs = [torch.rand(2, 4), torch.rand(5, 4)]
    outs = apply_per_view(linear, inputs)
    assert len(calls) == 1
    for x, out in zip(inputs, outs):
        torch.testing.assert_close(out, linear(x))
