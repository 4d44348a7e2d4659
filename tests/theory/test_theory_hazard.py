"""Tests of supercoherence.theory.hazard: survival, never-overthrown, named families."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from supercoherence.errors import ParameterError
from supercoherence.randomness import as_generator
from supercoherence.theory import hazard as H
from supercoherence.theory import symbols as S

R = sp.Rational
T = sp.Symbol("T", nonnegative=True)


def test_survival_of_general_hazards():
    # int_0^2 3 t^2 dt = 8
    assert H.survival(3 * S.t**2, 2) == sp.exp(-8)
    assert H.survival("2*t", T) == sp.exp(-(T**2))
    # Weibull hazard k t^(k-1) with k = 3 has survival exp(-T^3)
    assert H.survival(3 * S.t**2, T) == sp.exp(-(T**3))


def test_never_overthrown_closed_forms_of_model_md():
    assert H.never_overthrown(S.h0 * sp.exp(-S.delta * S.t)) == sp.exp(-S.h0 / S.delta)
    assert H.never_overthrown(R(1, 100)) == 0
    assert H.never_overthrown(2 / (1 + S.t) ** 3) == sp.exp(-1)
    assert H.never_overthrown(1 / (1 + S.t)) == 0


def test_thinned_hazard_is_product():
    assert H.thinned_hazard(4, R(1, 8)) == R(1, 2)
    assert H.thinned_hazard(S.lam, S.a) == S.lam * S.a
    with pytest.raises(ParameterError, match="spawn_rate"):
        H.thinned_hazard(-1, R(1, 2))
    with pytest.raises(ParameterError, match="takeover_probability"):
        H.thinned_hazard(1, R(3, 2))


def test_horizon_must_be_nonnegative():
    with pytest.raises(ParameterError, match="horizon"):
        H.survival(1, -1)
    with pytest.raises(ParameterError, match="horizon"):
        H.EntrenchmentHazard(1, 1).cumulative(-2)


def test_constant_family():
    hz = H.ConstantHazard(R(1, 4))
    assert hz.never_overthrown() == 0
    assert hz.survival(8) == sp.exp(-2)
    assert H.ConstantHazard(0).never_overthrown() == 1
    assert H.ConstantHazard(S.h0).never_overthrown().subs(S.h0, R(1, 3)) == 0
    np.testing.assert_allclose(hz.cumulative_numeric(np.array([0.0, 4.0])), [0.0, 1.0])
    assert hz.total_numeric() == np.inf
    assert H.ConstantHazard(0).inverse_cumulative_numeric(0.3) == np.inf


def test_entrenchment_family_and_its_constant_limit():
    hz = H.EntrenchmentHazard(S.h0, S.delta)
    assert hz.never_overthrown() == sp.exp(-S.h0 / S.delta)
    assert sp.simplify(sp.diff(hz.cumulative(S.t), S.t) - hz.expr) == 0
    # delta -> 0: the constant hazard, q -> 0
    assert sp.limit(H.EntrenchmentHazard(1, S.delta).never_overthrown(), S.delta, 0) == 0
    num = H.EntrenchmentHazard(1.0, 2.0)
    assert num.never_overthrown_numeric() == pytest.approx(np.exp(-0.5))
    assert num.total_numeric() == pytest.approx(0.5)


def test_power_family_cases():
    assert H.PowerHazard(1, 3).never_overthrown() == sp.exp(-R(1, 2))
    assert H.PowerHazard(1, 1).never_overthrown() == 0
    assert H.PowerHazard(1, R(1, 2)).never_overthrown() == 0
    assert H.PowerHazard(0, R(1, 2)).never_overthrown() == 1
    sym = H.PowerHazard(S.h0, S.beta).never_overthrown()
    assert sym.subs(S.beta, 3) == sp.exp(-S.h0 / 2)
    # beta <= 1: overthrown almost surely, unless there is no hazard at all (h0 = 0).
    assert sym.subs(S.beta, R(1, 2)) == sp.Piecewise((1, sp.Eq(S.h0, 0)), (0, True))
    assert sym.subs({S.beta: R(1, 2), S.h0: 0}) == 1
    assert sym.subs({S.beta: R(1, 2), S.h0: 1}) == 0
    hz = H.PowerHazard(S.h0, S.beta)
    assert sp.simplify(sp.diff(hz.cumulative(S.t).args[1][0], S.t) - hz.expr) == 0
    assert H.PowerHazard(1, 1).cumulative(T) == sp.log(T + 1)
    assert H.PowerHazard(2.0, 0.5).total_numeric() == np.inf
    assert H.PowerHazard(2.0, 3.0).total_numeric() == pytest.approx(1.0)


def test_critical_moments():
    cm = H.CriticalMoments([2, 1, 3], [R(1, 3), R(1, 2), 1])
    assert cm.never_overthrown() == 0  # p = 1 at t = 3
    cm2 = H.CriticalMoments([1, 2], [R(1, 2), R(1, 3)])
    assert cm2.never_overthrown() == R(1, 3)
    assert sp.simplify(cm2.survival(2)) == R(1, 3)
    assert sp.simplify(cm2.survival(R(3, 2))) == R(1, 2)
    assert cm2.survival(0) == 1
    assert cm2.never_overthrown_numeric() == pytest.approx(1 / 3)
    # Lambda jumps by log 2 at t = 1 and to log 3 at t = 2
    y = np.array([0.0, 0.3, 0.69, 1.0, 1.1, 5.0])
    assert cm2.inverse_cumulative_numeric(y).tolist() == [0.0, 1.0, 1.0, 2.0, np.inf, np.inf]
    assert cm2.cumulative_numeric(np.array([0.5, 1.0, 2.0])) == pytest.approx(
        [0.0, np.log(2), np.log(3)]
    )
    with pytest.raises(ParameterError, match="probabilities"):
        H.CriticalMoments([1, 2], [R(1, 2)])
    with pytest.raises(ParameterError, match="probabilities"):
        H.CriticalMoments([1], [R(3, 2)])


@pytest.mark.parametrize(
    ("family", "name"),
    [
        (lambda: H.ConstantHazard(-1), "h0"),
        (lambda: H.EntrenchmentHazard(1, 0), "delta"),
        (lambda: H.PowerHazard(1, -2), "beta"),
        (lambda: H.CriticalMoments([-1], [R(1, 2)]), "times"),
    ],
)
def test_bad_family_parameters(family, name):
    with pytest.raises(ParameterError) as info:
        family()
    assert info.value.name == name


def test_numeric_needs_numbers():
    with pytest.raises(ParameterError, match="h0"):
        H.ConstantHazard(S.h0).cumulative_numeric(1.0)


@pytest.mark.parametrize(
    "hz",
    [
        H.ConstantHazard(R(1, 2)),
        H.EntrenchmentHazard(R(3, 2), R(1, 2)),
        H.PowerHazard(2, R(5, 2)),
        H.PowerHazard(1, 1),
        H.PowerHazard(R(1, 2), R(1, 2)),
    ],
    ids=["constant", "entrenchment", "power", "power-beta1", "power-beta<1"],
)
def test_numeric_matches_exact_and_inverse_inverts(hz):
    times = np.array([0.0, 0.5, 2.0, 10.0])
    exact = [float(hz.cumulative(sp.nsimplify(x))) for x in times]
    np.testing.assert_allclose(hz.cumulative_numeric(times), exact, rtol=1e-12)
    ys = hz.cumulative_numeric(times[1:])
    np.testing.assert_allclose(hz.inverse_cumulative_numeric(ys), times[1:], rtol=1e-9)
    total = hz.total_numeric()
    if np.isfinite(total):
        assert hz.inverse_cumulative_numeric(total) == np.inf
        assert total == pytest.approx(float(-sp.log(hz.never_overthrown())))


def test_tenure_sampling_by_inverse_matches_survival(assert_proportion):
    # Lambda^{-1}(E), E ~ Exp(1): P(tau > t) = exp(-Lambda(t)), P(tau = inf) = q.
    hz = H.EntrenchmentHazard(1.0, 1.0)
    rng = as_generator(7)
    reps = 20_000
    tau = hz.inverse_cumulative_numeric(rng.exponential(size=reps))
    q = hz.never_overthrown_numeric()
    assert_proportion(np.isinf(tau), q)
    surv = np.exp(-hz.cumulative_numeric(0.5))
    assert_proportion(tau > 0.5, surv)
