"""One way in for randomness.

Every stochastic function of the package takes ``seed: int | numpy.random.Generator
| numpy.random.SeedSequence | None``, normalised once by :func:`as_generator`;
independent replicate streams come from :func:`spawn_seeds`
(``numpy.random.SeedSequence.spawn``), never from the global ``numpy.random`` or
``random`` state.  A chunk of replicates is identified by its index, so results do
not depend on how chunks are distributed over workers.
"""

from __future__ import annotations

import numbers

import numpy as np

from supercoherence.errors import ParameterError

__all__ = ["Seed", "as_generator", "as_seed_sequence", "spawn_seeds"]

Seed = int | np.random.Generator | np.random.SeedSequence | None


def as_seed_sequence(seed: Seed) -> np.random.SeedSequence:
    """Normalise ``seed`` to a :class:`numpy.random.SeedSequence`.

    Parameters
    ----------
    seed : int, Generator, SeedSequence or None
        A non-negative integer, an existing sequence, a generator (whose bit
        generator's sequence is used) or ``None`` for fresh OS entropy.

    Examples
    --------
    >>> as_seed_sequence(7).entropy
    7
    """
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        seq = seed.bit_generator.seed_seq
        if isinstance(seq, np.random.SeedSequence):
            return seq
        return np.random.SeedSequence(int(seed.integers(2**63)))
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if seed < 0:
            raise ParameterError("seed", seed, "non-negative integers")
        return np.random.SeedSequence(int(seed))
    raise ParameterError("seed", seed, "an int >= 0, a numpy Generator, a SeedSequence or None")


def as_generator(seed: Seed) -> np.random.Generator:
    """Normalise ``seed`` to a :class:`numpy.random.Generator` (PCG64).

    Examples
    --------
    >>> float(as_generator(1).random()) == float(as_generator(1).random())
    True
    >>> g = as_generator(3)
    >>> as_generator(g) is g
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(as_seed_sequence(seed))


def spawn_seeds(seed: Seed, n: int) -> list[np.random.SeedSequence]:
    """``n`` independent child sequences of ``seed`` (stable: child ``i`` is always the same).

    Examples
    --------
    >>> a = spawn_seeds(11, 3)
    >>> b = spawn_seeds(11, 3)
    >>> [s.spawn_key for s in a] == [s.spawn_key for s in b]
    True
    """
    if n < 0:
        raise ParameterError("n", n, "integers >= 0")
    root = as_seed_sequence(seed)
    # Derive children from the root's identity, not from its spawn counter, so repeated
    # calls give the same children.
    return [np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, i)) for i in range(n)]
