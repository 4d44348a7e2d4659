r"""Where the spawn rate comes from: training pressure (MODEL.md, seeds 000 and 004).

A base optimizer's search proposes candidate models at rate :math:`\nu` and keeps the
best-looking by a noisy proxy score.  The chance that the kept model is a
mesa-optimizer follows the logit form

.. math::

    P(\text{mesa}) = \sigma\!\left(\theta_c\,\Delta K - \theta_s\,\Delta T
        + \log\frac{p}{1 - p}\right),
    \qquad \sigma(x) = \frac{1}{1 + e^{-x}},

where :math:`\Delta K` is the description-length saving of an optimizer over a
lookup-table-like policy (simplicity pressure :math:`\theta_c \ge 0` favours it),
:math:`\Delta T` its extra run time (speed pressure :math:`\theta_s \ge 0` penalises
it), and :math:`p \in (0, 1)` the probability that an optimizer wins the proxy
comparison with no pressure at all (its *proxy advantage*, entered as log-odds so
that :math:`P = p` when both pressures vanish).  Equivalently

.. math:: P(\text{mesa}) = \frac{p\,e^{x}}{1 - p + p\,e^{x}}, \qquad
          x = \theta_c \Delta K - \theta_s \Delta T.

The spawn intensity of mesa-optimizers is then :math:`\lambda = \nu\, P(\text{mesa})`,
so a study can sweep training regimes instead of raw rates.

The symbols of this module (:data:`theta_c`, :data:`theta_s`, :data:`dK`, :data:`dT`,
:data:`proxy_advantage`, :data:`candidate_rate`) are declared here because only it
uses them; the shared ones are in :mod:`supercoherence.theory.symbols`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp
from scipy.special import expit, logit

from supercoherence.checks import check_in_interval, check_nonnegative
from supercoherence.theory.result import Derived, derived, sympify_param

__all__ = [
    "candidate_rate",
    "dK",
    "dT",
    "mesa_probability",
    "mesa_probability_derived",
    "mesa_probability_numeric",
    "proxy_advantage",
    "spawn_rate",
    "spawn_rate_derived",
    "spawn_rate_numeric",
    "theta_c",
    "theta_s",
]

theta_c = sp.Symbol("theta_c", nonnegative=True, real=True)
"""Simplicity (complexity-penalty) pressure."""
theta_s = sp.Symbol("theta_s", nonnegative=True, real=True)
"""Speed pressure."""
dK = sp.Symbol("Delta_K", real=True)
"""Description-length saving of an optimizer (bits)."""
dT = sp.Symbol("Delta_T", real=True)
"""Extra run time of an optimizer."""
proxy_advantage = sp.Symbol("p", positive=True, real=True)
"""Probability an optimizer wins the proxy comparison without pressure, in (0, 1)."""
candidate_rate = sp.Symbol("nu", nonnegative=True, real=True)
"""Rate at which the base optimizer's search proposes candidates."""


def _check_advantage(value: Any) -> Any:
    return check_in_interval("proxy_advantage", value, 0, 1, low_open=True, high_open=True)


def mesa_probability(
    complexity_pressure: Any,
    complexity_saving: Any,
    speed_pressure: Any,
    time_cost: Any,
    advantage: Any = sp.Rational(1, 2),
) -> sp.Expr:
    r"""Exact :math:`P(\text{mesa})`, the selected model's chance of being a mesa-optimizer.

    :math:`P = \sigma(\theta_c \Delta K - \theta_s \Delta T + \operatorname{logit} p)`.

    Parameters
    ----------
    complexity_pressure : number or sympy.Expr
        :math:`\theta_c \ge 0`.
    complexity_saving : number or sympy.Expr
        :math:`\Delta K` (any sign).
    speed_pressure : number or sympy.Expr
        :math:`\theta_s \ge 0`.
    time_cost : number or sympy.Expr
        :math:`\Delta T` (any sign).
    advantage : number or sympy.Expr
        Proxy advantage :math:`p \in (0, 1)` (default 1/2: none).

    Returns
    -------
    sympy.Expr
        :math:`p e^x / (1 - p + p e^x)` with :math:`x = \theta_c \Delta K - \theta_s \Delta T`.

    Raises
    ------
    ParameterError
        If a pressure is negative or the advantage outside (0, 1).

    Examples
    --------
    >>> mesa_probability(0, 5, 0, 3, sp.Rational(1, 4))
    1/4
    >>> mesa_probability(1, sp.log(3), 0, 0)
    3/4
    >>> mesa_probability(theta_c, dK, theta_s, dT, proxy_advantage)
    p*exp(Delta_K*theta_c - Delta_T*theta_s)/(p*exp(Delta_K*theta_c - Delta_T*theta_s) - p + 1)
    """
    tc = check_nonnegative(
        "complexity_pressure", sympify_param("complexity_pressure", complexity_pressure)
    )
    ts = check_nonnegative("speed_pressure", sympify_param("speed_pressure", speed_pressure))
    p = _check_advantage(sympify_param("proxy_advantage", advantage))
    x = tc * sympify_param("complexity_saving", complexity_saving) - ts * sympify_param(
        "time_cost", time_cost
    )
    return sp.simplify(p * sp.exp(x) / (1 - p + p * sp.exp(x)))


