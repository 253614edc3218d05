"""ONNX export of SAIP backbones and pose models, parity and CPU latency."""
import os.path as osp
import statistics
import time
import warnings
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import Tensor, nn

from saip_mm.models.backbones import SAIPTinyViT, SAIPViT

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
POSE_CONFIG = osp.join(REPO_ROOT, 'configs', 'pose',
                       'saip-{}_td-hm_coco-256x192.py')
# ``--arch tinyvit-5m`` names SAIPTinyViT's '5m' preset
TINYVIT_PREFIX = 'tinyvit-'


def is_tinyvit(arch: Union[str, dict]) -> bool:
    """Whether ``arch`` is a :class:`SAIPTinyViT` one: ``'tinyvit-<preset>'``
    or a dict with ``channels`` (a :class:`SAIPViT` one otherwise)."""
    if isinstance(arch, dict):
        return 'channels' in arch
    return arch.lower().startswith(TINYVIT_PREFIX)


def backbone_arch(arch: Union[str, dict]) -> Union[str, dict]:
    """The ``arch`` argument of the backbone class: ``'5m'`` for
    ``'tinyvit-5m'``, anything else as it is."""
    if isinstance(arch, str) and is_tinyvit(arch):
        return arch[len(TINYVIT_PREFIX):]
    return arch


def model_name(arch: Union[str, dict]) -> str:
    """``saip_vit-tiny`` / ``saip_tinyvit-5m``: the files' name stem."""
    if is_tinyvit(arch):
        return f'saip_tinyvit-{backbone_arch(arch)}'
    return f'saip_vit-{arch}'


class PoseHeatmapModel(nn.Module):
    """A top-down pose estimator as an image-to-heatmaps network.

    Runs the estimator's backbone, neck and head without post-processing
    (``mode='tensor'``), which is what an edge runtime executes; decoding
    the heatmaps to keypoints stays on the host.

    Args:
        estimator (nn.Module): An mmpose ``TopdownPoseEstimator``.

    Example:
        >>> model = PoseHeatmapModel(build_pose_estimator('tiny'))
        >>> model(torch.rand(1, 3, 256, 192)).shape
        torch.Size([1, 17, 64, 48])
    """

    def __init__(self, estimator: nn.Module) -> None:
        super().__init__()
        self.estimator = estimator

    def forward(self, images: Tensor) -> Tensor:
        return self.estimator(images, None, mode='tensor')


def build_backbone(arch: Union[str, dict] = 'tiny',
                   input_size: Tuple[int, int] = (256, 128),
                   checkpoint: Optional[str] = None) -> nn.Module:
    """A downstream SAIPViT or SAIPTinyViT (last feature map output).

    Args:
        arch (str | dict): SAIPViT's ``tiny``, ``small``, ``base`` (or an
            alias), ``tinyvit-5m`` (SAIPTinyViT's preset ``5m``), or a
            custom arch dict of either (see :func:`is_tinyvit`).
        input_size (tuple[int, int]): (H, W) the graph is exported at.
        checkpoint (str, optional): Backbone checkpoint; random weights
            otherwise.

    Returns:
        nn.Module: The backbone in eval mode; its output is (B, C, h, w),
        for SAIPTinyViT the last stage's normed map (stride 32).
    """
    init_cfg = (dict(type='Pretrained', checkpoint=checkpoint)
                if checkpoint else None)
    if is_tinyvit(arch):
        backbone = SAIPTinyViT(backbone_arch(arch),
                               img_size=tuple(input_size),
                               out_type='featmap', init_cfg=init_cfg)
    else:
        backbone = SAIPViT(arch, img_size=tuple(input_size),
                           out_type='featmap', inter_index=None,
                           init_cfg=init_cfg)
    backbone.init_weights()
    return backbone.eval()


