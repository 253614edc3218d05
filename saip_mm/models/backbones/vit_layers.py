"""Transformer layers shared by the SAIP backbone and its decoders.

Parameter names follow mmpretrain's ``VisionTransformer``
(``ln1``, ``attn.qkv``, ``attn.proj``, ``ln2``, ``ffn.layers.0.0``,
``ffn.layers.1``), so mmpretrain ViT checkpoints and layer-decay rules read
ours unchanged.
"""
import os
from typing import Optional, Tuple

import torch.nn.functional as F
from mmcv.cnn.bricks import DropPath
from torch import Tensor, nn

# the last block's (softmax(q k^T), softmax(v v^T)) maps, each
# (B, heads, N, N): what SAIP's attention-distillation term compares
AttnMaps = Tuple[Tensor, Tensor]

# One setting for every attention layer, as timm's ``use_fused_attn()``:
# ``SAIP_FUSED_ATTN=0`` makes the layers built afterwards materialise the
# softmax (to compare kernels); the losses are the same either way.
_FUSED_ATTN = os.environ.get('SAIP_FUSED_ATTN', '1') != '0'


def use_fused_attn() -> bool:
    """Whether new attention layers use ``F.scaled_dot_product_attention``
    (read once per layer, at construction, into its ``fused_attn``)."""
    return _FUSED_ATTN


class MultiheadSelfAttention(nn.Module):
    """Multi-head self-attention with fused kernels and optional maps.

    The fused path (``F.scaled_dot_product_attention``) is used unless the
    caller asks for the attention maps, which SAIP's attention-distillation
    term needs from the last block: then it also returns
    ``softmax(q k^T / sqrt(d))`` and the value relation
    ``softmax(v v^T / sqrt(d))``. Whether the fused kernel is used at all
    follows :func:`use_fused_attn`.

    Args:
        embed_dims (int): Token width.
        num_heads (int): Number of heads.
        qkv_bias (bool): Bias in the qkv projection. Defaults to True.
    """

    def __init__(self, embed_dims: int, num_heads: int,
                 qkv_bias: bool = True) -> None:
        super().__init__()
        assert embed_dims % num_heads == 0, (
            f'embed_dims {embed_dims} is not divisible by num_heads '
            f'{num_heads}')
        self.num_heads = num_heads
        self.head_dims = embed_dims // num_heads
        self.scale = self.head_dims**-0.5
        self.qkv = nn.Linear(embed_dims, embed_dims * 3, bias=qkv_bias)
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.fused_attn = use_fused_attn()

    def forward(self, x: Tensor, return_attn: bool = False
                ) -> Tuple[Tensor, Optional[AttnMaps]]:
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, self.head_dims)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        maps = None
        if self.fused_attn and not return_attn:
            out = F.scaled_dot_product_attention(q, k, v)
        else:
            attn = (q * self.scale @ k.transpose(-2, -1)).softmax(dim=-1)
            out = attn @ v
            if return_attn:
                value_rel = (v * self.scale @
                             v.transpose(-2, -1)).softmax(dim=-1)
                maps = (attn, value_rel)
        out = out.transpose(1, 2).reshape(B, N, C)
        return self.proj(out), maps


class FeedForward(nn.Module):
    """Two-layer MLP named like mmcv's ``FFN`` (``layers.0.0``, ``layers.1``).

    Args:
        embed_dims (int): Token width.
        hidden_dims (int): Hidden width.
    """

    def __init__(self, embed_dims: int, hidden_dims: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Sequential(nn.Linear(embed_dims, hidden_dims), nn.GELU()),
            nn.Linear(hidden_dims, embed_dims))

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x)


class TransformerBlock(nn.Module):
    """Pre-norm transformer block with drop-path.

    Args:
        embed_dims (int): Token width.
        num_heads (int): Number of attention heads.
        mlp_ratio (float): Hidden width of the MLP over ``embed_dims``.
            Defaults to 4.
        qkv_bias (bool): Bias in the qkv projection. Defaults to True.
        drop_path_rate (float): Stochastic depth rate. Defaults to 0.
        norm_eps (float): LayerNorm epsilon. Defaults to 1e-6.
    """

    def __init__(self, embed_dims: int, num_heads: int,
                 mlp_ratio: float = 4., qkv_bias: bool = True,
                 drop_path_rate: float = 0., norm_eps: float = 1e-6) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(embed_dims, eps=norm_eps)
        self.attn = MultiheadSelfAttention(embed_dims, num_heads, qkv_bias)
        self.ln2 = nn.LayerNorm(embed_dims, eps=norm_eps)
        self.ffn = FeedForward(embed_dims, int(embed_dims * mlp_ratio))
        self.drop_path = (DropPath(drop_path_rate)
                          if drop_path_rate > 0 else nn.Identity())

    def forward(self, x: Tensor, return_attn: bool = False
                ) -> Tuple[Tensor, Optional[AttnMaps]]:
        attn_out, maps = self.attn(self.ln1(x), return_attn)
        x = x + self.drop_path(attn_out)
        x = x + self.drop_path(self.ffn(self.ln2(x)))
        return x, maps


def init_vit_weights(module: nn.Module) -> None:
    """Reference initialisation: Xavier-uniform linears, unit LayerNorms."""
    if isinstance(module, nn.Linear):
        nn.init.xavier_uniform_(module.weight)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.LayerNorm):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)


__all__ = [
    'AttnMaps', 'MultiheadSelfAttention', 'FeedForward', 'TransformerBlock',
    'init_vit_weights', 'use_fused_attn'
]
