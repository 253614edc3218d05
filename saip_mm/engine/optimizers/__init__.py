"""Optimizer-wrapper constructors."""
from .layer_decay_constructor import LayerDecayOptimWrapperConstructor
from .trainable_params_constructor import (
    TrainableParamsOptimWrapperConstructor,
)

__all__ = [
    'LayerDecayOptimWrapperConstructor',
    'TrainableParamsOptimWrapperConstructor'
]
