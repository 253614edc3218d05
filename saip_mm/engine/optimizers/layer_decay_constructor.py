"""Layer-wise learning-rate decay for any OpenMMLab model with a backbone."""
from collections import defaultdict
from typing import Callable, List, Optional, Tuple, Union

from mmengine.logging import print_log
from torch import nn

from saip_mm.registry import OPTIM_WRAPPER_CONSTRUCTORS

from .trainable_params_constructor import (
    TrainableParamsOptimWrapperConstructor,
)

BACKBONE_PREFIX = 'backbone.'


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class LayerDecayOptimWrapperConstructor(
        TrainableParamsOptimWrapperConstructor):
    """Layer-wise lr decay driven by the backbone's ``get_layer_depth``.

    Each toolbox ships its own layer-decay constructor and each finds layers
    differently (mmpretrain asks the *top-level* model, mmpose matches
    hard-coded parameter names, mmseg and mmdet dispatch on backbone class
    names), so none of them covers every task. This one only needs
    ``model.backbone.get_layer_depth(name, prefix) -> (depth, num_depths)``
    and therefore works for mmpretrain ``ImageClassifier``, mmdet
    ``BaseReID`` and detectors, mmpose ``TopdownPoseEstimator`` and mmseg
    ``EncoderDecoder`` alike.

    A backbone parameter at depth ``d`` gets
    ``lr = base_lr * layer_decay_rate ** (num_depths - 1 - d)``; every
    parameter outside the backbone (necks, heads) sits at the last depth
    ``num_depths - 1`` and keeps the base lr. Everything else in
    ``paramwise_cfg`` keeps the meaning it has for mmengine's
    :class:`DefaultOptimWrapperConstructor` (``custom_keys`` with
    ``lr_mult`` / ``decay_mult``, ``norm_decay_mult``, ...); their lr
    multipliers compose with the layer scale. ``flat_decay_mult`` defaults
    to 0, so norms and biases are not weight-decayed, as ViT fine-tuning
    recipes (MAE, BEiT, ViTPose) do. Frozen parameters are left out and the
    groups are logged as a summary (see
    :class:`TrainableParamsOptimWrapperConstructor`), then one line per
    depth.

    Args:
        optim_wrapper_cfg (dict): The optimizer wrapper config.
        paramwise_cfg (dict): Must hold ``layer_decay_rate`` (float, usually
            0.65-0.85); may hold any key the default constructor accepts.

    Example:
        >>> optim_wrapper = dict(
        ...     constructor='saip_mm.LayerDecayOptimWrapperConstructor',
        ...     optimizer=dict(type='AdamW', lr=5e-4, weight_decay=0.1),
        ...     paramwise_cfg=dict(
        ...         layer_decay_rate=0.75,
        ...         custom_keys={'pos_embed': dict(decay_mult=0.),
        ...                      'cls_token': dict(decay_mult=0.)}))
    """

    def __init__(self, optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        paramwise_cfg = dict(paramwise_cfg or {})
        if 'layer_decay_rate' not in paramwise_cfg:
            raise KeyError(f'{type(self).__name__} needs '
                           '`paramwise_cfg.layer_decay_rate`')
        self.layer_decay_rate = float(paramwise_cfg.pop('layer_decay_rate'))
        paramwise_cfg.setdefault('flat_decay_mult', 0.)
        super().__init__(optim_wrapper_cfg, paramwise_cfg)

    def add_params(self,
                   params: List[dict],
                   module: nn.Module,
                   prefix: str = '',
                   is_dcn_module: Optional[Union[int, float]] = None) -> None:
        """Build the default param groups, then scale each group's lr.

        The parent recurses through ``self.add_params`` with a non-empty
        prefix; only the top-level call (the whole model) scales.

        Args:
            params (list[dict]): Param groups, extended in place.
            module (nn.Module): The model (top-level call) or a submodule.
            prefix (str): Name of ``module`` inside the model.
            is_dcn_module (int | float, optional): See the parent.
        """
        start = len(params)
        super().add_params(params, module, prefix, is_dcn_module)
        if prefix:
            return
        layer_depth = self.layer_depth_fn(module)
        names = {id(p): name for name, p in module.named_parameters()}
        for group in params[start:]:
            name = names[id(group['params'][0])]
            depth, num_depths = layer_depth(name)
            scale = self.layer_decay_rate**(num_depths - 1 - depth)
            group['lr'] = group.get('lr', self.base_lr) * scale
            group.update(lr_scale=scale, layer_id=depth, param_name=name)
        self.log_depths(params[start:])

    @staticmethod
    def layer_depth_fn(model: nn.Module
                       ) -> Callable[[str], Tuple[int, int]]:
        """Map a parameter name of ``model`` to (depth, num_depths).

        Args:
            model (nn.Module): A model with a ``backbone`` attribute whose
                ``get_layer_depth(name, prefix)`` follows mmpretrain's
                contract.

        Returns:
            callable: ``name -> (depth, num_depths)``.
        """
        backbone = getattr(model, 'backbone', None)
        if not hasattr(backbone, 'get_layer_depth'):
            raise TypeError(
                f'layer-wise lr decay needs `{type(model).__name__}.backbone`'
                ' with a `get_layer_depth(name, prefix)` method, got '
                f'{type(backbone).__name__}')
        first = next(name for name, _ in backbone.named_parameters())
        num_depths = backbone.get_layer_depth(first, '')[1]

        def layer_depth(name: str) -> Tuple[int, int]:
            if name.startswith(BACKBONE_PREFIX):
                return backbone.get_layer_depth(name[len(BACKBONE_PREFIX):],
                                                '')
            return num_depths - 1, num_depths

        return layer_depth

    def log_depths(self, groups: List[dict]) -> None:
        """Log one line per depth: lr, lr scale and parameter count."""
        by_depth = defaultdict(list)
        for group in groups:
            by_depth[group['layer_id']].append(group)
        lines = [f'layer-wise lr decay (rate {self.layer_decay_rate}):']
        for depth in sorted(by_depth):
            first = by_depth[depth][0]
            lines.append(f'  depth {depth:2d}: lr={first["lr"]:.3g} '
                         f'(scale {first["lr_scale"]:.3g}), '
                         f'{len(by_depth[depth])} tensors')
        print_log('\n'.join(lines), logger='current')
