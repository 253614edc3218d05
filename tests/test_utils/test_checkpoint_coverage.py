"""A checkpoint that does not fit the model is refused before evaluation."""
import pytest
import torch
from torch import nn

from saip_mm.utils.checkpoint_coverage import (
    check_checkpoint_covers,
    likely_fix,
    missing_keys,
)


class Detector(nn.Module):

    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
        self.head = nn.Linear(4, 2)


def save(state: dict, path) -> str:
    torch.save(dict(state_dict=state, meta={}), str(path))
    return str(path)


def test_full_checkpoint_passes_and_optional_buffers_may_lack(tmp_path):
    model = Detector()
    state = {k: v for k, v in model.state_dict().items()
             if not k.endswith('num_batches_tracked')}
    # a BatchNorm counter is the one model key the checkpoint lacks, and
    # it does not count as missing
    assert set(model.state_dict()) - set(state) == {
        'backbone.1.num_batches_tracked'}
    assert missing_keys(state, list(model.state_dict())) == []
    # neither file raises: the plain and the DDP-prefixed state both cover
    assert check_checkpoint_covers(
        save(state, tmp_path / 'full.pth'), model) is None
    ddp_state = {f'module.{k}': v for k, v in state.items()}
    assert check_checkpoint_covers(
        save(ddp_state, tmp_path / 'ddp.pth'), model) is None


def test_backbone_only_checkpoint_is_refused_with_the_fix(tmp_path):
    model = Detector()
    backbone = model.backbone.state_dict()
    path = save(backbone, tmp_path / 'backbone.pth')
    expected = (r'backbone.pth does not fit the model: 8 of its 9 weights '
                r"are missing.*backbone-only checkpoint.*init_cfg=dict\("
                r"type='Pretrained'")
    with pytest.raises(KeyError, match=expected):
        check_checkpoint_covers(path, model)


def test_pretraining_and_foreign_checkpoints_get_their_own_fix():
    model_keys = list(Detector().state_dict())
    saip = {'backbone.0.weight': 0, 'teacher.net.backbone.0.weight': 0,
            'csm_head.mlp.0.weight': 0}
    assert missing_keys(saip, model_keys)
    assert "prefix='backbone.'" in likely_fix(saip, model_keys)
    assert 'saip_to_backbone' in likely_fix(saip, model_keys)
    other = {'encoder.weight': 0}
    assert 'another model' in likely_fix(other, model_keys)
