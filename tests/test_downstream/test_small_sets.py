"""End to end: the ``*-small-*`` fine-tuning configs on their real sets.

Each test trains a config for 2 iterations with ``tools/train.py`` (which
fits the config's schedule to them) from a SAIP backbone checkpoint, on the
real set in ``../shared/data`` the config points at, and checks that the
validation at the end scored the WHOLE evaluation split: a metric computed
on part of a split would be a believable wrong number. The metric values
mean nothing after 2 iterations.
"""
import json
import re
from pathlib import Path

import pytest
from mmengine.config import Config

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


def train_two_iterations(run_tool, config: str, work_dir: Path,
                         checkpoint: Path, *options) -> tuple:
    """Train ``config`` for 2 iterations with validation at the end.

    Returns:
        tuple: The stdout of ``tools/train.py`` (its log) and the last
        validation's scalars from ``vis_data/scalars.json``.
    """
    stdout = run_tool('tools/train.py', config, '--work-dir', work_dir,
                      '--cfg-options', 'train_cfg.max_iters=2',
                      f'model.backbone.init_cfg.checkpoint={checkpoint}',
                      *options)
    (scalars, ) = work_dir.glob('*/vis_data/scalars.json')
    val = [json.loads(line) for line in scalars.read_text().splitlines()]
    val = [entry for entry in val if 'loss' not in entry]
    assert val, f'no validation in {scalars}'
    assert list(work_dir.glob('best_*.pth')), 'no best checkpoint kept'
    return stdout, val[-1]


# the fine-tuning configs (configs/saip holds pretraining ones, ViT-Small)
SMALL_CONFIGS = sorted(
    str(path.relative_to(REPO)) for path in REPO.glob('configs/*/*-small-*.py')
    if path.parent.name != 'saip')


def test_the_four_small_configs_are_found():
    assert len(SMALL_CONFIGS) == 4, SMALL_CONFIGS


@pytest.mark.parametrize('config', SMALL_CONFIGS)
def test_small_config_fixes_its_seed(config):
    # the library runtimes leave the seed None (a new one every run): the
    # README's commands would not repeat the table's numbers
    assert Config.fromfile(REPO / config).randomness.seed == 0


def val_batches(stdout: str) -> str:
    """The ``i/n`` of the last validation progress line in the log."""
    return re.findall(r'Iter\(val\) \[\s*(\d+/\d+)\]', stdout)[-1]


def test_reid_grid(saip_checkpoint, run_tool, tmp_path):
    _, metrics = train_two_iterations(
        run_tool, 'configs/reid/saip-vit-t_reid_grid-small-128x64.py',
        tmp_path, saip_checkpoint)
    assert 0 <= metrics['reid/mAP'] <= 100
    # every query has exactly one cross-camera match among 900 gallery crops
    assert metrics['reid/num_query'] == 125
    assert metrics['reid/num_query_no_match'] == 0
    assert metrics['reid/num_gallery'] == 900


def test_attributes_peta(saip_checkpoint, run_tool, tmp_path):
    # 2 training batches of 8 instead of 64: the test is about validation
    stdout, metrics = train_two_iterations(
        run_tool, 'configs/attributes/saip-vit-t_peta-small-128x64.py',
        tmp_path, saip_checkpoint, 'train_dataloader.batch_size=8')
    assert 0 <= metrics['attribute/mA'] <= 100
    # the identity-disjoint test split, as the dataset reports it
    test_size = int(re.search(r'(\d+) of 11484 images in split test',
                              stdout).group(1))
    assert test_size == 2302
    assert metrics['attribute/num_samples'] == test_size


def test_peta_pos_weight_is_the_train_split_ratio(shared_data):
    """The small PETA config's BCE pos_weight is (N - n_k) / n_k of the
    split it trains on, attribute by attribute, in the head's order."""
    import numpy as np
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import DATASETS

    import saip_mm  # noqa: F401  (registers saip_mm.PETADataset)

    cfg = Config.fromfile(
        REPO / 'configs/attributes/saip-vit-t_peta-small-128x64.py')
    assert cfg.model.head.loss.pos_weight == cfg.pos_weight
    assert len(cfg.pos_weight) == cfg.model.head.num_classes == 35
    init_default_scope('mmpretrain')
    dataset = DATASETS.build(
        dict(cfg.train_dataloader.dataset, data_root=str(shared_data),
             pipeline=[]))
    counts = np.zeros(35)
    for i in range(len(dataset)):
        counts[np.asarray(dataset.get_data_info(i)['gt_label'])] += 1
    assert len(dataset) == 9182 and counts.min() > 0
    np.testing.assert_allclose(
        cfg.pos_weight, (len(dataset) - counts) / counts, atol=0.006)


def test_detection_pennfudan(shared_data, saip_checkpoint, run_tool,
                             tmp_path):
    config = 'configs/detection/saip-vit-t_faster-rcnn_pennfudan-small-256.py'
    prefix = tmp_path / 'val'
    _, metrics = train_two_iterations(
        run_tool, config, tmp_path / 'work', saip_checkpoint,
        f'val_evaluator.outfile_prefix={prefix}')
    assert 0 <= metrics['coco/bbox_mAP'] <= 1
    # the ground truth scored is the 24 val scenes' 59 pedestrians, not the
    # whole json, and every val scene has detections in the results
    gt = json.loads(Path(f'{prefix}.gt.json').read_text())
    assert len(gt['images']) == 24 and len(gt['annotations']) == 59
    dets = json.loads(Path(f'{prefix}.bbox.json').read_text())
    assert len({det['image_id'] for det in dets}) == 24
    # ... and they are the config's val scenes, none of its train scenes
    full = json.loads(
        (shared_data / 'pedestrians_pennfudan' / 'instances_person.json')
        .read_text())
    cfg = Config.fromfile(REPO / config)
    ids = [image['id'] for image in full['images']]
    assert {image['id'] for image in gt['images']} == {
        ids[i] for i in cfg.val_indices}
    assert not set(cfg.val_indices) & set(cfg.train_indices)
    assert len(cfg.train_indices) == 96


def test_parsing_ccp(shared_data, saip_checkpoint, run_tool, tmp_path):
    out = tmp_path / 'ccp'
    run_tool('tools/dataset_converters/ccp_to_mmseg.py',
             shared_data / 'parsing_ccp', '--out-dir', out)
    num_val = len((out / 'splits' / 'val.txt').read_text().split())
    assert num_val == 140
    # 2 training batches of 2 instead of 8: the test is about validation
    stdout, metrics = train_two_iterations(
        run_tool, 'configs/parsing/saip-vit-t_upernet_ccp-small-256x256.py',
        tmp_path / 'work', saip_checkpoint, 'train_dataloader.batch_size=2',
        *(f'{split}_dataloader.dataset.data_root={out}'
          for split in ('train', 'val', 'test')))
    assert 0 <= metrics['mIoU'] <= 100
    # batch size 1: one validation step per val photo
    assert val_batches(stdout) == f'{num_val}/{num_val}'
