"""The views of a SAIP batch, by name: the contract between the data
pipeline and the model."""
from typing import List, NamedTuple, Optional, Sequence

from mmpretrain.structures import DataSample
from torch import Tensor


class SAIPViews(NamedTuple):
    """One batch of SAIP views, each (B, 3, H, W).

    ``saip_mm.PackSAIPInputs`` packs them, and the data preprocessor keeps
    them, in the order of the fields; :func:`split_views` names them back.

    Attributes:
        g1 (Tensor): First global view.
        g2 (Tensor): Second global view.
        local_views (list[Tensor]): The local views ``l1 .. lN``; the last
            one is pasted into the composite (the CSS ``roi`` query).
        r (Tensor): g1 at half scale, made once by
            ``saip_mm.SAIPMultiScaleViews`` (pasted into the composite as
            the CSS ``inst`` person).
        composite (Tensor, optional): The multi-person image of
            ``saip_mm.MultiPersonComposite``; None when the pipeline has no
            composite (CSS off).
    """
    g1: Tensor
    g2: Tensor
    local_views: List[Tensor]
    r: Tensor
    composite: Optional[Tensor] = None

    def to_inputs(self) -> List[Tensor]:
        """The views as a flat list in packing order (inverse of
        :func:`split_views`)."""
        tail = [] if self.composite is None else [self.composite]
        return [self.g1, self.g2, *self.local_views, self.r, *tail]


def split_views(inputs: Sequence[Tensor], num_local_views: int,
                ref_scale: float,
                data_samples: Optional[Sequence[DataSample]] = None,
                need_composite: bool = False) -> SAIPViews:
    """Name the packed views ``[g1, g2, l1 .. lN, r(, composite)]``.

    Args:
        inputs (Sequence[Tensor]): The views, in packing order.
        num_local_views (int): N, the local views the model expects.
        ref_scale (float): The size of r over g1's the model expects.
        data_samples (Sequence[DataSample], optional): Their
            ``num_local_views`` metainfo (written by
            ``saip_mm.SAIPMultiScaleViews``) must equal N.
        need_composite (bool): Fail without the composite (CSS on).
            Defaults to False.

    Returns:
        SAIPViews: The named views.

    Raises:
        ValueError: When the pipeline made other views than the model
            expects: otherwise training would run, with finite losses, on
            the wrong views (e.g. CSS searching in a local view).
    """
    made = (data_samples[0].metainfo.get('num_local_views')
            if data_samples else None)
    n = num_local_views
    with_composite = len(inputs) - 3 - n
    if (made is not None and made != n) or with_composite not in (0, 1):
        made_text = (f'{made} local views' if made is not None else
                     f'{len(inputs)} inputs')
        raise ValueError(
            f'the data pipeline makes {made_text} (SAIPMultiScaleViews '
            f'num_local) but the model expects model.num_local_views={n} '
            f'({3 + n} or {4 + n} inputs: g1, g2, {n} local views, r and '
            'the composite if any); set both to the same value')
    views = SAIPViews(inputs[0], inputs[1], list(inputs[2:2 + n]),
                      inputs[2 + n], inputs[3 + n] if with_composite else None)
    r_size = tuple(int(s * ref_scale) for s in views.g1.shape[-2:])
    if tuple(views.r.shape[-2:]) != r_size:
        raise ValueError(
            f'r is {tuple(views.r.shape[-2:])} (SAIPMultiScaleViews r_scale) '
            f'but the model expects g1 x model.ref_scale={ref_scale} = '
            f'{r_size}; set both to the same value')
    if need_composite and views.composite is None:
        raise ValueError('CSS needs the composite: add '
                         'saip_mm.MultiPersonComposite to the pipeline')
    return views
