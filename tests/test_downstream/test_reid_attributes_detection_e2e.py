"""End to end: ReID, attributes and detection configs on ../shared/data.

Each test starts from a SAIP backbone checkpoint as the pretraining
converter writes it, trains a few iterations with ``tools/train.py`` and
evaluates with ``tools/test.py`` (or the validation at the end of
training), then checks that the library's metric was computed over every
real annotation; the values themselves mean nothing after 3 iterations.
"""
import json
from pathlib import Path

import mmengine
import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def printed_metrics(stdout: str) -> dict:
    """The metrics ``tools/test.py`` prints last, as JSON."""
    return json.loads(stdout[stdout.rindex('\n{\n'):])


def loader_options(data_root: Path, **dataset) -> list:
    """``--cfg-options`` for the three dataloaders: in-process loading,
    ``data_root`` and the same dataset arguments everywhere."""
    options = []
    for split in ('train', 'val', 'test'):
        loader = f'{split}_dataloader'
        options += [f'{loader}.num_workers=0',
                    f'{loader}.persistent_workers=False',
                    f'{loader}.dataset.data_root={data_root}']
        options += [f'{loader}.dataset.{k}={v}' for k, v in dataset.items()]
    return options


def train_and_test(run_tool, config: str, work_dir: Path, options: list,
                   checkpoint_name: str, *test_args) -> dict:
    """Train without validation, then test the last checkpoint."""
    run_tool('tools/train.py', config, '--work-dir', work_dir, '--no-validate',
        '--cfg-options', *options)
    return printed_metrics(run_tool('tools/test.py', config,
                            work_dir / checkpoint_name, '--work-dir',
                            work_dir, *test_args, '--cfg-options',
                            *options))


def test_reid_market1501_mini(shared_data, saip_checkpoint, run_tool,
        tmp_path):
    root = shared_data / 'reid_sample' / 'market1501_mini'
    lists = tmp_path / 'lists'
    run_tool('tools/dataset_converters/market1501_to_reid.py', root,
             '--out-dir', lists)
    options = loader_options(root) + [
        f'{split}_dataloader.dataset.{role}_ann_file={lists / role}.txt'
        for split in ('val', 'test') for role in ('query', 'gallery')
    ] + [
        f'model.backbone.init_cfg.checkpoint={saip_checkpoint}',
        'model.head.num_classes=16',
        f'train_dataloader.dataset.ann_file={lists / "train.txt"}',
        'train_dataloader.dataset.triplet_sampler.num_ids=4',
        'train_dataloader.dataset.triplet_sampler.ins_per_id=2',
        # tools/train.py fits warm-up and cosine to the 3 iterations
        'test_dataloader.batch_size=16', 'train_cfg.max_iters=3'
    ]
    metrics = train_and_test(
        run_tool,
        'configs/reid/saip-vit-t_reid_market1501-256x128.py',
        tmp_path / 'work', options, 'iter_3.pth')
    for key in ('mAP', 'R1', 'R5', 'R10'):
        assert 0 <= metrics[f'reid/{key}'] <= 100
    # 16 queries, one of them without a cross-camera match, 16 gallery
    assert metrics['reid/num_query'] == 15
    assert metrics['reid/num_query_no_match'] == 1
    assert metrics['reid/num_gallery'] == 16


def test_attributes_market1501_sample(shared_data, saip_checkpoint, run_tool,
        tmp_path):
    root = shared_data / 'attr_sample' / 'market1501_attr'
    options = loader_options(
        root, ann_file='annotations/attributes.json') + [
        f'model.backbone.init_cfg.checkpoint={saip_checkpoint}',
        'train_dataloader.batch_size=12',
        'train_dataloader.dataset.indices=24',
        # the 30-epoch config as a 2-iteration run (tools/train.py fits it)
        'test_dataloader.batch_size=16', 'train_cfg.max_iters=2'
    ]
    metrics = train_and_test(
        run_tool,
        'configs/attributes/saip-vit-t_market1501-attr-256x128.py',
        tmp_path / 'work', options, 'iter_2.pth')
    for key in ('mA', 'accuracy', 'precision', 'recall', 'f1'):
        assert 0 <= metrics[f'attribute/{key}'] <= 100
    assert 'multi-label/f1-score' in metrics
    # query + gallery images of the test identities
    assert metrics['attribute/num_samples'] == 32


