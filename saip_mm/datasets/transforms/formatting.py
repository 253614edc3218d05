# Copyright (c) OpenMMLab. All rights reserved.
"""Packing SAIP's views, composite and masks for the model."""
from typing import List, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmpretrain.datasets.transforms import PackInputs
from mmpretrain.structures import DataSample

from saip_mm.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PackSAIPInputs(BaseTransform):
    """Pack views into a list of CHW uint8 tensors and masks into DataSample.

    ``inputs`` is the concatenation of ``input_keys`` in order, by default
    ``[g1, g2, l1, ..., lN, r, composite]``, the order of
    :class:`~saip_mm.models.utils.SAIPViews`. Every index of that list has
    a fixed shape, so ``default_collate`` stacks each index across the batch
    and mmpretrain's ``SelfSupDataPreprocessor`` (``to_rgb=False``: the
    images are already RGB) returns one ``B x 3 x H x W`` float tensor per
    view: the batch-by-resolution contract.

    Keys in ``optional_keys`` are packed when present: a pipeline without
    ``MultiPersonComposite`` (CSS off) packs the views only.

    Masks become tensor fields of the ``DataSample`` (stack them in the
    model, as mmpretrain's BEiT does with ``mask``); ``default_collate``
    keeps data samples as a list.

    **Required Keys:** ``input_keys`` and ``mask_keys`` except the
    ``optional_keys``; any present ``meta_keys``.

    **Added Keys:**

    - inputs (List[torch.Tensor]): ``3 x H x W`` uint8 tensors.
    - data_samples (DataSample): with the mask fields (uint8 tensors) and
      meta fields.

    Args:
        input_keys (Sequence[str]): Keys holding an image or a list of images,
            concatenated in this order. Defaults to
            ``('img', 'r_view', 'composite')``.
        mask_keys (Sequence[str]): Keys of masks, packed as uint8 tensors.
            Defaults to ``('inst_mask', 'roi_mask')``.
        optional_keys (Sequence[str]): Input and mask keys the pipeline may
            leave out. Defaults to those of ``MultiPersonComposite``:
            ``('composite', 'inst_mask', 'roi_mask')``.
        meta_keys (Sequence[str]): Keys stored as meta information when
            present. Defaults to ``('sample_idx', 'img_path', 'ori_shape',
            'num_local_views')``.
    """

    def __init__(self,
                 input_keys: Sequence[str] = ('img', 'r_view', 'composite'),
                 mask_keys: Sequence[str] = ('inst_mask', 'roi_mask'),
                 optional_keys: Sequence[str] = ('composite', 'inst_mask',
                                                 'roi_mask'),
                 meta_keys: Sequence[str] = ('sample_idx', 'img_path',
                                             'ori_shape', 'num_local_views')
                 ) -> None:
        self.input_keys = tuple(input_keys)
        self.mask_keys = tuple(mask_keys)
        self.optional_keys = tuple(optional_keys)
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        """Pack ``results`` into ``inputs`` and ``data_samples``.

        Args:
            results (dict): The pipeline result dict.

        Returns:
            dict: ``dict(inputs=[...], data_samples=DataSample)``.
        """
        inputs = []
        for key in self.packed(self.input_keys, results):
            images = results[key]
            images = images if isinstance(images, list) else [images]
            inputs.extend(PackInputs.format_input(images))
        data_sample = DataSample()
        for key in self.packed(self.mask_keys, results):
            mask = torch.from_numpy(np.asarray(results[key], dtype=np.uint8))
            data_sample.set_field(mask, key, dtype=torch.Tensor)
        data_sample.set_metainfo(
            {key: results[key]
             for key in self.meta_keys if key in results})
        return dict(inputs=inputs, data_samples=data_sample)

    def packed(self, keys: Sequence[str], results: dict) -> List[str]:
        """``keys`` without the optional ones absent from ``results``."""
        return [key for key in keys
                if key in results or key not in self.optional_keys]

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(input_keys={self.input_keys}, '
                f'mask_keys={self.mask_keys}, '
                f'optional_keys={self.optional_keys}, '
                f'meta_keys={self.meta_keys})')
