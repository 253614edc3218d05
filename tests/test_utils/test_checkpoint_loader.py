"""saip_mm.utils.checkpoint_loader: safe loading of plain and Runner
checkpoints, refusal of malicious pickles."""
import fractions
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.model import BaseModel
from mmengine.runner import CheckpointLoader, Runner
from torch import nn
from torch.utils.data import Dataset

import saip_mm  # noqa: F401  (installs the loader)
from saip_mm.utils import (
    load_from_local_safe,
    runner_checkpoint_globals,
    save_checkpoint_atomic,
)


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(inputs)
        if mode == 'loss':
            return dict(loss=out.pow(2).mean())
        return out


class ToyDataset(Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, index):
        return dict(inputs=torch.full((2, ), float(index)))


def toy_runner(work_dir, max_iters, resume=False):
    return Runner(
        model=ToyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=ToyDataset(),
            sampler=dict(type='DefaultSampler', shuffle=True),
            batch_size=2,
            num_workers=0,
            collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        param_scheduler=dict(type='LinearLR', by_epoch=False, begin=0,
                             end=max_iters),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        default_hooks=dict(checkpoint=dict(
            type='CheckpointHook', interval=2, by_epoch=False)),
        randomness=dict(seed=0),
        resume=resume,
        experiment_name=f'toy_{max_iters}_{resume}')


@pytest.fixture
def no_force_env(monkeypatch):
    monkeypatch.delenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', raising=False)
    monkeypatch.delenv('TORCH_FORCE_WEIGHTS_ONLY_LOAD', raising=False)


def test_registered_for_local_files_only():
    assert CheckpointLoader._get_checkpoint_loader(
        '/x/epoch_1.pth') is load_from_local_safe
    # the other schemes stay mmengine's
    http = CheckpointLoader._get_checkpoint_loader('https://host/x.pth')
    assert http is not load_from_local_safe
    assert http.__module__ == 'mmengine.runner.checkpoint'


def test_plain_state_dict_loads_without_allow_list(tmp_path, monkeypatch,
                                                   no_force_env):
    path = tmp_path / 'plain.pth'
    torch.save({'state_dict': nn.Linear(2, 3).state_dict(),
                'meta': dict(arch='tiny', grid=[16, 8])}, path)

    def no_allow_list(*args, **kwargs):
        raise AssertionError('a plain state dict needs no allow-list')

    monkeypatch.setattr(torch.serialization, 'safe_globals', no_allow_list)
    checkpoint = CheckpointLoader.load_checkpoint(str(path))
    assert checkpoint['state_dict']['weight'].shape == (3, 2)
    assert checkpoint['meta'] == dict(arch='tiny', grid=[16, 8])


def test_runner_checkpoint_loads_and_resumes(tmp_path, no_force_env):
    toy_runner(tmp_path, max_iters=2).train()
    checkpoint = CheckpointLoader.load_checkpoint(
        str(tmp_path / 'iter_2.pth'))
    history = checkpoint['message_hub']['log_scalars']['train/loss']
    assert isinstance(history, HistoryBuffer)
    assert np.isfinite(history.statistics('mean'))

    runner = toy_runner(tmp_path, max_iters=4, resume=True)
    runner.train()
    assert runner.iter == 4
    assert (tmp_path / 'iter_4.pth').is_file()


def test_numpy_values_load(tmp_path, no_force_env):
    path = tmp_path / 'numpy.pth'
    values = dict(
        f=np.float32(1.5), i=np.int64(3), u=np.arange(3, dtype=np.uint8),
        b=np.array([True]), s=np.array(['a']))
    torch.save(values, path)
    loaded = load_from_local_safe(str(path))
    for key, value in values.items():
        np.testing.assert_array_equal(loaded[key], value)


class Malicious:

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


def test_malicious_pickle_is_refused(tmp_path, no_force_env):
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'payload': Malicious(marker)}, path)
    with pytest.raises(pickle.UnpicklingError) as info:
        CheckpointLoader.load_checkpoint(str(path))
    message = str(info.value)
    assert str(path) in message
    assert 'system' in message  # the offending global, posix.system
    assert 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1' in message
    assert not marker.exists()


class GetattrEscape:
    """Pickles as ``builtins.getattr(HistoryBuffer, 'register_statistics')``.
    """

    def __reduce__(self):
        return getattr, (HistoryBuffer, 'register_statistics')


def test_only_history_buffer_methods_resolve_through_getattr(
        tmp_path, no_force_env):
    path = tmp_path / 'getattr.pth'
    torch.save({'x': GetattrEscape()}, path)
    with pytest.raises(pickle.UnpicklingError, match='getattr'):
        load_from_local_safe(str(path))
    assert getattr not in runner_checkpoint_globals()


def test_trusted_file_loads_with_env(tmp_path, monkeypatch, no_force_env):
    path = tmp_path / 'fraction.pth'
    torch.save({'x': fractions.Fraction(1, 3)}, path)
    with pytest.raises(pickle.UnpicklingError, match='Fraction'):
        load_from_local_safe(str(path))
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
    assert load_from_local_safe(str(path))['x'] == fractions.Fraction(1, 3)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_from_local_safe(str(tmp_path / 'nope.pth'))


def test_save_checkpoint_atomic(tmp_path):
    path = tmp_path / 'sub' / 'ckpt.pth'
    save_checkpoint_atomic({'w': torch.ones(2)}, str(path))
    save_checkpoint_atomic({'w': torch.zeros(2)}, str(path))
    assert os.listdir(path.parent) == ['ckpt.pth']
    assert load_from_local_safe(str(path))['w'].sum() == 0
