"""Checkpoint conversions: SAIP training checkpoint -> backbone, SAIPv1 ->
ours.

The CLIs are ``tools/model_converters/saip_to_backbone.py`` and
``tools/model_converters/saipv1_to_saip.py``; the logic lives here so it is
tested like the rest of the package.
"""
import re
from collections import OrderedDict
from typing import Dict, Optional, Sequence, Tuple

import torch

from saip_mm.models.backbones import SAIPTinyViT, SAIPViT
from saip_mm.models.utils import HierarchicalTokens

from .state_dicts import BACKBONE_PREFIX, backbone_state, strip_prefix

TEACHER_PREFIX = 'teacher.net.' + BACKBONE_PREFIX
# SAIPv1 / timm ViT names -> ours (mmpretrain's VisionTransformer names).
TIMM_TO_OURS: Sequence[Tuple[str, str]] = (
    (r'^patch_embed\.proj\.', 'patch_embed.projection.'),
    (r'^blocks\.(\d+)\.norm1\.', r'layers.\1.ln1.'),
    (r'^blocks\.(\d+)\.norm2\.', r'layers.\1.ln2.'),
    (r'^blocks\.(\d+)\.attn\.', r'layers.\1.attn.'),
    (r'^blocks\.(\d+)\.mlp\.fc1\.', r'layers.\1.ffn.layers.0.0.'),
    (r'^blocks\.(\d+)\.mlp\.fc2\.', r'layers.\1.ffn.layers.1.'),
    (r'^norm\.', 'ln1.'),
)
# where HierarchicalTokens keeps its net (SAIP with a hierarchical student)
NET_PREFIX = 'net.'
BACKBONE_KEY = re.compile(
    r'^(cls_token|pos_embed|patch_embed\.|blocks\.|norm\.|inter_norm\.)')


def backbone_from_state(state: Dict[str, torch.Tensor],
                        img_size: Optional[Tuple[int, int]] = None,
                        pos_resample: str = '2d') -> SAIPViT:
    """Build a SAIPViT that fits ``state`` (arch read from ``arch_meta``).

    Args:
        state (dict): Backbone keys without prefix, with ``arch_meta``.
        img_size (tuple, optional): Resample the position embedding to this
            input size; defaults to the checkpoint's own grid.
        pos_resample (str): ``'2d'`` or ``'1d'`` (reference).

    Returns:
        SAIPViT: The backbone with the weights loaded.
    """
    if 'arch_meta' not in state:
        raise KeyError('state dict has no arch_meta; is it a saip_mm '
                       'backbone? (SAIPv1 files: use saipv1_to_saip.py)')
    dims, layers, heads, patch, gh, gw = state['arch_meta'].tolist()
    model = SAIPViT(
        arch=dict(embed_dims=dims, num_layers=layers, num_heads=heads),
        img_size=tuple(img_size or (gh * patch, gw * patch)),
        patch_size=patch, with_cls_token='cls_token' in state,
        inter_index=6 if 'inter_norm.weight' in state else None,
        pos_resample=pos_resample)
    model.load_state_dict(state, strict=True)
    return model


def tinyvit_from_state(state: Dict[str, torch.Tensor]) -> SAIPTinyViT:
    """Build a SAIPTinyViT that fits ``state`` and load it strictly.

    The architecture is read from ``arch_meta``
    (:meth:`SAIPTinyViT.from_arch_meta`). The mask token of masked
    pretraining is left out: the net is built without one, as downstream.

    Args:
        state (dict): The net's keys without prefix, with ``arch_meta``.

    Returns:
        SAIPTinyViT: The net with the weights loaded.
    """
    model = SAIPTinyViT.from_arch_meta(state['arch_meta'])
    model.load_state_dict(
        {k: v for k, v in state.items() if k != 'mask_token'}, strict=True)
    return model


