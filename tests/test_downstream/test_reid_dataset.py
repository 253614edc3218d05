"""saip_mm.Market1501Dataset: queries + gallery with pid, camera and role,
from 3-column lists or, without lists, from Market-1501 names."""
import json
import shutil
from pathlib import Path

import pytest

from saip_mm.datasets.reid_dataset import Market1501Dataset

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'configs/reid/saip-vit-t_reid_market1501-256x128.py'


def write(path, lines):
    path.write_text(''.join(f'{line}\n' for line in lines))
    return path


def touch_market_folder(root: Path, names: dict) -> Path:
    for folder, files in names.items():
        (root / folder).mkdir(parents=True)
        for name in files:
            (root / folder / name).touch()
    return root


def identities(ds: Market1501Dataset) -> list:
    return [(Path(s['img_path']).name, s['pid'], s['camid'], s['is_query'])
            for s in map(ds.get_data_info, range(len(ds)))]


def test_queries_first_then_gallery_with_cameras(tmp_path):
    query = write(tmp_path / 'q.txt', ['query/0004_c2s3_0_00.jpg 4 2'])
    gallery = write(tmp_path / 'g.txt', ['test/-1_c1s1_0_01.jpg -1 1',
                                         '', 'test/0004_c5s1_0_01.jpg 4 5'])
    ds = Market1501Dataset(query_ann_file=str(query),
                           gallery_ann_file=str(gallery),
                           data_root='/data/market')
    # the junk box (pid -1) is dropped, as when reading the folder
    assert len(ds) == 2
    first, second = ds.get_data_info(0), ds.get_data_info(1)
    assert first['img_path'] == '/data/market/query/0004_c2s3_0_00.jpg'
    assert (first['pid'], first['camid'], first['is_query']) == (4, 2, True)
    assert (second['pid'], second['camid'], second['is_query']) == (4, 5,
                                                                     False)
    # relative list paths are taken from the data root
    rel = Market1501Dataset(query_ann_file='q.txt', gallery_ann_file='g.txt',
                            data_root=str(tmp_path))
    assert len(rel) == 2


def test_two_column_list_names_file_line_and_the_camera_column(tmp_path):
    query = write(tmp_path / 'q.txt', ['query/0004_c2s3_0_00.jpg 4 2',
                                       'query/0005_c1s1_0_00.jpg 5'])
    with pytest.raises(ValueError) as err:
        Market1501Dataset(query_ann_file=str(query),
                          gallery_ann_file=str(query))
    message = str(err.value)
    assert f'{query}:2: expected "<path> <pid> <camid>"' in message
    assert 'third column is the camera id' in message
    assert 'market1501_to_reid.py' in message
    assert 'query_ann_file=None' in message


def test_shared_two_column_lists_are_refused_clearly(shared_data):
    root = shared_data / 'reid_grid'
    with pytest.raises(ValueError, match='meta/query.txt:1: .*camera id'):
        Market1501Dataset(data_root=str(root))


def test_without_lists_the_folder_names_are_read(tmp_path):
    root = touch_market_folder(tmp_path / 'market', dict(
        query=['0007_c1s1_2_00.jpg'],
        bounding_box_test=['-1_c3s1_1_01.jpg', '0000_c1s1_3_01.jpg',
                           '0007_c2s1_1_01.jpg', 'Thumbs.db']))
    for ds in (Market1501Dataset(data_root=str(root)),  # meta/ absent
               Market1501Dataset(query_ann_file=None, gallery_ann_file=None,
                                 data_root=str(root))):
        # junk dropped, the distractor (pid 0) kept in the gallery
        assert identities(ds) == [
            ('0007_c1s1_2_00.jpg', 7, 1, True),
            ('0000_c1s1_3_01.jpg', 0, 1, False),
            ('0007_c2s1_1_01.jpg', 7, 2, False)]
        assert ds.get_data_info(0)['img_path'] == str(
            root / 'query' / '0007_c1s1_2_00.jpg')


def test_lists_and_folder_give_the_same_samples(shared_data, tmp_path,
                                                run_tool):
    root = shared_data / 'reid_sample' / 'market1501_mini'
    run_tool('tools/dataset_converters/market1501_to_reid.py', root,
             '--out-dir', tmp_path)
    listed = Market1501Dataset(query_ann_file=str(tmp_path / 'query.txt'),
                               gallery_ann_file=str(tmp_path / 'gallery.txt'),
                               data_root=str(root))
    scanned = Market1501Dataset(query_ann_file=None, gallery_ann_file=None,
                                data_root=str(root))
    assert len(scanned) == 32
    assert listed.load_data_list() == scanned.load_data_list()


def test_no_list_and_no_folder_names_both(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match=r'query_ann_file=.*meta/query.txt.*folder .*'
                       r'query'):
        Market1501Dataset(data_root=str(tmp_path))


def save_reid_checkpoint(path: Path) -> Path:
    """Weights of the whole ReID model of CONFIG (random: only coverage
    matters to ``tools/test.py``)."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import MODELS, init_default_scope

    import saip_mm  # noqa: F401
    cfg = Config.fromfile(CONFIG)
    init_default_scope(cfg.default_scope)
    cfg.model.backbone.init_cfg = None
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict()), path)
    return path


@pytest.mark.e2e
def test_test_py_on_a_test_only_folder(shared_data, tmp_path, run_tool):
    """The default config on a folder with only query/ and
    bounding_box_test/: no lists, every query scored."""
    src = shared_data / 'reid_sample' / 'market1501_mini'
    root = tmp_path / 'market_test_only'
    for folder in ('query', 'bounding_box_test'):
        shutil.copytree(src / folder, root / folder)
    checkpoint = save_reid_checkpoint(tmp_path / 'reid.pth')
    stdout = run_tool(
        'tools/test.py', CONFIG, checkpoint, '--work-dir', tmp_path / 'wd',
        '--cfg-options', f'test_dataloader.dataset.data_root={root}',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False')
    assert (f'Market1501Dataset: 16 query images from the names in '
            f'{root}/query') in stdout
    metrics = json.loads(stdout[stdout.rindex('\n{\n'):])
    # all 16 queries ranked: 15 scored, one has its person only in its
    # own camera (see test_reid_probe.py)
    assert metrics['reid/num_query'] + metrics['reid/num_query_no_match'] \
        == 16
    assert metrics['reid/num_query_no_match'] == 1
    assert metrics['reid/num_gallery'] == 16
