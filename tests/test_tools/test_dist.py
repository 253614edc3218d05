"""tools/dist_train.sh and dist_test.sh: 2 processes with torchrun (gloo on
a machine without CUDA)."""
import socket

import torch


def free_port() -> str:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return str(sock.getsockname()[1])


def test_dist_train_two_processes(run_tool, tiny_config, data_options,
                                  tmp_path):
    work_dir = tmp_path / 'wd'
    result = run_tool('dist_train.sh', tiny_config, 2, '--work-dir',
                      work_dir, *data_options, cwd=tmp_path,
                      env=dict(PORT=free_port()))
    assert result.returncode == 0, result.stdout[-5000:]
    assert 'Distributed training: True' in result.stdout
    if not torch.cuda.is_available():
        assert "backend 'nccl' -> 'gloo'" in result.stdout
    # 8 images, batch 2, 2 processes: one epoch is 2 iterations
    assert 'Epoch(train) [1][2/2]' in result.stdout
    assert (work_dir / 'iter_2.pth').is_file()


def test_dist_test_two_processes(run_tool, tiny_config, data_options,
                                 trained_work_dir, tmp_path):
    result = run_tool('dist_test.sh', tiny_config,
                      trained_work_dir / 'iter_2.pth', 2, '--work-dir',
                      tmp_path / 'wd', *data_options, cwd=tmp_path,
                      env=dict(PORT=free_port()))
    assert result.returncode == 0, result.stdout[-5000:]
    assert result.stdout.count('"accuracy/top1":') == 1  # rank 0 prints
