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
    Lotka-Volterra competition between a base (share x) and a mesa-optimizer (share y),
    :mod:`supercoherence.theory.competition`, from random initial states
    :math:`x_0 \sim U(0, K_x)`, :math:`y_0 \sim U(0, m K_y)` (``initial_mesa = m``),
    integrated to the horizon by classical fixed-step Runge-Kutta (step ``dt``),
    vectorised over replicates.  A final share below ``1e-3`` of its carrying capacity
    counts as excluded.  Outside the bistable region the outcome is the same from
    every interior state, so its probability is exactly 0 or 1.

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
from supercoherence.randomness import as_generator

__all__ = ["ENGINES", "Engine", "get_engine"]

_TAKEOVER_ESTIMANDS = (
    "survival",
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

    def evaluate(
        self,
        point: dict[str, Any],
        replicates: int,
        seed: np.random.SeedSequence,
        *,
        horizon: float,
        options: dict[str, Any],
        timeseries: bool = False,
    ):
        """The replicate table and, if asked and supported, the per-step time series.

        Returns
        -------
        (dict of str to numpy.ndarray, pandas.DataFrame or None)
        """
        if timeseries and not self.timeseries:
            raise ParameterError("timeseries", timeseries, f"False for engine {self.name!r}")
        table = self.simulate(point, replicates, seed, horizon=horizon, options=options)
        return table, None

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

    def classify(self, point: dict[str, Any], *, options: dict[str, Any]) -> str:
        """The analytic long-run classification of ``point``."""
        raise NotImplementedError


class _ScenarioEngine(Engine):
    """Engines parameterised by a :class:`TakeoverScenario`."""

    def parameter_names(self) -> tuple[str, ...]:
        from supercoherence.theory.scenario import TakeoverScenario

        return TakeoverScenario.parameter_names()

    def scenario(self, point: dict[str, Any]):
        """The :class:`TakeoverScenario` of ``point``."""
        from supercoherence.theory.scenario import TakeoverScenario

        return TakeoverScenario.from_mapping(point)

    def check_point(self, point: dict[str, Any]) -> None:
        self.scenario(point)

    def classify(self, point: dict[str, Any], *, options: dict[str, Any]) -> str:
        return _classify_q(self.scenario(point).q_expr())


class ChainEngine(_ScenarioEngine):
    """The fast recursion engine (:func:`supercoherence.models.engine.simulate_chain`)."""

    name = "chain"
    options = {"max_takeovers": int}
    estimands = _TAKEOVER_ESTIMANDS
    default_estimands = ("supercoherence_by_horizon", "mean_takeovers", "final_alignment")

    def simulate(self, point, replicates, seed, *, horizon, options):
        from supercoherence.models.engine import simulate_chain

        result = simulate_chain(
            self.scenario(point), replicates, seed=seed, horizon=horizon, **options
        )
        return result.table

    def exact(self, point, estimand, at, *, horizon, options):
        from supercoherence.simulations.estimands import chain_closed_form

        cap = options.get("max_takeovers", 1000)
        return chain_closed_form(
            self.scenario(point), estimand, at, horizon=horizon, max_takeovers=cap
        )


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
    estimands = (*_TAKEOVER_ESTIMANDS, "coherence", "size", "depth", "nested_takeovers")
    default_estimands = ("supercoherence_by_horizon", "mean_takeovers", "coherence")
    default_horizon = 50.0
    allows_infinite_horizon = False
    integer_horizon = True
    timeseries = True

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

    def evaluate(self, point, replicates, seed, *, horizon, options, timeseries=False):
        from supercoherence.models.nested import simulate_abm

        kwargs = dict(options)
        if "graph" in kwargs:
            kwargs["graph"] = _build_graph(kwargs["graph"])
        result = simulate_abm(
            self.scenario(point),
            replicates,
            seed=seed,
            horizon=int(horizon),
            timeseries=timeseries,
            **kwargs,
        )
        return result.table, result.timeseries

    def simulate(self, point, replicates, seed, *, horizon, options):
        return self.evaluate(point, replicates, seed, horizon=horizon, options=options)[0]

    def exact(self, point, estimand, at, *, horizon, options):
        from supercoherence.simulations.estimands import abm_closed_form

        if options.get("graph", {}).get("kind") == "graphml":  # the root's level/age may differ
            return math.nan
        return abm_closed_form(self.scenario(point), estimand, at, horizon=horizon)


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


_COMPETITION_DEFAULTS = {
    "alpha": 0.5,
    "beta": 0.5,
    "K_x": 1.0,
    "K_y": 1.0,
    "r_x": 1.0,
    "r_y": 1.0,
    "alignment": 0.0,
    "initial_mesa": 1.0,
}
_EXCLUDED = 1e-3


class CompetitionEngine(Engine):
    """Random initial states of the Lotka-Volterra competition, integrated to the horizon."""

    name = "competition"
    options = {"dt": float}
    estimands = ("mesa_takes_over", "mesa_disappears", "coexistence", "coherence")
    default_estimands = estimands
    default_horizon = 100.0
    allows_infinite_horizon = False

    def parameter_names(self) -> tuple[str, ...]:
        return tuple(_COMPETITION_DEFAULTS)

    def _params(self, point: dict[str, Any]) -> dict[str, float]:
        from supercoherence.checks import check_in_interval
        from supercoherence.theory.competition import CompetitionParams

        values = {**_COMPETITION_DEFAULTS, **point}
        unknown = set(values) - set(_COMPETITION_DEFAULTS)
        if unknown:
            name = sorted(unknown)[0]
            raise ParameterError(name, values[name], f"one of {list(_COMPETITION_DEFAULTS)}")
        CompetitionParams(**{k: values[k] for k in ("alpha", "beta", "K_x", "K_y", "r_x", "r_y")})
        check_in_interval("alignment", values["alignment"], -1, 1)
        check_in_interval("initial_mesa", values["initial_mesa"], 0, 1, low_open=True)
        return {k: float(v) for k, v in values.items()}

    def check_point(self, point: dict[str, Any]) -> None:
        self._params(point)

    def simulate(self, point, replicates, seed, *, horizon, options):
        p = self._params(point)
        gen = as_generator(seed)
        x = gen.uniform(0.0, p["K_x"], replicates)
        y = gen.uniform(0.0, p["initial_mesa"] * p["K_y"], replicates)
        x, y = _runge_kutta(p, x, y, horizon, options.get("dt", 0.05))
        base_gone = x < _EXCLUDED * p["K_x"]
        mesa_gone = y < _EXCLUDED * p["K_y"]
        outcome = np.where(
            mesa_gone,
            "mesa disappears",
            np.where(base_gone, "mesa takes over", "stable coexistence"),
        )
        total = np.where(x + y > 0, x + y, 1.0)
        coherence = (x + p["alignment"] * y) / total
        return {"outcome": outcome, "coherence": coherence, "x": x, "y": y}

    def exact(self, point, estimand, at, *, horizon, options):
        from supercoherence.theory.competition import Outcome, outcome

        p = self._params(point)
        result = outcome({k: p[k] for k in ("alpha", "beta", "K_x", "K_y", "r_x", "r_y")})
        if result in (Outcome.BISTABLE, Outcome.DEGENERATE) or estimand == "coherence":
            return math.nan
        return 1.0 if result.value == _ESTIMAND_OUTCOME.get(estimand) else 0.0

    def classify(self, point, *, options):
        from supercoherence.theory.competition import outcome

        p = self._params(point)
        return outcome({k: p[k] for k in ("alpha", "beta", "K_x", "K_y", "r_x", "r_y")}).value


_ESTIMAND_OUTCOME = {
    "mesa_takes_over": "mesa takes over",
    "mesa_disappears": "mesa disappears",
    "coexistence": "stable coexistence",
}


def _runge_kutta(p, x, y, horizon, dt):
    def field(x, y):
        return (
            p["r_x"] * x * (1.0 - (x + p["alpha"] * y) / p["K_x"]),
            p["r_y"] * y * (1.0 - (y + p["beta"] * x) / p["K_y"]),
        )

    steps = max(1, math.ceil(horizon / dt))
    h = horizon / steps
    for _ in range(steps):
        k1 = field(x, y)
        k2 = field(x + 0.5 * h * k1[0], y + 0.5 * h * k1[1])
        k3 = field(x + 0.5 * h * k2[0], y + 0.5 * h * k2[1])
        k4 = field(x + h * k3[0], y + h * k3[1])
        x = x + h / 6.0 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
        y = y + h / 6.0 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
    return x, y


ENGINES: dict[str, Engine] = {
    engine.name: engine for engine in (ChainEngine(), AbmEngine(), CompetitionEngine())
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
