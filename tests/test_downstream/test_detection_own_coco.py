"""tools/test.py on one's own COCO json: relative paths, another class name.

The folder holds det_person_sample's images (linked) and its json with the
one category renamed ``pedestrian``; the dataset and the evaluator get
``ann_file`` relative to ``data_root``, as docs/downstream/detection.md
shows. The checkpoint is the detector as built (it covers every weight), so
the metric values mean nothing; what is checked is that every box of the
json was read and scored.
"""
import json
import os
import subprocess
from pathlib import Path
from typing import Callable

import mmengine
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope

REPO = Path(__file__).resolve().parents[2]
CONFIG = 'configs/detection/saip-vit-t_faster-rcnn_sfp_coco-person.py'
pytestmark = pytest.mark.e2e


@pytest.fixture(scope='module')
def detector_checkpoint(tmp_path_factory) -> Path:
    """Every weight of the config's detector, as initialised."""
    cfg = Config.fromfile(str(REPO / CONFIG))
    init_default_scope(cfg.default_scope)
    cfg.model.backbone.init_cfg = None
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    path = tmp_path_factory.mktemp('detector') / 'detector.pth'
    torch.save(dict(state_dict=model.state_dict()), path)
    return path


def own_folder(shared_data: Path, root: Path, names) -> Path:
    """det_person_sample as one's own folder: linked images, a json whose
    categories are ``names`` (the boxes keep category 1)."""
    src = shared_data / 'det_person_sample'
    coco = json.loads(
        (src / 'annotations/instances_person_sample.json').read_text())
    coco['categories'] = [dict(id=i + 1, name=n, supercategory='person')
                          for i, n in enumerate(names)]
    root.mkdir()
    (root / 'images').symlink_to(src / 'images')
    (root / 'pedestrians.json').write_text(json.dumps(coco))
    return root


def own_data_options(root: Path) -> list:
    """The dataloaders and the test evaluator on ``root/pedestrians.json``
    (relative), at 256 px with 100 proposals so that CPU inference is quick.
    """
    options = ['test_evaluator.ann_file=pedestrians.json',
               'model.test_cfg.rpn.max_per_img=100']
    for split in ('train', 'val', 'test'):
        loader = f'{split}_dataloader'
        options += [f'{loader}.dataset.data_root={root}',
                    f'{loader}.dataset.ann_file=pedestrians.json',
                    f'{loader}.dataset.data_prefix.img=images/',
                    f'{loader}.num_workers=0',
                    f'{loader}.persistent_workers=False']
    return options + [f'{split}_dataloader.dataset.pipeline.1.scale=(256,256)'
                      for split in ('val', 'test')]


@pytest.fixture
def run_test_tool(script_runner) -> Callable[...,
                                             subprocess.CompletedProcess]:
    """tools/test.py on CONFIG (a fork of this process), one OpenMP thread,
    stdout and stderr merged."""
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    return lambda *args: script_runner(
        [REPO / 'tools/test.py', CONFIG, *args], cwd=REPO, env=env,
        merge_stderr=True)


def test_single_category_json_named_otherwise(shared_data, tmp_path,
                                              detector_checkpoint,
                                              run_test_tool):
    root = own_folder(shared_data, tmp_path / 'own', ['pedestrian'])
    preds = tmp_path / 'preds.pkl'
    out = run_test_tool(detector_checkpoint, '--work-dir', tmp_path / 'work',
                        '--out', preds, '--cfg-options',
                        *own_data_options(root))
    assert out.returncode == 0, out.stdout[-3000:]
    assert "one category, 'pedestrian'" in out.stdout
    metrics = json.loads(out.stdout[out.stdout.rindex('\n{\n'):])
    for key in ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75'):
        assert 0 <= metrics[f'coco/{key}'] <= 1
    # every image and every box of the json reached the metric
    samples = mmengine.load(preds)
    assert len(samples) == 9
    assert sum(len(s['gt_instances']['bboxes']) for s in samples) == 28


def test_several_categories_fail_before_inference(shared_data, tmp_path,
                                                  detector_checkpoint,
                                              run_test_tool):
    root = own_folder(shared_data, tmp_path / 'own', ['pedestrian', 'rider'])
    out = run_test_tool(detector_checkpoint, '--work-dir', tmp_path / 'work',
                        '--cfg-options', *own_data_options(root))
    assert out.returncode != 0
    assert str(root / 'pedestrians.json') in out.stdout
    assert "['pedestrian', 'rider']" in out.stdout
    assert 'test_dataloader.dataset.metainfo.classes="[pedestrian,rider]"' \
        in out.stdout
    assert 'Load checkpoint' not in out.stdout  # nothing was built
