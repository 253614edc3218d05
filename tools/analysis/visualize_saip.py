"""Write a PNG grid of a SAIP sample: views, composite with both paste masks,
CSR reconstruction and CSS predicted maps.

Example:
    python tools/analysis/visualize_saip.py configs/saip/saip_demo.py \
        work_dirs/saip_demo/iter_10.pth --out saip_sample.png
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.dataset import default_collate  # noqa: E402
from mmengine.registry import DefaultScope, init_default_scope  # noqa: E402
from mmengine.runner import load_checkpoint  # noqa: E402

import saip_mm  # noqa: E402,F401
from saip_mm.registry import DATASETS, MODELS  # noqa: E402
from saip_mm.visualization import render_saip_sample  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='SAIP pretraining config')
    parser.add_argument('checkpoint', nargs='?',
                        help='SAIP checkpoint (random weights if omitted)')
    parser.add_argument('--out', default='saip_sample.png',
                        help='PNG to write')
    parser.add_argument('--index', type=int, default=0,
                        help='dataset sample index')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    torch.manual_seed(args.seed)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
        model = MODELS.build(cfg.model)
    if args.checkpoint:
        load_checkpoint(model, args.checkpoint, map_location='cpu')
    else:
        model.init_weights()
    model.eval()
    batch = default_collate([dataset[args.index]])
    data = model.data_preprocessor(batch, False)
    render_saip_sample(model, data, args.out)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
