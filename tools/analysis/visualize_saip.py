"""Write a PNG grid of a SAIP sample: views, composite with both paste masks,
CSR reconstruction and CSS predicted maps.

The PNG goes next to the checkpoint (its work dir) unless ``--out`` says
otherwise; without a checkpoint, into ``work_dirs/<config name>/``.

Example:
    python tools/analysis/visualize_saip.py configs/saip/saip_demo.py \
        work_dirs/saip_demo/iter_16.pth
"""
import argparse
import os
import os.path as osp
import sys
from typing import Optional

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


def default_out(config: str, checkpoint: Optional[str]) -> str:
    """``saip_sample.png`` in the checkpoint's folder or the config's work
    dir."""
    folder = osp.dirname(osp.abspath(checkpoint)) if checkpoint else \
        osp.join('work_dirs', osp.splitext(osp.basename(config))[0])
    return osp.join(folder, 'saip_sample.png')


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0].replace('\n', ' '))
    parser.add_argument('config', help='SAIP pretraining config')
    parser.add_argument('checkpoint', nargs='?',
                        help='SAIP checkpoint (random weights if omitted)')
    parser.add_argument('--out',
                        help='PNG to write (default: saip_sample.png in the '
                        'checkpoint\'s folder, or in work_dirs/<config name>/ '
                        'without a checkpoint)')
    parser.add_argument('--index', type=int, default=0,
                        help='dataset sample index (default: %(default)s)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the views and of random weights '
                        '(default: %(default)s)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config: key=value '
                        'pairs')
    args = parser.parse_args()
    out = args.out or default_out(args.config, args.checkpoint)
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
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    render_saip_sample(model, data, out)
    print(f'wrote {out}')


if __name__ == '__main__':
    main()
