# Copyright (c) OpenMMLab. All rights reserved.
"""Pools of background images for SAIP's multi-person composites."""
import logging
from typing import Optional, Sequence

import numpy as np
from mmengine import fileio
from mmengine.logging import print_log

from ..demo_data import demo_image_paths
from ..image_io import BadImageError, imread_rgb
from ..image_lists import (
    IMG_EXTENSIONS,
    format_missing,
    read_image_list,
    scan_image_folder,
)


class BackgroundPool:
    """Random background images from a folder, the dataset, or the demo.

    ``type`` selects the source:

    - ``'folder'``: every image under ``root`` (recursive), or the files
      named by ``list_file`` (relative to ``root``).
    - ``'dataset'``: the images of the dataset the pipeline runs in (the
      reference suggests the pretraining set itself, LUPerson). Needs a
      :class:`saip_mm.PersonImageDataset`, which calls :meth:`bind_dataset`.
    - ``'demo'``: matplotlib's sample photo(s), no download needed.

    Args:
        type (str): ``'folder'``, ``'dataset'`` or ``'demo'``. Defaults to
            ``'dataset'``.
        root (str, optional): Folder for ``type='folder'``. Defaults to None.
        list_file (str, optional): List file for ``type='folder'``. Defaults
            to None.
        extensions (Sequence[str]): Suffixes for the folder scan. Defaults
            to :data:`IMG_EXTENSIONS`.
        on_bad_image (str, optional): ``'raise'`` or ``'skip'`` (warn, count
            and draw another). None means the dataset's policy for
            ``'dataset'`` and ``'raise'`` otherwise. Defaults to None.
        max_tries (int): Draws before giving up on finding a readable image.
            Defaults to 10.
        backend_args (dict, optional): mmengine file backend arguments.
            Defaults to None.
    """

    def __init__(self,
                 type: str = 'dataset',
                 root: Optional[str] = None,
                 list_file: Optional[str] = None,
                 extensions: Sequence[str] = IMG_EXTENSIONS,
                 on_bad_image: Optional[str] = None,
                 max_tries: int = 10,
                 backend_args: Optional[dict] = None) -> None:
        if on_bad_image not in (None, 'raise', 'skip'):
            raise ValueError("on_bad_image must be 'raise' or 'skip', got "
                             f'{on_bad_image!r}')
        self.type = type
        self.on_bad_image = on_bad_image
        self.max_tries = max_tries
        self.backend_args = backend_args
        self.num_skipped = 0
        self._dataset = None
        if type == 'folder':
            if root is None:
                raise ValueError("background type 'folder' needs root=...")
            self.source = f'folder {root!r}' + (
                f' (list file {list_file!r})' if list_file else '')
            paths = self._list_folder(root, list_file, extensions)
        elif type == 'demo':
            self.source = 'matplotlib sample data'
            paths = demo_image_paths()
        elif type == 'dataset':
            self.source = 'the dataset'
            paths = None
        else:
            raise ValueError("background type must be 'folder', 'dataset' "
                             f"or 'demo', got {type!r}")
        # One bytes array instead of a list of str: DataLoader workers read
        # it without touching per-object refcounts (no copy-on-read).
        self._paths = None if paths is None else np.array(
            [p.encode() for p in paths])

    def _list_folder(self, root: str, list_file: Optional[str],
                     extensions: Sequence[str]) -> list:
        if not list_file:
            backend = fileio.get_file_backend(
                root, backend_args=self.backend_args)
            return [
                backend.join_path(root, path) for path in scan_image_folder(
                    root, extensions, self.backend_args)
            ]
        paths, missing = read_image_list(
            list_file, root, backend_args=self.backend_args)
        if missing and self.on_bad_image != 'skip':
            raise FileNotFoundError(
                f'{len(missing)} background file(s) named in list file '
                f'{list_file!r} do not exist:\n'
                f'{format_missing(list_file, missing)}')
        if not paths:
            raise FileNotFoundError(
                f'no usable background image in {self.source}')
        return paths

    def bind_dataset(self, dataset) -> None:
        """Use ``dataset``'s images when ``type='dataset'``.

        Args:
            dataset (PersonImageDataset): The dataset the pipeline runs in.
        """
        if self.type != 'dataset':
            return
        if len(dataset) == 0:
            raise FileNotFoundError(
                'no usable background image: the dataset is empty')
        self._dataset = dataset
        if self.on_bad_image is None:
            self.on_bad_image = getattr(dataset, 'on_bad_image', 'raise')

    def __len__(self) -> int:
        if self._paths is not None:
            return len(self._paths)
        return 0 if self._dataset is None else len(self._dataset)

    def _path(self, idx: int) -> str:
        if self._paths is not None:
            return self._paths[idx].decode()
        return self._dataset.get_data_info(idx)['img_path']

    def sample(self,
               rng: np.random.Generator,
               exclude: Optional[str] = None) -> np.ndarray:
        """Read a random background image.

        Args:
            rng (np.random.Generator): The random generator.
            exclude (str, optional): A path not to use (the person image
            itself), unless the pool has nothing else. Defaults to None.

        Returns:
            np.ndarray: ``H x W x 3`` uint8 RGB image.

        Raises:
            RuntimeError: If no pool is bound (``type='dataset'`` outside a
                :class:`saip_mm.PersonImageDataset`) or no readable image
                was found in ``max_tries`` draws.
        """
        if len(self) == 0:
            raise RuntimeError(
                "background=dict(type='dataset') needs the pipeline to run "
                'inside saip_mm.PersonImageDataset (or a dataset that calls '
                "bind_dataset); use type='folder' or 'demo' otherwise")
        for _ in range(self.max_tries):
            path = self._path(int(rng.integers(len(self))))
            if path == exclude and len(self) > 1:
                path = self._path(int(rng.integers(len(self))))
            try:
                return imread_rgb(path, self.backend_args)
            except BadImageError as err:
                if self.on_bad_image != 'skip':
                    raise
                self.num_skipped += 1
                print_log(
                    f'skipping bad background image {err.path!r} '
                    f'({err.reason}); {self.num_skipped} background(s) '
                    'skipped so far in this process',
                    logger='current',
                    level=logging.WARNING)
        raise RuntimeError(f'no usable background image in {self.source}: '
                           f'{self.max_tries} random draws were all bad')

    def __repr__(self) -> str:
        return f'{type(self).__name__}(type={self.type!r}, {self.source})'
