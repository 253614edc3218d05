"""tools/model_converters/saipv1_to_saip.py (``convert_saipv1``): a SAIPv1
student, timm-named, becomes a backbone that the SAIP config loads strictly
and that computes what the reference ViT computes."""
import sys

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import DefaultScope

from saip_mm.registry import MODELS

# the reference's ViT-Tiny/16 at 256x128, inter_norm after block 7
DIMS, DEPTH, HEADS, PATCH, INTER = 192, 12, 3, 16, 6
IMG_SIZE = (256, 128)
REF_PREFIX = 'module.backbone.'  # DDP around DINO's MultiCropWrapper
NOT_BACKBONE = ('module.head.mlp.0.weight', 'module.head.last_layer.weight_g',
                'module.backbone.decoder_pos_embed',
                'module.backbone.decoder_blocks.0.norm1.weight')


def reference_student(seed: int = 0) -> dict:
    """A SAIPv1 ``student`` state dict with the reference's key names (timm's
    ViT plus ``inter_norm``), random weights, and some head / decoder keys
    the converter must drop."""
    gen = torch.Generator().manual_seed(seed)

    def rand(*shape, mean=0.):
        return mean + 0.1 * torch.randn(*shape, generator=gen)

    num_tokens = 1 + (IMG_SIZE[0] // PATCH) * (IMG_SIZE[1] // PATCH)
    state = {
        'cls_token': rand(1, 1, DIMS),
        'pos_embed': rand(1, num_tokens, DIMS),
        'patch_embed.proj.weight': rand(DIMS, 3, PATCH, PATCH),
        'patch_embed.proj.bias': rand(DIMS),
    }
    for norm in ('norm', 'inter_norm'):
        state[f'{norm}.weight'] = rand(DIMS, mean=1.)
        state[f'{norm}.bias'] = rand(DIMS)
    for i in range(DEPTH):
        for name, shape in (('norm1', (DIMS, )), ('norm2', (DIMS, )),
                            ('attn.qkv', (3 * DIMS, DIMS)),
                            ('attn.proj', (DIMS, DIMS)),
                            ('mlp.fc1', (4 * DIMS, DIMS)),
                            ('mlp.fc2', (DIMS, 4 * DIMS))):
            is_norm = name.startswith('norm')
            state[f'blocks.{i}.{name}.weight'] = rand(*shape,
                                                      mean=float(is_norm))
            state[f'blocks.{i}.{name}.bias'] = rand(shape[0])
    student = {REF_PREFIX + k: v for k, v in state.items()}
    student.update({k: rand(4, 4) for k in NOT_BACKBONE})
    return student


def reference_forward(student: dict, x: torch.Tensor):
    """The reference ViT written out on the timm names: (inter, final)
    tokens, each (B, 1 + N, C)."""
    s = {k[len(REF_PREFIX):]: v for k, v in student.items()
         if k.startswith(REF_PREFIX)}

    def norm(t, name):
        return F.layer_norm(t, (DIMS, ), s[f'{name}.weight'],
                            s[f'{name}.bias'], eps=1e-6)

    def linear(t, name):
        return F.linear(t, s[f'{name}.weight'], s[f'{name}.bias'])

    x = F.conv2d(x, s['patch_embed.proj.weight'], s['patch_embed.proj.bias'],
                 stride=PATCH).flatten(2).transpose(1, 2)
    x = torch.cat([s['cls_token'].expand(len(x), -1, -1), x], 1)
    x = x + s['pos_embed']
    B, N, _ = x.shape
    for i in range(DEPTH):
        q, k, v = linear(norm(x, f'blocks.{i}.norm1'),
                         f'blocks.{i}.attn.qkv').reshape(
                             B, N, 3, HEADS, -1).permute(2, 0, 3, 1, 4)
        attn = (q @ k.transpose(-2, -1) * (DIMS // HEADS)**-0.5).softmax(-1)
        x = x + linear((attn @ v).transpose(1, 2).reshape(B, N, DIMS),
                       f'blocks.{i}.attn.proj')
        hidden = F.gelu(linear(norm(x, f'blocks.{i}.norm2'),
                               f'blocks.{i}.mlp.fc1'))
        x = x + linear(hidden, f'blocks.{i}.mlp.fc2')
        if i == INTER:
            inter = norm(x, 'inter_norm')
    return inter, norm(x, 'norm')


def test_converted_reference_loads_into_saip_and_matches_it(
        tools_module, repo_root, tmp_path, monkeypatch, capsys):
    student = reference_student()
    src, dst = tmp_path / 'checkpoint.pth', tmp_path / 'saip_vit-t.pth'
    torch.save(dict(student=student,
                    teacher=reference_student(seed=1)), src)
    tool = tools_module('model_converters/saipv1_to_saip.py')
    monkeypatch.setattr(sys, 'argv', ['saipv1_to_saip.py', str(src),
                                      str(dst)])
    tool.main()
    out = capsys.readouterr().out
    # 4 + 4 + 12 * 12 backbone tensors, arch_meta added
    assert f'wrote 153 backbone tensors to {dst}' in out, out
    assert f'dropped {len(NOT_BACKBONE)} non-backbone keys' in out, out

    cfg = Config.fromfile(str(repo_root / 'configs/saip/saip_vit-t.py'))
    # SAIPViT's Pretrained init refuses any missing or unexpected key
    cfg.model.backbone.init_cfg = dict(type='Pretrained',
                                       checkpoint=str(dst))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    model.eval()
    x = torch.rand(2, 3, *IMG_SIZE)
    with torch.no_grad():
        expected_inter, expected_final = reference_forward(student, x)
        for backbone in (model.backbone, model.teacher['backbone']):
            out = backbone.forward_saip(x)
            torch.testing.assert_close(out['inter'], expected_inter,
                                       atol=1e-4, rtol=1e-4)
            torch.testing.assert_close(out['final'], expected_final,
                                       atol=1e-4, rtol=1e-4)
