"""End to end: every SAIPTinyViT downstream config fine-tunes and tests.

The backbone of one SAIP iteration with a TinyViT-5M student, exported by
``saip_to_backbone.py``, is loaded by each config's ``Pretrained`` init;
``tools/train.py`` trains one iteration (small batches) on a
``../shared/data`` sample and ``tools/test.py`` scores the checkpoint.
Both tools run in this process (``main(argv)``): a subprocess pair per
config would spend most of its time importing. The data options are the
ViT tests' own (their modules are loaded, not copied).
"""
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from saip_mm.utils.state_dicts import checkpoint_state

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
pytestmark = pytest.mark.e2e


def load_module(path: Path) -> ModuleType:
    """Import a file that is in no package (tools/, sibling tests)."""
    spec = importlib.util.spec_from_file_location(
        f'tinyvit_e2e_{path.stem}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def tools() -> dict:
    """``tools/train.py`` and ``tools/test.py`` as modules."""
    sys.path.insert(0, str(REPO / 'tools'))  # their own imports
    try:
        return {name: load_module(REPO / 'tools' / f'{name}.py')
                for name in ('train', 'test')}
    finally:
        sys.path.remove(str(REPO / 'tools'))


@pytest.fixture
def unformatted_configs(monkeypatch) -> None:
    """Skip yapf in mmengine's config text: the Runner logs and dumps its
    config, and formatting it takes most of a one-iteration run on two
    shared cores (the unformatted text is the same Python)."""
    import mmengine.config.config as config_module
    monkeypatch.setattr(config_module, 'FormatCode',
                        lambda text, **kwargs: (text, False))


@pytest.fixture(scope='module')
def tinyvit_checkpoint(tmp_path_factory, shared_data, script_runner) -> Path:
    """The backbone the pretraining tools make: one iteration of
    ``configs/saip/saip_tinyvit-5m.py`` on ``../shared/data/persons``
    (the options of ``tests/test_e2e/test_saip_tinyvit.py``), exported as
    ``tools/model_converters/saip_to_backbone.py`` does."""
    e2e = load_module(REPO / 'tests/test_e2e/test_saip_tinyvit.py')
    work = tmp_path_factory.mktemp('saip_tinyvit')
    out = script_runner([
        REPO / 'tools/train.py', e2e.CONFIG, '--work-dir', work,
        '--cfg-options',
        f'train_dataloader.dataset.data_root={shared_data / "persons"}',
        *e2e.OPTIONS, 'train_dataloader.dataset.indices=2'], cwd=REPO)
    assert out.returncode == 0, (out.stdout[-3000:], out.stderr[-3000:])
    path = work / 'saip_tinyvit-5m_backbone.pth'
    out = script_runner([REPO / 'tools/model_converters/saip_to_backbone.py',
                         work / 'epoch_1.pth', path], cwd=REPO)
    assert out.returncode == 0, (out.stdout[-3000:], out.stderr[-3000:])
    return path


def pose_case(data: Path, checkpoint: Path, *_) -> list:
    vit = load_module(HERE / 'test_pose.py')
    return vit.sample_options(data / 'coco_kpt_sample', checkpoint) + [
        'train_dataloader.batch_size=2']


def parsing_case(data: Path, checkpoint: Path, *_) -> list:
    vit = load_module(HERE / 'test_parsing.py')
    layout = vit.lip_layout(data / 'lip_sample', 'train', 'val')
    return vit.sample_options(layout, checkpoint)


def detection_case(data: Path, checkpoint: Path, *_) -> list:
    vit = load_module(HERE / 'test_reid_attributes_detection_e2e.py')
    root = data / 'det_person_sample'
    ann_file = root / 'annotations' / 'instances_person_sample.json'
    return vit.loader_options(
        root, ann_file=ann_file, **{'data_prefix.img': 'images/'}) + [
        f'model.backbone.init_cfg.checkpoint={checkpoint}',
        f'val_evaluator.ann_file={ann_file}',
        f'test_evaluator.ann_file={ann_file}', *vit.DETECTION_OPTIONS,
        # 128 px: the stride-4 FPN level and the RPN's convolutions on it
        # cost seconds per step at 256
        'train_dataloader.batch_size=1',
        *[f'{split}_dataloader.dataset.pipeline.{i}.scale=(128,128)'
          for split, i in (('train', 2), ('val', 1), ('test', 1))]]


def reid_case(data: Path, checkpoint: Path, lists: Path,
              monkeypatch) -> list:
    vit = load_module(HERE / 'test_reid_attributes_detection_e2e.py')
    root = data / 'reid_sample' / 'market1501_mini'
    # in this process: a subprocess would spend seconds importing saip_mm
    converter = load_module(
        REPO / 'tools/dataset_converters/market1501_to_reid.py')
    monkeypatch.setattr(sys, 'argv', ['market1501_to_reid.py', str(root),
                                      '--out-dir', str(lists)])
    converter.main()
    return vit.loader_options(root) + [
        f'{split}_dataloader.dataset.{role}_ann_file={lists / role}.txt'
        for split in ('val', 'test') for role in ('query', 'gallery')
    ] + [
        f'model.backbone.init_cfg.checkpoint={checkpoint}',
        'model.head.num_classes=16',
        f'train_dataloader.dataset.ann_file={lists / "train.txt"}',
        'train_dataloader.dataset.triplet_sampler.num_ids=2',
        'train_dataloader.dataset.triplet_sampler.ins_per_id=2',
        'test_dataloader.batch_size=16']


def attributes_case(data: Path, checkpoint: Path, *_) -> list:
    vit = load_module(HERE / 'test_reid_attributes_detection_e2e.py')
    root = data / 'attr_sample' / 'market1501_attr'
    return vit.loader_options(
        root, ann_file='annotations/attributes.json') + [
        f'model.backbone.init_cfg.checkpoint={checkpoint}',
        'train_dataloader.batch_size=4', 'train_dataloader.dataset.indices=4',
        'test_dataloader.batch_size=16']


# config, its data options, and what its metrics must show
CASES = {
    'pose': ('configs/pose/saip-tinyvit-5m_td-hm_coco-256x192.py',
             pose_case, lambda m: 0. <= m['coco/AP'] <= 1.),
    'parsing': ('configs/parsing/saip-tinyvit-5m_upernet_lip-512x512.py',
                parsing_case, lambda m: 0. <= m['mIoU'] <= 100.),
    'detection': (
        'configs/detection/saip-tinyvit-5m_faster-rcnn_fpn_coco-person.py',
        detection_case, lambda m: 0. <= m['coco/bbox_mAP'] <= 1.),
    'reid': ('configs/reid/saip-tinyvit-5m_reid_market1501-256x128.py',
             reid_case, lambda m: (m['reid/num_query'],
                                   m['reid/num_gallery']) == (15, 16)),
    'attributes': (
        'configs/attributes/saip-tinyvit-5m_market1501-attr-256x128.py',
        attributes_case, lambda m: m['attribute/num_samples'] == 32),
}


@pytest.mark.parametrize('task', list(CASES))
def test_tinyvit_config_fine_tunes_and_tests(task, tools, tinyvit_checkpoint,
                                             shared_data, tmp_path,
                                             monkeypatch, capsys,
                                             unformatted_configs):
    config, make_options, metrics_ok = CASES[task]
    options = make_options(shared_data, tinyvit_checkpoint,
                           tmp_path / 'lists', monkeypatch) + [
        'train_cfg.max_iters=1', f'experiment_name=tinyvit_{task}']
    work_dir = tmp_path / 'work'
    tools['train'].main([config, '--work-dir', str(work_dir),
                         '--no-validate', '--cfg-options', *options])
    log = capsys.readouterr().out
    assert f'loaded backbone weights from {tinyvit_checkpoint}' in log
    options[-1] = f'experiment_name=tinyvit_{task}_test'
    metrics = tools['test'].main([config, str(work_dir / 'iter_1.pth'),
                                  '--work-dir', str(work_dir),
                                  '--cfg-options', *options])
    assert metrics_ok(metrics), metrics
    # the backbone started from the checkpoint and was trained: its
    # weights moved a little from it, none far (random init would be far)
    start = checkpoint_state(str(tinyvit_checkpoint))
    tuned = checkpoint_state(str(work_dir / 'iter_1.pth'))
    moved = [(tuned[f'backbone.{k}'] - v).abs().max().item()
             for k, v in start.items()
             if v.is_floating_point() and 'running_' not in k]
    assert 0 < max(moved) < 0.05
