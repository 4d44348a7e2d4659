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

Numerics that keep relative accuracy
------------------------------------
With :math:`L = \log(q/p)`, computed as ``log1p((1 - 2p)/p)`` (``1 - 2p`` is exact in
floating point, so :math:`L` has a relative error of a few ulps even next to
:math:`p = 1/2`, where ``log(q) - log(p)`` would lose everything),

.. math::

    P_\text{ruin} = \frac{\operatorname{expm1}(-(N-i)L)}{\operatorname{expm1}(-NL)}
    \ (L > 0), \qquad
    P_\text{ruin} = e^{iL}\,\frac{\operatorname{expm1}((N-i)L)}{\operatorname{expm1}(NL)}
    \ (L < 0):

ratios of same-signed quantities, so a tiny ruin probability (``p > 1/2``, large
``i``) keeps its relative accuracy instead of cancelling to ``-0.0``.  For the duration
let :math:`E(x) = \operatorname{expm1}(x)/x`, :math:`a = iL`, :math:`b = NL`; then

.. math::

    D = \frac{i\,(E(b) - E(a))}{E(b)\,(q - p)}
      = i (N - i)\, \frac{L}{q - p}\, \frac{E[a, b]}{E(b)},

with the divided difference :math:`E[a, b] = \sum_{k \ge 1}
h_{k-1}(a, b)/(k+1)!` (:math:`h_k` the complete homogeneous polynomials, all terms of one
sign) used for :math:`|b| \le 1`, and the first form, reflected to :math:`i \le N/2`
(:math:`D(i, N, p) = D(N - i, N, 1 - p)`) so that it loses at most a factor 4, for
:math:`|b| > 1`.  Measured against 60-digit arithmetic (tests/theory), the relative error
of the duration is below ``1e-14`` everywhere, and that of the ruin probability below
``4.5e-16 (10 + |N L|)`` (about two units in the last place per unit of
conditioning): the factor :math:`|NL|` is the conditioning of
:math:`e^{iL}` to the last-ulp error of :math:`L` itself, and it matters only where the
ruin probability is astronomically small (``1e-13`` relative at ``5e-281``).  The exact
functions switch to this closed form in 128-bit (or wider) arithmetic when the exact
rational would exceed :data:`EXACT_POWER_BITS` bits (``p = 2/5``, ``N = 10^6`` has about
2.3 million), and return a 30-digit ``Float``.

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

import math
from typing import Any

import mpmath
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
    "EXACT_POWER_BITS",
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
#: Largest size (bits of numerator or denominator) of an exact power ``x^y`` that the exact
#: functions build; beyond it they evaluate the closed form in 128-bit arithmetic.
EXACT_POWER_BITS = 8192
#: Digits of the ``Float`` returned when the exact value would be too large.
_FLOAT_DIGITS = 30
_MP_PREC = 128
# Below this |N log(q/p)| the duration uses the divided-difference series.
_SERIES_THRESHOLD = 1.0
_SERIES_TERMS = 24


def _log2_power_bits(base: sp.Expr, exponent: sp.Expr) -> float:
    """``log2`` of the rough size in bits of the exact ``base**exponent``.

    ``-inf`` when symbolic (or trivially small); exponents beyond double range are fine.
    """
    if not (isinstance(base, sp.Expr) and isinstance(exponent, sp.Expr)):
        return -math.inf
    if not (base.is_number and exponent.is_number) or exponent.is_zero:
        return -math.inf
    if base.is_zero or base == 1 or base == -1:
        return -math.inf  # the power is trivial whatever the exponent
    try:
        with mpmath.workprec(64):
            magnitude = abs(_mpf(exponent))
            if exponent.is_Rational and exponent.q > 1:
                # sympy's radical form of x^(p/q) raises x's prime factors to powers up to
                # q: a float exponent (q = 2^44) would build integers of 2^44 bits
                magnitude = max(magnitude, mpmath.mpf(int(exponent.q)))
            log2_e = float(mpmath.log(magnitude, 2))
            if base.is_Rational:
                height = max(abs(base.p).bit_length(), base.q.bit_length(), 1)
            else:
                height = max(1.0, abs(float(mpmath.log(abs(_mpf(base)), 2))))
    except (TypeError, ValueError, OverflowError):
        return math.inf
    return log2_e + math.log2(height)


