"""Evaluator paths and COCO class names fitted before the runner is built."""
import json
from pathlib import Path

import pytest
from mmengine.config import Config

from saip_mm.utils import annotation_files
from saip_mm.utils.annotation_files import (
    fit_annotation_files,
    match_coco_classes,
    read_coco_categories,
    resolve_evaluator_ann_file,
    resolve_evaluator_ann_files,
)

REPO = Path(__file__).resolve().parents[2]
COCO_PERSON = REPO / 'configs/detection' / \
    'saip-vit-t_faster-rcnn_sfp_coco-person.py'


def write_coco(path: Path, names, first: bool = True) -> Path:
    """A COCO json with one image and one box per category."""
    categories = [dict(id=i + 1, name=n) for i, n in enumerate(names)]
    body = dict(images=[dict(id=1, file_name='a.jpg', width=8, height=8)],
                annotations=[dict(id=i + 1, image_id=1, category_id=i + 1,
                                  bbox=[0, 0, 4, 4], area=16, iscrowd=0)
                             for i in range(len(names))])
    content = dict(categories=categories, **body) if first else \
        dict(**body, categories=categories)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content))
    return path


def own_data_config(root: Path, ann_file: str,
                    evaluator_ann_file: str = None) -> Config:
    """The COCO person config pointed at ``root/ann_file``, as the
    ``--cfg-options`` of docs/downstream/detection.md do."""
    cfg = Config.fromfile(COCO_PERSON)
    options = {}
    for split in ('train', 'val', 'test'):
        options[f'{split}_dataloader.dataset.data_root'] = str(root)
        options[f'{split}_dataloader.dataset.ann_file'] = ann_file
    if evaluator_ann_file is not None:
        options.update({f'{split}_evaluator.ann_file': evaluator_ann_file
                        for split in ('val', 'test')})
    cfg.merge_from_dict(options)
    return cfg


@pytest.mark.parametrize('ann_file,data_root,expected', [
    ('mine.json', '/data/own', '/data/own/mine.json'),
    ('sub/mine.json', '/data/own/', '/data/own/sub/mine.json'),
    # mmdet's configs pre-join data_root: left as they are
    ('data/coco/annotations/a.json', 'data/coco/',
     'data/coco/annotations/a.json'),
    ('/abs/a.json', '/data/own', '/abs/a.json'),
    ('s3://bucket/a.json', '/data/own', 's3://bucket/a.json'),
    ('a.json', None, 'a.json'),
    (None, '/data/own', None),
])
def test_resolve_evaluator_ann_file(ann_file, data_root, expected):
    assert resolve_evaluator_ann_file(ann_file, data_root) == expected


