"""Tests of supercoherence.theory.contest: Tullock success and gambler's ruin."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from supercoherence.errors import ParameterError
from supercoherence.randomness import as_generator
from supercoherence.theory import contest as C
from supercoherence.theory import symbols as S

R = sp.Rational


# ----------------------------------------------------------------------------- Tullock


def test_success_tie_is_half_for_every_sharpness():
    assert C.success(1, S.r) == R(1, 2)
    assert C.success_numeric(1.0, np.inf) == 0.5


def test_success_symmetry_and_scale_invariance():
    s = C.success(S.gamma, S.r)
    assert sp.simplify(s + s.subs(S.gamma, 1 / S.gamma) - 1) == 0
    c1, c2 = sp.symbols("c1 c2", positive=True)
    assert sp.simplify(C.success(c1 / c2, S.r) - C.success(3 * c1 / (3 * c2), S.r)) == 0


def test_success_increasing_in_gamma():
    derivative = sp.diff(C.success(S.gamma, S.r), S.gamma)
    assert sp.simplify(derivative - S.r * S.gamma ** (S.r - 1) / (1 + S.gamma**S.r) ** 2) == 0
    assert sp.simplify(derivative).is_positive


def test_success_hand_values():
    # 2^2/(1+2^2) = 4/5; (1/2)^1/(1 + 1/2) = 1/3; 3^3/(1+27) = 27/28
    assert C.success(2, 2) == R(4, 5)
    assert C.success(R(1, 2), 1) == R(1, 3)
    assert C.success(3, 3) == R(27, 28)


def test_success_sharpness_limit_is_step():
    for g, expected in ((2, 1), (1, R(1, 2)), (R(1, 2), 0)):
        assert sp.limit(C.success(g, S.r), S.r, sp.oo) == expected
        assert C.success_limit(g) == expected
    assert C.success_numeric(np.array([0.5, 2.0]), np.inf).tolist() == [0.0, 1.0]


def test_success_numeric_matches_exact_and_is_stable():
    gammas = np.array([0.1, 0.7, 1.0, 1.3, 10.0])
    exact = [float(C.success(sp.nsimplify(g), R(5, 2))) for g in gammas]
    np.testing.assert_allclose(C.success_numeric(gammas, 2.5), exact, rtol=1e-13)
    assert C.success_numeric(1e300, 10.0) == 1.0
    assert C.success_numeric(1e-300, 10.0) == 0.0
    assert C.success_numeric(0.0, 1.0) == 0.0


def test_success_derived_three_ways():
    res = C.success_derived()
    assert res.exact == S.gamma**S.r / (1 + S.gamma**S.r)
    assert res.numeric(gamma=3.0, r=1.0) == pytest.approx(0.75)
    assert "gamma" in res.latex


def test_per_spawn_takeover_and_embedded_agency_bound():
    assert C.per_spawn_takeover(R(1, 2), R(1, 2), 1) == R(1, 8)
    # gamma <= 1 gives pi <= (1 - a)(1 - d) / 2 (MODEL.md, seed 002)
    for g in (R(1, 10), R(1, 2), 1):
        assert C.per_spawn_takeover(R(1, 5), R(1, 3), g, 4) <= R(4, 5) * R(2, 3) / 2
    numeric = C.per_spawn_takeover_numeric(np.array([0.0, 0.5, 1.0]), 0.5, 3.0)
    np.testing.assert_allclose(numeric, [0.375, 0.1875, 0.0])
    assert C.per_spawn_takeover_derived().numeric(a=0, d=0, gamma=1, r=1) == 0.5


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: C.success(0, 1), "gamma"),
        (lambda: C.success(2, -1), "r"),
        (lambda: C.success_numeric(2.0, 0.0), "r"),
        (lambda: C.per_spawn_takeover(R(3, 2), 0, 1), "a"),
        (lambda: C.per_spawn_takeover(0, -0.1, 1), "d"),
        (lambda: C.per_spawn_takeover_numeric(0.5, 1.5, 1.0), "d"),
        (lambda: C.ruin_probability(1.2, 1, 3), "p"),
        (lambda: C.ruin_probability(0.5, 4, 3), "start"),
        (lambda: C.ruin_probability(0.5, 1.5, 3), "start"),
        (lambda: C.ruin_probability(0.5, 0, 0), "total"),
        (lambda: C.expected_duration(-0.5, 1, 3), "p"),
        (lambda: C.ruin_probability_numeric(0.5, 5, 3), "start"),
        (lambda: C.expected_duration_numeric(np.array([0.2, 1.1]), 1, 3), "p"),
    ],
)
def test_bad_inputs_name_the_parameter(call, name):
    with pytest.raises(ParameterError) as info:
        call()
    assert info.value.name == name
    assert name in str(info.value)


def test_symbolic_parameters_pass():
    assert C.per_spawn_takeover(S.a, S.d, S.gamma, S.r).free_symbols == {S.a, S.d, S.gamma, S.r}


# ----------------------------------------------------------------------------- gambler's ruin


def test_ruin_fair_game():
    # Feller XIV.2 (2.5): q_z = 1 - z/a; XIV.3 (3.5): D_z = z(a - z)
    assert C.ruin_probability(R(1, 2), 3, 10) == R(7, 10)
    assert C.expected_duration(R(1, 2), 3, 10) == 21
    assert C.ruin_probability_numeric(0.5, 3, 10) == pytest.approx(0.7)
    assert C.expected_duration_numeric(0.5, 3, 10) == pytest.approx(21.0)


def test_ruin_unfair_game_by_first_step_analysis():
    # By hand, N = 3, p = 2/3: r_1 = q + p r_2, r_2 = q r_1 -> r_1 = q / (1 - p q) = 3/7,
    # D_1 = 1 + p D_2, D_2 = 1 + q D_1 -> D_1 = (1 + p) / (1 - p q) = 15/7.
    p = R(2, 3)
    assert C.ruin_probability(p, 1, 3) == R(3, 7)
    assert C.ruin_probability(p, 2, 3) == R(1, 7)
    assert C.expected_duration(p, 1, 3) == R(15, 7)
    assert C.expected_duration(p, 2, 3) == R(12, 7)


def test_ruin_feller_numbers():
    # Feller vol. 1, XIV.2, Table 1: p = 0.45, z = 90, a = 100 -> ruin 0.866, duration 765.6
    assert float(C.ruin_probability(R(45, 100), 90, 100)) == pytest.approx(0.866, abs=5e-4)
    assert float(C.expected_duration(R(45, 100), 90, 100)) == pytest.approx(765.6, abs=0.05)
    assert C.ruin_probability_numeric(0.45, 90, 100) == pytest.approx(0.866, abs=5e-4)
    assert C.expected_duration_numeric(0.45, 90, 100) == pytest.approx(765.6, abs=0.05)


def test_ruin_boundaries_and_degenerate_p():
    assert C.ruin_probability(R(1, 3), 0, 5) == 1
    assert C.ruin_probability(R(1, 3), 5, 5) == 0
    assert C.ruin_probability(0, 2, 5) == 1 and C.ruin_probability(1, 2, 5) == 0
    assert C.expected_duration(0, 2, 5) == 2 and C.expected_duration(1, 2, 5) == 3
    num = C.ruin_probability_numeric(np.array([0.0, 1.0, 0.3, 0.3]), np.array([2, 2, 0, 5]), 5)
    assert num.tolist() == [1.0, 0.0, 1.0, 0.0]
    dur = C.expected_duration_numeric(np.array([0.0, 1.0, 0.3]), np.array([2, 2, 5]), 5)
    assert dur.tolist() == [2.0, 3.0, 0.0]


def test_ruin_piecewise_is_continuous_at_half():
    ruin = C.ruin_probability(S.q, 2, 5)
    assert isinstance(ruin, sp.Piecewise)
    unfair = ruin.args[1][0]
    assert sp.limit(unfair, S.q, R(1, 2)) == R(3, 5)
    duration = C.expected_duration(S.q, 2, 5).args[1][0]
    assert sp.limit(duration, S.q, R(1, 2)) == 6


def test_ruin_numeric_matches_exact_on_a_grid():
    for p in (R(1, 10), R(2, 5), R(1, 2), R(51, 100), R(9, 10)):
        for i in range(0, 8):
            exact_r = float(C.ruin_probability(p, i, 7))
            exact_d = float(C.expected_duration(p, i, 7))
            assert C.ruin_probability_numeric(float(p), i, 7) == pytest.approx(exact_r, rel=1e-12)
            assert C.expected_duration_numeric(float(p), i, 7) == pytest.approx(
                exact_d, rel=1e-10, abs=1e-12
            )


def test_numeric_stable_near_half_and_for_large_totals():
    # Near p = 1/2 the series branch is used; compare with exact rationals.
    p = R(1, 2) + R(1, 10**7)
    exact = float(C.expected_duration(p, 300, 1000))
    assert C.expected_duration_numeric(float(p), 300, 1000) == pytest.approx(exact, rel=1e-9)
    exact_r = float(C.ruin_probability(p, 300, 1000))
    assert C.ruin_probability_numeric(float(p), 300, 1000) == pytest.approx(exact_r, rel=1e-9)
    # no overflow for huge totals: a subfair game from the middle is ruined
    assert C.ruin_probability_numeric(0.4, 50_000, 100_000) == pytest.approx(1.0)
    assert C.ruin_probability_numeric(0.6, 50_000, 100_000) == pytest.approx(0.0, abs=1e-300)


def test_ruin_by_seeded_simulation_within_four_standard_errors(assert_proportion, assert_mean):
    rng = as_generator(20240601)
    p, start, total, reps = 0.45, 4, 10, 4000
    capital = np.full(reps, start)
    steps = np.zeros(reps)
    alive = np.ones(reps, dtype=bool)
    while alive.any():
        moves = np.where(rng.random(alive.sum()) < p, 1, -1)
        capital[alive] += moves
        steps[alive] += 1
        alive &= (capital > 0) & (capital < total)
    ruined = capital == 0
    exact_r = C.ruin_probability_numeric(p, start, total)
    assert_proportion(ruined, exact_r)
    exact_d = C.expected_duration_numeric(p, start, total)
    assert_mean(steps, exact_d)
