r"""Exact Monte Carlo of the recursion of dominant optimizers, vectorised over replicates.

The chain :math:`O_0, O_1, \dots` of MODEL.md ("The recursion"): given that
:math:`O_n` is reached, its tenure :math:`\tau_n` has survival
:math:`e^{-\Lambda_n(t)}` and is infinite (never overthrown) with probability
:math:`q_n = e^{-\Lambda_n(\infty)}`, independently across levels.  The number of
takeovers is :math:`N = \min\{n : \tau_n = \infty\}`, the takeover times are
:math:`T_k = \tau_0 + \dots + \tau_{k-1}` (:math:`k \le N`), and at every takeover
the dominant utility drifts (:mod:`~supercoherence.models.engine.sampling`).

**Sampling order: N first, then finite tenures.**  The levels are independent, so
conditioning on :math:`N = k` (:math:`\tau_0, \dots, \tau_{k-1}` finite,
:math:`\tau_k` infinite) leaves :math:`\tau_0, \dots, \tau_{k-1}` independent, each
with its law *conditioned on being finite*: :math:`\tau_n = \Lambda_n^{-1}(E)` with
:math:`E` an exponential truncated to :math:`[0, \Lambda_n(\infty))`.  The engine
therefore draws :math:`\min(N, M)` by inverse CDF from one uniform per replicate,
then the finite tenures level by level, vectorised over the replicates still in
play, and stops a replicate as soon as its takeovers pass the horizon (later
tenures cannot change the output).  This is exact, and cheaper than drawing tenures
until the first infinite one: the law of :math:`N` costs :math:`O(1)` per
replicate whatever the horizon, the summary path
(:func:`estimate_tail_law`) draws nothing else, and a chain stopped by the
horizon needs no tenures beyond it.  A chain censored at :math:`M` takeovers
(``censored``) has its first :math:`M` tenures drawn conditionally on being finite
(which they are, given :math:`N \ge M`); nothing after the :math:`M`-th takeover is
simulated.

**Output** (one entry per replicate; see ``docs/ARCHITECTURE.md``):
``n_takeovers`` = :math:`\min(N, M)`; ``censored`` = :math:`N \ge M`;
``takeovers_by_horizon`` = :math:`K = \#\{k \le \min(N, M) : T_k \le T\}`;
``last_takeover_time`` = :math:`T_K` (0 if :math:`K = 0`; NaN for a chain without a
clock); ``first_takeover_time`` = :math:`T_1 = \tau_0` if :math:`K \ge 1`, else
:math:`\infty` (no takeover ever, or the first one after the horizon; NaN for a chain
without a clock), so that :math:`P(\text{first takeover time} > t) = e^{-\Lambda_0(t)}`
for every :math:`t \le T` whatever :math:`M` (the tenure :math:`\tau_0` drawn for
:math:`N \ge 1` is reused, no extra draw); ``final_alignment`` = :math:`w_K \cdot w_0`.

**Reproducibility.**  The random streams follow the fixed block grid of
:data:`~supercoherence.models.engine.sampling.STREAM_BLOCK` replicates; ``chunk_size``
only sets how many whole blocks are held in memory at once, so the same seed gives
identical arrays for every ``chunk_size`` (and for any split of the blocks among
workers).  Memory is :math:`O(\text{chunk\_size} + M)` apart from the optional
per-replicate table (and the drift table of :math:`D = 2`, typically well under a
megabyte and never more than about 32 MiB).

**Cost per takeover.**  The level loops keep the replicates still in play compacted
(one array pass per level to drop the leavers), draw each level's variates into
reused buffers and compute the tenures in place, so a simulated takeover costs one
uniform, the inverse-CDF arithmetic and a share of that compaction; for :math:`D = 2`
a drift step is half a raw word and one table look-up
(:class:`~supercoherence.models.engine.sampling.SignDriftTable`).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from supercoherence.checks import check_nonnegative, check_positive_int
from supercoherence.deprecation import renamed_function, warn_renamed
from supercoherence.errors import ParameterError
from supercoherence.models.engine.law import ChainLaw
from supercoherence.models.engine.sampling import (
    STREAM_BLOCK,
    SignDriftTable,
    SignStream,
    block_generators,
    drift_increments,
    drift_step_into,
)
from supercoherence.moments import mean_and_error, sum_of_squares, weighted_sum
from supercoherence.randomness import Seed

__all__ = [
    "COLUMNS",
    "DEFAULT_MAX_TAKEOVERS",
    "MAX_TAKEOVERS_LIMIT",
    "ChainResult",
    "ChainSummary",
    "Estimate",
    "estimate_tail_law",
    "simulate_chain",
]

COLUMNS = {
    "n_takeovers": np.int64,
    "censored": np.bool_,
    "takeovers_by_horizon": np.int64,
    "last_takeover_time": np.float64,
    "first_takeover_time": np.float64,
    "final_alignment": np.float64,
}
"""The replicate table's columns and dtypes."""

