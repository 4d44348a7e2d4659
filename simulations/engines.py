r"""Engines behind one interface: the *evaluate* stage of a study.

An engine turns one parameter point, a number of replicates and a
:class:`numpy.random.SeedSequence` into a replicate table (a dict of 1-d arrays, one
entry per replicate), and knows its parameters, options, estimands, closed forms and
the analytic classification of a point.

``chain``
    :func:`supercoherence.models.engine.simulate_chain` on a
    :class:`~supercoherence.theory.scenario.TakeoverScenario`; closed forms from
    :func:`~supercoherence.simulations.estimands.chain_closed_form`.
``abm``
    :func:`supercoherence.models.nested.simulate_abm` (the Mesa model) to an integer
    horizon of steps.  Options (the ``[engine]`` table): ``nesting`` (mesa-optimizers
    all the way down), ``graph`` (the initial nesting: ``"single_root"``, a table
    ``{kind = "balanced_tree", branching = b, height = h}`` or
    ``{kind = "cais_chain", length = n}``, or a GraphML path, relative to the study
    file), ``remove_detected``, ``resource_share``, ``deceptive_share``; it can also
    return the per-step time series.  Takeovers at the root contest only the root, so
    the top-level process is the recursion observed to the horizon and the closed forms
    of :func:`~supercoherence.simulations.estimands.abm_closed_form` apply.
``competition``
    :func:`supercoherence.models.competition.simulate_competition`: Lotka-Volterra
    competition between a base and a mesa-optimizer from random initial states,
    integrated to the horizon (option ``dt``, the Runge-Kutta step); exact outcomes from
    :func:`supercoherence.theory.competition.outcome`, 0 or 1 outside the bistable region.
``selection``
    :func:`supercoherence.models.selection.simulate_selection`: a Moran population of
    coherent and optimizing systems under selection (options ``population_size``,
    ``initial``); the Moran fixation probability as closed form, the replicator
    solution beside it (:class:`SelectionEngine`).

The engines import the models lazily, so study files can be validated without them.
"""

from __future__ import annotations

import functools
import hashlib
import math
from pathlib import Path
from typing import Any

import numpy as np

from supercoherence.errors import GraphError, ParameterError
from supercoherence.lazy import lazy_module

pd = lazy_module("pandas")

__all__ = ["ENGINES", "Engine", "get_engine"]

_TAKEOVER_ESTIMANDS = (
    "no_takeover_after",
    "no_takeover_by",
    "supercoherence_by_horizon",
    "law_of_n",
    "mean_takeovers",
    "last_takeover_time",
    "final_alignment",
)


