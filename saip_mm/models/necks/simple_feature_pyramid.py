"""ViTDet's simple feature pyramid over a plain ViT."""
from typing import Optional, Sequence, Tuple, Union

import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_activation_layer, build_norm_layer
from mmengine.model import BaseModule
from torch import Tensor, nn

from saip_mm.registry import MODELS


@MODELS.register_module()
class SimpleFeaturePyramid(BaseModule):
    """Multi-scale maps from the single stride-16 map of a plain ViT.

    Li et al., "Exploring Plain Vision Transformer Backbones for Object
    Detection" (ViTDet): the last feature map is upsampled with
    transposed convolutions (x4, x2), kept (x1) or max-pooled (x0.5), and
    every level gets a 1x1 and a 3x3 convolution, each followed by a norm
    (LayerNorm over channels in ViTDet). ``num_outs`` beyond the scales add
    coarser levels by stride-2 subsampling of the last one, as FPN's
    ``LastLevelMaxPool`` does for RPN's extra level. mmdet's own version
    (``SimpleFPN``) lives in its ``projects/`` folder and is not installed
    with the wheel, hence this module.

    Args:
        in_channels (int): Channels of the ViT feature map.
        out_channels (int): Channels of every output level.
        scale_factors (Sequence[float]): Resampling of each level relative
            to the input map; 4, 2, 1 and 0.5 give strides 4, 8, 16 and 32
            for a patch-16 ViT. Defaults to (4., 2., 1., 0.5).
        num_outs (int): Number of outputs, ``>= len(scale_factors)``.
            Defaults to 5.
        norm_cfg (dict): Norm after every convolution. Defaults to
            mmpretrain's ``LN2d`` (LayerNorm over channels).
        act_cfg (dict): Activation between the two transposed
            convolutions of the x4 level. Defaults to GELU.
        init_cfg (dict | list[dict], optional): Initialisation config.

    Example:
        >>> neck = SimpleFeaturePyramid(192, 256)
        >>> outs = neck((torch.rand(2, 192, 32, 32), ))
        >>> [tuple(o.shape[-2:]) for o in outs]
        [(128, 128), (64, 64), (32, 32), (16, 16), (8, 8)]
    """
    SCALES = (4., 2., 1., 0.5)

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 scale_factors: Sequence[float] = SCALES,
                 num_outs: int = 5,
                 norm_cfg: dict = dict(type='mmpretrain.LN2d', eps=1e-6),
                 act_cfg: dict = dict(type='GELU'),
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        unknown = set(scale_factors) - set(self.SCALES)
        if unknown:
            raise ValueError(f'scale factors must be among {self.SCALES}, '
                             f'got {sorted(unknown)}')
        if num_outs < len(scale_factors):
            raise ValueError(f'num_outs ({num_outs}) < number of scales '
                             f'({len(scale_factors)})')
        self.num_outs = num_outs
        self.resamplers = nn.ModuleList()
        self.outputs = nn.ModuleList()
        for scale in scale_factors:
            resampler, channels = self.build_resampler(
                scale, in_channels, norm_cfg, act_cfg)
            self.resamplers.append(resampler)
            # bias-free convs: the norm right after provides the shift
            self.outputs.append(nn.Sequential(
                ConvModule(channels, out_channels, 1, bias=False,
                           norm_cfg=norm_cfg, act_cfg=None),
                ConvModule(out_channels, out_channels, 3, padding=1,
                           bias=False, norm_cfg=norm_cfg, act_cfg=None)))

    @staticmethod
    def build_resampler(scale: float, channels: int, norm_cfg: dict,
                        act_cfg: dict) -> Tuple[nn.Module, int]:
        """The resampling block of one level and its output channels."""
        if scale == 4.:
            return nn.Sequential(
                nn.ConvTranspose2d(channels, channels // 2, 2, stride=2),
                build_norm_layer(norm_cfg, channels // 2)[1],
                build_activation_layer(act_cfg),
                nn.ConvTranspose2d(channels // 2, channels // 4, 2,
                                   stride=2)), channels // 4
        if scale == 2.:
            return nn.ConvTranspose2d(channels, channels // 2, 2,
                                      stride=2), channels // 2
        if scale == 1.:
            return nn.Identity(), channels
        return nn.MaxPool2d(2, stride=2), channels

    def forward(self, inputs: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """Build the pyramid from the last backbone output.

        Args:
            inputs (Sequence[Tensor]): Backbone outputs; the last one
                (B, C, H, W) is used.

        Returns:
            tuple[Tensor]: ``num_outs`` maps (B, out_channels, h_i, w_i),
            finest first.
        """
        x = inputs[-1]
        outs = [out(resample(x))
                for resample, out in zip(self.resamplers, self.outputs)]
        while len(outs) < self.num_outs:
            outs.append(F.max_pool2d(outs[-1], 1, stride=2))
        return tuple(outs)
