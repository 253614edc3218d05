# Copyright (c) OpenMMLab. All rights reserved.
"""Measure the throughput of the SAIP pretraining data pipeline.

Runs load -> 2 global + N local views -> multi-person composite -> pack on
real images and prints samples/s per worker process and in total. The
per-process rate divides by that process's CPU time, so other load on the
machine does not distort it; the total is wall clock.

Example::

    python tools/analysis/benchmark_data.py --num-samples 1000 --workers 0
"""
import argparse
import os
import os.path as osp
import time
from collections import defaultdict

import cv2
import torch
from torch.utils.data import DataLoader, Dataset, get_worker_info
from tqdm import tqdm

from saip_mm.registry import DATASETS

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_ROOT = osp.join(REPO_ROOT, '..', 'shared', 'data', 'persons')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--data-root', default=DEFAULT_ROOT,
        help='person image folder (default: ../shared/data/persons)')
    parser.add_argument(
        '--ann-file', default='train.txt',
        help="list file in data-root; '' scans the folder")
    parser.add_argument('--num-samples', type=int, default=1000)
    parser.add_argument(
        '--workers', type=int, default=0,
        help='DataLoader worker processes; 0 runs in this process')
    parser.add_argument('--num-local', type=int, default=7)
    parser.add_argument(
        '--threads', type=int, default=1,
        help='OpenCV and torch threads per process')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def set_threads(num_threads: int) -> None:
    cv2.setNumThreads(num_threads)
    torch.set_num_threads(num_threads)


class TimedDataset(Dataset):
    """Return each sample's producer and the CPU seconds it cost there."""

    def __init__(self, dataset, num_samples: int, num_threads: int) -> None:
        self.dataset = dataset
        self.num_samples = num_samples
        self.num_threads = num_threads

    def __len__(self) -> int:
        return self.num_samples

    def __getitem__(self, idx: int):
        start = time.process_time()
        self.dataset[idx % len(self.dataset)]
        info = get_worker_info()
        worker = 'main' if info is None else f'worker {info.id}'
        return worker, time.process_time() - start


def build_dataset(args: argparse.Namespace):
    ann_file = args.ann_file
    if ann_file and not osp.isfile(osp.join(args.data_root, ann_file)):
        ann_file = ''
    return DATASETS.build(
        dict(
            type='saip_mm.PersonImageDataset',
            data_root=args.data_root,
            ann_file=ann_file,
            pipeline=[
                dict(type='saip_mm.LoadPersonImage'),
                dict(
                    type='saip_mm.SAIPMultiScaleViews',
                    num_local=args.num_local),
                dict(
                    type='saip_mm.MultiPersonComposite',
                    background=dict(type='dataset')),
                dict(type='saip_mm.PackSAIPInputs'),
            ]))


def main() -> None:
    args = parse_args()
    set_threads(args.threads)
    torch.manual_seed(args.seed)
    dataset = build_dataset(args)
    # Spread the samples over the whole corpus (its subsets differ in size).
    stride = max(1, len(dataset) // args.num_samples)
    timed = TimedDataset(
        torch.utils.data.Subset(dataset, range(0, len(dataset), stride)),
        args.num_samples, args.threads)
    loader = DataLoader(
        timed,
        batch_size=None,
        num_workers=args.workers,
        worker_init_fn=lambda _: set_threads(args.threads))

    seconds, counts = defaultdict(float), defaultdict(int)
    start = time.perf_counter()
    for worker, cost in tqdm(loader, total=args.num_samples, unit='sample'):
        seconds[worker] += cost
        counts[worker] += 1
    wall = time.perf_counter() - start

    print(f'{len(dataset)} images in {args.data_root}; '
          f'{args.num_samples} samples, {args.workers} worker(s), '
          f'{args.threads} thread(s) each, pid {os.getpid()}')
    for worker in sorted(counts):
        print(f'  {worker}: {counts[worker] / seconds[worker]:.1f} samples/s '
              f'per CPU second ({counts[worker]} samples)')
    print(f'total: {args.num_samples / wall:.1f} samples/s (wall clock)')


if __name__ == '__main__':
    main()
