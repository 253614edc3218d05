"""Training-free ReID probe: mAP and Rank-k of a backbone's frozen features.

Queries (``query/``) are ranked against the gallery (``bounding_box_test/``)
of a Market-1501 style folder by cosine similarity; gallery images of the
same person and camera are excluded, distractors (pid 0) kept, junk (-1)
ignored.

Example:
    python tools/analysis/probe_reid.py work_dirs/saip_vit-t/epoch_300.pth \
        --data ../shared/data/reid_grid
    python tools/analysis/probe_reid.py none --data ../shared/data/reid_grid
"""
import argparse
import os.path as osp
import sys

HERE = osp.dirname(osp.abspath(__file__))
# this checkout's saip_mm, and probe_cli.py beside this file
sys.path[:0] = [osp.dirname(osp.dirname(HERE)), HERE]

from probe_cli import add_backbone_arguments, backbone_from_args  # noqa: E402

from saip_mm.evaluation.probes import reid_probe  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_backbone_arguments(parser)
    parser.add_argument('--data', required=True,
                        help='Market-1501 style root (query/, '
                        'bounding_box_test/)')
    args = parser.parse_args()
    backbone = backbone_from_args(args)
    results = reid_probe(backbone, args.data, args.feature,
                         args.batch_size, args.num_workers,
                         img_size=tuple(args.img_size), progress=True)
    print(f'{args.checkpoint} on {args.data} ({args.feature} features): '
          f'{results["num_query"]} queries '
          f'({results["num_query_no_match"]} without a match), '
          f'{results["num_gallery"]} gallery images')
    print(f'mAP {results["mAP"]:.2f}  Rank-1 {results["R1"]:.2f}  '
          f'Rank-5 {results["R5"]:.2f}  Rank-10 {results["R10"]:.2f}')


if __name__ == '__main__':
    main()
