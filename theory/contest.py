r"""Contests between a base optimizer and a mesa-optimizer.

Tullock contest
---------------
A challenger of capability ratio :math:`\gamma = c_\text{mesa} / c_\text{base}` wins a
contest of sharpness :math:`r > 0` with probability

.. math:: s(\gamma) = \frac{\gamma^r}{1 + \gamma^r},

so :math:`s(1) = 1/2`, :math:`s(\gamma) + s(1/\gamma) = 1`, :math:`s` depends on the
capabilities only through their ratio, and :math:`s \to \mathbf 1[\gamma > 1]` as
:math:`r \to \infty` (with :math:`s(1) = 1/2` for every :math:`r`).  A spawned
mesa-optimizer is adversarial with probability :math:`1 - a`, escapes detection with
probability :math:`1 - d` and then wins the contest, so it takes over with probability

.. math:: \pi = (1 - a)(1 - d)\, s(\gamma).

Resource battle (gambler's ruin)
--------------------------------
When the contest is fought one unit of resource at a time, the base holds ``start``
units of ``total`` and wins each round with probability :math:`p` (loses with
:math:`q = 1 - p`).  With :math:`i` = ``start`` and :math:`N` = ``total`` the base is
ruined (reaches 0 before :math:`N`) with probability

.. math::

    P_\text{ruin} = \frac{q^i p^{N-i} - q^N}{p^N - q^N} \quad (p \ne 1/2), \qquad
    P_\text{ruin} = 1 - \frac{i}{N} \quad (p = 1/2),

the first form being Feller's :math:`((q/p)^N - (q/p)^i) / ((q/p)^N - 1)` multiplied
through by :math:`p^N`, so that :math:`p = 0` and :math:`p = 1` need no special case.
The expected number of rounds is

.. math::

    D = \frac{i}{q - p} - \frac{N}{q - p}\,(1 - P_\text{ruin}) \quad (p \ne 1/2), \qquad
    D = i (N - i) \quad (p = 1/2).

Conventions
-----------
Every function comes in up to three forms:

* ``success(gamma, r)`` and friends take numbers or sympy expressions and return an
  **exact sympy expression** (floats are turned into exact rationals; the case split
  :math:`p = 1/2` is a ``Piecewise`` when :math:`p` is symbolic);
* ``*_numeric(...)`` take floats or numpy arrays (broadcast) and return floats or
  arrays, without sympy, for the engines' hot loops;
* ``*_derived()`` return a :class:`~supercoherence.theory.result.Derived` in the
  model's symbols, for LaTeX and the command line.

References
----------
.. [1] G. Tullock, "Efficient rent seeking", in *Toward a Theory of the Rent-Seeking
   Society*, Texas A&M University Press (1980).
.. [2] S. Skaperdas, "Contest success functions", *Economic Theory* 7, 283-290 (1996).
.. [3] W. Feller, *An Introduction to Probability Theory and Its Applications*, vol. 1,
   3rd ed., Wiley (1968), ch. XIV, sections 2 (eq. 2.4, ruin) and 3 (eq. 3.4, duration).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp
from scipy.special import expit

from supercoherence.checks import (
    check_in_interval,
    check_nonnegative,
    check_positive,
    check_probability,
)
from supercoherence.errors import ParameterError
from supercoherence.theory import symbols as S
from supercoherence.theory.result import Derived, derived, sympify_param

__all__ = [
    "expected_duration",
    "expected_duration_numeric",
    "per_spawn_takeover",
    "per_spawn_takeover_derived",
    "per_spawn_takeover_numeric",
    "ruin_probability",
    "ruin_probability_numeric",
    "success",
    "success_derived",
    "success_limit",
    "success_numeric",
]

_HALF = sp.Rational(1, 2)
# Below this |N log(q/p)| the expected duration uses its Taylor series around p = 1/2;
# the series' relative error there is O(1e-12), the closed form's cancellation likewise.
_SERIES_THRESHOLD = 1e-4


# --------------------------------------------------------------------------- Tullock


def success(gamma: Any, r: Any = 1) -> sp.Expr:
    r"""Tullock contest success :math:`s(\gamma) = \gamma^r / (1 + \gamma^r)`, exactly.

    Parameters
    ----------
    gamma : number or sympy.Expr
        Capability ratio challenger / incumbent, :math:`\gamma > 0`.
    r : number or sympy.Expr, optional
        Sharpness :math:`r > 0` (default 1: the lottery contest).

    Returns
    -------
    sympy.Expr
        The challenger's winning probability.

    Raises
    ------
    ParameterError
        If ``gamma`` or ``r`` is provably not positive.

    Examples
    --------
    >>> success(1, 5)
    1/2
    >>> success(2, 2)
    4/5
    >>> success(0.5, 1)
    1/3
    >>> success(S.gamma, S.r)
    gamma**r/(gamma**r + 1)

    References
    ----------
    .. [1] G. Tullock, "Efficient rent seeking" (1980).
    """
    g = check_positive("gamma", sympify_param("gamma", gamma))
    rr = check_positive("r", sympify_param("r", r))
    return g**rr / (1 + g**rr)


def success_numeric(gamma: Any, r: Any = 1.0) -> Any:
    r"""Vectorised :math:`s(\gamma)`, computed stably as ``expit(r log gamma)``.

    ``gamma = inf`` gives 1, ``gamma = 0`` gives 0 (limits), ``r = inf`` gives the step
    :math:`\mathbf 1[\gamma > 1]` with :math:`s(1) = 1/2`.

    Examples
    --------
    >>> success_numeric(2.0, 2.0)
    0.8
    >>> success_numeric(np.array([0.5, 1.0, 2.0]), 1.0).round(4).tolist()
    [0.3333, 0.5, 0.6667]
    >>> success_numeric(1e6, 1e6)
    1.0
    """
    g = np.asarray(check_nonnegative("gamma", gamma), dtype=float)
    rr = np.asarray(check_positive("r", r), dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = rr * np.log(g)
    x = np.where(g == 1.0, 0.0, x)  # r = inf at gamma = 1: the tie stays 1/2
    out = expit(x)
    return float(out) if np.ndim(out) == 0 else out


def success_limit(gamma: Any) -> sp.Expr:
    r"""The :math:`r \to \infty` limit of :math:`s(\gamma)`: 1, 1/2 or 0.

    Examples
    --------
    >>> success_limit(2), success_limit(1), success_limit(sp.Rational(1, 3))
    (1, 1/2, 0)
    >>> success_limit(S.gamma)
    Piecewise((1, gamma > 1), (1/2, Eq(gamma, 1)), (0, True))
    """
    g = check_positive("gamma", sympify_param("gamma", gamma))
    return sp.Piecewise((1, g > 1), (_HALF, sp.Eq(g, 1)), (0, True))


def success_derived() -> Derived:
    r""":math:`s(\gamma)` as a :class:`Derived` in the symbols ``gamma``, ``r``.

    Examples
    --------
    >>> res = success_derived()
    >>> res.latex
    '\\frac{\\gamma^{r}}{\\gamma^{r} + 1}'
    >>> res.numeric(gamma=3.0, r=1.0)
    0.75
    """
    return derived("Tullock contest success", success(S.gamma, S.r), S.gamma, S.r)


def per_spawn_takeover(a: Any, d: Any, gamma: Any, r: Any = 1) -> sp.Expr:
    r"""Per-spawn takeover probability :math:`\pi = (1 - a)(1 - d) s(\gamma)`, exactly.

    Parameters
    ----------
    a : number or sympy.Expr
        Alignment skill: probability the spawned mesa-optimizer is robustly aligned.
    d : number or sympy.Expr
        Detection: probability an adversarial mesa-optimizer is caught.
    gamma, r : number or sympy.Expr
        Capability ratio and sharpness of the contest (see :func:`success`).

    Raises
    ------
    ParameterError
        If ``a`` or ``d`` is provably outside [0, 1], or ``gamma``, ``r`` not positive.

    Examples
    --------
    >>> per_spawn_takeover(0.5, 0.5, 1)
    1/8
    >>> per_spawn_takeover(0, 0, 3, 1)
    3/4
    >>> per_spawn_takeover(S.a, S.d, 1, S.r)
    (1 - a)*(1 - d)/2
    """
    aa = check_probability("a", sympify_param("a", a))
    dd = check_probability("d", sympify_param("d", d))
    return (1 - aa) * (1 - dd) * success(gamma, r)


def per_spawn_takeover_numeric(a: Any, d: Any, gamma: Any, r: Any = 1.0) -> Any:
    r"""Vectorised :math:`\pi = (1 - a)(1 - d) s(\gamma)`.

    Examples
    --------
    >>> per_spawn_takeover_numeric(0.5, 0.5, 1.0)
    0.125
    >>> per_spawn_takeover_numeric(np.array([0.0, 1.0]), 0.0, 3.0).tolist()
    [0.75, 0.0]
    """
    aa = np.asarray(check_probability("a", a), dtype=float)
    dd = np.asarray(check_probability("d", d), dtype=float)
    out = (1.0 - aa) * (1.0 - dd) * success_numeric(gamma, r)
    return float(out) if np.ndim(out) == 0 else out


def per_spawn_takeover_derived() -> Derived:
    r""":math:`\pi(a, d, \gamma, r)` as a :class:`Derived`.

    Examples
    --------
    >>> res = per_spawn_takeover_derived()
    >>> res.argument_names
    ('a', 'd', 'gamma', 'r')
    >>> res.numeric(a=0.0, d=0.5, gamma=1.0, r=2.0)
    0.25
    """
    return derived(
        "per-spawn takeover probability",
        per_spawn_takeover(S.a, S.d, S.gamma, S.r),
        S.a,
        S.d,
        S.gamma,
        S.r,
    )


# --------------------------------------------------------------------------- gambler's ruin


def _ruin_args(p: Any, start: Any, total: Any) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    pp = check_probability("p", sympify_param("p", p))
    nn = sympify_param("total", total)
    ii = sympify_param("start", start)
    if nn.is_integer is False or (nn.is_number and not nn.is_integer):
        raise ParameterError("total", total, "integers >= 1")
    if ii.is_integer is False or (ii.is_number and not ii.is_integer):
        raise ParameterError("start", start, "integers in [0, total]")
    check_in_interval("total", nn, 1, None)
    check_in_interval("start", ii, 0, None)
    if (ii > nn) is sp.true:
        raise ParameterError("start", start, f"integers in [0, total] = [0, {total}]")
    return pp, ii, nn


def _fair_or_not(p: sp.Expr, fair: sp.Expr, unfair: sp.Expr) -> sp.Expr:
    """The ``p = 1/2`` case split: decided for a number, a ``Piecewise`` for a symbol."""
    if p.is_number:
        return sp.simplify(fair) if p == _HALF else sp.simplify(unfair)
    if not (unfair.free_symbols - p.free_symbols):
        unfair = sp.factor(sp.simplify(unfair))
    return sp.Piecewise((fair, sp.Eq(p, _HALF)), (unfair, True))


def ruin_probability(p: Any, start: Any, total: Any) -> sp.Expr:
    r"""Probability that a player with ``start`` of ``total`` units is ruined, exactly.

    Each round the player wins one unit with probability ``p`` and loses one with
    probability ``1 - p``; play stops at 0 (ruin) or at ``total``.

    Parameters
    ----------
    p : number or sympy.Expr
        Per-round winning probability, in [0, 1].
    start : int or sympy.Expr
        Initial units, an integer in ``[0, total]``.
    total : int or sympy.Expr
        Units in play, an integer ``>= 1``.

    Returns
    -------
    sympy.Expr
        :math:`(q^i p^{N-i} - q^N)/(p^N - q^N)` for :math:`p \ne 1/2`,
        :math:`1 - i/N` for :math:`p = 1/2`; a ``Piecewise`` if ``p`` is symbolic.

    Raises
    ------
    ParameterError
        If ``p`` is outside [0, 1], ``total`` is not an integer >= 1, or ``start`` is
        not an integer in ``[0, total]``.

    Examples
    --------
    >>> ruin_probability(sp.Rational(1, 2), 3, 10)
    7/10
    >>> ruin_probability(sp.Rational(2, 3), 1, 3)
    3/7
    >>> ruin_probability(0, 2, 5), ruin_probability(1, 2, 5)
    (1, 0)
    >>> ruin_probability(S.q, 1, 2)
    Piecewise((1/2, Eq(q, 1/2)), (1 - q, True))

    Notes
    -----
    Feller's :math:`q_z = ((q/p)^a - (q/p)^z)/((q/p)^a - 1)` [1]_ multiplied through by
    :math:`p^N` (his :math:`a` is ``total``, :math:`z` is ``start``).

    References
    ----------
    .. [1] W. Feller, *An Introduction to Probability Theory and Its Applications*,
       vol. 1, 3rd ed. (1968), ch. XIV.2, eq. (2.4) and (2.5).
    """
    pp, ii, nn = _ruin_args(p, start, total)
    qq = 1 - pp
    fair = 1 - ii / nn
    unfair = (qq**ii * pp ** (nn - ii) - qq**nn) / (pp**nn - qq**nn)
    return _fair_or_not(pp, fair, unfair)


def expected_duration(p: Any, start: Any, total: Any) -> sp.Expr:
    r"""Expected number of rounds of the gambler's-ruin game, exactly.

    Parameters are those of :func:`ruin_probability`.

    Returns
    -------
    sympy.Expr
        :math:`i/(q-p) - N (1 - P_\text{ruin})/(q-p)` for :math:`p \ne 1/2`,
        :math:`i (N - i)` for :math:`p = 1/2`.

    Raises
    ------
    ParameterError
        As :func:`ruin_probability`.

    Examples
    --------
    >>> expected_duration(sp.Rational(1, 2), 3, 10)
    21
    >>> expected_duration(sp.Rational(2, 3), 1, 3)
    15/7
    >>> expected_duration(1, 2, 5), expected_duration(0, 2, 5)
    (3, 2)

    References
    ----------
    .. [1] W. Feller, *An Introduction to Probability Theory and Its Applications*,
       vol. 1, 3rd ed. (1968), ch. XIV.3, eq. (3.4) and (3.5).
    """
    pp, ii, nn = _ruin_args(p, start, total)
    qq = 1 - pp
    fair = ii * (nn - ii)
    won = 1 - (qq**ii * pp ** (nn - ii) - qq**nn) / (pp**nn - qq**nn)
    unfair = (ii - nn * won) / (qq - pp)
    return _fair_or_not(pp, fair, unfair)


def _ruin_arrays(p: Any, start: Any, total: Any) -> tuple[np.ndarray, ...]:
    pp = np.asarray(check_probability("p", p), dtype=float)
    ii = np.asarray(check_nonnegative("start", start), dtype=float)
    nn = np.asarray(check_in_interval("total", total, 1, None), dtype=float)
    if np.any(ii != np.round(ii)) or np.any(nn != np.round(nn)):
        raise ParameterError("start", start, "integers in [0, total]")
    if np.any(ii > nn):
        raise ParameterError("start", start, "integers in [0, total]")
    with np.errstate(divide="ignore"):
        log_ratio = np.log1p(-pp) - np.log(pp)  # L = log(q/p), +-inf at p = 0, 1
    return np.broadcast_arrays(pp, ii, nn, log_ratio)


def ruin_probability_numeric(p: Any, start: Any, total: Any) -> Any:
    r"""Vectorised :func:`ruin_probability`, stable near :math:`p = 1/2` and for large N.

    With :math:`L = \log(q/p)` it evaluates ``expm1(-(N-i) L) / expm1(-N L)`` for
    :math:`L > 0` and ``(expm1(N L) - expm1(i L)) / expm1(N L)`` for :math:`L < 0`,
    neither of which overflows or cancels catastrophically.

    Examples
    --------
    >>> ruin_probability_numeric(0.5, 3, 10)
    0.7
    >>> round(ruin_probability_numeric(2 / 3, 1, 3), 12)
    0.428571428571
    >>> ruin_probability_numeric(np.array([0.0, 1.0]), 2, 5).tolist()
    [1.0, 0.0]
    >>> ruin_probability_numeric(0.49, 10, 10_000) > 0.999
    True
    """
    pp, ii, nn, L = _ruin_arrays(p, start, total)
    with np.errstate(all="ignore"):
        up = np.expm1(-(nn - ii) * L) / np.expm1(-nn * L)
        down = (np.expm1(nn * L) - np.expm1(ii * L)) / np.expm1(nn * L)
        out = np.where(L > 0, up, down)
    out = np.where(L == 0, 1.0 - ii / nn, out)
    out = np.where(pp == 0.0, 1.0, out)
    out = np.where(pp == 1.0, 0.0, out)
    out = np.where(ii == 0, 1.0, np.where(ii == nn, 0.0, out))
    return float(out) if np.ndim(out) == 0 else out


def expected_duration_numeric(p: Any, start: Any, total: Any) -> Any:
    r"""Vectorised :func:`expected_duration`.

    Where :math:`N |L|` is below ``1e-4`` (:math:`L = \log(q/p)`) it uses the series
    :math:`i(N-i)\,[1 + L(2i - N)/6 + L^2(1 + i^2 - N i)/12]`, elsewhere the closed form
    written as :math:`(i - N (1 - P_\text{ruin})) / \tanh(L/2)`.

    Examples
    --------
    >>> expected_duration_numeric(0.5, 3, 10)
    21.0
    >>> round(expected_duration_numeric(2 / 3, 1, 3), 10)
    2.1428571429
    >>> round(expected_duration_numeric(0.5 + 1e-9, 500, 1000), 3)
    250000.0
    """
    pp, ii, nn, L = _ruin_arrays(p, start, total)
    won = 1.0 - ruin_probability_numeric(pp, ii, nn)
    with np.errstate(all="ignore"):
        closed = (ii - nn * won) / np.tanh(L / 2.0)
        correction = L * (2.0 * ii - nn) / 6.0 + L**2 * (1.0 + ii**2 - nn * ii) / 12.0
        series = ii * (nn - ii) * (1.0 + correction)
    out = np.where(np.abs(nn * L) < _SERIES_THRESHOLD, series, closed)
    out = np.where(pp == 1.0, nn - ii, np.where(pp == 0.0, ii, out))
    out = np.where((ii == 0) | (ii == nn), 0.0, out)
    return float(out) if np.ndim(out) == 0 else out
