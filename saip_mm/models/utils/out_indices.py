"""The out indices of a backbone, made non-negative and checked."""
from typing import List, Sequence, Union


def normalise_indices(indices: Union[int, Sequence[int]],
                      num: int) -> List[int]:
    """Block or stage indices made non-negative and checked.

    Args:
        indices (int | Sequence[int]): Indices into ``num`` blocks or
            stages; negative ones count from the end.
        num (int): How many blocks or stages there are.

    Returns:
        list[int]: The indices, each in ``0..num - 1``.

    Raises:
        ValueError: An index outside the blocks or stages.
    """
    indices = [indices] if isinstance(indices, int) else list(indices)
    out = [i % num if i < 0 else i for i in indices]
    for i in out:
        if not 0 <= i < num:
            raise ValueError(f'out index {i} outside 0..{num - 1}')
    return out
