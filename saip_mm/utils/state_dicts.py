"""The weights inside a checkpoint file, read the same way everywhere.

Every reader of checkpoints (``SAIPViT``'s ``Pretrained`` init, the probes,
the backbone export, the evaluation coverage check) takes its state dict from
here, so all agree on what a checkpoint may be: an mmengine checkpoint
(weights under ``state_dict``) or a bare state dict, with the ``module.``
keys of a DDP-wrapped model stripped as mmengine's own loader does; a whole
SAIP / MAE training checkpoint is recognised by its student backbone under
``backbone.``. Nothing here imports ``saip_mm.models``, which reads its
pretrained weights through this module.
"""
from typing import Dict, Optional, Tuple

from mmengine.runner import CheckpointLoader
from torch import Tensor

# where the backbone sits in SAIP and mmpretrain MAE models (the student)
BACKBONE_PREFIX = 'backbone.'
DDP_PREFIX = 'module.'


def checkpoint_state(path: str) -> Dict[str, Tensor]:
    """The state dict of a checkpoint file.

    Args:
        path (str): Checkpoint file (any ``CheckpointLoader`` source).

    Returns:
        dict[str, Tensor]: Its ``state_dict`` (or the file itself when it is
        a bare state dict), ``module.`` prefixes removed.
    """
    ckpt = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else ckpt
    return {k[len(DDP_PREFIX):] if k.startswith(DDP_PREFIX) else k: v
            for k, v in state.items()}


def strip_prefix(state: Dict[str, Tensor], prefix: str,
                 source: str = 'state dict') -> Dict[str, Tensor]:
    """The keys of ``state`` that start with ``prefix``, without it.

    Args:
        state (dict[str, Tensor]): A state dict.
        prefix (str): Key prefix, e.g. ``'backbone.'``.
        source (str): Named in the error (a file path).

    Returns:
        dict[str, Tensor]: The selected weights.

    Raises:
        KeyError: When no key starts with ``prefix``; the message shows a
            few of the keys there are.
    """
    selected = {k[len(prefix):]: v for k, v in state.items()
                if k.startswith(prefix)}
    if not selected:
        raise KeyError(f'{source}: no key starts with prefix {prefix!r}; '
                       f'found e.g. {sorted(state)[:5]}')
    return selected


def is_training_checkpoint(state: Dict[str, Tensor]) -> bool:
    """Whether ``state`` is a whole SAIP / MAE model rather than a backbone:
    a student backbone under ``backbone.`` (a ViT, or a hierarchical net
    under ``backbone.net.``) and no top-level one."""
    return ('pos_embed' not in state and
            f'{BACKBONE_PREFIX}pos_embed' in state) or \
        f'{BACKBONE_PREFIX}net.arch_meta' in state


def backbone_state(path: str, prefix: Optional[str] = None
                   ) -> Tuple[Dict[str, Tensor], str]:
    """The backbone weights of a checkpoint file, prefix stripped.

    Args:
        path (str): Checkpoint file.
        prefix (str, optional): Keep the keys starting with it, stripped;
            ``''`` keeps the whole state dict. None decides from the file:
            ``'backbone.'`` for a whole training checkpoint (its student,
            see :func:`is_training_checkpoint`), ``''`` otherwise.

    Returns:
        tuple[dict[str, Tensor], str]: The weights and the prefix used.

    Raises:
        KeyError: When no key starts with the prefix.

    Example:
        >>> state, prefix = backbone_state('work_dirs/saip/iter_10.pth')
        >>> prefix, 'pos_embed' in state
        ('backbone.', True)
    """
    state = checkpoint_state(path)
    if prefix is None:
        prefix = BACKBONE_PREFIX if is_training_checkpoint(state) else ''
    if prefix:
        state = strip_prefix(state, prefix, path)
    return state, prefix
