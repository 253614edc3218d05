"""tools/analysis/plot_pretraining_curves.py: mmengine scalars -> PNG."""
import importlib.util
import json
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[2] / \
    'tools/analysis/plot_pretraining_curves.py'
spec = importlib.util.spec_from_file_location('plot_curves', TOOL)
plot_curves = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plot_curves)


def write_scalars(path: Path, records) -> Path:
    path.write_text('\n'.join(json.dumps(r) for r in records) + '\n')
    return path


def test_plots_every_logged_key_per_run(tmp_path):
    a = write_scalars(tmp_path / 'a.json', [
        dict(iter=i, step=i, loss_csr=1. / i, loss_csm=9. - i / 10)
        for i in range(10, 60, 10)])
    b = write_scalars(tmp_path / 'b.json', [
        {'iter': 10, 'loss_csr': 0.9}, {'lr': 1e-3},  # no iter: skipped
        {'iter': 20, 'loss_csr': 0.8}])
    assert plot_curves.read_scalars(str(b)) == {
        'iter': [(10, 10), (20, 20)], 'loss_csr': [(10, .9), (20, .8)]}
    out = tmp_path / 'curves.png'
    plot_curves.main([str(a), str(b), '--labels', 'a', 'b', '--out',
                      str(out), '--keys', 'loss_csm', 'loss_csr',
                      'csm_kl'])
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_bad_line_names_file_and_line(tmp_path):
    bad = tmp_path / 'scalars.json'
    bad.write_text('{"iter": 1, "loss": 1.0}\nnot json\n')
    with pytest.raises(ValueError, match=r'scalars.json:2: not json'):
        plot_curves.read_scalars(str(bad))
    with pytest.raises(ValueError, match='none of the keys'):
        plot_curves.plot([str(write_scalars(tmp_path / 'c.json',
                                            [{'iter': 1, 'x': 1}]))],
                         ['c'], ['loss_csm'], str(tmp_path / 'c.png'))
