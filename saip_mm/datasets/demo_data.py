# Copyright (c) OpenMMLab. All rights reserved.
"""Demo data that needs no download: matplotlib's sample portrait photo."""
import os.path as osp
from typing import List

from saip_mm.registry import DATASETS

from .person_image_dataset import PersonImageDataset

# Real photos among matplotlib's sample data (the other images there are
# logos and clip art).
DEMO_IMAGE_NAMES = ('grace_hopper.jpg', )


def demo_image_paths() -> List[str]:
    """Paths of the real photos shipped with matplotlib.

    matplotlib is a dependency of mmengine, so these are always installed.

    Returns:
        List[str]: Absolute paths of the demo photos.
    """
    from matplotlib import cbook  # imports pyplot machinery: only on demand
    return [
        str(cbook.get_sample_data(name, asfileobj=False))
        for name in DEMO_IMAGE_NAMES
    ]


@DATASETS.register_module()
class DemoPersonDataset(PersonImageDataset):
    """The matplotlib demo photo(s) repeated ``num_samples`` times.

    Lets a demo config exercise the whole SAIP pipeline and every objective
    without downloading anything. Pair it with a composite background of
    ``dict(type='dataset')`` or ``dict(type='demo')``.

    Args:
        num_samples (int): Length of the dataset. Defaults to 64.
        **kwargs: Other arguments of :class:`PersonImageDataset` (``pipeline``
            etc.); ``data_root``, ``data_prefix`` and ``ann_file`` are set
            here.
    """

    def __init__(self, num_samples: int = 64, **kwargs) -> None:
        assert num_samples > 0, f'num_samples must be > 0, got {num_samples}'
        self.num_samples = num_samples
        paths = demo_image_paths()
        super().__init__(data_root=osp.dirname(paths[0]), **kwargs)

    def load_data_list(self) -> List[dict]:
        """Repeat the demo photo paths up to ``num_samples`` entries."""
        paths = demo_image_paths()
        return [
            dict(img_path=paths[i % len(paths)])
            for i in range(self.num_samples)
        ]
