"""ReIDProbeHook: schedule, logged keys, DDP unwrapping, rank 0 only, and a
real pretraining run with tools/train.py."""
import json
import os
import socket
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.model import MMDistributedDataParallel

from saip_mm.engine.hooks import ReIDProbeHook
from saip_mm.engine.hooks import probe_hook as probe_hook_module
from saip_mm.models.backbones import SAIPViT

KEYS = ['probe/reid_mAP', 'probe/reid_R1', 'probe/reid_R5', 'probe/reid_R10']


class Recorder:
    """Stands in for the runner's visualizer and logger."""

    def __init__(self):
        self.scalars, self.lines = [], []

    def add_scalars(self, scalars, step):
        self.scalars.append((dict(scalars), step))

    def info(self, line):
        self.lines.append(line)


class Student(torch.nn.Module):

    def __init__(self):
        super().__init__()
        self.backbone = SAIPViT(dict(embed_dims=32, num_layers=1,
                                     num_heads=2), img_size=(32, 16),
                                patch_size=8, inter_index=None)
        self.backbone.init_weights()


def fake_runner(name, model=None):
    recorder = Recorder()
    return SimpleNamespace(
        model=model or Student(), iter=0, epoch=0,
        message_hub=MessageHub.get_instance(name), visualizer=recorder,
        logger=recorder)


@pytest.fixture
def mini_reid(shared_data):
    return str(shared_data / 'reid_sample' / 'market1501_mini')


def make_hook(data_root, **kwargs):
    return ReIDProbeHook(data_root, img_size=(32, 16), batch_size=16,
                         **kwargs)


def test_every_second_epoch(mini_reid):
    hook = make_hook(mini_reid, interval=2)
    runner = fake_runner('probe_epochs')
    runner.iter = 7
    hook.after_train_iter(runner, 0)  # counts epochs, not iterations
    hook.after_train_epoch(runner)  # epoch 1 of 2
    assert runner.visualizer.scalars == []
    runner.epoch, runner.iter = 1, 14
    hook.after_train_epoch(runner)
    (scalars, step), = runner.visualizer.scalars
    assert list(scalars) == KEYS and step == 14
    assert not any('loss' in key for key in scalars)
    for key in KEYS:
        assert runner.message_hub.get_scalar(key).current() == scalars[key]
    assert 'after 14 iterations: mAP: ' in runner.visualizer.lines[0]


def test_every_third_iteration_and_before_train(mini_reid):
    hook = make_hook(mini_reid, interval=3, by_epoch=False,
                     before_train=True)
    runner = fake_runner('probe_iters')
    hook.before_train(runner)
    for it in range(6):
        runner.iter = it
        hook.after_train_iter(runner, it)
    hook.after_train_epoch(runner)
    assert [step for _, step in runner.visualizer.scalars] == [0, 3, 6]
    # the backbone is unchanged, so is its score
    assert len({s['probe/reid_mAP'] for s, _ in
                runner.visualizer.scalars}) == 1


def test_arguments_are_checked(mini_reid):
    with pytest.raises(ValueError, match='interval'):
        ReIDProbeHook(mini_reid, interval=0)
    with pytest.raises(ValueError, match='feature'):
        ReIDProbeHook(mini_reid, feature='pooled')


def test_ddp_wrapped_student_is_probed(mini_reid, monkeypatch):
    probed = []

    def fake_probe(backbone, *args):
        probed.append(backbone)
        return dict(mAP=1., R1=2., R5=3., R10=4.)

    monkeypatch.setattr(probe_hook_module, 'reid_probe', fake_probe)
    with socket.socket() as sock:  # a free port
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    torch.distributed.init_process_group(
        'gloo', init_method=f'tcp://127.0.0.1:{port}', rank=0, world_size=1)
    try:
        student = Student()
        runner = fake_runner('probe_ddp',
                             MMDistributedDataParallel(module=student))
        make_hook(mini_reid).after_train_epoch(runner)
    finally:
        torch.distributed.destroy_process_group()
    assert probed == [student.backbone]
    assert runner.visualizer.scalars[0][0]['probe/reid_R10'] == 4.


def test_other_ranks_only_receive(mini_reid, monkeypatch):
    def no_probe(*args):
        raise AssertionError('only rank 0 probes')

    def receive(objects):
        objects[0] = dict(zip(KEYS, (5., 6., 7., 8.)))

    monkeypatch.setattr(probe_hook_module, 'reid_probe', no_probe)
    monkeypatch.setattr(probe_hook_module, 'get_rank', lambda: 1)
    monkeypatch.setattr(probe_hook_module, 'broadcast_object_list', receive)
    runner = fake_runner('probe_rank1')
    make_hook(mini_reid).after_train_epoch(runner)
    assert runner.visualizer.scalars == [(dict(zip(KEYS, (5., 6., 7., 8.))),
                                          0)]
    assert runner.message_hub.get_scalar('probe/reid_R1').current() == 6.


@pytest.mark.e2e
def test_train_py_logs_the_probe(repo_root, shared_data, tmp_path,
                                 script_runner):
    """configs/saip/saip_vit-t_probe-reid.py: one SAIP step on persons."""
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    out = script_runner([
        repo_root / 'tools/train.py',
        'configs/saip/saip_vit-t_probe-reid.py', '--work-dir',
        str(tmp_path), '--cfg-options',
        f'train_dataloader.dataset.data_root={shared_data / "persons"}',
        'train_dataloader.dataset.indices=2',
        'train_dataloader.batch_size=2', 'train_cfg.max_epochs=1',
        'optim_wrapper.type=OptimWrapper',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'train_dataloader.pin_memory=False',
        'default_hooks.logger.interval=1',
        f'custom_hooks.3.data_root={shared_data / "reid_sample"}'
        '/market1501_mini'
    ], cwd=repo_root, env=env, timeout=300)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-3000:]
    assert 'ReID probe (cls features' in log
    scalars = [json.loads(line) for line in next(
        tmp_path.glob('*/vis_data/scalars.json')).read_text().splitlines()]
    probes = [row for row in scalars if 'probe/reid_mAP' in row]
    # before training (step 0) and after the only epoch (1 iteration)
    assert [row['step'] for row in probes] == [0, 1]
    assert all(0 < row['probe/reid_mAP'] <= 100 for row in probes)
    assert any('loss_csm' in row for row in scalars)
