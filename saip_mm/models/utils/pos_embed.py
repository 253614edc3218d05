"""Absolute position embeddings on rectangular grids: the fixed 2-D
sine-cosine one, and resampling to another grid."""
from typing import Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


def resample_pos_embed(pos_embed: Tensor, new_grid: Tuple[int, int],
                       old_grid: Tuple[int, int], num_prefix: int = 1,
                       mode: str = '2d', interpolation: str = 'bicubic'
                       ) -> Tensor:
    """Resample a ``(1, num_prefix + H*W, C)`` position embedding.

    Args:
        pos_embed (Tensor): The embedding; prefix (cls) rows first.
        new_grid (tuple[int, int]): Target patch grid (rows, cols).
        old_grid (tuple[int, int]): Grid the embedding was learned on. It is
            explicit because rectangular grids cannot be inferred from the
            token count (timm's ``old_size``).
        num_prefix (int): Leading rows that are not on the grid.
        mode (str): ``'2d'`` interpolates over the spatial grid (intended).
            ``'1d'`` stretches the flattened sequence to ``H*W`` tokens as the
            SAIPv1 reference does; keep it only to reproduce reference
            checkpoints faithfully.
        interpolation (str): ``F.interpolate`` mode for ``'2d'``.

    Returns:
        Tensor: ``(1, num_prefix + new_h*new_w, C)``.
    """
    old_h, old_w = old_grid
    prefix, grid = pos_embed[:, :num_prefix], pos_embed[:, num_prefix:]
    if grid.shape[1] != old_h * old_w:
        raise ValueError(
            f'position embedding has {grid.shape[1]} grid tokens but the '
            f'old grid {old_h}x{old_w} needs {old_h * old_w}')
    if tuple(new_grid) == (old_h, old_w):
        return pos_embed
    new_h, new_w = new_grid
    dtype = grid.dtype
    if mode == '2d':
        grid = grid.reshape(1, old_h, old_w, -1).permute(0, 3, 1, 2)
        grid = F.interpolate(grid.float(), size=(new_h, new_w),
                             mode=interpolation, align_corners=False)
        grid = grid.permute(0, 2, 3, 1).reshape(1, new_h * new_w, -1)
    elif mode == '1d':
        grid = grid.float().transpose(1, 2).unsqueeze(2)  # 1 x C x 1 x L
        grid = F.interpolate(grid, size=(1, new_h * new_w),
                             mode=interpolation, align_corners=False)
        grid = grid.squeeze(2).transpose(1, 2)
    else:
        raise ValueError(f"mode must be '2d' or '1d', got {mode!r}")
    return torch.cat([prefix, grid.to(dtype)], dim=1)


def sincos_pos_embed_2d(grid: Sequence[int], embed_dims: int,
                        cls_token: bool = True,
                        temperature: float = 10000.) -> Tensor:
    """Fixed 2-D sine-cosine position embedding in patch-token order.

    The same frequencies and channel layout as MAE (``sin(x), cos(x),
    sin(y), cos(y)``, a quarter of the channels each), enumerated row-major
    like the tokens of a ``(rows, cols)`` grid.

    Args:
        grid (Sequence[int]): Patch grid (rows, cols).
        embed_dims (int): Channels; a multiple of 4.
        cls_token (bool): Prepend an all-zero row for the CLS token.
            Defaults to True.
        temperature (float): Frequency base. Defaults to 10000.

    Returns:
        Tensor: (1, [1 +] rows * cols, embed_dims).

    Example:
        >>> sincos_pos_embed_2d((16, 8), 192).shape
        torch.Size([1, 129, 192])
    """
    if embed_dims % 4:
        raise ValueError(f'embed_dims must be a multiple of 4, got '
                         f'{embed_dims}')
    rows, cols = torch.meshgrid(
        torch.arange(grid[0], dtype=torch.float32),
        torch.arange(grid[1], dtype=torch.float32),
        indexing='ij')
    quarter = embed_dims // 4
    omega = temperature**(-torch.arange(quarter, dtype=torch.float32) /
                          quarter)
    out_x = cols.flatten()[:, None] * omega
    out_y = rows.flatten()[:, None] * omega
    pos = torch.cat(
        [out_x.sin(), out_x.cos(), out_y.sin(), out_y.cos()], dim=1)[None]
    if cls_token:
        pos = torch.cat([pos.new_zeros(1, 1, embed_dims), pos], dim=1)
    return pos
