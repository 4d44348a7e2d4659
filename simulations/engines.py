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
    :func:`supercoherence.models.nested.simulate_abm` (the Mesa model; ``nesting``
    switches on mesa-optimizers all the way down).
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
import math
from typing import Any

import numpy as np

from supercoherence.errors import ParameterError
from supercoherence.randomness import as_generator

__all__ = ["ENGINES", "Engine", "get_engine"]

_TAKEOVER_ESTIMANDS = (
    "survival",
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
    options = {"nesting": bool, "graph": str, "max_agents": int}
    estimands = (*_TAKEOVER_ESTIMANDS, "coherence", "size", "depth", "nested_takeovers")
    default_estimands = ("supercoherence_by_horizon", "mean_takeovers", "coherence")
    default_horizon = 50.0
    allows_infinite_horizon = False

    def simulate(self, point, replicates, seed, *, horizon, options):
        from supercoherence.models.nested import simulate_abm

        result = simulate_abm(
            self.scenario(point), replicates, seed=seed, horizon=horizon, **options
        )
        return result.table


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
