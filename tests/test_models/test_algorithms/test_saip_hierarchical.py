"""SAIP with a hierarchical student (configs/saip/saip_tinyvit-5m*.py)."""
from pathlib import Path

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.structures import DataSample

from saip_mm.registry import MODELS

CONFIGS = Path(__file__).resolve().parents[3] / 'configs' / 'saip'


def build(name: str, **model_options):
    cfg = Config.fromfile(str(CONFIGS / name))
    for key, value in model_options.items():
        cfg.model[key].update(value)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def small_proxy():
    """The CPU proxy with narrow heads: the wiring, not the capacity."""
    torch.manual_seed(0)
    return build('saip_tinyvit-5m_cpu-proxy.py',
                 csm_head=dict(hidden_channels=64, out_channels=256),
                 csr_head=dict(embed_dims=64, depth=1, num_heads=2),
                 css_head=dict(embed_dims=64, num_heads=2,
                               num_query_blocks=1, num_mask_convs=1))


def proxy_batch(model, batch_size: int = 2) -> dict:
    """Views of the proxy's sizes in packing order (g1, g2, 4 locals, r,
    composite) with paste masks."""
    g = [torch.randint(0, 256, (batch_size, 3, 128, 64)).float()
         for _ in range(2)]
    loc = [torch.randint(0, 256, (batch_size, 3, 64, 32)).float()
           for _ in range(4)]
    r = [F.interpolate(g[0], scale_factor=0.5, mode='nearest')]
    comp = [torch.randint(0, 256, (batch_size, 3, 112, 112)).float()]
    samples = []
    for i in range(batch_size):
        ds = DataSample()
        inst = torch.zeros(112, 112, dtype=torch.uint8)
        inst[8 * i:8 * i + 64, 60:92] = 1
        roi = torch.zeros(112, 112, dtype=torch.uint8)
        roi[20:84, 0:32] = 1
        ds.set_field(inst, 'inst_mask')
        ds.set_field(roi, 'roi_mask')
        samples.append(ds)
    return model.data_preprocessor(
        dict(inputs=g + loc + r + comp, data_samples=samples), True)


def test_heads_read_the_width_of_their_tokens_and_all_losses_train():
    model = small_proxy()
    assert type(model.backbone).__name__ == 'HierarchicalTokens'
    assert model.csm_head.mlp[0].in_features == 320  # pooled stage 3
    assert model.csr_head.decoder_embed.in_features == 160  # stage 2
    assert model.css_head.query_embed.in_features == 160
    assert model.css_head.mask_convs[0].in_channels == 160
    assert not model.with_attn_loss
    losses = model(**proxy_batch(model), mode='loss')
    terms = {k: v for k, v in losses.items() if 'loss' in k}
    assert set(terms) == {'loss_csm', 'loss_csr', 'loss_css_inst',
                          'loss_css_roi'}
    assert all(torch.isfinite(v) for v in terms.values())
    sum(terms.values()).backward()
    starved = [n for n, p in model.named_parameters()
               if p.requires_grad and p.grad is None]
    assert starved == []
    assert model.backbone.net.mask_token.grad.abs().sum() > 0


def test_csr_scores_exactly_the_cells_hidden_at_the_stem():
    model = small_proxy()
    g2 = torch.randn(2, 3, 128, 64)
    context = torch.randn(2, 160)
    torch.manual_seed(1)
    view, mask, pred = model.csr_forward(g2, context)
    assert view.shape[-2:] == (160, 80)
    assert pred.shape == (2, 10 * 5, 16 * 16 * 3)
    # the draw again, to read the visible cells the backbone was given
    torch.manual_seed(1)
    again = model.mask_generator(2, (10, 5))
    torch.testing.assert_close(again['mask'], mask['mask'])
    hidden = model.backbone.hidden_cells(again['keep_ids'], (10, 5))
    assert torch.equal(hidden.flatten(1), mask['mask'].bool())
    assert mask['mask'].sum() == 2 * (50 - int(50 * 0.25))
    # the loss reads the hidden patches only
    loss = model.csr_head.loss(pred, view, mask['mask'])['loss_csr']
    r, c = divmod(again['keep_ids'][0, 0].item(), 5)
    moved = view.clone()
    moved[0, :, 16 * r:16 * r + 16, 16 * c:16 * c + 16] += 3.
    torch.testing.assert_close(
        model.csr_head.loss(pred, moved, mask['mask'])['loss_csr'], loss)
    h = hidden[0].nonzero()[0]
    moved[0, :, 16 * h[0]:16 * h[0] + 16, 16 * h[1]:16 * h[1] + 16] = \
        torch.randn(3, 16, 16)
    assert not torch.allclose(
        model.csr_head.loss(pred, moved, mask['mask'])['loss_csr'], loss)
