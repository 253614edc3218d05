"""Random draws of a training iteration that a resumed run repeats."""
import random
from typing import Optional, Sequence

import numpy as np
import torch
from mmengine.hooks import Hook

from saip_mm.registry import HOOKS

DATA_BATCH = Optional[Sequence[dict]]


@HOOKS.register_module()
class IterationSeedHook(Hook):
    """Seed every training iteration from ``(seed, iteration)``.

    The model draws from the global generators of torch, numpy and Python
    (SAIP: the extra scales and the CSR masks; drop-path), and mmengine's
    checkpoints keep none of their states, so after ``--resume`` these
    draws differ from those of the uninterrupted run. Saving the states in
    the checkpoint is not enough either: data loading in the main process
    draws from the same generators (the DataLoader's base seed for every
    new epoch iterator, transforms when ``num_workers=0``), and a resumed
    loop replays that data loading without the interleaved model draws.

    So two streams are kept apart:

    - **iteration**: before each training iteration the global generators
      (CUDA included, through :func:`torch.manual_seed`) are seeded from
      ``runner.seed`` and ``runner.iter``. The draws are a function of the
      iteration alone: a resumed run repeats them, whatever the number of
      processes and with nothing stored in the checkpoint.
    - **data**: the states the CPU generators had before the iteration are
      put back after it, so data loading continues its own sequence as if
      the model drew nothing, and ``IterBasedTrainLoop``'s fast-forward over
      the seen batches on resume replays it exactly.

    ``runner.seed`` carries the rank offset of
    ``randomness=dict(diff_rank_seed=True)``, so ranks then draw
    differently; with ``diff_rank_seed=False`` every rank draws what a
    single process would.

    The hook has the highest priority so that the iteration stream is in
    place before any other hook acts and is gone before a checkpoint is
    written.
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._data_states = None

    @staticmethod
    def iteration_seed(seed: int, iteration: int) -> int:
        """A well-mixed 32-bit seed for ``iteration`` of a run.

        Args:
            seed (int): The run's seed (``runner.seed``).
            iteration (int): 0-based training iteration.

        Returns:
            int: The seed of the iteration's stream.
        """
        sequence = np.random.SeedSequence([seed, iteration])
        return int(sequence.generate_state(1)[0])

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch: DATA_BATCH = None) -> None:
        """Set the data stream aside and seed the iteration stream."""
        self._data_states = (torch.get_rng_state(), np.random.get_state(),
                             random.getstate())
        seed = self.iteration_seed(runner.seed, runner.iter)
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        """Give the generators back to the data stream."""
        torch_state, numpy_state, python_state = self._data_states
        torch.set_rng_state(torch_state)
        np.random.set_state(numpy_state)
        random.setstate(python_state)
