"""SAIPTinyViT: mmpretrain's TinyViT for person images of any size."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.models.backbones.tinyvit import (
    BasicStage,
    ConvStage,
    PatchEmbed,
    PatchMerging,
    TinyViT,
    TinyViTBlock,
)
from mmpretrain.models.utils import LeAttention
from torch import Tensor, nn

from saip_mm.models.utils.out_indices import normalise_indices
from saip_mm.models.utils.strict_loading import (
    load_strictly,
    pretrained_source,
)
from saip_mm.registry import MODELS
from saip_mm.utils.state_dicts import checkpoint_state, strip_prefix

# mmpretrain's presets (channels, num_heads, depths) with window sizes for
# person inputs: 8 tiles the stride-8 and stride-16 grids of 256x128 exactly
# (32x16, 16x8), where mmpretrain's (7, 7, 14, 7), chosen for 224x224, pads
# the 16x8 grid of the heaviest stage to 28x14. The first entry belongs to
# the convolutional stage and is unused.
ARCH_ZOO: Dict[str, dict] = {
    name: dict(settings, window_sizes=[8, 8, 8, 8])
    for name, settings in TinyViT.arch_settings.items()
}
# mmpretrain's own windows: its ImageNet TinyViT checkpoints load strictly.
ARCH_ZOO.update({
    f'{name}-in1k': dict(settings, window_sizes=[7, 7, 14, 7])
    for name, settings in TinyViT.arch_settings.items()
})
OUT_TYPES = ('featmap', 'avg_featmap')
# Keys of a checkpoint a model may lack, or a model may hold and a
# checkpoint lack (the mask token exists only for masked pretraining).
OPTIONAL_KEYS = ('arch_meta', 'mask_token')
# Where the net sits in the checkpoints we read: a bare backbone, an
# mmpretrain classifier, SAIP with ``HierarchicalTokens``.
PREFIXES = ('', 'backbone.', 'backbone.net.')
FIRST_KEY = 'patch_embed.seq.0.conv2d.weight'


def le_attention(attn: LeAttention, x: Tensor) -> Tensor:
    """``LeAttention`` on windows (B', N, C), its bias gathered every call.

    mmpretrain's ``LeAttention.forward`` caches the bias table when
    ``eval()`` is called, so weights loaded or EMA-updated in eval mode (a
    teacher, a model evaluated then loaded) would run with stale biases.
    """
    B, N, _ = x.shape
    qkv = attn.qkv(attn.norm(x)).view(B, N, attn.num_heads, -1)
    q, k, v = qkv.permute(0, 2, 1, 3).split(
        [attn.key_dim, attn.key_dim, attn.d], dim=3)
    bias = attn.attention_biases[:, attn.attention_bias_idxs]
    scores = (q @ k.transpose(-2, -1)) * attn.scale + bias
    out = (scores.softmax(dim=-1) @ v).transpose(1, 2).reshape(B, N, attn.dh)
    return attn.proj(out)


def window_attention(attn: LeAttention, x: Tensor, hw: Tuple[int, int],
                     window: int) -> Tensor:
    """Attention inside ``window`` x ``window`` tiles of a (B, H*W, C)
    token map of size ``hw``; the map is zero-padded to whole tiles (as
    TinyViT does) and cropped back."""
    H, W = hw
    C = x.shape[-1]
    # no negative operands: traced sizes export as ONNX integer ops
    pad_b, pad_r = (window - H % window) % window, \
        (window - W % window) % window
    x = x.view(-1, H, W, C)
    if pad_b or pad_r:
        x = F.pad(x, (0, 0, 0, pad_r, 0, pad_b))
    rows, cols = (H + pad_b) // window, (W + pad_r) // window
    tiles = x.view(-1, rows, window, cols, window, C).transpose(2, 3)
    tiles = le_attention(attn, tiles.reshape(-1, window * window, C))
    x = tiles.view(-1, rows, cols, window, window, C).transpose(2, 3)
    x = x.reshape(-1, rows * window, cols * window, C)[:, :H, :W]
    return x.reshape(-1, H * W, C)


def tinyvit_block(block: TinyViTBlock, x: Tensor,
                  hw: Tuple[int, int]) -> Tensor:
    """``TinyViTBlock.forward`` at the resolution ``hw`` of this input
    (mmpretrain's reads the one fixed at build time)."""
    H, W = hw
    C = x.shape[-1]
    x = x + block.drop_path(
        window_attention(block.attn, x, hw, block.window_size))
    x = block.local_conv(x.transpose(1, 2).reshape(-1, C, H, W))
    x = x.flatten(2).transpose(1, 2)
    return x + block.drop_path(block.mlp(x))


@MODELS.register_module()
class SAIPTinyViT(BaseModule):
    """TinyViT (hierarchical conv + windowed attention) at any input size.

    Built from mmpretrain's ``tinyvit`` modules, with their parameter
    names, so mmpretrain TinyViT checkpoints load into the ``*-in1k``
    presets: ``PatchEmbed`` (the stride-4 convolutional stem),
    ``ConvStage`` / ``MBConvBlock`` (stage 0), ``BasicStage`` /
    ``TinyViTBlock`` / ``LeAttention`` (stages 1-3) and ``PatchMerging``.
    mmpretrain fixes the resolution when it builds the blocks; here each
    stage's resolution is read from the input at every forward
    (:func:`tinyvit_block`), so one backbone encodes 256x128, 128x64 or
    512x512 images alike, sizes that are no multiple of a window included.

    Stage ``i`` is ``(downsample into i, blocks of stage i)`` and outputs
    ``channels[i]`` maps at stride ``4 * 2**i`` (mmpretrain keeps the
    downsample at the end of the previous stage; the parameter names stay
    its own: ``stages.{i-1}.downsample``).

    The architecture travels in the state dict (the ``arch_meta`` buffer)
    and is checked on loading; ``Pretrained`` init loads strictly (see
    :meth:`load_pretrained`).

    Args:
        arch (str | dict): ``'5m'`` (64/128/160/320 wide, depths 2/2/6/2,
            ~5.1 M params), ``'11m'``, ``'21m'`` with 8x8 windows, or the
            same with mmpretrain's windows (``'5m-in1k'``, ...); or a dict
            with ``channels``, ``num_heads``, ``depths``, ``window_sizes``
            and optionally ``mlp_ratio``, ``mbconv_expand_ratio``,
            ``local_conv_size``.
        img_size (int | tuple[int, int]): The (H, W) the blocks are built
            for and recorded in ``arch_meta``; inputs may have any size.
            Defaults to (256, 128).
        in_channels (int): Input channels. Defaults to 3.
        out_indices (int | Sequence[int]): Stages returned by
            :meth:`forward` (negative allowed). Defaults to (3,).
        out_type (str): ``'featmap'`` (B, C_i, H_i, W_i) maps or
            ``'avg_featmap'`` (B, C_i) spatial means; the last stage passes
            through the final norm. Defaults to 'featmap'.
        drop_path_rate (float): Stochastic depth, linear over the blocks.
            Defaults to 0.
        frozen_stages (int): Freeze the stem and the first
            ``frozen_stages`` stages (0 freezes nothing). Defaults to 0.
        use_mask_token (bool): Add a learnable ``mask_token`` that
            :meth:`forward_stages` puts at masked stem cells (masked image
            modelling). Defaults to False.
        init_cfg (dict | list[dict], optional): ``dict(type='Pretrained',
            checkpoint=...)`` loads with strict key checks.

    Example:
        >>> net = SAIPTinyViT('5m', out_indices=(0, 1, 2, 3))
        >>> [tuple(m.shape) for m in net(torch.rand(1, 3, 256, 128))]
        [(1, 64, 64, 32), (1, 128, 32, 16), (1, 160, 16, 8), (1, 320, 8, 4)]
    """

    stem_stride = 4

    def __init__(self,
                 arch: Union[str, dict] = '5m',
                 img_size: Union[int, Tuple[int, int]] = (256, 128),
                 in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = (3, ),
                 out_type: str = 'featmap',
                 drop_path_rate: float = 0.,
                 frozen_stages: int = 0,
                 use_mask_token: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.arch_settings = self.parse_arch(arch)
        self.channels: List[int] = list(self.arch_settings['channels'])
        self.depths: List[int] = list(self.arch_settings['depths'])
        self.num_stages = len(self.channels)
        self.embed_dims = self.channels[-1]
        self.stage_strides = [
            self.stem_stride * 2**i for i in range(self.num_stages)
        ]
        self.img_size = ((img_size, img_size) if isinstance(img_size, int)
                         else tuple(img_size))
        if out_type not in OUT_TYPES:
            raise ValueError(f'out_type must be one of {OUT_TYPES}, '
                             f'got {out_type!r}')
        self.out_type = out_type
        self.out_indices = normalise_indices(out_indices, self.num_stages)
        self.frozen_stages = frozen_stages
        self.use_mask_token = use_mask_token

        self.patch_embed = PatchEmbed(in_channels, self.channels[0],
                                      self.img_size)
        self.stages = self.build_stages(drop_path_rate)
        self.add_module(self.norm_name, nn.LayerNorm(self.embed_dims))
        if use_mask_token:
            self.mask_token = nn.Parameter(
                torch.zeros(1, self.channels[0], 1, 1))
        self.register_buffer('arch_meta', self.meta_tensor(), persistent=True)
        self.register_load_state_dict_pre_hook(self._check_arch_meta)
        self._freeze_stages()

    # ------------------------------------------------------------ config
    @staticmethod
    def parse_arch(arch: Union[str, dict]) -> dict:
        """The arch dict of a preset name or a custom dict."""
        defaults = dict(mlp_ratio=4., mbconv_expand_ratio=4.,
                        local_conv_size=3)
        if isinstance(arch, str):
            if arch.lower() not in ARCH_ZOO:
                raise ValueError(f'unknown arch {arch!r}; choose from '
                                 f'{sorted(ARCH_ZOO)}')
            return {**defaults, **ARCH_ZOO[arch.lower()]}
        keys = ('channels', 'num_heads', 'depths', 'window_sizes')
        if not set(keys) <= set(arch):
            raise ValueError(f'custom arch needs keys {sorted(keys)}, '
                             f'got {sorted(arch)}')
        if len({len(arch[k]) for k in keys}) != 1:
            raise ValueError(f'{keys} need one entry per stage, got '
                             f'{[list(arch[k]) for k in keys]}')
        return {**defaults, **arch}

    @property
    def norm_name(self) -> str:
        """The final norm's name, mmpretrain's (``norm3`` for 4 stages)."""
        return f'norm{self.num_stages - 1}'

    def build_stages(self, drop_path_rate: float) -> nn.ModuleList:
        """mmpretrain's stages: a ``ConvStage`` then ``BasicStage``s, each
        but the last ending with the ``PatchMerging`` into the next."""
        a = self.arch_settings
        dpr = torch.linspace(0, drop_path_rate, sum(self.depths)).tolist()
        stages = nn.ModuleList()
        for i, (width, depth) in enumerate(zip(self.channels, self.depths)):
            first = sum(self.depths[:i])
            common = dict(
                in_channels=width,
                resolution=self.stage_grid(self.img_size, i),
                depth=depth,
                act_cfg=dict(type='GELU'),
                drop_path=dpr[first:first + depth],
                downsample=(PatchMerging if i < self.num_stages - 1
                            else None),
                out_channels=self.channels[min(i + 1, self.num_stages - 1)])
            if i == 0:
                stage = ConvStage(conv_expand_ratio=a['mbconv_expand_ratio'],
                                  **common)
            else:
                stage = BasicStage(num_heads=a['num_heads'][i],
                                   window_size=a['window_sizes'][i],
                                   mlp_ratio=a['mlp_ratio'],
                                   local_conv_size=a['local_conv_size'],
                                   **common)
            stages.append(stage)
        return stages

    def stage_grid(self, hw: Sequence[int], stage: int) -> Tuple[int, int]:
        """(rows, cols) of stage ``stage``'s map for an input of size
        ``hw``; every stride-2 convolution rounds up."""
        h, w = hw
        for _ in range(2 + stage):
            h, w = (h + 1) // 2, (w + 1) // 2
        return h, w

    def meta_tensor(self) -> Tensor:
        """Architecture (and the anchor size) stored in the state dict."""
        a = self.arch_settings
        return torch.tensor([
            self.num_stages, *self.channels, *self.depths, *a['num_heads'],
            *a['window_sizes'], *self.img_size
        ])

    @classmethod
    def from_arch_meta(cls, meta: Tensor, **kwargs) -> 'SAIPTinyViT':
        """A net of the architecture an ``arch_meta`` buffer describes.

        Args:
            meta (Tensor): :meth:`meta_tensor`'s layout: the number of
                stages n, then n channels, depths, heads and window sizes,
                then the anchor (H, W), built as ``img_size``.
            **kwargs: Any other argument of the net.

        Returns:
            SAIPTinyViT: The net, its weights as initialised.
        """
        values = meta.tolist()
        n = values[0]
        channels, depths, heads, windows = (values[1 + k * n:1 + (k + 1) * n]
                                            for k in range(4))
        return cls(arch=dict(channels=channels, depths=depths,
                             num_heads=heads, window_sizes=windows),
                   img_size=tuple(values[1 + 4 * n:]), **kwargs)

    @property
    def meta(self) -> dict:
        """Plain-type description written into exported checkpoints."""
        a = self.arch_settings
        return dict(arch={k: list(v) if isinstance(v, (list, tuple)) else v
                          for k, v in a.items()},
                    img_size=list(self.img_size),
                    stage_strides=list(self.stage_strides))

    def stage_modules(self, start: int = 0,
                      stop: Optional[int] = None) -> List[nn.Module]:
        """The modules that run stages ``start`` to ``stop - 1``: for each,
        the downsample into it (none for stage 0) and its blocks."""
        stop = self.num_stages if stop is None else stop
        modules: List[nn.Module] = []
        for i in range(start, stop):
            if i > 0:
                modules.append(self.stages[i - 1].downsample)
            modules.append(self.stages[i].blocks)
        return modules

    # ----------------------------------------------------------- weights
    def init_weights(self) -> None:
        """TinyViT's init (truncated normal linears, unit LayerNorms; the
        convolutions keep mmpretrain's, the last BN of a residual branch at
        zero), or strict pretrained loading from ``init_cfg``."""
        source = pretrained_source(self.init_cfg)
        if source is not None:
            self.load_pretrained(*source)
            return
        super().init_weights()
        if self.init_cfg is not None:
            return
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.trunc_normal_(module.weight, std=.02)
                nn.init.zeros_(module.bias)
            elif isinstance(module, nn.LayerNorm):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
        if self.use_mask_token:
            nn.init.trunc_normal_(self.mask_token, std=.02)

    def load_pretrained(self, checkpoint: str, prefix: str = '') -> None:
        """Load the net's weights, failing loudly on anything missing.

        Args:
            checkpoint (str): A backbone checkpoint (ours, with
                ``arch_meta``), an mmpretrain TinyViT classifier, or a SAIP
                training checkpoint (the net under ``backbone.net.``).
            prefix (str): Keep only keys starting with it, stripped. Empty:
                the first of ``''``, ``'backbone.'``, ``'backbone.net.'``
                under which the stem's first weight is found.

        Raises:
            KeyError: A key of the net is missing from the checkpoint or the
                checkpoint has keys the net lacks (both listed).
            ValueError: ``arch_meta`` describes another architecture.
        """
        state = checkpoint_state(checkpoint)
        if not prefix:
            prefix = next((p for p in PREFIXES if p + FIRST_KEY in state), '')
        if prefix:
            state = strip_prefix(state, prefix, checkpoint)
        load_strictly(self, state, checkpoint, prefix,
                      optional_missing=OPTIONAL_KEYS,
                      optional_unexpected=OPTIONAL_KEYS)

    def _check_arch_meta(self, module: nn.Module, state_dict: dict,
                         prefix: str, *args) -> None:
        """Refuse a checkpoint of another architecture; the buffer then
        describes this model (the anchor size may differ freely: no
        weight depends on it)."""
        meta = state_dict.get(prefix + 'arch_meta')
        if meta is None:
            return
        mine = self.meta_tensor()
        if meta.shape != mine.shape or \
                not torch.equal(meta[:-2].cpu(), mine[:-2]):
            raise ValueError(
                'checkpoint architecture (num_stages, channels, depths, '
                f'num_heads, window_sizes) = {meta[:-2].tolist()} does not '
                f'match this model {mine[:-2].tolist()}')
        state_dict[prefix + 'arch_meta'] = mine

    def _freeze_stages(self) -> None:
        if self.frozen_stages <= 0:
            return
        frozen = [self.patch_embed,
                  *self.stage_modules(0, self.frozen_stages)]
        for module in frozen:
            module.eval()
            module.requires_grad_(False)
        if self.use_mask_token:
            self.mask_token.requires_grad = False

    def train(self, mode: bool = True) -> 'SAIPTinyViT':
        super().train(mode)
        self._freeze_stages()
        return self

    # ----------------------------------------------------------- forward
    def forward_stages(self, x: Tensor, mask: Optional[Tensor] = None,
                       num_stages: Optional[int] = None) -> List[Tensor]:
        """The maps of the first ``num_stages`` stages, without final norm.

        Args:
            x (Tensor): Images (B, 3, H, W) of any size.
            mask (Tensor, optional): (B, ceil(H/4), ceil(W/4)) bool; the
                stem cells where it is True are replaced by ``mask_token``
                (needs ``use_mask_token=True``).
            num_stages (int, optional): Stop after this many stages.

        Returns:
            list[Tensor]: Stage ``i``'s (B, channels[i], h_i, w_i) map, h_i
            = ceil(H / stage_strides[i]).
        """
        x = self.patch_embed(x)
        if mask is not None:
            x = self.apply_mask(x, mask)
        maps = []
        for i in range(self.num_stages if num_stages is None else num_stages):
            if i > 0:
                x = self.downsample(self.stages[i - 1].downsample, x)
            x = self.run_blocks(self.stages[i], x)
            maps.append(x)
        return maps

    def apply_mask(self, x: Tensor, mask: Tensor) -> Tensor:
        """Stem map (B, C, h, w) with ``mask_token`` where ``mask``."""
        if not self.use_mask_token:
            raise ValueError('a mask needs SAIPTinyViT(use_mask_token=True)')
        if tuple(mask.shape[-2:]) != tuple(x.shape[-2:]):
            raise ValueError(f'mask {tuple(mask.shape)} does not match the '
                             f'stem grid {tuple(x.shape[-2:])}')
        hidden = mask.unsqueeze(1).to(x.dtype)
        return x * (1. - hidden) + self.mask_token.to(x.dtype) * hidden

    @staticmethod
    def downsample(merging: PatchMerging, x: Tensor) -> Tensor:
        """``PatchMerging`` of a (B, C, H, W) map, as a map again."""
        h, w = (x.shape[2] + 1) // 2, (x.shape[3] + 1) // 2
        tokens = merging(x)
        return tokens.transpose(1, 2).reshape(-1, tokens.shape[-1], h, w)

    @staticmethod
    def run_blocks(stage: nn.Module, x: Tensor) -> Tensor:
        """A stage's blocks on a (B, C, H, W) map at its own size."""
        if isinstance(stage, ConvStage):
            for block in stage.blocks:
                x = block(x)
            return x
        C, H, W = x.shape[1:]
        tokens = x.flatten(2).transpose(1, 2)
        for block in stage.blocks:
            tokens = tinyvit_block(block, tokens, (H, W))
        return tokens.transpose(1, 2).reshape(-1, C, H, W)

    def final_norm(self, x: Tensor) -> Tensor:
        """The final LayerNorm over the channels of a (B, C, ...) tensor."""
        norm = getattr(self, self.norm_name)
        if x.dim() == 2:
            return norm(x)
        return norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2).contiguous()

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Outputs of the stages in ``out_indices``, shaped by ``out_type``.

        Args:
            x (Tensor): Images (B, 3, H, W) of any size.

        Returns:
            tuple[Tensor]: (B, C_i, h_i, w_i) maps or (B, C_i) vectors.
        """
        maps = self.forward_stages(x, num_stages=max(self.out_indices) + 1)
        last = self.num_stages - 1
        outs = []
        for i in self.out_indices:
            y = maps[i]
            if self.out_type == 'avg_featmap':
                y = y.mean(dim=(2, 3))
            outs.append(self.final_norm(y) if i == last else y)
        return tuple(outs)

    def get_layer_depth(self, param_name: str, prefix: str = ''
                        ) -> Tuple[int, int]:
        """Layer depth of a parameter for layer-wise lr decay.

        The stem (and mask token) is depth 0, the ``k``-th block of the net
        ``k + 1``, a downsample the depth of the block before it (as
        mmpretrain's Swin); the final norm and anything outside the net the
        last depth.

        Returns:
            tuple[int, int]: (layer depth, total number of depths).
        """
        num_depths = sum(self.depths) + 2
        if not param_name.startswith(prefix):
            return num_depths - 1, num_depths
        name = param_name[len(prefix):]
        if name.startswith(('patch_embed', 'mask_token')):
            return 0, num_depths
        parts = name.split('.')
        if parts[0] == 'stages':
            stage = int(parts[1])
            if parts[2] == 'blocks':
                return sum(self.depths[:stage]) + int(parts[3]) + 1, \
                    num_depths
            return sum(self.depths[:stage + 1]), num_depths
        return num_depths - 1, num_depths


__all__ = ['SAIPTinyViT', 'ARCH_ZOO']
