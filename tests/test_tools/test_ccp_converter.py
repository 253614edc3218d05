"""tools/dataset_converters/ccp_to_mmseg.py on real CCP label maps."""
import numpy as np
import pytest
from PIL import Image
from scipy.io import loadmat, savemat


@pytest.fixture(scope='module')
def converter(tools_module):
    return tools_module('dataset_converters/ccp_to_mmseg.py')


def test_png_matches_mat_and_splits_cover_ids(converter, shared_data,
                                              tmp_path):
    root = shared_data / 'parsing_ccp'
    ids = ['0002', '0003', '0004', '0183', '0730']
    converter.main([str(root), '--out-dir', str(tmp_path), '--val-ratio',
                    '0.4', '--ids', *ids])
    for image_id in ids:
        png = Image.open(tmp_path / 'labels' / f'{image_id}.png')
        assert png.mode == 'L'
        mat = loadmat(root / 'annotations' / 'pixel-level' /
                      f'{image_id}.mat')['groundtruth']
        np.testing.assert_array_equal(np.array(png), mat)
        assert png.size == Image.open(root / 'photos' /
                                      f'{image_id}.jpg').size
    train = (tmp_path / 'splits' / 'train.txt').read_text().split()
    val = (tmp_path / 'splits' / 'val.txt').read_text().split()
    assert sorted(train + val) == ids and len(val) == 2
    # 0183 / 0730 are one shoot: never split apart
    assert ('0183' in val) == ('0730' in val)
    # the out dir has the config's layout: photos/ links to the originals
    assert (tmp_path / 'photos').resolve() == (root / 'photos').resolve()
    assert (tmp_path / 'photos' / '0002.jpg').is_file()


def test_split_is_seeded_and_keeps_pairs(converter, shared_data):
    ids = (shared_data / 'parsing_ccp' / 'split.txt').read_text().split()
    assert converter.split_ids(ids, 0.2, 7) == converter.split_ids(
        ids, 0.2, 7)
    for seed in range(20):
        split = converter.split_ids(ids, 0.2, seed)
        val = set(split['val'])
        assert len(val) == 140 and len(split['train']) == 560
        for a, b in converter.NEAR_DUPLICATE_PAIRS:
            assert (a in val) == (b in val), (seed, a, b)


def test_errors(converter, tmp_path):
    mat_dir = tmp_path / 'annotations' / 'pixel-level'
    mat_dir.mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match='no .mat'):
        converter.convert(str(tmp_path), str(tmp_path), 0.2, 0)
    savemat(mat_dir / '0001.mat',
            dict(groundtruth=np.full((4, 3), 59, np.uint8)))
    with pytest.raises(ValueError, match='values < 59'):
        converter.convert(str(tmp_path), str(tmp_path), 0.2, 0)
    with pytest.raises(FileNotFoundError, match='0002'):
        converter.convert(str(tmp_path), str(tmp_path), 0.2, 0, ['0002'])
