"""Images to patch rows and back, for any (H, W) and patch size."""
from typing import Tuple

from torch import Tensor


def patchify(imgs: Tensor, patch_size: int) -> Tensor:
    """(B, C, H, W) images to (B, h*w, p*p*C) patches.

    Patches are row-major over the ``(h, w)`` grid like the tokens of the
    ViT; within a patch the order is (row, col, channel), as in MAE.

    Args:
        imgs (Tensor): Images whose H and W are multiples of ``patch_size``.
        patch_size (int): Patch side p.

    Returns:
        Tensor: (B, h*w, p*p*C).

    Example:
        >>> patchify(torch.rand(2, 3, 256, 128), 16).shape
        torch.Size([2, 128, 768])
    """
    B, C, H, W = imgs.shape
    p = patch_size
    if H % p or W % p:
        raise ValueError(f'image size {(H, W)} is not a multiple of the '
                         f'patch size {p}')
    h, w = H // p, W // p
    x = imgs.reshape(B, C, h, p, w, p).permute(0, 2, 4, 3, 5, 1)
    return x.reshape(B, h * w, p * p * C)


def unpatchify(patches: Tensor, patch_size: int,
               grid: Tuple[int, int]) -> Tensor:
    """Inverse of :func:`patchify`: (B, h*w, p*p*C) to (B, C, h*p, w*p).

    Args:
        patches (Tensor): Patch rows, as :func:`patchify` makes them.
        patch_size (int): Patch side p.
        grid (tuple[int, int]): Patch grid (h, w); a rectangle cannot be
            inferred from the number of patches.

    Returns:
        Tensor: (B, C, h*p, w*p).
    """
    B = patches.shape[0]
    (h, w), p = grid, patch_size
    x = patches.reshape(B, h, w, p, p, -1).permute(0, 5, 1, 3, 2, 4)
    return x.reshape(B, -1, h * p, w * p)
