"""Make a config fit the annotation files it is pointed at, before building.

Two things go wrong when a detection config is pointed at one's own COCO json
with ``--cfg-options``:

* the evaluator reads its ``ann_file`` on its own: a relative path is taken
  from the working directory, not from the dataset's ``data_root`` as the
  dataset's ``ann_file`` is, and a changed dataset ``ann_file`` leaves the
  evaluator on the old json;
* the dataset keeps only the categories named in ``metainfo.classes``
  (``('person',)`` here): a json whose one category is called otherwise
  yields no box, and mmdet's ``CocoMetric`` fails with an IndexError after
  the whole inference.

:func:`fit_annotation_files` fixes the first (relative evaluator paths are
joined with the dataset's ``data_root``; a missing one becomes the dataset's
json) and, for the second, takes the class name from a single-category json,
or stops before anything is built with a message naming the json, its
categories and the ``--cfg-options`` to set. ``tools/runner_cli.py`` calls it
on every config before the runner is built.
"""
import json
import mmap
import os.path as osp
from typing import Iterator, List, Optional

from mmengine.logging import print_log

SPLITS = ('train', 'val', 'test')
DEFAULT_CLASSES = ('person', )
# bytes read after the "categories" key: COCO's 80 categories take ~6 kB
CATEGORY_WINDOW = 1 << 20


def _is_local(path) -> bool:
    return isinstance(path, str) and bool(path) and '://' not in path


def _is_local_relative(path) -> bool:
    return _is_local(path) and not osp.isabs(path)


def _starts_with(path: str, root: str) -> bool:
    """Whether ``path`` already begins with ``root`` (mmdet pre-joins it)."""
    path, root = osp.normpath(path), osp.normpath(root)
    return path == root or path.startswith(root.rstrip(osp.sep) + osp.sep)


def dataset_leaves(dataset: Optional[dict]) -> Iterator[dict]:
    """The dataset configs inside wrappers (``dataset`` / ``datasets``)."""
    if not isinstance(dataset, dict):
        return
    if isinstance(dataset.get('dataset'), dict):
        yield from dataset_leaves(dataset['dataset'])
    elif isinstance(dataset.get('datasets'), (list, tuple)):
        for child in dataset['datasets']:
            yield from dataset_leaves(child)
    else:
        yield dataset


def resolve_evaluator_ann_file(ann_file: str,
                               data_root: Optional[str]) -> str:
    """The path an evaluator's ``ann_file`` means, read as the dataset's.

    Args:
        ann_file (str): The evaluator's ``ann_file``.
        data_root (str, optional): The paired dataset's ``data_root``.

    Returns:
        str: ``data_root/ann_file`` for a relative path, unless it already
        starts with ``data_root`` or only the path as given exists (an old
        path relative to the working directory). Absolute paths and URIs are
        returned as they are.

    Example:
        >>> resolve_evaluator_ann_file('mine.json', '/data/own')
        '/data/own/mine.json'
        >>> resolve_evaluator_ann_file('data/coco/a.json', 'data/coco/')
        'data/coco/a.json'
    """
    if not data_root or not _is_local_relative(ann_file) \
            or _starts_with(ann_file, data_root):
        return ann_file
    joined = osp.join(data_root, ann_file)
    if not osp.exists(joined) and osp.exists(ann_file):
        return ann_file
    return joined


def _evaluator_metrics(evaluator) -> List[dict]:
    if isinstance(evaluator, dict) and 'metrics' in evaluator:
        evaluator = evaluator['metrics']
    if isinstance(evaluator, dict):
        return [evaluator]
    return [m for m in evaluator or [] if isinstance(m, dict)]


def dataset_ann_file(dataset: dict) -> Optional[str]:
    """The path a dataset reads: ``ann_file`` joined with ``data_root``."""
    ann_file = dataset.get('ann_file')
    if _is_local_relative(ann_file) and dataset.get('data_root'):
        return osp.join(dataset['data_root'], ann_file)
    return ann_file if isinstance(ann_file, str) else None


