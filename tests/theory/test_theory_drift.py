"""Tests of supercoherence.theory.drift: E[w_n . w_0] = rho^n and E[rho^N]."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from supercoherence.errors import ExpressionError, ParameterError
from supercoherence.randomness import as_generator
from supercoherence.theory import drift as D
from supercoherence.theory import symbols as S
from supercoherence.theory.utility import drift_step, random_unit_vector

R = sp.Rational


def test_expected_alignment_is_rho_to_the_n():
    assert D.expected_alignment(3, R(1, 2)) == R(1, 8)
    assert D.expected_alignment(S.n, S.rho) == S.rho**S.n
    assert D.expected_alignment(0, 0) == 1
    np.testing.assert_allclose(
        D.expected_alignment_numeric(np.arange(4), -0.5), [1, -0.5, 0.25, -0.125]
    )
    with pytest.raises(ParameterError, match="rho"):
        D.expected_alignment(2, 2)
    with pytest.raises(ParameterError, match="n"):
        D.expected_alignment(-1, R(1, 2))


def test_expected_alignment_by_simulation(assert_mean):
    rng = as_generator(17)
    reps, rho, steps = 20_000, 0.8, 4
    w0 = random_unit_vector(3, seed=rng, size=reps)
    w = w0
    for _ in range(steps):
        w = drift_step(w, rho, rng)
    dots = np.sum(w * w0, axis=1)
    assert_mean(dots, rho**steps)


def test_stationary_final_alignment_and_edges():
    # Geometric N: sum_k (1-q)^k q rho^k = q / (1 - (1-q) rho); q = rho = 1/2 -> 2/3
    assert D.expected_final_alignment(R(1, 2), R(1, 2)) == R(2, 3)
    assert D.expected_final_alignment(1, R(-1, 3)) == 1  # never overthrown: N = 0
    assert D.expected_final_alignment(R(1, 3), 1) == 1  # rho = 1: no drift
    assert D.expected_final_alignment(0, 1) == 1  # 0/0 defined as 1
    assert D.expected_final_alignment(0, R(1, 2)) == 0  # recurs forever, |rho| < 1
    assert D.expected_final_alignment(0, -1) == 0  # Cesaro limit of (-1)^n
    sym = D.expected_final_alignment(S.q, S.rho)
    assert sym.subs(S.rho, 1) == 1
    assert sp.simplify(sym.args[1][0] - S.q / (1 - (1 - S.q) * S.rho)) == 0
    res = D.expected_final_alignment_derived()
    assert res.numeric(q=0.25, rho=0.5) == pytest.approx(0.25 / 0.625)


def test_stationary_by_simulation(assert_mean):
    # N ~ Geometric(q) on {0, 1, ...}; E[rho^N] vs q / (1 - (1 - q) rho)
    rng = as_generator(23)
    q, rho, reps = 0.3, 0.6, 40_000
    N = rng.geometric(q, size=reps) - 1
    values = rho**N
    exact = float(D.expected_final_alignment(R(3, 10), R(3, 5)))
    assert_mean(values, exact)


def test_finite_list_with_tail():
    # q = [1/2], tail 1: N = 0 w.p. 1/2, N = 1 w.p. 1/2 -> 1/2 + rho/2
    assert D.expected_final_alignment([R(1, 2)], R(1, 2)) == R(3, 4)
    # q = [0, 0], tail 1: N = 2 surely
    assert D.expected_final_alignment([0, 0], S.rho) == S.rho**2
    # tail = q reproduces the stationary value
    assert D.expected_final_alignment([R(1, 4)] * 3, R(1, 2), tail=R(1, 4)) == (
        D.expected_final_alignment(R(1, 4), R(1, 2))
    )
    assert D.expected_final_alignment_numeric([0.5], 0.5) == pytest.approx(0.75)
    assert D.expected_final_alignment_numeric([0.0, 0.0], 0.3) == pytest.approx(0.09)
    with pytest.raises(ParameterError, match="q"):
        D.expected_final_alignment([R(3, 2)], R(1, 2))
    with pytest.raises(ParameterError, match="tail"):
        D.expected_final_alignment([R(1, 2)], R(1, 2), tail=2)


def test_sequence_in_n_closed_form():
    # q_n = 1/(n+2)^2: P(N >= k) = (k+2)/(2(k+1)); the series sums to 1 - log 2 at rho = 1/2
    exact = D.expected_final_alignment(1 / (S.n + 2) ** 2, R(1, 2))
    assert sp.simplify(exact - (1 - sp.log(2))) == 0
    numeric = D.expected_final_alignment_numeric("1/(n+2)**2", 0.5, terms=200)
    assert numeric == pytest.approx(1 - np.log(2), rel=1e-12)
    # a constant expression takes the stationary branch
    assert D.expected_final_alignment(R(1, 3) + 0 * S.n, 1) == 1
    assert D.expected_final_alignment_numeric("1/3", 0.0) == pytest.approx(1 / 3)


def test_numeric_bad_inputs():
    with pytest.raises(ParameterError, match="rho"):
        D.expected_final_alignment_numeric(0.5, -2.0)
    with pytest.raises(ParameterError, match="q"):
        D.expected_final_alignment_numeric([0.5, 1.5], 0.5)
    with pytest.raises(ExpressionError, match="q"):
        D.expected_final_alignment_numeric("1/(n+m)", 0.5)
