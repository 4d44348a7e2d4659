r"""The per-level event table: each dominant optimizer's tenure, or its censored age.

A finite run never sees "forever"; what it does see, for every replicate and every
dominant optimizer :math:`O_n` reached before the horizon :math:`T`, is either the
takeover that ended it (its *tenure* :math:`\tau_n`, an observed event) or the fact
that it was still in place at :math:`T` (its age :math:`T - S_n` there, a
right-censored observation; :math:`S_n = \tau_0 + \dots + \tau_{n-1}` is its start
time).  This is the input of the survival analysis of
:mod:`supercoherence.simulations.verdict`.

**Columns** (:data:`EVENT_COLUMNS`), one row per (replicate, level) reached by the
horizon, sorted by replicate then level:

==============  =======  ==========================================================
column          dtype    meaning
==============  =======  ==========================================================
``replicate``   int64    replicate index
``level``       int64    :math:`n`, the index of the dominant optimizer
``start``       float64  :math:`S_n`, the time it took over (0 for the first)
``age``         float64  :math:`\min(\tau_n, T - S_n) + e_n`: tenure if observed,
                         else the age at the horizon
``entry``       float64  :math:`e_n`, its age at time 0 (left truncation; 0 except
                         for an initial optimizer that was already in place)
``observed``    bool     the takeover ending it happened at or before :math:`T`
``censored``    bool     ``not observed`` (still in place at :math:`T`)
==============  =======  ==========================================================

**Exact sampling (chain).**  Levels are independent given that they are reached, and
the tenure of level :math:`n` has survival :math:`e^{-\Lambda_n(\tau)}`, so
:math:`\tau_n = \Lambda_n^{-1}(E_n)`, :math:`E_n \sim \mathrm{Exp}(1)`, exactly, and
:math:`\tau_n = \infty` (never overthrown: censored at the horizon) with probability
:math:`q_n = e^{-\Lambda_n(\infty)}`.  :func:`iter_events` draws level by level,
vectorised over the replicates still in play (all at the same level at each step).
The replicates follow a fixed grid of stream blocks of :data:`EVENT_BLOCK`
replicates; block :math:`b` draws only from its own PCG64 stream, a child of the
run's seed reserved for event tables (so it does not coincide with
:func:`~supercoherence.models.engine.simulate_chain`'s streams of the same seed).
``chunk_size`` only groups whole blocks, so the table is identical for every chunk
size, and a huge run can be streamed to Parquet chunk by chunk
(:func:`write_events`) without holding it in memory.

**The Mesa model.**  :func:`lineage_events` reads the same table off a run of
:class:`~supercoherence.models.nested.NestedOptimizerModel`: its ``lineage`` holds one
edge ``old -> new`` per top-level takeover with its exact ``time``, so the root chain
gives the rows directly (the level of the :math:`k`-th root is the initial root's
level plus :math:`k`).  With nesting off and a single root the top-level process is
the recursion itself, so both tables have the same law (tested).  :func:`abm_events`
runs replicates seeded exactly like
:func:`~supercoherence.models.nested.simulate_abm` and concatenates their tables.

References
----------
.. [1] D. R. Cox and D. Oakes, *Analysis of Survival Data*, Chapman & Hall (1984),
   ch. 1-2 (right censoring, left truncation).
.. [2] L. Devroye, *Non-Uniform Random Variate Generation*, Springer (1986), sec. II.2
   (inversion).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from supercoherence.checks import check_nonnegative, check_positive_int
from supercoherence.errors import ParameterError
from supercoherence.randomness import Seed, as_seed_sequence, spawn_seeds

__all__ = [
    "EVENT_BLOCK",
    "EVENT_COLUMNS",
    "abm_events",
    "event_table",
    "iter_events",
    "lineage_events",
    "read_events",
    "write_events",
]

EVENT_COLUMNS: dict[str, type] = {
    "replicate": np.int64,
    "level": np.int64,
    "start": np.float64,
    "age": np.float64,
    "entry": np.float64,
    "observed": np.bool_,
    "censored": np.bool_,
}
"""The event table's columns and dtypes, in order."""

EVENT_BLOCK = 4096
"""Replicates per random stream of the event sampler (the reproducibility grid)."""

