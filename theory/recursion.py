r"""The recursion of takeovers: coherence reached, or takeovers forever.

Dominant optimizers :math:`O_0, O_1, \dots` succeed one another.  Given that
:math:`O_n` is reached, it is never overthrown with probability :math:`q_n`,
independently of the past (MODEL.md, "The recursion").  Let :math:`N` be the
number of top-level takeovers.  Then

.. math::

    P(N \ge n) = \prod_{k<n} (1 - q_k), \qquad P(N = n) = q_n \prod_{k<n} (1 - q_k),
    \qquad P(N = \infty) = \prod_{k \ge 0} (1 - q_k).

**Dichotomy.**  If some :math:`q_k = 1` then :math:`N \le k` surely.  Otherwise
:math:`\prod_k (1 - q_k) > 0` iff :math:`\sum_k q_k < \infty` (take logarithms:
:math:`-\log(1-x) \sim x`).  Hence three outcomes (:class:`Outcome`):

- ``SUPERCOHERENCE_ALMOST_SURELY``: :math:`\sum q_n = \infty` or some
  :math:`q_k = 1`; the recursion reaches a never-overthrown optimizer, :math:`N<\infty` a.s.
- ``RECURSION_WITH_POSITIVE_PROBABILITY``: :math:`0 < \prod (1 - q_n) < 1`.
- ``RECURSION_ALMOST_SURELY``: :math:`q_n = 0` for every :math:`n`; takeovers recur forever.

**Exact products.**  When :math:`q_n` is a rational function of :math:`n`, write
:math:`1 - q_n = C \prod_i (n - a_i) / \prod_j (n - b_j)`.  Then
:math:`\prod_{k<n}(1-q_k) = C^n \prod_i (-a_i)^{(n)} / \prod_j (-b_j)^{(n)}` (rising
factorials), and the infinite product is :math:`0` unless :math:`C = 1`, both degrees
agree and :math:`\sum_i a_i = \sum_j b_j`, in which case ([1]_, sec. 12.13)

.. math::

    \prod_{n \ge 0} \frac{\prod_i (n - a_i)}{\prod_j (n - b_j)}
    = \frac{\prod_j \Gamma(-b_j)}{\prod_i \Gamma(-a_i)}.

For :math:`q_n = 1/(n+2)^2`: :math:`1 - q_n = (n+1)(n+3)/(n+2)^2` and the product is
:math:`\Gamma(2)^2 / (\Gamma(1)\Gamma(3)) = 1/2`.  If :math:`\sum_i a_i > \sum_j b_j`
then :math:`q_n \sim (\sum a_i - \sum b_j)/n` and the product is 0.

**Certified numerics.**  Otherwise the product is bounded rigorously: with
:math:`P_K = \prod_{k<K}(1-q_k)` and :math:`q` decreasing on :math:`[K, \infty)`, the
integral test gives :math:`I_K \le \sum_{k\ge K} q_k \le q_K + I_K`,
:math:`I_K = \int_K^\infty q`, and :math:`-x/(1-x) \le \log(1-x) \le -x` gives

.. math::

    P_K\, e^{-(q_K + I_K)/(1 - q_K)} \;\le\; \prod_{k\ge 0}(1-q_k) \;\le\; P_K\, e^{-I_K}.

**Stationary case** :math:`q_n = q`: :math:`N \sim \mathrm{Geometric}(q)` on
:math:`\{0, 1, \dots\}`, :math:`P(N = k) = (1-q)^k q`, :math:`E[N] = (1-q)/q`,
:math:`\mathrm{Var}[N] = (1-q)/q^2` (:func:`stationary_law`).

**Capability escalation.**  The infinite-time classification does not say how fast
takeovers come: with constant hazards :math:`q_n = 0` for every :math:`n` (recursion
forever almost surely), yet if the hazard scales :math:`h_n \to 0` the tenures
:math:`\tau_n \sim \mathrm{Exp}(h_n)` grow without bound.  The number :math:`N(T)` of
takeovers by a horizon :math:`T` is then a pure-birth process,
:math:`P(N(T) \ge n) = P(\tau_0 + \dots + \tau_{n-1} \le T)` (hypoexponential), computed
exactly from the matrix exponential of its generator (:func:`takeovers_by_horizon`);
for general hazards the tenure laws are convolved on a grid.  :func:`escalation_report`
puts the classification, the tenure law and :math:`E[N(T)]` side by side.

A finite sequence ``[q_0, ..., q_{m-1}]`` means that the levels after the listed ones are
never stable (:math:`q_n = 0` for :math:`n \ge m`), so all products are finite and exact.

References
----------
.. [1] E. T. Whittaker and G. N. Watson, *A Course of Modern Analysis*, 4th ed.,
   Cambridge University Press (1927), sec. 12.13 (infinite products of rational
   functions as Gamma-function ratios).
.. [2] K. Knopp, *Theory and Application of Infinite Series*, Blackie (1951), ch. VII
   (convergence of infinite products, sec. 28).
.. [3] S. M. Ross, *Introduction to Probability Models*, 12th ed., Academic Press (2019),
   sec. 5.2.4 (hypoexponential distribution) and sec. 6.3 (pure-birth processes).
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import mpmath
import numpy as np
import scipy.integrate
import scipy.linalg
import scipy.signal
import sympy as sp

from supercoherence.checks import check_nonnegative, check_positive_int, check_probability
from supercoherence.errors import ParameterError
from supercoherence.theory import symbols as S
from supercoherence.theory.result import Derived, sympify_param

__all__ = [
    "CertifiedValue",
    "Classification",
    "EscalationReport",
    "Outcome",
    "StationaryLaw",
    "classify",
    "count_law",
    "count_probability",
    "escalation_q",
    "escalation_report",
    "expected_takeovers",
    "recurrence_probability",
    "stationary_law",
    "survival_law",
    "survival_probability",
    "takeovers_by_horizon",
]

#: Number of leading terms of an expression ``q_n`` checked exactly for ``q_n in [0, 1]``.
_CHECKED_TERMS = 32
_EPS = np.finfo(float).eps
_X = sp.Symbol("x", real=True, positive=True)  # continuous stand-in for n (integral test)


# --------------------------------------------------------------------------- outcomes


class Outcome(Enum):
    """The three outcomes of the dichotomy, plus ``UNDECIDED`` for symbolic input.

    ``UNDECIDED`` is returned only when ``q_n`` has free parameters and the outcome
    depends on them (see :attr:`Classification.conditions`) or when no convergence
    test settles the series; it is never a guess.

    Examples
    --------
    >>> Outcome.SUPERCOHERENCE_ALMOST_SURELY.value
    'supercoherence almost surely'
    """

    SUPERCOHERENCE_ALMOST_SURELY = "supercoherence almost surely"
    RECURSION_WITH_POSITIVE_PROBABILITY = "recursion forever with positive probability"
    RECURSION_ALMOST_SURELY = "recursion forever almost surely"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class CertifiedValue:
    """A number with rigorous bounds and how it was obtained.

    Attributes
    ----------
    value : float
        Best estimate (``nan`` if symbolic parameters remain).
    lower, upper : float
        Bounds with ``lower <= true value <= upper``.
    exact : sympy.Expr or None
        The closed form when one was found (``lower == value == upper`` then).
    method : str
        How the value was obtained (closed form, integral-test bounds, ...).
    terms : int
        Number of terms summed or multiplied numerically (0 for closed forms).

    Examples
    --------
    >>> CertifiedValue.from_exact(sp.Rational(1, 2), "closed form").upper
    0.5
    """

    value: float
    lower: float
    upper: float
    exact: sp.Expr | None = None
    method: str = ""
    terms: int = 0

    @classmethod
    def from_exact(cls, exact: Any, method: str) -> CertifiedValue:
        """Wrap a closed form; numbers are filled in when it has no free symbols."""
        exact = sp.sympify(exact)
        if exact.free_symbols:
            return cls(math.nan, math.nan, math.nan, exact, method)
        x = float(sp.N(exact, 30)) if exact is not sp.oo else math.inf
        return cls(x, x, x, exact, method)

    @property
    def width(self) -> float:
        """``upper - lower``."""
        return self.upper - self.lower


@dataclass(frozen=True)
class Classification:
    """Result of :func:`classify`.

    Attributes
    ----------
    outcome : Outcome
        The outcome of the dichotomy.
    reason : str
        Which test decided (or why none did).
    recurrence : CertifiedValue
        ``P(takeovers recur forever) = prod (1 - q_n)``, exact or certified.
    series_converges : bool or None
        Whether ``sum q_n < oo`` (``None`` if undecided).
    conditions : dict
        For symbolic ``q_n``: each possible outcome mapped to the sympy condition on the
        parameters under which it holds; empty when the outcome is decided.

    Examples
    --------
    >>> c = classify("1/(n+2)**2")
    >>> c.outcome is Outcome.RECURSION_WITH_POSITIVE_PROBABILITY, c.recurrence.exact
    (True, 1/2)
    """

    outcome: Outcome
    reason: str
    recurrence: CertifiedValue
    series_converges: bool | None
    conditions: dict[Outcome, sp.Basic] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.outcome.value}: {self.reason}"


# --------------------------------------------------------------------------- input


def _with_index_symbol(expr: sp.Expr) -> sp.Expr:
    """Replace any symbol named ``n`` by the project's integer symbol ``n``."""
    other = {s: S.n for s in expr.free_symbols if s.name == "n" and s != S.n}
    return expr.xreplace(other) if other else expr


