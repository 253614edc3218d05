# Copyright (c) OpenMMLab. All rights reserved.
"""Robust image decoding to uint8 RGB, with errors that name the file.

Person corpora scraped from video (LUPerson) and mixed image pools contain
grayscale, RGBA, 16-bit and truncated files. Everything the SAIP pipeline
reads goes through :func:`imread_rgb`, so every view sees the same
``H x W x 3`` uint8 **RGB** array, or a :class:`BadImageError` that says
which file is broken and how.
"""
import io
from typing import Optional

import cv2
import numpy as np
from mmengine import fileio

# IMREAD_COLOR gives 3 channels for grey / RGBA / palette inputs and applies
# the EXIF orientation; IMREAD_ANYDEPTH keeps 16-bit samples so that we can
# round them to 8 bits instead of OpenCV's truncating ``>> 8``.
_DECODE_FLAGS = cv2.IMREAD_COLOR | cv2.IMREAD_ANYDEPTH
_JPEG_SOI = b'\xff\xd8'
_JPEG_EOI = b'\xff\xd9'


class BadImageError(OSError):
    """An image file that is missing, empty, truncated or not decodable.

    Args:
        path (str): The offending file.
        reason (str): What is wrong with it.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f'bad image {path!r}: {reason}')
        self.path = path
        self.reason = reason

    def __reduce__(self):
        # OSError's default pickling passes ``str(self)`` as the only
        # argument; DataLoader workers re-raise through pickle.
        return type(self), (self.path, self.reason)


def _pil_error(buf: bytes) -> Optional[str]:
    """Fully decode ``buf`` with Pillow and return its error, if any."""
    from PIL import Image  # only on the slow path: a suspicious file
    try:
        with Image.open(io.BytesIO(buf)) as pil_img:
            pil_img.load()
    except Exception as err:  # Pillow raises many types for bad data
        return f'{type(err).__name__}: {err}'
    return None


def imfrombytes_rgb(buf: bytes, path: str = '<bytes>') -> np.ndarray:
    """Decode encoded image bytes to an ``H x W x 3`` uint8 RGB array.

    Grey images are replicated to 3 channels, the alpha channel of RGBA / LA
    images is dropped, and 16-bit images are scaled to 8 bits with rounding
    (``round(v / 257)``, so 65535 -> 255). JPEGs that stop before their end
    marker are rejected: OpenCV would silently return them padded with grey.

    Args:
        buf (bytes): The encoded file content.
        path (str): Used in error messages only. Defaults to ``'<bytes>'``.

    Returns:
        np.ndarray: uint8 array of shape (H, W, 3), channel order RGB.

    Raises:
        BadImageError: If the bytes are empty, truncated or not an image.
    """
    if not buf:
        raise BadImageError(path, 'zero-byte file')
    img = cv2.imdecode(np.frombuffer(buf, np.uint8), _DECODE_FLAGS)
    if img is None:
        reason = _pil_error(buf) or 'OpenCV cannot decode it'
        raise BadImageError(path, f'unreadable image ({reason})')
    if buf[:2] == _JPEG_SOI and not buf.rstrip(b'\x00')[-2:] == _JPEG_EOI:
        # No end marker at the tail: truncated, or trailing bytes after a
        # complete image. Only a full decode can tell the two apart.
        reason = _pil_error(buf)
        if reason is not None:
            raise BadImageError(path, f'truncated or corrupt JPEG ({reason})')
    if img.dtype == np.uint16:
        img = cv2.convertScaleAbs(img, alpha=255.0 / 65535.0)
    elif img.dtype != np.uint8:
        raise BadImageError(path, f'unsupported sample type {img.dtype}')
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def imread_rgb(path: str, backend_args: Optional[dict] = None) -> np.ndarray:
    """Read an image file as an ``H x W x 3`` uint8 RGB array.

    Args:
        path (str): Local path or any URI that :mod:`mmengine.fileio`
            understands.
        backend_args (dict, optional): Arguments of the mmengine file
            backend. Defaults to None.

    Returns:
        np.ndarray: uint8 array of shape (H, W, 3), channel order RGB.

    Raises:
        BadImageError: If the file is missing, empty, truncated or not an
            image.
    """
    try:
        buf = fileio.get(path, backend_args=backend_args)
    except FileNotFoundError:
        raise BadImageError(path, 'file not found') from None
    except (IsADirectoryError, PermissionError) as err:
        raise BadImageError(path, f'cannot read ({err})') from None
    return imfrombytes_rgb(buf, path)