DEFAULT_MAX_TAKEOVERS = 1000
"""Censoring level ``max_takeovers`` when none is given (the engine and the studies)."""

MAX_TAKEOVERS_LIMIT = 10**6
"""Largest censoring level ``max_takeovers``: the law and summaries hold arrays of M + 1."""


class Estimate(NamedTuple):
    """A Monte Carlo estimate (scalar or array) with its standard error."""

    estimate: Any
    std_error: Any


def _mean(total: float, total_sq: float, n: int) -> Estimate:
    mean, se = mean_and_error(n, total, total_sq)
    return Estimate(float(mean), float(se))


@dataclass
class ChainSummary:
    """Streaming sufficient statistics of a replicate table (memory independent of size).

    Fill it with :meth:`add` chunk by chunk (or :meth:`merge` two of them, e.g. from
    two workers); read estimates with standard errors from the methods.

    Parameters
    ----------
    max_takeovers : int
        The censoring level :math:`M`.
    horizon : float
        The horizon :math:`T` the table was made at.

    Examples
    --------
    >>> s = ChainSummary(max_takeovers=2, horizon=np.inf)
    >>> s.add({"n_takeovers": np.array([0, 1, 2]), "censored": np.array([0, 0, 1], bool),
    ...        "takeovers_by_horizon": np.array([0, 1, 2]),
    ...        "last_takeover_time": np.array([0.0, 1.0, 2.0]),
    ...        "final_alignment": np.array([1.0, 0.5, 0.0])})
    >>> s.tail_law().estimate.tolist()
    [1.0, 0.6666666666666666, 0.3333333333333333]
    >>> round(s.mean_takeovers().estimate, 6), round(s.mean_final_alignment().estimate, 6)
    (1.0, 0.5)
    """

    max_takeovers: int
    horizon: float
    replicates: int = 0
    takeover_counts: np.ndarray = field(default=None)  # type: ignore[assignment]
    by_horizon_counts: np.ndarray = field(default=None)  # type: ignore[assignment]
    censored: int = 0
    time_sums: tuple[float, float] = (0.0, 0.0)
    alignment_sums: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self) -> None:
        if self.takeover_counts is None:
            self.takeover_counts = np.zeros(self.max_takeovers + 1, np.int64)
        if self.by_horizon_counts is None:
            self.by_horizon_counts = np.zeros(self.max_takeovers + 1, np.int64)

    def add(self, table: dict[str, np.ndarray]) -> None:
        """Add the replicates of a (chunk of a) table with the :data:`COLUMNS` (a time or
        alignment column left out makes its mean NaN)."""
        size = self.max_takeovers + 1
        self.replicates += int(table["n_takeovers"].size)
        self.takeover_counts += np.bincount(table["n_takeovers"], minlength=size)
        self.by_horizon_counts += np.bincount(table["takeovers_by_horizon"], minlength=size)
        self.censored += int(np.count_nonzero(table["censored"]))
        for name, attr in (
            ("last_takeover_time", "time_sums"),
            ("final_alignment", "alignment_sums"),
        ):
            if name not in table:  # not computed (simulate_chain's columns)
                setattr(self, attr, (np.nan, np.nan))
                continue
            x = table[name]
            old = getattr(self, attr)
            setattr(self, attr, (old[0] + float(x.sum()), old[1] + sum_of_squares(x)))

    def merge(self, other: ChainSummary) -> ChainSummary:
        """The summary of both runs' replicates together (same ``max_takeovers``, horizon).

        Examples
        --------
        >>> a = simulate_chain(0.5, 10, seed=1, max_takeovers=5, keep_replicates=False)
        >>> b = simulate_chain(0.5, 20, seed=2, max_takeovers=5, keep_replicates=False)
        >>> a.summary.merge(b.summary).replicates
        30
        """
        if (self.max_takeovers, self.horizon) != (other.max_takeovers, other.horizon):
            raise ParameterError(
                "other",
                (other.max_takeovers, other.horizon),
                f"a summary with max_takeovers = {self.max_takeovers}, horizon = {self.horizon}",
            )
        return ChainSummary(
            self.max_takeovers,
            self.horizon,
            self.replicates + other.replicates,
            self.takeover_counts + other.takeover_counts,
            self.by_horizon_counts + other.by_horizon_counts,
            self.censored + other.censored,
            tuple(a + b for a, b in zip(self.time_sums, other.time_sums, strict=True)),
            tuple(a + b for a, b in zip(self.alignment_sums, other.alignment_sums, strict=True)),
        )

    def tail_law(self) -> Estimate:
        r""":math:`P(N \ge n)`, :math:`n = 0, \dots, M`, with binomial standard errors."""
        at_least = np.cumsum(self.takeover_counts[::-1])[::-1]
        p = at_least / self.replicates
        return Estimate(p, np.sqrt(p * (1 - p) / self.replicates))

    def survival_law(self) -> Estimate:
        """Deprecated name of :meth:`tail_law` (issue 9)."""
        warn_renamed("ChainSummary.survival_law", "ChainSummary.tail_law")
        return self.tail_law()

    def _count_mean(self, counts: np.ndarray) -> Estimate:
        n = np.arange(counts.size, dtype=float)
        return _mean(weighted_sum(counts, n), weighted_sum(counts, n * n), self.replicates)

    def mean_takeovers(self) -> Estimate:
        r""":math:`E[\min(N, M)]` (equal to :math:`E[N]` when nothing is censored)."""
        return self._count_mean(self.takeover_counts)

    def censored_fraction(self) -> Estimate:
        r""":math:`P(N \ge M)`."""
        p = self.censored / self.replicates
        return Estimate(p, float(np.sqrt(p * (1 - p) / self.replicates)))

    def no_takeover_by_horizon(self) -> Estimate:
        r""":math:`P(\text{no takeover by } T) = P(K = 0)`."""
        p = self.by_horizon_counts[0] / self.replicates
        return Estimate(float(p), float(np.sqrt(p * (1 - p) / self.replicates)))

    def mean_takeovers_by_horizon(self) -> Estimate:
        """Expected number of takeovers by the horizon, :math:`E[K]`."""
        return self._count_mean(self.by_horizon_counts)

    def mean_last_takeover_time(self) -> Estimate:
        r""":math:`E[T_K]` (NaN for a chain without a clock)."""
        return _mean(*self.time_sums, self.replicates)

    def mean_final_alignment(self) -> Estimate:
        r""":math:`E[w_K \cdot w_0]`."""
        return _mean(*self.alignment_sums, self.replicates)