def _check_terms(expr: sp.Expr, count: int = _CHECKED_TERMS) -> None:
    """Check ``q_k in [0, 1]`` for ``k < count``; exactly unless a float is clearly inside."""
    numeric = not (expr.free_symbols - {S.n})
    f = sp.lambdify(S.n, expr, modules="numpy") if numeric else None
    for k in range(count):
        if f is not None:
            with np.errstate(all="ignore"):
                x = complex(f(float(k)))
            if x.imag == 0 and 1e-12 < x.real < 1 - 1e-12:
                continue
        value = expr.subs(S.n, k)
        if value.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
            raise ParameterError(f"q[{k}]", value, "[0, 1]", "q_n is undefined at this n")
        check_probability(f"q[{k}]", value)


def _parse_q(q: Any) -> sp.Expr | tuple[sp.Expr, ...]:
    """Normalise ``q`` to a sympy expression in ``n`` or a tuple of probabilities."""
    if isinstance(q, str | sp.Basic | numbers.Number):
        expr = _with_index_symbol(sympify_param("q", q))
        if not isinstance(expr, sp.Expr):
            raise ParameterError("q", q, "an expression in n or a finite sequence")
        _check_terms(expr)
        return expr
    if isinstance(q, Sequence | np.ndarray):
        items = tuple(sympify_param(f"q[{i}]", v) for i, v in enumerate(np.ravel(q).tolist()))
        for i, value in enumerate(items):
            check_probability(f"q[{i}]", value)
        return items
    raise ParameterError("q", q, "a sympy expression in n, a string, or a finite sequence")


# --------------------------------------------------------------------------- rational q_n


@dataclass(frozen=True)
class _RationalForm:
    """``1 - q_n = scale * prod(n - zeros) / prod(n - poles)`` (roots with multiplicity)."""

    scale: sp.Expr
    zeros: tuple[sp.Expr, ...]
    poles: tuple[sp.Expr, ...]


def _roots(poly: sp.Poly) -> tuple[sp.Expr, ...] | None:
    found = sp.roots(poly, S.n)
    if sum(found.values()) != poly.degree():
        return None
    return tuple(root for root, mult in found.items() for _ in range(mult))


def _rational_form(expr: sp.Expr) -> _RationalForm | None:
    one_minus = sp.cancel(sp.together(1 - expr))
    num, den = one_minus.as_numer_denom()
    if not (num.is_polynomial(S.n) and den.is_polynomial(S.n)):
        return None
    num_poly, den_poly = sp.Poly(num, S.n), sp.Poly(den, S.n)
    if num_poly.is_zero:
        return _RationalForm(sp.S.Zero, (), ())
    zeros, poles = _roots(num_poly), _roots(den_poly)
    if zeros is None or poles is None:
        return None
    return _RationalForm(sp.simplify(num_poly.LC() / den_poly.LC()), zeros, poles)


def _nonnegative_integer(x: sp.Expr) -> bool:
    return bool(x.is_integer and x.is_nonnegative)


def _rational_partial_product(form: _RationalForm) -> sp.Expr:
    value = form.scale**S.n
    for zero in form.zeros:
        value *= sp.rf(-zero, S.n)
    for pole in form.poles:
        value /= sp.rf(-pole, S.n)
    return sp.simplify(sp.combsimp(value))


@dataclass(frozen=True)
class _Verdict:
    """Internal: the exact product and the convergence of ``sum q_n``."""

    product: sp.Expr | None
    converges: bool | sp.Basic | None
    reason: str


