r"""Nested mesa-optimizers as a branching process.

Single type (Galton-Watson)
---------------------------
Each optimizer independently creates :math:`\xi` undetected adversarial
mesa-optimizers, :math:`P(\xi = k) = p_k`, with probability generating function
(pgf) :math:`f(s) = \sum_k p_k s^k` and mean :math:`m = f'(1)`.  The lineage dies out
with probability :math:`q`, the least root of :math:`s = f(s)` in :math:`[0, 1]`
(Athreya & Ney [1]_, I.3, Theorem 1; Harris [2]_, I.6):

* :math:`q = 1` iff :math:`m \le 1` (provided :math:`p_1 < 1`; if :math:`f(s) = s`
  the lineage never ends and :math:`q = 0`), the critical case :math:`m = 1` included;
* for :math:`m > 1`, :math:`q < 1` is the unique fixed point in :math:`[0, 1)`;
* the iterates :math:`f_k(0) = P(Z_k = 0)` increase monotonically to :math:`q`.

Poisson(:math:`m`) offspring, :math:`f(s) = e^{m(s - 1)}`: :math:`q = 1` for
:math:`m \le 1`, else :math:`q = -W_0(-m e^{-m})/m` with :math:`W_0` the principal
branch of Lambert's W.  When :math:`m < 1` the expected total progeny (the founder
included) is :math:`\sum_k m^k = 1/(1 - m)`, infinite otherwise.

How :func:`extinction_probability` finds :math:`q`
-------------------------------------------------
1. The pgf is validated: no negative coefficients (exactly for polynomials; for other
   pgfs the Taylor coefficients up to order :data:`SERIES_CHECK_ORDER`, computed by a
   discrete Cauchy integral on :math:`|s| = 1/2`, must not fall below ``-1e-9``),
   values in :math:`[0, 1]` on :math:`[0, 1]`, and :math:`f(1) = 1`.  Numbers are
   taken exactly as given (a float is the binary number it denotes, a decimal string
   the decimal; nothing is snapped to a nearby simple rational).  If
   :math:`0 < |f(1) - 1| \le` :data:`PGF_SUM_TOLERANCE` (rounding in user input, e.g.
   published coefficients given to four digits) the pgf is **solved as given** and a
   :class:`PgfNormalisationWarning` reports :math:`f(1)` together with the answer for
   the normalised pgf :math:`f/f(1)`; ``normalise=True`` solves the normalised pgf
   instead.  Further off it is refused with
   :class:`~supercoherence.errors.ParameterError`.  As given, :math:`q` is still the
   least root of :math:`s = f(s)` in :math:`[0, 1]` (f is convex and increasing, so the
   argument below is unchanged); if :math:`f(1) > 1` there may be none, which is an
   error.
2. :math:`f(1) = 1` and :math:`m \le 1`: :math:`q = 1` exactly (:math:`q = 0` for
   :math:`f(s) = s`).  The mean is the left limit :math:`m = \lim_{s \to 1^-} f'(s)`,
   possibly :math:`+\infty` (e.g. :math:`f(s) = 1 - \sqrt{1 - s}/2`, :math:`q = 3/4`).
3. :math:`m > 1`: exact when sympy can: polynomial and rational pgfs through the exact
   real roots of the numerator of :math:`f(s) - s` (radicals or ``CRootOf``), Poisson
   through Lambert W.  Otherwise a certified bracket: iterating :math:`f` from 0 gives
   lower bounds, and bisection of :math:`g(s) = f(s) - s` (positive below :math:`q`,
   negative on :math:`(q, 1)`) with signs decided in interval arithmetic
   (:mod:`mpmath.iv`) shrinks the bracket to width :data:`BRACKET_WIDTH`.

Multi-type
----------
With :math:`M_{ij}` the mean number of type-:math:`j` children of a type-:math:`i`
parent, a positively regular, nonsingular process survives with positive probability
iff the Perron root :math:`\rho(M) > 1` (Athreya & Ney [1]_, V.3; Harris [2]_, II.7).
The extinction vector :math:`q` is the least fixed point of the multi-type pgf
:math:`q = f(q)` in :math:`[0, 1]^k`, the limit of :math:`f^{(k)}(0)`; for independent
Poisson offspring :math:`f_i(s) = \exp(\sum_j M_{ij}(s_j - 1))`.

The Perron root
---------------
For a nonnegative matrix the spectral radius :math:`\rho(M)` is itself an eigenvalue
(Perron-Frobenius; Horn & Johnson [4]_, Theorem 8.3.1), so it is the largest *real*
root of the characteristic polynomial :math:`\chi_M`: every real eigenvalue
:math:`\lambda` has :math:`\lambda \le |\lambda| \le \rho`.  :func:`perron_root`
therefore never inspects radical expressions of eigenvalues (Cardano's formula writes
three real roots with complex radicals, the *casus irreducibilis*):

* exactly, for rational matrices: :math:`\chi_M` is computed in exact rational
  arithmetic (FLINT) and its largest real root isolated by sympy's ``real_roots``
  (rational, quadratic radical or ``CRootOf``: exact and certified);
* numerically: a certified enclosure :func:`perron_bracket`.  For rational matrices
  all roots of :math:`\chi_M` are enclosed in Arb balls (FLINT's
  ``complex_roots``), and :math:`\rho = \max_i |\lambda_i|` is bounded by the
  largest lower and upper moduli; for other entries the Collatz-Wielandt bounds
  :math:`\min_i (Mx)_i/x_i \le \rho \le \max_i (Mx)_i/x_i`, :math:`x > 0` (Horn &
  Johnson [4]_, Theorem 8.1.26), with numpy's Perron vector as :math:`x` and the
  entries as Arb balls.

The near-critical Poisson case
------------------------------
Near :math:`m = 1` the Lambert-W form loses everything: :math:`-m e^{-m}` is within
:math:`O((m - 1)^2)` of the branch point :math:`-1/e`, where :math:`W` has a
square-root singularity, so double rounding of the argument costs a relative error of
order :math:`10^{-16}/(m-1)^2` in :math:`1 - q`.  :func:`poisson_extinction_numeric`
instead solves for :math:`y = 1 - q` the equivalent equation
:math:`\varphi(y) = m - 1` with
:math:`\varphi(y) = -(\log(1 - y) + y)/y = \sum_{k \ge 1} y^k/(k+1)` (from
:math:`1 - y = e^{-m y}`), summing the series for small :math:`y`; :math:`\varphi`
is increasing and convex, so Newton's method from :math:`y_0 = \min(2(m-1), 0.99)`
(to the right of the root) converges monotonically.  To first orders
:math:`1 - q = 2\epsilon - \tfrac{8}{3}\epsilon^2 + \tfrac{28}{9}\epsilon^3 - \dots`,
:math:`\epsilon = m - 1`.

References
----------
.. [1] K. B. Athreya and P. E. Ney, *Branching Processes*, Springer (1972).
.. [2] T. E. Harris, *The Theory of Branching Processes*, Springer (1963).
.. [3] R. M. Corless, G. H. Gonnet, D. E. G. Hare, D. J. Jeffrey and D. E. Knuth,
   "On the Lambert W function", *Adv. Comput. Math.* 5, 329-359 (1996).
.. [4] R. A. Horn and C. R. Johnson, *Matrix Analysis*, 2nd ed., Cambridge University
   Press (2013), ch. 8.
.. [5] F. Johansson, "Arb: efficient arbitrary-precision midpoint-radius interval
   arithmetic", *IEEE Trans. Comput.* 66, 1281-1292 (2017).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from scipy.special import lambertw

from supercoherence.checks import check_nonnegative, check_positive_int
from supercoherence.errors import ExpressionError, ParameterError
from supercoherence.theory import symbols as S
from supercoherence.theory.result import Derived, sympify_param

__all__ = [
    "BRACKET_WIDTH",
    "PGF_SUM_TOLERANCE",
    "SERIES_CHECK_ORDER",
    "PgfNormalisationWarning",
    "extinction_bracket",
    "extinction_probability",
    "mean_offspring",
    "mean_total_progeny",
    "multitype_extinction",
    "perron_root",
    "poisson_extinction",
    "poisson_extinction_numeric",
    "poisson_offspring_pgfs",
    "poisson_survival_numeric",
    "perron_bracket",
    "validate_pgf",
]

#: Largest ``|f(1) - 1|`` treated as rounding and normalised away (with a warning).
PGF_SUM_TOLERANCE = 1e-3
#: Order up to which a non-polynomial pgf's power series is checked for negative terms
#: (numerically: coefficients below ``-1e-9`` are refused).
SERIES_CHECK_ORDER = 12
_COEFFICIENT_TOLERANCE = 1e-9
#: Width of the certified bracket returned when no exact root is found.
BRACKET_WIDTH = 1e-13
#: Largest matrix handled with exact sympy eigenvalues by :func:`perron_root`.
_EXACT_MATRIX_SIZE = 4
#: Bits of precision of the interval arithmetic behind the certified bracket.
_WORKING_PRECISION = 120


class PgfNormalisationWarning(UserWarning):
    """A pgf whose coefficients summed to ``1 +- PGF_SUM_TOLERANCE`` was normalised."""


def _exact_param(name: str, value: Any) -> sp.Expr:
    """A user number as the exact sympy number it denotes (a float is its binary value)."""
    if isinstance(value, float) and math.isfinite(value):
        return sp.Rational(value)
    return sympify_param(name, value)


def _exact_floats(expr: sp.Expr) -> sp.Expr:
    """Replace any ``Float`` by the exact rational of its binary value (no snapping)."""
    floats = {f: sp.Rational(f) for f in expr.atoms(sp.Float) if f.is_finite}
    return expr.xreplace(floats) if floats else expr


def _parse_pgf(pgf: Any, name: str) -> sp.Expr:
    expr = _exact_param(name, pgf)
    if not isinstance(expr, sp.Expr):
        raise ExpressionError(name, pgf, "not an expression in s")
    free = expr.free_symbols
    if any(sym.name != S.s.name for sym in free):
        others = sorted(sym.name for sym in free if sym.name != S.s.name)
        raise ExpressionError(name, pgf, f"free symbols {others}: a pgf may depend on s only")
    return _exact_floats(expr.xreplace({sym: S.s for sym in free}))


def _check_coefficients(expr: sp.Expr, name: str) -> None:
    if expr.is_polynomial(S.s):
        coeffs = sp.Poly(expr, S.s).all_coeffs()
        for coeff in coeffs:
            if not coeff.is_real:
                raise ExpressionError(name, expr, f"coefficient {coeff} is not a real number")
            if coeff.is_negative:
                raise ParameterError(
                    name,
                    sp.sstr(expr),
                    "pgfs with nonnegative coefficients",
                    f"coefficient {coeff}",
                )
        return
    for k, coeff in enumerate(_taylor_coefficients(expr, name)):
        if coeff < -_COEFFICIENT_TOLERANCE:
            raise ParameterError(
                name,
                sp.sstr(expr),
                "pgfs with nonnegative coefficients",
                f"coefficient of s^{k} is about {coeff:.3g}",
            )


def _taylor_coefficients(expr: sp.Expr, name: str) -> np.ndarray:
    """Leading Taylor coefficients at 0 by the discrete Cauchy integral on |s| = 1/2.

    ``p_k ~ mean_j f(z_j) z_j^-k`` over 64 points ``z_j`` of the circle; the error is
    about ``2^k`` times the rounding of ``f`` (below 1e-12 for ``k <= 12``).
    """
    f = sp.lambdify(S.s, expr, modules="numpy")
    points = 64
    radius = 0.5
    z = radius * np.exp(2j * np.pi * np.arange(points) / points)
    try:
        with np.errstate(all="raise"):
            values = np.broadcast_to(np.asarray(f(z), dtype=complex), z.shape)
    except (FloatingPointError, TypeError, ValueError, ZeroDivisionError) as exc:
        raise ExpressionError(name, expr, "not analytic in the disc |s| < 1") from exc
    if not np.all(np.isfinite(values)):
        raise ExpressionError(name, expr, "not analytic in the disc |s| < 1")
    coeffs = np.fft.fft(values) / points / radius ** np.arange(points)
    return coeffs.real[: SERIES_CHECK_ORDER + 1]


def _check_values(expr: sp.Expr, name: str) -> None:
    f = sp.lambdify(S.s, expr, modules="mpmath")
    previous = -math.inf
    for point in np.linspace(0.0, 1.0, 33):
        try:
            value = complex(f(mpmath.mpf(point)))
        except (ZeroDivisionError, ValueError, TypeError, OverflowError) as exc:
            raise ExpressionError(name, expr, f"undefined at s = {point:g}") from exc
        if abs(value.imag) > 1e-12 or not math.isfinite(value.real):
            raise ExpressionError(name, expr, f"not a real number at s = {point:g}")
        if (
            value.real < -1e-12
            or value.real > 1 + PGF_SUM_TOLERANCE
            or value.real < previous - 1e-12
        ):
            raise ParameterError(
                name,
                sp.sstr(expr),
                "pgfs increasing from [0, 1] to [0, 1]",
                f"f({point:g}) = {value.real:.6g}",
            )
        previous = value.real


def _validated(pgf: Any, name: str) -> tuple[sp.Expr, sp.Expr]:
    """The parsed, checked pgf as given and its exact ``f(1)``."""
    expr = _parse_pgf(pgf, name)
    _check_coefficients(expr, name)
    _check_values(expr, name)
    total = sp.simplify(expr.subs(S.s, 1))
    if total != 1 and abs(float(total) - 1.0) > PGF_SUM_TOLERANCE:
        raise ParameterError(name, sp.sstr(expr), "coefficients summing to 1", f"f(1) = {total}")
    return expr, total


def _normalised(expr: sp.Expr, total: sp.Expr) -> sp.Expr:
    return sp.expand(expr / total) if expr.is_polynomial(S.s) else expr / total


def _sum_message(name: str, total: sp.Expr) -> str:
    return (
        f"{name}: f(1) = {float(total):.17g} != 1 (within the tolerance "
        f"{PGF_SUM_TOLERANCE:g}); solved as given"
    )


def validate_pgf(pgf: Any, *, name: str = "pgf", normalise: bool = False) -> sp.Expr:
    """Parse and check an offspring pgf; return it as an exact sympy expression in ``s``.

    Parameters
    ----------
    pgf : str or sympy.Expr
        The pgf ``f(s)``; numbers are taken exactly as given.
    name : str, optional
        Parameter name used in error messages.
    normalise : bool, optional
        Divide by ``f(1)`` when it is within :data:`PGF_SUM_TOLERANCE` of 1 but not 1
        (default ``False``: the pgf is returned as given).

    Returns
    -------
    sympy.Expr
        The pgf, as given (or divided by ``f(1)`` if ``normalise``).

    Raises
    ------
    ExpressionError
        If the expression cannot be parsed, depends on symbols other than ``s``, or is
        undefined or complex on ``[0, 1]``.
    ParameterError
        If a coefficient is negative, ``f`` leaves ``[0, 1]`` or decreases there, or
        ``f(1)`` is further than :data:`PGF_SUM_TOLERANCE` from 1.

    Warns
    -----
    PgfNormalisationWarning
        If ``0 < |f(1) - 1| <= PGF_SUM_TOLERANCE``.

    Examples
    --------
    >>> validate_pgf("1/4 + s/4 + s**2/2")
    s**2/2 + s/4 + 1/4
    >>> validate_pgf("1/2 - s/4 + 3*s**2/4")
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: pgf = '3*s**2/4 - s/4 + 1/2' is out of range:
    allowed pgfs with nonnegative coefficients (coefficient -1/4)
    >>> validate_pgf("s/2")
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: pgf = 's/2' is out of range:
    allowed coefficients summing to 1 (f(1) = 1/2)
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     validate_pgf("2499/10000 + s/4 + s**2/2", normalise=True)
    5000*s**2/9999 + 2500*s/9999 + 833/3333
    """
    expr, total = _validated(pgf, name)
    if total == 1:
        return expr
    if normalise:
        warnings.warn(
            f"{name}: f(1) = {float(total):.17g}, normalised to 1 (normalise=True)",
            PgfNormalisationWarning,
            stacklevel=2,
        )
        return _normalised(expr, total)
    warnings.warn(
        _sum_message(name, total) + "; normalise=True divides by f(1)",
        PgfNormalisationWarning,
        stacklevel=2,
    )
    return expr


def mean_offspring(pgf: Any, *, normalise: bool = False) -> sp.Expr:
    """The mean number of offspring ``m = f'(1-)`` (exact; may be ``oo``).

    Examples
    --------
    >>> mean_offspring("1/4 + s/4 + s**2/2")
    5/4
    >>> mean_offspring("exp(3*(s - 1))")
    3
    >>> mean_offspring("1 - sqrt(1 - s)/2")  # p_k ~ k^(-3/2): infinite mean
    oo
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PgfNormalisationWarning)
        f = validate_pgf(pgf, normalise=normalise)
    return _mean(f)


