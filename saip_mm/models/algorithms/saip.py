"""SAIP: Scale-Aware Image Pretraining (arXiv 2503.08201)."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmpretrain.models import BaseSelfSupervisor
from mmpretrain.structures import DataSample
from torch import Tensor
from torch.profiler import record_function

from saip_mm.models.utils import CrossScaleMaskGenerator
from saip_mm.models.utils.multi_view import apply_per_view, encode_views
from saip_mm.models.utils.saip_views import SAIPViews, split_views
from saip_mm.registry import MODELS

from .saip_outputs import SAIPPrediction, StudentTokens
from .teacher import EMATeacher


@MODELS.register_module()
class SAIP(BaseSelfSupervisor):
    """SAIP with Cross-scale Matching, Reconstruction and Search.

    Inputs are the views of :class:`SAIPViews`; the paste masks travel in
    the data samples. An objective whose head is None or has
    ``loss_weight`` 0 builds no module and runs no forward.

    Args:
        backbone (dict): ``saip_mm.SAIPViT`` config.
        csm_head (dict, optional): ``saip_mm.CrossScaleMatchingHead``.
        csr_head (dict, optional): ``saip_mm.CrossScaleReconstructionHead``.
        css_head (dict, optional): ``saip_mm.CrossScaleSearchHead``.
        num_local_views (int): Local views (checked). Defaults to 7.
        extra_scales (Sequence[float]): s1 (last local view) and s2 (r),
            drawn once per batch. Defaults to (0.75, 0.875, 1.125, 1.25).
        csr_scale (float): Upscale of g2 for the CSR view. Defaults to 1.25.
        ref_scale (float): Size of r over g1's (checked). Defaults to 0.5.
        rescale_mode (str): ``F.interpolate`` mode of the in-model rescales
            (the reference's is nearest). Defaults to 'nearest'.
        csr_mask (dict, optional): :class:`CrossScaleMaskGenerator`
            arguments. Defaults to 75 % masking, mode 'consistent'.
        data_preprocessor (dict, optional): Defaults to
            ``mmpretrain.SelfSupDataPreprocessor``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self, backbone: dict, csm_head: Optional[dict] = None,
                 csr_head: Optional[dict] = None,
                 css_head: Optional[dict] = None, num_local_views: int = 7,
                 extra_scales: Sequence[float] = (0.75, 0.875, 1.125, 1.25),
                 csr_scale: float = 1.25, ref_scale: float = 0.5,
                 rescale_mode: str = 'nearest',
                 csr_mask: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(backbone=backbone,
                         data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        heads = {name: cfg for name, cfg in dict(
            csm_head=csm_head, csr_head=csr_head, css_head=css_head).items()
            if cfg is not None and cfg.get('loss_weight', 1.) > 0}
        if not heads:
            raise ValueError('SAIP needs at least one of csm_head, csr_head '
                             'and css_head with a positive loss_weight')
        for name, cfg in heads.items():  # CSM reads final tokens, others
            width = self.backbone.embed_dims if name == 'csm_head' else \
                self.backbone.inter_dims  # inter ones (widths may differ)
            setattr(self, name, MODELS.build({'in_channels': width, **cfg}))
        self.with_csm, self.with_csr, self.with_css = (
            f'{name}_head' in heads for name in ('csm', 'csr', 'css'))
        self.with_attn_loss = (self.with_csm and
                               self.csm_head.att_loss_module is not None)
        self.num_local_views = num_local_views
        self.extra_scales = tuple(extra_scales)
        self.csr_scale, self.ref_scale = csr_scale, ref_scale
        self.rescale_mode = rescale_mode
        self.mask_generator = CrossScaleMaskGenerator(
            anchor_grid=self.backbone.grid_size,
            **(csr_mask or dict(mask_ratio=0.75, mode='consistent')))
        self.inter_depth = self.backbone.inter_index + 1
        self.backbone.freeze_unread(final=not self.with_csm,
                                    inter=not (self.with_csr or self.with_css))
        self.teacher = EMATeacher(self, ('backbone', 'csm_head'))

    def init_weights(self) -> None:
        """Initialise the student, then start the teacher as its copy
        (mmengine's init does not reach the copy made in ``__init__``)."""
        super().init_weights()
        self.teacher.copy_from(self)

    def update_teacher(self, momentum: float) -> None:
        """EMA step of the teacher; called once per optimizer step."""
        self.teacher.update(self, momentum)

    def rescale(self, x: Tensor, scale: float) -> Tensor:
        return F.interpolate(x, scale_factor=scale, mode=self.rescale_mode)

    def extract_feat(self, inputs: List[Tensor], **kwargs) -> Tuple[Tensor]:
        """Backbone output of g1."""
        return self.backbone(inputs[0])

    def draw_scales(self) -> Tuple[float, float]:
        """s1, s2, drawn once per batch from ``extra_scales``."""
        idx = torch.randint(len(self.extra_scales), (2, )).tolist()
        return self.extra_scales[idx[0]], self.extra_scales[idx[1]]

    def loss(self, inputs: List[Tensor], data_samples: List[DataSample],
             **kwargs) -> Dict[str, Tensor]:
        """The ``loss_*`` of every enabled objective (and CSM monitors)."""
        views = split_views(inputs, self.num_local_views, self.ref_scale,
                            data_samples, need_composite=self.with_css)
        student = self.student_forward(views, *self.draw_scales())
        losses = {}
        if self.with_csm:
            losses.update(self.csm_loss(views, student))
        if self.with_csr:
            with record_function('saip:csr'):
                view, mask, pred = self.csr_forward(views.g2,
                                                    student.g1_inter[:, 0])
                losses.update(self.csr_head.loss(pred, view, mask['mask']))
        if self.with_css:
            ref_tokens, grid = self.teacher_reference(views.composite)
            with record_function('saip:css'):
                losses.update(self.css_head.loss(
                    dict(inst=student.g1_inter, roi=student.roi_inter),
                    ref_tokens, grid, data_samples))
        return losses

    def student_forward(self, views: SAIPViews, s1: float,
                        s2: float) -> StudentTokens:
        """The student tokens the enabled objectives read."""
        with record_function('saip:student'):
            last_local = self.rescale(views.local_views[-1], s1)
            if not self.with_csm:
                enc = encode_views(self.backbone,
                                   [views.g1, last_local][:1 + self.with_css],
                                   num_blocks=self.inter_depth)
                return StudentTokens(enc[0]['inter'], enc[-1]['inter']
                                     if self.with_css else None)
            glob = encode_views(self.backbone, [views.g1, views.g2],
                                return_attn=self.with_attn_loss)
            local = encode_views(self.backbone, [
                *views.local_views[:-1], last_local, self.rescale(views.r, s2)
            ])
            return StudentTokens(
                glob[0]['inter'], local[-2]['inter'],
                [out['final'][:, 0] for out in glob + local],
                [out['attn'] for out in glob]
                if self.with_attn_loss else None)

    def csm_loss(self, views: SAIPViews,
                 student: StudentTokens) -> Dict[str, Tensor]:
        """Cross-scale matching: DINO over 10 student / 2 teacher views."""
        with torch.no_grad(), record_function('saip:teacher'):
            teacher = encode_views(self.teacher['backbone'],
                                   [views.g1, views.g2],
                                   return_attn=self.with_attn_loss)
            t_logits = apply_per_view(self.teacher['csm_head'],
                                      [t['final'][:, 0] for t in teacher])
        with record_function('saip:csm'):
            return self.csm_head.loss(
                apply_per_view(self.csm_head, student.cls), t_logits,
                student.attn, [t['attn'] for t in teacher]
                if self.with_attn_loss else None)

    def csr_forward(self, g2: Tensor, context_cls: Tensor
                    ) -> Tuple[Tensor, Dict[str, Tensor], Tensor]:
        """The CSR view (g2 upscaled), its masks and predicted patches."""
        view = self.rescale(g2, self.csr_scale)
        grid = self.backbone.patch_grid(view.shape[-2:])
        mask = self.mask_generator(view.shape[0], grid, device=view.device)
        enc = self.backbone.forward_saip(view, num_blocks=self.inter_depth,
                                         keep_ids=mask['keep_ids'])
        return view, mask, self.csr_head(enc['inter'], context_cls,
                                         mask['ids_restore'], grid)

    def teacher_reference(self, composite: Tensor
                          ) -> Tuple[Tensor, Tuple[int, int]]:
        """CSS reference: teacher block-7 patch tokens (B, h*w, C), grid."""
        with torch.no_grad(), record_function('saip:teacher'):
            ref = self.teacher['backbone'].forward_saip(
                composite, num_blocks=self.inter_depth)
        return ref['inter'][:, self.backbone.num_prefix:], ref['grid']

    @torch.no_grad()
    def predict(self, inputs: List[Tensor],
                data_samples: List[DataSample]) -> SAIPPrediction:
        """CSR reconstruction of g2 and CSS maps of g1 and of the last local
        view (at scale 1) in the composite, for visualisation."""
        views = split_views(inputs, self.num_local_views, self.ref_scale,
                            data_samples, need_composite=self.with_css)
        student = self.student_forward(views, 1., 1.)
        csr = (self.csr_forward(views.g2, student.g1_inter[:, 0])
               if self.with_csr else (None, None, None))
        css = (self.css_head.predict(
            dict(inst=student.g1_inter, roi=student.roi_inter),
            *self.teacher_reference(views.composite))
            if self.with_css else None)
        return SAIPPrediction(*csr, css)
