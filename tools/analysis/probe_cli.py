"""Command-line arguments shared by ``tools/analysis/probe_*.py``.

The probe tools import it from beside them; it needs ``saip_mm`` importable
(the tools put this checkout on ``sys.path`` first).
"""
import argparse

import torch

from saip_mm.evaluation.probes import FEATURE_TYPES, load_probe_backbone
from saip_mm.models.backbones import SAIPViT

RANDOM_CHECKPOINT = 'none'


def add_backbone_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the checkpoint and the feature-extraction options to a parser.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    parser.add_argument(
        'checkpoint', help='SAIP or MAE training checkpoint, or an exported '
        f'backbone; "{RANDOM_CHECKPOINT}" for random weights')
    parser.add_argument('--feature', choices=FEATURE_TYPES, default='cls',
                        help='CLS token or mean patch token (default: '
                        '%(default)s)')
    parser.add_argument('--batch-size', type=int, default=64,
                        help='images per forward pass (default: '
                        '%(default)s)')
    parser.add_argument('--num-workers', type=int, default=0,
                        help='dataloader worker processes; 0 loads in the '
                        'main process (default: %(default)s)')
    parser.add_argument('--img-size', type=int, nargs=2, default=(256, 128),
                        metavar=('H', 'W'),
                        help='input height and width; the backbone\'s '
                        'position embedding is resampled to it (default: '
                        '256 128)')
    parser.add_argument('--device', default='cuda' if
                        torch.cuda.is_available() else 'cpu',
                        help='torch device (default: %(default)s, i.e. cuda '
                        'when available)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the random weights (default: '
                        '%(default)s)')


def backbone_from_args(args: argparse.Namespace) -> SAIPViT:
    """The backbone the parsed arguments ask for, on their device."""
    torch.manual_seed(args.seed)
    checkpoint = None if args.checkpoint == RANDOM_CHECKPOINT \
        else args.checkpoint
    return load_probe_backbone(checkpoint, tuple(args.img_size)).to(
        args.device)
