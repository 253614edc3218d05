"""Attribute probe: kNN and linear classifiers on frozen features, mA.

The images of a PETA json (``attributes_peta/peta_attributes.json``,
identity-disjoint split) or a Market-1501 attribute json (``attr_sample``,
Market's train / test identities) are embedded once by the frozen backbone;
a class-balanced kNN vote and a class-balanced logistic regression (L-BFGS)
are fitted on the train identities and scored on the test identities by the
label-based mean accuracy mA. Attributes without positives (or negatives)
in the test split are left out and counted.

Example:
    python tools/analysis/probe_attributes.py work_dirs/saip_vit-t/epoch_300.pth \
        --ann-file ../shared/data/attributes_peta/peta_attributes.json
"""  # noqa: E501
import argparse
import os.path as osp
import sys

HERE = osp.dirname(osp.abspath(__file__))
# this checkout's saip_mm, and probe_cli.py beside this file
sys.path[:0] = [osp.dirname(osp.dirname(HERE)), HERE]

from probe_cli import add_backbone_arguments, backbone_from_args  # noqa: E402

from saip_mm.evaluation.probes import (  # noqa: E402
    PROBE_METHODS,
    attribute_probe,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_backbone_arguments(parser)
    parser.add_argument('--ann-file', required=True,
                        help='PETA or Market-1501 attribute json')
    parser.add_argument('--data-root',
                        help='root of the image paths (default: the parent '
                        'of the json\'s folder)')
    parser.add_argument('--probes', nargs='+', choices=PROBE_METHODS,
                        default=list(PROBE_METHODS))
    parser.add_argument('--k', type=int, default=20, help='kNN neighbours')
    parser.add_argument('--steps', type=int, default=300,
                        help='L-BFGS iterations of the linear probe')
    args = parser.parse_args()
    backbone = backbone_from_args(args)
    results = attribute_probe(
        backbone, args.ann_file, args.data_root, args.probes,
        args.k, args.steps, args.feature, args.batch_size, args.num_workers,
        tuple(args.img_size), progress=True)
    print(f'{args.checkpoint} on {args.ann_file} ({args.feature} features): '
          f'train {results["num_train"]} / test {results["num_test"]} '
          f'images, {results["num_attr"]} attributes scored, '
          f'{results["num_attr_excluded"]} without positives or negatives '
          'in the test split left out')
    for probe in args.probes:
        print(f'{probe} mA {results[f"{probe}_mA"]:.2f}')


if __name__ == '__main__':
    main()
