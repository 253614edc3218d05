# Copyright (c) OpenMMLab. All rights reserved.
"""Loading person images as uint8 RGB."""
from typing import Optional

from mmcv.transforms import BaseTransform

from saip_mm.registry import TRANSFORMS

from ..image_io import imread_rgb


@TRANSFORMS.register_module()
class LoadPersonImage(BaseTransform):
    """Load an image as an ``H x W x 3`` uint8 **RGB** array.

    mmcv's ``LoadImageFromFile`` returns BGR and passes grey, 16-bit and
    truncated files through OpenCV's defaults; this one normalises all of
    them (see :func:`saip_mm.datasets.image_io.imfrombytes_rgb`). Because the
    output is RGB, the data preprocessor must use ``to_rgb=False``.

    Broken files raise :class:`saip_mm.datasets.image_io.BadImageError`;
    :class:`saip_mm.datasets.PersonImageDataset` turns that into a skip or an
    error according to its ``on_bad_image``.

    **Required Keys:**

    - img_path

    **Added Keys:**

    - img (np.ndarray): uint8, ``H x W x 3``, RGB.
    - img_shape (Tuple[int, int]): ``(H, W)``.
    - ori_shape (Tuple[int, int]): ``(H, W)``.

    Args:
        backend_args (dict, optional): Arguments of the mmengine file
            backend. Defaults to None.
    """

    def __init__(self, backend_args: Optional[dict] = None) -> None:
        self.backend_args = backend_args

    def transform(self, results: dict) -> dict:
        """Read ``results['img_path']`` into ``results['img']``.

        Args:
            results (dict): Result dict with ``img_path``.

        Returns:
            dict: The result dict with ``img``, ``img_shape``, ``ori_shape``.
        """
        img = imread_rgb(results['img_path'], self.backend_args)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(backend_args={self.backend_args})'
