# Copyright (c) OpenMMLab. All rights reserved.
"""A numpy random generator that is seeded per process, lazily."""
import os
import zlib

import numpy as np
import torch


class ProcessRNG:
    """A ``numpy.random.Generator`` (re)seeded for every process and seed.

    The generator is created on first use from ``torch.initial_seed()`` and
    re-created whenever the process id or that seed changes. Inside a torch
    DataLoader worker ``torch.initial_seed()`` is ``base_seed + worker_id``,
    and mmengine's ``worker_init_fn`` replaces it with
    ``seed + worker_id + num_workers * rank``: it is distinct per worker (and
    rank) and reproducible under ``randomness=dict(seed=...)``. So workers
    never share a random stream, unlike the global ``np.random`` state that
    forked workers inherit (SAIP's reference code repeats paste positions
    across workers because of that). In the main process, a call to
    ``torch.manual_seed`` restarts the stream, which makes tests
    reproducible.

    Args:
        salt (str): Mixed into the seed so that different transforms in one
            process draw independent streams.
    """

    def __init__(self, salt: str) -> None:
        self.salt = zlib.crc32(salt.encode())
        self._key = None
        self._generator = None

    @property
    def generator(self) -> np.random.Generator:
        """np.random.Generator: The generator of the current process."""
        key = (os.getpid(), torch.initial_seed())
        if key != self._key:
            self._generator = np.random.default_rng([key[1], self.salt])
            self._key = key
        return self._generator
