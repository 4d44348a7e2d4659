r"""Replicate runs of the nested-optimizer model, in the engines' common table format.

:func:`simulate_abm` runs ``replicates`` independent copies of
:class:`~supercoherence.models.nested.model.NestedOptimizerModel` to a horizon ``T``;
replicate ``i`` is seeded with ``spawn_seeds(seed, replicates)[i]``, so a replicate's
result does not depend on how replicates are split over workers.  Per replicate the
table holds (docs/ARCHITECTURE.md):

* ``n_takeovers`` = ``takeovers_by_horizon`` = :math:`N_T`, top-level takeovers at times
  :math:`\le T` (the model cannot look beyond its horizon);
* ``censored``: the top-level optimizer at :math:`T` can still be overthrown
  (remaining hazard :math:`\Lambda_n(\infty) - \Lambda_n(\text{age}) > 0`);
* ``last_takeover_time`` (exact, not rounded to steps; 0 if none), ``final_alignment``
  :math:`w_\text{root} \cdot w_0` at :math:`T`;
* ``first_takeover_time``: the exact time of the first top-level takeover, ``inf`` if
  there is none by :math:`T`;
* ``coherence``, ``root_tenure``, ``size``, ``depth``, ``nested_takeovers`` at :math:`T`;
* ``deep_takeovers``: top-level takeovers by a challenger born at depth >= 2 (one that
  climbed), ``challenger_depth``: the mean birth depth of the successful top-level
  challengers (NaN if none).

Interaction (:class:`~supercoherence.theory.nested.NestedDynamics`, or its fields as
flat keywords) is passed through to the model; its default is the limit above.

This is the one replicate loop of the Mesa model: with ``events=True`` it also reads each
run's per-level event table off its lineage
(:func:`~supercoherence.models.engine.events.lineage_events`, with the initial root's
age at time 0 as ``entry``), which :func:`~supercoherence.models.engine.events.abm_events`
and the study engine ``abm`` return.

With ``nesting=False`` and the default single root the top-level process is exactly the
engine's recursion, so :math:`P(N_T = 0) = e^{-\Lambda_0(T)}`, :math:`P(\text{first
takeover time} > t) = e^{-\Lambda_0(t)}` for :math:`t \le T` and, for a horizon long
enough that the remaining hazard is negligible, :math:`P(N \ge n) = \prod_{k<n}(1-q_k)`
and :math:`E[w_N \cdot w_0] = E[\rho^N]`.
"""

from __future__ import annotations

import gc
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from supercoherence.checks import check_positive_int
from supercoherence.models.engine.chain import COLUMNS as CHAIN_COLUMNS
from supercoherence.models.engine.events import lineage_events
from supercoherence.models.nested.graphs import GraphSpec
from supercoherence.models.nested.model import (
    DEFAULT_OPTIONS,
    NestedOptimizerModel,
    resolve_parameters,
)
from supercoherence.models.nested.reporters import (
    alignment_with_original,
    coherence,
    depth,
    root_tenure,
)
from supercoherence.randomness import Seed, spawn_seeds
from supercoherence.theory.nested import NestedDynamics
from supercoherence.theory.scenario import TakeoverScenario

__all__ = ["TABLE_COLUMNS", "TIMESERIES_COLUMNS", "AbmResult", "simulate_abm"]

#: Finished models that may outlive a young-generation collection before a full one (a
#: Mesa model is a reference cycle, freed only by the collector: without collections,
#: peak memory grows with the replicates).
COLLECT_EVERY = 16

#: Columns of :attr:`AbmResult.table` and their dtypes: the chain engine's replicate
#: table (:data:`supercoherence.models.engine.chain.COLUMNS`, one schema for both engines)
#: and what only the nested model observes.
TABLE_COLUMNS: dict[str, type] = {
    **CHAIN_COLUMNS,
    "coherence": np.float64,
    "root_tenure": np.float64,
    "size": np.int64,
    "depth": np.int64,
    "nested_takeovers": np.int64,
    "deep_takeovers": np.int64,
    "challenger_depth": np.float64,
}

#: Columns of :attr:`AbmResult.timeseries` (the study layer adds ``point``).
TIMESERIES_COLUMNS = (
    "replicate",
    "step",
    "coherence",
    "root_tenure",
    "size",
    "depth",
    "top_level_takeovers",
    "nested_takeovers",
    "alignment_with_original",
)


@dataclass(frozen=True)
class AbmResult:
    """Replicate table (and optional per-step time series) of :func:`simulate_abm`.

    Attributes
    ----------
    table : dict of str to numpy.ndarray
        One 1-d array per column of :data:`TABLE_COLUMNS`, one entry per replicate.
    timeseries : pandas.DataFrame or None
        Columns :data:`TIMESERIES_COLUMNS`, one row per replicate and step (step 0 is
        the initial state); ``None`` unless asked for.
    horizon : int
        The horizon the replicates ran to (or stopped early before).
    events : pandas.DataFrame or None
        The runs' per-level event tables, concatenated
        (:data:`~supercoherence.models.engine.events.EVENT_COLUMNS`); ``None`` unless
        asked for.
    """

    table: dict[str, np.ndarray]
    timeseries: pd.DataFrame | None
    horizon: int
    events: pd.DataFrame | None = None

    @property
    def replicates(self) -> int:
        """Number of replicates."""
        return int(self.table["n_takeovers"].size)


