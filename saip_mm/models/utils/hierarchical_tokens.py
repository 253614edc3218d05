"""The token interface SAIP reads, given to a hierarchical backbone."""
import math
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from saip_mm.registry import MODELS


@MODELS.register_module()
class HierarchicalTokens(BaseModule):
    """A multi-stage backbone seen by SAIP as a ViT with a CLS token.

    SAIP reads a backbone through ``forward_saip``: the block-7 tokens
    (``inter``) and the final tokens, each ``(B, 1+N, C)`` with the CLS
    first, and a masked encoding given the visible patches. For a net of
    stages (``net.forward_stages``, e.g. ``saip_mm.SAIPTinyViT``):

    - ``final``: the last stage's map flattened, with its spatial mean
      prepended as the CLS, through the net's own final norm (CSM reads
      the CLS, which is the net's ``avg_featmap`` output downstream).
    - ``inter``: stage ``inter_stage`` (block 7's role; stride 16 in
      TinyViT, the grid of a ViT/16) the same way through ``inter_norm``
      (CSR and CSS read it). Its grid is the one masks are drawn on.
    - ``keep_ids`` (CSR): indices of the visible cells of the inter grid.
      Every other cell is hidden SimMIM-style: the stem cells under it get
      the net's mask token, the whole grid is encoded, and the tokens of the
      visible cells come back in ``keep_ids`` order, so the CSR head sees
      what it sees with a ViT. The hidden pixels are zeroed too, so none
      of them reaches the net (see :meth:`hide`).

    Windowed attention gives no global attention maps: the attention term of
    CSM is unavailable (``att_loss_weight=0``).

    Args:
        net (dict): Config of the backbone; it needs ``channels``,
            ``num_stages``, ``stem_stride``, ``stage_strides``, ``img_size``,
            ``forward_stages(x, mask, num_stages)``, ``stage_modules(start)``
            and its final norm named ``norm_name``; ``use_mask_token=True``
            for CSR.
        inter_stage (int): 0-based stage that plays block 7's role.
            Defaults to 2.
        norm_eps (float): Epsilon of ``inter_norm``. Defaults to 1e-6.
        init_cfg (dict, optional): Initialisation config. Defaults to None.

    Example:
        >>> tokens = HierarchicalTokens(dict(
        ...     type='saip_mm.SAIPTinyViT', use_mask_token=True))
        >>> out = tokens.forward_saip(torch.rand(2, 3, 256, 128))
        >>> out['inter'].shape, out['final'].shape, out['grid']
        (torch.Size([2, 129, 160]), torch.Size([2, 33, 320]), (16, 8))
    """

    num_prefix = 1
    with_cls_token = True

    def __init__(self, net: dict, inter_stage: int = 2,
                 norm_eps: float = 1e-6,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.net = MODELS.build(net)
        if not 0 <= inter_stage < self.net.num_stages - 1:
            raise ValueError(f'inter_stage must be below the last stage '
                             f'{self.net.num_stages - 1}, got {inter_stage}')
        self.inter_index = inter_stage
        self.num_layers = self.net.num_stages
        self.embed_dims = self.net.channels[-1]
        self.inter_dims = self.net.channels[inter_stage]
        self.patch_size = self.net.stage_strides[inter_stage]
        self.img_size = tuple(self.net.img_size)
        self.grid_size = self.patch_grid(self.img_size)
        self.inter_norm = nn.LayerNorm(self.inter_dims, eps=norm_eps)

    @property
    def final_norm(self) -> nn.Module:
        """The net's final norm (``norm3`` of TinyViT): an alias, so the
        state dict holds it once, under the net."""
        return getattr(self.net, self.net.norm_name)

    def patch_grid(self, hw: Sequence[int],
                   stride: Optional[int] = None) -> Tuple[int, int]:
        """Grid (rows, cols) of an input of size ``hw`` at ``stride`` (the
        inter stage's by default); strided convolutions round up."""
        stride = stride or self.patch_size
        return math.ceil(hw[0] / stride), math.ceil(hw[1] / stride)

    def hidden_cells(self, keep_ids: Tensor,
                     grid: Tuple[int, int]) -> Tensor:
        """(B, h, w) bool, True at the cells of ``grid`` not in
        ``keep_ids``."""
        hidden = torch.ones(keep_ids.shape[0], grid[0] * grid[1],
                            dtype=torch.bool, device=keep_ids.device)
        hidden.scatter_(1, keep_ids, False)
        return hidden.view(-1, *grid)

    @staticmethod
    def upsample(cells: Tensor, ratio: int, size: Sequence[int]) -> Tensor:
        """Each cell of (B, h, w) repeated ``ratio`` x ``ratio`` times,
        cropped to ``size`` (the finer grid rounds the other way)."""
        cells = cells.repeat_interleave(ratio, 1).repeat_interleave(ratio, 2)
        return cells[:, :size[0], :size[1]]

    @staticmethod
    def tokens(feat: Tensor, norm: Callable[[Tensor], Tensor],
               keep_ids: Optional[Tensor] = None) -> Tensor:
        """``norm([mean cell, cells])`` (B, 1+N, C) of a map (B, C, h, w),
        ``norm`` over the last dim; with ``keep_ids`` the cells are those, in
        that order."""
        cells = feat.flatten(2).transpose(1, 2)
        cls = cells.mean(dim=1, keepdim=True)
        if keep_ids is not None:
            cells = torch.gather(
                cells, 1,
                keep_ids.unsqueeze(-1).expand(-1, -1, cells.shape[-1]))
        return norm(torch.cat([cls, cells], dim=1))

    def forward_saip(self, x: Tensor, num_blocks: Optional[int] = None,
                     keep_ids: Optional[Tensor] = None,
                     return_attn: bool = False) -> Dict[str, object]:
        """Forward for SAIP pretraining (``SAIPViT.forward_saip``'s contract).

        Args:
            x (Tensor): Images (B, 3, H, W).
            num_blocks (int, optional): Stop after this many stages (CSR and
                CSS run up to ``inter_index + 1``).
            keep_ids (Tensor, optional): (B, K) visible cells of the inter
                grid; the others are hidden at the stem.
            return_attn (bool): Unsupported (no global attention).

        Returns:
            dict: ``inter`` (B, 1+N, C_inter) after ``inter_norm`` (N = K
            with ``keep_ids``), ``final`` (B, 1+M, C) after the net's final
            norm when every stage ran, ``attn`` None and ``grid`` (h, w) of the
            inter stage.
        """
        if return_attn:
            raise ValueError(
                f'{type(self.net).__name__} has no global attention maps; '
                'switch the CSM attention term off (att_loss_weight=0)')
        depth = self.num_layers if num_blocks is None else num_blocks
        grid = self.patch_grid(x.shape[-2:])
        mask = None
        if keep_ids is not None:
            x, mask = self.hide(x, self.hidden_cells(keep_ids, grid))
        maps: List[Tensor] = self.net.forward_stages(x, mask=mask,
                                                     num_stages=depth)
        out: Dict[str, object] = dict(grid=grid, attn=None, inter=None,
                                      final=None)
        if depth > self.inter_index:
            inter = maps[self.inter_index]
            if tuple(inter.shape[-2:]) != grid:
                raise RuntimeError(f'stage {self.inter_index} gave a grid '
                                   f'{tuple(inter.shape[-2:])}, not {grid}')
            out['inter'] = self.tokens(inter, self.inter_norm, keep_ids)
        if depth == self.num_layers:
            out['final'] = self.tokens(maps[-1], self.final_norm)
        return out

    def hide(self, x: Tensor, hidden: Tensor) -> Tuple[Tensor, Tensor]:
        """Zero the pixels of the hidden inter cells (B, h, w) and give
        their stem cells for the mask token.

        The pixels are zeroed as well because a stem of overlapping
        convolutions (TinyViT's 3x3, stride 2) would show a visible stem
        cell the border pixels of its hidden neighbour.

        Returns:
            tuple[Tensor, Tensor]: The images and the stem mask (B, h', w')
            bool, True = mask token.
        """
        stem = self.net.stem_stride
        stem_mask = self.upsample(hidden, self.patch_size // stem,
                                  self.patch_grid(x.shape[-2:], stem))
        pixels = self.upsample(stem_mask, stem, x.shape[-2:])
        return x.masked_fill(pixels.unsqueeze(1), 0.), stem_mask

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """The net's own outputs (``out_indices`` / ``out_type``)."""
        return self.net(x)

    def freeze_unread(self, final: bool, inter: bool) -> None:
        """Stop the gradients of outputs no loss reads (see
        ``SAIPViT.freeze_unread``): the stages after ``inter_index`` and
        the net's final norm, and ``inter_norm``."""
        unread: List[Optional[nn.Module]] = []
        if final:
            unread += [*self.net.stage_modules(self.inter_index + 1),
                       self.final_norm]
        if inter:
            unread.append(self.inter_norm)
        for module in filter(None, unread):
            module.requires_grad_(False)