def _rational_verdict(expr: sp.Expr, form: _RationalForm) -> _Verdict:
    if form.scale == 0:
        return _Verdict(
            sp.S.Zero, False, "q_n = 1 for every n: the first optimizer is never overthrown"
        )
    for zero in form.zeros:
        if _nonnegative_integer(zero):
            return _Verdict(
                sp.S.Zero, None, f"q_{zero} = 1: optimizer {zero} is never overthrown, N <= {zero}"
            )
    for pole in form.poles:
        if _nonnegative_integer(pole):
            raise ParameterError(f"q[{pole}]", sp.zoo, "[0, 1]", "q_n has a pole at this n")
    degree_gap = len(form.poles) - len(form.zeros)
    if degree_gap < 0:
        raise ParameterError("q", expr, "[0, 1]", "q_n -> -oo as n -> oo")
    if degree_gap > 0:
        return _Verdict(sp.S.Zero, False, "term test: q_n -> 1 as n -> oo, so sum q_n = oo")
    excess = sp.simplify(sum(form.zeros, sp.S.Zero) - sum(form.poles, sp.S.Zero))
    gamma_ratio = sp.Mul(*(sp.gamma(-b) for b in form.poles)) / sp.Mul(
        *(sp.gamma(-a) for a in form.zeros)
    )
    gamma_ratio = sp.simplify(sp.gammasimp(gamma_ratio))
    scale_is_one = sp.simplify(sp.Eq(form.scale, 1))
    excess_is_zero = sp.simplify(sp.Eq(excess, 0))
    if scale_is_one is sp.false:
        return _Verdict(
            sp.S.Zero,
            False,
            f"term test: q_n -> {sp.simplify(1 - form.scale)} > 0, so sum q_n = oo",
        )
    if scale_is_one is sp.true and excess_is_zero is sp.true:
        return _Verdict(
            gamma_ratio,
            True,
            "q_n is rational in n with q_n = O(n^-2) (comparison with the p-series p = 2); "
            "the product is the Gamma-function ratio prod Gamma(-b_j) / prod Gamma(-a_i)",
        )
    if scale_is_one is sp.true and excess.is_positive:
        return _Verdict(
            sp.S.Zero,
            False,
            f"limit comparison with the harmonic series: n q_n -> {excess} > 0, so sum q_n = oo",
        )
    if scale_is_one is sp.true and excess.is_negative:
        raise ParameterError("q", expr, "[0, 1]", "q_n < 0 for large n")
    product = sp.Piecewise((gamma_ratio, sp.And(scale_is_one, excess_is_zero)), (0, True))
    return _Verdict(
        product,
        sp.And(scale_is_one, excess_is_zero),
        "q_n is rational in n; the outcome depends on the parameters "
        "(q_n = O(n^-2) iff its leading coefficients cancel)",
    )


# --------------------------------------------------------------------------- general q_n


def _limit(expr: sp.Expr) -> sp.Expr | None:
    try:
        value = sp.limit(expr, S.n, sp.oo)
    except (NotImplementedError, ValueError, TypeError, AttributeError):
        return None
    return None if value.has(sp.Limit, sp.AccumBounds) else value


def _series_test(expr: sp.Expr) -> tuple[bool | None, str]:
    """Decide ``sum q_n < oo`` for ``q_n >= 0``: term test, limit comparisons, sympy."""
    tail = _limit(expr)
    if tail is not None and tail.is_positive:
        return False, f"term test: q_n -> {tail} > 0, so sum q_n = oo"
    if tail is not None and tail.is_zero:
        square = _limit(S.n**2 * expr)
        if square is not None and square.is_finite:
            return True, f"limit comparison with the p-series p = 2: n^2 q_n -> {square}"
        harmonic = _limit(S.n * expr)
        if harmonic is not None and harmonic.is_positive:
            return False, f"limit comparison with the harmonic series: n q_n -> {harmonic} > 0"
        ratio = _limit(expr.subs(S.n, S.n + 1) / expr)
        if ratio is not None and (ratio - 1).is_negative:
            return True, f"ratio test: q_(n+1) / q_n -> {ratio} < 1"
    try:
        verdict = sp.Sum(expr, (S.n, 0, sp.oo)).is_convergent()
    except (NotImplementedError, ValueError, TypeError, AttributeError):
        verdict = None
    if verdict is sp.true or verdict is True:
        return True, "sympy's convergence tests (Sum.is_convergent): sum q_n < oo"
    if verdict is sp.false or verdict is False:
        return False, "sympy's convergence tests (Sum.is_convergent): sum q_n = oo"
    return None, "no convergence test decided sum q_n"


def _closed_partial_product(expr: sp.Expr) -> sp.Expr | None:
    """``prod_{k<n} (1 - q_k)`` in closed form, or ``None``."""
    form = _rational_form(expr)
    if form is not None:
        return _rational_partial_product(form)
    k = sp.Dummy("k", integer=True, nonnegative=True)
    value = sp.product(1 - expr.subs(S.n, k), (k, 0, S.n - 1))
    return None if value.has(sp.Product) else sp.simplify(value)


def _first_certain_one(expr: sp.Expr, values: np.ndarray) -> int | None:
    """Index of the first ``q_k`` that is exactly 1 (checked exactly where the float is 1)."""
    for k in np.flatnonzero(values >= 1.0):
        if sp.simplify(expr.subs(S.n, int(k)) - 1) == 0:
            return int(k)
    return None


def _tail_integral(expr: sp.Expr, start: int) -> tuple[float, float, str]:
    """``int_start^oo q(x) dx`` by mpmath tanh-sinh quadrature, and an error allowance.

    The allowance is ten times mpmath's error estimate plus 1e-25 (the working
    precision is 30 digits); when that estimate is poor, sympy's exact integral is tried.
    """
    g = expr.subs(S.n, _X)
    f = sp.lambdify(_X, g, modules="mpmath")
    with mpmath.workdps(30):
        value, error = mpmath.quad(f, [start, 2 * start + 1, mpmath.inf], error=True)
    quadrature = "tail integral by mpmath quadrature, its error estimate included"
    if error <= 1e-14 * abs(value):
        return float(value), float(10 * error) + 1e-25, quadrature
    # Slowly decaying tails defeat the quadrature's error estimate: try sympy exactly.
    tail = _symbolic_tail_integral(g)
    exact = tail.subs(_START, start) if tail is not None else None
    if exact is not None and exact.is_finite:
        return float(sp.N(exact, 30)), 1e-25, "exact tail integral (sympy)"
    return float(value), float(10 * error) + 1e-25, quadrature


_START = sp.Symbol("K", positive=True)


@functools.lru_cache(maxsize=32)
def _symbolic_tail_integral(g: sp.Expr) -> sp.Expr | None:
    """``int_K^oo g(x) dx`` as an expression in ``K``, or ``None``."""
    try:
        tail = sp.integrate(g, (_X, _START, sp.oo))
    except (NotImplementedError, ValueError, TypeError):
        return None
    return None if tail.has(sp.Integral) else tail


def _decreasing_from(expr: sp.Expr, start: int) -> bool:
    try:
        return bool(sp.is_decreasing(expr.subs(S.n, _X), sp.Interval(start, sp.oo)))
    except (NotImplementedError, ValueError, TypeError):
        return False


