"""Checkpoint loading that keeps torch's ``weights_only`` safety.

torch >= 2.6 loads with ``weights_only=True``; mmengine 0.10.7 calls
``torch.load(filename, map_location)``, so the checkpoints its own Runner
writes (``message_hub`` holds mmengine ``HistoryBuffer`` objects with numpy
arrays, dtypes and scalars) fail to load for ``resume`` and ``load_from``.

:func:`register_safe_checkpoint_loader` replaces mmengine's local-file loader
with :func:`load_from_local_safe`, which

1. loads with ``weights_only=True`` (plain state dicts: tensors only);
2. on ``pickle.UnpicklingError`` retries, still with ``weights_only=True``,
   allowing exactly the mmengine / numpy globals of a Runner checkpoint
   (:func:`runner_checkpoint_globals`);
3. otherwise refuses the file, naming it and the offending global.

Full pickle loading stays possible for trusted files through torch's own
switch ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``. The ``http(s)://`` and other
schemes are left to mmengine.
"""
import io
import os
import os.path as osp
import pickle
import re
from typing import Any, Callable, List, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader

FORCE_UNSAFE_ENV = 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'
_TRUE = ('1', 'y', 'yes', 'true')

SafeGlobal = Union[Callable, Tuple[Callable, str]]


def _numpy_multiarray_globals() -> List[SafeGlobal]:
    """``_reconstruct`` (arrays) and ``scalar`` (numpy scalars).

    Pickles name them after the numpy that wrote the file:
    ``numpy.core.multiarray`` (numpy 1) or ``numpy._core.multiarray``
    (numpy 2). Both names are allowed so a checkpoint written under one numpy
    loads under the other.
    """
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy < 2
        from numpy.core import multiarray
    return [(func, f'{module}.multiarray.{func.__name__}')
            for func in (multiarray._reconstruct, multiarray.scalar)
            for module in ('numpy.core', 'numpy._core')]


def _numpy_dtype_classes() -> List[type]:
    """The per-dtype classes of ``numpy.dtypes`` (numpy >= 1.25).

    Unpickling a dtype calls ``np.dtype(...)`` and then ``__setstate__`` on
    the result, whose type is e.g. ``numpy.dtypes.Float64DType``; torch only
    runs ``__setstate__`` on allowed types. Which dtypes appear depends on
    what was logged, so every plain data dtype is allowed; object and
    structured (void) dtypes are not.
    """
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is None:
        return []
    return [cls for name, cls in vars(dtypes).items()
            if isinstance(cls, type) and issubclass(cls, np.dtype)
            and name not in ('ObjectDType', 'VoidDType')]


# ``HistoryBuffer.__getstate__`` stores its statistics methods. Pickle
# protocol 2 (torch.save's default) writes a method of a class as
# ``builtins.getattr(HistoryBuffer, 'min')``. Allowing ``builtins.getattr``
# itself would let a pickle reach any attribute of any allowed object, so a
# stand-in that resolves exactly these four names is registered under its
# name instead.
_HISTORY_BUFFER_METHODS = ('min', 'max', 'current', 'mean')


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` restricted to the statistics methods of HistoryBuffer."""
    if obj is HistoryBuffer and name in _HISTORY_BUFFER_METHODS:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'Unsupported global: GLOBAL builtins.getattr({obj!r}, {name!r})')


def runner_checkpoint_globals() -> List[SafeGlobal]:
    """The globals a checkpoint of mmengine's Runner needs, and no more.

    Established by saving Runner checkpoints and loading them with
    ``weights_only=True`` (``tests/test_utils/test_checkpoint_loader.py``
    keeps this true): ``HistoryBuffer`` and the numpy arrays, dtypes and
    scalars of ``message_hub``, plus a ``getattr`` that only resolves
    ``HistoryBuffer``'s statistics methods.

    Returns:
        list: Objects (or ``(object, 'module.name')`` pairs) for
        :func:`torch.serialization.safe_globals`.
    """
    return [
        HistoryBuffer,
        np.ndarray,
        np.dtype,
        *_numpy_dtype_classes(),
        *_numpy_multiarray_globals(),
        (_history_buffer_getattr, 'builtins.getattr'),
    ]


def _offending_global(error: Exception) -> str:
    """What torch's weights-only unpickler refused, from its message."""
    message = str(error)
    for pattern in (r'GLOBAL (\S+)',
                    r'unrecognized function (\S+)',
                    r'but got (<class [^>]+>)',
                    r'WeightsUnpickler error:\s*(.+)'):
        match = re.search(pattern, message)
        if match:
            return match.group(1).rstrip('.,')
    return message.splitlines()[0] if message else 'unknown'


def load_from_local_safe(filename: str,
                          map_location: Optional[Any] = None) -> Any:
    """Load a local checkpoint without running arbitrary pickled code.

    Args:
        filename (str): Path of the checkpoint (``~`` is expanded).
        map_location (optional): Same as :func:`torch.load`.

    Returns:
        dict: The loaded checkpoint.

    Raises:
        FileNotFoundError: If the file does not exist.
        pickle.UnpicklingError: If the file needs globals outside the
            allow-list; the message names the file and the global.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    if os.environ.get(FORCE_UNSAFE_ENV, '0').lower() in _TRUE:
        # The user vouched for their files: torch then unpickles fully.
        return torch.load(filename, map_location=map_location)
    try:
        return torch.load(
            filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError:
        pass
    try:
        with torch.serialization.safe_globals(runner_checkpoint_globals()):
            return torch.load(
                filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        raise pickle.UnpicklingError(
            f'Refusing to load {filename}: it needs the global '
            f'{_offending_global(error)!r}, which is neither a tensor type '
            'nor one of the mmengine/numpy types of a Runner checkpoint '
            '(saip_mm.utils.checkpoint_loader). Loading it would unpickle '
            f'arbitrary code. Only if you trust this file, set '
            f'{FORCE_UNSAFE_ENV}=1 to load it anyway.') from error


def register_safe_checkpoint_loader() -> None:
    """Make :func:`load_from_local_safe` mmengine's local-file loader.

    Affects ``load_from``, ``resume`` and ``init_cfg=dict(type='Pretrained')``
    of every library, because all of them go through
    ``mmengine.runner.CheckpointLoader``. Idempotent.
    """
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local_safe, force=True)


TMP_SUFFIX = '.saip-tmp'


def write_atomic(data: bytes, filepath: Union[str, 'os.PathLike']) -> None:
    """Write ``data`` to ``filepath`` so that it is never seen half-written.

    The bytes go to ``filepath + TMP_SUFFIX`` in the same directory (a
    rename is atomic only within one file system), are flushed to disk, and
    the file is renamed over ``filepath``. A kill before the rename leaves
    the old file untouched; after it, the new file is complete.

    Args:
        data (bytes): Content of the file.
        filepath (str | PathLike): Destination.
    """
    filepath = str(filepath)
    os.makedirs(osp.dirname(osp.abspath(filepath)), exist_ok=True)
    tmp = filepath + TMP_SUFFIX
    try:
        with open(tmp, 'wb') as file:
            file.write(data)
            file.flush()
            # without fsync, a crash of the machine right after the rename
            # can leave the new name pointing at an empty file
            os.fsync(file.fileno())
        os.replace(tmp, filepath)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def save_checkpoint_atomic(checkpoint: Any, filename: str) -> None:
    """``torch.save`` that never leaves a truncated file behind.

    Args:
        checkpoint: Object to save.
        filename (str): Destination path (see :func:`write_atomic`).
    """
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    write_atomic(buffer.getvalue(), filename)
