"""mmengine's param-wise optimizer groups over the trainable parameters,
merged where their settings agree and logged as one summary."""
from collections import defaultdict
from typing import Dict, List, Optional, Tuple, Union

from mmengine.logging import print_log
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapper
from torch import nn

from saip_mm.registry import OPTIM_WRAPPER_CONSTRUCTORS
from saip_mm.utils.log_filters import dropped_log_messages

# mmengine's per-tensor lines: one WARNING per frozen tensor, one INFO per
# setting of each trainable tensor
PER_TENSOR_MESSAGES = (r'^paramwise_options -- '
                       r'|is skipped since its requires_grad=False$')


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class TrainableParamsOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """:class:`DefaultOptimWrapperConstructor` with merged groups and one
    summary.

    With a ``paramwise_cfg`` mmengine's constructor visits every parameter
    and logs a WARNING per frozen tensor ("... is skipped since its
    requires_grad=False"; 157 lines for SAIP's EMA teacher, which is
    updated by :class:`~saip_mm.engine.hooks.TeacherMomentumHook`, not by
    the optimizer) and an INFO line per setting of every trainable tensor.
    This constructor gives every parameter the settings mmengine's gives
    it, does not descend into submodules without a trainable parameter,
    and logs what the groups hold in a few lines: tensors and parameters
    per (lr, weight decay), and the frozen tensors left out, by top-level
    module.

    mmengine makes one param group per parameter (318 for SAIP ViT-T), and
    torch's fused AdamW runs once per group; the built optimizer's groups
    whose settings are all equal are therefore merged (2 for SAIP), which
    makes the optimizer step faster (docs/benchmarks.md, "Pretraining
    speed"). Subclasses that tag each group (layer-wise decay's
    ``param_name``) keep theirs. The optimizer state of a checkpoint saved
    with one group per parameter does not load into the merged layout
    (torch checks the number of groups).

    Args:
        optim_wrapper_cfg (dict): The optimizer wrapper config.
        paramwise_cfg (dict, optional): As for the default constructor.

    Example:
        >>> optim_wrapper = dict(
        ...     constructor='saip_mm.TrainableParamsOptimWrapperConstructor',
        ...     optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.05),
        ...     paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.))
    """

    def __call__(self, model: nn.Module) -> OptimWrapper:
        """Build the optim wrapper, then merge its equal param groups.

        Args:
            model (nn.Module): The model to optimise.

        Returns:
            OptimWrapper: The wrapper, its optimizer with merged groups.
        """
        optim_wrapper = super().__call__(model)
        groups = optim_wrapper.optimizer.param_groups
        # before any step: the optimizer state is still empty
        groups[:] = merge_equal_groups(groups)
        return optim_wrapper

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


def merge_equal_groups(groups: List[dict]) -> List[dict]:
    """One group per distinct setting, in order of first appearance.

    Groups merge when every key but ``params`` is present in both with the
    same value (an optimizer's groups carry every setting), so each
    parameter keeps exactly its settings; parameters keep their order
    within a group.

    Args:
        groups (list[dict]): Param groups (``params`` plus settings).

    Returns:
        list[dict]: The merged groups.

    Example:
        >>> import torch
        >>> a, b, c = (nn.Parameter(torch.zeros(1)) for _ in range(3))
        >>> merged = merge_equal_groups([
        ...     dict(params=[a], weight_decay=0.), dict(params=[b]),
        ...     dict(params=[c], weight_decay=0.)])
        >>> [len(g['params']) for g in merged]
        [2, 1]
    """
    merged: Dict[str, dict] = {}
    for group in groups:
        settings = {k: v for k, v in group.items() if k != 'params'}
        key = repr(sorted(settings.items()))
        if key not in merged:
            merged[key] = dict(settings, params=[])
        merged[key]['params'] += list(group['params'])
    return list(merged.values())


def parameters(num: int) -> str:
    """``5524416 -> '5.52 M parameters'``, ``54208 -> '54,208 parameters'``.
    """
    count = f'{num / 1e6:.3g} M' if num >= 100_000 else f'{num:,}'
    return f'{count} parameters'