def _certified_product(expr: sp.Expr, rtol: float, max_terms: int) -> CertifiedValue:
    """Partial product times integral-test bounds on the tail (see the module docstring)."""
    f = sp.lambdify(S.n, expr, modules="numpy")
    terms = 64
    while True:
        q_values = np.broadcast_to(np.asarray(f(np.arange(terms + 1.0)), float), (terms + 1,))
        hit = _first_certain_one(expr, q_values)
        if hit is not None:
            return CertifiedValue(0.0, 0.0, 0.0, sp.S.Zero, f"q_{hit} = 1 exactly", hit + 1)
        logs = np.log1p(-q_values[:terms])
        log_head = math.fsum(logs)
        # Rounding allowance: a few ulps per evaluated term and per logarithm.
        slack = 8 * _EPS * (terms + abs(log_head))
        if not _decreasing_from(expr, terms):
            head = math.exp(log_head + slack)
            return CertifiedValue(
                head,
                0.0,
                head,
                None,
                f"partial product of {terms} terms; tail not certified (q_n not provably "
                "decreasing), so only the upper bound is rigorous",
                terms,
            )
        integral, error, how = _tail_integral(expr, terms)
        q_k = float(q_values[terms])
        upper = math.exp(log_head - max(integral - error, 0.0) + slack)
        lower = math.exp(log_head - (q_k + integral + error) / (1.0 - q_k) - slack)
        if upper - lower <= rtol * upper or 4 * terms > max_terms:
            value = min(max(math.exp(log_head - integral - q_k / 2), lower), upper)
            method = (
                f"partial product of {terms} terms times integral-test bounds on the tail ({how})"
            )
            if upper - lower > rtol * upper:
                method += f"; relative width {(upper - lower) / upper:.1e} > rtol at max_terms"
            return CertifiedValue(value, lower, upper, None, method, terms)
        terms *= 4


# --------------------------------------------------------------------------- public API


def survival_law(q: Any) -> Derived:
    r"""The law of the number of takeovers: :math:`P(N \ge n) = \prod_{k<n} (1 - q_k)`.

    Parameters
    ----------
    q : sympy.Expr, str, number or sequence
        :math:`q_n` as an expression in ``n`` (a string is parsed; any symbol named
        ``n`` is the index) or a finite sequence ``[q_0, ..., q_{m-1}]`` (then
        :math:`q_n = 0` beyond it and the result is a ``Piecewise`` in ``n``).

    Returns
    -------
    Derived
        The exact expression in ``n`` (rising factorials simplified; an unevaluated
        ``Product`` when no closed form is known; evaluate those with
        :func:`survival_probability`).

    Raises
    ------
    ParameterError
        If some checked :math:`q_k` lies outside [0, 1] (the name is ``q[k]``).
    ExpressionError
        If a string cannot be parsed.

    Examples
    --------
    >>> survival_law("1/(n+2)**2").exact
    (n + 2)/(2*(n + 1))
    >>> survival_law("q").exact
    (1 - q)**n
    >>> survival_law([sp.Rational(1, 2), 1]).exact
    Piecewise((1, Eq(n, 0)), (1/2, Eq(n, 1)), (0, True))
    """
    law = _parse_q(q)
    if isinstance(law, tuple):
        partial = np.cumprod([1, *[1 - v for v in law]], dtype=object)
        pieces = [(sp.nsimplify(p), sp.Eq(S.n, i)) for i, p in enumerate(partial[:-1])]
        pieces.append((sp.nsimplify(partial[-1]), True))
        return Derived("P(N >= n)", sp.Piecewise(*pieces), (S.n,))
    closed = _closed_partial_product(law)
    if closed is None:
        k = sp.Dummy("k", integer=True, nonnegative=True)
        closed = sp.Product(1 - law.subs(S.n, k), (k, 0, S.n - 1))
    return Derived("P(N >= n)", closed, _symbols_with_n(closed))


def count_law(q: Any) -> Derived:
    r""":math:`P(N = n) = q_n \prod_{k<n} (1 - q_k)`.

    Parameters and errors as :func:`survival_law`.

    Examples
    --------
    >>> count_law("1/(n+2)**2").exact
    1/(2*(n + 1)*(n + 2))
    >>> count_law("q").exact
    q*(1 - q)**n
    """
    law = _parse_q(q)
    survival = survival_law(q).exact
    if isinstance(law, tuple):
        q_n = sp.Piecewise(*[(v, sp.Eq(S.n, i)) for i, v in enumerate(law)], (0, True))
        exact = sp.piecewise_fold(survival * q_n)
    else:
        exact = sp.simplify(survival * law)
    return Derived("P(N = n)", exact, _symbols_with_n(exact))


def _symbols_with_n(expr: sp.Expr) -> tuple[sp.Symbol, ...]:
    others = sorted(expr.free_symbols - {S.n}, key=lambda s: s.name)
    return (S.n, *others)


def _q_values(law: sp.Expr | tuple[sp.Expr, ...], count: int) -> np.ndarray:
    if isinstance(law, tuple):
        values = np.zeros(count)
        m = min(count, len(law))
        values[:m] = [float(v) for v in law[:m]]
        return values
    if law.free_symbols - {S.n}:
        raise ParameterError(
            str(sorted(law.free_symbols - {S.n}, key=str)[0]),
            None,
            "a number",
            "substitute the parameters of q_n before evaluating numerically",
        )
    f = sp.lambdify(S.n, law, modules="numpy")
    values = np.broadcast_to(np.asarray(f(np.arange(count, dtype=float)), float), (count,))
    check_probability("q", values)
    return values.copy()


def _numeric_sequence(q: Any) -> np.ndarray | None:
    """``q`` as a float array when it is a plain numeric sequence (the engines' fast path)."""
    if isinstance(q, str | sp.Basic) or not isinstance(q, Sequence | np.ndarray):
        return None
    arr = np.asarray(q)
    if arr.dtype.kind not in "iuf":
        return None
    arr = np.ravel(arr).astype(float)
    check_probability("q", arr)
    return arr


def _q_array(q: Any, count: int) -> np.ndarray:
    """The first ``count`` values of ``q_n`` as floats (zeros past a finite sequence)."""
    values = _numeric_sequence(q)
    if values is None:
        return _q_values(_parse_q(q), count)
    out = np.zeros(count)
    m = min(count, values.size)
    out[:m] = values[:m]
    return out


def survival_probability(q: Any, n: Any) -> Any:
    r"""Numeric :math:`P(N \ge n)` for integer ``n`` (vectorised), by cumulative products.

    Parameters
    ----------
    q : sympy.Expr, str, number or sequence
        As in :func:`survival_law`; free parameters must be substituted first.
    n : int or array_like of int
        Numbers of takeovers, ``>= 0``.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> survival_probability("1/(n+2)**2", [0, 1, 2, 100]).round(6).tolist()
    [1.0, 0.75, 0.666667, 0.50495]
    """
    n_arr = np.asarray(n)
    if n_arr.size and (np.any(n_arr < 0) or np.any(n_arr != np.round(n_arr))):
        raise ParameterError("n", n, "integers >= 0")
    top = int(n_arr.max(initial=0))
    partial = np.concatenate([[1.0], np.cumprod(1.0 - _q_array(q, top))])
    out = partial[n_arr.astype(int)]
    return float(out) if out.ndim == 0 else out


def count_probability(q: Any, n: Any) -> Any:
    r"""Numeric :math:`P(N = n)` for integer ``n`` (vectorised).

    Examples
    --------
    >>> count_probability("1/(n+2)**2", [0, 1]).round(6).tolist()
    [0.25, 0.083333]
    """
    n_arr = np.asarray(n)
    q_n = _q_array(q, int(n_arr.max(initial=0)) + 1)[n_arr.astype(int)]
    out = survival_probability(q, n_arr) * q_n
    return float(out) if np.ndim(out) == 0 else out


