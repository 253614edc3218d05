"""End to end: SAIP pretraining on real person crops, export, reuse."""
import json
import math
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from saip_mm.registry import MODELS

LOSS_KEYS = ('loss_csm', 'loss_csm_att', 'loss_csr', 'loss_css_inst',
             'loss_css_roi')
CPU_OPTIONS = [
    'optim_wrapper.type=OptimWrapper', 'train_dataloader.num_workers=0',
    'train_dataloader.persistent_workers=False',
    'train_dataloader.pin_memory=False', 'default_hooks.logger.interval=1'
]


def run(script_runner, args, cwd, timeout=900):
    """``python *args`` in ``cwd`` (a fork of this process); assert exit 0."""
    out = script_runner([cwd / args[0], *args[1:]], cwd=cwd, timeout=timeout)
    assert out.returncode == 0, (out.stdout[-3000:], out.stderr[-3000:])
    return out.stdout + out.stderr


def logged_scalars(work_dir: Path) -> list:
    files = sorted(work_dir.glob('*/vis_data/scalars.json'))
    assert files, f'no scalars.json under {work_dir}'
    return [json.loads(line) for line in files[-1].read_text().splitlines()]


@pytest.fixture(scope='module')
def pretrained(tmp_path_factory, repo_root, shared_data, script_runner):
    """saip_vit-t.py, 20 iterations at batch 2 on ../shared/data/persons."""
    work = tmp_path_factory.mktemp('saip_vit-t')
    run(script_runner, [
        'tools/train.py', 'configs/saip/saip_vit-t.py', '--work-dir',
        str(work), '--cfg-options',
        f'train_dataloader.dataset.data_root={shared_data / "persons"}',
        'train_dataloader.dataset.ann_file=train.txt',
        'train_dataloader.dataset.indices=40',
        'train_dataloader.batch_size=2', 'train_cfg.max_epochs=1',
        *CPU_OPTIONS], repo_root)
    return work


def test_twenty_iterations_log_every_loss_finite(pretrained):
    rows = [r for r in logged_scalars(pretrained) if 'loss' in r]
    assert [r['iter'] for r in rows] == list(range(1, 21))
    for row in rows:
        for key in LOSS_KEYS:
            assert math.isfinite(row[key]), (row['iter'], key)
    assert 0.996 <= rows[-1]['teacher_momentum'] <= 1.0


def test_checkpoint_exports_to_a_downstream_backbone(pretrained, repo_root,
                                                     tmp_path, script_runner):
    src = pretrained / 'epoch_1.pth'
    dst = tmp_path / 'backbone.pth'
    run(script_runner,
        ['tools/model_converters/saip_to_backbone.py', src, dst], repo_root)
    ckpt = torch.load(dst, weights_only=True)  # tensors and plain types
    assert ckpt['meta']['grid_size'] == [16, 8]
    assert not any(k.startswith(('teacher', 'csm', 'csr', 'css'))
                   for k in ckpt['state_dict'])
    # the backbone of the downstream pose config (256x192): strict load, no
    # missing or unexpected key (load_pretrained raises otherwise)
    cfg = Config.fromfile(
        str(repo_root / 'configs/pose/saip-vit-t_td-hm_coco-256x192.py'))
    cfg.model.backbone.init_cfg.checkpoint = str(dst)
    pose = MODELS.build(cfg.model.backbone)
    pose.init_weights()
    assert pose.grid_size == (16, 12)
    student = torch.load(src, weights_only=False)['state_dict']
    torch.testing.assert_close(pose.layers[11].attn.proj.weight,
                               student['backbone.layers.11.attn.proj.weight'])