def build_pose_estimator(arch: Union[str, dict] = 'tiny',
                         config: Optional[str] = None,
                         checkpoint: Optional[str] = None) -> nn.Module:
    """The mmpose top-down heatmap model of ``configs/pose`` for ``arch``.

    Uses ``config`` if given, else ``configs/pose/saip-vit-<t|s>_...py``
    (``saip-tinyvit-5m_...py`` for a SAIPTinyViT arch); an arch without its
    own config (``base``) takes the ViT-T (TinyViT-5M) config with the
    backbone and the head width swapped, i.e. the ViTPose-B layout.

    Args:
        arch (str | dict): Backbone arch, as for :func:`build_backbone`.
        config (str, optional): An mmpose config with a SAIP backbone.
        checkpoint (str, optional): Full pose checkpoint; random weights
            otherwise.

    Returns:
        nn.Module: The estimator in eval mode.
    """
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmengine.runner import load_checkpoint
    from mmpose.registry import MODELS

    if is_tinyvit(arch):
        channels = SAIPTinyViT.parse_arch(backbone_arch(arch))['channels']
        embed_dims = channels[-1]
        name, default = model_name(arch)[len('saip_'):], 'tinyvit-5m'
    else:
        embed_dims = SAIPViT.parse_arch(arch)['embed_dims']
        name = 'vit-' + {192: 't', 384: 's', 768: 'b'}.get(embed_dims, 'x')
        default = 'vit-t'
    if config is None:
        config = POSE_CONFIG.format(name)
        if not osp.isfile(config):
            config = POSE_CONFIG.format(default)
    cfg = Config.fromfile(config)
    cfg.model.backbone.update(arch=backbone_arch(arch), init_cfg=None)
    cfg.model.head.in_channels = embed_dims
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    model.init_weights()
    if checkpoint:
        load_checkpoint(model, checkpoint, map_location='cpu')
    return model.eval()


def export_onnx(model: nn.Module, input_size: Tuple[int, int], path: str,
                opset: int = 17) -> str:
    """Export ``model`` for (N, 3, H, W) inputs with a dynamic batch.

    The spatial size is fixed: the position embedding is resampled for it
    at export time (torch's tracer warns about exactly that; silenced).

    Args:
        model (nn.Module): Image model in eval mode.
        input_size (tuple[int, int]): (H, W).
        path (str): Output file.
        opset (int): ONNX opset. Defaults to 17.

    Returns:
        str: ``path``.
    """
    dummy = torch.rand(1, 3, *input_size)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter('ignore', torch.jit.TracerWarning)
        warnings.simplefilter('ignore', DeprecationWarning)
        # the TorchScript exporter: the dynamo one needs onnxscript
        torch.onnx.export(
            model, (dummy, ), path, input_names=['images'],
            output_names=['output'], opset_version=opset, dynamo=False,
            dynamic_axes=dict(images={0: 'batch'}, output={0: 'batch'}))
    return path


def ort_session(path: str, threads: int = 0):
    """An onnxruntime CPU session; ``threads`` 0 lets it use every core."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(path, options,
                                providers=['CPUExecutionProvider'])


def onnx_parity(model: nn.Module, path: str, input_size: Tuple[int, int],
                batch_size: int = 2,
                seed: int = 0) -> Tuple[float, float]:
    """Max abs difference of onnxruntime vs PyTorch on random images.

    A batch of 2 also checks the dynamic batch axis.

    Returns:
        tuple[float, float]: The max abs difference and the max abs PyTorch
        output, its scale (randomly initialised heads output tiny values,
        which make a tiny absolute difference meaningless on its own).
    """
    generator = torch.Generator().manual_seed(seed)
    images = torch.randn(batch_size, 3, *input_size, generator=generator)
    with torch.no_grad():
        expected = model(images)
    expected = expected[0] if isinstance(expected, tuple) else expected
    got = ort_session(path).run(None, {'images': images.numpy()})[0]
    if got.shape != tuple(expected.shape):
        raise ValueError(f'onnxruntime output {got.shape} != PyTorch '
                         f'{tuple(expected.shape)}')
    expected = expected.numpy()
    return float(np.abs(got - expected).max()), float(np.abs(expected).max())


def onnx_latency(path: str, input_size: Tuple[int, int], threads: int,
                 runs: int = 30, warmup: int = 5) -> float:
    """Median onnxruntime milliseconds per image at batch 1."""
    session = ort_session(path, threads)
    images = np.random.default_rng(0).standard_normal(
        (1, 3, *input_size)).astype(np.float32)
    times = []
    for i in range(warmup + runs):
        start = time.perf_counter()
        session.run(None, {'images': images})
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def count_gflops(model: nn.Module, input_size: Sequence[int]) -> float:
    """Forward GFLOPs of one image (FlopCounterMode)."""
    from torch.utils.flop_counter import FlopCounterMode
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(torch.rand(1, 3, *input_size))
    return counter.get_total_flops() / 1e9


__all__ = [
    'PoseHeatmapModel', 'build_backbone', 'build_pose_estimator',
    'export_onnx', 'onnx_parity', 'onnx_latency', 'count_gflops',
    'ort_session', 'is_tinyvit', 'model_name'
]
