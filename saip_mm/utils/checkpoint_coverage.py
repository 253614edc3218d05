"""Refuse to evaluate a checkpoint that does not fit the model.

mmengine's ``load_from`` loads with ``strict=False`` and only warns about
missing keys, so a checkpoint of the wrong layout (an exported backbone given
to a whole detector, a SAIP training checkpoint given to a classifier)
evaluates randomly initialised weights and prints a believable metric.
:func:`check_checkpoint_covers` stops that before any evaluation, naming the
file, the number of missing keys and the likely fix.
"""
from typing import Dict, List, Sequence

import torch
from torch import nn

from .state_dicts import checkpoint_state

# model keys that checkpoints legitimately lack (buffers rebuilt at init)
OPTIONAL_SUFFIXES = ('arch_meta', 'num_batches_tracked')
# prefixes of the pretraining models' state dicts (SAIP, mmpretrain's MAE)
PRETRAINING_PREFIXES = ('teacher.', 'csm_head.', 'csr_head.', 'css_head.',
                        'neck.decoder', 'neck.mask_token')


def missing_keys(state: Dict[str, torch.Tensor],
                 model_keys: Sequence[str]) -> List[str]:
    """Model keys the checkpoint does not hold (optional buffers aside)."""
    return [k for k in model_keys
            if k not in state and not k.endswith(OPTIONAL_SUFFIXES)]


def likely_fix(state: Dict[str, torch.Tensor],
               model_keys: Sequence[str]) -> str:
    """A sentence on what the checkpoint probably is and how to use it."""
    backbone_keys = [k for k in model_keys if k.startswith('backbone.')]
    as_backbone = {f'backbone.{k}': v for k, v in state.items()}
    if backbone_keys and not missing_keys(as_backbone, backbone_keys):
        return ('this is a backbone-only checkpoint (e.g. written by '
                'tools/model_converters/saip_to_backbone.py): fine-tune '
                "with it as model.backbone.init_cfg=dict(type='Pretrained', "
                "checkpoint=...) (or load_from of a training run) and "
                'evaluate the fine-tuned checkpoint')
    if any(k.startswith(PRETRAINING_PREFIXES) for k in state):
        return ('this is a pretraining checkpoint (SAIP or MAE): export its '
                'backbone with tools/model_converters/saip_to_backbone.py, '
                'or load it as a backbone with '
                "model.backbone.init_cfg=dict(type='Pretrained', "
                "checkpoint=..., prefix='backbone.'), then fine-tune")
    return ('it was written for another model or config: evaluate it with '
            'the config it was trained with')


def check_checkpoint_covers(path: str, model: nn.Module) -> None:
    """Raise if the checkpoint lacks weights the model needs.

    Args:
        path (str): Checkpoint file.
        model (nn.Module): The model that will load it (unwrapped).

    Raises:
        KeyError: naming the file, how many of the model's keys are missing
            (with a few examples) and the likely fix.
    """
    model_keys = list(model.state_dict())
    state = checkpoint_state(path)
    missing = missing_keys(state, model_keys)
    if missing:
        fix = likely_fix(state, model_keys)
        raise KeyError(
            f'{path} does not fit the model: {len(missing)} of its '
            f'{len(model_keys)} weights are missing from the checkpoint '
            f'(e.g. {missing[:3]}); evaluating would score random weights. '
            f'{fix[0].upper()}{fix[1:]}.')
