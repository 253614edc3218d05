"""Convert a reference SAIPv1 checkpoint (``student``, timm names) to a
saip_mm backbone checkpoint.

Example:
    python tools/model_converters/saipv1_to_saip.py checkpoint.pth out.pth
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

from mmengine.runner import CheckpointLoader  # noqa: E402

import saip_mm  # noqa: E402,F401 (installs the safe checkpoint loader)
from saip_mm.utils.checkpoint_loader import save_checkpoint_atomic  # noqa
from saip_mm.utils.model_converters import backbone_from_state, convert_saipv1  # noqa


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='SAIPv1 checkpoint (.pth)')
    parser.add_argument('dst', help='saip_mm backbone checkpoint to write')
    parser.add_argument('--key', default='student',
                        help="state dict key in the file ('student' or "
                        "'teacher')")
    parser.add_argument('--img-size', type=int, nargs=2, default=(256, 128),
                        metavar=('H', 'W'), help='pretraining input size')
    args = parser.parse_args()
    # saip_mm's loader: weights_only, never executes pickled code
    ckpt = CheckpointLoader.load_checkpoint(args.src, map_location='cpu')
    state = ckpt.get(args.key, ckpt)
    converted, dropped = convert_saipv1(state, tuple(args.img_size))
    model = backbone_from_state(converted)  # checks every key and shape
    save_checkpoint_atomic(dict(state_dict=model.state_dict(),
                                meta=dict(model.meta, source=args.src)),
                           args.dst)
    print(f'wrote {len(converted)} backbone tensors to {args.dst}; dropped '
          f'{len(dropped)} non-backbone keys (decoders/heads)')


if __name__ == '__main__':
    main()