def hierarchical_from_state(state: Dict[str, torch.Tensor]
                            ) -> HierarchicalTokens:
    """``HierarchicalTokens`` around the SAIPTinyViT of ``state``, for the
    probes (its final CLS is the net's pooled, normed last stage).

    Args:
        state (dict): A bare net (an exported backbone) or a
            ``HierarchicalTokens`` state (the net under ``net.``).

    Returns:
        HierarchicalTokens: With the net's weights (and ``inter_norm``'s
        when ``state`` has them).
    """
    adapter = f'{NET_PREFIX}arch_meta' in state
    net = tinyvit_from_state(strip_prefix(state, NET_PREFIX)
                             if adapter else state)
    model = HierarchicalTokens(dict(type='saip_mm.SAIPTinyViT',
                                    arch=net.arch_settings,
                                    img_size=net.img_size))
    model.net = net
    if adapter:
        model.inter_norm.load_state_dict(strip_prefix(state, 'inter_norm.'))
    return model


def export_backbone(checkpoint: str, use_teacher: bool = False,
                    img_size: Optional[Tuple[int, int]] = None) -> dict:
    """Backbone-only, tensors-only checkpoint from a SAIP checkpoint.

    Args:
        checkpoint (str): mmengine checkpoint of a ``saip_mm.SAIP`` run.
        use_teacher (bool): Export the EMA teacher instead of the student.
        img_size (tuple, optional): Target input size of the position
            embedding.

    Returns:
        dict: ``{'state_dict': backbone keys (no prefix), 'meta': plain
        types}``, loadable by ``SAIPViT`` (or, for a hierarchical student,
        the net alone by ``SAIPTinyViT``, whose mask token is left out)
        through ``init_cfg=dict(type='Pretrained', checkpoint=...)`` under
        ``weights_only=True``.
    """
    prefix = TEACHER_PREFIX if use_teacher else BACKBONE_PREFIX
    backbone, _ = backbone_state(checkpoint, prefix)
    if f'{NET_PREFIX}arch_meta' in backbone:  # a HierarchicalTokens student
        if img_size is not None:
            raise ValueError('img_size resamples a ViT position embedding; '
                             'a hierarchical net has none to resample')
        model = tinyvit_from_state(strip_prefix(backbone, NET_PREFIX))
        kind = dict(type=f'saip_mm.{type(model).__name__}')
    else:
        model = backbone_from_state(backbone, img_size)
        kind = {}
    meta = dict(model.meta, **kind, source=str(checkpoint),
                weights='teacher' if use_teacher else 'student')
    return dict(state_dict=OrderedDict(model.state_dict()), meta=meta)


def convert_saipv1(state: Dict[str, torch.Tensor],
                   img_size: Tuple[int, int] = (256, 128),
                   patch_size: int = 16) -> Tuple[OrderedDict, list]:
    """Map a SAIPv1 (timm-named) student backbone to our key names.

    Args:
        state (dict): The reference checkpoint's ``student`` state dict.
        img_size (tuple): Input size the reference was trained at
            (its pos_embed has 1 + 16*8 rows at 256x128).
        patch_size (int): Patch size.

    Returns:
        tuple: (converted state dict with ``arch_meta``, dropped keys).
    """
    converted, dropped = OrderedDict(), []
    for key, value in state.items():
        key = re.sub(r'^(module\.)?(backbone\.)?', '', key)
        if not BACKBONE_KEY.match(key):
            dropped.append(key)
            continue
        for pattern, repl in TIMM_TO_OURS:
            key = re.sub(pattern, repl, key)
        converted[key] = value
    if 'pos_embed' not in converted:
        raise KeyError('no backbone pos_embed found in the SAIPv1 state '
                       f'dict; keys start with {sorted(state)[:5]}')
    dims = converted['pos_embed'].shape[-1]
    layers = len({k.split('.')[1] for k in converted
                  if k.startswith('layers.')})
    qkv = converted['layers.0.attn.qkv.weight']
    heads = {192: 3, 384: 6, 768: 12}.get(dims)
    if heads is None or qkv.shape[0] != 3 * dims:
        raise ValueError(f'unrecognised SAIPv1 width {dims}')
    grid = (img_size[0] // patch_size, img_size[1] // patch_size)
    converted['arch_meta'] = torch.tensor(
        [dims, layers, heads, patch_size, *grid])
    return converted, dropped