def _finite_product(law: tuple[sp.Expr, ...]) -> CertifiedValue:
    product = sp.simplify(sp.Mul(*[1 - v for v in law]))
    return CertifiedValue.from_exact(product, f"finite product of {len(law)} factors")


def _expression_verdict(
    expr: sp.Expr, rtol: float, max_terms: int
) -> tuple[CertifiedValue, bool | sp.Basic | None, str]:
    """The product, the convergence of ``sum q_n`` and the reason, for an expression."""
    if sp.simplify(expr) == 0:
        return CertifiedValue.from_exact(1, "q_n = 0"), True, "q_n = 0 for every n"
    form = _rational_form(expr)
    if form is not None:
        verdict = _rational_verdict(expr, form)
        return (
            CertifiedValue.from_exact(verdict.product, "closed form (Gamma-function ratio)"),
            verdict.converges,
            verdict.reason,
        )
    if expr.free_symbols - {S.n}:
        converges, reason = _series_test(expr)
        closed = _closed_partial_product(expr)
        exact = _limit(closed) if closed is not None else None
        if converges is False:
            exact = sp.S.Zero
        if exact is None:
            nan = math.nan
            return CertifiedValue(nan, nan, nan, None, "symbolic parameters"), converges, reason
        return (
            CertifiedValue.from_exact(exact, "closed form (limit of the partial product)"),
            converges,
            reason,
        )
    converges, reason = _series_test(expr)
    if converges is False:
        return CertifiedValue.from_exact(0, "sum q_n = oo"), False, reason
    hit = _first_certain_one(expr, _q_values(expr, _CHECKED_TERMS))
    if hit is not None:
        return (
            CertifiedValue.from_exact(0, f"q_{hit} = 1"),
            converges,
            f"q_{hit} = 1: optimizer {hit} is never overthrown, N <= {hit}",
        )
    closed = _closed_partial_product(expr)
    exact = _limit(closed) if closed is not None else None
    if exact is not None and exact.is_finite:
        return (
            CertifiedValue.from_exact(exact, "closed form (limit of the partial product)"),
            converges,
            reason,
        )
    return _certified_product(expr, rtol, max_terms), converges, reason


def recurrence_probability(
    q: Any, *, rtol: float = 1e-10, max_terms: int = 2**20
) -> CertifiedValue:
    r"""The probability that takeovers recur forever, :math:`\prod_{n \ge 0} (1 - q_n)`.

    Parameters
    ----------
    q : sympy.Expr, str, number or sequence
        :math:`q_n` as an expression in ``n`` or a finite sequence (see
        :func:`survival_law`).
    rtol : float, optional
        Target relative width of the certified interval when no closed form exists.
    max_terms : int, optional
        Largest number of factors multiplied numerically.

    Returns
    -------
    CertifiedValue
        ``exact`` is the closed form when found (Gamma-function ratio for rational
        :math:`q_n`, limit of a sympy partial product otherwise, 0 when
        :math:`\sum q_n = \infty`); otherwise ``lower <= product <= upper`` rigorously,
        from a partial product and integral-test bounds on the tail.

    Raises
    ------
    ParameterError
        If some :math:`q_k` is outside [0, 1] (named ``q[k]``), or ``q_n`` leaves
        [0, 1] as ``n -> oo`` (named ``q``).

    Notes
    -----
    The numeric bounds need :math:`q` decreasing on the tail (checked with
    ``sympy.is_decreasing``); without it only the upper bound is rigorous and the
    ``method`` says so.  Floating-point rounding of the partial product is covered by a
    slack of :math:`8\epsilon(K + |\log P_K|)` in the exponent.

    Examples
    --------
    >>> recurrence_probability("1/(n+2)**2").exact
    1/2
    >>> recurrence_probability("1/(4*(n+1)**2)").exact  # Wallis
    2/pi
    >>> recurrence_probability("1/(n+2)").exact
    0
    >>> recurrence_probability([sp.Rational(1, 3), sp.Rational(1, 4)]).exact
    1/2
    >>> v = recurrence_probability("exp(-n - 1)")
    >>> v.lower <= 0.504428654726 <= v.upper, v.exact is None  # (1/e; 1/e)_oo
    (True, True)
    """
    law = _parse_q(q)
    if isinstance(law, tuple):
        return _finite_product(law)
    return _expression_verdict(law, rtol, max_terms)[0]


def classify(q: Any, *, rtol: float = 1e-10, max_terms: int = 2**20) -> Classification:
    r"""Which side of the dichotomy a sequence :math:`q_n` is on, and why.

    Parameters
    ----------
    q : sympy.Expr, str, number or sequence
        :math:`q_n` (see :func:`survival_law`).
    rtol, max_terms
        Passed to :func:`recurrence_probability` when a numeric product is needed.

    Returns
    -------
    Classification
        The :class:`Outcome`, the reason (the convergence test that decided), the value
        of :math:`\prod (1 - q_n)` (exact or certified) and, for symbolic parameters,
        the condition on them under which each outcome holds.

    Raises
    ------
    ParameterError
        As :func:`recurrence_probability`.

    Notes
    -----
    Tests, in order: :math:`q_n \equiv 0`; an exact :math:`q_k = 1`; for rational
    :math:`q_n`, the degrees and the sums of roots (exact); otherwise the term test,
    limit comparison with :math:`\sum n^{-2}` and with the harmonic series, the ratio
    test, and ``sympy.Sum.is_convergent``.

    Examples
    --------
    >>> classify("1/(n+2)").outcome.name
    'SUPERCOHERENCE_ALMOST_SURELY'
    >>> classify(0).outcome.name
    'RECURSION_ALMOST_SURELY'
    >>> c = classify("q")
    >>> c.outcome.name, c.conditions[Outcome.SUPERCOHERENCE_ALMOST_SURELY]
    ('UNDECIDED', Ne(q, 0))
    """
    law = _parse_q(q)
    if isinstance(law, tuple):
        value = _finite_product(law)
        reason = f"finite sequence of {len(law)} levels; q_n = 0 after it"
        outcome = _outcome_of(value.exact)
        conditions = _conditions(value.exact) if outcome is Outcome.UNDECIDED else {}
        return Classification(outcome, reason, value, True, conditions)
    value, converges, reason = _expression_verdict(law, rtol, max_terms)
    if value.exact is not None:
        outcome = _outcome_of(value.exact)
        conditions = {} if outcome is not Outcome.UNDECIDED else _conditions(value.exact)
        return Classification(outcome, reason, value, _as_bool(converges), conditions)
    if converges is True and value.lower > 0:
        outcome = Outcome.RECURSION_WITH_POSITIVE_PROBABILITY
    elif converges is True and not (law.free_symbols - {S.n}):
        outcome = Outcome.RECURSION_WITH_POSITIVE_PROBABILITY
        reason += f"; q_k < 1 checked for k < {_CHECKED_TERMS} and q_n -> 0"
    else:
        outcome = Outcome.UNDECIDED
    return Classification(outcome, reason, value, _as_bool(converges))


def _as_bool(value: Any) -> bool | None:
    if value is True or value is sp.true:
        return True
    if value is False or value is sp.false:
        return False
    return None


