"""Export the backbone of a SAIP pretraining checkpoint for downstream use.

Example:
    python tools/model_converters/saip_to_backbone.py \
        work_dirs/saip_vit-t/epoch_300.pth saip_vit-t_backbone.pth

A run with a hierarchical student (``configs/saip/saip_tinyvit-5m.py``)
exports its net alone, without the mask token: the file
``SAIPTinyViT(init_cfg=dict(type='Pretrained', checkpoint=...))`` loads.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

from saip_mm.utils.checkpoint_loader import save_checkpoint_atomic  # noqa
from saip_mm.utils.model_converters import export_backbone  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='SAIP training checkpoint (.pth)')
    parser.add_argument('dst', help='backbone checkpoint to write')
    parser.add_argument('--teacher', action='store_true',
                        help='export the EMA teacher instead of the student')
    parser.add_argument('--img-size', type=int, nargs=2, metavar=('H', 'W'),
                        help='resample the position embedding to H x W')
    args = parser.parse_args()
    ckpt = export_backbone(args.src, args.teacher, args.img_size)
    save_checkpoint_atomic(ckpt, args.dst)
    meta = ckpt['meta']
    # a ViT's patch grid, or the type of a hierarchical net
    shape = f'grid {meta["grid_size"]}' if 'grid_size' in meta \
        else meta['type']
    print(f'wrote {len(ckpt["state_dict"])} backbone tensors '
          f'({meta["weights"]}, {shape}) to {args.dst}')


if __name__ == '__main__':
    main()
