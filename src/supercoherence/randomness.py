"""One way in for randomness, and the one place where random streams are derived.

Every stochastic function of the package takes ``seed: int | numpy.random.Generator
| numpy.random.SeedSequence | None``, normalised once by :func:`as_generator` or
:func:`as_seed_sequence`, never the global ``numpy.random`` or ``random`` state.

**Seeds follow numpy's semantics.**  An integer or a ``SeedSequence`` names a stream:
the same value gives the same numbers, every time.  A ``Generator`` is a stream in
use: passing it *consumes* it, as ``numpy.random.default_rng(g)`` and
``Generator.spawn`` do -- :func:`as_seed_sequence` takes a fresh child of its
``SeedSequence`` (``Generator.spawn``), so two calls with the same generator give
independent numbers, and neither rewinds it.

**Stream derivation** (all of it here, so a stream's identity is read in one place):

================================  ===================================================
stream                            derived as
================================  ===================================================
replicate blocks of a run         :func:`spawn_seeds` ``(seed, n)[b]`` = ``SeedSequence(
                                  entropy, spawn_key=(*key, b))``
unit ``(point, chunk)`` of study  :func:`unit_seed` = ``SeedSequence(study_seed,
                                  spawn_key=(point, chunk))``
a study's sampling design         :func:`design_seed` = ``SeedSequence(study_seed,
                                  spawn_key=(0x5A3D,))``
a tagged child (event tables,     :func:`tagged_seed` ``(seed, tag)`` =
bootstrap resampling, ...)        ``SeedSequence(entropy, spawn_key=(*key, tag))``
================================  ===================================================

Children are derived from a sequence's identity (entropy and spawn key), never from
its spawn counter, so repeated calls give the same children, and a chunk of
replicates is identified by its index: results do not depend on how chunks are
distributed over workers.
"""

from __future__ import annotations

import numbers

import numpy as np

from supercoherence.errors import ParameterError

__all__ = [
    "DESIGN_STREAM",
    "Seed",
    "as_generator",
    "as_seed_sequence",
    "design_seed",
    "spawn_seeds",
    "tagged_seed",
    "unit_seed",
]

#: Spawn key of a study design's own random stream.
DESIGN_STREAM = 0x5A3D

Seed = int | np.random.Generator | np.random.SeedSequence | None


def as_seed_sequence(seed: Seed) -> np.random.SeedSequence:
    """Normalise ``seed`` to a :class:`numpy.random.SeedSequence`.

    Parameters
    ----------
    seed : int, Generator, SeedSequence or None
        A non-negative integer, an existing sequence (returned as it is), a generator
        (consumed: a fresh child of its sequence, as ``Generator.spawn`` makes) or
        ``None`` for fresh OS entropy.

    Examples
    --------
    >>> as_seed_sequence(7).entropy
    7
    >>> g = np.random.default_rng(7)
    >>> as_seed_sequence(g).spawn_key, as_seed_sequence(g).spawn_key  # consumed, not rewound
    ((0,), (1,))
    """
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        seq = seed.bit_generator.seed_seq
        if isinstance(seq, np.random.SeedSequence):
            return seq.spawn(1)[0]
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


def unit_seed(seed: int, point: int, chunk: int) -> np.random.SeedSequence:
    """The seed of study unit ``(point, chunk)``: ``SeedSequence(seed, spawn_key=(point, chunk))``.

    Examples
    --------
    >>> unit_seed(7, 2, 3).spawn_key
    (2, 3)
    """
    return np.random.SeedSequence(seed, spawn_key=(point, chunk))


def design_seed(seed: int) -> np.random.SeedSequence:
    """The seed of a study design's own stream (points never share a unit's stream).

    Examples
    --------
    >>> design_seed(3).spawn_key == (DESIGN_STREAM,)
    True
    """
    return np.random.SeedSequence(seed, spawn_key=(DESIGN_STREAM,))


def tagged_seed(seed: Seed, tag: int) -> np.random.SeedSequence:
    """The child of ``seed`` reserved for one purpose, named by an integer ``tag``.

    Examples
    --------
    >>> tagged_seed(5, 9).spawn_key, tagged_seed(5, 9).entropy
    ((9,), 5)
    """
    root = as_seed_sequence(seed)
    return np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, tag))
