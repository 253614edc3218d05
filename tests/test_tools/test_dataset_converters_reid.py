"""tools/dataset_converters/market1501_to_reid.py on real and MSMT17 layouts.
"""
from pathlib import Path
from typing import Callable

import pytest

SCRIPT = (Path(__file__).resolve().parents[2] / 'tools' /
          'dataset_converters' / 'market1501_to_reid.py')


@pytest.fixture
def convert(script_runner) -> Callable[..., str]:
    """Run the converter (a fork of this process); return its stdout."""

    def run(*args) -> str:
        out = script_runner([SCRIPT, *args])
        assert out.returncode == 0, out.stderr[-2000:]
        return out.stdout

    return run


def read(path: Path) -> list:
    return [line.split() for line in path.read_text().splitlines()]


def test_market1501_mini(shared_data, tmp_path, convert):
    root = shared_data / 'reid_sample' / 'market1501_mini'
    stdout = convert(root, '--out-dir', tmp_path)
    assert 'num_classes=16' in stdout
    train = read(tmp_path / 'train.txt')
    assert len(train) == 34
    # contiguous labels in pid order, paths relative to the root
    assert sorted({int(label) for _, label in train}) == list(range(16))
    assert train[0] == ['bounding_box_train/0002_c1s1_069056_02.jpg', '0']
    assert all((root / path).is_file() for path, _ in train)
    query, gallery = read(tmp_path / 'query.txt'), read(tmp_path /
                                                          'gallery.txt')
    assert (len(query), len(gallery)) == (16, 16)
    assert query[0] == ['query/0004_c2s3_059152_00.jpg', '4', '2']
    assert all((root / path).is_file() for path, _, _ in query + gallery)


def test_market1501_keeps_junk_and_distractors_out_of_training(tmp_path,
                                                                convert):
    names = dict(bounding_box_train=['0000_c1s1_1_01.jpg',
                                     '0007_c2s1_1_01.jpg'],
                 query=['0007_c1s1_2_00.jpg'],
                 bounding_box_test=['-1_c3s1_1_01.jpg',
                                    '0000_c1s1_3_01.jpg'])
    for folder, files in names.items():
        (tmp_path / folder).mkdir()
        for name in files:
            (tmp_path / folder / name).touch()
    convert(tmp_path)
    assert read(tmp_path / 'meta' / 'train.txt') == [
        ['bounding_box_train/0007_c2s1_1_01.jpg', '0']]
    assert [row[1:] for row in read(tmp_path / 'meta' / 'gallery.txt')
            ] == [['-1', '3'], ['0', '1']]


def test_market1501_test_only_folder_writes_query_and_gallery(
        shared_data, tmp_path, convert):
    src = shared_data / 'reid_grid'
    for folder in ('query', 'bounding_box_test'):
        (tmp_path / folder).symlink_to(src / folder)
    stdout = convert(tmp_path)
    assert f'train: no {tmp_path / "bounding_box_train"}, skipped' in stdout
    assert 'query 125, gallery 900' in stdout
    meta = tmp_path / 'meta'
    assert sorted(p.name for p in meta.iterdir()) == ['gallery.txt',
                                                      'query.txt']
    query = read(meta / 'query.txt')
    assert len(query) == 125 and len(read(meta / 'gallery.txt')) == 900
    # same pids as the shipped 2-column list, plus the camera
    assert [row[:2] for row in query] == [
        [path, str(int(pid))] for path, pid in read(src / 'meta/query.txt')]
    assert query[0] == ['query/0001_c1s1_000001_00.jpg', '1', '1']


def test_market1501_without_any_split_fails_clearly(tmp_path,
                                                     script_runner):
    out = script_runner([SCRIPT, tmp_path])
    assert out.returncode != 0
    assert (f'{tmp_path}: none of bounding_box_train, query, '
            'bounding_box_test found') in out.stderr
    assert not (tmp_path / 'meta').exists()


@pytest.mark.parametrize('train_dir,test_dir', [('train', 'test'),
                                                ('mask_train_v2',
                                                 'mask_test_v2')])
def test_msmt17_lists(tmp_path, train_dir, test_dir, convert):
    (tmp_path / train_dir).mkdir()
    (tmp_path / test_dir).mkdir()
    lists = dict(
        list_train=['0005/0005_012_03_0303morning_0010_0.jpg 5'],
        list_val=['0002/0002_000_14_0303noon_0001_1.jpg 2'],
        list_query=['0000/0000_000_01_0303morning_0015_0.jpg 0'],
        list_gallery=['0000/0000_001_07_0303afternoon_0020_1.jpg 0',
                      '0001/0001_002_15_0303noon_0030_0.jpg 1'])
    for name, lines in lists.items():
        (tmp_path / f'{name}.txt').write_text('\n'.join(lines) + '\n')
    stdout = convert(tmp_path, '--format', 'msmt17')
    assert 'num_classes=2' in stdout
    assert read(tmp_path / 'meta' / 'train.txt') == [
        [f'{train_dir}/0005/0005_012_03_0303morning_0010_0.jpg', '1'],
        [f'{train_dir}/0002/0002_000_14_0303noon_0001_1.jpg', '0']]
    assert read(tmp_path / 'meta' / 'query.txt') == [
        [f'{test_dir}/0000/0000_000_01_0303morning_0015_0.jpg', '0', '1']]
    assert [row[1:] for row in read(tmp_path / 'meta' / 'gallery.txt')
            ] == [['0', '7'], ['1', '15']]
