"""SAIPViT: a plain ViT for person images on rectangular grids."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.logging import print_log
from mmengine.model import BaseModule
from torch import Tensor, nn

from saip_mm.models.utils.out_indices import normalise_indices
from saip_mm.models.utils.pos_embed import resample_pos_embed
from saip_mm.models.utils.strict_loading import (
    load_strictly,
    pretrained_source,
)
from saip_mm.registry import MODELS
from saip_mm.utils.state_dicts import backbone_state

from .vit_layers import TransformerBlock, init_vit_weights

ARCH_ZOO: Dict[str, dict] = {
    'tiny': dict(embed_dims=192, num_layers=12, num_heads=3,
                 mlp_ratio=4.),
    'small': dict(embed_dims=384, num_layers=12, num_heads=6,
                  mlp_ratio=4.),
    'base': dict(embed_dims=768, num_layers=12, num_heads=12,
                 mlp_ratio=4.),
}
ARCH_ALIASES = {'t': 'tiny', 's': 'small', 'b': 'base', 'deit-tiny': 'tiny',
                'deit-small': 'small', 'deit-base': 'base'}
OUT_TYPES = ('raw', 'cls_token', 'featmap', 'avg_featmap')
# Keys a SAIP checkpoint may hold that a downstream model legitimately lacks.
OPTIONAL_KEYS = ('inter_norm.', 'cls_token')


@MODELS.register_module()
class SAIPViT(BaseModule):
    """Plain ViT with SAIP's intermediate output, for any rectangular input.

    The backbone of SAIP pretraining and of every downstream task. Besides
    the usual outputs it exposes, for pretraining, the tokens after block
    ``inter_index`` passed through their own LayerNorm (``inter_norm``;
    block 7 in SAIP) and the last block's attention maps.

    The architecture and the patch grid the position embedding was learned
    on travel inside the state dict (the ``arch_meta`` buffer), so any
    loader (mmengine ``Pretrained`` with ``prefix='backbone.'``, ``load_from``)
    checks the architecture and resamples the position embedding in 2-D
    with the explicit old grid.

    Args:
        arch (str | dict): ``'tiny'`` (192/12/3, ~5.5 M params),
            ``'small'`` (384/12/6), ``'base'`` (768/12/12), their one-letter
            or ``deit-`` aliases, or a dict with ``embed_dims``,
            ``num_layers``, ``num_heads`` and ``mlp_ratio``.
        img_size (int | tuple[int, int]): Input (H, W). Defaults to
            (256, 128).
        patch_size (int): Patch size. Defaults to 16.
        in_channels (int): Input channels. Defaults to 3.
        out_indices (int | Sequence[int]): Blocks whose output is returned
            by :meth:`forward`. Defaults to -1.
        out_type (str): ``'cls_token'`` (B, C), ``'featmap'`` (B, C, h, w),
            ``'avg_featmap'`` (B, C) or ``'raw'`` (B, 1+hw, C).
            Defaults to ``'cls_token'``.
        with_cls_token (bool): Whether a CLS token is prepended. Dense
            downstream models (ViTPose style) may drop it. Defaults to True.
        inter_index (int, optional): 0-based block after which ``inter_norm``
            is applied for SAIP's CSR/CSS branches. None removes it
            (downstream). Defaults to 6 (block 7).
        qkv_bias (bool): Defaults to True.
        drop_path_rate (float): Stochastic depth, linearly increasing over
            blocks. Defaults to 0.
        norm_eps (float): LayerNorm epsilon. Defaults to 1e-6.
        final_norm (bool): Apply the final LayerNorm ``ln1`` to the last
            block's output. Defaults to True.
        frozen_stages (int): Freeze the patch embedding and the first
            ``frozen_stages`` blocks (0 = embeddings only, -1 = nothing).
            Defaults to -1.
        pos_embed_init (str): ``'uniform'`` draws U[0, 1) as the reference
            does; ``'trunc_normal'`` uses std 0.02. Defaults to 'uniform'.
        pos_resample (str): ``'2d'`` (intended) or ``'1d'`` (the reference's
            flattened-sequence stretch). Defaults to '2d'.
        init_cfg (dict | list[dict], optional): ``dict(type='Pretrained',
            checkpoint=..., prefix='backbone.')`` loads with strict key and
            shape checks (see :meth:`load_pretrained`).

    Example:
        >>> model = SAIPViT('tiny', out_type='featmap')
        >>> model(torch.rand(2, 3, 256, 128))[0].shape
        torch.Size([2, 192, 16, 8])
    """

    def __init__(self,
                 arch: Union[str, dict] = 'tiny',
                 img_size: Union[int, Tuple[int, int]] = (256, 128),
                 patch_size: int = 16,
                 in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = -1,
                 out_type: str = 'cls_token',
                 with_cls_token: bool = True,
                 inter_index: Optional[int] = 6,
                 qkv_bias: bool = True,
                 drop_path_rate: float = 0.,
                 norm_eps: float = 1e-6,
                 final_norm: bool = True,
                 frozen_stages: int = -1,
                 pos_embed_init: str = 'uniform',
                 pos_resample: str = '2d',
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.arch_settings = self.parse_arch(arch)
        embed_dims = self.arch_settings['embed_dims']
        num_layers = self.arch_settings['num_layers']
        self.embed_dims = embed_dims
        self.inter_dims = embed_dims  # width of forward_saip's 'inter'
        self.num_layers = num_layers
        self.patch_size = patch_size
        self.img_size = ((img_size, img_size) if isinstance(img_size, int)
                         else tuple(img_size))
        self.grid_size = self.patch_grid(self.img_size)
        if out_type not in OUT_TYPES:
            raise ValueError(f'out_type must be one of {OUT_TYPES}, '
                             f'got {out_type!r}')
        if out_type == 'cls_token' and not with_cls_token:
            raise ValueError("out_type='cls_token' needs with_cls_token=True")
        self.out_type = out_type
        self.out_indices = normalise_indices(out_indices, num_layers)
        self.with_cls_token = with_cls_token
        self.num_prefix = int(with_cls_token)
        self.inter_index = inter_index
        self.frozen_stages = frozen_stages
        self.pos_embed_init = pos_embed_init
        self.pos_resample = pos_resample

        self.patch_embed = nn.Module()
        self.patch_embed.projection = nn.Conv2d(
            in_channels, embed_dims, patch_size, stride=patch_size)
        if with_cls_token:
            self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        num_tokens = self.num_prefix + self.grid_size[0] * self.grid_size[1]
        self.pos_embed = nn.Parameter(torch.zeros(1, num_tokens, embed_dims))
        dpr = torch.linspace(0, drop_path_rate, num_layers).tolist()
        self.layers = nn.ModuleList(
            TransformerBlock(embed_dims, self.arch_settings['num_heads'],
                             self.arch_settings['mlp_ratio'], qkv_bias,
                             dpr[i], norm_eps) for i in range(num_layers))
        self.final_norm = final_norm
        if final_norm:
            self.ln1 = nn.LayerNorm(embed_dims, eps=norm_eps)
        if inter_index is not None:
            self.inter_norm = nn.LayerNorm(embed_dims, eps=norm_eps)
        self.register_buffer('arch_meta', self.meta_tensor(), persistent=True)
        self.register_load_state_dict_pre_hook(self._adapt_state_dict)
        self._freeze_stages()

    # ------------------------------------------------------------ config
    @staticmethod
    def parse_arch(arch: Union[str, dict]) -> dict:
        """Return the arch dict for a preset name or a custom dict."""
        if isinstance(arch, str):
            name = ARCH_ALIASES.get(arch.lower(), arch.lower())
            if name not in ARCH_ZOO:
                raise ValueError(f'unknown arch {arch!r}; choose from '
                                 f'{sorted(ARCH_ZOO) + sorted(ARCH_ALIASES)}')
            return dict(ARCH_ZOO[name])
        required = {'embed_dims', 'num_layers', 'num_heads'}
        if not required <= set(arch):
            raise ValueError(f'custom arch needs keys {sorted(required)}, '
                             f'got {sorted(arch)}')
        return {'mlp_ratio': 4., **arch}

    def patch_grid(self, hw: Sequence[int]) -> Tuple[int, int]:
        """Patch grid (rows, cols) of an input of size ``hw``."""
        return hw[0] // self.patch_size, hw[1] // self.patch_size

    def meta_tensor(self) -> Tensor:
        """Architecture and grid stored in the state dict."""
        a = self.arch_settings
        return torch.tensor([
            a['embed_dims'], a['num_layers'], a['num_heads'],
            self.patch_size, *self.grid_size
        ])

    @property
    def meta(self) -> dict:
        """Plain-type description written into exported checkpoints."""
        return dict(arch=dict(self.arch_settings), patch_size=self.patch_size,
                    grid_size=list(self.grid_size), img_size=list(
                        self.img_size), with_cls_token=self.with_cls_token)

    # ----------------------------------------------------------- weights
    def init_weights(self) -> None:
        """Reference init, or strict pretrained loading from ``init_cfg``."""
        source = pretrained_source(self.init_cfg)
        if source is not None:
            self.load_pretrained(*source)
            return
        super().init_weights()
        if self.init_cfg is not None:
            return
        self.apply(init_vit_weights)
        w = self.patch_embed.projection.weight
        nn.init.xavier_uniform_(w.view(w.shape[0], -1))
        if self.with_cls_token:
            nn.init.normal_(self.cls_token, std=.02)
        if self.pos_embed_init == 'uniform':
            nn.init.uniform_(self.pos_embed, 0., 1.)
        elif self.pos_embed_init == 'trunc_normal':
            nn.init.trunc_normal_(self.pos_embed, std=.02)
        else:
            raise ValueError(f'unknown pos_embed_init {self.pos_embed_init}')

    def load_pretrained(self, checkpoint: str, prefix: str = '') -> None:
        """Load backbone weights, failing loudly on anything missing.

        mmengine's ``Pretrained`` init loads with ``strict=False`` and only
        warns, so a wrong prefix trains from random weights. Here every
        backbone key must be present with a compatible shape; the position
        embedding is resampled to this model's grid.

        Args:
            checkpoint (str): Path of a checkpoint (ours, an mmengine
                training checkpoint, or a plain state dict; read by
                :func:`~saip_mm.utils.state_dicts.backbone_state`).
            prefix (str): Keep only keys starting with it, stripped
                (``'backbone.'`` for a full SAIP checkpoint; taken
                automatically when no prefix is given and the file is a
                SAIP / MAE training checkpoint).
        """
        state, used = backbone_state(checkpoint, prefix or None)
        if used != prefix:
            # a whole SAIP / MAE training checkpoint given as a backbone
            print_log(f'{checkpoint} is a training checkpoint: loading its '
                      f'student backbone (prefix={used!r})', logger='current')
            prefix = used
        load_strictly(self, state, checkpoint, prefix,
                      optional_missing=('arch_meta', ),
                      optional_unexpected=OPTIONAL_KEYS,
                      detail=f', grid {self.grid_size}')

    def _adapt_state_dict(self, module: nn.Module, state_dict: dict,
                          prefix: str, *args) -> None:
        """Check the architecture, resample pos_embed, drop unused rows."""
        meta = state_dict.get(prefix + 'arch_meta')
        if meta is not None:
            # the buffer describes this model, not the checkpoint
            state_dict[prefix + 'arch_meta'] = self.meta_tensor()
        key = prefix + 'pos_embed'
        if key not in state_dict:
            return
        pos = state_dict[key]
        if meta is not None:
            dims, layers, heads, patch, gh, gw = meta.tolist()
            mine = self.meta_tensor().tolist()
            if [dims, layers, heads, patch] != mine[:4]:
                raise ValueError(
                    'checkpoint architecture (embed_dims, num_layers, '
                    f'num_heads, patch_size) = {(dims, layers, heads, patch)}'
                    f' does not match this model {tuple(mine[:4])}')
            old_grid = (gh, gw)
        else:
            old_grid = self.infer_square_grid(pos.shape[1])
        ckpt_prefix = pos.shape[1] - old_grid[0] * old_grid[1]
        if ckpt_prefix and not self.with_cls_token:
            pos = pos[:, ckpt_prefix:]
            ckpt_prefix = 0
        elif self.with_cls_token and not ckpt_prefix:
            raise ValueError('checkpoint pos_embed has no CLS row but this '
                             'model uses a CLS token')
        if pos.shape[-1] != self.embed_dims:
            raise ValueError(f'checkpoint pos_embed width {pos.shape[-1]} != '
                             f'embed_dims {self.embed_dims}')
        if old_grid != self.grid_size:
            print_log(f'resampling pos_embed {old_grid} -> {self.grid_size} '
                      f'({self.pos_resample})', logger='current')
        state_dict[key] = resample_pos_embed(pos, self.grid_size, old_grid,
                                             ckpt_prefix, self.pos_resample)
        if not self.with_cls_token:
            state_dict.pop(prefix + 'cls_token', None)

    def infer_square_grid(self, num_tokens: int) -> Tuple[int, int]:
        """Grid of a foreign checkpoint without ``arch_meta``: square only."""
        for n_prefix in (1, 0):
            side = int(round((num_tokens - n_prefix)**0.5))
            if side * side == num_tokens - n_prefix:
                return side, side
        raise ValueError(
            f'cannot infer the patch grid of a {num_tokens}-token pos_embed '
            'without arch_meta; convert the checkpoint with '
            'tools/model_converters first')

    def freeze_unread(self, final: bool, inter: bool) -> None:
        """Stop the gradients of outputs that no loss reads.

        Under ``DistributedDataParallel(find_unused_parameters=False)`` a
        trainable parameter without gradient stops training at the second
        iteration, so a SAIP ablation freezes what it does not train (an
        exported backbone keeps those parts as initialised).

        Args:
            final (bool): The blocks after ``inter_index`` and the final
                norm (unread without CSM).
            inter (bool): ``inter_norm`` (unread without CSR and CSS).
        """
        unread = []
        if final:
            unread += [*self.layers[self.inter_index + 1:],
                       getattr(self, 'ln1', None)]
        if inter:
            unread.append(getattr(self, 'inter_norm', None))
        for module in filter(None, unread):
            module.requires_grad_(False)

    def _freeze_stages(self) -> None:
        if self.frozen_stages < 0:
            return
        frozen = [self.patch_embed, self.pos_embed]
        if self.with_cls_token:
            frozen.append(self.cls_token)
        frozen += list(self.layers[:self.frozen_stages])
        for item in frozen:
            params = [item] if isinstance(item, nn.Parameter) \
                else item.parameters()
            for p in params:
                p.requires_grad = False

    # ----------------------------------------------------------- forward
    def embed(self, x: Tensor) -> Tuple[Tensor, Tuple[int, int]]:
        """Patchify, add the resampled position embedding, prepend CLS."""
        x = self.patch_embed.projection(x)
        grid = (x.shape[2], x.shape[3])
        x = x.flatten(2).transpose(1, 2)
        pos = resample_pos_embed(self.pos_embed, grid, self.grid_size,
                                 self.num_prefix, self.pos_resample)
        x = x + pos[:, self.num_prefix:]
        if self.with_cls_token:
            cls = self.cls_token + pos[:, :1]
            x = torch.cat([cls.expand(x.shape[0], -1, -1), x], dim=1)
        return x, grid

    def forward_saip(self, x: Tensor, num_blocks: Optional[int] = None,
                     keep_ids: Optional[Tensor] = None,
                     return_attn: bool = False) -> Dict[str, object]:
        """Forward for SAIP pretraining.

        Args:
            x (Tensor): Images (B, 3, H, W).
            num_blocks (int, optional): Stop after this many blocks (the CSR
                encoder runs only up to ``inter_index + 1``).
            keep_ids (Tensor, optional): (B, K) indices of the patches that
                stay visible (masked encoding); the CLS token is kept.
            return_attn (bool): Return the last block's attention maps.

        Returns:
            dict: ``inter`` (B, 1+N, C) tokens after ``inter_norm``, ``final``
            (B, 1+N, C) after ``ln1`` when all blocks ran, ``attn`` the last
            block's (qk, vv) maps or None, and ``grid`` (h, w).
        """
        x, grid = self.embed(x)
        if keep_ids is not None:
            idx = keep_ids.unsqueeze(-1).expand(-1, -1, x.shape[-1])
            patches = torch.gather(x[:, self.num_prefix:], 1, idx)
            x = torch.cat([x[:, :self.num_prefix], patches], dim=1)
        depth = self.num_layers if num_blocks is None else num_blocks
        out: Dict[str, object] = dict(grid=grid, attn=None, inter=None,
                                      final=None)
        for i, layer in enumerate(self.layers[:depth]):
            want_attn = return_attn and i == self.num_layers - 1
            x, maps = layer(x, want_attn)
            if want_attn:
                out['attn'] = maps
            if i == self.inter_index:
                out['inter'] = self.inter_norm(x)
        if depth == self.num_layers:
            out['final'] = self.ln1(x) if self.final_norm else x
        return out

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Outputs of the blocks in ``out_indices``, shaped by ``out_type``.

        Args:
            x (Tensor): Images (B, 3, H, W); any size divisible by the patch.

        Returns:
            tuple[Tensor]: One tensor per out index.
        """
        x, grid = self.embed(x)
        outs = []
        last = self.num_layers - 1
        for i, layer in enumerate(self.layers):
            x = layer(x)[0]
            if i in self.out_indices:
                y = self.ln1(x) if (i == last and self.final_norm) else x
                outs.append(self.format_output(y, grid))
        return tuple(outs)

    def format_output(self, x: Tensor, grid: Tuple[int, int]) -> Tensor:
        """Shape tokens (B, P+N, C) as ``out_type`` asks."""
        if self.out_type == 'raw':
            return x
        if self.out_type == 'cls_token':
            return x[:, 0]
        patches = x[:, self.num_prefix:]
        if self.out_type == 'avg_featmap':
            return patches.mean(dim=1)
        B, _, C = patches.shape
        return patches.transpose(1, 2).reshape(B, C, *grid).contiguous()

    def get_layer_depth(self, param_name: str, prefix: str = ''
                        ) -> Tuple[int, int]:
        """Layer depth of a parameter for layer-wise lr decay.

        Embeddings are depth 0, block ``i`` is ``i + 1``, everything after
        the blocks (final norm, inter_norm, heads) is ``num_layers + 1``.

        Returns:
            tuple[int, int]: (layer depth, total number of depths).
        """
        num_depths = self.num_layers + 2
        if not param_name.startswith(prefix):
            return num_depths - 1, num_depths
        name = param_name[len(prefix):]
        if name.startswith(('cls_token', 'pos_embed', 'patch_embed')):
            return 0, num_depths
        if name.startswith('layers.'):
            return int(name.split('.')[1]) + 1, num_depths
        return num_depths - 1, num_depths

    def train(self, mode: bool = True) -> 'SAIPViT':
        super().train(mode)
        self._freeze_stages()
        return self


__all__ = ['SAIPViT', 'ARCH_ZOO']
