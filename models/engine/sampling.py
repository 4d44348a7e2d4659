r"""Exact samplers of the engine: the number of takeovers, the drift, the streams.

**Number of takeovers.**  With :math:`S_n = P(N \ge n) = \prod_{k<n}(1 - q_k)`
(non-increasing, :math:`S_0 = 1`) and one uniform :math:`U` per replicate,

.. math::

    N = \#\{1 \le n \le M : S_n > U\}

has :math:`P(N \ge n) = P(U < S_n) = S_n` for :math:`n \le M`, the law of the
number of takeovers censored at :math:`M`.  :class:`TakeoverCountSampler` evaluates
this step function by an indexed search (a *guide table*, [1]_): :math:`[0, 1)` is
cut into :math:`K = 2^{16}` cells; a cell holding no threshold :math:`S_n` maps
every :math:`U` in it to one value of :math:`N`, read from the table; only the
:math:`U` in the at most :math:`M` cells holding a threshold are resolved by binary
search.  The uniform is a raw 64-bit word :math:`W` of the bit generator,
:math:`U = \lfloor W / 2^{11} \rfloor / 2^{53}` (numpy's own conversion), and the
cell is its top 16 bits, :math:`\lfloor K U \rfloor = \lfloor W / 2^{48} \rfloor`,
so the cell is exact, not rounded.

**Value drift.**  At each takeover :math:`w_{n+1} = \rho w_n + \sqrt{1-\rho^2}\,u_n`,
:math:`u_n` uniform on the unit sphere of the hyperplane :math:`w_n^\perp` (dimension
:math:`D - 1`).  Write :math:`w_0 = c_n w_n + \sqrt{1 - c_n^2}\,e_n` with
:math:`c_n = w_n \cdot w_0` and :math:`e_n \perp w_n` a unit vector.  Then

.. math::

    c_{n+1} = \rho c_n + \sqrt{1-\rho^2}\sqrt{1 - c_n^2}\; X_n,
    \qquad X_n = u_n \cdot e_n .

By rotation invariance of the uniform law on the sphere of :math:`w_n^\perp`,
:math:`X_n` is distributed as the first coordinate of a uniform unit vector of
:math:`\mathbb{R}^{D-1}`, whatever :math:`e_n`, and it is independent of the past
given :math:`w_n`; so :math:`(c_n)` is a Markov chain with this one-dimensional
kernel (when :math:`|c_n| = 1`, :math:`e_n` is undefined but its coefficient is 0).
The first coordinate of a uniform unit vector of :math:`\mathbb{R}^{m}` has density
proportional to :math:`(1 - x^2)^{(m-3)/2}`, i.e. :math:`(1 + X)/2 \sim
\mathrm{Beta}((m-1)/2, (m-1)/2)` [2]_; with :math:`m = D - 1` this is
:math:`\mathrm{Beta}((D-2)/2, (D-2)/2)`, and for :math:`D = 2` (:math:`m = 1`)
:math:`X = \pm 1` with probability 1/2 each.  As :math:`E[X_n] = 0`,
:math:`E[c_{n+1} \mid c_n] = \rho c_n` and :math:`E[c_n] = \rho^n`.

**The drift for** :math:`D = 2`.  There :math:`X_n = \pm 1`, drawn as numpy's
``integers(0, 2)`` (the top bit of a 32-bit draw, :class:`SignStream` reads them
from the raw words, half a word per takeover), and from a given :math:`c_n` the
recursion can reach only two floats.  The floats a run visits are few (the angles
:math:`\arccos c_n` move by :math:`\pm\arccos\rho`, so :math:`c_n` takes the values
:math:`\cos(k \arccos\rho)` up to rounding), and :class:`SignDriftTable` numbers
them as they appear and steps a chain by a table look-up.  Each transition is
computed once by the recursion itself and values are told apart by their bits, so
the chains go through exactly the floats of the direct recursion.

**Streams.**  Replicate :math:`i` belongs to the stream block
:math:`\lfloor i / B \rfloor`, :math:`B =` :data:`STREAM_BLOCK`; block :math:`b`
draws from ``PCG64(spawn_seeds(seed, n_blocks)[b])`` and nothing else.  Each block
first draws one raw word per replicate (the :math:`U` above), then, level by level,
the variates of its replicates still in play.  The grid depends only on the number
of replicates, never on the chunk size or the number of workers, so results are
identical however the blocks are grouped into chunks.

References
----------
.. [1] L. Devroye, *Non-Uniform Random Variate Generation*, Springer (1986),
   sec. III.2.4 (inversion by guide tables).
.. [2] K.-T. Fang, S. Kotz and K. W. Ng, *Symmetric Multivariate and Related
   Distributions*, Chapman & Hall (1990), sec. 2.1 (marginals of the uniform
   distribution on the sphere).
"""

