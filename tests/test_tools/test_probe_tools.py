"""The probe tools (tools/analysis/probe_*.py, their shared probe_cli.py)
on tiny inputs, in-process."""
import argparse
import sys

import pytest
import torch

# 4 x 2 patches of 8 pixels; market_folder is in tests/conftest.py
SMALL = ['--img-size', 32, 16, '--device', 'cpu', '--batch-size', 4]


def run_probe(tools_module, name, argv, monkeypatch):
    """Run ``tools/analysis/<name>.py`` with ``argv``; nothing is spawned."""
    module = tools_module(f'analysis/{name}.py')
    monkeypatch.setattr(sys, 'argv', [name, *map(str, argv)])
    module.main()


def test_probe_reid_prints_map_and_ranks(tools_module, market_folder,
                                         monkeypatch, capsys):
    run_probe(tools_module, 'probe_reid',
              ['none', '--data', market_folder, '--feature', 'avg', *SMALL],
              monkeypatch)
    out = capsys.readouterr().out
    # identical looks across cameras: perfect whatever the weights
    assert '2 queries (0 without a match), 6 gallery images' in out
    assert 'mAP 100.00  Rank-1 100.00  Rank-5 100.00  Rank-10 100.00' in out


def test_probe_attributes_prints_both_probes(tools_module, shared_data,
                                             monkeypatch, capsys):
    ann = (shared_data / 'attr_sample' / 'market1501_attr' / 'annotations' /
           'attributes.json')
    run_probe(tools_module, 'probe_attributes',
              ['none', '--ann-file', ann, '--k', 3, '--steps', 10, *SMALL],
              monkeypatch)
    out = capsys.readouterr().out
    assert 'train 34 / test 32 images' in out
    assert 'knn mA ' in out and 'linear mA ' in out


def test_random_weights_are_seeded(tools_module):
    probe_cli = tools_module('analysis/probe_cli.py')
    parser = argparse.ArgumentParser()
    probe_cli.add_backbone_arguments(parser)
    weights = [
        probe_cli.backbone_from_args(parser.parse_args(
            ['none', '--device', 'cpu', '--seed', seed])).pos_embed
        for seed in ('3', '3', '4')
    ]
    torch.testing.assert_close(weights[0], weights[1])
    assert not torch.equal(weights[0], weights[2])


def test_unknown_feature_is_refused(tools_module, market_folder,
                                    monkeypatch):
    with pytest.raises(SystemExit):
        run_probe(tools_module, 'probe_reid',
                  ['none', '--data', market_folder, '--feature', 'max'],
                  monkeypatch)
