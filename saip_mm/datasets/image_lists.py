# Copyright (c) OpenMMLab. All rights reserved.
"""Listing the images of a folder or of a list file, with precise errors."""
import os.path as osp
from typing import List, Optional, Sequence, Tuple

from mmengine import fileio

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif',
                  '.tiff', '.webp')


def scan_image_folder(root: str,
                      extensions: Sequence[str] = IMG_EXTENSIONS,
                      backend_args: Optional[dict] = None) -> List[str]:
    """Recursively list the image files under ``root``.

    Args:
        root (str): The folder to scan.
        extensions (Sequence[str]): File suffixes to keep, compared
            case-insensitively. Defaults to :data:`IMG_EXTENSIONS`.
        backend_args (dict, optional): Arguments of the mmengine file
            backend. Defaults to None.

    Returns:
        List[str]: Sorted paths relative to ``root``.

    Raises:
        FileNotFoundError: If ``root`` is not a folder or holds no image.
    """
    if not fileio.isdir(root, backend_args=backend_args):
        raise FileNotFoundError(f'image folder not found: {root!r}')
    suffixes = tuple(ext.lower() for ext in extensions)
    # list_dir_or_file matches suffixes case-sensitively, so filter here.
    files = fileio.list_dir_or_file(
        root, list_dir=False, recursive=True, backend_args=backend_args)
    paths = sorted(f for f in files if f.lower().endswith(suffixes))
    if not paths:
        raise FileNotFoundError(
            f'no image found in folder {root!r} (searched recursively for '
            f'{", ".join(suffixes)})')
    return paths


def read_image_list(
    list_file: str,
    img_prefix: str = '',
    check_exists: bool = True,
    backend_args: Optional[dict] = None,
) -> Tuple[List[str], List[Tuple[int, str]]]:
    """Read a list file of image paths, one per line.

    Blank lines and lines starting with ``#`` are ignored. A trailing
    integer column (``path 3``, mmpretrain's labelled list format) is
    dropped, so labelled lists can be reused for unlabelled pretraining.

    Args:
        list_file (str): The list file.
        img_prefix (str): Folder the listed paths are relative to. Absolute
            listed paths are kept as they are. Defaults to ``''``.
        check_exists (bool): Check that every listed file exists. Defaults to
            True.
        backend_args (dict, optional): Arguments of the mmengine file
            backend. Defaults to None.

    Returns:
        Tuple[List[str], List[Tuple[int, str]]]: The full paths of the
        existing files, and ``(line number, path)`` of the missing ones
        (always empty when ``check_exists`` is False).

    Raises:
        FileNotFoundError: If the list file is missing.
        ValueError: If it lists no image.
    """
    text = fileio.get_text(list_file, backend_args=backend_args)
    # One backend for all lines: building it per file is slow on 1M lists.
    backend = fileio.get_file_backend(
        img_prefix or list_file, backend_args=backend_args)
    paths, missing = [], []
    for lineno, line in enumerate(text.splitlines(), start=1):
        entry = line.strip()
        if not entry or entry.startswith('#'):
            continue
        head, _, tail = entry.rpartition(' ')
        if head and tail.lstrip('-').isdigit():
            entry = head.rstrip()
        path = backend.join_path(img_prefix, entry) \
            if img_prefix and not osp.isabs(entry) else entry
        if check_exists and not backend.isfile(path):
            missing.append((lineno, path))
        else:
            paths.append(path)
    if not paths and not missing:
        raise ValueError(f'list file {list_file!r} lists no image')
    return paths, missing


def format_missing(list_file: str, missing: List[Tuple[int, str]],
                   limit: int = 5) -> str:
    """Describe missing listed files as ``list_file:line: path`` lines.

    Args:
        list_file (str): The list file that names them.
        missing (List[Tuple[int, str]]): ``(line number, path)`` pairs.
        limit (int): How many to spell out. Defaults to 5.

    Returns:
        str: A human-readable, multi-line description.
    """
    lines = [f'  {list_file}:{lineno}: {path}'
             for lineno, path in missing[:limit]]
    if len(missing) > limit:
        lines.append(f'  ... and {len(missing) - limit} more')
    return '\n'.join(lines)