def _row(model: NestedOptimizerModel) -> tuple:
    n = model.top_level_takeovers
    return (
        n,
        model.root_contestable(),
        n,
        model.last_takeover_time,
        model.first_takeover_time,
        alignment_with_original(model),
        coherence(model),
        root_tenure(model),
        model.size,
        depth(model),
        model.nested_takeovers,
        sum(1 for k in model.top_level_depths if k >= 2),
        float(np.mean(model.top_level_depths)) if model.top_level_depths else float("nan"),
    )


def _series(model: NestedOptimizerModel, replicate: int) -> pd.DataFrame:
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    frame.insert(0, "step", np.arange(len(frame), dtype=np.int64))
    frame.insert(0, "replicate", np.int64(replicate))
    return frame[list(TIMESERIES_COLUMNS)]


def _collect_young(finished: weakref.ref) -> bool:
    """Free a finished model by collecting the young generations; whether it survived.

    A full collection walks the whole heap (hundreds of milliseconds in a process that
    has imported sympy and pandas, far more than a short replicate), while a model that
    has just finished is usually still young: collecting generations 0 and 1 frees it
    at a small cost, and only the survivors (models promoted to the old generation during
    a long run) are left to a full collection every :data:`COLLECT_EVERY` of them.
    """
    for generation in (0, 1):
        if finished() is None:
            return False
        gc.collect(generation)
    return finished() is not None


def simulate_abm(
    scenario: TakeoverScenario,
    replicates: int,
    *,
    seed: Seed,
    horizon: int,
    graph: GraphSpec = None,
    nesting: bool = DEFAULT_OPTIONS["nesting"],
    timeseries: bool = False,
    events: bool = False,
    remove_detected: bool = DEFAULT_OPTIONS["remove_detected"],
    resource_share: float = DEFAULT_OPTIONS["resource_share"],
    deceptive_share: float = DEFAULT_OPTIONS["deceptive_share"],
    dynamics: NestedDynamics | None = None,
    **parameters: Any,
) -> AbmResult:
    """Run independent replicates of the nested-optimizer model to a horizon.

    Parameters
    ----------
    scenario : TakeoverScenario
        The parameter point.
    replicates : int
        Number of independent runs (>= 1).
    seed : int, Generator, SeedSequence or None
        Root seed; replicate ``i`` uses ``spawn_seeds(seed, replicates)[i]``.
    horizon : int
        Steps per run (>= 1).
    graph : None, networkx.DiGraph, str, path-like or callable
        Initial nesting (see :class:`NestedOptimizerModel`); a callable is called with
        each replicate's generator, so random initial graphs differ across replicates.
    nesting : bool
        Keep losing mesa-optimizers as nested optimizers.
    timeseries : bool
        Also return the per-step reporters of every replicate.
    events : bool
        Also return every run's per-level event table (:attr:`AbmResult.events`).
    remove_detected, resource_share, deceptive_share
        As in :class:`NestedOptimizerModel`.
    dynamics : NestedDynamics or None
        The interaction (default: none, the independent-contest limit).
    **parameters
        Flat fields of the scenario or the dynamics, overriding them
        (``challenge_rate=0.5``).

    Returns
    -------
    AbmResult

    Raises
    ------
    ParameterError
        If ``replicates`` or ``horizon`` is not a positive integer, or an option is out
        of range.
    GraphError
        If the initial graph is not a valid nesting.

    Examples
    --------
    >>> sc = TakeoverScenario(spawn_rate=2.0, alignment_skill=0.0, detection=0.0,
    ...                       hazard="constant", drift=0.0)
    >>> res = simulate_abm(sc, 4, seed=1, horizon=3)
    >>> res.table["n_takeovers"].tolist() == simulate_abm(sc, 4, seed=1, horizon=3).table[
    ...     "n_takeovers"].tolist()
    True
    >>> bool(res.table["censored"].all()), res.table["size"].tolist()
    (True, [1, 1, 1, 1])
    >>> with_events = simulate_abm(sc, 4, seed=1, horizon=3, events=True)
    >>> rows = with_events.events.groupby("replicate").size()  # one per top-level optimizer
    >>> rows.tolist() == (with_events.table["n_takeovers"] + 1).tolist()
    True
    """
    replicates = check_positive_int("replicates", replicates)
    horizon = check_positive_int("horizon", horizon)
    scenario, dynamics = resolve_parameters(scenario, dynamics, parameters)
    table = {name: np.empty(replicates, dtype=dtype) for name, dtype in TABLE_COLUMNS.items()}
    frames, lineages, survivors = [], [], 0
    for i, child in enumerate(spawn_seeds(seed, replicates)):
        model = NestedOptimizerModel(
            scenario,
            seed=child,
            horizon=horizon,
            graph=graph,
            nesting=nesting,
            remove_detected=remove_detected,
            resource_share=resource_share,
            deceptive_share=deceptive_share,
            dynamics=dynamics,
            collect_model=timeseries,
        )
        entry = float(model.state.age[model.root_slot])  # the initial root's age at time 0
        model.run_model()
        for column, value in zip(table.values(), _row(model), strict=True):
            column[i] = value
        if timeseries:
            frames.append(_series(model, i))
        if events:
            lineages.append(lineage_events(model, replicate=i, entry=entry))
        finished = weakref.ref(model)
        del model
        survivors += _collect_young(finished)  # Mesa models are reference cycles
        if survivors >= COLLECT_EVERY:
            gc.collect()  # the old ones: memory stays flat in the replicates
            survivors = 0
    series = pd.concat(frames, ignore_index=True) if timeseries else None
    lineage = pd.concat(lineages, ignore_index=True) if events else None
    return AbmResult(table=table, timeseries=series, horizon=horizon, events=lineage)