def _outcome_of(product: sp.Expr) -> Outcome:
    if product == 1:
        return Outcome.RECURSION_ALMOST_SURELY
    if product == 0:
        return Outcome.SUPERCOHERENCE_ALMOST_SURELY
    if product.is_positive and (product - 1).is_negative:
        return Outcome.RECURSION_WITH_POSITIVE_PROBABILITY
    return Outcome.UNDECIDED


def _conditions(product: sp.Expr) -> dict[Outcome, sp.Basic]:
    def simple(cond: sp.Basic) -> sp.Basic:
        return sp.simplify(sp.piecewise_fold(cond)) if not isinstance(cond, bool) else cond

    if isinstance(product, sp.Piecewise):
        return _piecewise_conditions(product)
    return {
        Outcome.RECURSION_ALMOST_SURELY: simple(sp.Eq(product, 1)),
        Outcome.RECURSION_WITH_POSITIVE_PROBABILITY: simple(
            sp.And(sp.Gt(product, 0), sp.Lt(product, 1))
        ),
        Outcome.SUPERCOHERENCE_ALMOST_SURELY: simple(sp.Eq(product, 0)),
    }


def _piecewise_conditions(product: sp.Piecewise) -> dict[Outcome, sp.Basic]:
    """Outcome conditions of a Piecewise product whose pieces are decided."""
    found: dict[Outcome, sp.Basic] = {}
    taken: sp.Basic = sp.false
    for value, cond in product.args:
        here = sp.simplify(sp.And(cond, sp.Not(taken)))
        outcome = _outcome_of(sp.sympify(value))
        if outcome is Outcome.UNDECIDED:
            return {}
        found[outcome] = sp.simplify(sp.Or(found.get(outcome, sp.false), here))
        taken = sp.Or(taken, cond)
    return found


def expected_takeovers(q: Any, *, max_terms: int = 2**20) -> CertifiedValue:
    r""":math:`E[N] = \sum_{n \ge 1} P(N \ge n)`.

    Infinite whenever takeovers recur forever with positive probability, and possibly
    infinite even when :math:`N < \infty` almost surely (``q_n = 1/(n+2)``: :math:`P(N
    \ge n) = 1/(n+1)`).

    Parameters
    ----------
    q : sympy.Expr, str, number or sequence
        :math:`q_n` (see :func:`survival_law`).
    max_terms : int, optional
        Largest number of terms summed numerically when sympy finds no closed form.

    Returns
    -------
    CertifiedValue
        Exact when sympy sums :math:`P(N \ge n)`; otherwise a partial sum with a
        rigorous tail bound when :math:`q_k \ge q_* > 0` is certified on the tail
        (:math:`q` monotone there; the tail is then at most :math:`P(N \ge K+1)/q_*`),
        else with ``upper = inf``.

    Examples
    --------
    >>> expected_takeovers("q").exact
    Piecewise((oo, Eq(q, 0)), ((1 - q)/q, True))
    >>> expected_takeovers("2/(n+3)").exact
    1
    >>> expected_takeovers("1/(n+2)").exact
    oo
    >>> expected_takeovers("1/(n+2)**2").exact
    oo
    """
    law = _parse_q(q)
    recurrence = recurrence_probability(q) if not _is_constant(law) else None
    if recurrence is not None and recurrence.exact is not None and recurrence.exact != 0:
        if recurrence.exact.is_positive:
            return CertifiedValue.from_exact(sp.oo, "P(N = oo) > 0")
    if recurrence is not None and recurrence.exact is None and recurrence.lower > 0:
        return CertifiedValue.from_exact(sp.oo, "P(N = oo) > 0 (certified lower bound)")
    if _is_constant(law):
        return _constant_mean(law)
    if isinstance(law, tuple):
        survival = np.cumprod([1, *[1 - v for v in law]], dtype=object)[1:]
        total = sp.simplify(sum(survival, sp.S.Zero))
        return _unless_recurrent(total, recurrence, "finite sum")
    closed = _closed_partial_product(law)
    if closed is not None:
        total = sp.simplify(sp.summation(closed, (S.n, 1, sp.oo)))
        if not total.has(sp.Sum):
            return _unless_recurrent(total, recurrence, "closed form (sympy summation)")
    return _numeric_mean(law, max_terms)


def _unless_recurrent(total: sp.Expr, recurrence: CertifiedValue, method: str) -> CertifiedValue:
    """``total`` if ``P(N = oo) = 0``; ``oo`` where it is positive (symbolic: Piecewise)."""
    product = recurrence.exact
    if product is None or product == 0:
        return CertifiedValue.from_exact(total, method)
    mean = sp.Piecewise((total, sp.Eq(product, 0)), (sp.oo, True))
    return CertifiedValue.from_exact(mean, method + "; infinite where P(N = oo) > 0")


def _is_constant(law: sp.Expr | tuple[sp.Expr, ...]) -> bool:
    return not isinstance(law, tuple) and S.n not in law.free_symbols


def _constant_mean(q_value: sp.Expr) -> CertifiedValue:
    mean = sp.Piecewise((sp.oo, sp.Eq(q_value, 0)), ((1 - q_value) / q_value, True))
    return CertifiedValue.from_exact(sp.simplify(mean), "geometric law: (1 - q)/q")


def _tail_lower_bound(law: sp.Expr, start: int, q_start: float) -> float:
    """A lower bound on ``q_k`` for ``k >= start`` (0 when none is certified)."""
    g = law.subs(S.n, _X)
    tail = sp.Interval(start, sp.oo)
    try:
        if sp.is_increasing(g, tail):
            return q_start
        if sp.is_decreasing(g, tail):
            limit = _limit(law)
            return float(limit) if limit is not None and limit.is_real else 0.0
    except (NotImplementedError, ValueError, TypeError):
        pass
    return 0.0


def _numeric_mean(law: sp.Expr, max_terms: int) -> CertifiedValue:
    q_values = _q_values(law, max_terms + 1)
    survival = np.cumprod(1.0 - q_values)  # survival[i] = P(N >= i + 1)
    partial = math.fsum(survival[:max_terms])
    slack = 8 * _EPS * max_terms * partial
    q_low = _tail_lower_bound(law, max_terms, float(q_values[max_terms]))
    if q_low > 0:
        # sum_{n > K} P(N >= n) <= P(N >= K + 1) sum_j (1 - q_low)^j
        upper = partial + slack + float(survival[max_terms]) / q_low
        method = f"partial sum of {max_terms} terms with a geometric tail bound"
        return CertifiedValue(partial, partial - slack, upper, None, method, max_terms)
    method = f"partial sum of {max_terms} terms; tail not certified"
    return CertifiedValue(partial, partial - slack, math.inf, None, method, max_terms)


# --------------------------------------------------------------------------- stationary law


