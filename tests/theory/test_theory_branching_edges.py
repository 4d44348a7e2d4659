"""Numeric kernels of supercoherence.theory.branching at the edges (issue 16, section 5).

Independent truths: numpy eigenvalues (Perron root), 60-digit mpmath root finding
(Poisson extinction near m = 1), hand algebra (1 - sqrt(1 - s)/2 has q = 3/4: sqrt(1 - q) =
1/2) and the exact real roots of Lotka's rational pgf as printed.
"""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from supercoherence.errors import ParameterError
from supercoherence.theory import branching as B
from supercoherence.theory.symbols import s

R = sp.Rational


# ----------------------------------------------------------------------------- Perron root


def _numpy_rho(mat) -> float:
    return float(np.max(np.abs(np.linalg.eigvals(np.array(mat, dtype=float)))))


# A supercritical 4-type mean matrix whose eigenvalues sympy writes with complex radicals
# (casus irreducibilis); the old code kept only the root -1/4... and called it extinct.
CASUS = [
    [0, R(3, 4), 0, R(1, 2)],
    [1, R(1, 4), R(1, 4), R(1, 4)],
    [R(3, 4), R(1, 4), 1, R(1, 2)],
    [R(1, 2), R(1, 2), R(1, 2), R(1, 2)],
]


def test_casus_irreducibilis_matrix_is_supercritical() -> None:
    rho = B.perron_root(CASUS)
    assert rho.value() == pytest.approx(_numpy_rho(CASUS), rel=1e-14)
    assert rho.value() > 1.8
    lo, hi = B.perron_bracket(CASUS)
    assert lo <= float(sp.N(rho.exact, 30)) <= hi and hi - lo < 1e-14
    assert lo - 1e-15 <= _numpy_rho(CASUS) <= hi + 1e-15  # numpy is off by an ulp or so
    pgfs, v = B.poisson_offspring_pgfs(CASUS)
    q = B.multitype_extinction(pgfs, v)
    assert np.all(q < 0.5)  # survival has positive probability
    residual = np.array([float(f.subs(dict(zip(v, q, strict=True)))) for f in pgfs]) - q
    assert np.max(np.abs(residual)) < 1e-12


def test_three_real_eigenvalues_exactly() -> None:
    root = B.perron_root([[0, 1, 0], [0, 0, 1], [1, 3, 0]]).exact  # x^3 - 3x - 1
    assert isinstance(root, sp.CRootOf)
    assert float(root) == pytest.approx(2 * np.cos(np.pi / 9), rel=1e-15)


def test_periodic_and_reducible_matrices() -> None:
    assert B.perron_root([[0, 1], [1, 0]]).exact == 1  # eigenvalues +-1
    assert B.perron_root([[0, 0], [0, 0]]).exact == 0
    assert B.perron_root([[2, 5], [0, 3]]).exact == 3
    assert B.perron_root(np.eye(5).tolist(), exact=False).value() == 1.0
    lo, hi = B.perron_bracket(np.eye(5).tolist())
    assert lo <= 1.0 <= hi


def test_exact_true_needs_rational_entries() -> None:
    with pytest.raises(ParameterError, match="exact"):
        B.perron_root([["sqrt(2)", 0], [0, 1]], exact=True)
    assert B.perron_root([["sqrt(2)", 0], [0, 1]]).value() == pytest.approx(2**0.5, rel=1e-15)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 4).flatmap(
        lambda k: st.lists(
            st.lists(st.integers(0, 6), min_size=k, max_size=k), min_size=k, max_size=k
        )
    ),
    st.integers(1, 4),
)
def test_perron_root_matches_numpy_on_random_matrices(entries, scale) -> None:
    mat = [[R(x, scale) for x in row] for row in entries]
    expected = _numpy_rho(mat)
    exact = B.perron_root(mat)
    assert exact.value() == pytest.approx(expected, rel=1e-9, abs=1e-12)
    lo, hi = B.perron_bracket(mat)
    assert lo - 1e-12 <= expected <= hi + 1e-12
    assert lo <= exact.value() <= hi
    # The exact criticality decision agrees with the value.
    if expected > 1 + 1e-9 or expected < 1 - 1e-9:
        assert B._perron_at_most_one(sp.Matrix(mat)) is (expected < 1)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(5, 12))
def test_perron_root_of_large_float_matrices(seed, k) -> None:
    rng = np.random.default_rng(seed)
    mat = rng.uniform(0, 1, size=(k, k)) * (rng.uniform(size=(k, k)) < 0.6)
    expected = _numpy_rho(mat)
    value = B.perron_root(mat.tolist()).value()
    assert value == pytest.approx(expected, rel=1e-10, abs=1e-14)
    lo, hi = B.perron_bracket(mat.tolist())
    assert lo <= value <= hi


# ------------------------------------------------------------------ near-critical Poisson


def _survival_truth(m: float) -> mpmath.mpf:
    """1 - q: the root y in (0, 1) of log(1 - y) + m y = 0, by 60-digit bisection."""
    with mpmath.workdps(60):
        mm = mpmath.mpf(m)
        lo, hi = mpmath.mpf(0), mpmath.mpf(1)
        lo = (mm - 1) * mpmath.mpf(10) ** -3  # f > 0 just above 0 when m > 1
        for _ in range(500):
            mid = mpmath.sqrt(lo * hi)
            if mpmath.log1p(-mid) + mm * mid > 0:
                lo = mid
            else:
                hi = mid
            if hi - lo < lo * mpmath.mpf(10) ** -30:
                break
        return lo