# detection at 256 px with fewer proposals, so a CPU step takes seconds
DETECTION_OPTIONS = [
    'train_dataloader.dataset.indices=6',
    'train_dataloader.dataset.pipeline.2.scale=(256,256)',
    'val_dataloader.dataset.pipeline.1.scale=(256,256)',
    'test_dataloader.dataset.pipeline.1.scale=(256,256)',
    'model.train_cfg.rpn_proposal.max_per_img=200',
    'model.train_cfg.rcnn.sampler.num=64',
    'model.test_cfg.rpn.max_per_img=100',
    'train_cfg.max_iters=2'  # the 12/30-epoch configs as 2-iteration runs
]


def test_detection_coco_person_sample(shared_data, saip_checkpoint, run_tool,
        tmp_path):
    root = shared_data / 'det_person_sample'
    ann_file = root / 'annotations' / 'instances_person_sample.json'
    options = loader_options(
        root, ann_file=ann_file, **{'data_prefix.img': 'images/'}) + [
        f'model.backbone.init_cfg.checkpoint={saip_checkpoint}',
        f'val_evaluator.ann_file={ann_file}',
        f'test_evaluator.ann_file={ann_file}', *DETECTION_OPTIONS
    ]
    preds = tmp_path / 'preds.pkl'
    metrics = train_and_test(
        run_tool,
        'configs/detection/saip-vit-t_faster-rcnn_sfp_coco-person.py',
        tmp_path / 'work', options, 'iter_2.pth', '--out', preds)
    for key in ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75'):
        assert 0 <= metrics[f'coco/{key}'] <= 1
    # every image and every ground-truth box of the json was evaluated
    samples = mmengine.load(preds)
    assert len(samples) == 9
    assert sum(len(s['gt_instances']['bboxes']) for s in samples) == 28


def test_detection_crowdhuman_odgt(shared_data, saip_checkpoint, run_tool,
        tmp_path):
    """CrowdHuman's odgt layout, written from the COCO person sample."""
    src = shared_data / 'det_person_sample'
    coco = json.loads(
        (src / 'annotations/instances_person_sample.json').read_text())
    root = tmp_path / 'CrowdHuman'
    (root / 'Images').mkdir(parents=True)
    lines = []
    for image in coco['images']:
        image_id = Path(image['file_name']).stem
        (root / 'Images' / f'{image_id}.jpg').symlink_to(
            src / 'images' / image['file_name'])
        boxes = [a['bbox'] for a in coco['annotations']
                 if a['image_id'] == image['id']]
        lines.append(json.dumps(dict(ID=image_id, gtboxes=[
            dict(tag='person', fbox=b, vbox=b, hbox=b[:3] + [b[3] / 5],
                 extra=dict(ignore=0)) for b in boxes])))
    for split in ('train', 'val'):
        (root / f'annotation_{split}.odgt').write_text('\n'.join(lines))
    options = loader_options(root) + [
        f'model.backbone.init_cfg.checkpoint={saip_checkpoint}',
        f'val_evaluator.ann_file={root / "annotation_val.odgt"}',
        'val_evaluator.num_ji_process=1', *DETECTION_OPTIONS
    ]
    work_dir = tmp_path / 'work'
    run_tool('tools/train.py',
        'configs/detection/saip-vit-t_faster-rcnn_sfp_crowdhuman.py',
        '--work-dir', work_dir, '--cfg-options', *options)
    scalars = next(work_dir.glob('*/vis_data/scalars.json'))
    metrics = json.loads(scalars.read_text().splitlines()[-1])
    assert 0 <= metrics['crowd_human/mAP'] <= 1
    assert 0 <= metrics['crowd_human/mMR'] <= 1
    assert 0 <= metrics['crowd_human/JI'] <= 1
    # the validation set read every image of the odgt
    assert len(json.loads((root / 'id_hw_val.json').read_text())) == 9