def test_path_relative_to_the_working_directory_is_kept(tmp_path,
                                                        monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_coco(tmp_path / 'ann' / 'val.json', ['person'])
    assert resolve_evaluator_ann_file('ann/val.json',
                                      str(tmp_path / 'images')) \
        == 'ann/val.json'


def test_config_evaluator_is_relative_to_the_data_root():
    cfg = Config.fromfile(COCO_PERSON)
    for split in ('val', 'test'):
        assert cfg[f'{split}_evaluator'].ann_file == \
            cfg[f'{split}_dataloader'].dataset.ann_file
    resolve_evaluator_ann_files(cfg)
    assert cfg.test_evaluator.ann_file == \
        'data/coco/annotations/instances_val2017.json'


def test_evaluator_follows_the_data_root(tmp_path):
    own = write_coco(tmp_path / 'own' / 'mine.json', ['person'])
    cfg = own_data_config(own.parent, 'mine.json', 'mine.json')
    resolve_evaluator_ann_files(cfg)
    assert cfg.val_evaluator.ann_file == str(own)
    assert cfg.test_evaluator.ann_file == str(own)


def test_missing_evaluator_file_becomes_the_dataset_file(tmp_path):
    own = write_coco(tmp_path / 'own' / 'mine.json', ['person'])
    # only the dataset's ann_file was changed: the evaluator still names
    # annotations/instances_val2017.json, which the folder does not have
    cfg = own_data_config(own.parent, 'mine.json')
    resolve_evaluator_ann_files(cfg)
    assert cfg.test_evaluator.ann_file == str(own)


def test_existing_evaluator_file_is_kept(tmp_path):
    own = write_coco(tmp_path / 'own' / 'mine.json', ['person'])
    other = write_coco(tmp_path / 'own' / 'other.json', ['person'])
    cfg = own_data_config(own.parent, 'mine.json', str(other))
    resolve_evaluator_ann_files(cfg)
    assert cfg.test_evaluator.ann_file == str(other)


def test_wrapped_dataset_and_metric_list(tmp_path):
    own = write_coco(tmp_path / 'own' / 'mine.json', ['person'])
    cfg = Config(dict(
        test_dataloader=dict(dataset=dict(
            type='RepeatDataset', times=2,
            dataset=dict(data_root=str(own.parent), ann_file='mine.json'))),
        test_evaluator=[dict(type='CocoMetric', ann_file='mine.json'),
                        dict(type='DumpResults')]))
    resolve_evaluator_ann_files(cfg)
    assert cfg.test_evaluator[0].ann_file == str(own)
    assert 'ann_file' not in cfg.test_evaluator[1]


@pytest.mark.parametrize('first', [True, False])
def test_read_coco_categories(tmp_path, first):
    path = write_coco(tmp_path / 'a.json', ['rider', 'pedestrian'], first)
    assert [c['name'] for c in read_coco_categories(str(path))] == \
        ['rider', 'pedestrian']


def test_read_coco_categories_longer_than_the_window(tmp_path, monkeypatch):
    monkeypatch.setattr(annotation_files, 'CATEGORY_WINDOW', 16)
    path = write_coco(tmp_path / 'a.json', ['rider', 'pedestrian'])
    assert len(read_coco_categories(str(path))) == 2


def test_read_coco_categories_of_other_files(tmp_path):
    (tmp_path / 'list.json').write_text('[1, 2]')
    (tmp_path / 'nested.json').write_text(
        json.dumps(dict(info=dict(categories='none'), data_list=[])))
    (tmp_path / 'empty.json').write_text('')
    for name in ('list.json', 'nested.json', 'empty.json'):
        assert read_coco_categories(str(tmp_path / name)) is None


def test_single_category_not_named_person_is_taken(tmp_path):
    own = write_coco(tmp_path / 'own' / 'mine.json', ['pedestrian'])
    cfg = own_data_config(own.parent, 'mine.json')
    fit_annotation_files(cfg)
    for split in ('train', 'val', 'test'):
        assert cfg[f'{split}_dataloader'].dataset.metainfo.classes == \
            ('pedestrian', )


def test_person_among_several_categories_is_kept(tmp_path):
    own = write_coco(tmp_path / 'own' / 'mine.json', ['bicycle', 'person'])
    cfg = own_data_config(own.parent, 'mine.json')
    match_coco_classes(cfg)
    assert cfg.test_dataloader.dataset.metainfo.classes == ('person', )


@pytest.mark.parametrize('names,classes', [
    (['rider', 'pedestrian'], None),  # default person, several categories
    (['pedestrian'], ['walker']),  # classes set by the user, not in the json
])
def test_ambiguous_categories_fail_before_building(tmp_path, names, classes):
    own = write_coco(tmp_path / 'own' / 'mine.json', names)
    cfg = own_data_config(own.parent, 'mine.json')
    if classes is not None:
        cfg.merge_from_dict({f'{split}_dataloader.dataset.metainfo.classes':
                             classes for split in ('train', 'val', 'test')})
    with pytest.raises(ValueError) as error:
        match_coco_classes(cfg)
    message = str(error.value)
    assert str(own) in message
    assert str(names) in message
    value = '"[' + ','.join(names) + ']"'
    for split in ('train', 'val', 'test'):
        assert f'{split}_dataloader.dataset.metainfo.classes={value}' \
            in message


@pytest.mark.parametrize('is_file', [False, True])
def test_classes_given_as_one_string(tmp_path, is_file):
    own = write_coco(tmp_path / 'own' / 'mine.json', ['rider', 'pedestrian'])
    # ``classes=pedestrian`` on the command line, or a file of names that
    # mmengine reads itself
    value = 'pedestrian'
    if is_file:
        value = str(tmp_path / 'names.txt')
        Path(value).write_text('rider\npedestrian\n')
    cfg = own_data_config(own.parent, 'mine.json')
    cfg.merge_from_dict({f'{split}_dataloader.dataset.metainfo.classes':
                         value for split in ('train', 'val', 'test')})
    match_coco_classes(cfg)
    assert cfg.test_dataloader.dataset.metainfo.classes == \
        (value if is_file else ('pedestrian', ))


def test_non_coco_files_are_left_alone(tmp_path):
    (tmp_path / 'list.txt').write_text('a.jpg 0\n')
    (tmp_path / 'data.json').write_text(json.dumps(dict(data_list=[])))
    cfg = Config(dict(
        train_dataloader=dict(dataset=dict(
            data_root=str(tmp_path), ann_file='list.txt',
            metainfo=dict(classes=('person', )))),
        test_dataloader=dict(dataset=dict(
            data_root=str(tmp_path), ann_file='data.json',
            metainfo=dict(classes=('person', ))))))
    fit_annotation_files(cfg)
    assert cfg.test_dataloader.dataset.metainfo.classes == ('person', )
