"""PersonImageDataset: folder / list loading and the bad-image policy."""
import functools

import numpy as np
import pytest

from saip_mm.datasets import BadImageError, DemoPersonDataset, demo_image_paths
from saip_mm.datasets import PersonImageDataset as _PersonImageDataset

LOAD = [dict(type='saip_mm.LoadPersonImage')]
# mmengine's serialisation runs gc.collect() (0.3 s); tiny sets skip it.
PersonImageDataset = functools.partial(
    _PersonImageDataset, serialize_data=False)


def test_folder_scan_is_recursive_sorted_and_case_insensitive(image_folder):
    dataset = PersonImageDataset(data_root=str(image_folder), pipeline=LOAD)
    names = [
        info['img_path'][len(str(image_folder)) + 1:]
        for info in (dataset.get_data_info(i) for i in range(len(dataset)))
    ]
    assert names == ['C.JPG', 'a.jpg', 'sub/b.png']
    assert dataset[2]['img'].shape == (40, 20, 3)


def test_data_prefix_is_relative_to_data_root(image_folder):
    dataset = PersonImageDataset(
        data_root=str(image_folder.parent), data_prefix='persons/sub')
    assert len(dataset) == 1
    assert dataset.get_data_info(0)['img_path'].endswith('persons/sub/b.png')


def test_empty_folder_names_the_folder(tmp_path):
    empty = tmp_path / 'empty_persons'
    (empty / 'nested').mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match='empty_persons'):
        PersonImageDataset(data_root=str(empty))


def test_list_file_with_label_column_and_comments(image_folder):
    (image_folder / 'list.txt').write_text(
        '# header\na.jpg 3\n\nsub/b.png\n')
    dataset = PersonImageDataset(
        data_root=str(image_folder), ann_file='list.txt', pipeline=LOAD)
    paths = [dataset.get_data_info(i)['img_path'] for i in range(2)]
    assert paths == [str(image_folder / 'a.jpg'),
                     str(image_folder / 'sub/b.png')]


def test_list_file_missing_entry_names_file_and_line(image_folder):
    (image_folder / 'list.txt').write_text('a.jpg\nsub/b.png\nghost.jpg\n')
    with pytest.raises(FileNotFoundError) as info:
        PersonImageDataset(data_root=str(image_folder), ann_file='list.txt')
    message = str(info.value)
    assert 'list.txt:3:' in message and 'ghost.jpg' in message
    assert 'b.png' not in message


def test_list_file_missing_entry_skipped_with_warning(image_folder,
                                                      log_records):
    (image_folder / 'list.txt').write_text('ghost.jpg\na.jpg\n')
    dataset = PersonImageDataset(
        data_root=str(image_folder), ann_file='list.txt',
        on_bad_image='skip')
    assert len(dataset) == 1
    assert any('list.txt:1:' in w and 'ghost.jpg' in w
               for w in log_records.warnings())


def test_empty_list_file(image_folder):
    (image_folder / 'list.txt').write_text('\n# nothing\n')
    with pytest.raises(ValueError, match='list.txt'):
        PersonImageDataset(data_root=str(image_folder), ann_file='list.txt')


def _with_bad_files(folder):
    (folder / 'zero.jpg').write_bytes(b'')
    good = (folder / 'a.jpg').read_bytes()
    (folder / 'trunc.jpg').write_bytes(good[:len(good) // 2])
    return folder


def test_bad_image_raises_naming_the_file(image_folder):
    dataset = PersonImageDataset(
        data_root=str(_with_bad_files(image_folder)), pipeline=LOAD)
    names = [dataset.get_data_info(i)['img_path'] for i in range(len(dataset))]
    with pytest.raises(BadImageError, match=r'trunc\.jpg.*truncated'):
        dataset[names.index(str(image_folder / 'trunc.jpg'))]
    with pytest.raises(BadImageError, match=r'zero\.jpg.*zero-byte'):
        dataset[names.index(str(image_folder / 'zero.jpg'))]


def test_skip_replaces_and_counts_with_warnings(image_folder, log_records):
    dataset = PersonImageDataset(
        data_root=str(_with_bad_files(image_folder)),
        pipeline=LOAD,
        on_bad_image='skip')
    names = [dataset.get_data_info(i)['img_path'] for i in range(len(dataset))]
    for bad in ('trunc.jpg', 'zero.jpg'):
        result = dataset[names.index(str(image_folder / bad))]
        # replaced by a good sample
        assert result['img_path'] not in (str(image_folder / 'trunc.jpg'),
                                          str(image_folder / 'zero.jpg'))
        assert result['img'].dtype == np.uint8
    assert dataset.num_skipped >= 2
    warnings = log_records.warnings()
    assert any('trunc.jpg' in w and '1 image(s) skipped' in w
               for w in warnings)
    assert any('2 image(s) skipped' in w for w in warnings)


def test_invalid_policy():
    with pytest.raises(ValueError, match='on_bad_image'):
        PersonImageDataset(data_root='.', on_bad_image='ignore')


def test_real_person_list(shared_data):
    dataset = _PersonImageDataset(
        data_root=str(shared_data / 'persons'),
        ann_file='train.txt',
        pipeline=LOAD)
    assert len(dataset) == 10209
    assert dataset.get_data_info(0)['img_path'] == str(
        shared_data / 'persons' / 'TownCentre' / '0_16.jpg')
    img = dataset[len(dataset) - 1]['img']
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3


def test_demo_dataset_repeats_matplotlib_photo():
    paths = demo_image_paths()
    assert paths and all(p.endswith('.jpg') for p in paths)
    dataset = DemoPersonDataset(
        num_samples=5, pipeline=LOAD, serialize_data=False)
    assert len(dataset) == 5
    sample = dataset[4]
    assert sample['img_path'] == paths[4 % len(paths)]
    height, width, channels = sample['img'].shape
    assert channels == 3 and height > 100 and width > 100
