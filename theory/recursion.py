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
:math:`-\log(1-x) \sim x`).  Hence three outcomes (:class:`Dichotomy`):

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

**Certified numerics.**  Otherwise the product is bounded rigorously.  The partial
product :math:`P_K = \prod_{k<K}(1-q_k)` is computed in ball arithmetic (python-flint's
arb [4]_: rigorous error bounds, unbounded exponents, so :math:`10^{-713}` is a
certified positive number, kept as an enclosure of :math:`\log P`).  The tail needs a
*proved* bound :math:`S_{lo} \le S_K = \sum_{k \ge K} q_k \le S_{hi}`:

- integral test ([2]_, ch. III): :math:`q` nonincreasing on :math:`[K, \infty)` (proved
  by composition rules or sympy's derivative test, never assumed beyond checked terms)
  gives :math:`I_K \le S_K \le q_K + I_K`, :math:`I_K = \int_K^\infty q`, with the closed
  form of :math:`I_K` verified by differentiation;
- geometric comparison ([2]_, ch. III): :math:`q_{k+1} \le r q_k`, :math:`r < 1`, gives
  :math:`S_K \le q_K/(1-r)` (equality for an exact geometric ratio);
- comparison with an envelope :math:`q_n \le b_n` (``sin``, ``cos`` :math:`\le 1`) whose
  tail is bounded as above.

Then :math:`x \le -\log(1-x) \le x + x^2/(2(1-x))` gives

.. math::

    P_K\, e^{-S_{hi} - S2_{hi}/(2(1 - q_{max}))} \;\le\; \prod_{k\ge 0}(1-q_k)
    \;\le\; P_K\, e^{-S_{lo}},

with :math:`S2_{hi} \ge \sum_{k \ge K} q_k^2` and :math:`q_{max} \ge q_k` for
:math:`k \ge K`.  Where no bound is proved the value is *uncertified*: only
:math:`0 \le P \le P_K` is reported, never :math:`P_K` as the value.  A sequence with
``(-1)^n`` or ``Mod`` is split into subsequences :math:`n = pm + r` (the product is the
product over them, and the series converges iff every part does); a Piecewise equal to
a default except at finitely many :math:`n` is corrected exactly at those :math:`n`.
Inputs whose limit lies outside [0, 1] are refused with the first offending :math:`n`.

**Symbolic families.**  With free parameters: an exact geometric ratio
:math:`q_{n+1}/q_n = r` converges iff :math:`r < 1`; a power law
:math:`\log q_n / \log n \to -p` converges if :math:`p > 1` and diverges if :math:`p < 1`
(comparison with the p-series), :math:`p = 1` being decided by substitution.  The result
gives the condition for each outcome (``(n+2)^(-beta)``: positive probability iff
``beta > 1``).

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
.. [2] K. Knopp, *Theory and Application of Infinite Series*, Blackie (1951): ch. III
   (series of positive terms: comparison, ratio and integral tests) and ch. VII
   (infinite products, sec. 28: :math:`\prod (1 - q_n) > 0` iff :math:`\sum q_n < \infty`).
.. [3] S. M. Ross, *Introduction to Probability Models*, 12th ed., Academic Press (2019),
   sec. 5.2.4 (hypoexponential distribution) and sec. 6.3 (pure-birth processes).
.. [4] F. Johansson, "Arb: efficient arbitrary-precision midpoint-radius interval
   arithmetic", *IEEE Transactions on Computers* 66(8), 1281-1292 (2017).
"""

from __future__ import annotations

import contextlib
import functools
import math
import numbers
import operator
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import flint
import mpmath
import numpy as np
import scipy.integrate
import scipy.linalg
import scipy.signal
import sympy as sp

from supercoherence.checks import check_nonnegative, check_positive_int, check_probability
from supercoherence.deprecation import module_aliases, renamed_function, warn_renamed
from supercoherence.errors import ParameterError
from supercoherence.theory import symbols as S
from supercoherence.theory.result import Derived, sympify_param

__all__ = [
    "CertifiedValue",
    "Classification",
    "Dichotomy",
    "EscalationReport",
    "StationaryLaw",
    "classify",
    "count_law",
    "count_probability",
    "escalation_q",
    "escalation_report",
    "expected_takeovers",
    "recurrence_probability",
    "stationary_law",
    "tail_law",
    "tail_probability",
    "takeovers_by_horizon",
]

#: Number of leading terms of an expression ``q_n`` checked exactly for ``q_n in [0, 1]``.
_CHECKED_TERMS = 32
_EPS = np.finfo(float).eps
_X = sp.Symbol("x", real=True, positive=True)  # continuous stand-in for n (integral test)


# --------------------------------------------------------------------------- outcomes


class Dichotomy(Enum):
    """The three outcomes of the dichotomy, plus ``UNDECIDED`` for symbolic input.

    ``UNDECIDED`` is returned only when ``q_n`` has free parameters and the outcome
    depends on them (see :attr:`Classification.conditions`) or when no convergence
    test settles the series; it is never a guess.

    Examples
    --------
    >>> Dichotomy.SUPERCOHERENCE_ALMOST_SURELY.value
    'supercoherence almost surely'
    """

    SUPERCOHERENCE_ALMOST_SURELY = "supercoherence almost surely"
    RECURSION_WITH_POSITIVE_PROBABILITY = "recursion forever with positive probability"
    RECURSION_ALMOST_SURELY = "recursion forever almost surely"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class CertifiedValue:
    """A probability with rigorous bounds, how it was obtained, and whether it is certified.

    Attributes
    ----------
    value : float
        Nearest double to the midpoint; ``nan`` when uncertified or symbolic.  It
        underflows to 0.0 below ``1e-308``: print :attr:`text` (or ``str(value)``), which
        carries any exponent.
    lower, upper : float
        Doubles with ``lower <= true value <= upper`` (rounded outwards: ``lower`` may
        be 0.0 and ``upper`` a subnormal for a tiny positive value).
    exact : sympy.Expr or None
        The closed form when one was found.
    method : str
        How the value was obtained, naming the proved tail bound.
    terms : int
        Number of factors multiplied in ball arithmetic (0 for closed forms).
    ball : flint.arb or None
        A rigorous midpoint-radius enclosure with unbounded exponent (``None`` when
        symbolic); for an uncertified value it is ``[0, partial product]``.  A wide
        interval of tiny numbers is better kept in :attr:`log_ball`.
    log_ball : flint.arb or None
        An enclosure of ``log P`` (``None`` when ``P = 0`` or unknown): the bounds
        ``exp(log_ball.lower()) <= P <= exp(log_ball.upper())`` hold at any exponent.
    certified : bool
        ``False`` when no tail bound was proved: then only ``0 <= P <= upper`` holds
        and :attr:`value` is ``nan``.

    Examples
    --------
    >>> CertifiedValue.from_exact(sp.Rational(1, 2), "closed form").upper
    0.5
    >>> v = CertifiedValue.from_exact(sp.Integer(10) ** -600, "exact")
    >>> v.value, v.is_positive, v.text
    (0.0, True, '1.0e-600')
    """

    value: float
    lower: float
    upper: float
    exact: sp.Expr | None = None
    method: str = ""
    terms: int = 0
    ball: Any = None
    certified: bool = True
    log_ball: Any = None

    @classmethod
    def from_exact(cls, exact: Any, method: str, terms: int = 0) -> CertifiedValue:
        """Wrap a closed form; numbers are filled in when it has no free symbols."""
        exact = sp.sympify(exact)
        if exact.free_symbols or exact.has(sp.oo) or not exact.is_number:
            x = math.inf if exact is sp.oo else math.nan
            return cls(x, x, x, exact, method, terms)
        ball = _arb_value(exact)
        if ball is None:
            x = float(sp.N(exact, 30))
            return cls(x, x, x, exact, method, terms)
        x = float(ball.mid())
        log_ball = ball.log() if ball > 0 else None
        return cls(x, x, x, exact, method, terms, ball, True, log_ball)

    @classmethod
    def from_log_ball(cls, log_ball: flint.arb, method: str, terms: int) -> CertifiedValue:
        """A certified enclosure of ``P`` given as an enclosure of ``log P``."""
        with _precision(_PRECISIONS[0]):
            low, high = log_ball.lower().exp(), log_ball.upper().exp()
            ball = log_ball.exp()
            value = float(log_ball.mid().exp())
        lower, upper = _arb_float_down(low), _arb_float_up(high)
        return cls(value, lower, upper, None, method, terms, ball, True, log_ball)

    @classmethod
    def uncertified(cls, log_head: flint.arb, method: str, terms: int) -> CertifiedValue:
        """Only the partial product ``e^{log_head}`` bounds ``P`` (from above)."""
        with _precision(_PRECISIONS[0]):
            head = log_head.exp()
            ball = flint.arb(0).union(head)
        method = f"uncertified: {method}; only 0 <= P <= partial product"
        return cls(math.nan, 0.0, _arb_float_up(head), None, method, terms, ball, False)

    @property
    def width(self) -> float:
        """``upper - lower``."""
        return self.upper - self.lower

    @property
    def is_positive(self) -> bool:
        """``True`` when ``P > 0`` is certified (also below double precision)."""
        if self.exact is not None and self.exact.is_number:
            return bool(self.exact.is_positive)
        return bool(self.certified and self.log_ball is not None and self.log_ball.is_finite())

    @property
    def log10(self) -> float:
        """``log10`` of the midpoint (finite below double precision; ``-inf`` for 0)."""
        if self.log_ball is not None:
            return float(self.log_ball.mid() / flint.arb(10).log())
        return -math.inf if self.ball is not None else math.nan

    @property
    def text(self) -> str:
        """The value as text at any exponent, with its enclosure or its status."""
        if self.ball is None:
            return sp.sstr(self.exact) if self.exact is not None else "nan"
        if not self.certified:
            return f"uncertified: 0 <= P <= {_arb_text(self.ball.upper())}"
        if self.exact is not None or self.ball.rad().is_zero() or self.log_ball is None:
            return _arb_text(self.ball, 10) if self.ball.rad().is_zero() else _arb_text(self.ball)
        log_ball = self.log_ball
        mid = _arb_text(log_ball.mid().exp(), 10)
        low, high = _arb_text(log_ball.lower().exp(), 10), _arb_text(log_ball.upper().exp(), 10)
        return f"{mid} (certified in [{low}, {high}])"

    @property
    def bounds_text(self) -> str:
        """``"[lower, upper]"`` at any exponent (``"[0, 0.7293]"`` when uncertified)."""
        if self.ball is None:
            if math.isnan(self.lower):
                return "none (symbolic parameters)" if self.exact is None else "see exact"
            return f"[{self.lower:.17g}, {self.upper:.17g}]"
        if not self.certified or self.log_ball is None:
            low = "0" if not self.certified else _arb_text(self.ball.lower(), 17)
            return f"[{low}, {_arb_text(self.ball.upper(), 17)}]"
        low, high = self.log_ball.lower().exp(), self.log_ball.upper().exp()
        return f"[{_arb_text(low, 17)}, {_arb_text(high, 17)}]"

    def as_expr(self) -> sp.Expr:
        """The closed form, else the midpoint as a sympy Float at any exponent (``nan``
        when uncertified: the partial product is a bound, not the value)."""
        if self.exact is not None:
            return self.exact
        if self.ball is None or not self.certified:
            return sp.nan
        mid = self.log_ball.mid().exp() if self.log_ball is not None else self.ball.mid()
        man, exp = mid.mid().man_exp()
        return sp.Float(mpmath.mpf((int(man), int(exp))), 17)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Classification:
    """Result of :func:`classify`.

    Attributes
    ----------
    outcome : Dichotomy
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
    >>> c.outcome is Dichotomy.RECURSION_WITH_POSITIVE_PROBABILITY, c.recurrence.exact
    (True, 1/2)
    """

    outcome: Dichotomy
    reason: str
    recurrence: CertifiedValue
    series_converges: bool | None
    conditions: dict[Dichotomy, sp.Basic] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.outcome.value}: {self.reason}"

    def _repr_markdown_(self) -> str:
        r"""Notebook display: the outcome, why, and the certified value (or the conditions).

        Examples
        --------
        >>> print(classify("1/(n+2)**2")._repr_markdown_())
        **recursion forever with positive probability**: $\prod_n (1 - q_n) = \frac{1}{2}$
        <BLANKLINE>
        *why:* q_n is rational in n ...
        """
        value = self.recurrence
        if value.exact is not None:
            shown = f"$\\prod_n (1 - q_n) = {sp.latex(value.exact)}$"
        elif self.conditions:
            shown = "depends on the parameters"
        else:
            shown = f"$\\prod_n (1 - q_n)$ = {value.text}"
        lines = [f"**{self.outcome.value}**: {shown}", "", f"*why:* {self.reason}"]
        lines += [f"- {o.value} iff ${sp.latex(c)}$" for o, c in self.conditions.items()]
        return "\n".join(lines)

    def _repr_latex_(self) -> str:
        r"""Notebook display as LaTeX: :math:`\prod_n (1 - q_n)` and the outcome.

        Examples
        --------
        >>> classify("1/(n+2)**2")._repr_latex_()
        '$\\prod_n (1 - q_n) = \\frac{1}{2}$ (recursion forever with positive probability)'
        """
        value = self.recurrence
        rhs = sp.latex(value.exact) if value.exact is not None else f"\\text{{{value.text}}}"
        return f"$\\prod_n (1 - q_n) = {rhs}$ ({self.outcome.value})"


# --------------------------------------------------------------------------- input


def _with_index_symbol(expr: sp.Expr) -> sp.Expr:
    """Replace any symbol named ``n`` by the project's integer symbol ``n``."""
    other = {s: S.n for s in expr.free_symbols if s.name == "n" and s != S.n}
    return expr.xreplace(other) if other else expr


def _check_terms(expr: sp.Expr, count: int = _CHECKED_TERMS) -> None:
    """Check ``q_k in [0, 1]`` for ``k < count``: in ball arithmetic, exactly at the ends."""
    if expr.free_symbols - {S.n}:
        for k in range(count):
            value = expr.subs(S.n, k)
            if value.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
                raise ParameterError(f"q[{k}]", value, "[0, 1]", f"q_n is undefined at n = {k}")
            check_probability(f"q[{k}]", value)
        return
    f = _ball_function(expr)
    for k in range(count):
        try:
            _term(f, expr, k)
        except _Undetermined:
            continue


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


@functools.lru_cache(maxsize=512)
def _limit(expr: sp.Expr) -> sp.Expr | None:
    """``lim q_n`` (sympy's ``limit``), or ``None``; cached: a pure function of ``expr``
    that :func:`classify` asks for more than once per sequence."""
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


_START = sp.Symbol("K", positive=True)


@functools.lru_cache(maxsize=32)
def _symbolic_tail_integral(g: sp.Expr) -> sp.Expr | None:
    """``int_K^oo g(x) dx`` as an expression in ``K``, or ``None``."""
    try:
        tail = sp.integrate(g, (_X, _START, sp.oo))
    except (NotImplementedError, ValueError, TypeError):
        return None
    return None if tail.has(sp.Integral) else tail


# --------------------------------------------------------------------------- ball arithmetic


class _Undetermined(Exception):
    """A comparison or operation that a ball cannot decide at the working precision."""


_PRECISIONS = (96, 384, 1536)


@contextlib.contextmanager
def _precision(bits: int):
    saved = flint.ctx.prec
    flint.ctx.prec = bits
    try:
        yield
    finally:
        flint.ctx.prec = saved


def _arb_of_rational(value: sp.Rational) -> flint.arb:
    return flint.arb(flint.fmpq(int(value.p), int(value.q)))


def _arb_of_float(value: sp.Float) -> flint.arb:
    sign, man, exp, _ = value._mpf_
    if not man and exp:
        raise _Undetermined("inf or nan")
    out = flint.arb(flint.fmpz(int(man))) * flint.arb(2) ** int(exp)
    return -out if sign else out


def _as_integer(x: flint.arb) -> int | None:
    if x.is_exact() and x.is_integer():
        return int(x.unique_fmpz())
    return None


_ARB_UNARY: dict[Any, Callable[[flint.arb], flint.arb]] = {
    sp.exp: lambda a: a.exp(),
    sp.log: lambda a: a.log(),
    sp.sin: lambda a: a.sin(),
    sp.cos: lambda a: a.cos(),
    sp.tan: lambda a: a.tan(),
    sp.atan: lambda a: a.atan(),
    sp.sinh: lambda a: a.sinh(),
    sp.cosh: lambda a: a.cosh(),
    sp.tanh: lambda a: a.tanh(),
    sp.asinh: lambda a: a.asinh(),
    sp.erf: lambda a: a.erf(),
    sp.erfc: lambda a: a.erfc(),
    sp.gamma: lambda a: a.gamma(),
    sp.loggamma: lambda a: a.lgamma(),
    sp.factorial: lambda a: (a + 1).gamma(),
    sp.Abs: abs,
    sp.floor: lambda a: a.floor(),
    sp.ceiling: lambda a: a.ceil(),
}

_CONSTANTS: dict[Any, Callable[[], flint.arb]] = {
    sp.pi: flint.arb.pi,
    sp.E: flint.arb.const_e,
    sp.EulerGamma: flint.arb.const_euler,
    sp.Catalan: flint.arb.const_catalan,
}


def _compare(op: type, a: flint.arb, b: flint.arb) -> bool:
    """A relational between balls, or :class:`_Undetermined` when they overlap."""
    if op is sp.Eq or op is sp.Ne:
        if a.is_exact() and b.is_exact():
            equal = a == b
        elif not a.overlaps(b):
            equal = False
        else:
            raise _Undetermined("equality of overlapping balls")
        return equal if op is sp.Eq else not equal
    strict = {sp.StrictLessThan: (True, 1), sp.LessThan: (False, 1)}
    strict |= {sp.StrictGreaterThan: (True, -1), sp.GreaterThan: (False, -1)}
    is_strict, sign = strict[op]
    lhs, rhs = (a, b) if sign == 1 else (b, a)  # now decide lhs < rhs (or <=)
    if lhs < rhs:
        return True
    if lhs > rhs:
        return False
    if lhs.is_exact() and rhs.is_exact() and lhs == rhs:
        return not is_strict
    raise _Undetermined("order of overlapping balls")


def _arb_function(expr: sp.Basic) -> Callable[[flint.arb], Any]:
    """Compile ``expr`` (in ``n``) into a function of an arb ball (rigorous enclosures).

    Raises
    ------
    _Undetermined
        If ``expr`` uses a function with no ball implementation here.
    """
    if expr == S.n:
        return lambda x: x
    if expr is sp.true or expr is sp.false:
        truth = bool(expr)
        return lambda x: truth
    if isinstance(expr, sp.Integer | sp.Rational | sp.Float) or expr in _CONSTANTS:
        if isinstance(expr, sp.Float):
            make = functools.partial(_arb_of_float, expr)
        elif expr in _CONSTANTS:
            make = _CONSTANTS[expr]
        else:
            make = functools.partial(_arb_of_rational, sp.Rational(expr))
        cache: dict[int, flint.arb] = {}
        ctx = flint.ctx

        def constant(x: flint.arb) -> flint.arb:
            try:
                return cache[ctx.prec]
            except KeyError:
                return cache.setdefault(ctx.prec, make())

        return constant
    if expr.is_Symbol or expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise _Undetermined(f"no ball value for {expr}")
    args = [_arb_function(a) for a in expr.args]
    if isinstance(expr, sp.Add | sp.Mul):
        return _fold(operator.add if isinstance(expr, sp.Add) else operator.mul, args)
    if isinstance(expr, sp.Pow):
        base, power = args
        if isinstance(expr.args[1], sp.Rational):  # Integer too: decided once per precision
            return _constant_power(base, power)

        def pow_(x: flint.arb) -> flint.arb:
            b, e = base(x), power(x)
            k = _as_integer(e)
            if k is not None:
                if k < 0 and b.contains(0):
                    raise _Undetermined("division by a ball containing 0")
                return b**k
            if e == flint.arb(flint.fmpq(1, 2)):
                return b.sqrt()
            if not b > 0:
                raise _Undetermined("non-integer power of a ball not > 0")
            return (e * b.log()).exp()

        return pow_
    if type(expr) in _ARB_UNARY and len(args) == 1:
        unary, inner = _ARB_UNARY[type(expr)], args[0]
        return lambda x: unary(inner(x))
    if isinstance(expr, sp.Max | sp.Min):
        pick = "max" if isinstance(expr, sp.Max) else "min"
        return lambda x: functools.reduce(lambda s, f: getattr(s, pick)(f(x)), args[1:], args[0](x))
    if isinstance(expr, sp.Mod):
        a, b = args

        def mod_(x: flint.arb) -> flint.arb:
            i, j = _as_integer(a(x)), _as_integer(b(x))
            if i is None or j is None or j == 0:
                raise _Undetermined("Mod of non-integers")
            return flint.arb(i % j)

        return mod_
    if isinstance(expr, sp.KroneckerDelta):
        a, b = args
        return lambda x: flint.arb(1 if _compare(sp.Eq, a(x), b(x)) else 0)
    if isinstance(expr, sp.Rel):
        a, b, op = args[0], args[1], type(expr)
        return lambda x: _compare(op, a(x), b(x))
    if isinstance(expr, sp.And | sp.Or | sp.Not):
        combine = {sp.And: all, sp.Or: any, sp.Not: lambda v: not v[0]}[type(expr)]
        return lambda x: combine([f(x) for f in args])
    if isinstance(expr, sp.Piecewise):
        pairs = [(_arb_function(v), _arb_function(c)) for v, c in expr.args]

        def piecewise_(x: flint.arb) -> flint.arb:
            for value, cond in pairs:
                if cond(x):
                    return value(x)
            raise _Undetermined("no branch of the Piecewise applies")

        return piecewise_
    raise _Undetermined(f"no ball implementation of {type(expr).__name__}")


def _fold(op: Callable[[Any, Any], Any], args: list[Callable[[flint.arb], Any]]) -> Callable:
    """``((a0(x) op a1(x)) op a2(x)) ...``: the left fold of ``functools.reduce``, unrolled.

    The same ball operations in the same order, so the same enclosures bit for bit;
    only the Python overhead per call is lower (the product loop of
    :func:`_certified_product_at` evaluates these closures up to ``max_terms`` times).
    """
    if len(args) == 2:
        a0, a1 = args
        return lambda x: op(a0(x), a1(x))
    if len(args) == 3:
        a0, a1, a2 = args
        return lambda x: op(op(a0(x), a1(x)), a2(x))
    first, rest = args[0], args[1:]

    def fold(x: flint.arb) -> Any:
        total = first(x)
        for f in rest:
            total = op(total, f(x))
        return total

    return fold


def _constant_power(
    base: Callable[[flint.arb], Any], power: Callable[[flint.arb], flint.arb]
) -> Callable[[flint.arb], flint.arb]:
    """``base(x) ** c`` for a rational constant ``c``: the branch of ``pow_`` (in
    :func:`_arb_function`) is chosen once per working precision, not once per call.

    ``power`` is the constant's closure, a function of the precision only, so the
    branch taken (integer power, square root, ``exp(c log b)``) and the ball ``c`` are
    exactly those ``pow_`` would compute at that precision.
    """
    ctx = flint.ctx
    plans: dict[int, tuple[int, Any]] = {}
    half = flint.fmpq(1, 2)

    def plan() -> tuple[int, Any]:
        e = power(None)
        k = _as_integer(e)
        if k is not None:
            return (0, k)
        if e == flint.arb(half):
            return (1, None)
        return (2, e)

    def power_(x: flint.arb) -> flint.arb:
        try:
            kind, e = plans[ctx.prec]
        except KeyError:
            kind, e = plans.setdefault(ctx.prec, plan())
        b = base(x)
        if kind == 0:
            if e < 0 and b.contains(0):
                raise _Undetermined("division by a ball containing 0")
            return b**e
        if kind == 1:
            return b.sqrt()
        if not b > 0:
            raise _Undetermined("non-integer power of a ball not > 0")
        return (e * b.log()).exp()

    return power_


def _arb_value(expr: sp.Expr, at: Any = 0) -> flint.arb | None:
    """An enclosure of a constant expression (or of ``expr`` at ``n = at``), or ``None``."""
    try:
        f = _arb_function(sp.sympify(expr))
    except _Undetermined:
        return None
    point = sp.Rational(at)
    for bits in _PRECISIONS:
        with _precision(bits):
            try:
                value = f(_arb_of_rational(point))
            except (_Undetermined, ValueError, ZeroDivisionError, TypeError):
                continue
            if (
                isinstance(value, flint.arb)
                and value.is_finite()
                and (value.rel_accuracy_bits() > 40 or value.is_zero())
            ):
                return value
    return None


def _arb_text(value: flint.arb, digits: int = 6) -> str:
    """Decimal text of a ball's midpoint at any exponent (``'3.2587e-713'``)."""
    man, exp = value.mid().man_exp()
    return mpmath.nstr(mpmath.mpf((int(man), int(exp))), digits)


def _arb_float_down(value: flint.arb) -> float:
    """The largest float ``<=`` every point of the ball (0.0 on underflow of a positive)."""
    low = value.lower()
    x = float(low)
    if x > 0 and flint.arb(x) > low:
        x = math.nextafter(x, -math.inf)
    return max(x, 0.0) if low >= 0 else x


def _arb_float_up(value: flint.arb) -> float:
    """The smallest float ``>=`` every point of the ball (a subnormal for tiny positives)."""
    high = value.upper()
    x = float(high)
    if flint.arb(x) < high:
        x = math.nextafter(x, math.inf)
    if x == 0 and high > 0:
        x = math.nextafter(0.0, 1.0)
    return x


# --------------------------------------------------------------------------- proofs about q(x)
#
# Monotonicity and positivity on [K, oo) are proved structurally (composition rules:
# sums and products of positive monotone functions, monotone functions of monotone
# arguments), with sympy's derivative-based ``is_decreasing`` as a fallback for smooth
# expressions.  Every rule is a theorem about real x >= K, hence about integers n >= K.

_INCREASING = (sp.exp, sp.atan, sp.sinh, sp.tanh, sp.asinh, sp.erf)
_SMOOTH = (sp.exp, sp.log, sp.atan, sp.sinh, sp.cosh, sp.tanh, sp.asinh, sp.erf, sp.erfc, sp.gamma)
_XDUMMY = sp.Dummy("x", nonnegative=True)


def _const_sign(c: sp.Expr) -> int | None:
    """Sign of an expression free of ``n`` (``None`` if unknown)."""
    c = sp.sympify(c)
    if c.is_zero:
        return 0
    if c.is_positive:
        return 1
    if c.is_negative:
        return -1
    if not c.free_symbols:
        value = _arb_value(c)
        if value is not None:
            return 1 if value > 0 else -1 if value < 0 else (0 if value.is_zero() else None)
    return None


def _positive_on(e: sp.Expr, start: int) -> bool:
    """``e(x) > 0`` for every real ``x >= start`` (proved, or ``False``)."""
    if S.n not in e.free_symbols:
        return _const_sign(e) == 1
    if e.subs(S.n, start + _XDUMMY).is_positive:
        return True
    if isinstance(e, sp.exp):
        return True
    if isinstance(e, sp.Pow) and _positive_on(e.base, start):
        return True
    if isinstance(e, sp.Mul | sp.Add) and all(_positive_on(a, start) for a in e.args):
        return True
    direction = _monotone(e, start)
    if direction == 1:
        return _const_sign(e.subs(S.n, start)) == 1
    if direction == -1:
        limit = _limit(e)
        return limit is not None and _const_sign(limit) == 1
    return False


@functools.lru_cache(maxsize=512)
def _monotone(e: sp.Expr, start: int) -> int | None:
    """+1 nondecreasing, -1 nonincreasing, 0 constant on ``[start, oo)``, ``None`` unknown."""
    if S.n not in e.free_symbols:
        return 0
    if e == S.n:
        return 1
    rational = _rational_monotone(e, start)
    if rational is not None:
        return rational
    if isinstance(e, sp.Add):
        dirs = {_monotone(a, start) for a in e.args} - {0}
        return None if None in dirs or len(dirs) > 1 else (dirs.pop() if dirs else 0)
    if isinstance(e, sp.Mul):
        const, var = e.as_independent(S.n, as_Add=False)
        sign = _const_sign(const)
        factors = sp.Mul.make_args(var)
        if not sign:
            return None
        if len(factors) == 1:
            d = _monotone(factors[0], start)
            return None if d is None else sign * d
        dirs = {_monotone(f, start) for f in factors} - {0}
        if None in dirs or len(dirs) > 1 or not all(_positive_on(f, start) for f in factors):
            return None
        return sign * dirs.pop() if dirs else 0
    if isinstance(e, sp.Pow):
        base, power = e.args
        if S.n not in power.free_symbols:
            # a weak sign suffices: base^p with p >= 0 (p <= 0) is nondecreasing
            # (nonincreasing) in a positive increasing base, p = 0 included
            sign = _const_sign(power)
            if sign is None:
                sign = 1 if power.is_nonnegative else -1 if power.is_nonpositive else None
            if sign is None or not _positive_on(base, start):
                return None
            d = _monotone(base, start)
            return None if d is None else sign * d
        if S.n not in base.free_symbols:
            sign = _const_sign(base - 1)
            if sign is None or _const_sign(base) != 1:
                return None
            d = _monotone(power, start)
            return None if d is None else sign * d
        return _monotone(sp.exp(power * sp.log(base)), start) if _positive_on(base, start) else None
    if isinstance(e, _INCREASING):
        return _monotone(e.args[0], start)
    if isinstance(e, sp.log):
        return _monotone(e.args[0], start) if _positive_on(e.args[0], start) else None
    if isinstance(e, sp.erfc):
        d = _monotone(e.args[0], start)
        return None if d is None else -d
    if isinstance(e, sp.gamma | sp.factorial | sp.loggamma):
        # Gamma increases on [1.4616..., oo); factorial(y) = Gamma(y + 1).
        arg = e.args[0] + (1 if isinstance(e, sp.factorial) else 0)
        if _monotone(arg, start) == 1 and _const_sign(arg.subs(S.n, start) - 2) in (0, 1):
            return 1
        return None
    return None


def _rational_monotone(e: sp.Expr, start: int) -> int | None:
    """Monotonicity of a rational function with number coefficients: the numerator and
    denominator of ``e'`` have no real root in ``[start, oo)`` (Sturm counts), so the
    sign of ``e'`` there is its sign at infinity."""
    if e.free_symbols != {S.n} or not e.is_rational_function(S.n):
        return None
    try:
        num, den = sp.fraction(sp.cancel(sp.diff(e, S.n)))
        num_poly, den_poly = sp.Poly(num, S.n), sp.Poly(den, S.n)
        if num_poly.is_zero:
            return 0
        if den_poly.count_roots(start, None) or num_poly.count_roots(start, None):
            return None
        sign = _const_sign(num_poly.LC() / den_poly.LC())
    except (sp.PolynomialError, NotImplementedError, ValueError, TypeError):
        return None
    return sign


def _is_smooth(e: sp.Expr) -> bool:
    """Only elementary smooth operations (no Piecewise, floor, Mod, ...)."""
    for node in sp.preorder_traversal(e):
        if isinstance(node, sp.Function) and not isinstance(node, _SMOOTH):
            return False
        if isinstance(node, sp.Piecewise | sp.Rel | sp.logic.boolalg.Boolean) and node not in (
            sp.true,
            sp.false,
        ):
            return False
    return True


def _monotone_from(expr: sp.Expr, start: int, sign: int) -> bool:
    """``q`` nonincreasing (``sign = -1``) or nondecreasing (``+1``) on ``[start, oo)``:
    structural proof, else sympy for smooth q."""
    direction = _monotone(expr, start)
    if direction is not None:
        return direction * sign >= 0
    if not _is_smooth(expr):
        return False
    test = sp.is_decreasing if sign < 0 else sp.is_increasing
    try:
        return bool(test(expr.subs(S.n, _X), sp.Interval(start, sp.oo)))
    except (NotImplementedError, ValueError, TypeError, AttributeError):
        return False


def _decreasing_from(expr: sp.Expr, start: int) -> bool:
    """``q`` nonincreasing on ``[start, oo)`` (:func:`_monotone_from`)."""
    return _monotone_from(expr, start, -1)


def _increasing_from(expr: sp.Expr, start: int) -> bool:
    """``q`` nondecreasing on ``[start, oo)`` (:func:`_monotone_from`)."""
    return _monotone_from(expr, start, +1)


# --------------------------------------------------------------------------- terms as balls


def _term(f: Callable[[flint.arb], Any] | None, expr: sp.Expr, k: int) -> flint.arb:
    """``q_k`` as a ball inside ``[0, 1)``, or exactly ``1``; refuses values outside [0, 1].

    The ball is tried at rising precision; where it still touches 0 or 1 the exact
    value is examined (sympy).  Raises :class:`_Undetermined` only for a ``q_k`` that is
    strictly inside (0, 1) but closer to an end than ``2^-1536``.
    """
    if f is not None:
        try:  # fast path at the working precision
            v = f(flint.arb(k))
            if isinstance(v, flint.arb) and v >= 0 and v < 1:
                return v
        except (_Undetermined, ValueError, ZeroDivisionError, TypeError):
            pass
        for bits in _PRECISIONS:
            with _precision(bits):
                try:
                    v = f(flint.arb(k))
                except (_Undetermined, ValueError, ZeroDivisionError, TypeError):
                    continue
            if not (isinstance(v, flint.arb) and v.is_finite()):
                continue
            if v >= 0 and v < 1:
                return v
            if v < 0 or v > 1:
                raise ParameterError(
                    f"q[{k}]", _arb_text(v), "[0, 1]", f"q_n is not a probability at n = {k}"
                )
    value = expr.subs(S.n, k)
    if value.has(sp.zoo, sp.oo, -sp.oo, sp.nan) or value.is_finite is False:
        raise ParameterError(f"q[{k}]", value, "[0, 1]", f"q_n is undefined at n = {k}")
    value = sp.simplify(value)
    if value.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
        raise ParameterError(f"q[{k}]", value, "[0, 1]", f"q_n is undefined at n = {k}")
    check_probability(f"q[{k}]", value)
    if value == 1 or sp.simplify(value - 1) == 0:
        return flint.arb(1)
    if value == 0:
        return flint.arb(0)
    raise _Undetermined(f"q_{k} = {value} is too close to 0 or 1 for the ball arithmetic")


def _ball_function(expr: sp.Expr) -> Callable[[flint.arb], Any] | None:
    try:
        return _arb_function(expr)
    except _Undetermined:
        return None


def _first_invalid(expr: sp.Expr, scan: int = 4096) -> int | None:
    """The first ``n`` with ``q_n`` outside [0, 1] when ``q_n``'s limit is outside it."""
    f = _ball_function(expr)

    def bad(k: int) -> bool:
        try:
            _term(f, expr, k)
        except ParameterError:
            return True
        except _Undetermined:
            return False
        return False

    for k in range(scan):
        if bad(k):
            return k
    if not (_increasing_from(expr, scan) or _decreasing_from(expr, scan)):
        return None
    low, high = scan, 2 * scan
    while not bad(high):
        low, high = high, 2 * high
        if high > 2**200:
            return None
    while high - low > 1:  # monotone on [scan, oo): bad on [high, oo), good at low
        mid = (low + high) // 2
        low, high = (low, mid) if bad(mid) else (mid, high)
    return high


def _validate_tail(expr: sp.Expr) -> sp.Expr | None:
    """Refuse ``q_n`` whose limit lies outside [0, 1], naming the first offending ``n``.

    Returns the limit (``None`` when sympy finds none).
    """
    limit = _limit(expr)
    if limit is None or not (limit.is_extended_real or limit.is_infinite):
        return None
    outside = limit.is_infinite or _const_sign(limit) == -1 or _const_sign(limit - 1) == 1
    if outside:
        k = _first_invalid(expr)
        if k is not None:
            value = expr.subs(S.n, k)
            ball = _arb_value(value)
            shown = _arb_text(ball) if ball is not None else value
            raise ParameterError(
                f"q[{k}]",
                shown,
                "[0, 1]",
                f"q_n is not a probability: it first leaves [0, 1] "
                f"at n = {k} (q_n -> {limit} as n -> oo)",
            )
        raise ParameterError("q", expr, "[0, 1]", f"q_n -> {limit} as n -> oo, outside [0, 1]")
    return limit


# --------------------------------------------------------------------------- tail bounds


_TailBounds = tuple[flint.arb, flint.arb, flint.arb, flint.arb]


@dataclass(frozen=True)
class _TailPlan:
    """A proved bound on ``S_K = sum_{k>=K} q_k``, valid for every ``K >= start``.

    ``bounds(K, q_K)`` returns balls ``(L_lo, S_hi, S2_hi, q_max)`` with
    ``L_lo <= sum_{k>=K} -log(1 - q_k)`` (any ``S_lo <= S_K`` is one, as
    ``-log(1 - x) >= x``; a plan that also bounds ``sum q_k^2`` from below adds half of
    it, as ``-log(1 - x) >= x + x^2/2``), ``S_K <= S_hi``, ``sum_{k>=K} q_k^2 <= S2_hi``
    and ``q_k <= q_max`` for ``k >= K``, or ``None`` when the bound does not apply at
    this ``K``.
    """

    start: int
    text: str
    bounds: Callable[[int, flint.arb], _TailBounds | None]


def _ball_at(f: Callable[[flint.arb], Any], point: Any) -> flint.arb | None:
    for bits in _PRECISIONS:
        with _precision(bits):
            try:
                value = f(flint.arb(point) if isinstance(point, int) else point)
            except (_Undetermined, ValueError, ZeroDivisionError, TypeError):
                continue
        if (
            isinstance(value, flint.arb)
            and value.is_finite()
            and (value.is_zero() or value.rel_accuracy_bits() > 30)
        ):
            return value
    return None


#: Seconds sympy may spend finding and verifying one tail integral before the integral
#: test is given up (the result is then honestly uncertified, never guessed).
TAIL_INTEGRAL_BUDGET = 5.0


class _OutOfTime(Exception):
    pass


_IN_BUDGET = False


@contextlib.contextmanager
def _time_budget(seconds: float) -> Any:
    """Raise :class:`_OutOfTime` inside the block after ``seconds`` (main thread only).

    sympy's ``integrate``/``simplify`` can run for minutes on exact inputs; in the main
    thread a real-time timer interrupts them.  Elsewhere (a worker thread) no budget is
    applied.
    """
    global _IN_BUDGET
    if (
        _IN_BUDGET
        or threading.current_thread() is not threading.main_thread()
        or not hasattr(signal, "setitimer")
    ):
        yield
        return

    def _expire(signum: int, frame: Any) -> None:
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    _IN_BUDGET = True
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        _IN_BUDGET = False


@functools.lru_cache(maxsize=64)
def _verified_tail_integral(g: sp.Expr) -> sp.Expr | None:
    """``I(K) = int_K^oo g``, verified: ``I'(K) = -g(K)`` and ``I(K) -> 0`` (sympy).

    Given up (``None``) after :data:`TAIL_INTEGRAL_BUDGET` seconds.
    """
    try:
        with _time_budget(TAIL_INTEGRAL_BUDGET):
            return _verified_tail_integral_unbudgeted(g)
    except _OutOfTime:
        return None


def _verified_tail_integral_unbudgeted(g: sp.Expr) -> sp.Expr | None:
    tail = _symbolic_tail_integral(g)
    if tail is None or tail.has(sp.Piecewise):
        return None
    derivative = sp.diff(tail, _START) + g.subs(_X, _START)
    try:
        if sp.simplify(derivative) != 0:
            return None
        if sp.limit(tail, _START, sp.oo) != 0:
            return None
    except (NotImplementedError, ValueError, TypeError, AttributeError):
        return None
    return tail


def _integral_plan(expr: sp.Expr, start: int) -> _TailPlan | None:
    """Integral test: ``q`` nonincreasing on ``[start, oo)`` (proved), ``I_K`` closed form."""
    if not _decreasing_from(expr, start):
        return None
    tail = _verified_tail_integral(expr.subs(S.n, _X))
    if tail is None:
        return None
    integral = _ball_function(tail.subs(_START, S.n))
    # sum q_k^2 by its own integral only for powers and exponentials (sympy can hang on
    # squares of logarithmic terms); otherwise sum_(k>=K) q_k^2 <= q_K sum_(k>=K) q_k.
    simple = all(isinstance(f, sp.exp) for f in expr.atoms(sp.Function))
    square = _verified_tail_integral((expr**2).subs(S.n, _X)) if simple else None
    integral2 = _ball_function(square.subs(_START, S.n)) if square is not None else None
    if integral is None:
        return None

    def bounds(k: int, q_k: flint.arb) -> _TailBounds | None:
        i_k = _ball_at(integral, k)
        if i_k is None:
            return None
        i2_k = _ball_at(integral2, k) if integral2 is not None else None
        s_hi = i_k + q_k
        s2_hi = q_k * q_k + i2_k if i2_k is not None else q_k * s_hi
        return i_k, s_hi, s2_hi, q_k

    text = (
        f"integral-test bound: q nonincreasing on [{start}, oo) (proved) and "
        f"int_K^oo q = {sp.sstr(tail.subs(_START, sp.Symbol('K')))} (verified by "
        "differentiation), so I_K <= sum_(k>=K) q_k <= q_K + I_K"
    )
    return _TailPlan(start, text, bounds)


def _ratio_plan(expr: sp.Expr, start: int) -> _TailPlan | None:
    """Geometric comparison: ``q_(k+1) <= r q_k`` with ``r < 1`` for ``k >= start``."""
    if not _positive_on(expr, start):
        return None
    ratio = sp.simplify(sp.gammasimp(sp.combsimp(expr.subs(S.n, S.n + 1) / expr)))
    if S.n not in ratio.free_symbols:
        r = _arb_value(ratio)
        if r is None or not (r < 1 and r >= 0):
            return None

        def geometric(k: int, q_k: flint.arb) -> _TailBounds:
            s = q_k / (1 - r)
            return s, s, q_k * q_k / (1 - r * r), q_k

        text = f"exact geometric tail: q_(k+1)/q_k = {ratio} < 1, so sum_(k>=K) q_k = q_K/(1-r)"
        return _TailPlan(start, text, geometric)
    direction = _monotone(ratio, start)
    if direction is None:
        return None
    ratio_f = _ball_function(ratio)
    limit = _limit(ratio)
    if ratio_f is None or limit is None:
        return None
    limit_ball = _arb_value(limit) if direction >= 0 else None
    if direction >= 0 and (limit_ball is None or not limit_ball < 1):
        return None

    def comparison(k: int, q_k: flint.arb) -> _TailBounds | None:
        r = limit_ball if direction >= 0 else _ball_at(ratio_f, k)
        if r is None or not (r < 1):
            return None
        r = r.max(flint.arb(0))
        return q_k, q_k / (1 - r), q_k * q_k / (1 - r * r), q_k

    how = "its limit" if direction >= 0 else "its value at K"
    text = (
        f"ratio comparison: q_(k+1)/q_k = {sp.sstr(ratio)} is monotone on [{start}, oo) "
        f"(proved) and bounded by {how} r < 1, so sum_(k>=K) q_k <= q_K/(1-r)"
    )
    return _TailPlan(start, text, comparison)


def _stretched_exponential(expr: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr] | None:
    """``(c, A, B, w)`` with ``expr = c exp(-A (n + B)^w)``, ``c, A, w > 0`` constants."""
    const, var = expr.as_independent(S.n, as_Add=False)
    if not isinstance(var, sp.exp) or _const_sign(const) != 1:
        return None
    coeff, power = var.args[0].as_independent(S.n, as_Add=False)
    if isinstance(power, sp.Pow):
        base, w = power.args
    else:
        base, w = power, sp.S.One
    if S.n in w.free_symbols or _const_sign(-coeff) != 1 or _const_sign(w) != 1:
        return None
    poly = sp.Poly(base, S.n) if base.is_polynomial(S.n) else None
    if poly is None or poly.degree() != 1:
        return None
    slope, offset = poly.all_coeffs()
    if _const_sign(slope) != 1:
        return None
    # A (s n + b)^w = A s^w (n + b/s)^w
    return const, -coeff * slope**w, offset / slope, w


def _stretched_exponential_plan(expr: sp.Expr, start: int) -> _TailPlan | None:
    r"""Integral test in closed form for :math:`q_n = c\,e^{-A (n + B)^w}` (no sympy
    integration, so deterministic and fast).

    :math:`f(x) = c e^{-A (x+B)^w}` is decreasing for :math:`x + B > 0` (:math:`c, A, w > 0`),
    and :math:`\int_K^\infty f = \frac{c}{w A^{1/w}} \Gamma(1/w, A (K+B)^w)` (substitute
    :math:`u = A (x+B)^w`), evaluated with arb's upper incomplete gamma function.  The
    entrenchment hazard with weakening gives exactly this form:
    :math:`q_n = e^{-(h/\delta) (1+n)^w}`.
    """
    form = _stretched_exponential(expr)
    if form is None:
        return None
    c, a, b, w = (_arb_value(v) for v in form)
    if None in (c, a, b, w) or not (b + start > 0):
        return None
    s = 1 / w

    def integral(k: int, scale: flint.arb, rate: flint.arb) -> flint.arb | None:
        z = rate * (flint.arb(k) + b) ** w
        value = scale * s * rate ** (-s) * z.gamma_upper(s)
        return value if value.is_finite() else None

    def bounds(k: int, q_k: flint.arb) -> _TailBounds | None:
        i_k = integral(k, c, a)
        i2_k = integral(k, c * c, 2 * a)
        if i_k is None or i2_k is None:
            return None
        # sum q_k^2 >= I2_K (decreasing), so sum -log(1-q_k) >= I_K + I2_K / 2
        return i_k + i2_k / 2, i_k + q_k, q_k * q_k + i2_k, q_k

    text = (
        f"integral-test bound: q_n = {sp.sstr(expr)} = c exp(-A (n + B)^w) is decreasing "
        "(c, A, w > 0) and int_K^oo q = c Gamma(1/w, A (K+B)^w) / (w A^(1/w)), so "
        "I_K <= sum_(k>=K) q_k <= q_K + I_K"
    )
    return _TailPlan(start, text, bounds)


_OSCILLATING = (sp.sin, sp.cos)


def _envelope(e: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """``(lo, hi)`` with ``lo <= e <= hi`` for ``n >= 0``, removing ``sin``/``cos``."""
    if not e.has(*_OSCILLATING):
        return e, e
    if isinstance(e, _OSCILLATING):
        return sp.S.NegativeOne, sp.S.One
    if isinstance(e, sp.Add):
        parts = [_envelope(a) for a in e.args]
        if None in parts:
            return None
        return sp.Add(*(p[0] for p in parts)), sp.Add(*(p[1] for p in parts))
    if isinstance(e, sp.Mul):
        const, var = e.as_independent(S.n, as_Add=False)
        sign = _const_sign(const)
        parts = [_envelope(a) for a in sp.Mul.make_args(var)]
        if sign is None or None in parts:
            return None
        if not all(p[0] == 0 or _positive_on(p[0], 0) for p in parts):
            return None
        lo, hi = sp.Mul(*(p[0] for p in parts)), sp.Mul(*(p[1] for p in parts))
        return (const * lo, const * hi) if sign >= 0 else (const * hi, const * lo)
    if isinstance(e, sp.Pow) and S.n not in e.exp.free_symbols:
        inner = _envelope(e.base)
        sign = _const_sign(e.exp)
        if inner is None or sign is None:
            return None
        lo, hi = inner
        if sign > 0 and (lo == 0 or _positive_on(lo, 0)):
            return lo**e.exp, hi**e.exp
        if sign < 0 and _positive_on(lo, 0):
            return hi**e.exp, lo**e.exp
    return None


def _envelope_plan(expr: sp.Expr, start: int) -> _TailPlan | None:
    """Comparison ``0 <= q_k <= b_k`` with a summable smooth envelope ``b``."""
    bounds_ = _envelope(expr)
    if bounds_ is None or bounds_[1] == expr:
        return None
    upper = sp.simplify(bounds_[1])
    inner = _integral_plan(upper, start) or _ratio_plan(upper, start)
    upper_f = _ball_function(upper)
    if inner is None or upper_f is None:
        return None

    def envelope(k: int, q_k: flint.arb) -> _TailBounds | None:
        b_k = _ball_at(upper_f, k)
        if b_k is None:
            return None
        found = inner.bounds(k, b_k)
        if found is None:
            return None
        s_hi = found[1]
        return flint.arb(0), s_hi, b_k * s_hi, b_k

    text = f"comparison q_n <= {sp.sstr(upper)} (sin, cos <= 1), whose tail is bounded by the " + (
        inner.text
    )
    return _TailPlan(start, text, envelope)


def _tail_plan(expr: sp.Expr) -> _ChainedPlan | None:
    """The first proved tail bound, trying the cheap geometric comparison first.

    Plans proved at the same start are chained lazily: a plan whose bound cannot be
    evaluated at some ``K`` (e.g. an ``erfc`` tail that cannot be bounded in balls)
    hands over to the next one, which is only built then, so one failing evaluation
    never leaves a summable tail uncertified.
    """
    makers = (_stretched_exponential_plan, _ratio_plan, _integral_plan, _envelope_plan)
    for start in (0, 64, 1024, 16384):
        for index, make in enumerate(makers):
            plan = _make_plan(make, expr, start)
            if plan is not None:
                return _with_fallbacks(plan, expr, start, makers[index + 1 :])
    return None


def _make_plan(
    make: Callable[..., _TailPlan | None], expr: sp.Expr, start: int
) -> _TailPlan | None:
    """One attempt at a tail plan, within :data:`TAIL_INTEGRAL_BUDGET`; sympy running out of
    time, memory (``meijerg`` on exponents with huge denominators) or stack is a failed
    attempt, so the result is uncertified, never a crash."""
    try:
        with _time_budget(TAIL_INTEGRAL_BUDGET):
            return make(expr, start)
    except (_OutOfTime, MemoryError, RecursionError):
        return None


class _ChainedPlan:
    """A :class:`_TailPlan` with fallbacks; ``text`` names the plan that last applied."""

    def __init__(self, first: _TailPlan, expr: sp.Expr, makers: tuple[Any, ...]) -> None:
        self.start = first.start
        self._plans = [first]
        self._pending = list(makers)
        self._expr = expr
        self._used = first

    @property
    def text(self) -> str:
        return self._used.text

    def bounds(self, k: int, q_k: flint.arb) -> _TailBounds | None:
        index = 0
        while True:
            while index >= len(self._plans) and self._pending:
                plan = _make_plan(self._pending.pop(0), self._expr, self.start)
                if plan is not None:
                    self._plans.append(plan)
            if index >= len(self._plans):
                return None
            found = self._plans[index].bounds(k, q_k)
            if found is not None and found[3] < 1:
                self._used = self._plans[index]
                return found
            index += 1


def _with_fallbacks(
    first: _TailPlan, expr: sp.Expr, start: int, makers: tuple[Any, ...]
) -> _ChainedPlan:
    return _ChainedPlan(first, expr, makers)


# --------------------------------------------------------------------------- certified product


def _certified_product(expr: sp.Expr, rtol: float, max_terms: int) -> CertifiedValue:
    """See :func:`_certified_product_at` (run at the working precision)."""
    with _precision(_PRECISIONS[0]):
        return _certified_product_at(expr, rtol, max_terms)


def _certified_product_at(expr: sp.Expr, rtol: float, max_terms: int) -> CertifiedValue:
    r"""``prod (1 - q_n)`` in ball arithmetic: exact partial product times a proved tail.

    With :math:`L_K = \sum_{k<K} \log(1 - q_k)` (balls) and a :class:`_TailPlan`,
    :math:`-S_{hi} - S2_{hi}/(2(1 - q_{max})) \le \sum_{k \ge K} \log(1-q_k) \le -S_{lo}`
    (from :math:`x \le -\log(1-x) \le x + x^2/(2(1-x))`).  Without a plan the result is
    uncertified and gives only :math:`0 \le P \le e^{L_K}`.
    """
    f = _ball_function(expr)
    plan = _tail_plan(expr)
    terms = max(64, plan.start if plan is not None else 0)
    max_terms = max(int(max_terms), 64)
    with _precision(_PRECISIONS[0]):
        log_head = flint.arb(0)
    k = 0
    previous = None
    while True:
        while k < min(terms, max_terms):
            # the fast path of _term inlined (this loop runs up to max_terms times);
            # anything it does not accept goes to _term, which starts with the same call
            try:
                q_k = f(flint.arb(k)) if f is not None else None
            except (_Undetermined, ValueError, ZeroDivisionError, TypeError):
                q_k = None
            if not (type(q_k) is flint.arb and q_k >= 0 and q_k < 1):
                try:
                    q_k = _term(f, expr, k)
                except _Undetermined as exc:
                    return CertifiedValue.uncertified(log_head, f"stopped at n = {k}: {exc}", k)
            if q_k == 1:
                return CertifiedValue.from_exact(0, f"q_{k} = 1 exactly: N <= {k}", terms=k + 1)
            log_head += (-q_k).log1p()
            k += 1
        if plan is None or k < terms:
            break
        try:
            q_k = _term(f, expr, terms)
        except _Undetermined:
            q_k = None
        found = plan.bounds(terms, q_k) if q_k is not None and q_k != 1 else None
        if found is not None and found[3] < 1:
            s_lo, s_hi, s2_hi, q_max = found
            with _precision(_PRECISIONS[0]):
                low = log_head - s_hi - s2_hi / (2 * (1 - q_max))
                high = log_head - s_lo.max(flint.arb(0))
                log_ball = low.union(high)
                log_width = high.upper() - low.lower()
                width = log_width.expm1()
            # Slow: 4x the terms shrank the relative width less than 16x.  An enclosure
            # wider than e - 1 (log-width > 1) shrinks by factors of e^(thousands) while
            # its log-width, the enclosure's real precision, barely moves (q_n =
            # exp(-(n+1)^(1/4)/16): 7.4e4 at 4096 terms, 4.6e4 at 2^20), so there the
            # log-widths are compared.
            slow = previous is not None and terms >= 4096 and width > previous[0] / 16
            if previous is not None and terms >= 4096 and log_width > 1:
                slow = slow or bool(log_width > previous[1] / 16)
            previous = (width, log_width)
            if width <= rtol or 4 * terms > max_terms or slow:
                method = f"partial product of {terms} terms (ball arithmetic) times {plan.text}"
                if not width <= rtol:
                    why = "the tail bound shrinks slowly" if slow else "at max_terms"
                    method += f"; relative width {_arb_text(width, 2)} > rtol ({why})"
                return CertifiedValue.from_log_ball(log_ball, method, terms)
        if 4 * terms > max_terms:
            break
        terms *= 4
    reason = "no proved tail bound" if plan is None else "tail bound did not apply by max_terms"
    return CertifiedValue.uncertified(log_head, f"partial product of {k} terms; {reason}", k)


# --------------------------------------------------------------------------- normal forms


def _simplify_floors(expr: sp.Expr) -> sp.Expr:
    """Replace ``floor(a_n)`` / ``ceiling(a_n)`` by a constant where that is proved.

    For ``a`` monotone on ``[0, oo)`` (proved) the values lie between ``a_0`` and the
    limit; if one integer covers that range, the floor is constant (``floor(n/(n+1)) =
    0``: ``0 <= n/(n+1) < 1``).
    """

    def constant(e: sp.Expr) -> sp.Expr:
        arg = e.args[0]
        direction = _monotone(arg, 0)
        limit = _limit(arg)
        first = _arb_value(arg.subs(S.n, 0))
        if direction in (None, 0) or limit is None or not limit.is_finite or first is None:
            return e
        start = int((first.floor() if isinstance(e, sp.floor) else first.ceil()).unique_fmpz())
        if isinstance(e, sp.floor):
            # increasing: floor(a) in [floor(a_0), ceil(L) - 1] (a < L); decreasing: > L.
            end = sp.ceiling(limit) - 1 if direction > 0 else sp.floor(limit)
        else:
            end = sp.floor(limit) + 1 if direction < 0 else sp.ceiling(limit)
        return sp.Integer(start) if end == start else e

    return expr.replace(
        lambda e: isinstance(e, sp.floor | sp.ceiling) and S.n in e.free_symbols, constant
    )


def _normalise(expr: sp.Expr) -> sp.Expr:
    """KroneckerDelta as Piecewise, constant floors removed, Piecewise folded."""
    expr = expr.replace(
        sp.KroneckerDelta, lambda a, b, *_: sp.Piecewise((1, sp.Eq(a, b)), (0, True))
    )
    if expr.has(sp.floor, sp.ceiling):
        expr = _simplify_floors(expr)
    if expr.has(sp.Piecewise):
        expr = sp.piecewise_fold(expr)
    return expr


_MAX_EXCEPTIONS = 10_000


def _split_piecewise(expr: sp.Expr) -> tuple[dict[int, sp.Expr], sp.Expr] | None:
    """``q_n`` = ``default`` except at finitely many ``n`` (a Piecewise with point branches)."""
    if not isinstance(expr, sp.Piecewise) or expr.args[-1].cond is not sp.true:
        return None
    exceptions: dict[int, sp.Expr] = {}
    for value, cond in expr.args[:-1]:
        try:
            where = sp.Intersection(cond.as_set(), sp.Range(0, sp.oo))
        except (NotImplementedError, ValueError, TypeError, AttributeError):
            return None
        if not where.is_finite_set:
            return None
        points = list(where) if where.is_finite_set else []
        if len(points) > _MAX_EXCEPTIONS:
            return None
        for point in points:
            exceptions.setdefault(int(point), sp.sympify(value, strict=True).subs(S.n, point))
    return exceptions, expr.args[-1].expr


def _is_periodic_atom(e: sp.Basic) -> bool:
    if S.n not in e.free_symbols:
        return False
    if isinstance(e, sp.Pow) and e.base.is_number and e.base.is_negative:
        return True
    if isinstance(e, sp.Mod):
        return True
    if isinstance(e, sp.sin | sp.cos) and e.args[0].has(sp.pi):
        return True
    return False


def _period_parts(expr: sp.Expr) -> list[sp.Expr] | None:
    """``[q_(p m + r)]_r`` for the least period ``p`` that removes ``(-1)^n``, ``Mod``, ..."""
    if not any(_is_periodic_atom(e) for e in sp.preorder_traversal(expr)):
        return None
    for period in (2, 3, 4, 6, 12):
        parts = [sp.simplify(expr.subs(S.n, period * S.n + r)) for r in range(period)]
        if not any(_is_periodic_atom(e) for p in parts for e in sp.preorder_traversal(p)):
            return parts
    return None


# --------------------------------------------------------------------------- verdicts


@dataclass(frozen=True)
class _Result:
    """Internal: the product, the convergence of ``sum q_n``, the reason, conditions."""

    value: CertifiedValue
    converges: bool | sp.Basic | None
    reason: str
    outcome: Dichotomy | None = None
    conditions: dict[Dichotomy, sp.Basic] = field(default_factory=dict)
    below_one: bool = False  # q_k < 1 for every k is proved


def _exact_zero(reason: str, converges: Any = None) -> _Result:
    return _Result(CertifiedValue.from_exact(0, reason), converges, reason)


def _combine(parts: list[_Result], how: str) -> _Result:
    """The product of independent sub-products (finitely many exceptions, subsequences)."""
    for part in parts:
        if part.value.exact is not None and part.value.exact == 0:
            return _Result(part.value, part.converges, part.reason)
    converges: Any = True
    for part in parts:
        c = _as_bool(part.converges)
        if c is False:
            return _exact_zero(f"{how}: {part.reason}", False)
        if c is None and not part.value.is_positive:
            converges = None
    reasons = "; ".join(dict.fromkeys(p.reason for p in parts))
    if all(p.value.exact is not None for p in parts):
        exact = sp.simplify(sp.Mul(*(p.value.exact for p in parts)))
        return _Result(CertifiedValue.from_exact(exact, how), converges, f"{how}: {reasons}")
    methods = "; ".join(p.value.method for p in parts if p.value.exact is None)
    below = all(p.below_one or p.value.is_positive for p in parts)
    terms = max(p.value.terms for p in parts)
    if all(p.value.is_positive for p in parts):
        with _precision(_PRECISIONS[0]):
            log_total = functools.reduce(lambda a, b: a + b, (p.value.log_ball for p in parts))
        value = CertifiedValue.from_log_ball(log_total, f"{how}: {methods}", terms)
    elif all(p.value.ball is not None for p in parts):
        with _precision(_PRECISIONS[0]):
            uppers = [p.value.ball.upper() for p in parts]
            log_upper = functools.reduce(lambda a, b: a + b, (u.log() for u in uppers))
        value = CertifiedValue.uncertified(log_upper, f"{how}: {methods}", terms)
    else:
        nan = math.nan
        value = CertifiedValue(nan, nan, nan, None, how)
    return _Result(value, converges, f"{how}: {reasons}", below_one=below)


def _numeric_verdict(expr: sp.Expr, rtol: float, max_terms: int) -> _Result:
    """Decide and evaluate ``prod (1 - q_n)`` for ``q_n`` with no free parameters."""
    if expr == 0 or sp.simplify(expr) == 0:
        return _Result(CertifiedValue.from_exact(1, "q_n = 0"), True, "q_n = 0 for every n")
    split = _split_piecewise(expr)
    if split is not None:
        exceptions, default = split
        for k in sorted(exceptions):
            value = exceptions[k]
            q_k = _term(_ball_function(value), value, 0) if S.n not in value.free_symbols else None
            if q_k is not None and q_k == 1:
                return _exact_zero(f"q_{k} = 1: optimizer {k} is never overthrown, N <= {k}")
        base = _numeric_verdict(_normalise(default), rtol, max_terms)
        factors = []
        for k in sorted(exceptions):
            g_k = default.subs(S.n, k)
            if sp.simplify(g_k - 1) == 0:
                nan = math.nan
                value = CertifiedValue(nan, 0.0, 1.0, None, "uncertified: see the reason")
                reason = f"the default branch equals 1 at the exception n = {k}"
                return _Result(value, base.converges, reason)
            factors.append(sp.simplify((1 - exceptions[k]) / (1 - g_k)))
        correction = sp.Mul(*factors)
        if not factors:
            return base
        fix = _Result(CertifiedValue.from_exact(correction, "exceptions"), True, "")
        how = f"q_n has {len(exceptions)} exceptional value(s) (n = {min(exceptions)}, ...)"
        combined = _combine([base, fix], how)
        return _Result(combined.value, base.converges, f"{how}; otherwise {base.reason}")
    parts = _period_parts(expr)
    if parts is not None:
        results = [_numeric_verdict(_normalise(p), rtol, max_terms) for p in parts]
        how = f"split into the {len(parts)} subsequences n = {len(parts)}m + r"
        return _combine(results, how)
    if isinstance(expr, sp.Piecewise):
        return _uncertain(expr, rtol, max_terms, None, "q_n is a Piecewise with infinite branches")
    limit = _validate_tail(expr)
    form = _rational_form(expr)
    if form is not None:
        verdict = _rational_verdict(expr, form)
        value = CertifiedValue.from_exact(verdict.product, "closed form (Gamma-function ratio)")
        return _Result(value, verdict.converges, verdict.reason)
    converges, reason = _series_test_with_envelopes(expr)
    if converges is False:
        return _exact_zero(reason, False)
    closed = _closed_partial_product(expr) if _is_smooth(expr) else None
    exact = _limit(closed) if closed is not None else None
    if exact is not None and exact.is_finite and exact.is_number and exact != 0:
        value = CertifiedValue.from_exact(exact, "closed form (limit of the partial product)")
        return _Result(value, converges, reason)
    return _uncertain(expr, rtol, max_terms, converges, reason, limit)


@functools.lru_cache(maxsize=256)
def _numeric_verdict_once(
    expr: sp.Expr, rtol: float, max_terms: int, bits: int, budgeted: bool
) -> _Result:
    """:func:`_numeric_verdict`, computed once per process for each numeric ``q_n``.

    A study classifies each distinct ``q_n`` for ``boundary.parquet`` and again for its
    report (``supercoherence demo`` does both in one process), and the certified product
    may take ``max_terms`` ball evaluations.  The result is a pure function of the
    arguments (frozen dataclasses; ``conditions`` is empty for numeric ``q_n`` and
    :func:`classify` copies it); the ambient ball precision ``bits`` and whether sympy's
    time budgets apply (``budgeted``: main thread) are part of the key, since
    ``_term``'s fast path and :func:`_time_budget` read them.  Errors
    (:class:`ParameterError` for a ``q_n`` outside [0, 1]) are not cached: they are
    raised again on every call.
    """
    return _numeric_verdict(expr, rtol, max_terms)


def _uncertain(
    expr: sp.Expr,
    rtol: float,
    max_terms: int,
    converges: Any,
    reason: str,
    limit: sp.Expr | None = None,
) -> _Result:
    """The ball-arithmetic product, and what it proves about the series."""
    value = _certified_product(expr, rtol, max_terms)
    if value.exact is not None and value.exact == 0:
        return _exact_zero(value.method.replace(" exactly", ""))
    if value.certified and value.is_positive:
        if _as_bool(converges) is not True:
            reason = "the proved tail bound gives sum q_n < oo"
        return _Result(value, True, reason, below_one=True)
    below = bool(
        limit is not None
        and _const_sign(limit - 1) == -1
        and (_decreasing_from(expr, value.terms) or _increasing_from(expr, value.terms))
    )
    return _Result(value, converges, reason, below_one=below)


def _series_test_with_envelopes(expr: sp.Expr) -> tuple[bool | None, str]:
    """:func:`_series_test`, with ``sin``/``cos`` replaced by their bounds when needed."""
    bounds_ = _envelope(expr)
    if bounds_ is not None and bounds_[1] != expr:
        low, high = (sp.simplify(b) for b in bounds_)
        converges, reason = _series_test(high)
        if converges is True:
            return True, f"comparison q_n <= {sp.sstr(high)}: {reason}"
        if low != 0 and _positive_on(low, 0):
            diverges, reason = _series_test(low)
            if diverges is False:
                return False, f"comparison q_n >= {sp.sstr(low)}: {reason}"
        return None, "no comparison decided sum q_n"
    return _series_test(expr)


def _holds(relation: sp.Basic) -> sp.Basic:
    """``true``/``false`` where the sign of ``lhs - rhs`` is known, else the simplified relation.

    ``a < 1`` for ``a > 0`` is decided by the sign of ``log a`` (``exp(-delta) < 1``).
    """
    if isinstance(relation, sp.Rel):
        sign = _const_sign(relation.lhs - relation.rhs)
        if sign is None and relation.rhs == 1 and _const_sign(relation.lhs) == 1:
            sign = _const_sign(sp.expand_log(sp.log(relation.lhs), force=True))
        if sign is not None:
            return sp.sympify(bool(relation.func(sign, 0)))
    return sp.simplify(relation)


def _symbolic_family(expr: sp.Expr) -> _Result | None:
    r"""Conditions on the parameters for families ``q_n`` decided by a parametric test.

    - Exact geometric ratio ``q_(n+1)/q_n = r`` (free of ``n``): ``sum q_n < oo`` iff
      ``r < 1`` (``q_n = q_0 r^n``, ``q_0 > 0``).
    - Power law ``log q_n / log n -> -p``: converges if ``p > 1``, diverges if ``p < 1``
      (comparison with the p-series); ``p = 1`` is decided by substituting it.

    ``q_k < 1`` for every ``k`` is ``q_0 < 1`` when ``q`` is proved nonincreasing in ``n``.
    """
    params = sorted(expr.free_symbols - {S.n}, key=lambda s: s.name)
    if not _positive_on(expr, 0):
        return None
    nan = math.nan
    value = CertifiedValue(nan, nan, nan, None, "symbolic parameters")
    below: sp.Basic = sp.false
    if _monotone(expr, 0) in (-1, 0):
        below = _holds(sp.Lt(expr.subs(S.n, 0), 1))
    ratio = sp.simplify(sp.gammasimp(sp.combsimp(expr.subs(S.n, S.n + 1) / expr)))
    if S.n not in ratio.free_symbols:
        converges, diverges = _holds(sp.Lt(ratio, 1)), _holds(sp.Ge(ratio, 1))
        reason = f"ratio test: q_(n+1)/q_n = {sp.sstr(ratio)} for every n (geometric)"
    else:
        exponent = _limit(sp.expand_log(sp.log(expr), force=True) / sp.log(S.n))
        if exponent is None or not exponent.free_symbols or exponent.has(sp.oo):
            return None
        p = sp.simplify(-exponent)
        converges, diverges = sp.Gt(p, 1), sp.Lt(p, 1)
        reason = f"comparison with the p-series: log q_n / log n -> -({sp.sstr(p)})"
        if len(params) == 1:
            boundary = sp.solve(sp.Eq(p, 1), params[0])
            for point in boundary if isinstance(boundary, list) else []:
                try:
                    sub = _numeric_verdict(_normalise(expr.subs(params[0], point)), 1e-6, 256)
                except (ParameterError, _Undetermined):
                    continue
                at = sp.Eq(params[0], point)
                if _as_bool(sub.converges) is False:
                    diverges = sp.Or(diverges, at)
                elif sub.value.is_positive:
                    converges = sp.Or(converges, at)
    positive = sp.simplify(sp.And(converges, below))
    supercoherence = sp.simplify(diverges)
    conditions = {
        Dichotomy.RECURSION_WITH_POSITIVE_PROBABILITY: positive,
        Dichotomy.SUPERCOHERENCE_ALMOST_SURELY: supercoherence,
    }
    if positive is sp.true:
        return _Result(
            value,
            True,
            reason + "; q_n < 1 for every n",
            Dichotomy(Dichotomy.RECURSION_WITH_POSITIVE_PROBABILITY),
            below_one=True,
        )
    if supercoherence is sp.true:
        return _Result(CertifiedValue.from_exact(0, "sum q_n = oo"), False, reason)
    return _Result(value, converges, reason, Dichotomy.UNDECIDED, conditions)


# --------------------------------------------------------------------------- public API


def tail_law(q: Any) -> Derived:
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
        :func:`tail_probability`).

    Raises
    ------
    ParameterError
        If some checked :math:`q_k` lies outside [0, 1] (the name is ``q[k]``).
    ExpressionError
        If a string cannot be parsed.

    Examples
    --------
    >>> tail_law("1/(n+2)**2").exact
    (n + 2)/(2*(n + 1))
    >>> tail_law("q").exact
    (1 - q)**n
    >>> tail_law([sp.Rational(1, 2), 1]).exact
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

    Parameters and errors as :func:`tail_law`.

    Examples
    --------
    >>> count_law("1/(n+2)**2").exact
    1/(2*(n + 1)*(n + 2))
    >>> count_law("q").exact
    q*(1 - q)**n
    """
    law = _parse_q(q)
    tail = tail_law(q).exact
    if isinstance(law, tuple):
        q_n = sp.Piecewise(*[(v, sp.Eq(S.n, i)) for i, v in enumerate(law)], (0, True))
        exact = sp.piecewise_fold(tail * q_n)
    else:
        exact = sp.simplify(tail * law)
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


def tail_probability(q: Any, n: Any) -> Any:
    r"""Numeric :math:`P(N \ge n)` for integer ``n`` (vectorised), by cumulative products.

    Parameters
    ----------
    q : sympy.Expr, str, number or sequence
        As in :func:`tail_law`; free parameters must be substituted first.
    n : int or array_like of int
        Numbers of takeovers, ``>= 0``.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> tail_probability("1/(n+2)**2", [0, 1, 2, 100]).round(6).tolist()
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
    out = tail_probability(q, n_arr) * q_n
    return float(out) if np.ndim(out) == 0 else out


def _finite_product(law: tuple[sp.Expr, ...]) -> CertifiedValue:
    product = sp.simplify(sp.Mul(*[1 - v for v in law]))
    return CertifiedValue.from_exact(product, f"finite product of {len(law)} factors")


def _surely_never_overthrown(expr: sp.Expr, terms: int = 4) -> int | None:
    """The first ``k < terms`` with ``q_k = 1`` identically in the parameters, or ``None``.

    Then :math:`N \\le k` surely, whatever the parameters (``1/(n + 1)**beta``: ``q_0 = 1``).
    """
    for k in range(terms):
        q_k = expr.subs(S.n, k)
        if q_k == 1 or sp.simplify(q_k - 1) == 0:
            return k
    return None


def _expression_verdict(expr: sp.Expr, rtol: float, max_terms: int) -> _Result:
    """The product, the convergence of ``sum q_n`` and the reason, for an expression."""
    expr = _normalise(expr)
    if expr == 0 or sp.simplify(expr) == 0:
        return _Result(CertifiedValue.from_exact(1, "q_n = 0"), True, "q_n = 0 for every n")
    if not (expr.free_symbols - {S.n}):
        budgeted = threading.current_thread() is threading.main_thread()
        return _numeric_verdict_once(expr, rtol, max_terms, flint.ctx.prec, budgeted)
    form = _rational_form(expr)
    if form is not None:
        verdict = _rational_verdict(expr, form)
        value = CertifiedValue.from_exact(verdict.product, "closed form (Gamma-function ratio)")
        return _Result(value, verdict.converges, verdict.reason)
    sure = _surely_never_overthrown(expr)
    if sure is not None:
        return _exact_zero(
            f"q_{sure} = 1 for every value of the parameters: optimizer {sure} is never "
            f"overthrown, N <= {sure}"
        )
    family = _symbolic_family(expr)
    if family is not None and (family.outcome is not Dichotomy.UNDECIDED or family.conditions):
        return family
    converges, reason = _series_test(expr)
    closed = _closed_partial_product(expr)
    exact = _limit(closed) if closed is not None else None
    if converges is False:
        exact = sp.S.Zero
    if exact is None:
        nan = math.nan
        return _Result(
            CertifiedValue(nan, nan, nan, None, "symbolic parameters"), converges, reason
        )
    value = CertifiedValue.from_exact(exact, "closed form (limit of the partial product)")
    return _Result(value, converges, reason)


def recurrence_probability(
    q: Any, *, rtol: float = 1e-10, max_terms: int = 2**20
) -> CertifiedValue:
    r"""The probability that takeovers recur forever, :math:`\prod_{n \ge 0} (1 - q_n)`.

    Parameters
    ----------
    q : sympy.Expr, str, number or sequence
        :math:`q_n` as an expression in ``n`` or a finite sequence (see
        :func:`tail_law`).
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
    Without a closed form the partial product :math:`P_K` is computed in ball arithmetic
    (arb) and multiplied by a *proved* tail bound: the integral test (``q`` proved
    nonincreasing on the tail by composition rules or sympy, the tail integral in closed
    form and verified by differentiation), a geometric comparison
    (:math:`q_{k+1}/q_k \le r < 1`), or a comparison :math:`q_n \le b_n` with a summable
    envelope (``sin``, ``cos`` bounded by 1).  ``(-1)^n`` and ``Mod`` are removed by
    splitting into subsequences, and a Piecewise with finitely many exceptional ``n`` is
    handled exactly at those ``n``.  When no bound is proved the result has
    ``certified=False``, ``value=nan`` and only :math:`0 \le P \le P_K`.

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
    >>> v = recurrence_probability("exp(-n - 1)")  # (1/e; 1/e)_oo: no closed form
    >>> float(mpmath.qp(mpmath.exp(-1))) == v.value, v.exact is None, v.certified
    (True, True, True)
    >>> v.width < 1e-15
    True
    >>> print(recurrence_probability("exp(-(n+1)/1000)"))  # below double precision
    3.260766518e-713 (certified in [3.260766518e-713, 3.260766518e-713])
    >>> recurrence_probability("exp(n - 81/2)")
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: q[41] = ...first leaves [0, 1] at n = 41...
    """
    law = _parse_q(q)
    if isinstance(law, tuple):
        return _finite_product(law)
    return _expression_verdict(law, rtol, max_terms).value


def classify(q: Any, *, rtol: float = 1e-10, max_terms: int = 2**20) -> Classification:
    r"""Which side of the dichotomy a sequence :math:`q_n` is on, and why.

    Parameters
    ----------
    q : sympy.Expr, str, number or sequence
        :math:`q_n` (see :func:`tail_law`).
    rtol, max_terms
        Passed to :func:`recurrence_probability` when a numeric product is needed.

    Returns
    -------
    Classification
        The :class:`Dichotomy`, the reason (the convergence test that decided), the value
        of :math:`\prod (1 - q_n)` (exact or certified) and, for symbolic parameters,
        the condition on them under which each outcome holds.

    Raises
    ------
    ParameterError
        As :func:`recurrence_probability`.

    Notes
    -----
    Tests, in order: :math:`q_n \equiv 0`; an exact :math:`q_k = 1` (for symbolic
    parameters: identically in them, among the first four levels); for rational
    :math:`q_n`, the degrees and the sums of roots (exact); otherwise the term test,
    limit comparison with :math:`\sum n^{-2}` and with the harmonic series, the ratio
    test, and ``sympy.Sum.is_convergent``.

    For a :math:`q_n` without free parameters the verdict is computed once per process
    and shared (a study's boundary table and its report classify the same sequences):
    the same :class:`CertifiedValue`, bit for bit, not a recomputation.

    Examples
    --------
    >>> classify("1/(n+2)").outcome.name
    'SUPERCOHERENCE_ALMOST_SURELY'
    >>> classify(0).outcome.name
    'RECURSION_ALMOST_SURELY'
    >>> c = classify("q")
    >>> c.outcome.name, c.conditions[Dichotomy.SUPERCOHERENCE_ALMOST_SURELY]
    ('UNDECIDED', Ne(q, 0))
    >>> classify("1/(n+1)**beta").outcome.name  # q_0 = 1 whatever beta: N = 0 surely
    'SUPERCOHERENCE_ALMOST_SURELY'
    """
    law = _parse_q(q)
    if isinstance(law, tuple):
        value = _finite_product(law)
        reason = f"finite sequence of {len(law)} levels; q_n = 0 after it"
        outcome = _outcome_of(value.exact)
        conditions = _conditions(value.exact) if outcome is Dichotomy.UNDECIDED else {}
        return Classification(outcome, reason, value, True, conditions)
    result = _expression_verdict(law, rtol, max_terms)
    value, converges, reason = result.value, result.converges, result.reason
    if result.outcome is not None:
        return Classification(
            result.outcome, reason, value, _as_bool(converges), dict(result.conditions)
        )
    if value.exact is not None:
        outcome = _outcome_of(value.exact)
        conditions = {} if outcome is not Dichotomy.UNDECIDED else _conditions(value.exact)
        return Classification(outcome, reason, value, _as_bool(converges), conditions)
    if value.is_positive:
        outcome = Dichotomy.RECURSION_WITH_POSITIVE_PROBABILITY
    elif _as_bool(converges) is True and result.below_one and not (law.free_symbols - {S.n}):
        outcome = Dichotomy.RECURSION_WITH_POSITIVE_PROBABILITY
        reason += "; q_n < 1 for every n (checked terms, proved monotone tail); value uncertified"
    else:
        outcome = Dichotomy.UNDECIDED
        if not value.certified:
            reason += f"; {value.method}"
    return Classification(outcome, reason, value, _as_bool(converges))


def _as_bool(value: Any) -> bool | None:
    if value is True or value is sp.true:
        return True
    if value is False or value is sp.false:
        return False
    return None


def _outcome_of(product: sp.Expr) -> Dichotomy:
    if product == 1:
        return Dichotomy.RECURSION_ALMOST_SURELY
    if product == 0:
        return Dichotomy.SUPERCOHERENCE_ALMOST_SURELY
    if product.is_positive and (product - 1).is_negative:
        return Dichotomy.RECURSION_WITH_POSITIVE_PROBABILITY
    return Dichotomy.UNDECIDED


def _conditions(product: sp.Expr) -> dict[Dichotomy, sp.Basic]:
    def simple(cond: sp.Basic) -> sp.Basic:
        return sp.simplify(sp.piecewise_fold(cond)) if not isinstance(cond, bool) else cond

    if isinstance(product, sp.Piecewise):
        return _piecewise_conditions(product)
    return {
        Dichotomy.RECURSION_ALMOST_SURELY: simple(sp.Eq(product, 1)),
        Dichotomy.RECURSION_WITH_POSITIVE_PROBABILITY: simple(
            sp.And(sp.Gt(product, 0), sp.Lt(product, 1))
        ),
        Dichotomy.SUPERCOHERENCE_ALMOST_SURELY: simple(sp.Eq(product, 0)),
    }


def _piecewise_conditions(product: sp.Piecewise) -> dict[Dichotomy, sp.Basic]:
    """Dichotomy conditions of a Piecewise product whose pieces are decided."""
    found: dict[Dichotomy, sp.Basic] = {}
    taken: sp.Basic = sp.false
    for value, cond in product.args:
        here = sp.simplify(sp.And(cond, sp.Not(taken)))
        outcome = _outcome_of(sp.sympify(value))
        if outcome is Dichotomy.UNDECIDED:
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
        :math:`q_n` (see :func:`tail_law`).
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
    if recurrence is not None and recurrence.exact is None and recurrence.is_positive:
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
    pmf, tail, mean, variance, pgf : Derived
        :math:`P(N = k)`, :math:`P(N \\ge k)`, :math:`E[N]`, :math:`Var[N]` and
        :math:`E[s^N]`.
    """

    pmf: Derived
    tail: Derived
    mean: Derived
    variance: Derived
    pgf: Derived

    @property
    def survival(self) -> Derived:
        """Deprecated name of :attr:`tail` (issue 9: ``survival`` is :math:`e^{-\\Lambda}`)."""
        warn_renamed("StationaryLaw.survival", "StationaryLaw.tail")
        return self.tail


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
        tail=Derived("P(N >= k)", (1 - value) ** k, _with_k(value)),
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
        Provides ``never_overthrown()``, ``hazard_scale(n)``, ``cumulative_hazard(n, t)``,
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
    q_expr = scenario.never_overthrown()
    classification = classify(q_expr)
    index = np.arange(levels)
    h = np.asarray(scenario.hazard_scale(index), float)
    q_values = np.asarray(scenario.never_overthrown_numeric(index), float)
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
    if scenario.hazard == "power" and scenario.power_exponent == 1:
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
    if outcome is Dichotomy.SUPERCOHERENCE_ALMOST_SURELY:
        return "supercoherence"
    if outcome is Dichotomy.RECURSION_WITH_POSITIVE_PROBABILITY:
        return "recurs forever with positive probability"
    if outcome is Dichotomy.UNDECIDED:
        return "undecided"
    rate = _limit(sp.sympify(scenario.hazard_scale_expr()))
    if rate is not None and rate.is_zero:
        return "recurs forever at a vanishing rate"
    if rate is not None and rate.is_positive:
        return "recurs forever at a non-vanishing rate"
    return "recurs forever (rate of the hazard scales undecided)"


# --------------------------------------------------------------------------- deprecated names

#: Deprecated aliases (issue 9): ``survival`` is reserved for :math:`e^{-\Lambda(t)}`.
survival_law = renamed_function(tail_law, "survival_law")
survival_probability = renamed_function(tail_probability, "survival_probability")
__getattr__ = module_aliases(__name__, {"Outcome": "Dichotomy"})
