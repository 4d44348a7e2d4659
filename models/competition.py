r"""Lotka-Volterra competition between a base optimizer and a mesa-optimizer, simulated.

The base holds share :math:`x`, the mesa-optimizer share :math:`y`
(:mod:`supercoherence.theory.competition` has the exact equilibria and outcomes):

.. math::

    \dot x = r_x x \left(1 - \frac{x + \alpha y}{K_x}\right), \qquad
    \dot y = r_y y \left(1 - \frac{y + \beta x}{K_y}\right).

:func:`simulate_competition` draws random initial states :math:`x_0 \sim U(0, K_x)`,
:math:`y_0 \sim U(0, m K_y)` (``initial_mesa = m``), integrates them to the horizon by
classical fixed-step Runge-Kutta (:func:`runge_kutta`, step ``dt``), vectorised over
replicates, and reads the outcome: a final share below :data:`EXCLUSION_THRESHOLD` of its
carrying capacity counts as excluded.  Outside the bistable region the outcome is the
same from every interior state, so its probability is exactly 0 or 1.

Examples
--------
>>> table = simulate_competition({"alpha": 2.0, "beta": 0.5}, 4, seed=0, horizon=50.0)
>>> sorted(set(table["outcome"].tolist()))
['mesa takes over']
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from supercoherence.errors import ParameterError
from supercoherence.randomness import Seed, as_generator

__all__ = [
    "DEFAULTS",
    "EXCLUSION_THRESHOLD",
    "OUTCOMES",
    "check_parameters",
    "initial_states",
    "runge_kutta",
    "simulate_competition",
]

#: Every parameter of the simulation, with its default: the Lotka-Volterra coefficients,
#: the alignment of the mesa-optimizer's utility with the base's (for coherence) and the
#: initial mesa share ``m`` (:math:`y_0 \sim U(0, m K_y)`).
DEFAULTS: dict[str, float] = {
    "alpha": 0.5,
    "beta": 0.5,
    "K_x": 1.0,
    "K_y": 1.0,
    "r_x": 1.0,
    "r_y": 1.0,
    "alignment": 0.0,
    "initial_mesa": 1.0,
}

#: A final share below this fraction of its carrying capacity counts as excluded.
EXCLUSION_THRESHOLD = 1e-3

#: The outcomes of a replicate (the values of
#: :class:`theory.competition.CompetitionOutcome` they match).
OUTCOMES = ("mesa disappears", "mesa takes over", "stable coexistence")

_LV_KEYS = ("alpha", "beta", "K_x", "K_y", "r_x", "r_y")


def check_parameters(point: Mapping[str, Any]) -> dict[str, float]:
    """The parameters of a point with defaults filled in, checked, as floats.

    Raises
    ------
    ParameterError
        For an unknown name or a value out of range.

    Examples
    --------
    >>> check_parameters({"alpha": 2})["alpha"], check_parameters({})["initial_mesa"]
    (2.0, 1.0)
    """
    from supercoherence.checks import check_in_interval
    from supercoherence.theory.competition import CompetitionParams

    values = {**DEFAULTS, **point}
    unknown = set(values) - set(DEFAULTS)
    if unknown:
        name = sorted(unknown)[0]
        raise ParameterError(name, values[name], f"one of {list(DEFAULTS)}")
    CompetitionParams(**{k: values[k] for k in _LV_KEYS})
    check_in_interval("alignment", values["alignment"], -1, 1)
    check_in_interval("initial_mesa", values["initial_mesa"], 0, 1, low_open=True)
    return {k: float(v) for k, v in values.items()}


def initial_states(
    params: Mapping[str, float], replicates: int, seed: Seed
) -> tuple[np.ndarray, np.ndarray]:
    """Random initial shares :math:`x_0 \\sim U(0, K_x)`, :math:`y_0 \\sim U(0, m K_y)`.

    Examples
    --------
    >>> x0, y0 = initial_states(check_parameters({"initial_mesa": 0.5}), 3, seed=1)
    >>> bool((y0 <= 0.5).all()), x0.shape
    (True, (3,))
    """
    gen = as_generator(seed)
    x = gen.uniform(0.0, params["K_x"], replicates)
    y = gen.uniform(0.0, params["initial_mesa"] * params["K_y"], replicates)
    return x, y


def runge_kutta(
    params: Mapping[str, float], x: np.ndarray, y: np.ndarray, horizon: float, dt: float
) -> tuple[np.ndarray, np.ndarray]:
    """Integrate the competition from ``(x, y)`` to ``horizon`` by classical RK4.

    The step is ``horizon / ceil(horizon / dt)`` (at most ``dt``, at least one step).

    Examples
    --------
    >>> x, y = runge_kutta(check_parameters({}), np.array([0.5]), np.array([0.5]), 60.0, 0.05)
    >>> [round(float(x[0]), 4), round(float(y[0]), 4)]  # K / (1 + alpha) each
    [0.6667, 0.6667]
    """

    def field(x, y):
        return (
            params["r_x"] * x * (1.0 - (x + params["alpha"] * y) / params["K_x"]),
            params["r_y"] * y * (1.0 - (y + params["beta"] * x) / params["K_y"]),
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


def simulate_competition(
    point: Mapping[str, Any],
    replicates: int,
    *,
    seed: Seed,
    horizon: float,
    dt: float = 0.05,
) -> dict[str, np.ndarray]:
    """The replicate table of the competition from random initial states.

    Parameters
    ----------
    point : mapping
        Parameters (names of :data:`DEFAULTS`; missing ones take their default).
    replicates : int
        Number of initial states.
    seed : int, Generator, SeedSequence or None
        The stream of the initial states.
    horizon : float
        Integration time.
    dt : float
        Largest Runge-Kutta step.

    Returns
    -------
    dict of numpy arrays
        ``outcome`` (one of :data:`OUTCOMES`), ``coherence`` (:math:`(x + a y)/(x + y)`
        with ``a = alignment``), and the final shares ``x``, ``y``.

    Examples
    --------
    >>> table = simulate_competition({}, 3, seed=0, horizon=60.0)
    >>> table["outcome"].tolist()
    ['stable coexistence', 'stable coexistence', 'stable coexistence']
    """
    p = check_parameters(point)
    x, y = initial_states(p, replicates, seed)
    x, y = runge_kutta(p, x, y, horizon, dt)
    base_gone = x < EXCLUSION_THRESHOLD * p["K_x"]
    mesa_gone = y < EXCLUSION_THRESHOLD * p["K_y"]
    outcome = np.where(
        mesa_gone,
        "mesa disappears",
        np.where(base_gone, "mesa takes over", "stable coexistence"),
    )
    total = np.where(x + y > 0, x + y, 1.0)
    coherence = (x + p["alignment"] * y) / total
    return {"outcome": outcome, "coherence": coherence, "x": x, "y": y}
