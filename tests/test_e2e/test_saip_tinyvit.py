"""End to end: SAIP with a TinyViT-5M student on real person crops, export
of the net, strict reuse."""
import json
import math
import runpy
import sys

import pytest
import torch

from saip_mm.evaluation.probes import load_probe_backbone
from saip_mm.models.backbones import SAIPTinyViT

LOSS_KEYS = {'loss_csm', 'loss_csr', 'loss_css_inst', 'loss_css_roi'}
CONFIG = 'configs/saip/saip_tinyvit-5m.py'
# CPU, 2 iterations at batch 2, narrow heads: the test checks the wiring
# of the objectives on a hierarchical student, not head capacity
OPTIONS = [
    'optim_wrapper.type=OptimWrapper', 'train_dataloader.num_workers=0',
    'train_dataloader.persistent_workers=False',
    'train_dataloader.pin_memory=False', 'default_hooks.logger.interval=1',
    'train_dataloader.dataset.ann_file=train.txt',
    'train_dataloader.dataset.indices=4', 'train_dataloader.batch_size=2',
    'train_cfg.max_epochs=1', 'model.csm_head.hidden_channels=256',
    'model.csm_head.out_channels=1024', 'model.csr_head.embed_dims=128',
    'model.csr_head.depth=1', 'model.css_head.embed_dims=128',
    'model.css_head.num_query_blocks=1'
]


@pytest.fixture(scope='module')
def pretrained(tmp_path_factory, repo_root, shared_data, script_runner):
    work = tmp_path_factory.mktemp('saip_tinyvit')
    out = script_runner([
        repo_root / 'tools/train.py', CONFIG, '--work-dir', work,
        '--cfg-options',
        f'train_dataloader.dataset.data_root={shared_data / "persons"}',
        *OPTIONS], cwd=repo_root, timeout=900)
    assert out.returncode == 0, (out.stdout[-3000:], out.stderr[-3000:])
    return work


def test_two_iterations_log_all_three_objectives_finite(pretrained):
    scalars = sorted(pretrained.glob('*/vis_data/scalars.json'))[-1]
    rows = [json.loads(line) for line in scalars.read_text().splitlines()]
    rows = [row for row in rows if 'loss' in row]
    assert [row['iter'] for row in rows] == [1, 2]
    for row in rows:
        assert LOSS_KEYS <= set(row), sorted(row)
        # no attention maps to distil in a windowed net: the term is off
        assert 'loss_csm_att' not in row
        for key in LOSS_KEYS:
            assert math.isfinite(row[key]), (row['iter'], key)


def test_export_loads_strictly_into_the_downstream_net(
        pretrained, repo_root, tmp_path, monkeypatch, capsys):
    src = pretrained / 'epoch_1.pth'
    dst = tmp_path / 'backbone.pth'
    # the tool in this process (its imports are loaded already)
    monkeypatch.setattr(sys, 'argv', ['saip_to_backbone.py', str(src),
                                      str(dst)])
    runpy.run_path(
        str(repo_root / 'tools/model_converters/saip_to_backbone.py'),
        run_name='__main__')
    assert 'saip_mm.SAIPTinyViT) to' in capsys.readouterr().out
    ckpt = torch.load(dst, weights_only=True)  # tensors and plain types
    assert ckpt['meta']['type'] == 'saip_mm.SAIPTinyViT'
    assert ckpt['meta']['arch']['channels'] == [64, 128, 160, 320]
    assert 'mask_token' not in ckpt['state_dict']
    assert not any(k.startswith(('net.', 'inter_norm', 'teacher'))
                   for k in ckpt['state_dict'])
    # Pretrained init raises on any missing or unexpected key
    net = SAIPTinyViT(out_type='avg_featmap', init_cfg=dict(
        type='Pretrained', checkpoint=str(dst)))
    net.init_weights()
    student = torch.load(src, weights_only=False)['state_dict']
    key = 'stages.2.blocks.5.attn.qkv.weight'
    torch.testing.assert_close(net.state_dict()[key],
                               student[f'backbone.net.{key}'])
    # the probes read the same file; their CLS is the net's pooled output
    probe = load_probe_backbone(str(dst), (128, 64))
    x = torch.rand(2, 3, 128, 64)
    net.eval()
    with torch.no_grad():
        torch.testing.assert_close(probe.forward_saip(x)['final'][:, 0],
                                   net(x)[0])
