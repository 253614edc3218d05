"""Scale-consistent random masks for cross-scale reconstruction (CSR)."""
from typing import Dict, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor

MODES = ('consistent', 'reference')


class CrossScaleMaskGenerator:
    """Draw a mask on the anchor grid and carry it to another scale.

    A random mask keeping ``int(Ha * Wa * (1 - mask_ratio))`` cells is drawn
    on the anchor grid (16x8 for 256x128 inputs) and nearest-upsampled to the
    target grid (20x10 for the x1.25 CSR view) with ``F.interpolate``'s index
    mapping, so the same image regions are hidden at both scales. Upsampling
    duplicates some rows and columns, so the number of kept target cells
    varies per sample. The encoder input has a fixed length K =
    ``int(L * (1 - mask_ratio))`` (50 of 200 for the 20x10 CSR view) in both
    modes; they differ in which patches are scored:

    - ``'consistent'`` (default, leak-free): the K visible patches are the
      upsampled kept cells, topped up with randomly chosen hidden cells when
      a sample keeps fewer than K and trimmed at random when it keeps more;
      every patch that is not visible is scored, so no scored patch is ever
      visible and every batch size sees exactly K visible patches.
    - ``'reference'`` (SAIPv1): the same K visible patches, but the scored
      patches are the cells the upsampled mask removes. When a sample keeps
      fewer than K cells, some *scored* patches are fed to the encoder (the
      target leaks); when it keeps more, some patches are neither visible
      nor scored. Kept only to reproduce the reference.

    Args:
        anchor_grid (tuple[int, int]): Grid (rows, cols) the mask is drawn
            on. Defaults to (16, 8).
        mask_ratio (float): Fraction of anchor cells masked. Defaults to
            0.75.
        mode (str): ``'consistent'`` or ``'reference'``. Defaults to
            ``'consistent'``.

    Example:
        >>> gen = CrossScaleMaskGenerator()
        >>> out = gen(2, (20, 10))
        >>> out['keep_ids'].shape[0], out['ids_restore'].shape
        (2, torch.Size([2, 200]))
    """

    def __init__(self,
                 anchor_grid: Tuple[int, int] = (16, 8),
                 mask_ratio: float = 0.75,
                 mode: str = 'consistent') -> None:
        if mode not in MODES:
            raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
        if not 0 <= mask_ratio < 1:
            raise ValueError(f'mask_ratio must be in [0, 1), got {mask_ratio}')
        self.anchor_grid = tuple(anchor_grid)
        self.mask_ratio = mask_ratio
        self.mode = mode
        num_anchor = self.anchor_grid[0] * self.anchor_grid[1]
        self.num_anchor_keep = int(num_anchor * (1 - mask_ratio))

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(anchor_grid={self.anchor_grid}, '
                f'mask_ratio={self.mask_ratio}, mode={self.mode!r})')

    def __call__(self,
                 batch_size: int,
                 target_grid: Tuple[int, int],
                 device: Optional[Union[str, torch.device]] = None,
                 generator: Optional[torch.Generator] = None
                 ) -> Dict[str, Tensor]:
        """Draw one mask per sample.

        Args:
            batch_size (int): Number of samples B.
            target_grid (tuple[int, int]): Patch grid (h, w) of the masked
                view; L = h * w.
            device (str | torch.device, optional): Device of the outputs.
                Defaults to the generator's device (CPU without one).
            generator (torch.Generator, optional): Source of randomness.

        Returns:
            dict[str, Tensor]: ``keep_ids`` (B, K) long, grid indices of the
            visible patches; ``ids_restore`` (B, L) long, the inverse of the
            shuffle ``[keep_ids, other patches]`` (MAE convention: gathering
            ``[visible tokens, mask tokens]`` with it restores grid order);
            ``mask`` (B, L) float, 1 = scored (removed), 0 = visible.
        """
        keep_up = self.upsampled_keep(batch_size, target_grid, generator)
        # Kept cells sort first, in random order within each group.
        noise = self.rand(keep_up.shape, generator, keep_up.device)
        ids_shuffle = torch.argsort(keep_up + noise, dim=1, descending=True)
        ids_restore = torch.argsort(ids_shuffle, dim=1)
        num_keep = int(keep_up.shape[1] * (1 - self.mask_ratio))
        keep_ids = ids_shuffle[:, :num_keep]
        if self.mode == 'consistent':
            mask = torch.ones_like(keep_up)
            mask.scatter_(1, keep_ids, 0.)
        else:
            mask = 1. - keep_up
        out = dict(keep_ids=keep_ids, ids_restore=ids_restore, mask=mask)
        if device is not None:
            out = {k: v.to(device) for k, v in out.items()}
        return out

    def upsampled_keep(self, batch_size: int, target_grid: Tuple[int, int],
                       generator: Optional[torch.Generator] = None
                       ) -> Tensor:
        """Random anchor keep mask (1 = kept), nearest-resized: (B, L)."""
        ha, wa = self.anchor_grid
        noise = self.rand((batch_size, ha * wa), generator)
        keep_cells = torch.argsort(noise, dim=1)[:, :self.num_anchor_keep]
        keep = torch.zeros_like(noise)
        keep.scatter_(1, keep_cells, 1.)
        keep = F.interpolate(keep.view(batch_size, 1, ha, wa),
                             size=tuple(target_grid), mode='nearest')
        return keep.flatten(1)

    @staticmethod
    def rand(shape: Tuple[int, ...],
             generator: Optional[torch.Generator] = None,
             device: Optional[torch.device] = None) -> Tensor:
        """``torch.rand`` on the generator's device (it must match)."""
        if generator is not None:
            device = generator.device
        return torch.rand(shape, generator=generator, device=device)