@dataclass(frozen=True)
class StationaryLaw:
    """The geometric law of ``N`` when ``q_n = q`` for every ``n`` (see :func:`stationary_law`).

    Attributes
    ----------
    pmf, survival, mean, variance, pgf : Derived
        :math:`P(N = k)`, :math:`P(N \\ge k)`, :math:`E[N]`, :math:`Var[N]` and
        :math:`E[s^N]`.
    """

    pmf: Derived
    survival: Derived
    mean: Derived
    variance: Derived
    pgf: Derived


def stationary_law(q: Any = S.q) -> StationaryLaw:
    r"""The law of :math:`N` for a stationary recursion, :math:`q_n = q \in (0, 1]`.

    :math:`N \sim \mathrm{Geometric}(q)` on :math:`\{0, 1, \dots\}`:
    :math:`P(N = k) = (1-q)^k q`, :math:`P(N \ge k) = (1-q)^k`,
    :math:`E[N] = (1-q)/q`, :math:`\mathrm{Var}[N] = (1-q)/q^2`,
    :math:`E[s^N] = q / (1 - (1-q) s)`.

    Parameters
    ----------
    q : sympy.Expr or number, optional
        The never-overthrown probability; default the symbol ``q``.

    Returns
    -------
    StationaryLaw

    Raises
    ------
    ParameterError
        If ``q`` is provably outside (0, 1] (``q = 0`` means no takeover ever ends the
        recursion: ``N = oo`` surely).

    References
    ----------
    .. [1] W. Feller, *An Introduction to Probability Theory and Its Applications*,
       vol. I, 3rd ed., Wiley (1968), sec. XI.2 (geometric distribution).

    Examples
    --------
    >>> law = stationary_law()
    >>> law.mean.exact, law.variance.exact
    ((1 - q)/q, (1 - q)/q**2)
    >>> law.pmf.numeric(q=0.25, k=2)
    0.140625
    >>> stationary_law(sp.Rational(1, 4)).mean.exact
    3
    """
    value = sympify_param("q", q)
    check_probability("q", value)
    if value == 0:
        raise ParameterError("q", q, "(0, 1]", "q = 0: N = oo surely")
    k, s = S.k, S.s
    return StationaryLaw(
        pmf=Derived("P(N = k)", (1 - value) ** k * value, _with_k(value)),
        survival=Derived("P(N >= k)", (1 - value) ** k, _with_k(value)),
        mean=Derived("E[N]", sp.simplify((1 - value) / value)),
        variance=Derived("Var[N]", sp.simplify((1 - value) / value**2)),
        pgf=Derived("E[s^N]", value / (1 - (1 - value) * s), (s, *_params(value))),
    )


def _params(expr: sp.Expr) -> tuple[sp.Symbol, ...]:
    return tuple(sorted(expr.free_symbols, key=lambda x: x.name))


def _with_k(expr: sp.Expr) -> tuple[sp.Symbol, ...]:
    return (S.k, *_params(expr))


# --------------------------------------------------------------------------- escalation


def escalation_q(h: Any, delta: Any = None) -> sp.Expr:
    r""":math:`q_n` from hazard scales :math:`h_n` and entrenchment rates :math:`\delta_n`.

    With entrenchment, :math:`h_n(t) = h_n e^{-\delta_n t}` and
    :math:`q_n = e^{-h_n/\delta_n}`; without (``delta=None``, constant hazard in time)
    :math:`q_n = 0` where :math:`h_n > 0` and 1 where :math:`h_n = 0`.

    Parameters
    ----------
    h : sympy.Expr or str
        Hazard scale :math:`h_n \ge 0` as an expression in ``n``.
    delta : sympy.Expr, str or None
        Entrenchment rate :math:`\delta_n > 0` in ``n``, or ``None``.

    Returns
    -------
    sympy.Expr

    Examples
    --------
    >>> escalation_q("2**(-n)")
    0
    >>> escalation_q("2**(-n)", "1")
    exp(-1/2**n)
    >>> escalation_q(1, "1/(n+1)")
    exp(-n - 1)
    """
    h_n = check_nonnegative("h", _with_index_symbol(sympify_param("h", h)))
    if delta is None:
        return sp.piecewise_fold(sp.Piecewise((1, sp.Eq(h_n, 0)), (0, True)))
    delta_n = _with_index_symbol(sympify_param("delta", delta))
    if delta_n.is_positive is False:
        raise ParameterError("delta", delta, "(0, oo)")
    return sp.simplify(sp.exp(-h_n / delta_n))


def takeovers_by_horizon(rates: Any, horizon: float) -> np.ndarray:
    r""":math:`P(N(T) \ge n)`, :math:`n = 0, \dots, m`, for constant hazards (exact).

    Tenures :math:`\tau_k \sim \mathrm{Exp}(h_k)` are independent, so the number of
    takeovers by :math:`T` is a pure-birth process and
    :math:`P(N(T) \ge n) = P(\tau_0 + \dots + \tau_{n-1} \le T)` (hypoexponential).  It
    is read off the first row of :math:`e^{GT}` for the bidiagonal generator
    :math:`G` (rates ``h_0, ..., h_{m-1}``, level ``m`` absorbing), which stays accurate
    when rates coincide (the partial-fraction formula does not).

    Parameters
    ----------
    rates : array_like
        Hazard scales :math:`h_0, \dots, h_{m-1} \ge 0`.
    horizon : float
        :math:`T \ge 0`.

    Returns
    -------
    numpy.ndarray
        Length ``m + 1``; entry ``n`` is :math:`P(N(T) \ge n)`, entry 0 is 1.

    Examples
    --------
    >>> takeovers_by_horizon([1.0, 1.0], 1.0).round(6).tolist()  # Poisson(1) tail
    [1.0, 0.632121, 0.264241]
    """
    h = np.asarray(rates, dtype=float)
    check_nonnegative("rates", h)
    check_nonnegative("horizon", horizon)
    m = h.size
    generator = np.zeros((m + 1, m + 1))
    generator[np.arange(m), np.arange(m)] = -h
    generator[np.arange(m), np.arange(1, m + 1)] = h
    first_row = np.clip(scipy.linalg.expm(generator * float(horizon))[0], 0.0, 1.0)
    tail = np.minimum(np.cumsum(first_row[::-1])[::-1], 1.0)
    tail[0] = 1.0
    return tail


@dataclass(frozen=True)
class EscalationReport:
    """Infinite-time classification beside the finite-horizon behaviour (escalation).

    Attributes
    ----------
    classification : Classification
        Of :math:`q_n` (:func:`classify`).
    q_expr : sympy.Expr
        :math:`q_n`.
    hazard_scales : numpy.ndarray
        :math:`h_0, \\dots, h_{L-1}` for the levels reported.
    never_overthrown : numpy.ndarray
        :math:`q_0, \\dots, q_{L-1}`.
    median_tenures, mean_tenures : numpy.ndarray
        Per level; ``inf`` where a tenure is infinite with probability >= 1/2 (median)
        or > 0 (mean).
    horizon : float
        :math:`T`.
    takeover_tail : numpy.ndarray
        :math:`P(N(T) \\ge n)`, :math:`n = 0, \\dots, L`.
    expected_by_horizon : float
        :math:`E[N(T)]`.
    regime : str
        ``"supercoherence"``, ``"recurs forever with positive probability"``,
        ``"recurs forever at a non-vanishing rate"`` or ``"recurs forever at a
        vanishing rate"`` (hazard scales tend to 0), ``"undecided"``.
    """

    classification: Classification
    q_expr: sp.Expr
    hazard_scales: np.ndarray
    never_overthrown: np.ndarray
    median_tenures: np.ndarray
    mean_tenures: np.ndarray
    horizon: float
    takeover_tail: np.ndarray
    expected_by_horizon: float
    regime: str

    def summary(self) -> str:
        """One paragraph for people."""
        return (
            f"{self.classification}. Regime: {self.regime}. "
            f"E[takeovers by T = {self.horizon:g}] = {self.expected_by_horizon:.6g}; "
            f"mean tenure of levels 0, 1, 2: {self.mean_tenures[:3].tolist()}"
        )


