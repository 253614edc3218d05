"""``--help`` of the analysis tools: whole descriptions, every option
explained with its default."""
import re

import pytest


def option_help(out: str) -> dict:
    """``{'--option': 'its help text'}`` from an argparse ``--help``."""
    text = ' '.join(out.split('options:')[1].split())
    entries = re.split(r'(?:^| )(?=--[a-z])', text)
    return {entry.split()[0]: entry for entry in entries if entry}


@pytest.mark.parametrize('script', ['probe_reid.py', 'probe_attributes.py'])
def test_probe_options_show_help_and_defaults(run_tool, script):
    helps = option_help(run_tool(f'analysis/{script}', '--help').stdout)
    for option, default in (('--batch-size', '64'), ('--num-workers', '0'),
                            ('--img-size', '256 128'), ('--feature', 'cls'),
                            ('--seed', '0')):
        assert f'(default: {default})' in helps[option], helps[option]
    assert 'torch device' in helps['--device']


def test_visualize_saip_help_is_a_whole_sentence(run_tool):
    out = run_tool('analysis/visualize_saip.py', '--help').stdout
    description = ' '.join(out.split('positional arguments')[0].split())
    assert description.endswith('CSR reconstruction and CSS predicted maps.')
    assert "checkpoint's folder" in option_help(out)['--out']