def _mean(f: sp.Expr) -> sp.Expr:
    """``lim_{s -> 1-} f'(s)`` in ``[0, oo]`` (``f'`` increases on [0, 1))."""
    derivative = sp.diff(f, S.s)
    value = sp.simplify(derivative.subs(S.s, 1))
    if value.has(sp.nan, sp.zoo) or not value.is_finite:
        # Through an unassumed positive u = 1 - s: sympy's one-sided limit in the
        # nonnegative symbol s itself gets the sign of sqrt(1 - s) wrong (-oo).
        u = sp.Dummy("u", positive=True)
        value = sp.limit(derivative.subs(S.s, 1 - u), u, 0, "+")
    if value.is_extended_negative or value.is_extended_real is False or value.has(sp.nan, sp.zoo):
        raise ExpressionError("pgf", f, f"mean f'(1-) evaluated to {value}: not in [0, oo]")
    return value


def _exact_fixed_point(f: sp.Expr) -> sp.Expr | None:
    """The least root of ``f(s) = s`` in [0, 1) when sympy finds it exactly."""
    s = S.s
    poisson = _poisson_mean(f)
    if poisson is not None:
        return sp.simplify(poisson_extinction(poisson).exact)
    numerator, denominator = sp.fraction(sp.together(f - s))
    if not (numerator.is_polynomial(s) and denominator.is_polynomial(s)):
        return None
    poly = sp.Poly(numerator, s)
    if not all(c.is_Rational for c in poly.all_coeffs()):
        return None
    candidates = []
    for root in poly.real_roots():
        if sp.Ge(root, 0) is sp.true and sp.Lt(root, 1) is sp.true:
            if denominator.subs(s, root) != 0:
                candidates.append(root)
    return min(candidates, key=lambda v: float(v)) if candidates else None


