"""The probe tools (tools/analysis/probe_*.py) on tiny inputs, in-process."""
import argparse
import importlib.util
import sys

import pytest
import torch

from saip_mm.evaluation.probes import (
    add_backbone_arguments,
    backbone_from_args,
)

from .conftest import TINY_SIZE


def run_tool(repo_root, name, argv, monkeypatch):
    """Run ``tools/analysis/<name>.py`` with ``argv``; nothing is spawned."""
    spec = importlib.util.spec_from_file_location(
        f'saip_tools_{name}', repo_root / 'tools' / 'analysis' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(sys, 'argv', [name, *map(str, argv)])
    module.main()


SMALL = ['--img-size', *TINY_SIZE, '--device', 'cpu', '--batch-size', 4]


def test_probe_reid_prints_map_and_ranks(repo_root, market_folder,
                                         monkeypatch, capsys):
    run_tool(repo_root, 'probe_reid',
             ['none', '--data', market_folder, '--feature', 'avg', *SMALL],
             monkeypatch)
    out = capsys.readouterr().out
    # identical looks across cameras: perfect whatever the weights
    assert '2 queries (0 without a match), 6 gallery images' in out
    assert 'mAP 100.00  Rank-1 100.00  Rank-5 100.00  Rank-10 100.00' in out


def test_probe_attributes_prints_both_probes(repo_root, shared_data,
                                             monkeypatch, capsys):
    ann = (shared_data / 'attr_sample' / 'market1501_attr' / 'annotations' /
           'attributes.json')
    run_tool(repo_root, 'probe_attributes',
             ['none', '--ann-file', ann, '--k', 3, '--steps', 10, *SMALL],
             monkeypatch)
    out = capsys.readouterr().out
    assert 'train 34 / test 32 images' in out
    assert 'knn mA ' in out and 'linear mA ' in out


def test_random_weights_are_seeded():
    parser = argparse.ArgumentParser()
    add_backbone_arguments(parser)
    weights = [
        backbone_from_args(parser.parse_args(
            ['none', '--device', 'cpu', '--seed', seed])).pos_embed
        for seed in ('3', '3', '4')
    ]
    torch.testing.assert_close(weights[0], weights[1])
    assert not torch.equal(weights[0], weights[2])


def test_unknown_feature_is_refused(repo_root, market_folder, monkeypatch):
    with pytest.raises(SystemExit):
        run_tool(repo_root, 'probe_reid',
                 ['none', '--data', market_folder, '--feature', 'max'],
                 monkeypatch)
