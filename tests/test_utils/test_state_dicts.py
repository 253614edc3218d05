"""One reading of checkpoint files: wrappers, DDP keys, training checkpoints
and prefixes."""
import pytest
import torch

from saip_mm.utils.state_dicts import backbone_state, checkpoint_state

BACKBONE = {'pos_embed': torch.zeros(1, 3, 4), 'ln1.weight': torch.ones(4)}


def save(obj, path) -> str:
    torch.save(obj, str(path))
    return str(path)


def test_checkpoint_state_unwraps_and_strips_ddp(tmp_path):
    wrapped = save(dict(state_dict=BACKBONE, meta={}), tmp_path / 'a.pth')
    ddp = save({f'module.{k}': v for k, v in BACKBONE.items()},
               tmp_path / 'b.pth')
    for path in (wrapped, ddp):
        assert sorted(checkpoint_state(path)) == sorted(BACKBONE)


def test_backbone_state_finds_the_student_of_a_training_checkpoint(
        tmp_path):
    training = {f'backbone.{k}': v for k, v in BACKBONE.items()}
    training.update({f'teacher.net.backbone.{k}': v + 1
                     for k, v in BACKBONE.items()})
    path = save(dict(state_dict=training), tmp_path / 'iter_1.pth')
    state, prefix = backbone_state(path)
    assert prefix == 'backbone.' and sorted(state) == sorted(BACKBONE)
    assert state['ln1.weight'].eq(1).all()  # the student, not the teacher
    state, _ = backbone_state(path, 'teacher.net.backbone.')
    assert state['ln1.weight'].eq(2).all()
    exported = save(dict(state_dict=BACKBONE), tmp_path / 'export.pth')
    state, prefix = backbone_state(exported)
    assert prefix == '' and sorted(state) == sorted(BACKBONE)


def test_missing_prefix_names_file_prefix_and_keys(tmp_path):
    path = save(dict(state_dict=BACKBONE), tmp_path / 'export.pth')
    with pytest.raises(KeyError, match=r"export.pth: no key starts with "
                       r"prefix 'student\.'; found e.g. \['ln1.weight'"):
        backbone_state(path, 'student.')
