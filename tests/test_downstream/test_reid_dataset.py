"""saip_mm.Market1501Dataset: queries + gallery with pid, camera and role."""
import pytest

from saip_mm.datasets.reid_dataset import Market1501Dataset


def write(path, lines):
    path.write_text(''.join(f'{line}\n' for line in lines))
    return path


def test_queries_first_then_gallery_with_cameras(tmp_path):
    query = write(tmp_path / 'q.txt', ['query/0004_c2s3_0_00.jpg 4 2'])
    gallery = write(tmp_path / 'g.txt', ['test/-1_c1s1_0_01.jpg -1 1',
                                         '', 'test/0004_c5s1_0_01.jpg 4 5'])
    ds = Market1501Dataset(query_ann_file=str(query),
                           gallery_ann_file=str(gallery),
                           data_root='/data/market')
    assert len(ds) == 3
    first, junk = ds.get_data_info(0), ds.get_data_info(1)
    assert first['img_path'] == '/data/market/query/0004_c2s3_0_00.jpg'
    assert (first['pid'], first['camid'], first['is_query']) == (4, 2, True)
    assert (junk['pid'], junk['camid'], junk['is_query']) == (-1, 1, False)
    # relative list paths are taken from the data root
    rel = Market1501Dataset(query_ann_file='q.txt', gallery_ann_file='g.txt',
                            data_root=str(tmp_path))
    assert len(rel) == 3


def test_two_column_list_points_to_the_converter(tmp_path):
    query = write(tmp_path / 'q.txt', ['query/0004_c2s3_0_00.jpg 4'])
    with pytest.raises(ValueError, match='market1501_to_reid.py'):
        Market1501Dataset(query_ann_file=str(query),
                          gallery_ann_file=str(query))
