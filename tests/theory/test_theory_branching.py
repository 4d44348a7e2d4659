"""Tests of supercoherence.theory.branching (Galton-Watson extinction).

Textbook references: binary splitting f = (1-p) + p s^2 has q = (1-p)/p for p > 1/2,
geometric offspring P(k) = p (1-p)^k has q = p/(1-p) for p < 1/2 (Athreya & Ney,
Branching Processes, 1972, I.3; Harris, The Theory of Branching Processes, 1963, I.7),
and Lotka's fit to 1920 US male lines, p_0 = 0.4825, p_k = 0.2126 * 0.5893^(k-1),
gives q ~ 0.819 (Harris 1963, I.7; Lotka, J. Washington Acad. Sci. 21 (1931)).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import sympy as sp

from supercoherence.errors import ExpressionError, ParameterError
from supercoherence.randomness import as_generator
from supercoherence.theory import branching as B
from supercoherence.theory.symbols import s


def test_the_briefs_quadratic_pgf_is_exact() -> None:
    assert B.extinction_probability("1/4 + 1/4*s + 1/2*s**2").exact == sp.Rational(1, 2)
    # Built from the symbol directly, and from a plain Symbol("s").
    f = sp.Rational(1, 4) + s / 4 + s**2 / 2
    assert B.extinction_probability(f).exact == sp.Rational(1, 2)
    plain = sp.Symbol("s")
    assert B.extinction_probability((1 + plain + 2 * plain**2) / 4).exact == sp.Rational(1, 2)


@pytest.mark.parametrize("p", [sp.Rational(3, 5), sp.Rational(3, 4), sp.Rational(9, 10)])
def test_binary_splitting(p: sp.Rational) -> None:
    assert B.extinction_probability((1 - p) + p * s**2).exact == (1 - p) / p


@pytest.mark.parametrize("p", [sp.Rational(1, 5), sp.Rational(1, 4), sp.Rational(2, 5)])
def test_geometric_offspring_closed_form(p: sp.Rational) -> None:
    f = p / (1 - (1 - p) * s)
    assert B.mean_offspring(f) == (1 - p) / p
    assert B.extinction_probability(f).exact == p / (1 - p)


def test_lotka_us_males_with_rounded_coefficients() -> None:
    # The published coefficients sum to 1.00015: normalised with a warning.
    with pytest.warns(B.PgfNormalisationWarning, match="normalised"):
        q = B.extinction_probability("0.4825 + 0.2126*s/(1 - 0.5893*s)").value()
    assert q == pytest.approx(0.819, abs=5e-4)


@pytest.mark.parametrize(
    "pgf",
    ["(1 + s**2) / 2", "(1 + s + s**2) / 3", "exp(s - 1)", "1/2 / (1 - s/2)"],
)
def test_critical_m_equal_one_gives_certain_extinction(pgf: str) -> None:
    assert B.mean_offspring(pgf) == 1
    assert B.extinction_probability(pgf).exact == 1


def test_subcritical_and_singular_cases() -> None:
    assert B.extinction_probability("3/4 + s/4").exact == 1
    assert B.extinction_probability("s").exact == 0  # one child each, forever
    assert B.extinction_probability("s**2").exact == 0  # no childless individuals
    assert B.extinction_probability("1").exact == 1


@pytest.mark.parametrize("m_value", [1.2, 1.5, 2.0, 3.0, 5.0])
def test_lambert_w_matches_iteration_from_zero(m_value: float) -> None:
    q_iter = 0.0
    for _ in range(5000):  # f_k(0) increases to q; rate f'(q) = m q < 1
        q_iter = math.exp(m_value * (q_iter - 1.0))
    closed = B.poisson_extinction(m_value).value()
    assert closed == pytest.approx(q_iter, abs=1e-12)
    assert B.poisson_extinction_numeric(m_value) == pytest.approx(q_iter, abs=1e-12)
    assert B.extinction_probability(f"exp({m_value}*(s - 1))").value() == pytest.approx(
        q_iter, abs=1e-12
    )


def test_poisson_piecewise_and_critical_value() -> None:
    exact = B.poisson_extinction().exact
    assert isinstance(exact, sp.Piecewise)
    assert B.poisson_extinction(1).exact == 1
    assert B.poisson_extinction(sp.Rational(1, 2)).exact == 1
    assert B.poisson_extinction(0).exact == 1
    values = B.poisson_extinction_numeric(np.array([0.0, 0.5, 1.0, 1.0 + 1e-9, 2.0]))
    assert values[:3].tolist() == [1.0, 1.0, 1.0]
    assert 0.99999 < values[3] <= 1.0


def test_certified_bracket_for_a_non_closed_form_pgf() -> None:
    f = "(1 + s**3) / 2 * exp(s - 1)"  # mean 2: a Poisson(1) mixed with a triple split
    lo, hi = B.extinction_bracket(f)
    assert 0 < hi - lo <= 1e-12
    g = sp.lambdify(s, sp.sympify(f, locals={"s": s}) - s)
    assert g(lo) > 0 > g(hi)
    value = B.extinction_probability(f).value()
    assert lo <= value <= hi
    # and the bracket also holds around a known closed form
    lo, hi = B.extinction_bracket("exp(2*(s - 1))")
    assert lo <= B.poisson_extinction(2).value() <= hi


def test_mean_total_progeny() -> None:
    assert B.mean_total_progeny(sp.Rational(1, 2)).exact == 2
    assert B.mean_total_progeny(sp.Rational(3, 4)).exact == 4
    assert B.mean_total_progeny(1).exact == sp.oo
    assert B.mean_total_progeny(2).exact == sp.oo
    assert B.mean_total_progeny().numeric(m=0.9) == pytest.approx(10.0)


def test_perron_root_exact_and_numeric() -> None:
    golden = B.perron_root([[1, 1], [1, 0]]).exact
    assert sp.simplify(golden - (1 + sp.sqrt(5)) / 2) == 0
    assert B.perron_root([[2, 0, 0], [1, 1, 0], [0, 1, 3]]).exact == 3
    rng = as_generator(5)
    mat = rng.uniform(0, 1, size=(6, 6))
    expected = np.max(np.abs(np.linalg.eigvals(mat)))
    assert B.perron_root(mat.tolist()).value() == pytest.approx(expected, rel=1e-12)
    exact = B.perron_root([["1/2", "1/3"], ["1/5", "2/3"]]).value()
    numeric = B.perron_root([[0.5, 1 / 3], [0.2, 2 / 3]], exact=False).value()
    assert exact == pytest.approx(numeric, rel=1e-12)


def test_multitype_reduces_to_single_type_when_decoupled() -> None:
    pgfs, v = B.poisson_offspring_pgfs([[2, 0], [0, "3/2"]])
    q = B.multitype_extinction(pgfs, v)
    assert q == pytest.approx(
        [B.poisson_extinction(2).value(), B.poisson_extinction(1.5).value()], abs=1e-12
    )


def test_multitype_fixed_point_and_criticality() -> None:
    mean = [[1, 1], ["1/2", "1/2"]]  # Perron root (3 + sqrt 17)/4 > 1
    pgfs, v = B.poisson_offspring_pgfs(mean)
    q = B.multitype_extinction(pgfs, v)
    residual = np.array([float(f.subs(dict(zip(v, q, strict=True)))) for f in pgfs]) - q
    assert np.max(np.abs(residual)) < 1e-12
    assert np.all((q > 0) & (q < 1))
    # Critical (Perron root exactly 1) and subcritical: extinction is certain.
    for critical in ([["1/2", "1/2"], ["1/2", "1/2"]], [["1/4", "1/2"], ["1/2", "1/4"]]):
        pgfs, v = B.poisson_offspring_pgfs(critical)
        assert B.multitype_extinction(pgfs, v).tolist() == [1.0, 1.0]


# Simulation: N independent Galton-Watson processes, at most G generations; a lineage
# that reaches CAP individuals is counted as surviving (it then dies out with probability
# q^CAP < 1e-300). The estimate must lie within 4 standard errors of the exact q.
N, G, CAP = 4000, 80, 1000


def _simulate_extinct(offspring_probs: np.ndarray, seed: int) -> np.ndarray:
    rng = as_generator(seed)
    sizes = np.ones(N, dtype=np.int64)
    ks = np.arange(len(offspring_probs))
    for _ in range(G):
        alive = (sizes > 0) & (sizes < CAP)
        if not alive.any():
            break
        counts = rng.multinomial(sizes[alive], offspring_probs)
        sizes[alive] = counts @ ks
    return sizes == 0


@pytest.mark.parametrize(
    ("probs", "pgf"),
    [
        ([0.25, 0.25, 0.5], "1/4 + s/4 + s**2/2"),
        ([0.2, 0.3, 0.1, 0.4], "1/5 + 3*s/10 + s**2/10 + 2*s**3/5"),
    ],
)
def test_simulation_agrees_with_extinction_probability(
    probs: list, pgf: str, assert_proportion
) -> None:
    q = B.extinction_probability(pgf).value()
    extinct = _simulate_extinct(np.array(probs), seed=2024)
    assert_proportion(extinct, q)


def test_poisson_simulation_agrees_with_lambert_w(assert_proportion) -> None:
    m_value = 1.5
    rng = as_generator(99)
    sizes = np.ones(N, dtype=np.int64)
    for _ in range(G):
        alive = (sizes > 0) & (sizes < CAP)
        sizes[alive] = rng.poisson(m_value * sizes[alive])
    q = B.poisson_extinction(m_value).value()
    assert_proportion(sizes == 0, q)


def test_float_rounding_is_absorbed_exactly() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 0.1 + 0.2 + 0.7 is exactly 1 after rationalising
        assert (
            B.validate_pgf("0.1 + 0.2*s + 0.7*s**2") == sp.Rational(1, 10) + s / 5 + 7 * s**2 / 10
        )
        assert B.extinction_probability("0.1 + 0.2*s + 0.7*s**2").exact == sp.Rational(1, 7)


def test_bad_pgfs_are_refused_with_the_parameter_named() -> None:
    with pytest.raises(ParameterError, match="pgf .*nonnegative coefficients"):
        B.extinction_probability("1/2 - s/4 + 3*s**2/4")
    with pytest.raises(ParameterError, match="pgf .*summing to 1"):
        B.extinction_probability("0.3 + 0.3*s")
    with pytest.raises(ExpressionError, match="pgf"):
        B.extinction_probability("1/(s +")
    with pytest.raises(ExpressionError, match="free symbols"):
        B.extinction_probability("exp(m*(s - 1))")
    with pytest.raises(ParameterError, match="pgf"):
        B.extinction_probability("2*exp(s-1) - exp(2*(s-1))")  # negative series terms
    with pytest.raises(ParameterError, match="^m = -1"):
        B.poisson_extinction(-1)
    with pytest.raises(ParameterError, match="matrix"):
        B.perron_root([[1, -1], [0, 1]])
    with pytest.raises(ParameterError, match="matrix"):
        B.perron_root([[1, 2, 3], [4, 5, 6]])


def test_sign_falls_back_to_high_precision_points_without_interval_support() -> None:
    import mpmath

    def g(x):  # a function mpmath.iv cannot evaluate
        if isinstance(x, mpmath.iv.mpf):
            raise TypeError("no interval version")
        return x - mpmath.mpf(1) / 2

    assert B._interval_sign(g, mpmath.mpf("0.75")) == 1
    assert B._interval_sign(g, mpmath.mpf("0.25")) == -1
    assert B._interval_sign(g, mpmath.mpf("0.5")) == 0
