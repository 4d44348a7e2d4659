"""Tests of supercoherence.theory.utility: alignment, correlation, drift steps."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
import sympy.stats as st

from supercoherence.errors import ExpressionError, ParameterError
from supercoherence.randomness import as_generator
from supercoherence.theory import utility as U


def test_alignment_cosine_by_hand():
    assert U.alignment([1.0, 0.0], [0.0, 3.0]) == 0.0
    assert U.alignment([1.0, 1.0], [2.0, 2.0]) == pytest.approx(1.0)
    assert U.alignment([1.0, 0.0], [-1.0, 0.0]) == -1.0
    assert U.alignment([3.0, 4.0], [4.0, 3.0]) == pytest.approx(24 / 25)
    rows = U.alignment(np.eye(3), [1.0, 0.0, 0.0])
    assert rows.tolist() == [1.0, 0.0, 0.0]


def test_alignment_bad_inputs():
    with pytest.raises(ParameterError, match="w"):
        U.alignment([0.0, 0.0], [1.0, 0.0])
    with pytest.raises(ParameterError, match="v"):
        U.alignment([1.0, 0.0], [1.0, 0.0, 0.0])
    with pytest.raises(ParameterError, match="w"):
        U.unit_vector([np.nan, 1.0])


def test_random_unit_vector_is_uniform_and_reproducible(assert_within):
    a = U.random_unit_vector(4, seed=5, size=20_000)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0)
    # uniform on S^3: E[x_i] = 0, E[x_i^2] = 1/4; SE of the mean of x_1 is sqrt(1/4 / n)
    assert_within(a[:, 0].mean(), 0.0, np.sqrt(0.25 / a.shape[0]))
    assert abs((a[:, 1] ** 2).mean() - 0.25) < 0.01
    np.testing.assert_array_equal(U.random_unit_vector(4, seed=5), U.random_unit_vector(4, seed=5))
    with pytest.raises(ParameterError, match="dim"):
        U.random_unit_vector(0)


def test_drift_step_exact_correlation_and_batches():
    rng = as_generator(2)
    w = U.random_unit_vector(6, seed=rng, size=100)
    for rho in (-1.0, -0.3, 0.0, 0.7, 1.0):
        w1 = U.drift_step(w, rho, rng)
        np.testing.assert_allclose(np.sum(w1 * w, axis=1), rho, atol=1e-12)
        np.testing.assert_allclose(np.linalg.norm(w1, axis=1), 1.0)
    with pytest.raises(ParameterError, match="rho"):
        U.drift_step(w, 1.5, rng)
    with pytest.raises(ParameterError, match="w"):
        U.drift_step([1.0], 0.5, rng)


def test_drift_step_orthogonal_part_is_isotropic(assert_within):
    # In d = 3 with w = e1 the orthogonal component is uniform on the circle in (e2, e3).
    w = np.tile([1.0, 0.0, 0.0], (20_000, 1))
    w1 = U.drift_step(w, 0.0, seed=9)
    assert_within(w1[:, 1].mean(), 0.0, np.sqrt(0.5 / 20_000))
    assert abs((w1[:, 2] ** 2).mean() - 0.5) < 0.01


def test_linear_utility_correlation_equals_cosine():
    # independent standard normal features: corr(wa . X, wb . X) = cos(wa, wb)
    x = sp.symbols("x1:3")
    outcomes = {xi: st.Normal(f"X{i}", 0, 1) for i, xi in enumerate(x)}
    wa, wb = [3, 4], [4, 3]
    exact = U.correlation_exact(U.linear_utility(wa, x), U.linear_utility(wb, x), outcomes)
    assert exact == sp.Rational(24, 25)  # (12 + 12) / (5 * 5)
    assert float(exact) == pytest.approx(U.alignment(wa, wb))


def test_correlation_exact_nonlinear_by_hand():
    # U ~ Uniform(0,1): cov(U, U^2) = 1/4 - 1/6 = 1/12, var U = 1/12, var U^2 = 4/45
    # corr = (1/12) / sqrt(1/12 * 4/45) = sqrt(15)/4
    x = sp.Symbol("x")
    assert U.correlation_exact(x, x**2, {x: st.Uniform("U", 0, 1)}) == sp.sqrt(15) / 4


def test_correlation_sampled_agrees_with_exact(assert_within):
    def uniform(rng, size):
        return {"x": rng.random(size)}

    r, se = U.correlation_sampled("x", "x**2", uniform, size=50_000, seed=4)
    assert_within(r, np.sqrt(15) / 4, se)


def test_correlation_bad_inputs():
    x, y = sp.symbols("x y")
    with pytest.raises(ExpressionError, match="no distribution"):
        U.correlation_exact(x, y, {x: st.Normal("X", 0, 1)})
    with pytest.raises(ExpressionError, match="constant"):
        U.correlation_exact(x, sp.Integer(3), {x: st.Normal("X", 0, 1)})
    with pytest.raises(ExpressionError, match="u"):
        U.correlation_exact("x +", x, {x: st.Normal("X", 0, 1)})
    with pytest.raises(ExpressionError, match="sampler"):
        U.correlation_sampled("x", "y", lambda rng, size: {"x": rng.random(size)}, 10, seed=1)
    with pytest.raises(ParameterError, match="w"):
        U.linear_utility([1, 2], [x])
