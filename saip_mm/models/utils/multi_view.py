"""Running several views through one module in as few calls as possible."""
from typing import Dict, List, Tuple

import torch
from torch import Tensor, nn


def encode_views(encoder: nn.Module, views: List[Tensor],
                 **kwargs) -> List[Dict[str, object]]:
    """``encoder.forward_saip(view, **kwargs)`` of every view, in view order.

    The views of one resolution run as one batch, and the outputs are split
    back per view: the same values as one forward per view (up to float
    summation order), in fewer, larger calls.

    Args:
        encoder (nn.Module): A backbone with ``forward_saip``
            (``saip_mm.SAIPViT``).
        views (list[Tensor]): (B_i, 3, H_i, W_i) each.
        **kwargs: Passed to ``forward_saip``.

    Returns:
        list[dict]: ``forward_saip``'s output of each view.
    """
    groups: Dict[Tuple[int, ...], List[int]] = {}
    for i, view in enumerate(views):
        groups.setdefault(tuple(view.shape[-2:]), []).append(i)
    outs: List[Dict[str, object]] = [{} for _ in views]
    for ids in groups.values():
        batch = (views[ids[0]] if len(ids) == 1 else
                 torch.cat([views[i] for i in ids]))
        out = encoder.forward_saip(batch, **kwargs)
        for j, i in enumerate(ids):
            outs[i] = {k: chunk_of(v, j, len(ids)) for k, v in out.items()}
    return outs


def apply_per_view(module: nn.Module, inputs: List[Tensor]) -> List[Tensor]:
    """``module`` of every tensor, in one call on their concatenation.

    For modules that treat the rows of a batch independently (a projection
    head), so one call gives what a call per view gives.
    """
    sizes = [x.shape[0] for x in inputs]
    return list(module(torch.cat(inputs)).split(sizes))


def chunk_of(value: object, index: int, chunks: int) -> object:
    """Chunk ``index`` of ``chunks`` along the batch of a forward output
    (a tensor, a tuple of attention maps); other values pass through."""
    if isinstance(value, Tensor):
        return value.chunk(chunks)[index]
    if isinstance(value, tuple) and value and isinstance(value[0], Tensor):
        return tuple(v.chunk(chunks)[index] for v in value)
    return value