class Engine:
    """Base class of the engines (see the module docstring).

    Attributes
    ----------
    name : str
        Engine name in study files.
    options : dict of str to type
        Keyword options accepted in the ``[engine]`` table.
    estimands : tuple of str
        Estimands the engine's table supports.
    default_estimands : tuple of str
        Used when ``outputs.estimands`` is not given.
    default_horizon : float
        Used when ``study.horizon`` is not given.
    allows_infinite_horizon : bool
        Whether ``horizon = inf`` is meaningful.
    integer_horizon : bool
        Whether the horizon counts steps (must be a whole number).
    timeseries : bool
        Whether :meth:`evaluate` can return per-step time series.
    events : bool
        Whether :meth:`evaluate` can return the per-level event table (tenures of the
        dominant optimizers, for the estimated verdict).
    comparisons : tuple of str
        Names of the extra columns of ``estimates.parquet`` that :meth:`compare` fills
        (predictions beside the estimate that are not exact, such as a mean field).

    Examples
    --------
    >>> get_engine("chain").parameter_names()[:2]
    ('spawn_rate', 'alignment_skill')
    """

    name = ""
    options: dict[str, Any] = {}
    estimands: tuple[str, ...] = ()
    default_estimands: tuple[str, ...] = ()
    default_horizon = math.inf
    allows_infinite_horizon = True
    integer_horizon = False
    timeseries = False
    events = False
    comparisons: tuple[str, ...] = ()
    #: The estimated probability shown beside the classification in ``boundary.parquet``.
    boundary_estimand = "supercoherence_by_horizon"
    #: Largest number of time steps a run may take (see :meth:`horizon_steps`).
    max_horizon_steps = math.inf

    def horizon_steps(self, horizon: float, options: dict[str, Any]) -> float:
        """Time steps one replicate takes to reach ``horizon`` (0 for event-driven engines)."""
        return 0.0

    def censoring_note(self, options: dict[str, Any]) -> str:
        """Words for the report about what caps the engine's runs ("" if nothing does)."""
        return ""

    def exact_accounts_for_cap(self, estimand: str, horizon: float) -> bool:
        """Whether :meth:`exact` is the closed form of the capped (censored) quantity."""
        return False

    def parameter_names(self) -> tuple[str, ...]:
        """Names accepted in ``[parameters]``."""
        raise NotImplementedError

    def check_point(self, point: dict[str, Any]) -> None:
        """Raise :class:`ParameterError` naming the parameter if ``point`` is invalid."""
        raise NotImplementedError

    def simulate(
        self,
        point: dict[str, Any],
        replicates: int,
        seed: np.random.SeedSequence,
        *,
        horizon: float,
        options: dict[str, Any],
    ) -> dict[str, np.ndarray]:
        """The replicate table of ``replicates`` independent runs at ``point``."""
        raise NotImplementedError

    def normalise_options(self, options: dict[str, Any], *, base: Path) -> dict[str, Any]:
        """Check the values of the ``[engine]`` options; return them normalised.

        Keys and types are checked by the study parser; this checks ranges and meaning.
        Relative paths are resolved against ``base`` (the study file's folder).

        Raises
        ------
        ParameterError
            Naming the option, if a value is invalid.
        """
        return dict(options)

    def canonical(self, point: dict[str, Any]) -> dict[str, Any]:
        """The part of ``point`` the model reads: points with equal canonical forms are
        the same model, simulated once and shared (default: the whole point).

        Examples
        --------
        >>> get_engine("competition").canonical({"alpha": 0.5})
        {'alpha': 0.5}
        """
        return dict(point)

    def evaluate(
        self,
        point: dict[str, Any],
        replicates: int,
        seed: np.random.SeedSequence,
        *,
        horizon: float,
        options: dict[str, Any],
        timeseries: bool = False,
        events: float | None = None,
    ):
        """The replicate table and, if asked and supported, time series and event table.

        Parameters
        ----------
        events : float, optional
            The horizon of the per-level event table
            (:mod:`supercoherence.models.engine.events`) to return, or None for none.

        Returns
        -------
        (dict of str to numpy.ndarray, pandas.DataFrame or None, pandas.DataFrame or None)
            The table, the per-step time series and the event table (replicates
            numbered from 0 within the call).
        """
        if timeseries and not self.timeseries:
            raise ParameterError("timeseries", timeseries, f"False for engine {self.name!r}")
        if events is not None and not self.events:
            raise ParameterError("events", True, f"False for engine {self.name!r}")
        table = self.simulate(point, replicates, seed, horizon=horizon, options=options)
        return table, None, None

    def unit_statistics(
        self,
        point: dict[str, Any],
        replicates: int,
        seed: np.random.SeedSequence,
        *,
        horizon: float,
        options: dict[str, Any],
        requests: list[tuple[str, float]],
        timeseries: bool = False,
        events: float | None = None,
    ):
        """One study unit: the sufficient statistics of ``requests`` (and, if asked, the
        time series and event table) of ``replicates`` runs at ``point``.

        The default evaluates the replicate table and summarises it with
        :func:`~supercoherence.simulations.estimands.statistics`; an engine that can
        stream its replicates (the chain engine) feeds the same accumulator chunk by
        chunk instead and keeps no per-replicate table.

        Returns
        -------
        (dict of str to numpy.ndarray, pandas.DataFrame or None, pandas.DataFrame or None)
        """
        from supercoherence.simulations.estimands import statistics

        table, series, frame = self.evaluate(
            point,
            replicates,
            seed,
            horizon=horizon,
            options=options,
            timeseries=timeseries,
            events=events,
        )
        return statistics(table, requests, horizon), series, frame

    def exact(
        self,
        point: dict[str, Any],
        estimand: str,
        at: float,
        *,
        horizon: float,
        options: dict[str, Any],
    ) -> float:
        """Closed-form value of ``estimand`` at ``point``, NaN when none is known."""
        return math.nan

    def compare(
        self,
        point: dict[str, Any],
        estimand: str,
        at: float,
        *,
        horizon: float,
        options: dict[str, Any],
    ) -> dict[str, float]:
        """Predictions of ``estimand`` beside the estimate, one per :attr:`comparisons`.

        Not exact (they are not tested against the estimate); NaN where none applies.
        """
        return {name: math.nan for name in self.comparisons}

    def classify(self, point: dict[str, Any], *, options: dict[str, Any]) -> str:
        """The analytic long-run classification of ``point``."""
        raise NotImplementedError


