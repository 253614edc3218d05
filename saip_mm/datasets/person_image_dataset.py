# Copyright (c) OpenMMLab. All rights reserved.
"""Unlabelled person-image dataset (LUPerson style)."""
import logging
from typing import List, Optional, Sequence, Union

from mmengine.fileio import get_file_backend
from mmengine.logging import print_log
from mmpretrain.datasets import CustomDataset

from saip_mm.registry import DATASETS

from .image_io import BadImageError
from .image_lists import (
    IMG_EXTENSIONS,
    format_missing,
    read_image_list,
    scan_image_folder,
)


@DATASETS.register_module()
class PersonImageDataset(CustomDataset):
    """Unlabelled person crops from a folder or a list file.

    The images are either every image file found recursively under
    ``data_root/data_prefix``, or the paths in ``ann_file`` (one per line,
    relative to ``data_root/data_prefix``; a trailing integer label column is
    ignored). Each sample is ``dict(img_path=...)``; pair the dataset with
    :class:`saip_mm.LoadPersonImage`, which yields uint8 **RGB** images.

    Broken images are handled by ``on_bad_image``:

    - ``'raise'``: a list file naming a missing file fails at load time with
      the list file's line numbers; a missing, zero-byte, truncated or
      undecodable image fails when read, naming the file and the problem.
    - ``'skip'``: missing listed files are dropped at load time, and a bad
      image met while reading is replaced by another random sample. Both log
      a WARNING naming the file(s); the runtime warning also gives the running
      count of skipped images (``num_skipped``, per process).

    Transforms with a ``bind_dataset(dataset)`` method (e.g. the composite
    builder with ``background=dict(type='dataset')``) receive this dataset
    once its file list is loaded.

    Args:
        data_root (str): Root of the data. Defaults to ``''``.
        data_prefix (str | dict): Image folder relative to ``data_root``, as
            a string or ``dict(img_path=...)``. Defaults to ``''``.
        ann_file (str): List file relative to ``data_root``; empty means
            scanning the folder. Defaults to ``''``.
        extensions (Sequence[str]): Image suffixes for the folder scan
            (case-insensitive). Defaults to :data:`IMG_EXTENSIONS`.
        on_bad_image (str): ``'raise'`` or ``'skip'``. Defaults to 'raise'.
        check_files (bool): Check at load time that every listed file
            exists. Defaults to True.
        backend_args (dict, optional): Arguments of the mmengine file
            backend. Defaults to None.
        **kwargs: Other arguments of mmengine's ``BaseDataset``
            (``pipeline``, ``indices``, ``serialize_data``, ...).
    """

    def __init__(self,
                 data_root: str = '',
                 data_prefix: Union[str, dict] = '',
                 ann_file: str = '',
                 extensions: Sequence[str] = IMG_EXTENSIONS,
                 on_bad_image: str = 'raise',
                 check_files: bool = True,
                 backend_args: Optional[dict] = None,
                 **kwargs) -> None:
        if on_bad_image not in ('raise', 'skip'):
            raise ValueError("on_bad_image must be 'raise' or 'skip', got "
                             f'{on_bad_image!r}')
        self.on_bad_image = on_bad_image
        self.check_files = check_files
        self.backend_args = backend_args
        self.num_skipped = 0
        super().__init__(
            data_root=data_root,
            data_prefix=data_prefix,
            ann_file=ann_file,
            with_label=False,
            extensions=extensions,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """Collect the image paths from the list file or the folder.

        Returns:
            List[dict]: ``dict(img_path=...)`` per image.
        """
        if not self.ann_file:
            rel_paths = scan_image_folder(self.img_prefix, self.extensions,
                                          self.backend_args)
            backend = get_file_backend(
                self.img_prefix, backend_args=self.backend_args)
            return [
                dict(img_path=backend.join_path(self.img_prefix, path))
                for path in rel_paths
            ]
        paths, missing = read_image_list(self.ann_file, self.img_prefix,
                                         self.check_files, self.backend_args)
        if missing:
            msg = (f'{len(missing)} file(s) named in list file '
                   f'{self.ann_file!r} do not exist:\n'
                   f'{format_missing(self.ann_file, missing)}')
            if self.on_bad_image == 'raise':
                raise FileNotFoundError(msg)
            print_log(
                f'{msg}\nskipping them (on_bad_image=skip)',
                logger='current',
                level=logging.WARNING)
        if not paths:
            raise FileNotFoundError(
                f'none of the files named in {self.ann_file!r} exists')
        return [dict(img_path=path) for path in paths]

    def full_init(self) -> None:
        """Load the file list, then bind it to transforms that want it."""
        if self._fully_initialized:
            return
        super().full_init()
        self.bind_transforms(getattr(self.pipeline, 'transforms', []))

    def bind_transforms(self, transforms: Sequence) -> None:
        """Hand this dataset to every transform with ``bind_dataset``,
        including those nested in wrappers (``RandomApply``, ...)."""
        for transform in transforms:
            bind = getattr(transform, 'bind_dataset', None)
            if callable(bind):
                bind(self)
            self.bind_transforms(getattr(transform, 'transforms', []))

    def prepare_data(self, idx: int) -> Optional[dict]:
        """Run the pipeline; on a bad image, raise or return None to skip.

        Returning None makes mmengine's ``BaseDataset.__getitem__`` draw
        another random sample (up to ``max_refetch`` times).

        Args:
            idx (int): Sample index.

        Returns:
            dict, optional: The pipeline output, or None for a skipped image.
        """
        data_info = self.get_data_info(idx)
        try:
            return self.pipeline(data_info)
        except BadImageError as err:
            if self.on_bad_image == 'raise':
                raise
            self.num_skipped += 1
            print_log(
                f'skipping bad image {err.path!r} ({err.reason}); '
                f'{self.num_skipped} image(s) skipped so far in this process',
                logger='current',
                level=logging.WARNING)
            return None