@dataclass(frozen=True)
class ChainResult:
    """Result of :func:`simulate_chain`: the summary and (optionally) the replicate table.

    Attributes
    ----------
    summary : ChainSummary
        Streaming statistics of all replicates (always present).
    law : ChainLaw
        The normalised law that was simulated.
    """

    summary: ChainSummary | None
    law: ChainLaw
    replicate_table: dict[str, np.ndarray] | None = None

    @property
    def table(self) -> dict[str, np.ndarray]:
        """The per-replicate table (dict of 1-d arrays, :data:`COLUMNS`).

        Raises
        ------
        ParameterError
            If the run was made with ``keep_replicates=False``.
        """
        if self.replicate_table is None:
            raise ParameterError("keep_replicates", False, "True", "this run kept only the summary")
        return self.replicate_table


class _ChunkStreams:
    """The generators of the whole stream blocks of one chunk.

    Replicates of the chunk are numbered from 0; block ``b`` of the chunk serves
    ``bounds[b]`` to ``bounds[b + 1] - 1``.  The level loops keep the replicates still
    in play compacted in ascending order, so each block's are contiguous, and
    :meth:`fill` draws a level's variates block by block into the matching slices of
    one buffer: for each block, exactly the variates the level-by-level rule of the
    module docstring assigns to it and in the same order.  Every sampler used gives the
    same numbers however a block's draws are split into calls (the only state is the
    bit generator's), so nothing is drawn ahead of its level.
    """

    def __init__(self, generators: list[np.random.Generator], sizes: list[int]) -> None:
        self.generators = generators
        self.sizes = sizes
        self.bounds = np.cumsum([0, *sizes])

    def raw(self) -> np.ndarray:
        """One raw 64-bit word per replicate: each block's first draw."""
        parts = [
            g.bit_generator.random_raw(s) for g, s in zip(self.generators, self.sizes, strict=True)
        ]
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def counts(self, index: np.ndarray) -> np.ndarray:
        """Replicates of ``index`` (ascending) in each block."""
        if len(self.sizes) == 1:
            return np.array([index.size])
        return np.diff(np.searchsorted(index, self.bounds))

    def alive(self, steps: np.ndarray) -> np.ndarray:
        """``alive[level, b]``: replicates of block ``b`` with ``steps > level``."""
        top = int(steps.max(initial=0))
        table = np.empty((max(top, 1), len(self.sizes)), np.int64)
        for b, (lo, hi) in enumerate(itertools.pairwise(self.bounds.tolist())):
            ended = np.cumsum(np.bincount(steps[lo:hi], minlength=top + 1))
            table[:, b] = (hi - lo) - ended[: table.shape[0]]
        return table

    def totals(self, steps: np.ndarray) -> np.ndarray:
        """Per block, the sum of ``steps`` (the variates a level loop over them draws)."""
        return np.add.reduceat(steps, self.bounds[:-1]) if steps.size else steps[:0]

    @staticmethod
    def fill(counts: np.ndarray, out: np.ndarray, fillers: list[Callable[[np.ndarray], Any]]):
        """Block ``b`` fills the next ``counts[b]`` entries of ``out`` with ``fillers[b]``."""
        lo = 0
        for filler, k in zip(fillers, counts.tolist(), strict=True):
            if k:
                filler(out[lo : lo + k])
                lo += k

    def skip(self, totals: np.ndarray) -> None:
        """Advance block ``b``'s stream past ``totals[b]`` uniforms (64-bit draws) unread."""
        for g, k in zip(self.generators, totals, strict=True):
            if k:
                g.bit_generator.advance(int(k))


