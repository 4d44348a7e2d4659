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
   values in :math:`[0, 1]` on :math:`[0, 1]`, and :math:`f(1) = 1`.  Float literals
   are read as the exact rationals they denote (``0.1 -> 1/10``).  If
   :math:`|f(1) - 1| \le` :data:`PGF_SUM_TOLERANCE` (rounding in user input, e.g.
   published coefficients given to four digits) the pgf is divided by
   :math:`f(1)` and a :class:`PgfNormalisationWarning` is issued; further off it is
   refused with :class:`~supercoherence.errors.ParameterError`.
2. :math:`m \le 1`: :math:`q = 1` exactly (:math:`q = 0` for :math:`f(s) = s`).
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

References
----------
.. [1] K. B. Athreya and P. E. Ney, *Branching Processes*, Springer (1972).
.. [2] T. E. Harris, *The Theory of Branching Processes*, Springer (1963).
.. [3] R. M. Corless, G. H. Gonnet, D. E. G. Hare, D. J. Jeffrey and D. E. Knuth,
   "On the Lambert W function", *Adv. Comput. Math.* 5, 329-359 (1996).
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


def _rationalise(expr: sp.Expr) -> sp.Expr:
    floats = {f: sp.nsimplify(f, rational=True) for f in expr.atoms(sp.Float)}
    return expr.xreplace(floats) if floats else expr


def _parse_pgf(pgf: Any, name: str) -> sp.Expr:
    if isinstance(pgf, str):
        # Float literals become rationals *before* evaluation, so that
        # ``exp(1.5*(s - 1))`` stays exp(3*s/2 - 3/2) with f(1) = 1 exactly.
        local = {nm: getattr(S, nm) for nm in S.__all__}
        try:
            expr = sp.sympify(pgf, locals=local, rational=True)
        except (sp.SympifyError, SyntaxError, TypeError) as exc:
            raise ExpressionError(name, pgf, "unparsable expression") from exc
    else:
        expr = sympify_param(name, pgf)
    if not isinstance(expr, sp.Expr):
        raise ExpressionError(name, pgf, "not an expression in s")
    free = expr.free_symbols
    if any(sym.name != S.s.name for sym in free):
        others = sorted(sym.name for sym in free if sym.name != S.s.name)
        raise ExpressionError(name, pgf, f"free symbols {others}: a pgf may depend on s only")
    return _rationalise(expr.xreplace({sym: S.s for sym in free}))


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


def validate_pgf(pgf: Any, *, name: str = "pgf") -> sp.Expr:
    """Parse and check an offspring pgf; return it as an exact sympy expression in ``s``.

    Parameters
    ----------
    pgf : str or sympy.Expr
        The pgf ``f(s)``; floats are turned into the rationals they denote.
    name : str, optional
        Parameter name used in error messages.

    Returns
    -------
    sympy.Expr
        The pgf, divided by ``f(1)`` if that was within :data:`PGF_SUM_TOLERANCE` of 1.

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
        If ``f(1) != 1`` within the tolerance, and the pgf was normalised.

    Examples
    --------
    >>> validate_pgf("0.25 + 0.25*s + 0.5*s**2")
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
    """
    expr = _parse_pgf(pgf, name)
    _check_coefficients(expr, name)
    _check_values(expr, name)
    total = sp.simplify(expr.subs(S.s, 1))
    if total == 1:
        return expr
    if abs(float(total) - 1.0) > PGF_SUM_TOLERANCE:
        raise ParameterError(name, sp.sstr(expr), "coefficients summing to 1", f"f(1) = {total}")
    warnings.warn(
        f"{name}: f(1) = {float(total):.17g}, normalised to 1 (tolerance {PGF_SUM_TOLERANCE:g})",
        PgfNormalisationWarning,
        stacklevel=2,
    )
    return sp.expand(expr / total) if expr.is_polynomial(S.s) else expr / total


def mean_offspring(pgf: Any) -> sp.Expr:
    """The mean number of offspring ``m = f'(1)`` (exact; may be ``oo``).

    Examples
    --------
    >>> mean_offspring("1/4 + s/4 + s**2/2")
    5/4
    >>> mean_offspring("exp(3*(s - 1))")
    3
    """
    f = validate_pgf(pgf)
    return _mean(f)


def _mean(f: sp.Expr) -> sp.Expr:
    derivative = sp.diff(f, S.s)
    value = sp.simplify(derivative.subs(S.s, 1))
    if value.has(sp.nan, sp.zoo) or not value.is_finite:
        value = sp.limit(derivative, S.s, 1, dir="-")
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