_STREAM_TAG = 0x65766E74  # "evnt": the child of the run's seed reserved for event tables

#: Default cap on the levels drawn per replicate (a guard against runaway chains).
DEFAULT_MAX_LEVELS = 10_000


def _empty() -> pd.DataFrame:
    return pd.DataFrame({name: np.empty(0, dtype) for name, dtype in EVENT_COLUMNS.items()})


def _frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    observed = np.asarray(columns["observed"], dtype=bool)
    out = {
        name: np.asarray(columns[name], dtype)
        for name, dtype in EVENT_COLUMNS.items()
        if name != "censored"
    }
    out["censored"] = ~observed
    return pd.DataFrame({name: out[name] for name in EVENT_COLUMNS})


def _inverse(model: Any) -> Any:
    """``(level, y) -> Lambda_level^{-1}(y)`` of a scenario or a hazard family."""
    if hasattr(model, "inverse_cumulative_hazard") and hasattr(model, "q"):
        return lambda level, y: np.asarray(model.inverse_cumulative_hazard(level, y), float)
    if hasattr(model, "inverse_cumulative_numeric"):
        return lambda level, y: np.asarray(model.inverse_cumulative_numeric(y), float)
    raise ParameterError(
        "model",
        type(model).__name__,
        "a TakeoverScenario or a hazard family of supercoherence.theory.hazard (a clock)",
    )


def _block_events(
    inverse: Any,
    rng: np.random.Generator,
    first: int,
    size: int,
    horizon: float,
    max_levels: int,
) -> dict[str, np.ndarray]:
    """The rows of replicates ``first .. first + size - 1`` from one block's stream."""
    parts: list[tuple[np.ndarray, ...]] = []
    active = np.arange(size)
    start = np.zeros(size)
    level = 0
    while active.size and level < max_levels:
        tenure = inverse(level, rng.standard_exponential(active.size))
        s = start[active]
        end = s + tenure
        observed = end <= horizon
        age = np.where(observed, tenure, horizon - s)
        parts.append((active, np.full(active.size, level), s, age, observed))
        active = active[observed]
        start[active] = end[observed]
        level += 1
    if not parts:
        return {name: np.empty(0, dtype) for name, dtype in EVENT_COLUMNS.items()}
    rep, lev, s, age, obs = (np.concatenate(c) for c in zip(*parts, strict=True))
    order = np.lexsort((lev, rep))
    return {
        "replicate": rep[order] + first,
        "level": lev[order],
        "start": s[order],
        "age": age[order],
        "entry": np.zeros(rep.size),
        "observed": obs[order],
    }


def _block_seeds(seed: Seed, blocks: int) -> list[np.random.SeedSequence]:
    root = as_seed_sequence(seed)
    events_root = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, _STREAM_TAG))
    return spawn_seeds(events_root, blocks)