def _family_parameters() -> dict[str, str]:
    """Parameters of a :class:`TakeoverScenario` read only by one hazard family -> it."""
    from supercoherence.theory.scenario import TakeoverScenario

    return {n: p.family for n, p in TakeoverScenario.parameters().items() if p.family}


#: Label of a point without an analytic classification (boundary.parquet).
NO_CLOSED_FORM = "no closed form"


class _ScenarioEngine(Engine):
    """Engines parameterised by a :class:`TakeoverScenario`."""

    def parameter_names(self) -> tuple[str, ...]:
        from supercoherence.theory.scenario import TakeoverScenario

        return TakeoverScenario.parameter_names()

    def scenario(self, point: dict[str, Any]):
        """The :class:`TakeoverScenario` of ``point``, validated once per point.

        A study asks for the scenario of a point many times (checking it, every unit,
        every closed form, the classification): it is built once and cached, keyed by
        the point's values.
        """
        try:  # the type too: 1, 1.0 and True are equal keys but may not build alike
            key = tuple(sorted((k, type(v).__name__, v) for k, v in point.items()))
            hash(key)
        except TypeError:  # a value that is not hashable: build it every time
            return self.build_scenario(point)
        return _scenario_of(self.name, key)

    def build_scenario(self, point: dict[str, Any]):
        """Build (and validate) the :class:`TakeoverScenario` of ``point``."""
        from supercoherence.theory.scenario import TakeoverScenario

        return TakeoverScenario.from_mapping(point)

    def check_point(self, point: dict[str, Any]) -> None:
        self.scenario(point)

    def canonical(self, point: dict[str, Any]) -> dict[str, Any]:
        """The point without the parameters its hazard family ignores.

        Examples
        --------
        >>> get_engine("chain").canonical({"hazard": "constant", "entrenchment_rate": 0.5,
        ...                                "spawn_rate": 1.0})
        {'hazard': 'constant', 'spawn_rate': 1.0}
        """
        family, readers = point.get("hazard", "entrenchment"), _family_parameters()
        return {key: value for key, value in point.items() if readers.get(key, family) == family}

    def classify(self, point: dict[str, Any], *, options: dict[str, Any]) -> str:
        return _classify_q(self.scenario(point).never_overthrown())


