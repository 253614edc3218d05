"""The pretraining benchmark runs every mode and prints its ratios."""
import importlib.util
from pathlib import Path

import pytest
from mmengine.config import Config

REPO = Path(__file__).resolve().parents[2]
TINY = '''
_base_ = ['{repo}/configs/saip/saip_vit-t.py']
model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=32, num_layers=2,
                            num_heads=2), inter_index=0),
    num_local_views=2,
    csm_head=dict(hidden_channels=32, bottleneck_channels=16,
                  out_channels=64),
    csr_head=dict(embed_dims=32, depth=1, num_heads=2),
    css_head=dict(embed_dims=32, num_heads=2, num_query_blocks=1,
                  num_mask_convs=1))
'''


def load_tool():
    spec = importlib.util.spec_from_file_location(
        'benchmark_pretrain', REPO / 'tools/analysis/benchmark_pretrain.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def test_saip_and_mae_modes_print_ratio_and_phases(tmp_path, capsys):
    config = tmp_path / 'tiny.py'
    config.write_text(TINY.format(repo=REPO))
    load_tool().main([str(config), '--batch-size', '1', '--rounds', '1',
                      '--iters', '1', '--warmup', '1', '--baseline-mae',
                      '--threads', '1'])
    out = capsys.readouterr().out
    for mode in ('saip', 'mae'):
        assert f'| {mode} | ' in out
    for phase in ('backward', 'optimizer', 'ema', 'saip:student',
                  'saip:teacher', 'saip:csm', 'saip:csr', 'saip:css'):
        assert f'| {phase} | ' in out
    assert 'saip: OptimWrapper (fp32), fused AdamW' in out
    assert 'SAIP / MAE step-time ratio: ' in out
    assert '| mode | s/step | CPU s/step |' in out
    assert 'first (warm-up) step, s: saip ' in out


def test_flops_by_component_add_up(tmp_path):
    config = tmp_path / 'tiny.py'
    config.write_text(TINY.format(repo=REPO))
    tool = load_tool()
    args = tool.parse_args([str(config), '--batch-size', '1'])
    from mmengine.registry import init_default_scope
    init_default_scope('mmpretrain')
    mode = tool.build_modes(args)[0]
    total, parts = tool.count_flops(mode)
    assert set(parts) == {'backbone', 'csm_head', 'csr_head', 'css_head',
                          'teacher backbone', 'teacher csm_head', 'other',
                          'backward'}
    assert sum(parts.values()) == total
    # every part ran; what runs outside the parts is small
    assert all(parts[name] > 0 for name in (
        'backbone', 'csm_head', 'csr_head', 'css_head', 'teacher backbone',
        'teacher csm_head', 'backward'))
    assert 0 <= parts['other'] < 0.05 * total


@pytest.mark.parametrize('name, dtype, compiled', [
    ('saip_vit-t', None, False),
    ('saip_vit-t_fused-adamw_amp-bf16', 'bfloat16', False),
    ('saip_vit-t_fused-adamw_amp-bf16_compile', 'bfloat16', True),
    ('saip_vit-s_fused-adamw_amp-bf16', 'bfloat16', False),
])
def test_fast_configs(name, dtype, compiled):
    cfg = Config.fromfile(str(REPO / f'configs/saip/{name}.py'))
    assert cfg.optim_wrapper.optimizer.fused is True
    assert cfg.optim_wrapper.get('dtype') == dtype
    assert bool(cfg.get('compile')) == compiled
    arch = 'small' if 'vit-s' in name else 'tiny'
    assert cfg.model.backbone.arch == arch