def resolve_evaluator_ann_files(cfg) -> None:
    """Point ``{val,test}_evaluator.ann_file`` at the dataset's json.

    A relative path is joined with ``{val,test}_dataloader.dataset.data_root``
    (:func:`resolve_evaluator_ann_file`). A path that does not exist while
    the dataset's file does (the dataset's ``ann_file`` was changed alone)
    becomes the dataset's file: it holds the ground truth of the images that
    are scored. Each change is logged (in place).
    """
    for split in ('val', 'test'):
        loader = cfg.get(f'{split}_dataloader', None) or {}
        leaves = list(dataset_leaves(loader.get('dataset')))
        if len(leaves) != 1:
            continue  # no dataset, or several roots: nothing to pair with
        dataset = leaves[0]
        data_file = dataset_ann_file(dataset)
        for metric in _evaluator_metrics(cfg.get(f'{split}_evaluator')):
            ann_file = metric.get('ann_file')
            resolved = resolve_evaluator_ann_file(ann_file,
                                                  dataset.get('data_root'))
            why = f'joined with {split}_dataloader.dataset.data_root'
            if _is_local(resolved) and not osp.exists(resolved) \
                    and _is_local(data_file) and osp.isfile(data_file):
                why = (f'{resolved!r} does not exist; this is the file '
                       f'{split}_dataloader.dataset reads')
                resolved = data_file
            if resolved != ann_file:
                metric['ann_file'] = resolved
                print_log(f'{split}_evaluator.ann_file: {ann_file!r} -> '
                          f'{resolved!r} ({why})', logger='current')


def read_coco_categories(path: str) -> Optional[List[dict]]:
    """The ``categories`` of a COCO json, or None if it has none.

    Only the bytes after the ``"categories"`` key are parsed when possible,
    so that a 450 MB COCO train json is not loaded twice.
    """
    if osp.getsize(path) == 0:
        return None  # the dataset reports the empty file itself
    with open(path, 'rb') as file, mmap.mmap(
            file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        key = data.find(b'"categories"')
        if key < 0:
            return None
        start = key + len(b'"categories"')
        text = data[start:start + CATEGORY_WINDOW].decode(
            'utf-8', errors='replace').lstrip()
    categories = None
    if text.startswith(':'):
        try:
            categories = json.JSONDecoder().raw_decode(text[1:].lstrip())[0]
        except ValueError:
            pass  # cut by the window, or not JSON there: read it all
    if not isinstance(categories, list):
        with open(path) as file:
            content = json.load(file)
        categories = content.get('categories') \
            if isinstance(content, dict) else None
    return categories if isinstance(categories, list) else None


def _classes_options(names: List[str]) -> str:
    value = '"[' + ','.join(names) + ']"'
    return ' '.join(f'{split}_dataloader.dataset.metainfo.classes={value}'
                    for split in SPLITS)


def match_coco_classes(cfg) -> None:
    """Check ``metainfo.classes`` against each COCO json's categories.

    A json whose categories lack a class the config names: with the default
    ``('person',)`` and a single category, that category's name becomes the
    class (logged); otherwise a ValueError names the json, its categories
    and the ``--cfg-options`` to set. Non-COCO annotation files and datasets
    without ``metainfo.classes`` are left alone (in place).
    """
    for split in SPLITS:
        loader = cfg.get(f'{split}_dataloader', None) or {}
        for dataset in dataset_leaves(loader.get('dataset')):
            classes = (dataset.get('metainfo') or {}).get('classes')
            ann_file = dataset_ann_file(dataset)
            if classes is None or not _is_local(ann_file) \
                    or not ann_file.endswith('.json') \
                    or not osp.isfile(ann_file):
                continue  # not a COCO json; a missing one the dataset reports
            categories = read_coco_categories(ann_file)
            if not categories:
                continue
            names = [str(c.get('name')) for c in categories]
            if isinstance(classes, str):
                if osp.isfile(classes):
                    continue  # a file of names, which mmengine reads
                # ``classes=pedestrian`` on the command line: one name
                dataset['metainfo']['classes'] = classes = (classes, )
            classes = tuple(classes)
            if all(c in names for c in classes):
                continue
            if classes == DEFAULT_CLASSES and len(names) == 1:
                dataset['metainfo']['classes'] = (names[0], )
                print_log(f'{ann_file} has one category, {names[0]!r}, not '
                          f'{classes}: {split}_dataloader.dataset.metainfo.'
                          f'classes = {(names[0], )} (its boxes are class 0)',
                          logger='current')
                continue
            raise ValueError(
                f'{ann_file} has the categories {names}, but '
                f'{split}_dataloader.dataset.metainfo.classes={classes} names '
                f'{[c for c in classes if c not in names]}, which it lacks: '
                'no box of them would be read and the COCO metric would fail '
                'after inference. Name the categories to detect, e.g. '
                f'--cfg-options {_classes_options(names)} (and set the '
                "head's num_classes to their number).")


def fit_annotation_files(cfg) -> None:
    """:func:`resolve_evaluator_ann_files`, then :func:`match_coco_classes`.

    Args:
        cfg (mmengine.config.Config): The merged config, changed in place
            before the runner is built.
    """
    resolve_evaluator_ann_files(cfg)
    match_coco_classes(cfg)
