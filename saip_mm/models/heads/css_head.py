"""Cross-scale search (CSS): find a query person in a multi-person image."""
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.structures import DataSample
from torch import Tensor, nn

from saip_mm.models.backbones.vit_layers import (
    FeedForward,
    TransformerBlock,
    init_vit_weights,
    use_fused_attn,
)
from saip_mm.registry import MODELS


class CrossAttentionBlock(nn.Module):
    """Pre-norm cross-attention then MLP, both residual.

    Args:
        embed_dims (int): Token width.
        num_heads (int): Attention heads.
        mlp_ratio (float): MLP hidden width over ``embed_dims``.
            Defaults to 4.
    """

    def __init__(self, embed_dims: int, num_heads: int,
                 mlp_ratio: float = 4.) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(embed_dims, eps=1e-6)
        self.attn = nn.MultiheadAttention(
            embed_dims, num_heads, batch_first=True)
        self.ln2 = nn.LayerNorm(embed_dims, eps=1e-6)
        self.ffn = FeedForward(embed_dims, int(embed_dims * mlp_ratio))
        # nn.MultiheadAttention materialises the softmax when asked for
        # the weights; otherwise it takes the fused kernel
        self.fused_attn = use_fused_attn()

    def forward(self, query: Tensor, memory: Tensor) -> Tensor:
        """Attend from ``query`` (B, Q, D) to ``memory`` (B, N, D)."""
        attn_out = self.attn(
            self.ln1(query), memory, memory,
            need_weights=not self.fused_attn)[0]
        x = query + attn_out
        return x + self.ffn(self.ln2(x))


