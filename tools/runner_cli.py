"""Command-line plumbing shared by ``tools/train.py`` and ``tools/test.py``.

Both scripts run any OpenMMLab config (mmpretrain, mmpose, mmdet, mmseg; the
config's ``default_scope`` decides). This module holds what they have in
common: the import path, the common arguments, merging them into the config,
making ``--launcher pytorch`` work on a CPU-only machine (gloo) and building
the runner. ``tools/analysis/get_flops.py`` uses the import-path helper.
"""
import argparse
import os
import os.path as osp
import sys
from pathlib import Path
from typing import Optional

REPO_ROOT = Path(__file__).resolve().parents[1]


def import_saip_mm() -> None:
    """Import ``saip_mm`` from this checkout, installed or not.

    The import registers the ``saip_mm`` registries and the checkpoint loader
    that keeps ``resume`` / ``load_from`` working under torch's
    ``weights_only`` loading, even for configs without ``custom_imports``.
    """
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    import saip_mm  # noqa: F401


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--work-dir``, ``--cfg-options``, ``--launcher``, ``--local-rank``.

    Args:
        parser (argparse.ArgumentParser): The parser to extend.
    """
    from mmengine.config import DictAction
    parser.add_argument(
        '--work-dir',
        help='directory for logs and checkpoints (default: the config\'s '
        '`work_dir`, else ./work_dirs/<config name>)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, merged last: key=value '
        'pairs; a list is key="[a,b]" or key=a,b, nested tuples '
        'key="[(a,b),(c,d)]" (quotes needed, no spaces)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank (torch>=2.0) or
    # --local_rank; torchrun only sets the LOCAL_RANK variable.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_args(parser: argparse.ArgumentParser,
               argv: Optional[list] = None) -> argparse.Namespace:
    """Parse the arguments and export ``LOCAL_RANK`` if no launcher did.

    Args:
        parser (argparse.ArgumentParser): Parser built with
            :func:`add_common_args`.
        argv (list, optional): Arguments; ``sys.argv[1:]`` if None.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def load_config(args: argparse.Namespace):
    """Load ``args.config`` and merge the arguments common to all tools.

    The work dir is taken from ``--work-dir``, then the config's
    ``work_dir``, then ``./work_dirs/<config stem>``. ``--cfg-options`` are
    *not* merged here: call :func:`apply_cfg_options` last, after each
    tool's own arguments, so that they win.

    Args:
        args (argparse.Namespace): Parsed arguments with ``config``,
            ``work_dir`` and ``launcher``.

    Returns:
        mmengine.config.Config: The config.
    """
    from mmengine.config import Config
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


def apply_cfg_options(cfg, args: argparse.Namespace) -> None:
    """Merge ``--cfg-options`` into the config (in place)."""
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)


def has_cuda() -> bool:
    """Whether a CUDA device can be used (a CUDA build alone is not enough).
    """
    import torch
    return torch.cuda.is_available()


def prepare_cpu_distributed(cfg) -> None:
    """Make a multi-process run work on a machine without CUDA (in place).

    mmengine defaults to the nccl backend, wraps the model in DDP with
    ``device_ids=[LOCAL_RANK]`` and calls ``torch.cuda.set_device``; none of
    that works without a GPU. Here the backend becomes gloo, DDP gets
    ``device_ids=None`` and, for ``--launcher pytorch`` (torchrun), the
    process group is initialised before the runner so that mmengine skips
    its CUDA-only set-up.

    Args:
        cfg (mmengine.config.Config): The merged config; nothing happens
            when ``cfg.launcher`` is ``'none'`` or CUDA is available.
    """
    if cfg.get('launcher', 'none') == 'none' or has_cuda():
        return
    if cfg.launcher != 'pytorch':
        raise SystemExit(
            f'--launcher {cfg.launcher} needs CUDA devices; on a CPU-only '
            'machine use --launcher pytorch (tools/dist_train.sh).')
    import datetime

    import torch.distributed as dist
    from mmengine.logging import print_log
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    backend = dist_cfg.get('backend', 'nccl')
    if backend != 'gloo':
        print_log(f'CUDA is not available: distributed backend {backend!r} '
                  "-> 'gloo' (CPU).", logger='current')
        dist_cfg['backend'] = 'gloo'
    wrapper_cfg = cfg.get('model_wrapper_cfg', None)
    if wrapper_cfg is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel',
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False),
            device_ids=None)
    elif 'DistributedDataParallel' in str(
            wrapper_cfg.get('type', 'MMDistributedDataParallel')):
        wrapper_cfg.setdefault('device_ids', None)
    if not dist.is_initialized():
        kwargs = {k: v for k, v in dist_cfg.items()
                  if k not in ('backend', 'init_backend')}
        if 'timeout' in kwargs:
            kwargs['timeout'] = datetime.timedelta(seconds=kwargs['timeout'])
        dist.init_process_group(backend='gloo', **kwargs)


def build_runner(cfg):
    """Build the runner: ``cfg.runner_type`` if set, else mmengine's Runner.

    Args:
        cfg (mmengine.config.Config): The merged config.

    Returns:
        mmengine.runner.Runner: The runner.
    """
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner

    from saip_mm.utils.annotation_files import fit_annotation_files
    fit_annotation_files(cfg)  # evaluator paths and COCO class names
    prepare_cpu_distributed(cfg)
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)