def _poisson_mean(f: sp.Expr) -> sp.Expr | None:
    """``m`` if ``f = exp(m (s - 1))`` exactly, else None."""
    if not isinstance(f, sp.exp):
        return None
    exponent = sp.expand(f.args[0])
    if not exponent.is_polynomial(S.s) or sp.degree(exponent, S.s) != 1:
        return None
    slope = exponent.coeff(S.s, 1)
    return slope if sp.simplify(exponent - slope * (S.s - 1)) == 0 else None


def _interval_sign(g: Any, point: mpmath.mpf) -> int:
    """Sign of ``g(point)``, certified by interval arithmetic (0 if undecided).

    Functions :mod:`mpmath.iv` lacks fall back to a 120-bit point evaluation, whose
    sign is trusted only when ``|g| > 2^-100``.
    """
    saved = mpmath.iv.prec
    mpmath.iv.prec = _WORKING_PRECISION
    try:
        value = g(mpmath.iv.mpf(point))
        low, high = value.a, value.b
    except (TypeError, AttributeError, ValueError):
        with mpmath.workprec(_WORKING_PRECISION):
            value = mpmath.re(g(mpmath.mpf(point)))
        low = high = value if abs(value) > mpmath.mpf(2) ** -100 else mpmath.mpf(0)
    finally:
        mpmath.iv.prec = saved
    if low > 0:
        return 1
    if high < 0:
        return -1
    return 0


