"""PETA and Market-1501 attribute converters, checked against shared/data.

The shared PETA json and the Market attribute sample were built from the
original label files; the converters, run on the same labels laid out as
the public releases are, must reproduce them.
"""
import json
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
from scipy.io import savemat

CONVERTERS = Path(__file__).resolve().parents[2] / 'tools/dataset_converters'


@pytest.fixture
def convert(script_runner) -> Callable[..., str]:
    """Run a converter (a fork of this process); return its stdout."""

    def run(script: str, *args) -> str:
        out = script_runner([CONVERTERS / script, *args])
        assert out.returncode == 0, out.stderr[-2000:]
        return out.stdout

    return run


def test_peta_to_json_reproduces_the_shared_labels(shared_data, tmp_path,
                                                   convert):
    peta = shared_data / 'attributes_peta'
    for subset in ('MIT', 'CAVIAR4REID'):  # release: <subset>/archive/
        archive = tmp_path / subset / 'archive'
        archive.mkdir(parents=True)
        (archive / 'Label.txt').symlink_to(peta / 'labels' / subset /
                                           'Label.txt')
        for image in (shared_data / 'persons' / subset).iterdir():
            (archive / image.name).symlink_to(image)
    stdout = convert('peta_to_json.py', tmp_path)
    assert '2108 images from 2 subsets, 105 attributes' in stdout
    mine = json.loads((tmp_path / 'peta_attributes.json').read_text())
    ref = json.loads((peta / 'peta_attributes.json').read_text())
    assert mine['attributes'] == ref['attributes']
    expected = {(s['subset'], Path(s['img_path']).name): s['labels']
                for s in ref['samples'] if s['subset'] in ('MIT',
                                                            'CAVIAR4REID')}
    assert {(s['subset'], Path(s['img_path']).name): s['labels']
            for s in mine['samples']} == expected
    assert mine['samples'][0]['img_path'].startswith('CAVIAR4REID/archive/')


def test_market_attr_to_json_reproduces_the_sample(shared_data, tmp_path,
                                                   convert):
    ref = json.loads((shared_data / 'attr_sample/market1501_attr/'
                      'annotations/attributes.json').read_text())
    names = ref['attribute_names']
    # market_attribute.mat: identity-level rows per split
    mat = {}
    for split in ('train', 'test'):
        by_pid = {s['pid']: s['attributes'] for s in ref['data']
                  if s['market_split'] == split}
        pids = sorted(by_pid)
        mat[split] = {n: np.array([[by_pid[p][n] for p in pids]], np.uint8)
                      for n in names}
        mat[split]['image_index'] = np.array([f'{p:04d}' for p in pids],
                                             dtype=object)
    savemat(tmp_path / 'market_attribute.mat', dict(market_attribute=mat))
    market = shared_data / 'reid_sample' / 'market1501_mini'
    out = tmp_path / 'attributes.json'
    convert('market1501_attr_to_json.py', market,
            tmp_path / 'market_attribute.mat', '--out', out)
    mine = json.loads(out.read_text())
    assert mine['attribute_names'] == names
    strip = len('images/')
    assert {s['img_path']: s for s in mine['data']} == {
        s['img_path'][strip:]: dict(s, img_path=s['img_path'][strip:])
        for s in ref['data']
    }
