"""Loading a checkpoint of another architecture into SAIPViT fails loudly,
naming the keys and both shapes. (Resolution changes, architecture
metadata and missing keys are tested in test_saip_vit.py, weights_only
refusal in tests/test_utils.)"""
import re

import pytest
import torch

from saip_mm.models.backbones import SAIPViT

TINY = dict(embed_dims=32, num_layers=4, num_heads=2)


def pretrained(path, **kwargs) -> SAIPViT:
    """A tiny SAIPViT that loads ``path`` in ``init_weights``."""
    return SAIPViT(arch=TINY, inter_index=1, init_cfg=dict(
        type='Pretrained', checkpoint=str(path)), **kwargs)


def foreign(model: SAIPViT) -> dict:
    """Its state dict as a foreign (timm-style) file would hold it: no
    ``arch_meta``, so only the shapes can tell the architectures apart."""
    return {k: v for k, v in model.state_dict().items() if k != 'arch_meta'}


def test_wider_mlp_lists_every_mismatched_key_with_both_shapes(tmp_path):
    # a ViT of the same width, depth and heads but a 2x wider MLP in block 0
    state = SAIPViT(arch=TINY, inter_index=1).state_dict()
    state['layers.0.ffn.layers.0.0.weight'] = torch.zeros(256, 32)
    state['layers.0.ffn.layers.0.0.bias'] = torch.zeros(256)
    torch.save({'state_dict': state}, tmp_path / 'ckpt.pth')
    with pytest.raises(RuntimeError) as info:
        pretrained(tmp_path / 'ckpt.pth').init_weights()
    message = str(info.value)
    for key, ckpt_shape, model_shape in [
        ('layers.0.ffn.layers.0.0.weight', '[256, 32]', '[128, 32]'),
        ('layers.0.ffn.layers.0.0.bias', '[256]', '[128]'),
    ]:
        assert re.search(
            rf'{re.escape(key)}: copying a param with shape '
            rf'torch.Size\({re.escape(ckpt_shape)}\) from checkpoint, the '
            rf'shape in current model is '
            rf'torch.Size\({re.escape(model_shape)}\)', message), message


def test_other_patch_size_names_patch_embed_and_both_shapes(tmp_path):
    # 112x112 at patch 8 has the 14x14 grid of 224x224 at patch 16: the
    # position embeddings fit, the patch projection does not
    src = SAIPViT(arch=TINY, img_size=(112, 112), patch_size=8)
    torch.save(foreign(src), tmp_path / 'p8.pth')
    with pytest.raises(RuntimeError, match=re.escape(
            'patch_embed.projection.weight: copying a param with shape '
            'torch.Size([32, 3, 8, 8]) from checkpoint, the shape in current '
            'model is torch.Size([32, 3, 16, 16])')):
        pretrained(tmp_path / 'p8.pth', img_size=(224, 224)).init_weights()


def test_deeper_checkpoint_lists_the_unexpected_blocks(tmp_path):
    src = SAIPViT(arch=dict(TINY, num_layers=6), img_size=(224, 224))
    torch.save(foreign(src), tmp_path / 'deep.pth')
    with pytest.raises(KeyError) as info:
        pretrained(tmp_path / 'deep.pth', img_size=(224, 224)).init_weights()
    assert 'unexpected keys' in str(info.value)
    for block in (4, 5):
        assert f'layers.{block}.attn.qkv.weight' in str(info.value)
