"""Export SAIP backbones or pose models to ONNX, check them, time them.

For every ``--arch``: build the model (random weights unless a checkpoint
is given), export it with a dynamic batch axis, compare onnxruntime with
PyTorch on random images (max abs difference; non-zero exit above
``--tolerance``) and, with ``--benchmark``, time onnxruntime on the CPU at
batch 1 with one thread and with every core. Prints a table.

Examples::

    # backbones (feature map output) at the pretraining size
    python tools/deployment/export_onnx.py backbone --arch tiny small base \\
        --input-size 256 128
    # COCO top-down heatmap models (configs/pose), latency vs ViT-B
    python tools/deployment/export_onnx.py pose --arch tiny small base \\
        --benchmark
    # the hierarchical TinyViT-5M next to ViT-T, in one run
    python tools/deployment/export_onnx.py backbone --arch tiny tinyvit-5m \\
        --benchmark
"""
import argparse
import os
import os.path as osp
import sys
from typing import List, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from runner_cli import import_saip_mm  # noqa: E402


def parse_args(argv: Optional[list] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Export SAIP models to ONNX with parity and latency')
    parser.add_argument('model', choices=['backbone', 'pose'])
    parser.add_argument('--arch', nargs='+', default=['tiny'],
                        help='SAIPViT archs (tiny, small, base) or '
                        'SAIPTinyViT ones (tinyvit-5m)')
    parser.add_argument(
        '--input-size', type=int, nargs=2, metavar=('H', 'W'),
        help='input size (default: 256 128 for backbones, the config\'s '
        'for pose models)')
    parser.add_argument('--config',
                        help='pose config (default: configs/pose per arch)')
    parser.add_argument('--checkpoint',
                        help='weights to load (one arch only)')
    parser.add_argument('--out-dir', default='work_dirs/onnx')
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument('--tolerance', type=float, default=1e-4,
                        help='max abs difference allowed (fp32)')
    parser.add_argument('--benchmark', action='store_true',
                        help='time onnxruntime at batch 1 on the CPU')
    parser.add_argument('--runs', type=int, default=30,
                        help='timed runs per thread setting')
    args = parser.parse_args(argv)
    if args.checkpoint and len(args.arch) > 1:
        parser.error('--checkpoint needs a single --arch')
    return args


def main(argv: Optional[list] = None) -> int:
    args = parse_args(argv)
    import_saip_mm()
    import torch

    from saip_mm import deployment as dep
    os.makedirs(args.out_dir, exist_ok=True)
    all_threads = os.cpu_count() or 1
    rows: List[list] = []
    failed = False
    for arch in args.arch:
        torch.manual_seed(0)
        if args.model == 'backbone':
            size = tuple(args.input_size or (256, 128))
            model = dep.build_backbone(arch, size, args.checkpoint)
        else:
            estimator = dep.build_pose_estimator(arch, args.config,
                                                 args.checkpoint)
            size = tuple(args.input_size or
                         estimator.backbone.img_size)
            model = dep.PoseHeatmapModel(estimator).eval()
        name = f'{dep.model_name(arch)}_{args.model}_{size[0]}x{size[1]}'
        path = dep.export_onnx(model, size,
                               osp.join(args.out_dir, f'{name}.onnx'),
                               args.opset)
        diff, scale = dep.onnx_parity(model, path, size)
        failed |= diff > args.tolerance
        params = sum(p.numel() for p in model.parameters()) / 1e6
        row = [name, f'{params:.1f}', f'{dep.count_gflops(model, size):.2f}',
               f'{diff:.1e}', f'{scale:.1e}']
        if args.benchmark:
            row += [f'{dep.onnx_latency(path, size, t, args.runs):.1f}'
                    for t in (1, all_threads)]
        rows.append(row)
        print(f'{path}: max abs diff {diff:.2e} '
              f"({'ok' if diff <= args.tolerance else 'FAIL'})",
              flush=True)

    header = ['model', 'params (M)', 'GFLOPs', 'max abs diff',
              'max abs output']
    if args.benchmark:
        header += ['ms/img 1 thread', f'ms/img {all_threads} threads']
    load = '{:.2f} {:.2f} {:.2f}'.format(*os.getloadavg())
    print(f'\nonnxruntime CPU, batch 1; load average {load}')
    print('| ' + ' | '.join(header) + ' |')
    print('|' + '---|' * len(header))
    for row in rows:
        print('| ' + ' | '.join(row) + ' |')
    return int(failed)


if __name__ == '__main__':
    sys.exit(main())