class ChainEngine(_ScenarioEngine):
    """The fast recursion engine (:func:`supercoherence.models.engine.simulate_chain`)."""

    name = "chain"
    options = {"max_takeovers": int}
    estimands = _TAKEOVER_ESTIMANDS
    default_estimands = ("supercoherence_by_horizon", "mean_takeovers", "final_alignment")

    def parameter_names(self) -> tuple[str, ...]:
        """The scenario's names and a training regime's (``search_strength``, ...).

        Examples
        --------
        >>> "search_strength" in get_engine("chain").parameter_names()
        True
        """
        from supercoherence.theory.training import TRAINING_PARAMETERS

        return (*super().parameter_names(), *TRAINING_PARAMETERS)

    def law(self, point: dict[str, Any], options: dict[str, Any]):
        """The :class:`~supercoherence.models.engine.ChainLaw` of ``point``, built once per
        point and cap (its guide table too), then shared by every unit in this process."""
        return _chain_law(self.scenario(point), _cap(options))

    def normalise_options(self, options, *, base):
        from supercoherence.models.engine.chain import MAX_TAKEOVERS_LIMIT

        out = dict(options)
        cap = _cap(out)
        if not 1 <= cap <= MAX_TAKEOVERS_LIMIT:
            raise ParameterError(
                "max_takeovers",
                cap,
                f"[1, {MAX_TAKEOVERS_LIMIT}]",
                "memory grows with max_takeovers",
            )
        return out

    events = True

    def evaluate(self, point, replicates, seed, *, horizon, options, timeseries=False, events=None):
        table, _, _ = super().evaluate(
            point, replicates, seed, horizon=horizon, options=options, timeseries=timeseries
        )
        if events is None:
            return table, None, None

        # the event sampler draws from its own child of the unit's seed (exact tenures
        # level by level), so the event table is a second, independent sample
        return table, None, self.evaluate_events(point, replicates, seed, events)

    def evaluate_events(self, point, replicates, seed, horizon):
        """The unit's per-level event table (from its own child stream of ``seed``)."""
        from supercoherence.models.engine.events import iter_events

        chunks = list(iter_events(self.scenario(point), replicates, seed=seed, horizon=horizon))
        return pd.concat(chunks, ignore_index=True)

    def simulate(self, point, replicates, seed, *, horizon, options):
        from supercoherence.models.engine import simulate_chain

        result = simulate_chain(
            self.law(point, options), replicates, seed=seed, horizon=horizon, **options
        )
        return _with_capped(dict(result.table))

    def unit_statistics(
        self,
        point,
        replicates,
        seed,
        *,
        horizon,
        options,
        requests,
        timeseries=False,
        events=None,
    ):
        """Stream the unit's replicates into the statistics: no per-replicate table, and
        only the columns the requests read are computed (the others' variates are
        skipped in their streams, so the numbers are those of the full table)."""
        from supercoherence.models.engine import STREAM_BLOCK, estimate_tail_law, simulate_chain
        from supercoherence.simulations.estimands import (
            StatisticsAccumulator,
            columns_read,
            statistics_from_counts,
        )

        if timeseries:
            raise ParameterError("timeseries", timeseries, "False for engine 'chain'")
        frame = None if events is None else self.evaluate_events(point, replicates, seed, events)
        law = self.law(point, options)
        if math.isinf(horizon) and columns_read(requests) <= {
            "n_takeovers",
            "censored",
            "takeovers_by_horizon",
        }:
            # a function of N alone: the tally path draws the same N and keeps counts only
            at_least = estimate_tail_law(law, law.max_takeovers, replicates, seed=seed)
            stats = statistics_from_counts(-np.diff(np.append(at_least, 0)), requests)
            if stats is not None:
                return stats, None, frame
        accumulator = StatisticsAccumulator(requests, horizon)
        simulate_chain(
            law,
            replicates,
            seed=seed,
            horizon=horizon,
            max_takeovers=law.max_takeovers,
            # one chunk per unit (a unit holds at most 10^6 replicates), so the sums are
            # those of the whole unit's table, bit for bit
            chunk_size=-(-replicates // STREAM_BLOCK) * STREAM_BLOCK,
            keep_replicates=False,
            summarise=False,
            columns=columns_read(requests),
            on_chunk=lambda part: accumulator.add(_with_capped(part)),
        )
        return accumulator.result(), None, frame

    def censoring_note(self, options):
        cap = _cap(options)
        return (
            f"the chain engine stops a replicate at max_takeovers = {cap} takeovers ([engine] "
            "table); a replicate stopped there before the horizon is censored"
        )

    def exact_accounts_for_cap(self, estimand, horizon):
        # At T = oo (and for the law of N, counted to the end of the chain) the closed
        # forms are those of the capped quantities: P(N = k) for k < M, P(N < M),
        # E[min(N, M)], E[rho^min(N, M)].  At finite T the Poisson forms are uncapped.
        return estimand == "no_takeover_by" or estimand == "law_of_n" or math.isinf(horizon)

    def exact(self, point, estimand, at, *, horizon, options):
        from supercoherence.simulations.estimands import chain_closed_form

        return chain_closed_form(
            self.scenario(point), estimand, at, horizon=horizon, max_takeovers=_cap(options)
        )


def _cap(options: dict[str, Any]) -> int:
    """The chain engine's ``max_takeovers`` (default: the engine's own)."""
    if "max_takeovers" in options:
        return options["max_takeovers"]
    from supercoherence.models.engine.chain import DEFAULT_MAX_TAKEOVERS

    return DEFAULT_MAX_TAKEOVERS


def _with_capped(table: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Add ``capped``: the chain stopped at the cap M before the horizon (later takeovers
    are unknown)."""
    table["capped"] = table["censored"] & (table["takeovers_by_horizon"] == table["n_takeovers"])
    return table


@functools.lru_cache(maxsize=1024)
def _scenario_of(engine: str, items: tuple):
    return ENGINES[engine].build_scenario({k: v for k, _, v in items})


@functools.lru_cache(maxsize=64)  # a law holds its guide table (~0.6 MB)
def _chain_law(scenario, cap: int):
    from supercoherence.models.engine import ChainLaw

    return ChainLaw.from_scenario(scenario, cap)


class AbmEngine(_ScenarioEngine):
    """The Mesa model of nested optimizers (:func:`supercoherence.models.nested.simulate_abm`)."""

    name = "abm"
    options = {
        "nesting": bool,
        "graph": (str, dict),
        "remove_detected": bool,
        "resource_share": (int, float),
        "deceptive_share": (int, float),
    }
    estimands = (
        *_TAKEOVER_ESTIMANDS,
        "coherence",
        "size",
        "depth",
        "nested_takeovers",
        "deep_takeovers",
        "challenger_depth",
    )
    default_estimands = ("supercoherence_by_horizon", "mean_takeovers", "coherence")
    default_horizon = 50.0
    allows_infinite_horizon = False
    integer_horizon = True
    timeseries = True
    events = True
    comparisons = ("independent", "mean_field")
    max_horizon_steps = 100_000

    def parameter_names(self) -> tuple[str, ...]:
        """The scenario's names and those of the interaction (:class:`NestedDynamics`).

        Examples
        --------
        >>> names = get_engine("abm").parameter_names()
        >>> "spawn_rate" in names and "challenge_rate" in names
        True
        """
        from supercoherence.theory.nested import NestedDynamics

        return (*super().parameter_names(), *NestedDynamics.parameter_names())

    def resolve(self, point: dict[str, Any]):
        """``(TakeoverScenario, NestedDynamics)`` of ``point`` (validated).

        Examples
        --------
        >>> sc, dyn = get_engine("abm").resolve({"spawn_rate": 2.0, "challenge_rate": 1.0})
        >>> sc.spawn_rate, dyn.challenge_rate, dyn.is_limit()
        (2.0, 1.0, False)
        """
        return _resolve_abm(tuple(sorted(point.items(), key=lambda kv: kv[0])))

    def scenario(self, point: dict[str, Any]):
        return self.resolve(point)[0]

    def check_point(self, point: dict[str, Any]) -> None:
        self.resolve(point)

    def canonical(self, point: dict[str, Any]) -> dict[str, Any]:
        from supercoherence.theory.nested import NestedDynamics

        names = set(NestedDynamics.parameter_names())
        scenario = {k: v for k, v in point.items() if k not in names}
        dynamics = {k: v for k, v in point.items() if k in names}
        if not dynamics.get("shift_rate", 0) and dynamics.get("shift_times", ()) in ((), []):
            dynamics.pop("shift_probability", None)  # no critical moment ever comes
        return {**super().canonical(scenario), **dynamics}

    def classify(self, point, *, options):
        if not self.resolve(point)[1].is_limit():
            return NO_CLOSED_FORM
        return super().classify(point, options=options)

    def horizon_steps(self, horizon, options):
        return horizon

    def normalise_options(self, options, *, base):
        from supercoherence.checks import check_probability

        out = dict(options)
        for name in ("resource_share", "deceptive_share"):
            if name in out:
                out[name] = float(check_probability(name, out[name]))
        if "graph" in out:
            out["graph"] = _normalise_graph(out["graph"], base)
            _build_graph(out["graph"])  # refuse an invalid nesting now, not in a worker
        return out

    def evaluate(self, point, replicates, seed, *, horizon, options, timeseries=False, events=None):
        """:func:`~supercoherence.models.nested.simulate_abm`'s table, series and events.

        The event table's ``level`` is the index of the top-level optimizer since time 0
        (0 for the initial root, k after k top-level takeovers): an interacting winner's
        capability level need not be its predecessor's plus one.
        """
        from supercoherence.models.nested import simulate_abm

        scenario, dynamics = self.resolve(point)
        kwargs = dict(options)
        if "graph" in kwargs:
            kwargs["graph"] = _build_graph(kwargs["graph"])
        result = simulate_abm(
            scenario,
            replicates,
            seed=seed,
            horizon=int(horizon),
            timeseries=timeseries,
            events=events is not None,
            dynamics=dynamics,
            **kwargs,
        )
        frame = result.events
        if frame is not None:
            frame["level"] = frame.groupby("replicate").cumcount().astype(np.int64)
        return result.table, result.timeseries, frame

    def simulate(self, point, replicates, seed, *, horizon, options):
        return self.evaluate(point, replicates, seed, horizon=horizon, options=options)[0]

    def exact(self, point, estimand, at, *, horizon, options):
        from supercoherence.simulations.estimands import abm_closed_form

        if options.get("graph", {}).get("kind") == "graphml":  # the root's level/age may differ
            return math.nan
        scenario, dynamics = self.resolve(point)
        if not dynamics.is_limit():  # interacting: the closed forms are of another model
            return math.nan
        if estimand in ("deep_takeovers", "challenger_depth"):
            return math.nan
        return abm_closed_form(scenario, estimand, at, horizon=horizon)

    def compare(self, point, estimand, at, *, horizon, options):
        r"""The independent-contest model at the same point, and the mean field.

        ``independent``: the closed form of the independent-contest model (the limit of
        :class:`~supercoherence.theory.nested.NestedDynamics`) with spawn rate
        :math:`\lambda o`; ``mean_field``: :func:`supercoherence.theory.nested.mean_field`
        (``resource_elasticity = 0`` only) of ``no_takeover_by`` at whole times and of
        ``no_takeover_after`` / ``law_of_n`` at 0 (both :math:`P(N_T = 0)`).

        Examples
        --------
        >>> out = get_engine("abm").compare({"spawn_rate": 1.0, "hazard": "constant",
        ...     "challenge_rate": 1.0, "active_share": 1.0}, "no_takeover_by", 4.0,
        ...     horizon=4.0, options={})
        >>> round(out["independent"], 4), out["mean_field"] < out["independent"]
        (0.6065, True)
        """
        from dataclasses import replace

        from supercoherence.simulations.estimands import abm_closed_form

        out = {name: math.nan for name in self.comparisons}
        if options.get("graph", {}).get("kind") == "graphml":
            return out
        scenario, dynamics = self.resolve(point)
        if estimand not in ("deep_takeovers", "challenger_depth"):
            scaled = replace(scenario, spawn_rate=scenario.spawn_rate * dynamics.optimizerness)
            out["independent"] = abm_closed_form(scaled, estimand, at, horizon=horizon)
        zero = estimand in ("no_takeover_after", "law_of_n") and at == 0
        if dynamics.resource_elasticity == 0 and (estimand == "no_takeover_by" or zero):
            t = horizon if zero else min(at, horizon)
            if t == 0:
                out["mean_field"] = 1.0
            elif t == int(t):
                survival = _mean_field_survival(
                    scenario,
                    dynamics,
                    int(horizon),
                    options.get("deceptive_share", 0.5),
                    options.get("remove_detected", True),
                )
                out["mean_field"] = float(survival[int(t) - 1])
        return out


@functools.lru_cache(maxsize=1024)
def _resolve_abm(items: tuple):
    from supercoherence.models.nested.model import resolve_parameters

    return resolve_parameters(None, None, dict(items))


@functools.lru_cache(maxsize=256)
def _mean_field_survival(scenario, dynamics, horizon, deceptive_share, remove_detected):
    from supercoherence.theory.nested import mean_field

    result = mean_field(
        scenario,
        dynamics,
        horizon,
        deceptive_share=deceptive_share,
        remove_detected=remove_detected,
    )
    return result.survival


#: Named initial nestings of the abm engine: builder name -> its integer arguments.
GRAPH_BUILDERS: dict[str, tuple[str, ...]] = {
    "single_root": (),
    "balanced_tree": ("branching", "height"),
    "cais_chain": ("length",),
}


def _normalise_graph(spec: str | dict, base: Path) -> dict:
    """``{"kind": name, **arguments}``, or ``{"kind": "graphml", "path": .., "sha256": ..}``."""
    from supercoherence.simulations.study import suggestion

    if isinstance(spec, str):
        if spec in GRAPH_BUILDERS:
            spec = {"kind": spec}
        else:
            path = Path(spec)
            if path.suffix.lower() != ".graphml":
                allowed = f"one of {list(GRAPH_BUILDERS)}, a table {{kind = ...}} or a GraphML path"
                raise ParameterError(
                    "graph",
                    spec,
                    allowed,
                    message=f"unknown graph {spec!r}{suggestion(spec, GRAPH_BUILDERS)}; "
                    f"expected {allowed}",
                )
            path = path if path.is_absolute() else (base / path)
            if not path.is_file():
                raise ParameterError(
                    "graph", spec, "an existing GraphML file", message=f"no GraphML file {path}"
                )
            # the digest enters the study's fingerprint: an edited file is a new study
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            return {"kind": "graphml", "path": str(path.resolve()), "sha256": digest}
    kind = spec.get("kind")
    if not isinstance(kind, str) or kind not in GRAPH_BUILDERS:
        raise ParameterError(
            "graph.kind",
            kind,
            f"one of {list(GRAPH_BUILDERS)}",
            message=f"unknown graph kind {kind!r}{suggestion(kind, GRAPH_BUILDERS)}; "
            f"expected one of {list(GRAPH_BUILDERS)}",
        )
    wanted = GRAPH_BUILDERS[kind]
    for key, value in spec.items():
        if key == "kind":
            continue
        if key not in wanted:
            raise ParameterError(
                f"graph.{key}",
                value,
                f"keys {list(wanted)}",
                message=f"unknown key for graph kind {kind!r}{suggestion(key, wanted)}; "
                f"it takes {list(wanted)}",
            )
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParameterError(f"graph.{key}", value, "an integer")
    missing = [key for key in wanted if key not in spec]
    if missing:
        raise ParameterError(
            f"graph.{missing[0]}", None, "an integer", message=f"missing (graph kind {kind!r})"
        )
    return {"kind": kind, **{key: spec[key] for key in wanted}}


def _build_graph(spec: dict):
    """The initial nesting (a validated ``networkx.DiGraph``) of a normalised spec."""
    from supercoherence.models import nested

    try:
        if spec["kind"] == "graphml":
            return nested.load_graphml(spec["path"])
        builder = getattr(nested, spec["kind"])
        return nested.validate_nesting(builder(**{k: v for k, v in spec.items() if k != "kind"}))
    except GraphError as exc:
        raise ParameterError("graph", spec, "a valid nesting", message=str(exc)) from None
    except ParameterError as exc:  # a builder's argument: name it under graph
        raise ParameterError(f"graph.{exc.name}", exc.value, exc.allowed) from None


@functools.lru_cache(maxsize=256)
def _classify_q(q_expr) -> str:
    from supercoherence.theory.recursion import classify

    return classify(q_expr).outcome.value


class CompetitionEngine(Engine):
    """Random initial states of the Lotka-Volterra competition, integrated to the horizon."""

    name = "competition"
    options = {"dt": float}
    estimands = ("mesa_takes_over", "mesa_disappears", "coexistence", "coherence")
    default_estimands = estimands
    default_horizon = 100.0
    allows_infinite_horizon = False
    max_horizon_steps = 10**7
    boundary_estimand = "mesa_takes_over"

    def horizon_steps(self, horizon, options):
        return math.ceil(horizon / options.get("dt", 0.05))

    def normalise_options(self, options, *, base):
        from supercoherence.checks import check_in_interval

        out = dict(options)
        if "dt" in out:
            out["dt"] = float(check_in_interval("dt", out["dt"], 0, 1e6, low_open=True))
        return out

    def parameter_names(self) -> tuple[str, ...]:
        from supercoherence.models.competition import DEFAULTS

        return tuple(DEFAULTS)

    def _params(self, point: dict[str, Any]) -> dict[str, float]:
        from supercoherence.models.competition import check_parameters

        return check_parameters(point)

    def check_point(self, point: dict[str, Any]) -> None:
        self._params(point)

    def simulate(self, point, replicates, seed, *, horizon, options):
        from supercoherence.models.competition import simulate_competition

        return simulate_competition(
            point, replicates, seed=seed, horizon=horizon, dt=options.get("dt", 0.05)
        )

    def exact(self, point, estimand, at, *, horizon, options):
        from supercoherence.theory.competition import CompetitionOutcome, outcome

        p = self._params(point)
        result = outcome({k: p[k] for k in ("alpha", "beta", "K_x", "K_y", "r_x", "r_y")})
        undecided = (CompetitionOutcome.BISTABLE, CompetitionOutcome.DEGENERATE)
        if result in undecided or estimand == "coherence":
            return math.nan
        return 1.0 if result.value == _ESTIMAND_OUTCOME.get(estimand) else 0.0

    def classify(self, point, *, options):
        from supercoherence.theory.competition import outcome

        p = self._params(point)
        return outcome({k: p[k] for k in ("alpha", "beta", "K_x", "K_y", "r_x", "r_y")}).value


class SelectionEngine(Engine):
    """A Moran population of coherent and optimizing systems
    (:func:`supercoherence.models.selection.simulate_selection`).

    Parameters are those of :meth:`SelectionParams.from_mapping
    <supercoherence.theory.selection.SelectionParams.from_mapping>` (the scenario's
    hazard must be ``constant``) except ``initial_coherent_share``: the population
    starts with ``initial`` coherent systems among ``population_size`` (options of the
    ``[engine]`` table, defaults 1 and 20).  With ``horizon = inf`` (the default) every
    run goes on until one type has taken over.

    Closed forms: ``fixation`` at ``horizon = inf`` is the Moran fixation probability
    :func:`~supercoherence.theory.selection.coherent_fixation` (exact: the count of
    coherent systems is a birth-death chain with a constant rate ratio), and so is
    ``coherent_share`` (at absorption the share is 0 or 1); at a finite horizon
    ``coherent_share`` is exact only when selection is neutral (relative fitness 1:
    the share is a martingale, ``initial / population_size``), and
    ``original_goal_share`` is 1 when ``takeover_loss = 1`` (a taken-over system leaves
    the competition).  The replicator solution
    (:func:`~supercoherence.theory.selection.strategy_shares`,
    :func:`~supercoherence.theory.selection.original_goal_share`) is the limit of an
    infinite population, so it is reported beside the estimate (column ``replicator``)
    and not tested.  The classification is
    :func:`~supercoherence.theory.selection.coherent_survives` (long-run replicator
    shares).
    """

    name = "selection"
    options = {"population_size": int, "initial": int}
    estimands = ("fixation", "coherent_share", "original_goal_share")
    default_estimands = estimands
    default_horizon = math.inf
    comparisons = ("replicator",)
    boundary_estimand = "fixation"

    def parameter_names(self) -> tuple[str, ...]:
        """The keys of ``SelectionParams.from_mapping`` but ``initial_coherent_share``.

        Examples
        --------
        >>> "search_advantage" in get_engine("selection").parameter_names()
        True
        """
        from supercoherence.theory.selection import SelectionParams

        return tuple(n for n in SelectionParams.parameter_names() if n != "initial_coherent_share")

    def normalise_options(self, options, *, base):
        out = {"population_size": 20, "initial": 1, **options}
        size, initial = out["population_size"], out["initial"]
        if size < 2:
            raise ParameterError("population_size", size, "integers >= 2")
        if not 1 <= initial <= size - 1:
            raise ParameterError("initial", initial, f"[1, population_size - 1] = [1, {size - 1}]")
        return out

    def params(self, point: dict[str, Any]):
        """The :class:`SelectionParams` of ``point`` (validated; constant hazard)."""
        return _selection_params(tuple(sorted(point.items(), key=lambda kv: kv[0])))

    def check_point(self, point: dict[str, Any]) -> None:
        from supercoherence.models.selection import check_constant_hazard

        check_constant_hazard(self.params(point))

    def canonical(self, point: dict[str, Any]) -> dict[str, Any]:
        family, readers = point.get("hazard", "constant"), _family_parameters()
        return {k: v for k, v in point.items() if readers.get(k, family) == family}

    def simulate(self, point, replicates, seed, *, horizon, options):
        from supercoherence.models.selection import simulate_selection

        return simulate_selection(
            self.params(point),
            options.get("population_size", 20),
            replicates,
            seed=seed,
            initial=options.get("initial", 1),
            horizon=horizon,
        )

    def exact(self, point, estimand, at, *, horizon, options):
        from supercoherence.theory.selection import coherent_fixation, moran_relative_fitness

        params = self.params(point)
        size, initial = options.get("population_size", 20), options.get("initial", 1)
        if estimand == "original_goal_share":
            return 1.0 if params.takeover_loss == 1 else math.nan
        if math.isinf(horizon):
            return coherent_fixation(params, size, initial)
        if estimand == "coherent_share" and moran_relative_fitness(params, 0, 1) == 1.0:
            return initial / size
        return math.nan

    def compare(self, point, estimand, at, *, horizon, options):
        """The replicator (infinite-population) prediction at the horizon.

        Examples
        --------
        >>> out = get_engine("selection").compare({"search_advantage": 0.0},
        ...     "coherent_share", math.nan, horizon=8.0, options={"population_size": 2,
        ...     "initial": 1})
        >>> round(out["replicator"], 6)
        0.731059
        """
        from dataclasses import replace

        from supercoherence.theory.selection import original_goal_share, strategy_shares

        if estimand == "fixation" or math.isinf(horizon):
            return {"replicator": math.nan}
        size, initial = options.get("population_size", 20), options.get("initial", 1)
        share = initial / size
        params = replace(self.params(point), initial_shares=(share, 1.0 - share))
        if estimand == "coherent_share":
            return {"replicator": float(strategy_shares(params, horizon)[0])}
        return {"replicator": float(original_goal_share(params, horizon))}

    def classify(self, point, *, options):
        from supercoherence.theory.selection import coherent_survives

        return (
            "coherent survives" if coherent_survives(self.params(point)) else "coherent outcompeted"
        )


@functools.lru_cache(maxsize=1024)
def _selection_params(items: tuple):
    from supercoherence.theory.selection import SelectionParams

    return SelectionParams.from_mapping(dict(items))


_ESTIMAND_OUTCOME = {
    "mesa_takes_over": "mesa takes over",
    "mesa_disappears": "mesa disappears",
    "coexistence": "stable coexistence",
}


ENGINES: dict[str, Engine] = {
    engine.name: engine
    for engine in (ChainEngine(), AbmEngine(), CompetitionEngine(), SelectionEngine())
}


def get_engine(name: str) -> Engine:
    """The engine called ``name``.

    Raises
    ------
    ParameterError
        For an unknown name.

    Examples
    --------
    >>> get_engine("competition").default_horizon
    100.0
    """
    try:
        return ENGINES[name]
    except KeyError:
        raise ParameterError("engine", name, f"one of {list(ENGINES)}") from None
