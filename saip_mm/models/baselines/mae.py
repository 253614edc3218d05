"""mmpretrain's MAE on rectangular patch grids (256x128 person crops).

mmpretrain 1.2.0 assumes square grids in three places: ``MAEViT`` and
``MAEPretrainDecoder`` build their fixed position embedding for a
``sqrt(num_patches)``-sided square, and ``MAEPretrainHead.patchify`` asserts
``H == W``. Even given an ``(h, w)`` tuple, its
``build_2d_sincos_position_embedding`` enumerates a ``(w, h)`` grid while
the tokens are ``(h, w)`` row-major, which scrambles the positions of every
non-square grid. These subclasses fix exactly that and
keep everything else (masking, decoder, loss) as mmpretrain has it, so the
MAE baseline is mmpretrain's MAE at our input size.

:class:`MAEViTRect` also carries ``arch_meta`` like :class:`SAIPViT`, so its
weights load into ``SAIPViT`` (the key names are the same) with the
architecture checked; see
:func:`saip_mm.utils.model_converters.backbone_from_state`.

It is the baseline of ``configs/mae/`` and
``tools/analysis/compare_pretraining.py``, not part of SAIP.
"""
from typing import Sequence, Tuple

import torch
from mmengine.model import BaseModule
from mmpretrain.models import VisionTransformer
from mmpretrain.models.heads import MAEPretrainHead
from mmpretrain.models.necks import MAEPretrainDecoder
from mmpretrain.models.selfsup import MAEViT
from torch import Tensor

from saip_mm.models.utils.patchify import patchify, unpatchify
from saip_mm.models.utils.pos_embed import sincos_pos_embed_2d
from saip_mm.registry import MODELS


@MODELS.register_module()
class MAEViTRect(MAEViT):
    """``MAEViT`` for any (H, W) input, with its architecture in the state.

    Args:
        arch (str | dict): mmpretrain ViT arch; use ``'deit-tiny'`` (192/12/3)
            or ``'deit-small'``, never ``'small'`` (an older 768-d ViT).
            Defaults to 'deit-tiny'.
        img_size (int | tuple[int, int]): Input (H, W). Defaults to
            (256, 128).
        patch_size (int): Patch size. Defaults to 16.
        **kwargs: Other arguments of mmpretrain's ``MAEViT``.

    Example:
        >>> model = MAEViTRect('deit-tiny', img_size=(256, 128))
        >>> model.init_weights()
        >>> latent, mask, ids_restore = model(torch.rand(2, 3, 256, 128))
        >>> latent.shape, mask.shape
        (torch.Size([2, 33, 192]), torch.Size([2, 128]))
    """

    def __init__(self,
                 arch: str = 'deit-tiny',
                 img_size: Tuple[int, int] = (256, 128),
                 patch_size: int = 16,
                 **kwargs) -> None:
        super().__init__(arch=arch, img_size=img_size, patch_size=patch_size,
                         **kwargs)
        self.register_buffer(
            'arch_meta',
            torch.tensor([
                self.embed_dims, self.num_layers,
                self.arch_settings['num_heads'], patch_size,
                *self.patch_resolution
            ]),
            persistent=True)

    def init_weights(self) -> None:
        """mmpretrain's MAE initialisation with a rectangular embedding."""
        # MAEViT.init_weights would build a square embedding; skip to the ViT
        VisionTransformer.init_weights(self)
        self.pos_embed.data.copy_(
            sincos_pos_embed_2d(self.patch_resolution, self.embed_dims))
        w = self.patch_embed.projection.weight.data
        torch.nn.init.xavier_uniform_(w.view([w.shape[0], -1]))
        torch.nn.init.normal_(self.cls_token, std=.02)


@MODELS.register_module()
class MAEPretrainDecoderRect(MAEPretrainDecoder):
    """``MAEPretrainDecoder`` whose position embedding fits a (h, w) grid.

    Args:
        patch_resolution (Sequence[int]): Encoder patch grid (rows, cols).
            Defaults to (16, 8).
        **kwargs: Other arguments of mmpretrain's ``MAEPretrainDecoder``
            except ``num_patches``.

    Example:
        >>> neck = MAEPretrainDecoderRect((16, 8), embed_dim=192)
        >>> neck.init_weights()
        >>> ids_restore = torch.arange(128)[None]
        >>> neck(torch.rand(1, 33, 192), ids_restore).shape
        torch.Size([1, 128, 768])
    """

    def __init__(self, patch_resolution: Sequence[int] = (16, 8),
                 **kwargs) -> None:
        self.patch_resolution = tuple(patch_resolution)
        super().__init__(
            num_patches=self.patch_resolution[0] * self.patch_resolution[1],
            **kwargs)

    def init_weights(self) -> None:
        """mmpretrain's decoder initialisation with a rectangular grid."""
        BaseModule.init_weights(self)
        self.decoder_pos_embed.data.copy_(
            sincos_pos_embed_2d(self.patch_resolution,
                                self.decoder_pos_embed.shape[-1]))
        torch.nn.init.normal_(self.mask_token, std=.02)


@MODELS.register_module()
class MAEPretrainHeadRect(MAEPretrainHead):
    """``MAEPretrainHead`` that patchifies rectangular images.

    Args:
        patch_resolution (Sequence[int]): Patch grid (rows, cols) that
            :meth:`unpatchify` restores. Defaults to (16, 8).
        **kwargs: Arguments of mmpretrain's ``MAEPretrainHead``.

    Example:
        >>> head = MAEPretrainHeadRect(
        ...     loss=dict(type='mmpretrain.PixelReconstructionLoss',
        ...               criterion='L2'))
        >>> head.patchify(torch.rand(2, 3, 256, 128)).shape
        torch.Size([2, 128, 768])
    """

    def __init__(self, patch_resolution: Sequence[int] = (16, 8),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.patch_resolution = tuple(patch_resolution)

    def patchify(self, imgs: Tensor) -> Tensor:
        """(B, C, H, W) -> (B, h * w, p * p * C), patches row-major."""
        return patchify(imgs, self.patch_size)

    def unpatchify(self, x: Tensor) -> Tensor:
        """(B, h * w, p * p * C) -> (B, C, h * p, w * p)."""
        return unpatchify(x, self.patch_size, self.patch_resolution)
