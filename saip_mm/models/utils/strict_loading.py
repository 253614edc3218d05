"""Strict loading of a backbone's pretrained weights.

mmengine's ``Pretrained`` init loads with ``strict=False`` and only warns,
so a wrong prefix trains from random weights. The backbones take a
``Pretrained`` ``init_cfg`` themselves and load it here, where every key
must fit.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmengine.logging import print_log
from mmengine.model.weight_init import update_init_info
from torch import Tensor, nn


def pretrained_source(init_cfg: Optional[Union[dict, List[dict]]]
                      ) -> Optional[Tuple[str, str]]:
    """``(checkpoint, prefix)`` of a ``Pretrained`` ``init_cfg`` dict.

    Returns:
        tuple[str, str] | None: None for any other ``init_cfg``.
    """
    if isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained':
        return init_cfg['checkpoint'], init_cfg.get('prefix', '')
    return None


def load_strictly(model: nn.Module, state: Dict[str, Tensor],
                  checkpoint: str, prefix: str,
                  optional_missing: Sequence[str] = (),
                  optional_unexpected: Sequence[str] = (),
                  detail: str = '') -> None:
    """Load ``state`` into ``model``, failing loudly on anything missing.

    Args:
        model (nn.Module): The backbone.
        state (dict[str, Tensor]): Its keys, the checkpoint prefix removed.
        checkpoint (str): Where ``state`` comes from, for the messages.
        prefix (str): The prefix that was removed, for the log.
        optional_missing (Sequence[str]): Beginnings of the model's keys
            the checkpoint may lack.
        optional_unexpected (Sequence[str]): Beginnings of the checkpoint's
            keys the model may lack.
        detail (str): Appended inside the parentheses of the log line.

    Raises:
        KeyError: Keys missing or unexpected beyond the optional ones.
        RuntimeError | ValueError: A shape (or the load hook of the model)
            refused the checkpoint; the message names it.
    """
    try:
        incompatible = model.load_state_dict(state, strict=False)
    except (RuntimeError, ValueError) as err:
        raise type(err)(
            f'{checkpoint} does not fit {type(model).__name__}: {err}'
        ) from err
    missing = [k for k in incompatible.missing_keys
               if not k.startswith(tuple(optional_missing))]
    unexpected = [k for k in incompatible.unexpected_keys
                  if not k.startswith(tuple(optional_unexpected))]
    if missing or unexpected:
        raise KeyError(
            f'{checkpoint} does not fit {type(model).__name__}: missing '
            f'keys {missing}; unexpected keys {unexpected}')
    message = (f'loaded backbone weights from {checkpoint} '
               f'(prefix {prefix!r}{detail})')
    if hasattr(model, '_params_init_info'):  # set by the top-level init
        update_init_info(model, init_info=message)
    print_log(message, logger='current')