def _certified_bracket(f: sp.Expr, width: float) -> tuple[float, float]:
    """Bracket ``[lo, hi]`` of the least fixed point of a supercritical pgf."""
    g_iv = sp.lambdify(S.s, f - S.s, modules=[mpmath.iv, "mpmath"])
    f_mp = sp.lambdify(S.s, f, modules="mpmath")
    with mpmath.workprec(_WORKING_PRECISION):
        lo = mpmath.mpf(0)
        for _ in range(200):  # monotone lower bounds f_k(0) <= q
            nxt = f_mp(lo)
            if nxt - lo < width:
                break
            lo = nxt
        while lo > 0 and _interval_sign(g_iv, lo) != 1:
            lo = lo / 2  # step back below q if rounding took the iterate over it
        hi = None
        for exponent in range(1, 60):  # g < 0 on (q, 1): find such a point
            candidate = 1 - mpmath.mpf(2) ** -exponent
            if candidate > lo and _interval_sign(g_iv, candidate) == -1:
                hi = candidate
                break
        if hi is None:
            total = f.subs(S.s, 1)
            if sp.simplify(total - 1).is_positive:
                raise ParameterError(
                    "pgf",
                    sp.sstr(f),
                    "pgfs with a root of s = f(s) in [0, 1]",
                    f"f(1) = {float(total):.17g} > 1 and f(s) > s on [0, 1]; "
                    "normalise=True solves f/f(1)",
                )
            raise ParameterError(
                "pgf",
                sp.sstr(f),
                "pgfs whose fixed point is resolvable",
                "no point with f(s) < s found in (q, 1): mean too close to 1",
            )
        while hi - lo > width:
            mid = (lo + hi) / 2
            sign = _interval_sign(g_iv, mid)
            if sign == 0:
                break  # the interval evaluation cannot separate further
            if sign > 0:
                lo = mid
            else:
                hi = mid
    return float(lo), float(hi)


def extinction_bracket(
    pgf: Any, *, width: float = BRACKET_WIDTH, normalise: bool = False
) -> tuple[float, float]:
    """A certified interval containing the extinction probability.

    Parameters
    ----------
    pgf : str or sympy.Expr
        Offspring pgf in ``s`` (validated as in :func:`validate_pgf`).
    width : float, optional
        Target width (default :data:`BRACKET_WIDTH`).
    normalise : bool, optional
        Solve ``f/f(1)`` instead of ``f`` when ``f(1) != 1`` (see :func:`validate_pgf`).

    Returns
    -------
    tuple of float
        ``(lo, hi)`` with ``lo <= q <= hi``; ``(1.0, 1.0)`` when ``m <= 1``.

    Examples
    --------
    >>> lo, hi = extinction_bracket("exp(2*(s - 1))")
    >>> lo <= 0.2031878699799799 <= hi, hi - lo < 1e-12
    (True, True)
    """
    check_nonnegative("width", width)
    f = validate_pgf(pgf, normalise=normalise)
    trivial = _trivial_extinction(f)
    if trivial is not None:
        return float(trivial), float(trivial)
    return _certified_bracket(f, width)


def _trivial_extinction(f: sp.Expr) -> sp.Expr | None:
    if sp.simplify(f - S.s) == 0:
        return sp.S.Zero  # exactly one child, forever
    if sp.simplify(f.subs(S.s, 0)) == 0:
        return sp.S.Zero  # no childless individuals: s = 0 is the least fixed point
    if sp.simplify(f.subs(S.s, 1)) != 1:
        return None  # f(1) != 1 (solved as given): s = 1 is no fixed point
    if sp.Le(_mean(f), 1) is sp.true:
        return sp.S.One
    return None


def _solve(f: sp.Expr) -> sp.Expr:
    result = _trivial_extinction(f)
    if result is None:
        result = _exact_fixed_point(f)
    if result is None:
        lo, hi = _certified_bracket(f, BRACKET_WIDTH)
        result = _verified_candidate(f, lo, hi)
        if result is None:
            result = sp.Float((lo + hi) / 2, 17)
    return result


