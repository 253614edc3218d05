"""Person and camera ids from Market-1501 style file names.

Market-1501, DukeMTMC-reID and the GRID copy in ``../shared/data`` name each
crop ``<pid>_c<cam>s<seq>_<frame>_<box>.jpg`` (pid -1 = junk box, 0 =
distractor) and keep the splits in the folders of :data:`MARKET_FOLDERS`.
The ReID dataset, the list converter and the ReID probe all read names here.
"""
import os
import os.path as osp
import re
from typing import List, Tuple

MARKET_NAME = re.compile(r'^(-?\d+)_c(\d+)')
IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png')
# Gallery boxes of this pid are junk: never a match, never a mistake.
JUNK_PID = -1
# the folder of each split in a Market-1501 style root
MARKET_FOLDERS = dict(
    train='bounding_box_train', query='query', gallery='bounding_box_test')


def parse_market_name(path: str) -> Tuple[int, int]:
    """Person and camera id of a Market-1501 style file name.

    Args:
        path (str): File name or path, e.g. ``0002_c1s1_000451_03.jpg``.

    Returns:
        tuple[int, int]: (pid, camid).
    """
    match = MARKET_NAME.match(osp.basename(path))
    if match is None:
        raise ValueError(f'{path}: not a Market-1501 style name '
                         '(<pid>_c<cam>s<seq>_..., e.g. '
                         '0002_c1s1_000451_03.jpg)')
    return int(match.group(1)), int(match.group(2))


def scan_market_folder(directory: str) -> List[Tuple[str, int, int]]:
    """(file name, pid, camid) of every image in ``directory``, by name.

    Args:
        directory (str): A split folder such as ``<root>/query``.

    Returns:
        list[tuple[str, int, int]]: One entry per image, junk included.
    """
    names = sorted(n for n in os.listdir(directory)
                   if n.lower().endswith(IMAGE_SUFFIXES))
    if not names:
        raise FileNotFoundError(f'no images in {directory}')
    return [(n, *parse_market_name(osp.join(directory, n))) for n in names]