def extinction_bracket(pgf: Any, *, width: float = BRACKET_WIDTH) -> tuple[float, float]:
    """A certified interval containing the extinction probability.

    Parameters
    ----------
    pgf : str or sympy.Expr
        Offspring pgf in ``s`` (validated as in :func:`validate_pgf`).
    width : float, optional
        Target width (default :data:`BRACKET_WIDTH`).

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
    f = validate_pgf(pgf)
    trivial = _trivial_extinction(f)
    if trivial is not None:
        return float(trivial), float(trivial)
    return _certified_bracket(f, width)


def _trivial_extinction(f: sp.Expr) -> sp.Expr | None:
    if sp.simplify(f - S.s) == 0:
        return sp.S.Zero  # exactly one child, forever
    if sp.simplify(f.subs(S.s, 0)) == 0:
        return sp.S.Zero  # no childless individuals
    if sp.Le(_mean(f), 1) is sp.true:
        return sp.S.One
    return None


def extinction_probability(pgf: Any) -> Derived:
    r"""Extinction probability of a Galton-Watson process: the least root of ``s = f(s)``.

    Parameters
    ----------
    pgf : str or sympy.Expr
        The offspring pgf ``f(s)`` in the symbol ``s`` of :mod:`.symbols` (a plain
        ``Symbol("s")`` is accepted too).  Floats become exact rationals; sums within
        :data:`PGF_SUM_TOLERANCE` of 1 are normalised with a warning.

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
        If it has negative coefficients or is not a probability pgf.

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

    Notes
    -----
    Cost: validation evaluates ``f`` at 33 points of [0, 1] and (for non-polynomials)
    64 points of the circle ``|s| = 1/2``; the bracket needs about 45
    interval evaluations.

    References
    ----------
    .. [1] K. B. Athreya and P. E. Ney, *Branching Processes*, Springer (1972), I.3.
    """
    f = validate_pgf(pgf)
    result = _trivial_extinction(f)
    if result is None:
        result = _exact_fixed_point(f)
    if result is None:
        lo, hi = _certified_bracket(f, BRACKET_WIDTH)
        result = sp.Float((lo + hi) / 2, 17)
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
    m_value = check_nonnegative("m", sympify_param("m", m))
    exact = sp.Piecewise(
        (sp.S.One, sp.Le(m_value, 1)),
        (-sp.LambertW(-m_value * sp.exp(-m_value)) / m_value, True),
    )
    return Derived("extinction probability (Poisson offspring)", exact)


def poisson_extinction_numeric(m: Any) -> Any:
    """Vectorised Poisson extinction probability (floats or numpy arrays).

    Examples
    --------
    >>> poisson_extinction_numeric([0.0, 1.0, 1.5, 3.0]).round(6).tolist()
    [1.0, 1.0, 0.417188, 0.05952]
    """
    check_nonnegative("m", m)
    mm = np.asarray(m, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = lambertw(-mm * np.exp(-mm), 0).real
        out = np.where(mm <= 1.0, 1.0, -w / np.where(mm > 0, mm, 1.0))
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
    m_value = check_nonnegative("m", sympify_param("m", m))
    exact = sp.Piecewise((1 / (1 - m_value), sp.Lt(m_value, 1)), (sp.oo, True))
    return Derived("mean total progeny", exact)


def _as_matrix(matrix: Any, name: str) -> sp.Matrix:
    try:
        rows = [[sympify_param(name, v) for v in row] for row in matrix]
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


def perron_root(matrix: Any, *, exact: bool | None = None) -> Derived:
    """Perron root (spectral radius) of a nonnegative mean matrix.

    Parameters
    ----------
    matrix : array_like or sympy.Matrix
        Square matrix of nonnegative numbers ``M[i][j]`` = mean number of type-``j``
        children of a type-``i`` parent.
    exact : bool or None, optional
        ``None`` (default): exact sympy eigenvalues for rational matrices up to 4x4,
        numpy otherwise; ``True`` forces sympy, ``False`` numpy.

    Returns
    -------
    Derived
        The largest real eigenvalue (exact or a ``Float``).

    Raises
    ------
    ParameterError
        If the matrix is not square or has negative or non-numeric entries.

    Examples
    --------
    >>> perron_root([[1, 1], [1, 0]]).exact
    1/2 + sqrt(5)/2
    >>> perron_root([["1/2", "1/4"], ["1/4", "1/2"]]).exact
    3/4
    >>> round(perron_root([[0.5, 1.5], [0.2, 0.9]], exact=False).value(), 6)
    1.283095

    References
    ----------
    .. [1] K. B. Athreya and P. E. Ney, *Branching Processes*, Springer (1972), V.2.
    """
    mat = _as_matrix(matrix, "matrix")
    use_exact = exact
    if use_exact is None:
        use_exact = mat.rows <= _EXACT_MATRIX_SIZE and all(e.is_Rational for e in mat)
    if use_exact:
        candidates = [ev for ev in mat.eigenvals() if sp.im(ev).evalf(30) == 0 or ev.is_real]
        root = max(candidates, key=lambda v: float(sp.re(v).evalf(30)))
        return Derived(
            "Perron root",
            sp.nsimplify(sp.simplify(root)) if root.is_Rational else sp.simplify(root),
        )
    eig = np.linalg.eigvals(np.array(mat.tolist(), dtype=float))
    return Derived("Perron root", sp.Float(float(np.max(np.abs(eig))), 17))


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
        and sp.Le(perron_root(mean.tolist()).exact, 1) is sp.true
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
