r"""Utility functions and their alignment.

A utility is either a sympy expression over outcome variables or, in simulations, a
unit vector :math:`w \in \mathbb R^d` (the linear utility :math:`x \mapsto w \cdot x`
on features :math:`x`).  Two utilities are aligned to the degree

* :math:`w_a \cdot w_b / (|w_a| |w_b|)` (cosine) for vectors, or
* :math:`\operatorname{corr}(u_a(X), u_b(X))` for general utilities under a **stated**
  outcome distribution of :math:`X`: exactly when :math:`X` is given as
  :mod:`sympy.stats` random variables, or estimated from samples of a numpy sampler.

For linear utilities and features with identity covariance the two agree:
:math:`\operatorname{corr}(w_a \cdot X, w_b \cdot X) = \cos(w_a, w_b)`.

Value drift (MODEL.md): at a takeover the dominant utility moves to

.. math:: w' = \rho\, w + \sqrt{1 - \rho^2}\; u,

:math:`u` uniform on the unit vectors orthogonal to :math:`w`, so :math:`w'` is a unit
vector with :math:`w' \cdot w = \rho` exactly (:func:`drift_step`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp
import sympy.stats as st

from supercoherence.checks import check_in_interval, check_positive_int
from supercoherence.errors import ExpressionError, ParameterError
from supercoherence.randomness import Seed, as_generator
from supercoherence.theory.result import sympify_param

__all__ = [
    "alignment",
    "correlation_exact",
    "correlation_sampled",
    "drift_rows",
    "drift_step",
    "linear_utility",
    "random_unit_vector",
    "unit_vector",
]


def _vectors(name: str, value: Any) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0 or arr.shape[-1] < 1 or not np.all(np.isfinite(arr)):
        raise ParameterError(name, value, "finite vectors (last axis: the components)")
    return arr


def unit_vector(w: Any) -> np.ndarray:
    """``w / |w|`` along the last axis.

    Raises
    ------
    ParameterError
        If a vector is zero or not finite.

    Examples
    --------
    >>> unit_vector([3.0, 4.0]).tolist()
    [0.6, 0.8]
    """
    arr = _vectors("w", w)
    norm = np.linalg.norm(arr, axis=-1, keepdims=True)
    if np.any(norm == 0):
        raise ParameterError("w", w, "nonzero vectors")
    return arr / norm


def alignment(u: Any, v: Any) -> Any:
    r"""Cosine alignment :math:`u \cdot v / (|u||v|)` of utility vectors.

    Broadcasts over leading axes (rows of a matrix are vectors).

    Parameters
    ----------
    u, v : array_like
        Vectors of equal dimension (last axis).

    Returns
    -------
    float or numpy.ndarray
        In [-1, 1].

    Raises
    ------
    ParameterError
        If a vector is zero, or the dimensions differ.

    Examples
    --------
    >>> round(alignment([1.0, 0.0], [1.0, 1.0]), 6)
    0.707107
    >>> alignment([[1.0, 0.0], [0.0, 2.0]], [0.0, 1.0]).tolist()
    [0.0, 1.0]
    """
    a, b = unit_vector(u), unit_vector(v)
    if a.shape[-1] != b.shape[-1]:
        raise ParameterError("v", v, f"vectors of dimension {a.shape[-1]}")
    out = np.clip(np.sum(a * b, axis=-1), -1.0, 1.0)
    return float(out) if np.ndim(out) == 0 else out


def random_unit_vector(dim: int, seed: Seed = None, size: int | None = None) -> np.ndarray:
    r"""A uniformly random unit vector in :math:`\mathbb R^{dim}` (normalised Gaussian).

    Parameters
    ----------
    dim : int
        Dimension, >= 1.
    seed : int, Generator, SeedSequence or None
        Randomness (:func:`supercoherence.randomness.as_generator`).
    size : int, optional
        Number of vectors; then the result has shape ``(size, dim)``.

    Examples
    --------
    >>> w = random_unit_vector(5, seed=1)
    >>> w.shape, round(float(w @ w), 12)
    ((5,), 1.0)
    >>> random_unit_vector(3, seed=1, size=4).shape
    (4, 3)
    """
    dim = check_positive_int("dim", dim)
    rng = as_generator(seed)
    shape = (dim,) if size is None else (check_positive_int("size", size), dim)
    while True:
        x = rng.standard_normal(shape)
        norm = np.linalg.norm(x, axis=-1, keepdims=True)
        if np.all(norm > 0):
            return x / norm


def drift_step(w: Any, rho: float, seed: Seed = None) -> np.ndarray:
    r"""One takeover's drift :math:`w' = \rho w + \sqrt{1-\rho^2}\,u`, :math:`u \perp w` uniform.

    Parameters
    ----------
    w : array_like
        Unit vector(s), shape ``(dim,)`` or ``(m, dim)`` (each row drifts independently);
        ``dim >= 2``. Non-unit input is normalised first.
    rho : float
        Correlation in [-1, 1].
    seed : int, Generator, SeedSequence or None
        Randomness.

    Returns
    -------
    numpy.ndarray
        Unit vector(s) with :math:`w' \cdot w = \rho`.

    Raises
    ------
    ParameterError
        If ``rho`` is outside [-1, 1], or ``dim < 2``.

    Examples
    --------
    >>> w0 = np.array([1.0, 0.0, 0.0])
    >>> w1 = drift_step(w0, 0.6, seed=3)
    >>> round(float(w1 @ w0), 12), round(float(w1 @ w1), 12)
    (0.6, 1.0)
    """
    rho = float(check_in_interval("rho", rho, -1, 1))
    base = unit_vector(w)
    if base.shape[-1] < 2:
        raise ParameterError("w", w, "vectors of dimension >= 2")
    return drift_rows(base, rho, as_generator(seed))


def drift_rows(base: np.ndarray, rho: float, rng: np.random.Generator) -> np.ndarray:
    r""":func:`drift_step` on checked input: unit rows ``base`` (``dim >= 2``), ``rho`` in [-1, 1].

    The one implementation of the drift (:func:`drift_step` validates, then calls
    this); hot loops that hold unit vectors already (the nested model) call it directly.
    No BLAS call: the projections are ``einsum`` reductions.

    Examples
    --------
    >>> w = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> out = drift_rows(w, 0.0, np.random.default_rng(1))
    >>> bool(np.abs(np.einsum("ij,ij->i", out, w)).max() < 1e-12)
    True
    """
    rows = base.reshape(-1, base.shape[-1])
    while True:
        z = rng.standard_normal(rows.shape)
        z -= np.einsum("ij,ij->i", z, rows)[:, None] * rows
        norm = np.sqrt(np.einsum("ij,ij->i", z, z))[:, None]
        if np.all(norm > 1e-12):
            break
    out = rho * rows + np.sqrt(1.0 - rho * rho) * z / norm
    return out.reshape(base.shape)


def linear_utility(w: Sequence[Any], variables: Sequence[sp.Symbol]) -> sp.Expr:
    r"""The linear utility :math:`\sum_i w_i x_i` as a sympy expression.

    Examples
    --------
    >>> x, y = sp.symbols("x y")
    >>> linear_utility([sp.Rational(3, 5), sp.Rational(4, 5)], [x, y])
    3*x/5 + 4*y/5
    """
    if len(w) != len(variables):
        raise ParameterError("w", list(w), f"{len(variables)} weights, one per variable")
    return sp.Add(*(sympify_param("w", wi) * x for wi, x in zip(w, variables, strict=True)))


def _utility(name: str, value: Any) -> sp.Expr:
    # A utility is over the caller's outcome variables: unknown names are new symbols.
    expr = sympify_param(name, value, new_symbols=True)
    if not isinstance(expr, sp.Expr):
        raise ExpressionError(name, value, "not an expression")
    return expr


def correlation_exact(u: Any, v: Any, outcomes: Mapping[sp.Symbol, Any]) -> sp.Expr:
    r"""Exact :math:`\operatorname{corr}(u(X), v(X))` with :math:`X` given by sympy.stats.

    Parameters
    ----------
    u, v : sympy.Expr or str
        Utilities over the outcome variables.
    outcomes : mapping of sympy.Symbol to sympy.stats random symbols
        The stated outcome distribution: each variable's random variable.

    Raises
    ------
    ExpressionError
        If a utility is constant under the distribution (zero variance) or has a free
        symbol that ``outcomes`` does not cover.

    Examples
    --------
    >>> x1, x2 = sp.symbols("x1 x2")
    >>> half = sp.Rational(1, 2)
    >>> coins = {x1: st.Bernoulli("B1", half), x2: st.Bernoulli("B2", half)}
    >>> correlation_exact(x1, x1 + x2, coins)
    sqrt(2)/2
    >>> correlation_exact("x", "x**2", {sp.Symbol("x"): st.Die("D", 3)})
    4*sqrt(3)/7
    """
    U, V = _utility("u", u), _utility("v", v)
    for name, expr in (("u", U), ("v", V)):
        missing = expr.free_symbols - set(outcomes)
        if missing:
            raise ExpressionError(
                name, expr, f"no distribution stated for {sorted(map(str, missing))}"
            )
    ru, rv = U.subs(outcomes), V.subs(outcomes)
    var_u, var_v = sp.simplify(st.variance(ru)), sp.simplify(st.variance(rv))
    for name, expr, var in (("u", U, var_u), ("v", V, var_v)):
        if var == 0:
            raise ExpressionError(name, expr, "constant under the outcome distribution")
    return sp.simplify(st.covariance(ru, rv) / sp.sqrt(var_u * var_v))


def correlation_sampled(
    u: Any,
    v: Any,
    sampler: Callable[[np.random.Generator, int], Mapping[str, np.ndarray]],
    size: int = 100_000,
    seed: Seed = None,
) -> tuple[float, float]:
    r"""Monte Carlo :math:`\operatorname{corr}(u(X), v(X))` with its standard error.

    Parameters
    ----------
    u, v : sympy.Expr or str
        Utilities over the outcome variables.
    sampler : callable
        ``sampler(rng, size)`` returns a mapping from each variable's name to an array
        of ``size`` draws of the stated outcome distribution.
    size : int
        Number of draws.
    seed : int, Generator, SeedSequence or None
        Randomness.

    Returns
    -------
    (float, float)
        The sample correlation and its large-sample standard error
        :math:`(1 - \hat r^2)/\sqrt{n}`.

    Examples
    --------
    >>> def normals(rng, size):
    ...     return {"x1": rng.standard_normal(size), "x2": rng.standard_normal(size)}
    >>> r, se = correlation_sampled("x1", "x1 + x2", normals, size=20_000, seed=0)
    >>> abs(r - 2**-0.5) < 4 * se
    True
    """
    U, V = _utility("u", u), _utility("v", v)
    size = check_positive_int("size", size, minimum=3)
    draws = sampler(as_generator(seed), size)
    variables = sorted(U.free_symbols | V.free_symbols, key=lambda s: s.name)
    missing = [x.name for x in variables if x.name not in draws]
    if missing:
        raise ExpressionError("sampler", sorted(draws), f"no draws of {missing}")
    args = [np.asarray(draws[x.name], dtype=float) for x in variables]
    uu = np.broadcast_to(sp.lambdify(variables, U, "numpy")(*args), (size,))
    vv = np.broadcast_to(sp.lambdify(variables, V, "numpy")(*args), (size,))
    if np.std(uu) == 0 or np.std(vv) == 0:
        raise ExpressionError(
            "u" if np.std(uu) == 0 else "v",
            U if np.std(uu) == 0 else V,
            "constant under the outcome distribution",
        )
    r = float(np.corrcoef(uu, vv)[0, 1])
    return r, float((1.0 - r * r) / np.sqrt(size))