def _too_large(base: sp.Expr, exponent: sp.Expr) -> bool:
    """Whether the exact power would exceed :data:`EXACT_POWER_BITS` bits."""
    return _log2_power_bits(base, exponent) > math.log2(EXACT_POWER_BITS)


def _mpf(value: sp.Expr) -> mpmath.mpf:
    """An exact sympy number as an mpmath number at the working precision."""
    if value.is_Rational:
        return mpmath.mpf(int(value.p)) / int(value.q)
    return mpmath.mpf(sp.N(value, 45))


def _float_result(value: mpmath.mpf) -> sp.Float:
    return sp.Float(value, _FLOAT_DIGITS)


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
        The challenger's winning probability, exact; the limits at ``gamma = oo`` (1)
        and ``r = oo`` (the step of :func:`success_limit`); a 30-digit ``Float`` when
        the exact power :math:`\gamma^r` would exceed :data:`EXACT_POWER_BITS` bits
        (e.g. ``gamma = r = 1e308``, or a float ``r`` such as ``65.93285226411405``,
        whose binary denominator :math:`2^{44}` would make :math:`\gamma^r` a radical
        of that index), evaluated as :math:`1/(1 + e^{-r\log\gamma})`.

    Raises
    ------
    ParameterError
        If ``gamma`` or ``r`` is provably not positive, or NaN.

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
    >>> success(sp.oo), success(2, sp.oo), success(1, sp.oo)
    (1, 1, 1/2)
    >>> success(10**308, 10**308)
    1.00000000000000000000000000000
    >>> success(1.1, 65.93285226411405)  # not a radical of index 2^44
    0.998137687070877235494997279399
    >>> success(sp.Rational(1, 10**308), 10**308)  # 10^(-3.08e310), held exactly by mpmath
    1.00000000000000000000000000000e-308000000000000000000000000000...

    References
    ----------
    .. [1] G. Tullock, "Efficient rent seeking" (1980).
    """
    g = check_positive("gamma", _exact_value("gamma", gamma))
    rr = check_positive("r", _exact_value("r", r))
    if rr == sp.oo:
        return success_limit(g)
    if g == sp.oo:
        return sp.Integer(1)
    if _too_large(g, rr):
        with mpmath.workprec(_MP_PREC + math.ceil(_log2_power_bits(g, rr)) + 2):
            x = _mpf(rr) * mpmath.log(_mpf(g))
            value = 1 / (1 + mpmath.exp(-x))
        return _float_result(value)
    return g**rr / (1 + g**rr)


def _exact_value(name: str, value: Any) -> sp.Expr:
    """A user number as the exact sympy number it denotes (a float is its binary value)."""
    if isinstance(value, float):
        if math.isnan(value):
            raise ParameterError(name, value, "a number", "NaN")
        return sp.Rational(value) if math.isfinite(value) else sp.oo * int(np.sign(value))
    out = sympify_param(name, value)
    if isinstance(out, sp.Float) and out.is_infinite:
        return sp.oo if out > 0 else -sp.oo
    if out is sp.nan:
        raise ParameterError(name, value, "a number", "NaN")
    return out


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
    g = check_positive("gamma", _exact_value("gamma", gamma))
    if g.is_number:
        return sp.Integer(1) if g > 1 else (_HALF if g == 1 else sp.Integer(0))
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
    aa = check_probability("a", _exact_value("a", a))
    dd = check_probability("d", _exact_value("d", d))
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
    pp = check_probability("p", _exact_value("p", p))
    nn = _exact_value("total", total)
    ii = _exact_value("start", start)
    if nn.is_infinite:
        raise ParameterError("total", total, "finite integers >= 1")
    if nn.is_integer is False or (nn.is_number and not nn.is_integer):
        raise ParameterError("total", total, "integers >= 1")
    if ii.is_integer is False or (ii.is_number and not ii.is_integer):
        raise ParameterError("start", start, "integers in [0, total]")
    check_in_interval("total", nn, 1, None)
    check_in_interval("start", ii, 0, None)
    if (ii > nn) is sp.true:
        raise ParameterError("start", start, f"integers in [0, total] = [0, {total}]")
    return pp, ii, nn


def _fair_or_not(
    p: sp.Expr, fair: sp.Expr, unfair: sp.Expr, total: sp.Expr | None = None
) -> sp.Expr:
    """The ``p = 1/2`` case split: decided for a number, a ``Piecewise`` for a symbol."""
    if p.is_number:
        return sp.simplify(fair) if p == _HALF else sp.simplify(unfair)
    small = total is None or not total.is_number or total <= 64  # factor() is O(N^2)
    if small and not (unfair.free_symbols - p.free_symbols):
        unfair = sp.factor(sp.simplify(unfair))
    return sp.Piecewise((fair, sp.Eq(p, _HALF)), (unfair, True))


def _numeric_path(p: sp.Expr, start: sp.Expr, total: sp.Expr) -> bool:
    """All numbers, unfair, and the exact rational would be larger than the limit."""
    if not (p.is_number and start.is_number and total.is_number) or p == _HALF:
        return False
    return _too_large(p, total) or _too_large(1 - p, total)


def _mp_ruin(p: mpmath.mpf, i: int, n: int) -> tuple[mpmath.mpf, mpmath.mpf]:
    """``(P_ruin, duration)`` by the stable closed forms, at the working precision."""
    if p == 0 or p == 1 or i == 0 or i == n:
        ruin = mpmath.mpf(1 if (p == 0 or i == 0) and i != n else 0)
        duration = mpmath.mpf(0 if i in (0, n) else (i if p == 0 else n - i))
        return ruin, duration
    gap = 1 - 2 * p  # q - p
    if gap == 0:
        return 1 - mpmath.mpf(i) / n, mpmath.mpf(i) * (n - i)
    L = mpmath.log1p(gap / p)
    if L > 0:
        ruin = mpmath.expm1(-(n - i) * L) / mpmath.expm1(-n * L)
        won = mpmath.exp(-(n - i) * L) * mpmath.expm1(-i * L) / mpmath.expm1(-n * L)
    else:
        ruin = mpmath.exp(i * L) * mpmath.expm1((n - i) * L) / mpmath.expm1(n * L)
        won = mpmath.expm1(i * L) / mpmath.expm1(n * L)
    return ruin, (i - n * won) / gap


def _mp_value(p: sp.Expr, start: sp.Expr, total: sp.Expr, which: int) -> sp.Expr:
    with mpmath.workprec(_MP_PREC + 2 * int(total).bit_length() + 64):
        value = _mp_ruin(_mpf(p), int(start), int(total))[which]
    return sp.Integer(0) if value == 0 else _float_result(value)


def _gamblers_ruin(p: Any, start: Any, total: Any, which: int) -> sp.Expr:
    """``which = 0``: the ruin probability, ``1``: the expected duration (Feller XIV.2-3).

    Exact where the rationals stay small, else a 30-digit ``Float`` (:func:`_mp_value`).
    """
    pp, ii, nn = _ruin_args(p, start, total)
    if _numeric_path(pp, ii, nn):
        return _mp_value(pp, ii, nn, which)
    qq = 1 - pp
    fair = 1 - ii / nn if which == 0 else ii * (nn - ii)
    if pp == _HALF:
        return sp.simplify(fair)  # before building (1/2)^N, which may be huge
    ruined = (qq**ii * pp ** (nn - ii) - qq**nn) / (pp**nn - qq**nn)
    unfair = ruined if which == 0 else (ii - nn * (1 - ruined)) / (qq - pp)
    return _fair_or_not(pp, fair, unfair, nn)


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
        If the exact rational would exceed :data:`EXACT_POWER_BITS` bits, a 30-digit
        ``Float`` from the stable closed form (module docstring) in 128-bit arithmetic.

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
    >>> ruin_probability(sp.Rational(2, 5), 1, 10**6)  # exact would have 2.3e6 bits
    1.00000000000000000000000000000
    >>> ruin_probability(sp.Rational(1, 2) + sp.Rational(1, 2 * 10**9), 5 * 10**8, 10**9)
    0.268941421369995120683303447098
    >>> ruin_probability(0.5 + 5e-10, 5 * 10**8, 10**9)  # the binary float 0.5000000005000000414
    0.268941405102251132439370795571

    Notes
    -----
    Feller's :math:`q_z = ((q/p)^a - (q/p)^z)/((q/p)^a - 1)` [1]_ multiplied through by
    :math:`p^N` (his :math:`a` is ``total``, :math:`z` is ``start``).

    References
    ----------
    .. [1] W. Feller, *An Introduction to Probability Theory and Its Applications*,
       vol. 1, 3rd ed. (1968), ch. XIV.2, eq. (2.4) and (2.5).
    """
    return _gamblers_ruin(p, start, total, 0)


