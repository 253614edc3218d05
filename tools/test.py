"""Test (evaluate) a checkpoint with any OpenMMLab config.

The config's ``default_scope`` decides which library's registries are used.

Example:
    python tools/test.py CONFIG CHECKPOINT
    python tools/test.py CONFIG CHECKPOINT --out preds.pkl
    python tools/test.py CONFIG CHECKPOINT --out metrics.json \
        --out-item metrics
    bash tools/dist_test.sh CONFIG CHECKPOINT 8        # torchrun
"""
import argparse
import inspect
import json
from typing import Optional

# tools/ is sys.path[0] when this file runs as a script
from runner_cli import (
    add_common_args,
    apply_cfg_options,
    build_runner,
    import_saip_mm,
    load_config,
    parse_args,
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``tools/test.py``."""
    parser = argparse.ArgumentParser(
        description='Test a checkpoint with an OpenMMLab config')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out',
        help='dump the predictions (a .pkl file) or, with --out-item '
        'metrics, the metrics (.json/.yaml/.pkl)')
    parser.add_argument(
        '--out-item',
        choices=['metrics', 'pred'],
        default='pred',
        help='what --out holds (default: pred)')
    parser.add_argument(
        '--show-dir',
        help='save visualized predictions here (needs a visualization hook '
        'in `default_hooks`)')
    add_common_args(parser)
    return parser


def enable_visualization(cfg, show_dir: str) -> None:
    """Turn on the config's visualization hook, writing to ``show_dir``.

    The hooks of the four libraries take different switches (mmpretrain and
    mmpose: ``enable``/``out_dir``; mmdet: ``draw``/``test_out_dir``;
    mmseg: ``draw`` and the visualizer's ``save_dir``); the hook's signature
    says which.

    Args:
        cfg (mmengine.config.Config): The config (changed in place).
        show_dir (str): Output directory of the images.
    """
    from mmengine.registry import HOOKS
    hook_cfg = cfg.get('default_hooks', {}).get('visualization', None)
    if hook_cfg is None:
        raise SystemExit('--show-dir: the config has no '
                         '`default_hooks.visualization` hook.')
    with HOOKS.switch_scope_and_registry(cfg.get('default_scope')) as hooks:
        hook_cls = hooks.get(hook_cfg['type'])
    if hook_cls is None:
        raise SystemExit(f'--show-dir: unknown hook {hook_cfg["type"]!r}.')
    params = inspect.signature(hook_cls).parameters
    for flag in ('enable', 'draw'):
        if flag in params:
            hook_cfg[flag] = True
    for key in ('test_out_dir', 'out_dir'):
        if key in params:
            hook_cfg[key] = show_dir
            break
    else:
        cfg.visualizer.save_dir = show_dir


def _to_builtin(value):
    """JSON fallback for numpy / torch scalars and arrays in the metrics."""
    return value.tolist() if hasattr(value, 'tolist') else str(value)


def merge_args(cfg, args: argparse.Namespace):
    """Merge the command line into the config; ``--cfg-options`` win.

    Args:
        cfg (mmengine.config.Config): Config from :func:`load_config`.
        args (argparse.Namespace): Parsed arguments.

    Returns:
        mmengine.config.Config: The same config, updated.
    """
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.show_dir is not None:
        enable_visualization(cfg, args.show_dir)
    apply_cfg_options(cfg, args)
    return cfg


def main(argv: Optional[list] = None) -> dict:
    """Entry point; ``argv`` defaults to ``sys.argv[1:]``.

    Returns:
        dict: The metrics of ``runner.test()``.
    """
    args = parse_args(build_parser(), argv)
    import_saip_mm()
    import mmengine
    from mmengine.dist import is_main_process
    from mmengine.evaluator import DumpResults
    cfg = merge_args(load_config(args), args)
    runner = build_runner(cfg)
    from mmengine.model import is_model_wrapper

    from saip_mm.utils.checkpoint_coverage import check_checkpoint_covers
    model = runner.model.module if is_model_wrapper(runner.model) \
        else runner.model
    try:
        check_checkpoint_covers(args.checkpoint, model)
    except KeyError as err:
        raise SystemExit(f'tools/test.py: {err.args[0]}') from None
    if args.out and args.out_item == 'pred':
        runner.test_evaluator.metrics.append(
            DumpResults(out_file_path=args.out))
    metrics = runner.test()
    if is_main_process():
        if args.out and args.out_item == 'metrics':
            mmengine.dump(metrics, args.out)
        print(json.dumps(metrics, indent=2, default=_to_builtin))
    return metrics


if __name__ == '__main__':
    main()
