"""Evaluators follow the dataset they score.

Pointing ``{val,test}_dataloader.dataset.data_root`` at another folder must
move the metric's annotation file with it (as ``tools/train.py`` and
``tools/test.py`` resolve it): a path pre-joined with the config's default
root would score against the default set whenever that one exists too.
"""
from pathlib import Path

import pytest
from mmengine.config import Config

from saip_mm.utils.annotation_files import resolve_evaluator_ann_files

CONFIGS = Path(__file__).resolve().parents[2] / 'configs'
TASKS = ('pose', 'parsing', 'reid', 'attributes', 'detection')
DOWNSTREAM = sorted(p for task in TASKS for p in (CONFIGS / task).glob('*.py'))


@pytest.mark.parametrize('path', DOWNSTREAM,
                         ids=lambda p: str(p.relative_to(CONFIGS)))
def test_evaluator_ann_file_moves_with_data_root(path, tmp_path):
    cfg = Config.fromfile(str(path))
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