def expected_duration(p: Any, start: Any, total: Any) -> sp.Expr:
    r"""Expected number of rounds of the gambler's-ruin game, exactly.

    Parameters are those of :func:`ruin_probability`.

    Returns
    -------
    sympy.Expr
        :math:`i/(q-p) - N (1 - P_\text{ruin})/(q-p)` for :math:`p \ne 1/2`,
        :math:`i (N - i)` for :math:`p = 1/2` (a 30-digit ``Float`` when too large
        to be exact, as :func:`ruin_probability`).

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
    >>> expected_duration(sp.Rational(2, 5), 1, 10**6)  # (1 - N w)/(q - p), w ~ 1e-176087
    5.00000000000000000000000000000

    References
    ----------
    .. [1] W. Feller, *An Introduction to Probability Theory and Its Applications*,
       vol. 1, 3rd ed. (1968), ch. XIV.3, eq. (3.4) and (3.5).
    """
    return _gamblers_ruin(p, start, total, 1)


def _ruin_arrays(p: Any, start: Any, total: Any) -> tuple[np.ndarray, ...]:
    pp = np.asarray(check_probability("p", p), dtype=float)
    ii = np.asarray(check_nonnegative("start", start), dtype=float)
    nn = np.asarray(check_in_interval("total", total, 1, None), dtype=float)
    if np.any(~np.isfinite(nn)):
        raise ParameterError("total", total, "finite integers >= 1")
    if np.any(ii != np.round(ii)) or np.any(nn != np.round(nn)):
        raise ParameterError("start", start, "integers in [0, total]")
    if np.any(ii > nn):
        raise ParameterError("start", start, "integers in [0, total]")
    gap = 1.0 - 2.0 * pp  # q - p, exact in binary floating point for p in [1/4, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log1p(gap / pp)  # L = log(q/p), +-inf at p = 0, 1
    return np.broadcast_arrays(pp, ii, nn, log_ratio, gap)