@MODELS.register_module()
class CrossScaleSearchHead(BaseModule):
    """Predict where the query person is in a reference image, as a mask.

    The query tokens (student block-7 tokens of one view) pass through a few
    self-attention blocks; their CLS then cross-attends to the reference
    patch tokens (teacher block-7 tokens of the composite) and becomes a
    dynamic kernel. Convolutions turn the reference feature map into mask
    features; the mask logits are the kernel's dot product with the feature
    at each cell. The mask features depend only on the reference, so they
    are computed once for all queries. The loss of query ``name`` compares
    its logits with the ``<name>_mask`` paste mask of the data samples
    (``inst_mask``, ``roi_mask`` from ``saip_mm.MultiPersonComposite``),
    downsampled (nearest) to the reference grid.

    Args:
        in_channels (int): Width of the backbone tokens.
        embed_dims (int): Decoder width. Defaults to 512.
        num_heads (int): Heads of every attention. Defaults to 16.
        num_query_blocks (int): Self-attention blocks on the query.
            Defaults to 2.
        mlp_ratio (float): MLP ratio of the blocks. Defaults to 4.
        num_mask_convs (int): 3x3 convolutions after the 1x1 one in the
            mask-feature path. Defaults to 3.
        loss (dict): Config of the mask loss. Defaults to
            ``dict(type='saip_mm.MaskBCELoss')``.
        loss_weight (float): Weight of each ``loss_css_<name>``.
            Defaults to 1.
        init_cfg (dict | list[dict], optional): Initialisation config.
            Xavier-uniform linears and convolution weights (as the
            reference) are set at construction. Defaults to None.

    Example:
        >>> head = CrossScaleSearchHead(192, num_query_blocks=1)
        >>> query = torch.rand(2, 1 + 128, 192)  # CLS + 16x8 patches
        >>> ref = torch.rand(2, 14 * 14, 192)  # composite patches
        >>> feats = head.mask_features(
        ...     ref.transpose(1, 2).reshape(2, 192, 14, 14))
        >>> head(query, ref, feats).shape
        torch.Size([2, 14, 14])
    """

    def __init__(self,
                 in_channels: int,
                 embed_dims: int = 512,
                 num_heads: int = 16,
                 num_query_blocks: int = 2,
                 mlp_ratio: float = 4.,
                 num_mask_convs: int = 3,
                 loss: dict = dict(type='saip_mm.MaskBCELoss'),
                 loss_weight: float = 1.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.loss_module = MODELS.build(loss)
        self.loss_weight = loss_weight
        self.query_embed = nn.Linear(in_channels, embed_dims)
        self.query_blocks = nn.ModuleList(
            TransformerBlock(embed_dims, num_heads, mlp_ratio, qkv_bias=True)
            for _ in range(num_query_blocks))
        self.ref_embed = nn.Linear(in_channels, embed_dims)
        self.ref_norm = nn.LayerNorm(embed_dims, eps=1e-6)
        self.cross_attn = CrossAttentionBlock(embed_dims, num_heads,
                                              mlp_ratio)
        self.kernel_norm = nn.LayerNorm(embed_dims, eps=1e-6)
        self.kernel_proj = nn.Linear(embed_dims, embed_dims)
        convs = [nn.Conv2d(in_channels, embed_dims, 1), nn.GELU()]
        for _ in range(num_mask_convs):
            convs += [nn.Conv2d(embed_dims, embed_dims, 3, padding=1),
                      nn.GELU()]
        self.mask_convs = nn.Sequential(*convs)
        self.apply(init_vit_weights)
        # the reference's CSSDecoder init also gives the convolutions
        # Xavier-uniform weights (about 1.7x PyTorch's default std); their
        # biases keep PyTorch's default there too
        for conv in self.mask_convs:
            if isinstance(conv, nn.Conv2d):
                nn.init.xavier_uniform_(conv.weight)

    def mask_features(self, ref_map: Tensor) -> Tensor:
        """Mask features (B, D, h, w) of the reference map (B, C, h, w)."""
        return self.mask_convs(ref_map)

    def forward(self, query_tokens: Tensor, ref_tokens: Tensor,
                mask_feats: Tensor) -> Tensor:
        """Mask logits of one query.

        Args:
            query_tokens (Tensor): (B, 1+N, C), CLS first.
            ref_tokens (Tensor): (B, h*w, C) reference patch tokens.
            mask_feats (Tensor): (B, D, h, w) from :meth:`mask_features`.

        Returns:
            Tensor: Logits (B, h, w).
        """
        x = self.query_embed(query_tokens)
        for block in self.query_blocks:
            x = block(x)[0]
        memory = self.ref_norm(self.ref_embed(ref_tokens))
        cls = self.cross_attn(x[:, :1], memory)
        kernel = self.kernel_proj(self.kernel_norm(cls))[:, 0]
        return torch.einsum('bd,bdhw->bhw', kernel, mask_feats)

    def _search(self, queries: Dict[str, Tensor], ref_tokens: Tensor,
                grid: Tuple[int, int]) -> Dict[str, Tensor]:
        B, N, C = ref_tokens.shape
        h, w = grid
        if N != h * w:
            raise ValueError(f'{N} reference tokens do not fill the grid '
                             f'{grid}; pass patch tokens without the CLS')
        feats = self.mask_features(
            ref_tokens.transpose(1, 2).reshape(B, C, h, w))
        return {name: self(query, ref_tokens, feats)
                for name, query in queries.items()}

    def loss(self, queries: Dict[str, Tensor], ref_tokens: Tensor,
             grid: Tuple[int, int],
             data_samples: List[DataSample]) -> Dict[str, Tensor]:
        """Loss of every query's mask logits against its paste mask.

        Args:
            queries (dict[str, Tensor]): Query tokens (B, 1+N_q, C) by name
                (``inst``, ``roi``).
            ref_tokens (Tensor): Reference patch tokens (B, h*w, C).
            grid (tuple[int, int]): Reference grid (h, w).
            data_samples (list[DataSample]): With a ``<name>_mask`` field
                (H, W) per query, at the reference image's resolution.

        Returns:
            dict[str, Tensor]: ``loss_css_<name>`` per query.
        """
        logits = self._search(queries, ref_tokens, grid)
        return {
            f'loss_css_{name}': self.loss_weight * self.loss_module(
                logit, paste_mask(data_samples, f'{name}_mask', grid))
            for name, logit in logits.items()
        }

    @torch.no_grad()
    def predict(self, queries: Dict[str, Tensor], ref_tokens: Tensor,
                grid: Tuple[int, int]) -> Dict[str, Tensor]:
        """Search maps in [0, 1] (B, h, w) by query name, for visualisation."""
        return {
            name: logit.sigmoid()
            for name, logit in self._search(queries, ref_tokens,
                                            grid).items()
        }


def paste_mask(data_samples: List[DataSample], key: str,
               grid: Tuple[int, int]) -> Tensor:
    """Stack a paste mask of the data samples, nearest-downsampled to
    ``grid``: (B, h, w) float."""
    masks = torch.stack([ds.get(key) for ds in data_samples])
    masks = masks.reshape(masks.shape[0], 1, *masks.shape[-2:]).float()
    return F.interpolate(masks, size=grid, mode='nearest')[:, 0]