def _chunks(
    generators: list[np.random.Generator], replicates: int, chunk_size: int
) -> Iterator[tuple[int, int, _ChunkStreams]]:
    per_chunk = max(1, chunk_size // STREAM_BLOCK)
    for first in range(0, len(generators), per_chunk):
        blocks = range(first, min(first + per_chunk, len(generators)))
        sizes = [min(STREAM_BLOCK, replicates - b * STREAM_BLOCK) for b in blocks]
        start = first * STREAM_BLOCK
        yield start, start + sum(sizes), _ChunkStreams([generators[b] for b in blocks], sizes)


def _with_steps(steps: np.ndarray) -> np.ndarray:
    """Replicates with ``steps > 0``, ascending, as int32 when the chunk allows it."""
    index = np.flatnonzero(steps > 0)
    return index.astype(np.int32) if steps.size < 2**31 else index


def _without(where: np.ndarray, *arrays: np.ndarray) -> list[np.ndarray]:
    """The arrays (of one length) with the positions ``where`` removed (one mask)."""
    keep = np.ones(arrays[0].size, bool)
    keep[where] = False
    return [a[keep] for a in arrays]


class _InPlay:
    """The replicates still in play in a level loop, and where they sit.

    The loop's arrays hold one entry per replicate in play, in ascending replicate
    order, and are compacted at every level (they must line up with the level's
    draws).  The replicates' own index is compacted only once the ones removed since
    exceed 1/16 of it: a replicate's position is its position in that index minus the
    number removed since with a smaller index, so a level costs one compaction of the
    loop's arrays, not two.  Compactions go through one reused mask (all True between
    them), so a level allocates only the compacted array.
    """

    def __init__(self, index: np.ndarray) -> None:
        self.index = index
        self.removed = index[:0]
        self.keep = np.ones(index.size, bool)  # reused by _compact(): all True between calls

    def find(self, leaving: np.ndarray) -> np.ndarray:
        """Positions of the replicates ``leaving`` (ascending, in play)."""
        where = np.searchsorted(self.index, leaving)
        if self.removed.size:
            where -= np.searchsorted(self.removed, leaving)
        return where

    def drop(self, leaving: np.ndarray) -> None:
        """Take the replicates ``leaving`` (ascending, in play) out of play."""
        # a stable sort of two ascending runs is one merge
        self.removed = np.sort(np.concatenate([self.removed, leaving]), kind="stable")
        if 16 * self.removed.size > self.index.size:
            self.index = self._compact(self.index, np.searchsorted(self.index, self.removed))
            self.removed = self.removed[:0]

    def _compact(self, values: np.ndarray, where: np.ndarray) -> np.ndarray:
        """``values`` without the positions ``where``."""
        keep = self.keep[: values.size]
        keep[where] = False
        values = values[keep]
        keep[where] = True
        return values

    def release(
        self,
        leaving: np.ndarray,
        values: np.ndarray,
        out: np.ndarray,
        read: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> np.ndarray:
        """Write the outputs of the replicates ``leaving`` and take them out of play.

        ``out[leaving]`` gets their entries of the loop array ``values`` (through
        ``read``, if given); returns ``values`` without them.
        """
        where = self.find(leaving)
        mine = values[where]
        out[leaving] = mine if read is None else read(mine)
        values = self._compact(values, where)
        self.drop(leaving)
        return values


def _takeover_times(
    law: ChainLaw, n: np.ndarray, horizon: float, streams: _ChunkStreams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Takeovers by the horizon and the times of the first and last ones, level by level.

    The replicates still in play are kept compacted (ascending index, so each block's
    are contiguous); a replicate leaves when its chain ends or its next takeover falls
    after the horizon, and only then are its outputs written.  Each level's uniforms are
    drawn into one reused buffer and turned into tenures in place
    (:meth:`~supercoherence.models.engine.law.ChainLaw.finite_tenure`); with an
    infinite horizon the times accumulate in place too.
    """
    by_horizon = np.zeros(n.size, np.int64)
    last = np.zeros(n.size)
    first = np.full(n.size, np.inf)
    index = _with_steps(n)
    time = np.zeros(index.size)
    buffer = np.empty(index.size)
    finite = horizon != np.inf
    alive = None if finite else streams.alive(n)
    fillers = [functools.partial(_uniforms, g) for g in streams.generators]
    exits = _Exits(n, index.dtype)
    level = 0
    if not finite:  # every replicate plays all its n levels: no horizon to check
        in_play = _InPlay(index)
        while time.size:
            v = buffer[: time.size]
            streams.fill(alive[level], v, fillers)
            np.add(time, law.finite_tenure(level, v, overwrite=True), out=time)
            if level == 0:
                first[index] = time
            level += 1
            leaving = exits.at(level)
            if leaving.size:
                time = in_play.release(leaving, time, last)
        by_horizon[:] = n
        return by_horizon, last, first
    while index.size:
        v = buffer[: index.size]
        streams.fill(streams.counts(index), v, fillers)
        t = time + law.finite_tenure(level, v, overwrite=True)
        in_time = t <= horizon
        if not in_time.all():
            late = ~in_time
            last[index[late]] = time[late]
            by_horizon[index[late]] = level
            index, t = index[in_time], t[in_time]
        if level == 0:
            first[index] = t
        level += 1
        leaving = exits.at(level)
        if leaving.size and index.size:
            where = np.searchsorted(index, leaving)
            # some may have left already, at the horizon
            where = where[index[np.minimum(where, index.size - 1)] == leaving]
            last[index[where]] = t[where]
            by_horizon[index[where]] = level
            index, t = _without(where, index, t)
        time = t
    return by_horizon, last, first


#: States of the :class:`~supercoherence.models.engine.sampling.SignDriftTable` beyond
#: which a run goes on with the direct recursion (the table then holds at most about
#: 2^21 states, 32 MiB; runs of 10^5 chains over 1000 takeovers visit 10^4 - 10^5).
_MAX_DRIFT_STATES = 2**20


def _final_alignment(
    law: ChainLaw, steps: np.ndarray, streams: _ChunkStreams, cache: dict[Any, Any]
) -> np.ndarray:
    r""":math:`w_K \cdot w_0` after ``steps`` = K drifts, level by level.

    Each level draws one drift variate per replicate still drifting (ascending
    replicate within its block: the level-by-level rule) into a reused buffer.  For
    :math:`D = 2` the variates are signs read from the raw words
    (:class:`~supercoherence.models.engine.sampling.SignStream`) and a chain moves by one
    look-up in a table of the values reached
    (:class:`~supercoherence.models.engine.sampling.SignDriftTable`, shared by the
    chunks of a run through ``cache``); otherwise (or once the table outgrows
    ``_MAX_DRIFT_STATES``) the recursion
    :func:`~supercoherence.models.engine.sampling.drift_step_into` runs in place.  Both
    give the floats of the direct recursion, bit for bit.
    """
    rho = law.drift
    if rho == 1.0:
        return np.ones(steps.size)
    if rho == -1.0:
        return np.where(steps % 2 == 0, 1.0, -1.0)
    out = np.ones(steps.size)
    index = _with_steps(steps)
    if not index.size:
        return out
    alive = streams.alive(steps)
    exits = _Exits(steps, index.dtype)
    in_play = _InPlay(index)
    level = 0
    signs = _sign_streams(law, streams)
    if signs is not None:
        table = cache.get(("drift table", rho))
        if table is None:
            table = cache[("drift table", rho)] = SignDriftTable(rho)
        fillers = [s.fill for s in signs]
        state = np.zeros(index.size, np.int32)  # 2 * state; state 0 is c = 1
        keys = np.empty(index.size, np.intp)  # take() wants its own index type
        while state.size and table.size <= _MAX_DRIFT_STATES:
            k = keys[: state.size]
            streams.fill(alive[level], k, fillers)
            np.add(k, state, out=k)
            table.step(k, out=state)
            level += 1
            leaving = exits.at(level)
            if leaving.size:
                state = in_play.release(leaving, state, out, lambda s: table.values[s >> 1])
        if not state.size:
            return out
        c = table.values[state >> 1]
        fillers = [functools.partial(_sign_increments, s) for s in signs]
    else:
        c = np.ones(index.size)
        fillers = [
            functools.partial(_increments, g, law.utility_dimension) for g in streams.generators
        ]
    x_buffer, work_buffer = np.empty(c.size), np.empty(c.size)
    while c.size:
        x, work = x_buffer[: c.size], work_buffer[: c.size]
        streams.fill(alive[level], x, fillers)
        drift_step_into(c, rho, x, work)
        level += 1
        leaving = exits.at(level)
        if leaving.size:
            c = in_play.release(leaving, c, out)
    return out


def _sign_streams(law: ChainLaw, streams: _ChunkStreams) -> list[SignStream] | None:
    """The blocks' sign streams for :math:`D = 2` (None where they do not apply)."""
    if law.utility_dimension != 2:
        return None
    try:
        return [SignStream(g) for g in streams.generators]
    except ValueError:  # not PCG64 halves on this platform: numpy's own draws
        return None


def _sign_increments(signs: SignStream, out: np.ndarray) -> None:
    """``2 B - 1`` for the next sign draws ``B``, as :func:`drift_increments` makes them."""
    bits = np.empty(out.size, np.int32)
    signs.fill(bits)
    np.multiply(bits, 2.0, out=out)
    np.subtract(out, 1.0, out=out)


def _increments(g: np.random.Generator, dimension: int, out: np.ndarray) -> None:
    out[...] = drift_increments(g, out.size, dimension)


def _uniforms(g: np.random.Generator, out: np.ndarray) -> None:
    g.random(out=out)


class _Exits:
    """The replicates whose ``steps`` equal each level, in ascending order.

    Built once (a stable counting sort: radix sort for small levels), so a level loop
    finds the replicates leaving it without scanning those that stay.
    """

    def __init__(self, steps: np.ndarray, dtype: Any = np.int64) -> None:
        top = int(steps.max(initial=0))
        keys = steps.astype(np.uint16) if top < 2**16 else steps
        self.order = np.argsort(keys, kind="stable").astype(dtype, copy=False)
        self.starts = np.searchsorted(keys[self.order], np.arange(top + 2))

    def at(self, level: int) -> np.ndarray:
        """Replicates with ``steps == level`` (empty beyond the largest)."""
        if level + 1 >= self.starts.size:
            return self.order[:0]
        return self.order[self.starts[level] : self.starts[level + 1]]


#: Columns every chunk has; the others are computed only when asked for.
_ALWAYS = ("n_takeovers", "censored", "takeovers_by_horizon")
_TIME_COLUMNS = ("last_takeover_time", "first_takeover_time")


def _simulate_chunk(
    law: ChainLaw,
    horizon: float,
    streams: _ChunkStreams,
    columns: frozenset[str],
    cache: dict[Any, Any],
) -> dict[str, np.ndarray]:
    n = law.count_sampler.sample(streams.raw())
    part = {"n_takeovers": n, "censored": n >= law.max_takeovers}
    # takeovers_by_horizon needs the takeover times unless the horizon is infinite
    needs_times = bool(columns & set(_TIME_COLUMNS)) or horizon != np.inf
    if not law.has_clock:
        by_horizon = n.copy()
        part["last_takeover_time"] = np.full(n.size, np.nan)
        part["first_takeover_time"] = np.full(n.size, np.nan)
    elif needs_times:
        by_horizon, part["last_takeover_time"], part["first_takeover_time"] = _takeover_times(
            law, n, horizon, streams
        )
    else:  # infinite horizon, no time asked for: skip the tenures' uniforms unread
        by_horizon = n.copy()
        if "final_alignment" in columns:
            streams.skip(streams.totals(n))
    part["takeovers_by_horizon"] = by_horizon
    if "final_alignment" in columns:
        part["final_alignment"] = _final_alignment(law, by_horizon, streams, cache)
    return {name: part[name] for name in COLUMNS if name in part and name in columns | set(_ALWAYS)}


def simulate_chain(
    model: Any,
    replicates: int,
    *,
    seed: Seed,
    horizon: float = np.inf,
    max_takeovers: int = DEFAULT_MAX_TAKEOVERS,
    chunk_size: int = 2**18,
    keep_replicates: bool = True,
    drift: float | None = None,
    utility_dimension: int | None = None,
    columns: Collection[str] | None = None,
    on_chunk: Callable[[dict[str, np.ndarray]], None] | None = None,
    summarise: bool = True,
) -> ChainResult:
    r"""Simulate the recursion exactly: takeovers, their times and the value drift.

    Parameters
    ----------
    model : TakeoverScenario, HazardFamily, float, sequence or callable
        The chain: a scenario (level-dependent hazards, escalation, drift), a hazard
        family of :mod:`supercoherence.theory.hazard` (the same hazard at every
        level), or never-overthrown probabilities ``q`` (a number, a sequence of at
        least ``max_takeovers`` values, or a vectorised callable of ``n``; no clock).
    replicates : int
        Number of independent chains, >= 1.
    seed : int, Generator, SeedSequence or None
        The run's seed (see the module docstring for the stream rule).  An int or
        a SeedSequence names the stream; a Generator is consumed (each call takes
        a fresh child of it, :func:`~supercoherence.randomness.as_seed_sequence`).
    horizon : float, optional
        :math:`T \ge 0`; takeovers after it are not counted (default: infinity).
        Must be infinite for a model without a clock.
    max_takeovers : int, optional
        Censoring level :math:`M \ge 1` (default 1000).
    chunk_size : int, optional
        Replicates held in memory at once, rounded down to whole stream blocks of
        :data:`~supercoherence.models.engine.sampling.STREAM_BLOCK` (at least one).
        Does not change the results.
    keep_replicates : bool, optional
        Keep the per-replicate table (default); with ``False`` only the streaming
        :class:`ChainSummary` is kept and memory does not grow with ``replicates``.
    drift, utility_dimension : optional
        :math:`\rho` and :math:`D` for a model that does not carry them (default
        1 and 2); an error beside a scenario.
    columns : collection of str, optional
        The columns wanted (default: all of :data:`COLUMNS`).  ``n_takeovers``,
        ``censored`` and ``takeovers_by_horizon`` are always computed; the tenures
        are drawn only for a time column (or a finite horizon), the drift only for
        ``final_alignment``.  A column left out changes none of the others: the
        variates it would have used are skipped in their streams, not reused.
    on_chunk : callable, optional
        Called with each chunk's table (a dict of the computed columns) as it is
        made, e.g. to stream sufficient statistics without keeping the table.
    summarise : bool, optional
        Fill the :class:`ChainSummary` (default); ``False`` leaves ``.summary`` None,
        for a caller that keeps its own statistics through ``on_chunk``.

    Returns
    -------
    ChainResult
        ``.table`` (the columns of :data:`COLUMNS`) and ``.summary``.

    Raises
    ------
    ParameterError
        If ``replicates < 1``, ``max_takeovers < 1``, ``chunk_size < 1``,
        ``horizon < 0`` (or finite without a clock), or the model is invalid
        (see :meth:`~supercoherence.models.engine.law.ChainLaw.from_model`).

    Examples
    --------
    >>> res = simulate_chain(0.5, 1000, seed=1, max_takeovers=50, drift=0.5)
    >>> sorted(res.table)  # doctest: +NORMALIZE_WHITESPACE
    ['censored', 'final_alignment', 'first_takeover_time', 'last_takeover_time',
     'n_takeovers', 'takeovers_by_horizon']
    >>> est = res.summary.mean_takeovers()  # E[N] = (1 - q)/q = 1
    >>> abs(est.estimate - 1.0) < 4 * est.std_error
    True
    >>> from supercoherence.theory.hazard import EntrenchmentHazard
    >>> res = simulate_chain(EntrenchmentHazard(1, 1), 1000, seed=2, horizon=1.0)
    >>> p = res.summary.no_takeover_by_horizon()  # exp(-(1 - e^-1))
    >>> bool(abs(p.estimate - np.exp(np.expm1(-1.0))) < 4 * p.std_error)
    True
    >>> first = res.table["first_takeover_time"]  # tau_0 if <= horizon, else inf
    >>> bool(np.all((first <= 1.0) == (res.table["takeovers_by_horizon"] > 0)))
    True

    Notes
    -----
    Cost: one raw word per replicate for :math:`N`, plus one uniform (tenure) and
    one drift variate per takeover actually simulated, i.e. per takeover by the
    horizon (at most :math:`M`).  For the law of :math:`N` alone,
    :func:`estimate_tail_law` is several times faster.
    """
    replicates = check_positive_int("replicates", replicates)
    chunk_size = check_positive_int("chunk_size", chunk_size)
    check_nonnegative("horizon", horizon)
    horizon = float(horizon)
    if isinstance(max_takeovers, int | np.integer) and max_takeovers > MAX_TAKEOVERS_LIMIT:
        raise ParameterError(
            "max_takeovers",
            max_takeovers,
            f"[1, {MAX_TAKEOVERS_LIMIT}]",
            "memory grows with max_takeovers",
        )
    law = ChainLaw.from_model(
        model, max_takeovers, drift=drift, utility_dimension=utility_dimension
    )
    if not law.has_clock and horizon != np.inf:
        raise ParameterError(
            "horizon",
            horizon,
            "inf for a model without a clock",
            "pass a TakeoverScenario or a hazard family to get takeover times",
        )
    wanted = _check_columns(columns)
    summary = ChainSummary(law.max_takeovers, horizon) if summarise else None
    table = None
    cache: dict[Any, Any] = {}  # shared by the chunks (the drift table)
    for start, stop, streams in _chunks(block_generators(seed, replicates), replicates, chunk_size):
        part = _simulate_chunk(law, horizon, streams, wanted, cache)
        if summary is not None:
            summary.add(part)
        if on_chunk is not None:
            on_chunk(part)
        if keep_replicates:
            if table is None:
                table = {name: np.empty(replicates, COLUMNS[name]) for name in part}
            for name, column in table.items():
                column[start:stop] = part[name]
    return ChainResult(summary, law, table)


def _check_columns(columns: Collection[str] | None) -> frozenset[str]:
    if columns is None:
        return frozenset(COLUMNS)
    unknown = sorted(set(columns) - set(COLUMNS))
    if unknown:
        raise ParameterError("columns", unknown[0], f"names among {list(COLUMNS)}")
    return frozenset(columns)


def estimate_tail_law(model: Any, n_max: int, replicates: int, *, seed: Seed) -> np.ndarray:
    r"""Counts of :math:`N \ge n`, :math:`n = 0, \dots, n_{\max}`, without per-replicate arrays.

    Draws exactly the :math:`N` of :func:`simulate_chain` with the same seed and
    ``max_takeovers = n_max`` (one raw word per replicate, block by block) and tallies
    them in a fixed-size table, so memory is :math:`O(\text{STREAM\_BLOCK} + n_{\max})`
    for any number of replicates.

    Parameters
    ----------
    model : TakeoverScenario, HazardFamily, float, sequence or callable
        As in :func:`simulate_chain` (only the :math:`q_n` are used).
    n_max : int
        Largest :math:`n`, >= 1.
    replicates : int
        Number of replicates, >= 1.
    seed : int, Generator, SeedSequence or None
        The run's seed.

    Returns
    -------
    numpy.ndarray of int64, shape (n_max + 1,)
        ``counts[n]`` = number of replicates with :math:`N \ge n`; divide by
        ``replicates`` for :math:`P(N \ge n)`.

    Raises
    ------
    ParameterError
        If ``n_max < 1``, ``replicates < 1`` or the model is invalid.

    Examples
    --------
    >>> counts = estimate_tail_law(lambda n: 1 / (n + 2) ** 2, 3, 10**5, seed=0)
    >>> p, exact = counts / 10**5, np.array([1, 3/4, 2/3, 5/8])  # (n + 2)/(2(n + 1))
    >>> bool(np.all(np.abs(p - exact) <= 4 * np.sqrt(exact * (1 - exact) / 10**5)))
    True
    >>> res = simulate_chain(lambda n: 1 / (n + 2) ** 2, 10**5, seed=0, max_takeovers=3)
    >>> bool(np.all(counts == [np.count_nonzero(res.table["n_takeovers"] >= n) for n in range(4)]))
    True

    Notes
    -----
    Per replicate: one raw word, a shift, a cell count and a table look-up; a binary
    search only for the at most ``n_max / 65536`` fraction of uniforms that fall in a
    cell holding a threshold.
    """
    n_max = check_positive_int("n_max", n_max)
    replicates = check_positive_int("replicates", replicates)
    law = ChainLaw.from_model(model, n_max)
    sampler = law.count_sampler
    cells, resolved = sampler.empty_tally()
    scratch = np.empty(min(replicates, STREAM_BLOCK), np.uint64)
    for block, generator in enumerate(block_generators(seed, replicates)):
        size = min(STREAM_BLOCK, replicates - block * STREAM_BLOCK)
        sampler.tally(generator.bit_generator.random_raw(size), cells, resolved, scratch)
    counts = sampler.counts(cells, resolved)
    return np.cumsum(counts[::-1])[::-1]


#: Deprecated alias of :func:`estimate_tail_law` (issue 9).
estimate_survival_law = renamed_function(estimate_tail_law, "estimate_survival_law")