def iter_events(
    model: Any,
    replicates: int,
    *,
    seed: Seed,
    horizon: float,
    max_levels: int = DEFAULT_MAX_LEVELS,
    chunk_size: int = 2**16,
) -> Iterator[pd.DataFrame]:
    r"""Stream the chain's event table in chunks of whole stream blocks.

    Parameters
    ----------
    model : TakeoverScenario or hazard family
        The chain: a scenario (level-dependent hazards) or a hazard family of
        :mod:`supercoherence.theory.hazard` (the same hazard at every level).
    replicates : int
        Number of independent chains, >= 1.
    seed : int, Generator, SeedSequence or None
        The run's seed; the same seed gives the same table whatever ``chunk_size``.
    horizon : float
        :math:`T`, finite and > 0: optimizers still in place then are censored.
    max_levels : int, optional
        Levels drawn at most per replicate (a replicate reaching it simply has no
        rows beyond; the rows drawn are unaffected).
    chunk_size : int, optional
        Replicates per yielded chunk, rounded down to whole blocks of
        :data:`EVENT_BLOCK` (at least one block).

    Yields
    ------
    pandas.DataFrame
        Consecutive chunks with the columns :data:`EVENT_COLUMNS`.

    Raises
    ------
    ParameterError
        For a non-positive ``replicates``, ``max_levels`` or ``chunk_size``, a horizon
        that is negative, zero or infinite, or a model without a clock.

    Examples
    --------
    >>> from supercoherence.theory.hazard import ConstantHazard
    >>> chunks = list(iter_events(ConstantHazard(0.5), 5000, seed=1, horizon=2.0,
    ...                           chunk_size=4096))
    >>> [len(set(c["replicate"])) for c in chunks]
    [4096, 904]
    >>> first = pd.concat(chunks).query("level == 0")
    >>> p = float(first["censored"].mean())  # P(tau_0 > 2) = exp(-1)
    >>> bool(abs(p - np.exp(-1)) < 4 * np.sqrt(p * (1 - p) / 5000))
    True
    """
    replicates = check_positive_int("replicates", replicates)
    max_levels = check_positive_int("max_levels", max_levels)
    chunk_size = check_positive_int("chunk_size", chunk_size)
    horizon = _check_horizon(horizon)
    inverse = _inverse(model)
    blocks = -(-replicates // EVENT_BLOCK)
    seeds = _block_seeds(seed, blocks)
    per_chunk = max(1, chunk_size // EVENT_BLOCK)
    for first_block in range(0, blocks, per_chunk):
        parts = []
        for b in range(first_block, min(first_block + per_chunk, blocks)):
            size = min(EVENT_BLOCK, replicates - b * EVENT_BLOCK)
            rng = np.random.Generator(np.random.PCG64(seeds[b]))
            parts.append(_block_events(inverse, rng, b * EVENT_BLOCK, size, horizon, max_levels))
        yield _frame({k: np.concatenate([p[k] for p in parts]) for k in parts[0]})


def _check_horizon(horizon: Any) -> float:
    check_nonnegative("horizon", horizon)
    value = float(horizon)
    if not (math.isfinite(value) and value > 0):
        raise ParameterError(
            "horizon",
            horizon,
            "a finite time > 0",
            "censoring needs a horizon; infinite tenures are what is being estimated",
        )
    return value


def event_table(
    model: Any, replicates: int, *, seed: Seed, horizon: float, **options: Any
) -> pd.DataFrame:
    r"""The whole event table of the chain in memory: :func:`iter_events`'s chunks joined.

    Parameters
    ----------
    model, replicates, seed, horizon, **options
        As in :func:`iter_events` (``options``: ``max_levels``, ``chunk_size``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`EVENT_COLUMNS`.

    Examples
    --------
    >>> from supercoherence.theory.scenario import TakeoverScenario
    >>> sc = TakeoverScenario(spawn_rate=4.0, entrenchment_rate=0.5)
    >>> table = event_table(sc, 200, seed=3, horizon=10.0)
    >>> list(table.columns)
    ['replicate', 'level', 'start', 'age', 'entry', 'observed', 'censored']
    >>> table.equals(event_table(sc, 200, seed=3, horizon=10.0, chunk_size=1))
    True
    >>> bool(table.groupby("replicate")["censored"].sum().eq(1).all())  # one censored each
    True
    """
    chunks = list(iter_events(model, replicates, seed=seed, horizon=horizon, **options))
    return pd.concat(chunks, ignore_index=True) if chunks else _empty()


def write_events(path: str | PathLike[str], chunks: pd.DataFrame | Iterable[pd.DataFrame]) -> int:
    """Write an event table (or a stream of chunks) to one Parquet file, chunk by chunk.

    Parameters
    ----------
    path : str or path-like
        The Parquet file to write (overwritten).
    chunks : pandas.DataFrame or iterable of pandas.DataFrame
        A table or the chunks of :func:`iter_events`; only one chunk is held at a time.

    Returns
    -------
    int
        Number of rows written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from supercoherence.theory.hazard import ConstantHazard
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "events.parquet"
    >>> table = event_table(ConstantHazard(1.0), 300, seed=0, horizon=1.0)
    >>> write_events(path, iter_events(ConstantHazard(1.0), 300, seed=0, horizon=1.0)) == len(
    ...     table)
    True
    >>> read_events(path).equals(table)
    True
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if isinstance(chunks, pd.DataFrame):
        chunks = [chunks]
    schema = pa.Schema.from_pandas(_empty(), preserve_index=False)
    rows = 0
    with pq.ParquetWriter(str(path), schema) as writer:
        for chunk in chunks:
            frame = chunk[list(EVENT_COLUMNS)].astype(EVENT_COLUMNS)
            writer.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False))
            rows += len(frame)
    return rows


def read_events(path: str | PathLike[str]) -> pd.DataFrame:
    """Read an event table written by :func:`write_events` (see its example)."""
    return pd.read_parquet(path).astype(EVENT_COLUMNS).reset_index(drop=True)


# --------------------------------------------------------------------------- the Mesa model


def lineage_events(model: Any, *, replicate: int = 0, entry: float = 0.0) -> pd.DataFrame:
    r"""The event table of the root chain of a finished Mesa run.

    Parameters
    ----------
    model : NestedOptimizerModel
        A model after ``run_model()`` (or any number of steps); its horizon is
        ``model.horizon`` (an optimizer in place then is censored, also when the run
        stopped early because nothing could be overthrown any more).
    replicate : int, optional
        The replicate index written in the table.
    entry : float, optional
        Age of the initial root at time 0 (0 for the default single root).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`EVENT_COLUMNS`, one row per top-level optimizer.

    Examples
    --------
    >>> from supercoherence.models.nested import NestedOptimizerModel
    >>> from supercoherence.theory.scenario import TakeoverScenario
    >>> sc = TakeoverScenario(spawn_rate=2.0, hazard="constant")
    >>> model = NestedOptimizerModel(sc, seed=4, horizon=5, collect_model=False)
    >>> model.run_model()
    >>> table = lineage_events(model)
    >>> len(table) == model.top_level_takeovers + 1, bool(table["censored"].iloc[-1])
    (True, True)
    >>> bool(np.isclose(table["age"].sum(), 5.0))
    True
    """
    lineage = model.lineage
    roots = [v for v in lineage.nodes if lineage.in_degree(v) == 0]
    if len(roots) != 1:
        raise ParameterError("model.lineage", f"{len(roots)} initial roots", "exactly one")
    times = []
    node = roots[0]
    while lineage.out_degree(node):
        (nxt,) = lineage.successors(node)
        times.append(float(lineage.edges[node, nxt]["time"]))
        node = nxt
    horizon = float(model.horizon)
    k = len(times)
    start = np.array([0.0, *times])
    end = np.array([*times, horizon])
    current = int(model.state.level[model.root_slot])
    first_level = current - k
    entries = np.zeros(k + 1)
    entries[0] = float(entry)
    observed = np.arange(k + 1) < k
    return _frame(
        {
            "replicate": np.full(k + 1, replicate),
            "level": first_level + np.arange(k + 1),
            "start": start,
            "age": end - start + entries,
            "entry": entries,
            "observed": observed,
        }
    )


def abm_events(
    scenario: Any,
    replicates: int,
    *,
    seed: Seed,
    horizon: int,
    graph: Any = None,
    nesting: bool = False,
    **options: Any,
) -> pd.DataFrame:
    r"""Event tables of ``replicates`` Mesa runs (seeded as ``simulate_abm``), concatenated.

    The runs are those of :func:`~supercoherence.models.nested.simulate_abm` (its one
    replicate loop, with ``events=True``): replicate ``i`` runs
    :class:`~supercoherence.models.nested.NestedOptimizerModel` with
    ``spawn_seeds(seed, replicates)[i]``, so it is the same run as that function's
    replicate ``i``.  The initial root's age is read before the run and recorded as
    ``entry``.

    Parameters
    ----------
    scenario : TakeoverScenario
    replicates : int
    seed : int, Generator, SeedSequence or None
    horizon : int
        Steps per run.
    graph, nesting, **options
        Passed to :func:`~supercoherence.models.nested.simulate_abm` (the model's options
        and flat parameters).

    Examples
    --------
    >>> from supercoherence.theory.scenario import TakeoverScenario
    >>> sc = TakeoverScenario(spawn_rate=2.0, hazard="constant")
    >>> table = abm_events(sc, 3, seed=0, horizon=4)
    >>> sorted(set(table["replicate"].tolist())), bool(table["age"].ge(0).all())
    ([0, 1, 2], True)
    """
    from supercoherence.models.nested import simulate_abm

    result = simulate_abm(
        scenario,
        replicates,
        seed=seed,
        horizon=horizon,
        graph=graph,
        nesting=nesting,
        events=True,
        **options,
    )
    return result.events