@pytest.mark.parametrize("eps", [1e-15, 1e-12, 1e-9, 1e-6, 1e-3, 0.1, 0.49, 0.5, 0.51, 2.0])
def test_poisson_near_critical_keeps_relative_accuracy(eps: float) -> None:
    m = 1.0 + eps
    truth = _survival_truth(m)
    y = B.poisson_survival_numeric(m)
    assert abs(y - truth) <= 4e-16 * truth
    q = B.poisson_extinction_numeric(m)
    assert q < 1.0 and abs(q - (1 - truth)) <= 4e-16
    assert not np.isnan(B.poisson_extinction_numeric(1 + 1e-12))


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-16, max_value=1))
def test_poisson_survival_property(log_eps: float) -> None:
    m = 1.0 + 10.0**log_eps
    truth = _survival_truth(m)
    assert abs(B.poisson_survival_numeric(m) - truth) <= 1e-15 * truth


def test_poisson_series_in_m_minus_one() -> None:
    # 1 - q = 2 eps - 8/3 eps^2 + 28/9 eps^3 + O(eps^4)
    eps = 2.0**-20
    series = 2 * eps - 8 / 3 * eps**2 + 28 / 9 * eps**3
    assert B.poisson_survival_numeric(1 + eps) == pytest.approx(series, rel=1e-15, abs=0)


def test_poisson_exact_m_just_above_one_is_supercritical() -> None:
    m = 1 + 1e-9  # the binary float, taken exactly: supercritical
    exact = B.poisson_extinction(m).exact
    assert exact != 1
    assert sp.N(1 - exact, 40) > 0
    assert B.poisson_extinction(R(1, 1)).exact == 1


def test_poisson_vectorised_edges() -> None:
    out = B.poisson_extinction_numeric(np.array([0.0, 1.0, 1 + 1e-12, 1.5, np.inf]))
    assert out[0] == out[1] == 1.0 and 0 < 1 - out[2] < 3e-12 and out[4] == 0.0
    assert B.poisson_survival_numeric(np.inf) == 1.0


# ---------------------------------------------------------------- infinite mean, f(1) != 1


def test_infinite_mean_pgf() -> None:
    f = "1 - sqrt(1 - s)/2"
    assert B.mean_offspring(f) == sp.oo
    assert B.extinction_probability(f).exact == R(3, 4)
    lo, hi = B.extinction_bracket(f)
    assert lo <= 0.75 <= hi


@pytest.mark.parametrize("c", [R(1, 2), R(1, 4), R(3, 4)])
def test_infinite_mean_family(c) -> None:
    # f = 1 - c sqrt(1 - s): fixed point sqrt(1 - q) = c, q = 1 - c^2, mean oo
    f = 1 - c * sp.sqrt(1 - s)
    assert B.mean_offspring(f) == sp.oo
    assert B.extinction_probability(f).value() == pytest.approx(float(1 - c**2), abs=1e-12)


def _lotka_truth(f: sp.Expr) -> float:
    numerator = sp.Poly(sp.numer(sp.together(f - s)), s)
    return float(min(r for r in numerator.real_roots() if 0 <= r < 1))


def test_lotka_pgf_is_solved_as_given() -> None:
    f = R("0.4825") + R("0.2126") * s / (1 - R("0.5893") * s)
    as_given = _lotka_truth(f)
    normalised = _lotka_truth(f / f.subs(s, 1))
    with pytest.warns(B.PgfNormalisationWarning, match="as given") as record:
        q = B.extinction_probability(f).value()
    assert q == pytest.approx(as_given, abs=1e-14)
    assert f"{normalised:.10g}" in str(record[0].message)
    with pytest.warns(B.PgfNormalisationWarning):
        assert B.extinction_probability(f, normalise=True).value() == pytest.approx(
            normalised, abs=1e-14
        )
    with pytest.warns(B.PgfNormalisationWarning):
        assert B.validate_pgf(f) == f
    with pytest.warns(B.PgfNormalisationWarning):
        assert sp.simplify(B.validate_pgf(f, normalise=True).subs(s, 1)) == 1


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 20), st.integers(1, 20), st.integers(1, 20), st.integers(-9, 9))
def test_defective_quadratic_pgfs_solved_as_given(a, b, c, shift) -> None:
    # f = (a + b s + c s^2)/(a + b + c) * (1 + shift/10^4): least root of c' s^2 + (b' - 1) s + a'
    total = R(10**4 + shift, 10**4)
    p0, p1, p2 = (R(x, a + b + c) * total for x in (a, b, c))
    f = p0 + p1 * s + p2 * s**2
    roots = [r for r in sp.Poly(f - s, s).real_roots() if 0 <= r <= 1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", B.PgfNormalisationWarning)
        if not roots:
            with pytest.raises(ParameterError, match="pgf"):
                B.extinction_probability(f)
            return
        assert B.extinction_probability(f).value() == pytest.approx(float(min(roots)), abs=1e-12)


def test_pgf_too_far_from_one_is_refused() -> None:
    with pytest.raises(ParameterError, match="summing to 1"):
        B.extinction_probability("0.49 + 0.5*s**2")
