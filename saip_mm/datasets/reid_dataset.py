"""Query + gallery evaluation set for camera-annotated person ReID."""
import os.path as osp
from typing import List, Optional

from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from saip_mm.registry import DATASETS

from .market_names import JUNK_PID, MARKET_FOLDERS, scan_market_folder


@DATASETS.register_module()
class Market1501Dataset(BaseDataset):
    """Query and gallery images of Market-1501 style ReID benchmarks.

    The standard protocol ranks each query against a separate gallery and
    drops gallery images of the same person seen by the same camera, so
    every sample carries ``pid``, ``camid`` and ``is_query`` (read by
    :class:`saip_mm.ReIDQueryGalleryMetric`). mmdet's ``ReIDDataset`` has
    neither cameras nor a query/gallery split; it stays the training set.

    Each split is read from its list when the list file exists, else from
    the Market-1501 names (``<pid>_c<cam>s<seq>_...jpg``) of its folder
    (``query/``, ``bounding_box_test/``), so a test-only folder needs no
    lists; the log says which was read. Junk boxes (pid -1) are dropped,
    distractors (pid 0) stay in the gallery.

    Lists are written by ``tools/dataset_converters/market1501_to_reid.py``
    with one ``<path> <pid> <camid>`` line per image, paths relative to
    ``data_root`` (+ ``data_prefix['img_path']``). Queries come first.

    Args:
        query_ann_file (str, optional): Query list; None reads ``query/``.
            Defaults to 'meta/query.txt'.
        gallery_ann_file (str, optional): Gallery list; None reads
            ``bounding_box_test/``. Defaults to 'meta/gallery.txt'.
        data_root (str): Root of the dataset. Defaults to ''.
        data_prefix (dict): ``img_path`` prefix of the listed paths and of
            the split folders. Defaults to ``dict(img_path='')``.
        **kwargs: Other arguments of :class:`mmengine.dataset.BaseDataset`
            (``pipeline``, ``indices``, ...).

    Example:
        >>> ds = Market1501Dataset(data_root='data/market1501')
        >>> ds[0]  # doctest: +SKIP
        {'img_path': '.../query/0001_c1s1_001051_00.jpg', 'pid': 1,
         'camid': 1, 'is_query': True, 'sample_idx': 0}
    """

    def __init__(self,
                 query_ann_file: Optional[str] = 'meta/query.txt',
                 gallery_ann_file: Optional[str] = 'meta/gallery.txt',
                 data_root: str = '',
                 data_prefix: Optional[dict] = None,
                 **kwargs) -> None:
        self.ann_files = {
            role: osp.join(data_root, ann_file) if ann_file else None
            for role, ann_file in (('query', query_ann_file),
                                   ('gallery', gallery_ann_file))
        }
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
                    raise ValueError(three_columns_needed(
                        ann_file, line_no, line,
                        'query' if is_query else 'gallery'))
                path, pid, camid = fields
                samples.append(dict(
                    img_path=osp.join(self.data_prefix['img_path'], path),
                    pid=int(pid), camid=int(camid), is_query=is_query))
        return samples

    def read_folder(self, folder: str, is_query: bool) -> List[dict]:
        """Samples of the Market-1501 style names in ``folder``."""
        return [dict(img_path=osp.join(folder, name), pid=pid, camid=camid,
                     is_query=is_query)
                for name, pid, camid in scan_market_folder(folder)]

    def load_split(self, role: str) -> List[dict]:
        """The query or gallery samples, from the list or the folder."""
        ann_file = self.ann_files[role]
        folder = osp.join(self.data_prefix['img_path'], MARKET_FOLDERS[role])
        is_query = role == 'query'
        if ann_file and osp.isfile(ann_file):
            source, samples = ann_file, self.read_list(ann_file, is_query)
        elif osp.isdir(folder):
            source = f'the names in {folder} ' + (
                f'({ann_file} does not exist)' if ann_file else
                f'({role}_ann_file=None)')
            samples = self.read_folder(folder, is_query)
        else:
            raise FileNotFoundError(
                f'Market1501Dataset: no {role} list ({role}_ann_file='
                f'{ann_file}) and no folder {folder} to read Market-1501 '
                'names from; check data_root')
        kept = [s for s in samples if s['pid'] != JUNK_PID]
        junk = len(samples) - len(kept)
        print_log(f'Market1501Dataset: {len(kept)} {role} images from '
                  f'{source}' + (f', {junk} junk (pid -1) dropped'
                                 if junk else ''), logger='current')
        return kept

    def load_data_list(self) -> List[dict]:
        """Queries first, then the gallery."""
        return self.load_split('query') + self.load_split('gallery')


def three_columns_needed(ann_file: str, line_no: int, line: str,
                         role: str) -> str:
    """Why a list line is refused and how to get a usable list."""
    return (
        f'{ann_file}:{line_no}: expected "<path> <pid> <camid>", got '
        f'{line.strip()!r}. The third column is the camera id (the c<cam> '
        'of a Market-1501 name), which the camera-aware protocol needs; '
        '2-column "<path> <pid>" lists (mmdet ReIDDataset lists, such as '
        'reid_grid/meta/*.txt) lack it. Write 3-column lists with '
        '`python tools/dataset_converters/market1501_to_reid.py <data_root>'
        f' --out-dir <dir>` and set {role}_ann_file=<dir>/{role}.txt, or '
        'set query_ann_file=None and gallery_ann_file=None to read ids and '
        'cameras from the names in query/ and bounding_box_test/.')
