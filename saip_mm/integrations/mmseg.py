"""Human-parsing datasets mmsegmentation lacks: CIHP and CCP.

Loaded only once mmseg is imported (see :mod:`saip_mm.integrations`), so
configs reach them as ``type='saip_mm.CIHPDataset'`` /
``type='saip_mm.CCPDataset'`` under ``default_scope='mmseg'``.
"""
from mmseg.datasets import BaseSegDataset, LIPDataset

from saip_mm.registry import DATASETS

# Clothing Co-Parsing label ids 0..58, in the order of CCP's label_list.mat.
CCP_CLASSES = (
    'null', 'accessories', 'bag', 'belt', 'blazer', 'blouse', 'bodysuit',
    'boots', 'bra', 'bracelet', 'cape', 'cardigan', 'clogs', 'coat', 'dress',
    'earrings', 'flats', 'glasses', 'gloves', 'hair', 'hat', 'heels',
    'hoodie', 'intimate', 'jacket', 'jeans', 'jumper', 'leggings', 'loafers',
    'necklace', 'panties', 'pants', 'pumps', 'purse', 'ring', 'romper',
    'sandals', 'scarf', 'shirt', 'shoes', 'shorts', 'skin', 'skirt',
    'sneakers', 'socks', 'stockings', 'suit', 'sunglasses', 'sweater',
    'sweatshirt', 'swimwear', 't-shirt', 'tie', 'tights', 'top', 'vest',
    'wallet', 'watch', 'wedges')


@DATASETS.register_module()
class CIHPDataset(LIPDataset):
    """Crowd Instance-level Human Parsing, semantic part (20 classes).

    CIHP labels its ``Category_ids`` PNGs with LIP's 20 classes and ids, so
    this is :class:`mmseg.datasets.LIPDataset` under its own name: metrics,
    logs and visualisations say which benchmark they belong to.

    Args:
        **kwargs: See :class:`mmseg.datasets.LIPDataset`.

    Example:
        >>> dataset = CIHPDataset(
        ...     data_root='data/CIHP/instance-level_human_parsing',
        ...     data_prefix=dict(img_path='Validation/Images',
        ...                      seg_map_path='Validation/Category_ids'))
    """


@DATASETS.register_module()
class CCPDataset(BaseSegDataset):
    """Clothing Co-Parsing: 59 classes, class 0 (``null``) included.

    The label maps are the PNGs written by
    ``tools/dataset_converters/ccp_to_mmseg.py`` from CCP's ``.mat`` files;
    the split files it writes list image ids for ``ann_file``. Class 0 is
    background but still evaluated, as CCP papers do, hence
    ``reduce_zero_label=False``.

    Args:
        img_suffix (str): Defaults to '.jpg'.
        seg_map_suffix (str): Defaults to '.png'.
        reduce_zero_label (bool): Defaults to False.
        **kwargs: See :class:`mmseg.datasets.BaseSegDataset`.
    """
    METAINFO = dict(classes=CCP_CLASSES)

    def __init__(self,
                 img_suffix: str = '.jpg',
                 seg_map_suffix: str = '.png',
                 reduce_zero_label: bool = False,
                 **kwargs) -> None:
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs)


__all__ = ['CIHPDataset', 'CCPDataset', 'CCP_CLASSES']
