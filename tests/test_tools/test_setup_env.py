"""tools/setup_env.sh --dry-run: which interpreter makes the venv and which
mmcv ops variant is built, on stand-in interpreters and CUDA toolkits."""
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / 'tools/setup_env.sh'
BASH = shutil.which('bash')
# what the dry run needs besides bash builtins; no python, nvcc or nvidia-smi
TOOLS = ('dirname', 'grep', 'sed', 'realpath', 'ls', 'tr', 'head', 'env')


def fake_python(folder: Path, name: str, version: str,
                venv: bool = True) -> Path:
    """An executable that answers setup_env.sh's probes as Python
    ``version`` would (``import venv, ensurepip`` fails when not ``venv``)."""
    path = folder / name
    no_venv = '' if venv else '*ensurepip*) exit 1 ;; '
    path.write_text(f'#!/bin/sh\ncase "$2" in {no_venv}esac\n'
                    f'echo {version}\n')
    path.chmod(0o755)
    return path


@pytest.fixture
def bin_dir(tmp_path) -> Path:
    """A PATH folder with the shell tools and no interpreter."""
    folder = tmp_path / 'bin'
    folder.mkdir()
    for tool in TOOLS:
        (folder / tool).symlink_to(shutil.which(tool))
    return folder


def dry_run(tmp_path: Path, bin_dir: Path,
            env: Optional[Dict[str, str]] = None):
    # no GPU unless a test says so: the driver's GPU list is an empty
    # folder, and there is no nvidia-smi on PATH
    gpus = tmp_path / 'nvidia_gpus'
    gpus.mkdir(exist_ok=True)
    full_env = dict(PATH=str(bin_dir), HOME=str(tmp_path),
                    SAIP_VENV=str(tmp_path / 'venv'),
                    CUDA_HOME=str(tmp_path / 'no_cuda'),
                    SAIP_NVIDIA_GPUS_DIR=str(gpus))
    full_env.update(env or {})
    return subprocess.run([BASH, str(SCRIPT), '--dry-run'], env=full_env,
                          capture_output=True, text=True, timeout=60)


def test_takes_the_first_supported_interpreter_on_path(tmp_path, bin_dir):
    fake_python(bin_dir, 'python3', '3.13')
    fake_python(bin_dir, 'python3.12', '3.12', venv=False)
    fake_python(bin_dir, 'python3.10', '3.10')
    out = dry_run(tmp_path, bin_dir)
    assert out.returncode == 0, out.stderr
    assert (f'Python 3.10: new venv {tmp_path / "venv"} from '
            f'{bin_dir / "python3.10"}') in out.stdout
    assert not (tmp_path / 'venv').exists()


def test_says_why_no_interpreter_fits(tmp_path, bin_dir):
    fake_python(bin_dir, 'python3', '3.13')
    fake_python(bin_dir, 'python3.12', '3.12', venv=False)
    out = dry_run(tmp_path, bin_dir)
    assert out.returncode == 1
    assert 'no interpreter for the venv: need Python 3.10, 3.11, 3.12' \
        in out.stderr
    assert 'python3.12 is Python 3.12 without the venv module ' \
        '(Debian/Ubuntu: apt install python3.12-venv)' in out.stderr
    assert 'python3 is Python 3.13; supported: 3.10, 3.11, 3.12' \
        in out.stderr
    assert 'SAIP_PYTHON=/path/to/python3.X make demo' in out.stderr


def test_saip_python_names_the_interpreter(tmp_path, bin_dir):
    fake_python(bin_dir, 'python3.11', '3.11')
    old = fake_python(tmp_path, 'python-old', '3.9')
    out = dry_run(tmp_path, bin_dir, dict(SAIP_PYTHON=str(old)))
    assert out.returncode == 1
    assert f'SAIP_PYTHON={old} ({old}) is Python 3.9; supported' \
        in out.stderr
    # the interpreter running these tests is a supported one
    out = dry_run(tmp_path, bin_dir, dict(SAIP_PYTHON=sys.executable))
    assert out.returncode == 0, out.stderr
    assert f'from {shutil.which(sys.executable)}' in out.stdout


def fake_cuda(tmp_path: Path, release: str = '13.0') -> Path:
    home = tmp_path / 'cuda'
    (home / 'bin').mkdir(parents=True)
    (home / 'include').mkdir()
    (home / 'include/cuda_runtime.h').write_text('')
    nvcc = home / 'bin/nvcc'
    nvcc.write_text('#!/bin/sh\necho "Cuda compilation tools, release '
                    f'{release}, V{release}.88"\n')
    nvcc.chmod(0o755)
    return home


def test_cpu_ops_without_a_gpu_or_a_toolkit(tmp_path, bin_dir):
    fake_python(bin_dir, 'python3.11', '3.11')
    out = dry_run(tmp_path, bin_dir)
    assert out.returncode == 0, out.stderr
    assert ('mmcv ops: cpu (no CUDA toolkit (bin/nvcc, '
            f'include/cuda_runtime.h) in {tmp_path / "no_cuda"})'
            ) in out.stdout
    home = fake_cuda(tmp_path)
    out = dry_run(tmp_path, bin_dir, dict(CUDA_HOME=str(home)))
    assert out.returncode == 0, out.stderr
    assert f'mmcv ops: cpu (nvcc 13.0 in {home}, but no NVIDIA GPU)' \
        in out.stdout


def test_cuda_ops_with_nvcc_and_a_gpu(tmp_path, bin_dir):
    fake_python(bin_dir, 'python3.11', '3.11')
    smi = bin_dir / 'nvidia-smi'
    smi.write_text('#!/bin/sh\necho "GPU 0: NVIDIA H200 (UUID: GPU-0)"\n')
    smi.chmod(0o755)
    home = fake_cuda(tmp_path)
    out = dry_run(tmp_path, bin_dir, dict(CUDA_HOME=str(home)))
    assert out.returncode == 0, out.stderr
    assert f'mmcv ops: cuda (nvcc 13.0 in {home} and an NVIDIA GPU)' \
        in out.stdout
    out = dry_run(tmp_path, bin_dir, dict(CUDA_HOME=str(home),
                                          SAIP_MMCV_OPS='cpu'))
    assert 'mmcv ops: cpu (SAIP_MMCV_OPS=cpu)' in out.stdout


def test_cuda_ops_from_the_drivers_gpu_list_without_nvidia_smi(
        tmp_path, bin_dir):
    fake_python(bin_dir, 'python3.11', '3.11')
    gpus = tmp_path / 'driver_gpus'
    (gpus / '0000:00:05.0').mkdir(parents=True)
    home = fake_cuda(tmp_path)
    out = dry_run(tmp_path, bin_dir, dict(CUDA_HOME=str(home),
                                          SAIP_NVIDIA_GPUS_DIR=str(gpus)))
    assert out.returncode == 0, out.stderr
    assert f'mmcv ops: cuda (nvcc 13.0 in {home} and an NVIDIA GPU)' \
        in out.stdout


def test_rejects_unknown_ops_variant(tmp_path, bin_dir):
    fake_python(bin_dir, 'python3.11', '3.11')
    out = dry_run(tmp_path, bin_dir, dict(SAIP_MMCV_OPS='gpu'))
    assert out.returncode == 1
    assert 'SAIP_MMCV_OPS=gpu: use auto, cpu or cuda' in out.stderr
