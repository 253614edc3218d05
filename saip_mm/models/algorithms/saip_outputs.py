"""What the SAIP model's forwards return, by name."""
from typing import Dict, List, NamedTuple, Optional

from torch import Tensor

from saip_mm.models.backbones.vit_layers import AttnMaps


class StudentTokens(NamedTuple):
    """The student encodings the SAIP objectives read.

    Attributes:
        g1_inter (Tensor): Block-7 tokens (B, 1+N, C) of g1 (CSR context,
            CSS ``inst`` query).
        roi_inter (Tensor, optional): Block-7 tokens of the last local view
            at scale s1 (CSS ``roi`` query); None when nothing reads them.
        cls (list[Tensor], optional): With CSM, the final CLS (B, C) of g1,
            g2, the other local views, the last one at s1 and r at s2.
        attn (list[AttnMaps], optional): With the attention term, the last
            block's (qk, vv) maps of g1 and g2.
    """
    g1_inter: Tensor
    roi_inter: Optional[Tensor] = None
    cls: Optional[List[Tensor]] = None
    attn: Optional[List[AttnMaps]] = None


class SAIPPrediction(NamedTuple):
    """CSR reconstruction and CSS search maps of a batch (visualisation).

    Attributes:
        csr_view (Tensor, optional): The CSR view (g2 upscaled); None
            without CSR, like the other CSR fields.
        csr_mask (dict[str, Tensor], optional): Its
            :class:`~saip_mm.models.utils.CrossScaleMaskGenerator` masks
            (``mask``: 1 = hidden and scored).
        csr_pred (Tensor, optional): Predicted patches (B, L, p*p*3).
        css_maps (dict[str, Tensor], optional): Search maps (B, h, w) in
            [0, 1] of the ``inst`` and ``roi`` queries over the composite;
            None without CSS.
    """
    csr_view: Optional[Tensor] = None
    csr_mask: Optional[Dict[str, Tensor]] = None
    csr_pred: Optional[Tensor] = None
    css_maps: Optional[Dict[str, Tensor]] = None
