"""ReID retrieval probe: folder parsing and camera-aware scoring."""
import numpy as np
import pytest

from saip_mm.evaluation.probes import read_market_split, reid_probe

from .conftest import TINY_SIZE


def test_read_market_split_parses_pid_and_camera(market_folder):
    paths, pids, cams = read_market_split(str(market_folder),
                                          'bounding_box_test')
    assert [p.rsplit('/', 1)[1][:4] for p in paths] == [
        '-1_c', '0000', '0001', '0001', '0002', '0002']
    np.testing.assert_array_equal(pids, [-1, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(cams, [3, 3, 1, 2, 1, 2])


def test_read_market_split_rejects_foreign_names(tmp_path):
    (tmp_path / 'query').mkdir()
    (tmp_path / 'query' / 'person.jpg').write_bytes(b'')
    with pytest.raises(ValueError, match='Market-1501 style'):
        read_market_split(str(tmp_path), 'query')


def test_identical_looks_rank_first(market_folder, tiny_backbone):
    # Junk shares pixels with nobody, but the same-camera twins and the
    # cross-camera matches are pixel-identical to their query: only the
    # camera rule keeps the twins from counting.
    out = reid_probe(tiny_backbone, str(market_folder), img_size=TINY_SIZE,
                     batch_size=3)
    assert out['mAP'] == pytest.approx(100.)
    assert out['R1'] == out['R5'] == out['R10'] == pytest.approx(100.)
    assert (out['num_query'], out['num_query_no_match'],
            out['num_gallery']) == (2, 0, 6)


def test_market_mini_excludes_same_camera_matches(shared_data,
                                                  tiny_backbone):
    # one query of market1501_mini has its person only in its own camera
    out = reid_probe(tiny_backbone,
                     str(shared_data / 'reid_sample' / 'market1501_mini'),
                     feature='avg', img_size=TINY_SIZE)
    assert (out['num_query'], out['num_query_no_match'],
            out['num_gallery']) == (15, 1, 16)
    assert 0 < out['mAP'] <= 100
    assert out['R1'] <= out['R5'] <= out['R10']