def _verified_candidate(f: sp.Expr, lo: float, hi: float) -> sp.Expr | None:
    """A simple closed form inside the certified bracket that satisfies ``f(c) = c``.

    ``g = f - s`` is convex with ``g(lo) > 0 > g(hi)``, so it has exactly one root in
    ``[lo, hi]``: a candidate there that is *proved* to be a fixed point is ``q``.
    """
    mid = (lo + hi) / 2
    for candidate in (
        sp.nsimplify(mid, rational=True, tolerance=hi - lo),
        sp.nsimplify(mid, tolerance=hi - lo),
    ):
        try:
            inside = bool(sp.Rational(lo) <= candidate <= sp.Rational(hi))
            if inside and sp.simplify(f.subs(S.s, candidate) - candidate) == 0:
                return candidate
        except (TypeError, ValueError):
            continue
    return None


def extinction_probability(pgf: Any, *, normalise: bool = False) -> Derived:
    r"""Extinction probability of a Galton-Watson process: the least root of ``s = f(s)``.

    Parameters
    ----------
    pgf : str or sympy.Expr
        The offspring pgf ``f(s)`` in the symbol ``s`` of :mod:`.symbols` (a plain
        ``Symbol("s")`` is accepted too).  Numbers are taken exactly as given.
    normalise : bool, optional
        If ``f(1) != 1`` (within :data:`PGF_SUM_TOLERANCE`): ``False`` (default) solves
        the pgf as given, ``True`` solves ``f/f(1)``.  Either way a
        :class:`PgfNormalisationWarning` reports both answers.

    Returns
    -------
    Derived
        ``.exact`` is exact (rational, radicals, ``CRootOf`` or Lambert W) when sympy
        finds the root, else a ``Float`` at the midpoint of a certified bracket of
        width at most :data:`BRACKET_WIDTH` (see :func:`extinction_bracket`).

    Raises
    ------
    ExpressionError
        If the pgf cannot be parsed or depends on other symbols.
    ParameterError
        If it has negative coefficients or is not a probability pgf, or if
        ``f(1) > 1`` and ``s = f(s)`` has no root in ``[0, 1]``.

    Warns
    -----
    PgfNormalisationWarning
        If ``0 < |f(1) - 1| <= PGF_SUM_TOLERANCE``, with the answer for the pgf as given
        and for the normalised one.

    Examples
    --------
    >>> extinction_probability("1/4 + s/4 + s**2/2").exact
    1/2
    >>> extinction_probability("(1 + s + s**2) / 3").exact  # critical, m = 1
    1
    >>> extinction_probability("1/3 / (1 - 2*s/3)").exact  # geometric, q = p/(1-p)
    1/2
    >>> extinction_probability("exp(2*(s - 1))").exact
    -LambertW(-2*exp(-2))/2
    >>> round(extinction_probability("exp(2*(s - 1))").value(), 12)
    0.20318786998
    >>> round(extinction_probability("(1 + s**3) / 2 * exp(s - 1)").value(), 10)
    0.2359462763
    >>> extinction_probability("1 - sqrt(1 - s)/2").exact  # infinite mean, verified
    3/4

    Lotka's pgf for US male lines, with coefficients rounded so that ``f(1) = 1.00015``,
    is solved as given (the warning also reports the normalised answer, 0.8186):

    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     round(extinction_probability("0.4825 + 0.2126*s/(1 - 0.5893*s)").value(), 6)
    0.819251

    Notes
    -----
    Cost: validation evaluates ``f`` at 33 points of [0, 1] and (for non-polynomials)
    64 points of the circle ``|s| = 1/2``; the bracket needs about 45
    interval evaluations.

    References
    ----------
    .. [1] K. B. Athreya and P. E. Ney, *Branching Processes*, Springer (1972), I.3.
    .. [2] A. J. Lotka, "The extinction of families", *J. Washington Acad. Sci.* 21,
       377-380 and 453-459 (1931).
    """
    expr, total = _validated(pgf, "pgf")
    if total == 1:
        return Derived("extinction probability", _solve(expr))
    normalised = _normalised(expr, total)
    try:
        as_given = _solve(expr)
        given_text = f"q = {float(as_given):.10g}"
    except ParameterError as exc:
        if not normalise:
            raise
        as_given, given_text = None, f"no root in [0, 1] ({exc})"
    rescaled = _solve(normalised)
    warnings.warn(
        f"pgf: f(1) = {float(total):.17g} != 1 (within the tolerance {PGF_SUM_TOLERANCE:g}); "
        f"as given {given_text}; normalised f/f(1): q = {float(rescaled):.10g}; "
        f"returned: {'normalised' if normalise else 'as given'} (normalise={normalise})",
        PgfNormalisationWarning,
        stacklevel=2,
    )
    result = rescaled if normalise else as_given
    return Derived("extinction probability", result)


def poisson_extinction(m: Any = S.m) -> Derived:
    r"""Extinction probability for Poisson(``m``) offspring, exact via Lambert W.

    .. math:: q^* = \begin{cases} 1 & m \le 1 \\ -W_0(-m e^{-m})/m & m > 1 \end{cases}

    Parameters
    ----------
    m : number, str or sympy.Expr, optional
        Mean offspring number, ``>= 0`` (default: the symbol ``m``).

    Returns
    -------
    Derived

    Raises
    ------
    ParameterError
        If ``m`` is provably negative.

    Examples
    --------
    >>> poisson_extinction().exact
    Piecewise((1, m <= 1), (-LambertW(-m*exp(-m))/m, True))
    >>> poisson_extinction(1).exact
    1
    >>> round(poisson_extinction(2).value(), 10)
    0.20318787
    >>> round(poisson_extinction().numeric(m=3.0), 6)
    0.05952

    For numpy arrays use :func:`poisson_extinction_numeric` (real-valued).

    References
    ----------
    .. [1] R. M. Corless et al., "On the Lambert W function", *Adv. Comput. Math.* 5,
       329-359 (1996).
    """
    m_value = check_nonnegative("m", _exact_param("m", m))
    exact = sp.Piecewise(
        (sp.S.One, sp.Le(m_value, 1)),
        (-sp.LambertW(-m_value * sp.exp(-m_value)) / m_value, True),
    )
    return Derived("extinction probability (Poisson offspring)", exact)


#: Below this ``m - 1`` the Poisson extinction is computed from ``phi(y) = m - 1``
#: (Newton), above it from Lambert W (whose branch-point loss is then below 1e-15).
_POISSON_NEWTON_BELOW = 0.5
_PHI_SERIES_BELOW = 0.25
_PHI_TERMS = 32