from __future__ import annotations

import sys

import numpy as np

from supercoherence.errors import ParameterError
from supercoherence.randomness import Seed, spawn_seeds

__all__ = [
    "STREAM_BLOCK",
    "SignDriftTable",
    "SignStream",
    "TakeoverCountSampler",
    "block_generators",
    "drift_increments",
    "drift_step",
    "drift_step_into",
    "uniforms_from_raw",
]

STREAM_BLOCK = 2**16
"""Replicates per random stream: the fixed grid behind the reproducibility rule."""

_CELL_BITS = 16
_CELLS = 2**_CELL_BITS


def block_generators(seed: Seed, replicates: int) -> list[np.random.Generator]:
    """One PCG64 generator per stream block of :data:`STREAM_BLOCK` replicates.

    Parameters
    ----------
    seed : int, Generator, SeedSequence or None
        The run's seed.
    replicates : int
        Number of replicates; ``ceil(replicates / STREAM_BLOCK)`` blocks.

    Returns
    -------
    list of numpy.random.Generator
        Generator ``b`` serves the replicates ``b * STREAM_BLOCK`` to
        ``(b + 1) * STREAM_BLOCK - 1``.

    Examples
    --------
    >>> gens = block_generators(5, STREAM_BLOCK + 1)
    >>> len(gens)
    2
    >>> int(gens[1].integers(10**9)) == int(block_generators(5, 10**6)[1].integers(10**9))
    True
    """
    n_blocks = -(-replicates // STREAM_BLOCK)
    return [np.random.Generator(np.random.PCG64(s)) for s in spawn_seeds(seed, n_blocks)]


def uniforms_from_raw(raw: np.ndarray) -> np.ndarray:
    """Uniforms on [0, 1) from raw 64-bit words, as ``Generator.random`` makes them.

    Examples
    --------
    >>> g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    >>> bool(np.all(uniforms_from_raw(g1.bit_generator.random_raw(5)) == g2.random(5)))
    True
    """
    return (raw >> np.uint64(11)).astype(np.float64) * 2.0**-53


class TakeoverCountSampler:
    r"""Inverse-CDF sampler of the censored number of takeovers :math:`\min(N, M)`.

    Parameters
    ----------
    tail : array_like
        The tail law :math:`S_n = P(N \ge n)`: :math:`S_0 = 1, S_1, \dots, S_M`,
        non-increasing in [0, 1] (see
        :meth:`~supercoherence.models.engine.law.ChainLaw.tail_law`).

    Notes
    -----
    Building costs :math:`O(K \log M)`; sampling costs a shift, a table look-up and
    a binary search for the fraction (at most :math:`M/K`) of replicates whose
    uniform falls in a cell that holds a threshold.

    Examples
    --------
    >>> sampler = TakeoverCountSampler([1.0, 0.5, 0.25])
    >>> raw = np.array([0, 2**62, 2**63 - 1, 2**63, 2**64 - 1], dtype=np.uint64)
    >>> uniforms_from_raw(raw).tolist()
    [0.0, 0.25, 0.4999999999999999, 0.5, 0.9999999999999999]
    >>> sampler.sample(raw).tolist()
    [2, 1, 1, 0, 0]
    """

    def __init__(self, tail: np.ndarray) -> None:
        tail = np.asarray(tail, dtype=float)
        self.max_takeovers = tail.size - 1
        self._ascending = tail[:0:-1].copy()  # S_M, ..., S_1
        edges = np.arange(_CELLS + 1) * (1.0 / _CELLS)  # exact: K is a power of two
        at_left = self._count_above(edges[:-1])  # N at U = j/K
        at_right = self.max_takeovers - np.searchsorted(self._ascending, edges[1:], "left")
        self._cell_value = at_left
        self._mixed = at_left != at_right

    def _count_above(self, u: np.ndarray) -> np.ndarray:
        """:math:`\\#\\{n \\ge 1 : S_n > u\\}`."""
        return self.max_takeovers - np.searchsorted(self._ascending, u, "right")

    def _cells(self, raw: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        if out is not None:
            out = out[: raw.size]
        return np.right_shift(raw, np.uint64(64 - _CELL_BITS), out=out).view(np.int64)

    def sample(self, raw: np.ndarray) -> np.ndarray:
        """Censored numbers of takeovers (int64) from raw 64-bit words.

        Examples
        --------
        >>> sampler = TakeoverCountSampler([1.0, 1.0, 1.0])  # q = 0: always censored
        >>> sampler.sample(np.array([2**64 - 1], dtype=np.uint64)).tolist()
        [2]
        """
        cells = self._cells(raw)
        n = self._cell_value[cells]
        mixed = np.flatnonzero(self._mixed[cells])
        n[mixed] = self._count_above(uniforms_from_raw(raw[mixed]))
        return n

    def tally(
        self,
        raw: np.ndarray,
        cell_totals: np.ndarray,
        count_totals: np.ndarray,
        scratch: np.ndarray | None = None,
    ) -> None:
        """Add the draws of ``raw`` to running totals without keeping per-replicate values.

        Parameters
        ----------
        raw : numpy.ndarray of uint64
            Raw words, one per replicate.
        cell_totals : numpy.ndarray of int64, shape (K,)
            Running counts of uniforms per guide cell (updated in place).
        count_totals : numpy.ndarray of int64, shape (M + 1,)
            Running counts of resolved values of :math:`N` (updated in place).
        scratch : numpy.ndarray of uint64, optional
            A reusable buffer of at least ``raw.size`` words (saves an allocation
            per call; fresh pages cost as much as the arithmetic).

        Examples
        --------
        >>> sampler = TakeoverCountSampler([1.0, 0.5])
        >>> cells, counts = sampler.empty_tally()
        >>> sampler.tally(np.array([0, 2**64 - 1], dtype=np.uint64), cells, counts)
        >>> sampler.counts(cells, counts).tolist()
        [1, 1]
        """
        cells = self._cells(raw, scratch)
        cell_totals += np.bincount(cells, minlength=_CELLS)
        mixed = np.flatnonzero(self._mixed[cells])
        if mixed.size:
            resolved = self._count_above(uniforms_from_raw(raw[mixed]))
            count_totals += np.bincount(resolved, minlength=self.max_takeovers + 1)

    def empty_tally(self) -> tuple[np.ndarray, np.ndarray]:
        """Zeroed ``(cell_totals, count_totals)`` for :meth:`tally`.

        Examples
        --------
        >>> [a.shape for a in TakeoverCountSampler([1.0, 0.5]).empty_tally()]
        [(65536,), (2,)]
        """
        return np.zeros(_CELLS, np.int64), np.zeros(self.max_takeovers + 1, np.int64)

    def counts(self, cell_totals: np.ndarray, count_totals: np.ndarray) -> np.ndarray:
        r"""Counts of :math:`\min(N, M) = n`, :math:`n = 0, \dots, M`, from a tally.

        Examples
        --------
        >>> sampler = TakeoverCountSampler([1.0, 0.0])
        >>> cells, counts = sampler.empty_tally()
        >>> sampler.tally(np.arange(3, dtype=np.uint64) << np.uint64(62), cells, counts)
        >>> sampler.counts(cells, counts).tolist()
        [3, 0]
        """
        pure = ~self._mixed
        folded = np.bincount(
            self._cell_value[pure],
            weights=cell_totals[pure],
            minlength=self.max_takeovers + 1,
        )
        return np.rint(folded).astype(np.int64) + count_totals


def drift_increments(rng: np.random.Generator, size: int, dimension: int) -> np.ndarray:
    r"""Draws of :math:`X`, the first coordinate of a uniform unit vector of
    :math:`\mathbb{R}^{D-1}`: :math:`\pm 1` for :math:`D = 2`, else
    :math:`2B - 1`, :math:`B \sim \mathrm{Beta}((D-2)/2, (D-2)/2)`.

    Examples
    --------
    >>> x = drift_increments(np.random.default_rng(0), 4, 2)
    >>> sorted(set(x.tolist())) <= [-1.0, 1.0]
    True
    >>> bool(np.all(np.abs(drift_increments(np.random.default_rng(0), 4, 5)) <= 1))
    True
    """
    if dimension == 2:
        return 2.0 * rng.integers(0, 2, size=size) - 1.0
    shape = (dimension - 2) / 2
    return 2.0 * rng.beta(shape, shape, size=size) - 1.0


def drift_step(c: np.ndarray, rho: float, x: np.ndarray) -> np.ndarray:
    r"""One takeover's drift: :math:`\rho c + \sqrt{1-\rho^2}\sqrt{1-c^2}\,X`, in [-1, 1].

    The engine runs the same floating-point operations in place
    (:func:`drift_step_into`), so the two agree bit for bit.

    Examples
    --------
    >>> drift_step(np.array([1.0, 0.0]), 0.6, np.array([1.0, 1.0])).tolist()
    [0.6, 0.8]
    """
    spread = np.sqrt(max(0.0, 1.0 - rho * rho)) * np.sqrt(np.maximum(0.0, 1.0 - c * c))
    return np.clip(rho * c + spread * x, -1.0, 1.0)


def drift_step_into(c: np.ndarray, rho: float, x: np.ndarray, work: np.ndarray) -> None:
    r""":func:`drift_step` in place: ``c`` becomes the next alignments, ``work`` is scratch.

    The same operations in the same order (``|c| <= 1``, so :math:`1 - c^2 \ge 0` exactly
    and the ``maximum(0, .)`` of :func:`drift_step` is the identity); ``work`` has
    ``c.size`` elements and may not overlap ``c`` or ``x``.

    Examples
    --------
    >>> c, x = np.array([1.0, 0.3, -0.7]), np.array([1.0, -1.0, 1.0])
    >>> expected = drift_step(c, 0.6, x)
    >>> drift_step_into(c, 0.6, x, np.empty(3))
    >>> bool(np.array_equal(c.view(np.uint64), expected.view(np.uint64)))
    True
    """
    spread = np.sqrt(max(0.0, 1.0 - rho * rho))
    np.multiply(c, c, out=work)
    np.subtract(1.0, work, out=work)
    np.sqrt(work, out=work)
    np.multiply(spread, work, out=work)
    np.multiply(work, x, out=work)
    np.multiply(c, rho, out=c)
    np.add(c, work, out=c)
    np.clip(c, -1.0, 1.0, out=c)


class SignStream:
    r"""``Generator.integers(0, 2)`` of one stream, read from its raw 64-bit words.

    numpy draws :math:`\{0, 1\}` (Lemire's method on a range of 2, never rejecting) as
    the top bit of a 32-bit draw, and the 32-bit draws of PCG64 are the low then the
    high half of each raw word.  :meth:`fill` reproduces that sequence from
    ``random_raw``, a word per two draws, and keeps an odd half for the next call, so
    any split of the draws into calls gives the numbers of one ``integers(0, 2, size)``
    call from the same state (the state's own buffered half, if any, comes first).
    The generator is left one half-word ahead of numpy's after an odd total; nothing
    draws from it afterwards.

    Parameters
    ----------
    generator : numpy.random.Generator
        A PCG64 generator (the stream blocks' bit generator), read from its current
        state.

    Examples
    --------
    >>> a, b = np.random.default_rng(4), np.random.default_rng(4)
    >>> bits = SignStream(a)
    >>> out = np.empty(7, np.int32)
    >>> bits.fill(out[:3]); bits.fill(out[3:])
    >>> out.tolist() == b.integers(0, 2, size=7).tolist()
    True
    """

    def __init__(self, generator: np.random.Generator) -> None:
        self.bit_generator = generator.bit_generator
        state = self.bit_generator.state
        if state["bit_generator"] != "PCG64" or sys.byteorder != "little":
            raise ValueError("SignStream reads the 32-bit halves of PCG64 on little-endian")
        self.pending = int(state["uinteger"]) >> 31 if state["has_uint32"] else -1

    def fill(self, out: np.ndarray) -> None:
        """Write the next ``out.size`` draws into ``out`` (an integer array)."""
        start = 0
        if self.pending >= 0 and out.size:
            out[0] = self.pending
            self.pending, start = -1, 1
        need = out.size - start
        if need <= 0:
            return
        halves = self.bit_generator.random_raw((need + 1) // 2).view(np.uint32)
        np.right_shift(halves[:need], np.uint32(31), out=out[start:], casting="unsafe")
        if need % 2:
            self.pending = int(halves[need]) >> 31


_SIGNS = np.array([-1.0, 1.0])


class SignDriftTable:
    r"""The drift recursion for :math:`D = 2` as a table of transitions between values.

    For :math:`D = 2` the increment is :math:`X = \pm 1`, so from a given alignment
    :math:`c` the recursion (:func:`drift_step`, as floating-point operations) can only
    go to two values.  The values a run reaches form a small set (from :math:`c_0 = 1`
    they are :math:`\cos(k\varphi)`, :math:`\varphi = \arccos\rho`, up to rounding:
    :math:`10^4` to :math:`10^5` distinct floats for :math:`10^5` chains over 1000
    takeovers, hardly more for :math:`3 \times 10^5`), so the engine numbers them (state
    0 is :math:`c = 1`) and steps a chain by one table look-up.  A chain holds its state
    doubled, :math:`2s`; its key is :math:`2s + b` with :math:`b = (X + 1)/2`, and
    :meth:`step` returns the doubled next state.  A transition is computed the first
    time it is needed, with :func:`drift_step_into` on its value, and a value is
    identified by its bits, so every chain goes through exactly the floats of the
    direct recursion: the results are bit-identical to it.

    Parameters
    ----------
    rho : float
        :math:`\rho \in (-1, 1)`.

    Attributes
    ----------
    values : numpy.ndarray
        ``values[s]`` is the alignment of state ``s`` (only the first :attr:`size`).
    size : int
        The number of states so far.

    Examples
    --------
    >>> table = SignDriftTable(0.6)
    >>> states = table.step(np.array([0, 1], np.int32))  # from c = 1: X = -1, +1
    >>> table.values[states >> 1].tolist(), table.size
    ([0.6, 0.6], 2)
    >>> c = np.array([0.6, 0.6])
    >>> drift_step_into(c, 0.6, np.array([-1.0, 1.0]), np.empty(2))
    >>> nxt = table.step(np.array([states[0], states[1] + 1], np.int32))
    >>> table.values[nxt >> 1].tolist() == c.tolist()
    True
    """

    def __init__(self, rho: float) -> None:
        if not -1.0 < rho < 1.0:
            raise ParameterError("rho", rho, "(-1, 1)", "rho = +-1 has closed forms")
        self.rho = float(rho)
        self.values = np.ones(1024)
        self.next = np.full(2 * self.values.size, -1, np.int32)
        self.size = 1
        self._ids = {np.float64(1.0).view(np.uint64).item(): 0}

    def step(self, keys: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``2 * next state`` (int32) for each ``key = 2 * state + bit``, into ``out``.

        ``keys`` are best of numpy's index type (``intp``): ``take`` converts others.
        """
        out = np.take(self.next, keys, out=out, mode="clip")
        if out.size and out.min() < 0:
            missing = np.flatnonzero(out < 0)
            unknown = keys[missing]
            # a few repeated keys cost less than sorting them away
            self._learn(unknown if unknown.size <= 256 else np.unique(unknown))
            out[missing] = self.next[unknown]
        return out

    def _learn(self, keys: np.ndarray) -> None:
        """Compute the transitions ``keys`` (unknown; repeats allowed), number new values."""
        c = self.values[keys >> 1]
        x = _SIGNS[keys & 1]  # 2.0 * bit - 1.0, as drift_increments makes it
        drift_step_into(c, self.rho, x, np.empty(c.size))
        table = self._ids  # bits of a value -> its state (setdefault numbers a new one)
        ids = np.array([table.setdefault(p, len(table)) for p in c.view(np.uint64).tolist()])
        grown = len(table)
        if grown > self.values.size:
            capacity = max(grown, 2 * self.values.size)
            self.values = np.resize(self.values, capacity)
            self.next = np.resize(self.next, 2 * capacity)
            self.next[2 * self.size :] = -1
        self.values[ids] = c  # rewrites known states with their own value
        self.size = grown
        self.next[keys] = 2 * ids