def _grid_tail(
    cumulative: Callable[[int, np.ndarray], np.ndarray], levels: int, horizon: float, grid: int
) -> np.ndarray:
    r""":math:`P(N(T) \ge n)` by convolving the tenure laws on a grid.

    With :math:`C_n(t) = P(S_n \le t)`, :math:`C_{n+1}(t) = \int_0^t F_n(t - s)\, dC_n(s)`;
    the mass of :math:`S_n` in each cell sits at its midpoint (midpoint rule).
    """
    dt = horizon / grid
    edges = np.arange(1, grid + 1) * dt
    midpoints = (np.arange(grid) + 0.5) * dt

    def tenure_cdf(level: int, times: np.ndarray) -> np.ndarray:
        return -np.expm1(-np.asarray(cumulative(level, times), dtype=float))

    cdf = tenure_cdf(0, edges)  # C_1 on the grid, exact
    tail = [1.0, float(cdf[-1])]
    for level in range(1, levels):
        if tail[-1] < 1e-14:
            break
        mass = np.diff(cdf, prepend=0.0)
        cdf = np.clip(scipy.signal.fftconvolve(mass, tenure_cdf(level, midpoints))[:grid], 0, 1)
        tail.append(float(cdf[-1]))
    return np.asarray(tail)


def escalation_report(
    scenario: Any, horizon: float, *, levels: int = 200, grid: int = 4000
) -> EscalationReport:
    r"""Classify a :class:`~supercoherence.theory.scenario.TakeoverScenario` and report
    the finite-horizon behaviour that the infinite-time classification hides.

    Parameters
    ----------
    scenario : TakeoverScenario
        Provides ``q_expr()``, ``hazard_scale(n)``, ``cumulative_hazard(n, t)``,
        ``total_hazard(n)``, ``inverse_cumulative_hazard(n, y)`` and ``hazard``.
    horizon : float
        :math:`T > 0`.
    levels : int, optional
        Number of levels :math:`L` for which tenures and :math:`P(N(T) \ge n)` are computed.
    grid : int, optional
        Grid cells on :math:`[0, T]` for non-constant hazards.

    Returns
    -------
    EscalationReport

    Examples
    --------
    >>> from supercoherence.theory.scenario import TakeoverScenario
    >>> sc = TakeoverScenario(hazard="constant", detection_scaling=1.0, capability_ratio=2.0)
    >>> report = escalation_report(sc, 10.0, levels=50)
    >>> report.classification.outcome.name, report.regime
    ('RECURSION_ALMOST_SURELY', 'recurs forever at a vanishing rate')
    >>> round(report.expected_by_horizon, 4), report.mean_tenures[:2].round(2).tolist()
    (1.0723, [6.0, 16.31])

    Notes
    -----
    Constant hazards use the exact pure-birth formula (:func:`takeovers_by_horizon`);
    other hazards convolve the tenure laws :math:`1 - e^{-\Lambda_n(t)}` on a grid
    (midpoint rule).  :math:`E[N(T)] = \sum_{n=1}^{L} P(N(T) \ge n)`, a lower bound that
    is exact when :math:`P(N(T) \ge L)` is negligible.
    """
    check_positive_int("levels", levels)
    check_positive_int("grid", grid)
    horizon = float(check_nonnegative("horizon", horizon))
    q_expr = scenario.q_expr()
    classification = classify(q_expr)
    index = np.arange(levels)
    h = np.asarray(scenario.hazard_scale(index), float)
    q_values = np.asarray(scenario.q(index), float)
    median = np.asarray(scenario.inverse_cumulative_hazard(index, math.log(2.0)), float)
    mean = _mean_tenures(scenario, index, h, q_values)
    if scenario.hazard == "constant":
        tail = takeovers_by_horizon(h, horizon)
    else:
        tail = _grid_tail(scenario.cumulative_hazard, levels, horizon, grid)
    regime = _regime(classification, scenario)
    return EscalationReport(
        classification,
        q_expr,
        h,
        q_values,
        median,
        mean,
        horizon,
        tail,
        float(math.fsum(tail[1:])),
        regime,
    )


def _mean_tenures(
    scenario: Any, index: np.ndarray, h: np.ndarray, q_values: np.ndarray
) -> np.ndarray:
    """``E[tau_n]``: ``1/h_n`` for constant hazards, ``inf`` where ``q_n > 0``, exact
    for power decay with ``beta = 1``, else ``int_0^oo exp(-Lambda_n(t)) dt`` by vector
    quadrature (power decay with ``beta < 1``: a stretched exponential, finite)."""
    if scenario.hazard == "constant":
        with np.errstate(divide="ignore"):
            return np.where(h > 0, 1.0 / np.where(h > 0, h, 1.0), np.inf)
    means = np.full(index.size, np.inf)
    if scenario.hazard == "power" and scenario.power == 1:
        # Survival (1 + t)^(-h): the mean is 1/(h - 1) for h > 1, infinite otherwise.
        with np.errstate(divide="ignore"):
            return np.where(h > 1, 1.0 / np.where(h > 1, h - 1.0, 1.0), np.inf)
    finite = index[q_values == 0]
    if finite.size:

        def survival(t: float) -> np.ndarray:
            return np.exp(-np.asarray(scenario.cumulative_hazard(finite, t), dtype=float))

        value, _ = scipy.integrate.quad_vec(survival, 0.0, np.inf, epsrel=1e-8)
        means[finite] = np.where(np.isfinite(value), value, np.inf)
    return means


def _regime(classification: Classification, scenario: Any) -> str:
    outcome = classification.outcome
    if outcome is Outcome.SUPERCOHERENCE_ALMOST_SURELY:
        return "supercoherence"
    if outcome is Outcome.RECURSION_WITH_POSITIVE_PROBABILITY:
        return "recurs forever with positive probability"
    if outcome is Outcome.UNDECIDED:
        return "undecided"
    rate = _limit(sp.sympify(scenario.hazard_scale_expr()))
    if rate is not None and rate.is_zero:
        return "recurs forever at a vanishing rate"
    if rate is not None and rate.is_positive:
        return "recurs forever at a non-vanishing rate"
    return "recurs forever (rate of the hazard scales undecided)"
