"""Parameters and FLOPs of a config's model at its input size.

Works for any OpenMMLab config (the ``default_scope`` decides). The model is
built with ``backbone.init_cfg=None`` (no checkpoint is read). FLOPs are
counted with :class:`torch.utils.flop_counter.FlopCounterMode` on the whole
model (backbone, neck and heads), then on the backbone alone:

* downstream models run ``model(inputs, data_samples, mode='tensor')`` on one
  random image of the input size, packed by the config's own packing
  transform (``PackDetInputs``, ``PackPoseInputs``, ...) and passed through
  the model's data preprocessor (mmdet's get_flops feeds real val images the
  same way; mmpose's builds the batch from the input shape). A two-stage
  detector's count depends on its proposals: the output says how many;
* self-supervised models (SAIP, MAE), whose ``mode='tensor'`` is the
  backbone alone, run one training forward without backward,
  ``model(inputs, data_samples, mode='loss')``, on one sample of the
  config's train pipeline over the built-in demo photo: every view, and
  for SAIP the teacher and every enabled head.

If the whole model cannot be run, the output says so in capitals, gives the
error, reports the backbone alone, and the exit status is 1.

Example:
    python tools/analysis/get_flops.py configs/saip/saip_vit-t.py
    python tools/analysis/get_flops.py CONFIG --shape 256 192
"""
import argparse
import contextlib
import os.path as osp
import sys
import traceback
from typing import Callable, Iterator, NamedTuple, Optional, Sequence, Tuple

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
        'config\'s input size; self-supervised models take their views '
        'from the train pipeline instead)')
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


def _pipeline(cfg, split: str) -> list:
    """The pipeline of a split's dataset (inside dataset wrappers too)."""
    dataset = (cfg.get(f'{split}_dataloader', None) or {}).get('dataset')
    while dataset and 'pipeline' not in dataset and 'dataset' in dataset:
        dataset = dataset['dataset']
    return list((dataset or {}).get('pipeline') or [])


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
        size = _pipeline_size(_pipeline(cfg, split))
        if size is not None:
            return size, f'{split}_dataloader pipeline'
    return DEFAULT_SHAPE, 'default'


def build_model(cfg) -> nn.Module:
    """Build ``cfg.model`` in the config's scope without loading weights.

    A top-level ``data_preprocessor`` (mmpretrain configs) goes into the
    model when the model has none, as mmengine's ``Runner`` does.
    """
    from mmengine.registry import MODELS
    model_cfg = cfg.model.copy()
    if model_cfg.get('backbone', None) is not None:
        model_cfg.backbone.init_cfg = None
    model_cfg.pop('pretrained', None)
    if model_cfg.get('data_preprocessor', None) is None and \
            cfg.get('data_preprocessor', None) is not None:
        model_cfg.data_preprocessor = cfg.data_preprocessor
    with _scope(cfg):
        return MODELS.build(model_cfg).eval()


def _scope(cfg):
    """Context in which registry names resolve as in the config."""
    from mmengine.registry import DefaultScope
    return DefaultScope.overwrite_default_scope(cfg.get('default_scope'))


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


def packing_transform(cfg) -> dict:
    """The ``Pack*`` transform ending the test (else val, train) pipeline.

    Raises:
        ValueError: No pipeline of the config packs its inputs.
    """
    for split in ('test', 'val', 'train'):
        for transform in reversed(_pipeline(cfg, split)):
            name = str(transform.get('type', '')).split('.')[-1]
            if name.startswith('Pack'):
                return transform
    raise ValueError('no Pack* transform in the test, val or train '
                     'pipeline: cannot make data samples')


def test_batch(cfg, model: nn.Module, shape: Tuple[int, int]
               ) -> Tuple[dict, str]:
    """One random image of ``shape`` (H, W) as a test batch of the model.

    The config's packing transform makes the library's data sample (image
    size, scale factor 1) and the model's data preprocessor normalises,
    pads and adds the batch shape, as in testing.

    Returns:
        tuple: ``(dict(inputs, data_samples), how it was made)``.
    """
    import numpy as np
    from mmengine.registry import TRANSFORMS
    with _scope(cfg):
        pack = TRANSFORMS.build(packing_transform(cfg))
    h, w = shape
    image = np.random.RandomState(0).randint(0, 256, (h, w, 3), np.uint8)
    packed = pack(dict(img=image, img_id=0, img_path='', ori_shape=(h, w),
                       img_shape=(h, w), scale_factor=(1., 1.)))
    data = model.data_preprocessor(
        dict(inputs=[packed['inputs']],
             data_samples=[packed['data_samples']]), False)
    return data, (f'one random image packed by {type(pack).__name__} and '
                  f'{type(model.data_preprocessor).__name__}')


