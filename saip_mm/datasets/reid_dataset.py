"""Query + gallery evaluation set for camera-annotated person ReID."""
import os.path as osp
from typing import List, Optional

from mmengine.dataset import BaseDataset

from saip_mm.registry import DATASETS


@DATASETS.register_module()
class Market1501Dataset(BaseDataset):
    """Query and gallery images of Market-1501 style ReID benchmarks.

    The standard protocol ranks each query against a separate gallery and
    drops gallery images of the same person seen by the same camera, so
    every sample carries ``pid``, ``camid`` and ``is_query`` (read by
    :class:`saip_mm.ReIDQueryGalleryMetric`). mmdet's ``ReIDDataset`` has
    neither cameras nor a query/gallery split; it stays the training set.

    The lists are written by ``tools/dataset_converters/market1501_to_reid.py``
    with one ``<path> <pid> <camid>`` line per image, paths relative to
    ``data_root`` (+ ``data_prefix['img_path']``). Queries come first.

    Args:
        query_ann_file (str): Query list. Defaults to 'meta/query.txt'.
        gallery_ann_file (str): Gallery list. Defaults to
            'meta/gallery.txt'.
        data_root (str): Root of the dataset. Defaults to ''.
        data_prefix (dict): ``img_path`` prefix of the listed paths.
            Defaults to ``dict(img_path='')``.
        **kwargs: Other arguments of :class:`mmengine.dataset.BaseDataset`
            (``pipeline``, ``indices``, ...).

    Example:
        >>> ds = Market1501Dataset(data_root='data/market1501')
        >>> ds[0]  # doctest: +SKIP
        {'img_path': '.../query/0001_c1s1_001051_00.jpg', 'pid': 1,
         'camid': 1, 'is_query': True, 'sample_idx': 0}
    """

    def __init__(self,
                 query_ann_file: str = 'meta/query.txt',
                 gallery_ann_file: str = 'meta/gallery.txt',
                 data_root: str = '',
                 data_prefix: Optional[dict] = None,
                 **kwargs) -> None:
        self.query_ann_file = osp.join(data_root, query_ann_file)
        self.gallery_ann_file = osp.join(data_root, gallery_ann_file)
        super().__init__(
            ann_file='',
            data_root=data_root,
            data_prefix=data_prefix or dict(img_path=''),
            test_mode=True,
            **kwargs)

    def read_list(self, ann_file: str, is_query: bool) -> List[dict]:
        """Samples of one ``<path> <pid> <camid>`` list."""
        samples = []
        with open(ann_file) as f:
            for line_no, line in enumerate(f, 1):
                if not line.strip():
                    continue
                fields = line.split()
                if len(fields) != 3:
                    raise ValueError(
                        f'{ann_file}:{line_no}: expected "<path> <pid> '
                        f'<camid>"; write the list with tools/'
                        'dataset_converters/market1501_to_reid.py')
                path, pid, camid = fields
                samples.append(dict(
                    img_path=osp.join(self.data_prefix['img_path'], path),
                    pid=int(pid), camid=int(camid), is_query=is_query))
        return samples

    def load_data_list(self) -> List[dict]:
        """Queries first, then the gallery."""
        return (self.read_list(self.query_ann_file, True) +
                self.read_list(self.gallery_ann_file, False))
