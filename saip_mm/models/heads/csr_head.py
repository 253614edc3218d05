"""Cross-scale reconstruction (CSR): an MAE decoder with cross-view context."""
from typing import Dict, Optional, Tuple

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from saip_mm.models.backbones.vit_layers import (
    TransformerBlock,
    init_vit_weights,
)
from saip_mm.models.utils.patchify import patchify, unpatchify
from saip_mm.models.utils.pos_embed import resample_pos_embed
from saip_mm.registry import MODELS


@MODELS.register_module()
class CrossScaleReconstructionHead(BaseModule):
    """Reconstruct the masked patches of a rescaled view.

    The decoder sees ``[masked-view CLS, context CLS, L patch slots]``: the
    encoder's visible tokens of the masked view (e.g. ``g2`` at x1.25,
    20x10 patches), the block-7 CLS of another view at the anchor scale
    (``g1``) as cross-scale context, and mask tokens at the hidden patches.
    It predicts the (per-patch normalised) pixels of every patch; the loss
    counts the scored ones only.

    Position embeddings are learned on the anchor grid. ``pos_resample='2d'``
    resizes them over the grid to the masked view's grid and gives the
    context CLS its own embedding. ``'1d'`` reproduces SAIPv1: the
    flattened anchor rows are stretched to ``1 + L`` entries, the first of
    which goes to the context CLS.

    Args:
        in_channels (int): Width of the encoder tokens.
        embed_dims (int): Decoder width. Defaults to 512.
        depth (int): Decoder blocks. Defaults to 8.
        num_heads (int): Decoder heads. Defaults to 16.
        mlp_ratio (float): MLP ratio of the blocks. Defaults to 4.
        patch_size (int): Patch size of the target. Defaults to 16.
        img_channels (int): Image channels. Defaults to 3.
        anchor_grid (tuple[int, int]): Grid the position embedding is
            learned on. Defaults to (16, 8).
        norm_pix (bool): Normalise each target patch by its mean and
            variance. Defaults to True.
        pos_resample (str): ``'2d'`` or ``'1d'``. Defaults to '2d'.
        pos_embed_init (str): ``'uniform'`` (U[0, 1) as the reference) or
            ``'trunc_normal'`` (std 0.02), for the position embeddings and
            the mask token. Defaults to 'uniform'.
        loss (dict): Config of the masked pixel loss. Defaults to
            ``dict(type='mmpretrain.PixelReconstructionLoss',
            criterion='L2')``.
        loss_weight (float): Weight of ``loss_csr``. Defaults to 1.
        init_cfg (dict | list[dict], optional): Initialisation config. The
            reference initialisation is applied at construction.
            Defaults to None.

    Example:
        >>> head = CrossScaleReconstructionHead(192, depth=2)
        >>> visible = torch.rand(2, 1 + 48, 192)  # CLS + 48 visible
        >>> ids_restore = torch.argsort(torch.rand(2, 200), dim=1)
        >>> head(visible, torch.rand(2, 192), ids_restore, (20, 10)).shape
        torch.Size([2, 200, 768])
    """

    def __init__(self,
                 in_channels: int,
                 embed_dims: int = 512,
                 depth: int = 8,
                 num_heads: int = 16,
                 mlp_ratio: float = 4.,
                 patch_size: int = 16,
                 img_channels: int = 3,
                 anchor_grid: Tuple[int, int] = (16, 8),
                 norm_pix: bool = True,
                 pos_resample: str = '2d',
                 pos_embed_init: str = 'uniform',
                 loss: dict = dict(
                     type='mmpretrain.PixelReconstructionLoss',
                     criterion='L2'),
                 loss_weight: float = 1.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if pos_resample not in ('2d', '1d'):
            raise ValueError(
                f"pos_resample must be '2d' or '1d', got {pos_resample!r}")
        self.patch_size = patch_size
        self.img_channels = img_channels
        self.anchor_grid = tuple(anchor_grid)
        self.norm_pix = norm_pix
        self.pos_resample = pos_resample
        self.loss_weight = loss_weight
        num_anchor = self.anchor_grid[0] * self.anchor_grid[1]

        self.decoder_embed = nn.Linear(in_channels, embed_dims)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        self.decoder_pos_embed = nn.Parameter(
            torch.zeros(1, 1 + num_anchor, embed_dims))
        if pos_resample == '2d':
            self.context_pos_embed = nn.Parameter(
                torch.zeros(1, 1, embed_dims))
        self.blocks = nn.ModuleList(
            TransformerBlock(embed_dims, num_heads, mlp_ratio, qkv_bias=True)
            for _ in range(depth))
        self.norm = nn.LayerNorm(embed_dims, eps=1e-6)
        self.predictor = nn.Linear(embed_dims,
                                   patch_size**2 * img_channels)
        self.loss_module = MODELS.build(loss)
        self._init_layers(pos_embed_init)

    def _init_layers(self, pos_embed_init: str) -> None:
        self.apply(init_vit_weights)
        tokens = [self.mask_token, self.decoder_pos_embed]
        if self.pos_resample == '2d':
            tokens.append(self.context_pos_embed)
        for param in tokens:
            if pos_embed_init == 'uniform':
                nn.init.uniform_(param, 0., 1.)
            elif pos_embed_init == 'trunc_normal':
                nn.init.trunc_normal_(param, std=.02)
            else:
                raise ValueError(f'unknown pos_embed_init {pos_embed_init!r}')

    def position_embeddings(self, grid: Tuple[int, int]
                            ) -> Tuple[Tensor, Tensor, Tensor]:
        """Embeddings of the masked CLS, the context CLS and the patches.

        Returns:
            tuple[Tensor, Tensor, Tensor]: (1, 1, D), (1, 1, D) and
            (1, h*w, D).
        """
        h, w = grid
        pos = self.decoder_pos_embed
        if self.pos_resample == '2d':
            pos = resample_pos_embed(pos, grid, self.anchor_grid, 1, '2d')
            return pos[:, :1], self.context_pos_embed, pos[:, 1:]
        # The reference stretches the flat anchor rows to 1 + L entries and
        # hands the first to the context CLS.
        pos = resample_pos_embed(pos, (1, 1 + h * w), self.anchor_grid, 1,
                                 '1d')
        return pos[:, :1], pos[:, 1:2], pos[:, 2:]

    def forward(self, visible_tokens: Tensor, context_cls: Tensor,
                ids_restore: Tensor, grid: Tuple[int, int]) -> Tensor:
        """Predict the pixels of every patch of the masked view.

        Args:
            visible_tokens (Tensor): (B, 1+K, C), the masked view's CLS and
                its K visible patch tokens in ``keep_ids`` order.
            context_cls (Tensor): (B, C), the CLS of the context view.
            ids_restore (Tensor): (B, L) long, inverse of the shuffle
                ``[keep_ids, rest]`` (see ``CrossScaleMaskGenerator``).
            grid (tuple[int, int]): Patch grid (h, w) of the masked view.

        Returns:
            Tensor: Predictions (B, L, p*p*img_channels) in grid order.
        """
        B, L = ids_restore.shape
        if L != grid[0] * grid[1]:
            raise ValueError(f'ids_restore has {L} entries but grid {grid} '
                             f'has {grid[0] * grid[1]} patches')
        x = self.decoder_embed(visible_tokens)
        context = self.decoder_embed(context_cls).unsqueeze(1)
        cls, visible = x[:, :1], x[:, 1:]
        mask_tokens = self.mask_token.to(x.dtype).expand(
            B, L - visible.shape[1], -1)
        patches = torch.cat([visible, mask_tokens], dim=1)
        patches = torch.gather(
            patches, 1,
            ids_restore.unsqueeze(-1).expand(-1, -1, x.shape[-1]))
        cls_pos, context_pos, patch_pos = self.position_embeddings(grid)
        x = torch.cat(
            [cls + cls_pos, context + context_pos, patches + patch_pos],
            dim=1)
        for block in self.blocks:
            x = block(x)[0]
        return self.predictor(self.norm(x)[:, 2:])

    def patchify(self, imgs: Tensor) -> Tensor:
        """(B, C, H, W) images to (B, h*w, p*p*C) patches (see
        :func:`~saip_mm.models.utils.patchify.patchify`)."""
        return patchify(imgs, self.patch_size)

    def unpatchify(self, x: Tensor, grid: Tuple[int, int]) -> Tensor:
        """Inverse of :meth:`patchify`: (B, h*w, p*p*C) to (B, C, H, W)."""
        return unpatchify(x, self.patch_size, grid)

    def construct_target(self, imgs: Tensor) -> Tensor:
        """Patchified target, per-patch normalised when ``norm_pix``."""
        target = self.patchify(imgs)
        if self.norm_pix:
            mean = target.mean(dim=-1, keepdim=True)
            var = target.var(dim=-1, keepdim=True)
            target = (target - mean) / (var + 1.e-6)**.5
        return target

    def loss(self, pred: Tensor, target_imgs: Tensor,
             mask: Tensor) -> Dict[str, Tensor]:
        """Pixel loss on the scored patches.

        Args:
            pred (Tensor): (B, L, p*p*C) from :meth:`forward`.
            target_imgs (Tensor): The masked view's images (B, C, H, W).
            mask (Tensor): (B, L), 1 = scored, 0 = visible.

        Returns:
            dict[str, Tensor]: ``loss_csr``.
        """
        target = self.construct_target(target_imgs)
        loss = self.loss_module(pred.float(), target.float(), mask.float())
        return dict(loss_csr=self.loss_weight * loss)