def pretraining_batch(cfg, model: nn.Module) -> Tuple[dict, str]:
    """One sample of the config's train pipeline, on the demo photo.

    The train dataset is replaced by ``saip_mm.DemoPersonDataset`` (no
    download); the pipeline, the collate function and the data
    preprocessor are the config's.

    Returns:
        tuple: ``(dict(inputs, data_samples), how it was made)``.
    """
    from functools import partial

    from mmengine.registry import DATASETS, FUNCTIONS
    with _scope(cfg):
        dataset = DATASETS.build(
            dict(type='saip_mm.DemoPersonDataset', num_samples=1,
                 pipeline=_pipeline(cfg, 'train')))
        collate_cfg = dict(cfg.train_dataloader.get(
            'collate_fn', None) or dict(type='pseudo_collate'))
        collate = collate_cfg.pop('type')
        if isinstance(collate, str):
            collate = FUNCTIONS.get(collate)
    batch = partial(collate, **collate_cfg)([dataset[0]])
    data = model.data_preprocessor(batch, True)
    return data, 'one sample of the train pipeline on the demo photo'


def is_self_supervised(model: nn.Module) -> bool:
    """Whether ``model`` is a pretraining algorithm (no test forward)."""
    try:
        from mmpretrain.models import BaseSelfSupervisor
    except ImportError:
        return False
    return isinstance(model, BaseSelfSupervisor)


def describe_inputs(inputs) -> str:
    """Shapes of a batch of inputs: a tensor, or views grouped by shape."""
    if isinstance(inputs, torch.Tensor):
        return str(tuple(inputs.shape))
    shapes = [tuple(x.shape) for x in inputs]
    groups = {shape: shapes.count(shape) for shape in shapes}
    return f'{len(shapes)} views: ' + ', '.join(
        f'{n} x {shape}' for shape, n in groups.items())


class Measurement(NamedTuple):
    """One FLOPs count and what it ran."""
    flops: int
    what: str
    inputs: str


@contextlib.contextmanager
def recording(obj: object, name: str, calls: list) -> Iterator[None]:
    """Append ``(args, result)`` of every ``obj.<name>(...)`` to ``calls``.

    The method is replaced on the instance for the duration only; without
    such a method nothing is recorded.
    """
    method = getattr(obj, name, None)
    if method is None:
        yield
        return

    def record(*args, **kwargs):
        result = method(*args, **kwargs)
        calls.append((args, result))
        return result

    setattr(obj, name, record)
    try:
        yield
    finally:
        delattr(obj, name)


def _first_proposals(calls: list) -> Optional[int]:
    """Proposals of the first image in recorded ``roi_head.forward(x,
    rpn_results_list, data_samples)`` calls (mmdet), if any."""
    try:
        return len(calls[0][0][1][0])
    except (IndexError, TypeError):
        return None