def mesa_probability_numeric(
    complexity_pressure: Any,
    complexity_saving: Any,
    speed_pressure: Any,
    time_cost: Any,
    advantage: Any = 0.5,
) -> Any:
    r"""Vectorised :math:`P(\text{mesa})`, computed as ``expit(x + logit(p))`` (no overflow).

    Examples
    --------
    >>> mesa_probability_numeric(1.0, np.log(3), 0.0, 0.0)
    0.75
    >>> mesa_probability_numeric(np.array([0.0, 1.0, 100.0]), 1.0, 0.0, 0.0).round(4).tolist()
    [0.5, 0.7311, 1.0]
    """
    tc = np.asarray(check_nonnegative("complexity_pressure", complexity_pressure), dtype=float)
    ts = np.asarray(check_nonnegative("speed_pressure", speed_pressure), dtype=float)
    p = np.asarray(_check_advantage(advantage), dtype=float)
    x = tc * np.asarray(complexity_saving, dtype=float) - ts * np.asarray(time_cost, dtype=float)
    out = expit(x + logit(p))
    return float(out) if np.ndim(out) == 0 else out


def spawn_rate(
    candidates: Any,
    complexity_pressure: Any,
    complexity_saving: Any,
    speed_pressure: Any,
    time_cost: Any,
    advantage: Any = sp.Rational(1, 2),
) -> sp.Expr:
    r"""Exact mesa spawn intensity :math:`\lambda = \nu\, P(\text{mesa})`.

    Parameters
    ----------
    candidates : number or sympy.Expr
        Candidate rate :math:`\nu \ge 0`.
    complexity_pressure, complexity_saving, speed_pressure, time_cost, advantage
        As :func:`mesa_probability`.

    Raises
    ------
    ParameterError
        If ``candidates`` is negative, or as :func:`mesa_probability`.

    Examples
    --------
    >>> spawn_rate(8, 1, sp.log(3), 0, 0)
    6
    >>> spawn_rate(10, 0, 0, 1, sp.log(2), sp.Rational(1, 2))
    10/3
    """
    nu = check_nonnegative("candidate_rate", sympify_param("candidate_rate", candidates))
    return sp.simplify(
        nu
        * mesa_probability(
            complexity_pressure, complexity_saving, speed_pressure, time_cost, advantage
        )
    )


def spawn_rate_numeric(
    candidates: Any,
    complexity_pressure: Any,
    complexity_saving: Any,
    speed_pressure: Any,
    time_cost: Any,
    advantage: Any = 0.5,
) -> Any:
    r"""Vectorised :math:`\lambda = \nu\, P(\text{mesa})`.

    Examples
    --------
    >>> spawn_rate_numeric(8.0, 1.0, np.log(3), 0.0, 0.0)
    6.0
    """
    nu = np.asarray(check_nonnegative("candidate_rate", candidates), dtype=float)
    out = nu * mesa_probability_numeric(
        complexity_pressure, complexity_saving, speed_pressure, time_cost, advantage
    )
    return float(out) if np.ndim(out) == 0 else out


def mesa_probability_derived() -> Derived:
    r""":math:`P(\text{mesa})` as a :class:`Derived` in :data:`theta_c`, :data:`dK`,
    :data:`theta_s`, :data:`dT`, :data:`proxy_advantage`.

    Examples
    --------
    >>> res = mesa_probability_derived()
    >>> res.argument_names
    ('thetac', 'DeltaK', 'thetas', 'DeltaT', 'p')
    >>> round(res.numeric(thetac=1.0, DeltaK=np.log(3), thetas=0.0, DeltaT=0.0, p=0.5), 12)
    0.75
    """
    expr = mesa_probability(theta_c, dK, theta_s, dT, proxy_advantage)
    return derived(
        "probability the selected model is a mesa-optimizer",
        expr,
        theta_c,
        dK,
        theta_s,
        dT,
        proxy_advantage,
    )


def spawn_rate_derived() -> Derived:
    r""":math:`\lambda = \nu P(\text{mesa})` as a :class:`Derived` (first argument ``nu``).

    Examples
    --------
    >>> res = spawn_rate_derived()
    >>> round(res.numeric(nu=8.0, thetac=1.0, DeltaK=np.log(3), thetas=0.0, DeltaT=0.0, p=0.5), 12)
    6.0
    """
    expr = spawn_rate(candidate_rate, theta_c, dK, theta_s, dT, proxy_advantage)
    return derived(
        "mesa spawn rate from training pressure",
        expr,
        candidate_rate,
        theta_c,
        dK,
        theta_s,
        dT,
        proxy_advantage,
    )