def _won(ii: np.ndarray, nn: np.ndarray, L: np.ndarray) -> np.ndarray:
    """Winning probability ``expm1(iL)/expm1(NL)``, without overflow, for L != 0."""
    with np.errstate(all="ignore"):
        up = np.exp(-(nn - ii) * L) * np.expm1(-ii * L) / np.expm1(-nn * L)  # L > 0
        down = np.expm1(ii * L) / np.expm1(nn * L)  # L < 0
    return np.where(L > 0, up, down)


def ruin_probability_numeric(p: Any, start: Any, total: Any) -> Any:
    r"""Vectorised :func:`ruin_probability`, with relative accuracy everywhere.

    With :math:`L = \log(q/p)` (from ``log1p((1 - 2p)/p)``) it evaluates
    ``expm1(-(N-i) L) / expm1(-N L)`` for :math:`L > 0` and
    ``exp(i L) expm1((N-i) L) / expm1(N L)`` for :math:`L < 0`: no overflow and no
    cancellation, so tiny ruin probabilities keep their relative accuracy (about
    ``4.5e-16 (10 + |N L|)``, see the module docstring).

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
    >>> float(f"{ruin_probability_numeric(0.6, 200, 1000):.6g}")  # about (2/3)^200
    6.0499e-36
    """
    pp, ii, nn, L, _ = _ruin_arrays(p, start, total)
    with np.errstate(all="ignore"):
        up = np.expm1(-(nn - ii) * L) / np.expm1(-nn * L)
        down = np.exp(ii * L) * np.expm1((nn - ii) * L) / np.expm1(nn * L)
        out = np.where(L > 0, up, down)
    out = np.where(L == 0, 1.0 - ii / nn, out)
    out = np.where(pp == 0.0, 1.0, out)
    out = np.where(pp == 1.0, 0.0, out)
    out = np.where(ii == 0, 1.0, np.where(ii == nn, 0.0, out))
    return float(out) if np.ndim(out) == 0 else out