def measure_whole(cfg, model: nn.Module,
                  shape: Tuple[int, int]) -> Tuple[Measurement, object]:
    """FLOPs of the whole model: a test forward, or one training forward of
    a self-supervised model (its ``mode='tensor'`` is the backbone only).

    Data-dependent sizes are said in the description: the proposals a
    two-stage detector's RoI head ran on, the scales SAIP drew.

    Returns:
        tuple: ``(measurement, the model's inputs)``.
    """
    from mmengine.runner import set_random_seed
    set_random_seed(0)  # views, masks and proposals: repeatable counts
    if is_self_supervised(model):
        data, source = pretraining_batch(cfg, model)
        scales: list = []
        model.train()
        try:
            with recording(model, 'draw_scales', scales):
                flops = count_flops(lambda: model(**data, mode='loss'))
        finally:
            model.eval()
        what = ('the whole model, one training forward without backward '
                '(every view and every module the loss runs: backbone, '
                'teacher, heads): '
                f"model(inputs, data_samples, mode='loss') on {source}")
        if scales:
            what += (f'; in-model scales (s1, s2) = {scales[0][1]} drawn '
                     'with seed 0')
        return Measurement(flops, what, describe_inputs(data['inputs'])), \
            data['inputs']
    data, source = test_batch(cfg, model, shape)
    rois: list = []
    with recording(getattr(model, 'roi_head', None), 'forward', rois):
        flops = count_flops(lambda: model(data['inputs'],
                                          data['data_samples'],
                                          mode='tensor'))
    what = ('the whole model (backbone, neck and heads): '
            f"model(inputs, data_samples, mode='tensor') on {source}")
    proposals = _first_proposals(rois)
    if proposals is not None:
        what += f'; the RoI head ran on {proposals} proposals'
    return Measurement(flops, what, describe_inputs(data['inputs'])), \
        data['inputs']


def measure_backbone(model: nn.Module, inputs) -> Measurement:
    """FLOPs of ``model.backbone`` on a tensor, or on the first view."""
    first = inputs if isinstance(inputs, torch.Tensor) else inputs[0]
    flops = count_flops(lambda: model.backbone(first))
    what = f'the backbone only, backbone(inputs) on {tuple(first.shape)}'
    return Measurement(flops, what, str(tuple(first.shape)))


def print_flops(prefix: str, flops: int) -> None:
    """The MACs and FLOPs lines of one count."""
    print(f'{prefix + "MACs:":<14} {flops / 2e9:.3f} G  (multiply-adds; '
          'what OpenMMLab/fvcore tables call "FLOPs")')
    print(f'{prefix + "FLOPs:":<14} {flops / 1e9:.3f} G  (2 per multiply-add)')


def measure(cfg, model: nn.Module, shape: Tuple[int, int]
            ) -> Tuple[Optional[Measurement], Optional[Measurement],
                       Optional[str]]:
    """The whole model's count, the backbone's, and why the first failed.

    A failure of the whole model prints its traceback; the backbone then
    runs on a random image of ``shape``. A model without backbone has no
    second count (and a failure of its whole forward is raised).
    """
    backbone = getattr(model, 'backbone', None)
    try:
        whole, inputs = measure_whole(cfg, model, shape)
        failure = None
    except Exception as error:  # reported by main, loudly, with exit 1
        if backbone is None:
            raise
        traceback.print_exc()
        whole, inputs = None, torch.randn(1, 3, *shape)
        failure = f'{type(error).__name__}: {error}'.splitlines()[0]
    part = measure_backbone(model, inputs) if backbone is not None else None
    return whole, part, failure


def main(argv: Optional[list] = None) -> None:
    """Entry point; ``argv`` defaults to ``sys.argv[1:]``.

    Exits with status 1 after the report when the whole model could not be
    counted.
    """
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
    whole, part, failure = measure(cfg, model, shape)
    if whole is not None and is_self_supervised(model):
        source = 'the train pipeline'
    backbone = getattr(model, 'backbone', None)
    line = '=' * 72
    print(line)
    print(f'Config:        {args.config}')
    print(f'Model:         {type(model).__name__} '
          f'(default_scope {cfg.get("default_scope", None)!r})')
    print(f'Input shape:   {(whole or part).inputs} [from {source}]')
    params = count_params(model)
    print(f'Params total:  {params / 1e6:.3f} M ({params})')
    if backbone is not None:
        params = count_params(backbone)
        print(f'Params backbone ({type(backbone).__name__}): '
              f'{params / 1e6:.3f} M ({params})')
    if whole is not None:
        print(f'FLOPs of:      {whole.what}')
        print_flops('', whole.flops)
    else:
        print('!' * 72)
        print('WHOLE-MODEL FLOPs NOT COUNTED: the whole model failed to run '
              f'({failure}); the numbers below are of THE BACKBONE ONLY')
        print('!' * 72)
    if part is not None:
        print(f'FLOPs of:      {part.what}')
        print_flops('Backbone ', part.flops)
    print(line)
    if failure is not None:
        sys.exit(f'get_flops: whole-model FLOPs not counted ({failure})')


if __name__ == '__main__':
    main()
