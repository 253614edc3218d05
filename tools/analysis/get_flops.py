"""Parameters and FLOPs of a config's model at its input size.

Works for any OpenMMLab config (the ``default_scope`` decides). The model is
built with ``backbone.init_cfg=None`` (no checkpoint is read). FLOPs are
counted with :class:`torch.utils.flop_counter.FlopCounterMode` on one image
through ``model(inputs, mode='tensor')``; when that forward needs data
samples (e.g. SAIP pretraining, two-stage detectors), the backbone alone is
measured, and the output says which.

Example:
    python tools/analysis/get_flops.py configs/saip/saip_vit-t.py
    python tools/analysis/get_flops.py CONFIG --shape 256 192
"""
import argparse
import os.path as osp
import sys
from typing import Callable, Optional, Sequence, Tuple

import torch
from torch import nn

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from runner_cli import import_saip_mm  # noqa: E402

DEFAULT_SHAPE = (224, 224)
# Pipeline transforms that fix the spatial size, with the key holding it;
# OpenMMLab transforms give sizes as (w, h).
SIZE_TRANSFORMS = {
    'Resize': 'scale',
    'CenterCrop': 'crop_size',
    'RandomResizedCrop': 'scale',
    'RandomCrop': 'crop_size',
    'TopdownAffine': 'input_size',
}


def parse_args(argv: Optional[list] = None) -> argparse.Namespace:
    """Parse the command line."""
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description='Parameters and FLOPs of a config\'s model')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--shape',
        type=int,
        nargs='+',
        help='input size: H W, or one number for a square (default: the '
        'config\'s input size)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config (key=value)')
    args = parser.parse_args(argv)
    if args.shape is not None and len(args.shape) not in (1, 2):
        parser.error('--shape takes H W or a single size')
    return args


def _hw(size, order: str) -> Optional[Tuple[int, int]]:
    """``size`` (int or pair in ``order`` 'hw' or 'wh') as (H, W)."""
    if isinstance(size, int):
        return size, size
    if isinstance(size, Sequence) and len(size) == 2 and all(
            isinstance(s, int) for s in size):
        return tuple(size) if order == 'hw' else (size[1], size[0])
    return None


def _pipeline_size(pipeline) -> Optional[Tuple[int, int]]:
    """The size set by the last sizing transform of a pipeline."""
    found = None
    for transform in pipeline or []:
        name = str(transform.get('type', '')).split('.')[-1]
        key = SIZE_TRANSFORMS.get(name)
        if key is not None and transform.get(key) is not None:
            found = _hw(transform[key], 'wh') or found
    return found


def infer_input_shape(cfg) -> Tuple[Tuple[int, int], str]:
    """The (H, W) a config's model sees, and where it was read.

    Looked up in order: ``model.backbone.img_size`` (H, W), mmpose's
    ``codec.input_size`` (W, H), mmseg's ``crop_size`` (H, W), the sizing
    transforms of the test then the train pipeline (W, H), else 224x224.

    Args:
        cfg (mmengine.config.Config): The config.

    Returns:
        tuple: ``((H, W), source)``.
    """
    backbone = cfg.model.get('backbone', None) or {}
    codec = cfg.get('codec', None)
    candidates = [
        ('model.backbone.img_size', backbone.get('img_size'), 'hw'),
        ('codec.input_size',
         codec.get('input_size') if isinstance(codec, dict) else None, 'wh'),
        ('crop_size', cfg.get('crop_size', None), 'hw'),
    ]
    for source, size, order in candidates:
        if size is not None and _hw(size, order) is not None:
            return _hw(size, order), source
    for split in ('test', 'val', 'train'):
        loader = cfg.get(f'{split}_dataloader', None) or {}
        pipeline = (loader.get('dataset', None) or {}).get('pipeline')
        size = _pipeline_size(pipeline)
        if size is not None:
            return size, f'{split}_dataloader pipeline'
    return DEFAULT_SHAPE, 'default'


def build_model(cfg) -> nn.Module:
    """Build ``cfg.model`` in the config's scope without loading weights."""
    from mmengine.registry import MODELS, DefaultScope
    model_cfg = cfg.model.copy()
    if model_cfg.get('backbone', None) is not None:
        model_cfg.backbone.init_cfg = None
    model_cfg.pop('pretrained', None)
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope')):
        return MODELS.build(model_cfg).eval()


def count_params(module: nn.Module) -> int:
    """Number of parameters of ``module``."""
    return sum(p.numel() for p in module.parameters())


def count_flops(forward: Callable[[], object]) -> int:
    """FLOPs (2 per multiply-add) of one call of ``forward``.

    On the CPU, attention dispatches to
    ``_scaled_dot_product_flash_attention_for_cpu``, which torch's counter
    does not know; it is counted like the GPU attention kernels.
    """
    from torch.utils.flop_counter import FlopCounterMode, sdpa_flop

    def cpu_sdpa_flop(*args, **kwargs) -> int:
        return sdpa_flop(*args, **kwargs)

    # sdpa_flop already takes tensors (not shapes): pass them through raw
    cpu_sdpa_flop._get_raw = True
    aten = torch.ops.aten
    mapping = {}
    if hasattr(aten, '_scaled_dot_product_flash_attention_for_cpu'):
        mapping[aten._scaled_dot_product_flash_attention_for_cpu] = \
            cpu_sdpa_flop
    with torch.no_grad(), FlopCounterMode(
            display=False, custom_mapping=mapping) as counter:
        forward()
    return counter.get_total_flops()


def measure(model: nn.Module, shape: Tuple[int, int]) -> Tuple[int, str]:
    """FLOPs of the whole model, else of its backbone, on one image.

    Returns:
        tuple: ``(flops, what was measured)``.
    """
    inputs = torch.randn(1, 3, *shape)
    try:
        return count_flops(lambda: model(inputs, mode='tensor')), \
            "the whole model, model(inputs, mode='tensor')"
    except Exception as error:  # the forward needs data samples
        backbone = getattr(model, 'backbone', None)
        if backbone is None:
            raise
        reason = f'{type(error).__name__}: {str(error).splitlines()[0]}'
        return count_flops(lambda: backbone(inputs)), \
            ('the backbone only (the whole forward failed without data '
             f'samples: {reason[:120]})')


def main(argv: Optional[list] = None) -> None:
    """Entry point; ``argv`` defaults to ``sys.argv[1:]``."""
    args = parse_args(argv)
    import_saip_mm()
    from mmengine.config import Config
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.shape is not None:
        shape, source = _hw(args.shape * (3 - len(args.shape)), 'hw'), \
            '--shape'
    else:
        shape, source = infer_input_shape(cfg)
    model = build_model(cfg)
    flops, measured = measure(model, shape)
    backbone = getattr(model, 'backbone', None)
    line = '=' * 72
    print(line)
    print(f'Config:        {args.config}')
    print(f'Model:         {type(model).__name__} '
          f'(default_scope {cfg.get("default_scope", None)!r})')
    print(f'Input shape:   (1, 3, {shape[0]}, {shape[1]}) [from {source}]')
    print(f'Params total:  {count_params(model) / 1e6:.3f} M')
    if backbone is not None:
        print(f'Params backbone ({type(backbone).__name__}): '
              f'{count_params(backbone) / 1e6:.3f} M')
    print(f'FLOPs of:      {measured}')
    print(f'MACs:          {flops / 2e9:.3f} G  (multiply-adds; what '
          'OpenMMLab/fvcore tables call "FLOPs")')
    print(f'FLOPs:         {flops / 1e9:.3f} G  (2 per multiply-add)')
    print(line)


if __name__ == '__main__':
    main()
