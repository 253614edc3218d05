"""mmengine's param-wise optimizer groups over the trainable parameters,
logged as one summary."""
from collections import defaultdict
from typing import Dict, List, Optional, Tuple, Union

from mmengine.logging import print_log
from mmengine.optim import DefaultOptimWrapperConstructor
from torch import nn

from saip_mm.registry import OPTIM_WRAPPER_CONSTRUCTORS
from saip_mm.utils.log_filters import dropped_log_messages

# mmengine's per-tensor lines: one WARNING per frozen tensor, one INFO per
# setting of each trainable tensor
PER_TENSOR_MESSAGES = (r'^paramwise_options -- '
                       r'|is skipped since its requires_grad=False$')


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class TrainableParamsOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """:class:`DefaultOptimWrapperConstructor` that logs one summary.

    With a ``paramwise_cfg`` mmengine's constructor visits every parameter
    and logs a WARNING per frozen tensor ("... is skipped since its
    requires_grad=False"; 157 lines for SAIP's EMA teacher, which is
    updated by :class:`~saip_mm.engine.hooks.TeacherMomentumHook`, not by
    the optimizer) and an INFO line per setting of every trainable tensor.
    This constructor builds the same param groups, does not descend into
    submodules without a trainable parameter, and logs what the groups hold
    in a few lines: tensors and parameters per (lr, weight decay), and the
    frozen tensors left out, by top-level module.

    Args:
        optim_wrapper_cfg (dict): The optimizer wrapper config.
        paramwise_cfg (dict, optional): As for the default constructor.

    Example:
        >>> optim_wrapper = dict(
        ...     constructor='saip_mm.TrainableParamsOptimWrapperConstructor',
        ...     optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.05),
        ...     paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.))
    """

    def add_params(self,
                   params: List[dict],
                   module: nn.Module,
                   prefix: str = '',
                   is_dcn_module: Optional[Union[int, float]] = None) -> None:
        """Add the param groups of ``module``'s trainable parameters.

        Args:
            params (list[dict]): Param groups, extended in place.
            module (nn.Module): The model (top-level call) or a submodule
                (the parent's recursion).
            prefix (str): Name of ``module`` inside the model.
            is_dcn_module (int | float, optional): See the parent.
        """
        if prefix:
            if any(p.requires_grad for p in module.parameters()):
                super().add_params(params, module, prefix, is_dcn_module)
            return
        start = len(params)
        with dropped_log_messages(PER_TENSOR_MESSAGES):
            super().add_params(params, module, prefix, is_dcn_module)
        print_log(self.summary(module, params[start:]), logger='current')

    def summary(self, model: nn.Module, groups: List[dict]) -> str:
        """Describe ``groups`` (built for ``model``) in a few lines.

        Args:
            model (nn.Module): The model the groups were built for.
            groups (list[dict]): Its param groups.

        Returns:
            str: Trainable tensors and parameters per (lr, weight decay);
            the frozen ones by top-level module.
        """
        settings: Dict[Tuple[float, float], List[int]] = defaultdict(
            lambda: [0, 0])
        for group in groups:
            key = (group.get('lr', self.base_lr),
                   group.get('weight_decay', self.base_wd))
            for param in group['params']:
                settings[key][0] += 1
                settings[key][1] += param.numel()
        frozen: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
        for name, param in model.named_parameters():
            if not param.requires_grad:
                frozen[name.split('.')[0]][0] += 1
                frozen[name.split('.')[0]][1] += param.numel()
        num = sum(n for n, _ in settings.values())
        size = sum(s for _, s in settings.values())
        lines = [f'optimizer: {num} trainable tensors, {parameters(size)}, '
                 'in these param groups:']
        for (lr, wd), (n, s) in sorted(settings.items(), key=str):
            wd = 'the optimizer default' if wd is None else f'{wd:.4g}'
            lines.append(f'  lr={lr:.4g}, weight_decay={wd}: {n} tensors, '
                         f'{parameters(s)}')
        if frozen:
            lines.append('  not optimised (requires_grad=False): ' + '; '.join(
                f'{module} {n} tensors, {parameters(s)}'
                for module, (n, s) in sorted(frozen.items())))
        return '\n'.join(lines)


def parameters(num: int) -> str:
    """``5524416 -> '5.52 M parameters'``, ``54208 -> '54,208 parameters'``.
    """
    count = f'{num / 1e6:.3g} M' if num >= 100_000 else f'{num:,}'
    return f'{count} parameters'
