"""tools/train.py: runs, resumes, refuses AMP on CPU, merges arguments."""
import shutil

import pytest
from mmengine.config import Config


def test_train_writes_checkpoint(trained_work_dir):
    assert (trained_work_dir / 'last_checkpoint').is_file()
    dumped = Config.fromfile(trained_work_dir / 'tiny_mmpretrain_cls.py')
    # no collate_fn injected: mmengine's pseudo_collate stays the default
    assert 'collate_fn' not in dumped.train_dataloader
    assert 'collate_fn' not in dumped.val_dataloader


def test_resume_auto_continues(trained_work_dir, tmp_path, run_tool,
                               tiny_config, data_options):
    work_dir = tmp_path / 'work_dir'
    shutil.copytree(trained_work_dir, work_dir)
    result = run_tool('train.py', tiny_config, '--work-dir', work_dir,
                      '--resume', *data_options, 'train_cfg.max_iters=4',
                      cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert 'resumed epoch: 0, iter: 2' in result.stdout
    assert (work_dir / 'iter_4.pth').is_file()


def test_cfg_resume_from_path(trained_work_dir, tmp_path, run_tool,
                              tiny_config, data_options):
    """mmengine's own ``resume=True, load_from=PATH``, no --resume flag."""
    checkpoint = trained_work_dir / 'iter_2.pth'
    result = run_tool('train.py', tiny_config, '--work-dir',
                      tmp_path / 'wd', *data_options, 'resume=True',
                      f'load_from={checkpoint}', 'train_cfg.max_iters=3',
                      '--no-validate', cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert 'resumed epoch: 0, iter: 2' in result.stdout
    assert (tmp_path / 'wd' / 'iter_3.pth').is_file()


def test_amp_on_cpu_exits_with_message(run_tool, tiny_config, tmp_path):
    # no visible GPU, also on a GPU machine: the CPU-only case runs anywhere
    result = run_tool('train.py', tiny_config, '--amp', '--work-dir',
                      tmp_path / 'wd', cwd=tmp_path,
                      env=dict(CUDA_VISIBLE_DEVICES=''))
    assert result.returncode != 0
    assert 'AMP training needs a CUDA device' in result.stdout
    assert 'Traceback' not in result.stdout


@pytest.fixture
def train_tool(tools_module):
    return tools_module('train.py')


def merged(train_tool, config, *argv):
    args = train_tool.build_parser().parse_args([str(config), *argv])
    return train_tool.merge_args(train_tool.load_config(args), args)


def test_merge_args_defaults(train_tool, tiny_config):
    cfg = merged(train_tool, tiny_config)
    assert cfg.work_dir == './work_dirs/tiny_mmpretrain_cls'
    assert cfg.launcher == 'none'
    assert cfg.resume is False
    assert 'collate_fn' not in cfg.train_dataloader


def test_merge_args_options(train_tool, tiny_config, tmp_path):
    cfg = merged(train_tool, tiny_config, '--work-dir', str(tmp_path),
                 '--no-validate', '--auto-scale-lr', '--no-pin-memory',
                 '--no-persistent-workers', '--cfg-options',
                 'train_cfg.max_iters=7', 'optim_wrapper.optimizer.lr=0.5')
    assert cfg.work_dir == str(tmp_path)
    assert cfg.val_dataloader is None and cfg.val_cfg is None
    assert cfg.auto_scale_lr.enable is True
    assert cfg.train_dataloader.pin_memory is False
    assert cfg.test_dataloader.persistent_workers is False
    assert cfg.train_cfg.max_iters == 7
    assert cfg.optim_wrapper.optimizer.lr == 0.5


def test_merge_resume_semantics(train_tool, tiny_config, tmp_path):
    # nothing to resume from: start from scratch, keep load_from
    cfg = merged(train_tool, tiny_config, '--work-dir', str(tmp_path),
                 '--resume', '--cfg-options', 'load_from=init.pth')
    assert cfg.resume is False and cfg.load_from == 'init.pth'
    (tmp_path / 'iter_2.pth').write_bytes(b'')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_2.pth'))
    cfg = merged(train_tool, tiny_config, '--work-dir', str(tmp_path),
                 '--resume')
    assert cfg.resume is True and cfg.load_from is None
    cfg = merged(train_tool, tiny_config, '--resume', 'some.pth')
    assert cfg.resume is True and cfg.load_from == 'some.pth'


def test_auto_scale_lr_needs_base_batch_size(train_tool, tiny_config):
    with pytest.raises(SystemExit, match='base_batch_size'):
        merged(train_tool, tiny_config, '--auto-scale-lr', '--cfg-options',
               'auto_scale_lr=None')


def test_config_amp_wrapper_on_cpu_is_refused(train_tool, tiny_config,
                                              monkeypatch):
    monkeypatch.setattr(train_tool, 'has_cuda', lambda: False)
    with pytest.raises(SystemExit, match='optim_wrapper.type=OptimWrapper'):
        merged(train_tool, tiny_config, '--cfg-options',
               'optim_wrapper.type=AmpOptimWrapper')
