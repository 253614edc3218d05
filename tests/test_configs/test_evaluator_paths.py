"""Evaluators follow the dataset they score.

Pointing ``{val,test}_dataloader.dataset.data_root`` at another folder must
move the metric's annotation file with it (as ``tools/train.py`` and
``tools/test.py`` resolve it): a path pre-joined with the config's default
root would score against the default set whenever that one exists too.
"""
from mmengine.config import Config

from saip_mm.utils.annotation_files import resolve_evaluator_ann_files


def test_evaluator_ann_file_moves_with_data_root(downstream_config,
                                                 tmp_path):
    cfg = Config.fromfile(str(downstream_config))
    for split in ('val', 'test'):
        cfg[f'{split}_dataloader'].dataset.data_root = str(tmp_path)
    resolve_evaluator_ann_files(cfg)
    for split in ('val', 'test'):
        evaluator = cfg[f'{split}_evaluator']
        for metric in evaluator if isinstance(evaluator, list) else [
                evaluator]:
            ann_file = metric.get('ann_file')
            if ann_file:
                assert ann_file.startswith(str(tmp_path)), (split, ann_file)
