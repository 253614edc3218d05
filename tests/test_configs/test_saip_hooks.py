"""Every SAIP config carries the algorithm's three hooks.

A config that sets ``custom_hooks`` replaces its base's list, so a config
adding a probe could silently drop the teacher's momentum update (the
teacher then stays at its initial weights) or the NaN guard. SAIP configs
are the ones whose model is ``saip_mm.SAIP``: all of ``configs/saip/``
(ablations included). ``configs/mae/`` is not SAIP-like: mmpretrain's MAE
has no EMA teacher for ``TeacherMomentumHook`` to update.
"""
from functools import lru_cache
from pathlib import Path

import pytest
from mmengine.config import Config

CONFIGS = Path(__file__).resolve().parents[2] / 'configs'
PRETRAINING = sorted(p for folder in ('saip', 'mae')
                     for p in (CONFIGS / folder).rglob('*.py'))
ALGORITHM_HOOKS = ('saip_mm.TeacherMomentumHook', 'saip_mm.IterationSeedHook',
                   'saip_mm.NonFiniteLossHook')


@lru_cache(maxsize=None)
def load(path: Path) -> Config:
    return Config.fromfile(str(path))


def name(path: Path) -> str:
    return str(path.relative_to(CONFIGS))


def test_every_saip_folder_config_is_saip_and_mae_is_not():
    saip = [p for p in PRETRAINING if load(p).model.type == 'saip_mm.SAIP']
    assert saip == sorted((CONFIGS / 'saip').rglob('*.py'))
    assert len(saip) >= 16  # 10 configs with the demo, 6 ablations
    assert {load(p).model.type for p in PRETRAINING if p not in saip} == \
        {'MAE'}


@pytest.mark.parametrize('path', PRETRAINING, ids=name)
def test_custom_hooks(path):
    hooks = [hook['type'] for hook in load(path).get('custom_hooks', [])]
    if load(path).model.type != 'saip_mm.SAIP':
        assert 'saip_mm.TeacherMomentumHook' not in hooks
        return
    for hook in ALGORITHM_HOOKS:
        assert hooks.count(hook) == 1, (hook, hooks)


def test_a_probe_config_adds_to_the_algorithm_hooks():
    hooks = load(CONFIGS / 'saip/saip_vit-t_probe-reid.py').custom_hooks
    assert [hook['type'] for hook in hooks] == [
        *ALGORITHM_HOOKS, 'saip_mm.ReIDProbeHook']