def _phi(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``phi(y) = -(log(1 - y) + y)/y = sum_k y^k/(k+1)`` and ``phi'(y)``, accurately."""
    small = y < _PHI_SERIES_BELOW
    ys = np.where(small, y, 0.0)
    value = np.zeros_like(ys)
    slope = np.zeros_like(ys)
    for k in range(_PHI_TERMS, 0, -1):  # Horner: sum_{k>=1} y^k/(k+1), derivative likewise
        value = (value + 1.0 / (k + 1)) * ys
        slope = slope * ys + k / (k + 1.0)
    yl = np.where(small, 0.5, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.log1p(-yl) + yl
        direct = -u / yl
        direct_slope = (yl * yl / (1.0 - yl) + u) / (yl * yl)
    return np.where(small, value, direct), np.where(small, slope, direct_slope)


def _poisson_survival_newton(eps: np.ndarray) -> np.ndarray:
    """``y = 1 - q`` solving ``phi(y) = eps`` for ``0 < eps <= 0.5`` (monotone Newton)."""
    y = np.minimum(2.0 * eps, 0.99)  # phi(y) >= y/2 and phi(0.99) > 0.5: right of the root
    for _ in range(60):
        value, slope = _phi(y)
        step = (value - eps) / slope
        y_next = np.clip(y - step, 0.5 * y, y)  # convex, increasing: iterates decrease
        if np.all(np.abs(y_next - y) <= 1e-17 * y):
            return y_next
        y = y_next
    return y


def poisson_survival_numeric(m: Any) -> Any:
    r"""Vectorised :math:`1 - q` for Poisson(``m``) offspring, with relative accuracy.

    The probability that the nested lineage survives forever.  Near :math:`m = 1` it is
    about :math:`2(m - 1)`, which ``1 - poisson_extinction_numeric(m)`` cannot resolve
    (cancellation); here it is computed directly (see the module docstring).

    Examples
    --------
    >>> float(poisson_survival_numeric(1 + 2**-30))  # 2 eps - 8/3 eps^2 + ...
    1.8626451469179925e-09
    >>> poisson_survival_numeric([0.5, 1.0, 2.0]).round(9).tolist()
    [0.0, 0.0, 0.79681213]
    """
    check_nonnegative("m", m)
    mm = np.asarray(m, dtype=float)
    eps = mm - 1.0  # exact for m in [1/2, 2] (Sterbenz)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        near = (eps > 0) & (eps <= _POISSON_NEWTON_BELOW)
        y_near = _poisson_survival_newton(np.where(near, eps, 0.25))
        far = np.where(mm > 1.0, mm, 2.0)
        w = lambertw(-far * np.exp(-far), 0).real
        y_far = 1.0 + w / far
        out = np.where(mm <= 1.0, 0.0, np.where(near, y_near, y_far))
        out = np.where(np.isinf(mm), 1.0, out)
    return float(out) if out.ndim == 0 else out


def poisson_extinction_numeric(m: Any) -> Any:
    """Vectorised Poisson extinction probability (floats or numpy arrays).

    Accurate to a few ulps of ``q`` for every ``m`` (for ``1 - q`` with relative
    accuracy near ``m = 1`` use :func:`poisson_survival_numeric`).

    Examples
    --------
    >>> poisson_extinction_numeric([0.0, 1.0, 1.5, 3.0]).round(6).tolist()
    [1.0, 1.0, 0.417188, 0.05952]
    >>> poisson_extinction_numeric(1 + 2**-40) < 1  # supercritical: 1 - q = 2^-39 (1 - ...)
    True
    """
    check_nonnegative("m", m)
    mm = np.asarray(m, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        far = np.where(mm > 1.0 + _POISSON_NEWTON_BELOW, mm, 2.0)
        w = lambertw(-far * np.exp(-far), 0).real
        q_far = -w / far
        out = np.where(mm > 1.0 + _POISSON_NEWTON_BELOW, q_far, 1.0 - poisson_survival_numeric(mm))
        out = np.where(np.isinf(mm), 0.0, out)
    return float(out) if out.ndim == 0 else out


def mean_total_progeny(m: Any = S.m) -> Derived:
    r"""Expected total progeny (founder included): ``1/(1 - m)`` for ``m < 1``, else ``oo``.

    Examples
    --------
    >>> mean_total_progeny().exact
    Piecewise((1/(1 - m), m < 1), (oo, True))
    >>> mean_total_progeny("1/2").exact
    2
    >>> mean_total_progeny(1).exact
    oo

    References
    ----------
    .. [1] T. E. Harris, *The Theory of Branching Processes*, Springer (1963), I.13.
    """
    m_value = check_nonnegative("m", _exact_param("m", m))
    exact = sp.Piecewise((1 / (1 - m_value), sp.Lt(m_value, 1)), (sp.oo, True))
    return Derived("mean total progeny", exact)


def _as_matrix(matrix: Any, name: str) -> sp.Matrix:
    try:
        rows = [[_exact_param(name, v) for v in row] for row in matrix]
        mat = sp.Matrix(rows)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ParameterError | ExpressionError):
            raise
        raise ParameterError(name, matrix, "a square matrix of numbers") from exc
    if mat.rows == 0 or mat.rows != mat.cols:
        raise ParameterError(name, matrix, "a non-empty square matrix", f"shape {mat.shape}")
    for entry in mat:
        if entry.free_symbols or not entry.is_real:
            raise ParameterError(name, sp.sstr(entry), "real numbers", "entry is not a number")
        if entry.is_negative:
            raise ParameterError(name, sp.sstr(entry), "nonnegative entries", "mean matrix")
    return mat


def _flint_rational_matrix(mat: sp.Matrix) -> Any:
    import flint

    return flint.fmpq_mat(mat.rows, mat.cols, [flint.fmpq(int(e.p), int(e.q)) for e in mat])


def _charpoly_exact(mat: sp.Matrix) -> sp.Poly:
    """The characteristic polynomial of a rational matrix, in exact arithmetic (FLINT)."""
    coeffs = _flint_rational_matrix(mat).charpoly().coeffs()  # constant term first
    return sp.Poly([sp.Rational(int(c.p), int(c.q)) for c in reversed(coeffs)], _X, domain=sp.QQ)


def _perron_exact(mat: sp.Matrix) -> sp.Expr:
    """The largest real root of the characteristic polynomial, exactly."""
    roots = _charpoly_exact(mat).real_roots()  # ascending, exact isolation intervals
    return roots[-1]  # nonempty: rho(M) is a real eigenvalue (Perron-Frobenius)


def _outward(value: Any, direction: float) -> float:
    """``float`` of an exact arb endpoint, rounded one ulp outward."""
    return math.nextafter(float(value.mid()), direction)


def _bracket_by_roots(mat: sp.Matrix) -> tuple[float, float]:
    """Enclose rho = max |lambda| from Arb balls around every root of chi_M."""
    roots = _flint_rational_matrix(mat).charpoly().complex_roots()
    moduli = [abs(root) for root, _ in roots]
    lo = max(_outward(a.lower(), -math.inf) for a in moduli)
    hi = max(_outward(a.upper(), math.inf) for a in moduli)
    return max(lo, 0.0), hi


def _bracket_collatz_wielandt(mat: sp.Matrix) -> tuple[float, float]:
    """Collatz-Wielandt bounds in Arb with numpy's Perron vector (entries as balls)."""
    import flint

    n = mat.rows
    numeric = np.array(mat.evalf(20).tolist(), dtype=float)
    eig, vecs = np.linalg.eig(numeric)
    x = np.abs(vecs[:, int(np.argmax(np.abs(eig)))].real)
    x = np.where(x > 1e-300, x, 1e-300) if np.any(x > 0) else np.ones(n)
    saved = flint.ctx.prec
    flint.ctx.prec = 128
    try:
        balls = [
            [
                flint.arb(mpmath.nstr(sp.N(e, 40), 40)) * (1 + flint.arb(0, 1e-35))
                for e in mat.row(i)
            ]
            for i in range(n)
        ]
        xs = [flint.arb(float(v)) for v in x]
        ratios = [
            sum((balls[i][j] * xs[j] for j in range(n)), flint.arb(0)) / xs[i] for i in range(n)
        ]
        lo = min(_outward(r.lower(), -math.inf) for r in ratios)
        hi = max(_outward(r.upper(), math.inf) for r in ratios)
    finally:
        flint.ctx.prec = saved
    return max(lo, 0.0), hi


#: Largest rational matrix whose Perron root is enclosed through all roots of chi_M
#: (beyond it: Collatz-Wielandt bounds).
_ROOTS_MATRIX_SIZE = 40
#: Variable of the characteristic polynomials in ``CRootOf`` results.
_X = sp.Symbol("x")


def perron_bracket(matrix: Any) -> tuple[float, float]:
    """A certified interval ``[lo, hi]`` containing the Perron root of a nonnegative matrix.

    Parameters
    ----------
    matrix : array_like or sympy.Matrix
        Square matrix of nonnegative numbers (taken exactly as given).

    Returns
    -------
    tuple of float
        ``lo <= rho(M) <= hi``.  For rational matrices up to 40x40 the width is a few
        ulps (Arb enclosures of the roots of the exact characteristic polynomial); for
        other entries or larger matrices, the Collatz-Wielandt bounds
        ``min_i (Mx)_i/x_i <= rho <= max_i (Mx)_i/x_i`` with numpy's Perron vector
        ``x``, evaluated in ball arithmetic (tight for irreducible matrices).

    Raises
    ------
    ParameterError
        As :func:`perron_root`.

    Examples
    --------
    >>> lo, hi = perron_bracket([[1, 1], [1, 0]])
    >>> lo <= (1 + 5 ** 0.5) / 2 <= hi, hi - lo < 1e-15
    (True, True)
    >>> lo, hi = perron_bracket([["sqrt(2)", 0], [1, 1]])
    >>> lo <= 2 ** 0.5 <= hi, hi - lo < 1e-14
    (True, True)

    References
    ----------
    .. [1] R. A. Horn and C. R. Johnson, *Matrix Analysis*, 2nd ed. (2013), 8.1.26.
    .. [2] F. Johansson, "Arb", *IEEE Trans. Comput.* 66 (2017).
    """
    mat = _as_matrix(matrix, "matrix")
    return _perron_bracket(mat)


def _perron_bracket(mat: sp.Matrix) -> tuple[float, float]:
    if all(e.is_Rational for e in mat) and mat.rows <= _ROOTS_MATRIX_SIZE:
        return _bracket_by_roots(mat)
    return _bracket_collatz_wielandt(mat)


def perron_root(matrix: Any, *, exact: bool | None = None) -> Derived:
    """Perron root (spectral radius) of a nonnegative mean matrix.

    By Perron-Frobenius the spectral radius of a nonnegative matrix is an eigenvalue,
    hence the largest real root of the characteristic polynomial; that is what is
    computed, never a radical formula of the eigenvalues (see the module docstring).

    Parameters
    ----------
    matrix : array_like or sympy.Matrix
        Square matrix of nonnegative numbers ``M[i][j]`` = mean number of type-``j``
        children of a type-``i`` parent (taken exactly: a float is its binary value).
    exact : bool or None, optional
        ``None`` (default): exact for rational matrices up to 4x4, a certified float
        otherwise; ``True`` forces the exact root (rational entries only), ``False``
        the float.

    Returns
    -------
    Derived
        Exact: a rational, a quadratic surd or a ``CRootOf`` (isolated exactly).
        Float: numpy's value, clipped into the certified :func:`perron_bracket`.

    Raises
    ------
    ParameterError
        If the matrix is not square or has negative or non-numeric entries, or
        ``exact=True`` with irrational entries.

    Examples
    --------
    >>> perron_root([[1, 1], [1, 0]]).exact
    1/2 + sqrt(5)/2
    >>> perron_root([["1/2", "1/4"], ["1/4", "1/2"]]).exact
    3/4
    >>> round(perron_root([[0.5, 1.5], [0.2, 0.9]], exact=False).value(), 6)
    1.283095

    Three real eigenvalues (casus irreducibilis) are handled exactly:

    >>> perron_root([[0, 1, 0], [0, 0, 1], [1, 3, 0]]).exact
    CRootOf(x**3 - 3*x - 1, 2)
    >>> round(perron_root([[0, 1, 0], [0, 0, 1], [1, 3, 0]]).value(), 12)
    1.879385241572

    References
    ----------
    .. [1] K. B. Athreya and P. E. Ney, *Branching Processes*, Springer (1972), V.2.
    .. [2] R. A. Horn and C. R. Johnson, *Matrix Analysis*, 2nd ed. (2013), 8.3.1.
    """
    mat = _as_matrix(matrix, "matrix")
    rational = all(e.is_Rational for e in mat)
    use_exact = exact
    if use_exact is None:
        use_exact = rational and mat.rows <= _EXACT_MATRIX_SIZE
    if use_exact:
        if not rational:
            raise ParameterError(
                "exact", True, "exact=True for rational matrices only", "irrational entries"
            )
        return Derived("Perron root", _perron_exact(mat))
    lo, hi = _perron_bracket(mat)
    eig = np.linalg.eigvals(np.array(mat.evalf(20).tolist(), dtype=float))
    value = min(max(float(np.max(np.abs(eig))), lo), hi)
    return Derived("Perron root", sp.Float(value, 17))


def _perron_at_most_one(mat: sp.Matrix) -> bool | None:
    """Whether rho(M) <= 1: decided by the certified bracket, exactly if it straddles 1."""
    lo, hi = _perron_bracket(mat)
    if hi <= 1.0:
        return True
    if lo > 1.0:
        return False
    if all(e.is_Rational for e in mat):
        return bool(sp.Le(_perron_exact(mat), 1))
    return None


def poisson_offspring_pgfs(matrix: Any) -> tuple[list[sp.Expr], list[sp.Symbol]]:
    """Multi-type pgfs of independent Poisson offspring with mean matrix ``M``.

    ``f_i(s) = exp(sum_j M_ij (s_j - 1))``, in variables ``s_0, ..., s_{k-1}``.

    Examples
    --------
    >>> pgfs, variables = poisson_offspring_pgfs([[2, 0], [1, "1/2"]])
    >>> pgfs[1]
    exp(s_0 + s_1/2 - 3/2)
    >>> variables
    [s_0, s_1]
    """
    mat = _as_matrix(matrix, "matrix")
    variables = [sp.Symbol(f"s_{i}", nonnegative=True, real=True) for i in range(mat.rows)]
    pgfs = [
        sp.exp(sp.expand(sum(mat[i, j] * (variables[j] - 1) for j in range(mat.cols))))
        for i in range(mat.rows)
    ]
    return pgfs, variables


def multitype_extinction(
    pgfs: Sequence[Any],
    variables: Sequence[sp.Symbol],
    *,
    tol: float = 1e-13,
    max_iter: int = 100_000,
) -> np.ndarray:
    """Extinction vector: the least fixed point of a multi-type pgf, iterated from 0.

    Parameters
    ----------
    pgfs : sequence of sympy.Expr or str
        ``f_i(s_0, ..., s_{k-1})``, the pgf of type ``i``'s offspring vector.
    variables : sequence of sympy.Symbol
        The ``s_j``, in type order.
    tol : float, optional
        Stop when an iteration changes no component by more than ``tol``.
    max_iter : int, optional
        Iteration cap; hitting it warns (``RuntimeWarning``).

    Returns
    -------
    numpy.ndarray
        ``q_i`` = P(lineage of a type-``i`` founder dies out).  The iterates
        ``f^(k)(0)`` increase to ``q``, so the result is a lower bound; when the
        process is positively regular and its Perron root is at most 1, ``q = 1``
        is returned exactly (iteration converges only algebraically there).

    Raises
    ------
    ParameterError
        If the numbers of pgfs and variables differ, or a pgf has negative mean
        entries.

    Examples
    --------
    >>> pgfs, v = poisson_offspring_pgfs([[2, 0], [1, "1/2"]])
    >>> multitype_extinction(pgfs, v).round(6).tolist()
    [0.203188, 0.321001]
    >>> pgfs, v = poisson_offspring_pgfs([["1/2", "1/4"], ["1/4", "1/2"]])
    >>> multitype_extinction(pgfs, v).tolist()
    [1.0, 1.0]

    References
    ----------
    .. [1] T. E. Harris, *The Theory of Branching Processes*, Springer (1963), II.7.
    """
    k = len(variables)
    if len(pgfs) != k or k == 0:
        raise ParameterError("pgfs", len(pgfs), f"{k} pgfs, one per variable")
    max_iter = check_positive_int("max_iter", max_iter)
    exprs = [sympify_param(f"pgfs[{i}]", f) for i, f in enumerate(pgfs)]
    ones = dict.fromkeys(variables, 1)
    mean = sp.Matrix(exprs).jacobian(list(variables)).subs(ones)
    _as_matrix(mean.tolist(), "mean matrix")
    if (
        _positively_regular(mean)
        and not _singular(exprs, variables)
        and _perron_at_most_one(_as_matrix(mean.tolist(), "mean matrix")) is True
    ):
        return np.ones(k)
    step = sp.lambdify(list(variables), exprs, modules="numpy")
    current = np.zeros(k)
    for _ in range(max_iter):
        nxt = np.asarray(step(*current), dtype=float)
        if np.max(np.abs(nxt - current)) <= tol:
            return nxt
        current = nxt
    warnings.warn(
        f"multitype_extinction: no convergence in {max_iter} iterations",
        RuntimeWarning,
        stacklevel=2,
    )
    return current


def _singular(exprs: list[sp.Expr], variables: Sequence[sp.Symbol]) -> bool:
    """Every individual has exactly one child: each pgf is linear with no constant term."""
    zero = dict.fromkeys(variables, 0)
    return all(
        e.is_polynomial(*variables)
        and sp.Poly(e, *variables).total_degree() <= 1
        and sp.simplify(e.subs(zero)) == 0
        for e in exprs
    )


def _positively_regular(mean: sp.Matrix) -> bool:
    """Some power of the mean matrix is strictly positive (Wielandt bound (k-1)^2 + 1)."""
    pattern = np.array([[float(v) > 0 for v in row] for row in mean.tolist()], dtype=int)
    power = pattern.copy()
    for _ in range((pattern.shape[0] - 1) ** 2):
        if power.all():
            return True
        power = np.minimum(power @ pattern, 1)
    return bool(power.all())
