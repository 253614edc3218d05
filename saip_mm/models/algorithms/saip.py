"""SAIP: Scale-Aware Image Pretraining (arXiv 2503.08201)."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmpretrain.models import BaseSelfSupervisor
from mmpretrain.structures import DataSample
from torch import Tensor, nn
from torch.profiler import record_function

from saip_mm.models.utils import CrossScaleMaskGenerator
from saip_mm.registry import MODELS

from .teacher import EMATeacher

# Work-saving paths that leave every loss and gradient unchanged (up to
# float summation order). Each can be switched off, to measure it
# (tools/analysis/benchmark_pretrain.py --naive) and to test that claim.
SPEEDUPS = dict(
    # F.scaled_dot_product_attention in every attention of the student,
    # the teacher and the decoders, except where a loss needs the maps
    fused_attention=True,
    # one forward per resolution instead of one per view, and one CSM head
    # call (one normalisation of its 65536-row last layer) for all views
    batch_views=True,
    # the CSS mask features of the composite computed once for both queries
    shared_css_features=True,
    # the teacher mirrors (and averages) only the backbone and the CSM head,
    # and encodes the composite only up to the block CSS reads
    minimal_teacher=True,
)


def head_enabled(cfg: Optional[dict]) -> bool:
    """An objective exists only when configured with a positive weight."""
    return cfg is not None and cfg.get('loss_weight', 1.) > 0


@MODELS.register_module()
class SAIP(BaseSelfSupervisor):
    """SAIP with Cross-scale Matching, Reconstruction and Search.

    Inputs come from ``saip_mm.PackSAIPInputs`` in the order
    ``[g1, g2, l1..lN, composite]`` (B x 3 x H x W each, normalised by the
    data preprocessor); the composite's paste masks travel in the data
    samples as ``inst_mask`` (where ``r`` = g1 at half scale was pasted) and
    ``roi_mask`` (where the last local view was pasted).

    Each objective is switched off by setting its head to None or its
    ``loss_weight`` to 0; a disabled objective builds no module and skips
    its forwards.

    Args:
        backbone (dict): ``saip_mm.SAIPViT`` config.
        csm_head (dict, optional): ``saip_mm.CrossScaleMatchingHead``.
        csr_head (dict, optional): ``saip_mm.CrossScaleReconstructionHead``.
        css_head (dict, optional): ``saip_mm.CrossScaleSearchHead``.
        num_local_views (int): Local views in the inputs. Defaults to 7.
        extra_scales (Sequence[float]): Scales drawn once per batch for the
            last local view (s1) and for ``r`` (s2). Defaults to
            (0.75, 0.875, 1.125, 1.25).
        csr_scale (float): Upscale of g2 for the CSR view. Defaults to 1.25.
        ref_scale (float): Scale of ``r`` relative to g1. Defaults to 0.5.
        rescale_mode (str): ``F.interpolate`` mode of the in-model rescales;
            the reference uses ``'nearest'``. Defaults to 'nearest'.
        csr_mask (dict): :class:`CrossScaleMaskGenerator` arguments.
            Defaults to ``dict(mask_ratio=0.75, mode='consistent')``.
        speedups (dict, optional): Overrides of :data:`SPEEDUPS` by name;
            all on by default.
        data_preprocessor (dict, optional): Defaults to
            ``mmpretrain.SelfSupDataPreprocessor``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 csm_head: Optional[dict] = None,
                 csr_head: Optional[dict] = None,
                 css_head: Optional[dict] = None,
                 num_local_views: int = 7,
                 extra_scales: Sequence[float] = (0.75, 0.875, 1.125, 1.25),
                 csr_scale: float = 1.25,
                 ref_scale: float = 0.5,
                 rescale_mode: str = 'nearest',
                 csr_mask: Optional[dict] = None,
                 speedups: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(backbone=backbone,
                         data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if not any(map(head_enabled, (csm_head, csr_head, css_head))):
            raise ValueError('SAIP needs at least one of csm_head, csr_head '
                             'and css_head with a positive loss_weight')
        embed_dims = self.backbone.embed_dims
        for name, cfg in (('csm_head', csm_head), ('csr_head', csr_head),
                          ('css_head', css_head)):
            if head_enabled(cfg):
                cfg = dict(cfg)
                cfg.setdefault('in_channels', embed_dims)
                setattr(self, name, MODELS.build(cfg))
        self.num_local_views = num_local_views
        self.extra_scales = tuple(extra_scales)
        self.csr_scale = csr_scale
        self.ref_scale = ref_scale
        self.rescale_mode = rescale_mode
        self.mask_generator = CrossScaleMaskGenerator(
            anchor_grid=self.backbone.grid_size,
            **(csr_mask or dict(mask_ratio=0.75, mode='consistent')))
        self.inter_depth = self.backbone.inter_index + 1
        unknown = set(speedups or {}) - set(SPEEDUPS)
        if unknown:
            raise ValueError(f'unknown speedups {sorted(unknown)}; choose '
                             f'from {sorted(SPEEDUPS)}')
        self.speedups = {**SPEEDUPS, **(speedups or {})}
        self.freeze_unused_backbone_parts()
        self.teacher = EMATeacher(self.teacher_sources())
        # a checkpoint without teacher weights (e.g. a backbone given as
        # load_from) starts the teacher from the loaded student
        self._register_load_state_dict_pre_hook(self._fill_missing_teacher)
        for module in self.modules():
            if hasattr(module, 'fused_attn'):
                module.fused_attn = self.speedups['fused_attention']

    def freeze_unused_backbone_parts(self) -> None:
        """Stop gradients of backbone parts no enabled objective reads.

        Without CSM nothing reads the blocks after ``inter_norm`` and the
        final norm; without CSR and CSS nothing reads ``inter_norm``. Under
        ``DistributedDataParallel(find_unused_parameters=False)`` a trainable
        parameter without gradient stops training at the second iteration,
        so every ablation freezes what it does not train (the exported
        backbone keeps those parts at their initial values).
        """
        unused = []
        if not self.with_csm:
            unused += list(self.backbone.layers[self.inter_depth:])
            unused.append(getattr(self.backbone, 'ln1', None))
        if not (self.with_csr or self.with_css):
            unused.append(getattr(self.backbone, 'inter_norm', None))
        for module in unused:
            if module is not None:
                module.requires_grad_(False)

    def init_weights(self) -> None:
        """Initialise the student, then start the teacher as its copy.

        The teacher is a deep copy made in ``__init__``, before any weight
        initialisation; mmengine's init does not reach it (it is a plain
        ``nn.Module``), so without this it would start from an unrelated
        network (the reference copies the student into the teacher).
        ``load_from`` / ``--resume`` run after this and keep the checkpoint's
        teacher.
        """
        super().init_weights()
        self.teacher.copy_from(self.teacher_sources())

    def _fill_missing_teacher(self, state_dict: dict, prefix: str,
                              *args) -> None:
        """Teacher keys absent from a checkpoint come from its student."""
        own = f'{prefix}teacher.net.'
        if any(key.startswith(own) for key in state_dict):
            return
        for key in self.teacher.net.state_dict():
            student_key = prefix + key
            if student_key in state_dict:
                state_dict[own + key] = state_dict[student_key]

    @property
    def with_csm(self) -> bool:
        return hasattr(self, 'csm_head')

    @property
    def with_csr(self) -> bool:
        return hasattr(self, 'csr_head')

    @property
    def with_css(self) -> bool:
        return hasattr(self, 'css_head')

    @property
    def with_attn_loss(self) -> bool:
        return self.with_csm and self.csm_head.att_loss_module is not None

    def teacher_sources(self) -> Dict[str, nn.Module]:
        """Student modules the teacher mirrors (no unused decoders)."""
        if not self.speedups['minimal_teacher']:
            return {name: getattr(self, name) for name in (
                'backbone', 'csm_head', 'csr_head', 'css_head')
                if hasattr(self, name)}
        sources = dict(backbone=self.backbone)
        if self.with_csm:
            sources['csm_head'] = self.csm_head
        return sources

    @torch.no_grad()
    def update_teacher(self, momentum: float) -> None:
        """EMA step of the teacher; called once per optimizer step."""
        self.teacher.update(self.teacher_sources(), momentum)

    def rescale(self, x: Tensor, scale: float) -> Tensor:
        """In-model rescale (the reference uses nearest interpolation)."""
        return F.interpolate(x, scale_factor=scale, mode=self.rescale_mode)

    def draw_scales(self) -> Tuple[float, float]:
        """s1, s2 drawn once per batch from ``extra_scales``."""
        idx = torch.randint(len(self.extra_scales), (2, )).tolist()
        return self.extra_scales[idx[0]], self.extra_scales[idx[1]]

    def extract_feat(self, inputs: List[Tensor], **kwargs) -> Tuple[Tensor]:
        """Backbone output of the first view."""
        return self.backbone(inputs[0])

    def loss(self, inputs: List[Tensor], data_samples: List[DataSample],
             **kwargs) -> Dict[str, Tensor]:
        """All enabled objectives on one batch of views.

        Returns:
            dict[str, Tensor]: ``loss_csm``, ``loss_csm_att``, ``loss_csr``,
            ``loss_css_inst``, ``loss_css_roi`` for the enabled objectives.
        """
        self.check_views(inputs, data_samples)
        g1, g2 = inputs[0], inputs[1]
        local_views = inputs[2:2 + self.num_local_views]
        s1, s2 = self.draw_scales()
        last_local = self.rescale(local_views[-1], s1)
        student = self.student_forward(g1, g2, local_views[:-1], last_local,
                                       s2)
        losses = {}
        if self.with_csm:
            losses.update(self.csm_loss(g1, g2, student))
        if self.with_csr:
            losses.update(self.csr_loss(g2, student['g1_inter'][:, 0]))
        if self.with_css:
            composite = inputs[2 + self.num_local_views]
            losses.update(
                self.css_loss(composite, student, data_samples))
        return losses

    def check_views(self, inputs: List[Tensor],
                    data_samples: List[DataSample]) -> None:
        """Fail when the pipeline's views do not match ``num_local_views``.

        ``SAIPMultiScaleViews`` records how many local views it made
        (``num_local_views`` in the data samples' metainfo); a mismatch would
        otherwise train with finite losses on the wrong views (e.g. CSS
        searching inside a local view instead of the composite).
        """
        made = (data_samples[0].metainfo.get('num_local_views')
                if data_samples else None)
        needed = 2 + self.num_local_views + int(self.with_css)
        if (made is not None and made != self.num_local_views) or \
                len(inputs) < needed:
            made_text = (f'{made} local views' if made is not None else
                         f'{len(inputs)} inputs')
            raise ValueError(
                f'the data pipeline makes {made_text} '
                '(SAIPMultiScaleViews num_local) but the model expects '
                f'model.num_local_views={self.num_local_views} '
                f'({needed} inputs: g1, g2, {self.num_local_views} locals'
                f'{", composite" if self.with_css else ""}); set both to '
                'the same value')

    def student_forward(self, g1: Tensor, g2: Tensor,
                        other_locals: List[Tensor], last_local: Tensor,
                        s2: float) -> Dict[str, object]:
        """Student encodings the enabled objectives need.

        With CSM off, only the block-7 tokens of g1 (and of the last local
        view for CSS) are computed.

        Returns:
            dict: ``g1_inter`` and ``last_local_inter`` (block-7 tokens);
            with CSM, ``cls`` (final CLS per view: g1, g2, the other locals,
            the last local, r) and ``global_attn`` (maps of g1 and g2).
        """
        with record_function('saip:student'):
            out: Dict[str, object] = {}
            if self.with_csm:
                ref = self.rescale(self.rescale(g1, self.ref_scale), s2)
                glob = self.encode_views(self.backbone, [g1, g2],
                                         return_attn=self.with_attn_loss)
                local = self.encode_views(self.backbone,
                                          [*other_locals, last_local, ref])
                out['cls'] = [o['final'][:, 0] for o in glob + local]
                out['global_attn'] = [o['attn'] for o in glob]
                first, last = glob[0], local[-2]
            else:
                views = [g1, last_local] if self.with_css else [g1]
                enc = self.encode_views(self.backbone, views,
                                        num_blocks=self.inter_depth)
                first, last = enc[0], enc[1] if self.with_css else None
            out['g1_inter'] = first['inter']
            out['last_local_inter'] = last['inter'] if last else None
        return out

    def encode_views(self, encoder: nn.Module, views: List[Tensor],
                     num_blocks: Optional[int] = None,
                     return_attn: bool = False) -> List[Dict[str, object]]:
        """``encoder.forward_saip`` of every view, in view order.

        With ``batch_views``, the views of one resolution run as one batch.
        """
        groups: Dict[object, List[int]] = {}
        for i, view in enumerate(views):
            key = (tuple(view.shape[-2:])
                   if self.speedups['batch_views'] else i)
            groups.setdefault(key, []).append(i)
        outs: List[Dict[str, object]] = [{} for _ in views]
        for ids in groups.values():
            batch = (views[ids[0]] if len(ids) == 1 else
                     torch.cat([views[i] for i in ids]))
            out = encoder.forward_saip(batch, num_blocks=num_blocks,
                                       return_attn=return_attn)
            for j, i in enumerate(ids):
                outs[i] = {k: chunk_of(v, j, len(ids))
                           for k, v in out.items()}
        return outs

    def apply_per_view(self, module: nn.Module,
                       inputs: List[Tensor]) -> List[Tensor]:
        """``module`` on every view: one call for all with ``batch_views``."""
        if not self.speedups['batch_views']:
            return [module(x) for x in inputs]
        sizes = [x.shape[0] for x in inputs]
        return list(module(torch.cat(inputs)).split(sizes))

    def csm_loss(self, g1: Tensor, g2: Tensor,
                 student: Dict[str, object]) -> Dict[str, Tensor]:
        """Cross-scale matching: DINO over 10 student / 2 teacher views."""
        with torch.no_grad(), record_function('saip:teacher'):
            teacher = self.encode_views(self.teacher['backbone'], [g1, g2],
                                        return_attn=self.with_attn_loss)
            t_logits = self.apply_per_view(
                self.teacher['csm_head'],
                [t['final'][:, 0] for t in teacher])
        with record_function('saip:csm'):
            s_logits = self.apply_per_view(self.csm_head, student['cls'])
            s_attn = t_attn = None
            if self.with_attn_loss:
                s_attn = student['global_attn']
                t_attn = [t['attn'] for t in teacher]
            return self.csm_head.loss(s_logits, t_logits, s_attn, t_attn)

    def csr_forward(self, g2: Tensor, context_cls: Tensor
                    ) -> Tuple[Tensor, Dict[str, Tensor], Tensor]:
        """Encode 25% of the upscaled g2 and decode every patch.

        Returns:
            tuple: (the CSR view, the mask dict of
            :class:`CrossScaleMaskGenerator`, predicted patches).
        """
        view = self.rescale(g2, self.csr_scale)
        grid = self.backbone.patch_grid(view.shape[-2:])
        mask = self.mask_generator(view.shape[0], grid, device=view.device)
        enc = self.backbone.forward_saip(view, num_blocks=self.inter_depth,
                                         keep_ids=mask['keep_ids'])
        pred = self.csr_head(enc['inter'], context_cls, mask['ids_restore'],
                             grid)
        return view, mask, pred

    def csr_loss(self, g2: Tensor, context_cls: Tensor) -> Dict[str, Tensor]:
        """Cross-scale reconstruction: MSE on the masked patches only."""
        with record_function('saip:csr'):
            view, mask, pred = self.csr_forward(g2, context_cls)
            return self.csr_head.loss(pred, view, mask['mask'])

    def css_inputs(self, composite: Tensor, student: Dict[str, object],
                   data_samples: List[DataSample]) -> Dict[str, object]:
        """Queries, teacher reference tokens and 14x14 targets for CSS."""
        depth = (self.inter_depth if self.speedups['minimal_teacher'] else
                 None)
        with torch.no_grad(), record_function('saip:teacher'):
            ref = self.teacher['backbone'].forward_saip(composite,
                                                        num_blocks=depth)
        grid = ref['grid']
        targets = {
            name: downsample_mask(data_samples, f'{name}_mask', grid,
                                  composite.device)
            for name in ('inst', 'roi')
        }
        return dict(
            queries=dict(inst=student['g1_inter'],
                         roi=student['last_local_inter']),
            ref_tokens=ref['inter'][:, self.backbone.num_prefix:],
            grid=grid, targets=targets)

    def css_loss(self, composite: Tensor, student: Dict[str, object],
                 data_samples: List[DataSample]) -> Dict[str, Tensor]:
        """Cross-scale search of both queries in the teacher's composite."""
        css = self.css_inputs(composite, student, data_samples)
        with record_function('saip:css'):
            return self.css_head.loss(
                css['queries'], css['ref_tokens'], css['grid'],
                css['targets'], self.speedups['shared_css_features'])


def chunk_of(value: object, index: int, chunks: int) -> object:
    """Chunk ``index`` of ``chunks`` along the batch of a forward output
    (a tensor, a tuple of attention maps); other values pass through."""
    if isinstance(value, Tensor):
        return value.chunk(chunks)[index]
    if isinstance(value, tuple) and value and isinstance(value[0], Tensor):
        return tuple(v.chunk(chunks)[index] for v in value)
    return value


def downsample_mask(data_samples: List[DataSample], key: str,
                    grid: Tuple[int, int], device: torch.device) -> Tensor:
    """Stack a paste mask and downsample it (nearest) to the token grid."""
    masks = torch.stack([ds.get(key) for ds in data_samples]).to(device)
    masks = masks.reshape(masks.shape[0], 1, *masks.shape[-2:]).float()
    return F.interpolate(masks, size=grid, mode='nearest')[:, 0]
