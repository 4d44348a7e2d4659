r"""Value drift along the takeover chain.

At each takeover the dominant utility moves as
:math:`w_{n+1} = \rho w_n + \sqrt{1 - \rho^2}\, u_n` with :math:`u_n` uniform among
the unit vectors orthogonal to :math:`w_n` (:func:`~supercoherence.theory.utility.drift_step`).
Since :math:`E[u_n \mid w_n] = 0` and :math:`u_n \perp w_n`,
:math:`E[w_{n+1} \cdot w_0 \mid w_n] = \rho\, w_n \cdot w_0`, hence

.. math:: E[w_n \cdot w_0] = \rho^n.

With :math:`N` top-level takeovers, independent of the drift, the expected final
alignment with the original goal is :math:`E[\rho^N] = G_N(\rho)`, the probability
generating function of :math:`N`.  With :math:`P(N = k) = q_k \prod_{j<k}(1 - q_j)`:

.. math::

    E[\rho^N] = \sum_{k \ge 0} \rho^k q_k \prod_{j<k} (1 - q_j)
    \quad\text{and, stationary } q_k = q:\quad
    E[\rho^N] = \frac{q}{1 - (1 - q)\rho}.

Conventions at the edges (documented, and tested):

* :math:`\rho = 1`: no drift, the final alignment is 1 whatever :math:`N` (the
  stationary formula's :math:`0/0` at :math:`q = 0` is defined as 1);
* :math:`N = \infty` (takeovers recur forever, e.g. :math:`q = 0`): the alignment
  :math:`w_n \cdot w_0` has expectation :math:`\rho^n \to 0` for :math:`|\rho| < 1`, and
  for :math:`\rho = -1` it alternates :math:`\pm 1`; in both cases the event
  :math:`N = \infty` contributes its (Cesaro) limit 0;
* a finite list ``[q_0, ..., q_{K-1}]`` is completed by ``tail`` (default 1: the chain
  ends at level :math:`K` at the latest).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from supercoherence.checks import check_in_interval, check_positive_int, check_probability
from supercoherence.errors import ExpressionError, ParameterError
from supercoherence.theory import symbols as S
from supercoherence.theory.contest import _log2_power_bits, _mpf, _too_large
from supercoherence.theory.result import Derived, derived, sympify_param

__all__ = [
    "expected_alignment",
    "expected_alignment_numeric",
    "expected_final_alignment",
    "expected_final_alignment_derived",
    "expected_final_alignment_numeric",
]


def _exact(name: str, value: Any) -> sp.Expr:
    """A user number as the exact sympy number it denotes (a float is its binary value)."""
    if isinstance(value, float) and math.isfinite(value):
        return sp.Rational(value)
    return sympify_param(name, value)


def _rho(rho: Any) -> sp.Expr:
    return check_in_interval("rho", _exact("rho", rho), -1, 1)


def expected_alignment(n: Any, rho: Any) -> sp.Expr:
    r""":math:`E[w_n \cdot w_0] = \rho^n` after ``n`` takeovers, exactly.

    Examples
    --------
    >>> expected_alignment(3, sp.Rational(1, 2))
    1/8
    >>> expected_alignment(S.n, S.rho)
    rho**n
    >>> expected_alignment(0, 0)
    1

    When the exact power would exceed
    :data:`~supercoherence.theory.contest.EXACT_POWER_BITS` bits it is evaluated as
    :math:`\operatorname{sign}(\rho)^n e^{n \log|\rho|}` in arbitrary-exponent
    arithmetic and returned as a 30-digit ``Float`` (bounded time for any ``n``):

    >>> expected_alignment(10**308, sp.Rational(1, 2))
    5.25592593774250508983346212388e-30102999566398119521373889472449302676818988146210854131...
    """
    nn = _exact("n", n)
    if nn.is_number:
        if nn.is_infinite:
            raise ParameterError("n", n, "finite integers >= 0")
        check_positive_int("n", int(nn) if nn.is_integer else float(nn), minimum=0)
    rr = _rho(rho)
    if _too_large(rr, nn):
        extra = math.ceil(_log2_power_bits(rr, nn)) + 2
        with mpmath.workprec(128 + extra):
            value = mpmath.exp(int(nn) * mpmath.log(abs(_mpf(rr))))
        sign = -1 if (rr < 0 and int(nn) % 2) else 1
        return sp.Float(sign * value, 30)
    return rr**nn


def expected_alignment_numeric(n: Any, rho: Any) -> Any:
    r"""Vectorised :math:`\rho^n` (with :math:`0^0 = 1`).

    Examples
    --------
    >>> expected_alignment_numeric(np.arange(4), 0.5).tolist()
    [1.0, 0.5, 0.25, 0.125]
    """
    check_in_interval("rho", rho, -1, 1)
    out = np.power(np.asarray(rho, dtype=float), np.asarray(n, dtype=float))
    return float(out) if np.ndim(out) == 0 else out


def _stationary(q: sp.Expr, rho: sp.Expr) -> sp.Expr:
    formula = q / (1 - (1 - q) * rho)
    if rho.is_number and q.is_number:
        return sp.Integer(1) if rho == 1 else sp.simplify(formula)
    if rho == 1:
        return sp.Integer(1)
    return sp.Piecewise((1, sp.Eq(rho, 1)), (formula, True))


def _from_list(qs: Sequence[Any], rho: sp.Expr, tail: Any) -> sp.Expr:
    values = [check_probability("q", _exact("q", x)) for x in qs]
    tail_q = check_probability("tail", _exact("tail", tail))
    total, alive = sp.Integer(0), sp.Integer(1)
    for k, qk in enumerate(values):
        total += alive * qk * rho**k
        alive *= 1 - qk
    # beyond the list q_n = tail: a geometric tail starting at level K
    total += alive * rho ** len(values) * _stationary(tail_q, rho)
    return sp.simplify(total)


def expected_final_alignment(q: Any, rho: Any, *, tail: Any = 1) -> sp.Expr:
    r"""Expected final alignment :math:`E[\rho^N]` with the original utility, exactly.

    Parameters
    ----------
    q : number, sympy.Expr, str or sequence
        Never-overthrown probabilities: a constant (stationary case), an expression in
        :data:`~supercoherence.theory.symbols.n` for :math:`q_n`, or a finite list
        ``[q_0, ..., q_{K-1}]``.
    rho : number or sympy.Expr
        Drift correlation in [-1, 1].
    tail : number, optional
        For a list: :math:`q_n` for :math:`n \ge K` (default 1).

    Returns
    -------
    sympy.Expr
        The exact value; for an expression in ``n`` the series
        :math:`\sum_k \rho^k q_k \prod_{j<k}(1 - q_j)` evaluated where sympy can, else
        left as an unevaluated ``Sum`` (use :func:`expected_final_alignment_numeric`).
        For example :math:`q_n = 1/(n+2)^2`, :math:`\rho = 1/2` gives
        :math:`1 - \log 2` (about a second of sympy work).

    Raises
    ------
    ParameterError
        If ``rho`` is outside [-1, 1] or a probability outside [0, 1].

    Examples
    --------
    >>> expected_final_alignment(sp.Rational(1, 2), sp.Rational(1, 2))
    2/3
    >>> expected_final_alignment(S.q, S.rho)
    Piecewise((1, Eq(rho, 1)), (q/(-rho*(1 - q) + 1), True))
    >>> expected_final_alignment(0, 1), expected_final_alignment(0, sp.Rational(1, 2))
    (1, 0)
    >>> expected_final_alignment([sp.Rational(1, 2)], sp.Rational(1, 2))
    3/4

    References
    ----------
    .. [1] W. Feller, *An Introduction to Probability Theory and Its Applications*,
       vol. 1, 3rd ed. (1968), ch. XI (generating functions; the geometric law).
    """
    rr = _rho(rho)
    if isinstance(q, Sequence) and not isinstance(q, str):
        return _from_list(q, rr, tail)
    qq = sp.simplify(_exact("q", q))
    if not (qq.free_symbols & {S.n}):
        return _stationary(check_probability("q", qq), rr)
    if rr == 1:
        return sp.Integer(1)
    qk = qq.subs(S.n, S.k)
    alive = sp.simplify(sp.product(1 - qq.subs(S.n, S.t), (S.t, 0, S.k - 1)))
    series = sp.Sum(rr**S.k * qk * alive, (S.k, 0, sp.oo))
    value = series.doit()
    return series if value.has(sp.Sum) else sp.simplify(value)


def expected_final_alignment_numeric(
    q: Any, rho: float, *, terms: int = 100_000, tail: float = 1.0
) -> float:
    r"""Numeric :math:`E[\rho^N]` by summing the series.

    Parameters
    ----------
    q : float, sympy.Expr, str or array_like
        As :func:`expected_final_alignment`; an expression in ``n`` is evaluated at
        ``n = 0, ..., terms - 1`` and the series truncated there (the omitted part is at
        most :math:`|\rho|^{terms} P(N \ge terms)`).
    rho : float
        Drift correlation in [-1, 1].
    terms : int
        Truncation for expressions in ``n``.
    tail : float
        For arrays: :math:`q_n` beyond the array.

    Examples
    --------
    >>> round(expected_final_alignment_numeric(0.5, 0.5), 12)
    0.666666666667
    >>> round(expected_final_alignment_numeric("1/(n+2)**2", 0.5, terms=2000), 6)
    0.306853
    """
    rho = float(check_in_interval("rho", rho, -1, 1))
    if rho == 1.0:
        return 1.0
    if isinstance(q, str | sp.Basic):
        expr = sympify_param("q", q)
        if expr.free_symbols - {S.n}:
            raise ExpressionError("q", q, "only the symbol n may be free")
        if S.n not in expr.free_symbols:
            qq = float(check_probability("q", float(expr)))
            return qq / (1.0 - (1.0 - qq) * rho)
        values = np.broadcast_to(
            sp.lambdify(S.n, expr, "numpy")(np.arange(check_positive_int("terms", terms))),
            (terms,),
        ).astype(float)
        tail = 0.0  # truncation: the remainder is dropped
    else:
        values = np.atleast_1d(np.asarray(q, dtype=float))
        if values.size == 1 and np.ndim(q) == 0:
            qq = float(check_probability("q", float(values[0])))
            return qq / (1.0 - (1.0 - qq) * rho) if qq > 0 or rho != 1 else 1.0
    check_probability("q", values)
    check_probability("tail", tail)
    alive = np.concatenate([[1.0], np.cumprod(1.0 - values)])
    powers = rho ** np.arange(values.size + 1)
    head = float(np.sum(powers[:-1] * values * alive[:-1]))
    stationary_tail = tail / (1.0 - (1.0 - tail) * rho) if tail > 0 else 0.0
    return head + float(alive[-1] * powers[-1] * stationary_tail)


def expected_final_alignment_derived() -> Derived:
    r"""The stationary :math:`q / (1 - (1 - q)\rho)` as a :class:`Derived`.

    Examples
    --------
    >>> res = expected_final_alignment_derived()
    >>> res.numeric(q=0.5, rho=0.5)
    0.6666666666666666
    >>> res.latex
    '\\frac{q}{- \\rho \\left(1 - q\\right) + 1}'
    """
    return derived("expected final alignment", S.q / (1 - (1 - S.q) * S.rho), S.q, S.rho)
