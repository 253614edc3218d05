"""Train with any OpenMMLab config (mmpretrain, mmpose, mmdet, mmseg).

The config's ``default_scope`` decides which library's registries are used.
Unlike mmpretrain's ``tools/train.py`` this script never injects a
``collate_fn``: mmdet, mmseg and mmpose configs rely on mmengine's default
``pseudo_collate``.

Example:
    python tools/train.py configs/saip/saip_demo.py
    python tools/train.py CONFIG --resume              # latest in work_dir
    python tools/train.py CONFIG --resume ckpt.pth --cfg-options a.b=1
    bash tools/dist_train.sh CONFIG 8                  # torchrun
"""
import argparse
import copy
from typing import Optional

# tools/ is sys.path[0] when this file runs as a script
from fit_schedule import check_schedule, fit_schedule_to_loop
from runner_cli import (
    add_common_args,
    apply_cfg_options,
    build_runner,
    has_cuda,
    import_saip_mm,
    load_config,
    parse_args,
)

AMP_NEEDS_CUDA = (
    'AMP training needs a CUDA device, and none is available here '
    '(mmengine\'s AmpOptimWrapper only runs on gpu/npu/mlu/musa). '
    'Train without --amp{hint}.')


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``tools/train.py``."""
    parser = argparse.ArgumentParser(
        description='Train a model with an OpenMMLab config')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint; without a path, from the latest '
        'checkpoint in the work dir (start from scratch if there is none)')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='automatic mixed precision (bfloat16) through AmpOptimWrapper; '
        'needs a CUDA device')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the actual / the config\'s '
        '`auto_scale_lr.base_batch_size`')
    parser.add_argument(
        '--keep-schedule',
        action='store_true',
        help='keep `param_scheduler` as the config sets it when '
        '--cfg-options change train_cfg.max_iters / max_epochs (by default '
        'its begin/end/milestones are scaled to the new length, and '
        'train_cfg.max_iters on an epoch-based config trains that many '
        'iterations)')
    parser.add_argument(
        '--no-pin-memory',
        action='store_true',
        help='set pin_memory=False in every dataloader')
    parser.add_argument(
        '--no-persistent-workers',
        action='store_true',
        help='set persistent_workers=False in every dataloader')
    add_common_args(parser)
    return parser


def enable_amp(cfg) -> None:
    """Switch the optimizer wrapper to AmpOptimWrapper (bfloat16 if the GPU
    supports it, else float16 with dynamic loss scaling)."""
    import torch
    from mmengine.logging import print_log
    if not has_cuda():
        raise SystemExit(AMP_NEEDS_CUDA.format(hint=''))
    dtype = 'bfloat16' if torch.cuda.is_bf16_supported() else 'float16'
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.setdefault('dtype', dtype)
    cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    print_log(f'AMP: AmpOptimWrapper with dtype {cfg.optim_wrapper.dtype}',
              logger='current')


def check_amp_device(cfg) -> None:
    """Fail with a clear message when the config itself asks for AMP on a
    machine without CUDA (mmengine would only raise an AssertionError)."""
    wrapper_type = str(cfg.get('optim_wrapper', {}).get('type', ''))
    if 'AmpOptimWrapper' in wrapper_type and not has_cuda():
        raise SystemExit(AMP_NEEDS_CUDA.format(
            hint=', e.g. --cfg-options optim_wrapper.type=OptimWrapper'))


def merge_resume(cfg, resume: Optional[str]) -> None:
    """Merge ``--resume`` into the config with mmengine's semantics.

    ``resume=True, load_from=None`` resumes from the latest checkpoint in
    the work dir and ``resume=True, load_from=PATH`` from PATH. Without a
    path and without a checkpoint in the work dir the run starts from
    scratch, keeping the config's ``load_from`` as initial weights. Without
    ``--resume`` the config's own ``resume`` / ``load_from`` stay as they
    are.

    Args:
        cfg (mmengine.config.Config): The config (changed in place).
        resume (str, optional): ``'auto'``, a checkpoint path, or None.
    """
    from mmengine.logging import print_log
    from mmengine.runner import find_latest_checkpoint
    if resume is None:
        return
    if resume != 'auto':
        cfg.resume, cfg.load_from = True, resume
    elif find_latest_checkpoint(cfg.work_dir) is not None:
        cfg.resume, cfg.load_from = True, None
    else:
        print_log(
            f'--resume: no checkpoint in {cfg.work_dir}, starting from '
            'scratch.', logger='current')
        cfg.resume = False


def set_dataloader_flags(cfg, args: argparse.Namespace) -> None:
    """Apply ``--no-pin-memory`` / ``--no-persistent-workers``.

    Only switches things off; never adds a ``collate_fn`` or other defaults.
    """
    for field in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(field, None)
        if loader is None:
            continue
        if args.no_pin_memory:
            loader.pin_memory = False
        if args.no_persistent_workers:
            loader.persistent_workers = False


def fit_schedule(cfg, config_train_cfg, args: argparse.Namespace) -> None:
    """Fit the schedulers to a loop length changed by ``--cfg-options``.

    Nothing is scaled with ``--keep-schedule`` or when ``--cfg-options`` set
    ``param_scheduler`` themselves; the schedule is checked either way.
    """
    from mmengine.logging import print_log
    if config_train_cfg is None:
        return
    user_schedule = any(key.startswith('param_scheduler')
                        for key in (args.cfg_options or {}))
    if not (args.keep_schedule or user_schedule):
        for change in fit_schedule_to_loop(cfg, config_train_cfg):
            print_log(f'schedule fitted to train_cfg: {change}',
                      logger='current')
    check_schedule(cfg)


def merge_args(cfg, args: argparse.Namespace):
    """Merge the command line into the config.

    ``--cfg-options`` override what the other flags set, except
    ``--no-validate`` and ``--auto-scale-lr``, which are applied last. A
    loop length changed by ``--cfg-options`` rescales ``param_scheduler``
    (:func:`fit_schedule`).

    Args:
        cfg (mmengine.config.Config): Config from :func:`load_config`.
        args (argparse.Namespace): Parsed arguments.

    Returns:
        mmengine.config.Config: The same config, updated.
    """
    if args.amp:
        enable_amp(cfg)
    merge_resume(cfg, args.resume)
    set_dataloader_flags(cfg, args)
    config_train_cfg = copy.deepcopy(cfg.get('train_cfg', None))
    apply_cfg_options(cfg, args)
    fit_schedule(cfg, config_train_cfg, args)
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    if args.auto_scale_lr:
        if 'base_batch_size' not in (cfg.get('auto_scale_lr', None) or {}):
            raise SystemExit(
                '--auto-scale-lr: the config has no '
                '`auto_scale_lr = dict(base_batch_size=...)`.')
        cfg.auto_scale_lr.enable = True
    check_amp_device(cfg)
    return cfg


def main(argv: Optional[list] = None) -> None:
    """Entry point; ``argv`` defaults to ``sys.argv[1:]``."""
    args = parse_args(build_parser(), argv)
    import_saip_mm()
    cfg = merge_args(load_config(args), args)
    runner = build_runner(cfg)
    runner.train()


if __name__ == '__main__':
    main()