def _divided_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    r"""``(E(b) - E(a))/(b - a)`` for ``E(x) = expm1(x)/x``, ``|a|, |b| <= 1``.

    :math:`\sum_{k \ge 1} h_{k-1}(a, b)/(k+1)!` with :math:`h_k = b h_{k-1} + a^k`;
    :math:`|h_{k-1}| \le k`, so 24 terms leave less than ``1e-24``.
    """
    h = np.ones_like(a)
    a_power = np.ones_like(a)
    total = np.zeros_like(a)
    factorial = 1.0
    for k in range(1, _SERIES_TERMS + 1):
        factorial *= k + 1
        total = total + h / factorial
        a_power = a_power * a
        h = b * h + a_power
    return total


def expected_duration_numeric(p: Any, start: Any, total: Any) -> Any:
    r"""Vectorised :func:`expected_duration`, accurate to about ``1e-14`` relative.

    Where :math:`|N L| \le 1` (:math:`L = \log(q/p)`) it evaluates
    :math:`i (N - i)\,\frac{L}{q - p}\,E[a, b]/E(b)` with the divided-difference series
    (module docstring; no cancellation), elsewhere :math:`(i - N w)/(q - p)` with the
    winning probability :math:`w` from ``expm1``, reflected to :math:`i \le N/2`.

    Examples
    --------
    >>> expected_duration_numeric(0.5, 3, 10)
    21.0
    >>> round(expected_duration_numeric(2 / 3, 1, 3), 10)
    2.1428571429
    >>> round(expected_duration_numeric(0.5 + 1e-9, 500, 1000), 3)
    250000.0
    """
    pp, ii, nn, L, gap = _ruin_arrays(p, start, total)
    flip = ii > nn / 2  # D(i, N, p) = D(N - i, N, 1 - p)
    i_ = np.where(flip, nn - ii, ii)
    L_ = np.where(flip, -L, L)
    gap_ = np.where(flip, -gap, gap)
    with np.errstate(all="ignore"):
        closed = (i_ - nn * _won(i_, nn, L_)) / gap_
        a = np.clip(i_ * L_, -1.0, 1.0)
        b = np.clip(nn * L_, -1.0, 1.0)
        e_b = np.where(b == 0, 1.0, np.expm1(b) / np.where(b == 0, 1.0, b))
        ratio = np.where(gap_ == 0, 2.0, L_ / np.where(gap_ == 0, 1.0, gap_))  # L/(q-p)
        series = i_ * (nn - i_) * ratio * _divided_difference(a, b) / e_b
    out = np.where(np.abs(nn * L_) <= _SERIES_THRESHOLD, series, closed)
    out = np.where(pp == 1.0, nn - ii, np.where(pp == 0.0, ii, out))
    out = np.where((ii == 0) | (ii == nn), 0.0, out)
    return float(out) if np.ndim(out) == 0 else out
