"""Tests of supercoherence.theory.selection and the best-of-N part of theory.training."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from supercoherence.errors import ParameterError
from supercoherence.theory import selection as SEL
from supercoherence.theory import symbols as S
from supercoherence.theory import training as T
from supercoherence.theory.scenario import TakeoverScenario

R = sp.Rational
CONST = TakeoverScenario(hazard="constant")  # h_0 = 1/8 exactly


# ------------------------------------------------------------------ invasion, exactly
@pytest.mark.parametrize(
    ("b", "ell", "kappa", "invades", "survives"),
    [
        (0.0, 1.0, 0.0, True, True),
        (0.125, 1.0, 0.0, False, True),  # neutral: b = b*
        (0.1249, 1.0, 0.0, True, True),
        (0.1251, 1.0, 0.0, False, False),
        (0.0625, 0.5, 0.0, False, True),  # b* = 1/16
        (0.0625, 1.0, 0.5, False, True),  # b* = 1/16
        (0.01, 0.0, 0.0, False, False),  # hijacked systems keep competing
        (0.0, 0.0, 0.0, False, True),
    ],
)
def test_invasion_condition_exact(b, ell, kappa, invades, survives):
    p = SEL.SelectionParams(
        search_advantage=b, takeover_loss=ell, retained_share=kappa, scenario=CONST
    )
    assert SEL.invasion_condition(params=p) == [invades]
    assert SEL.coherent_survives(p) is survives
    bstar = SEL.critical_search_advantage(p)
    assert bstar == sp.Rational(ell) * (1 - sp.Rational(kappa)) * R(1, 8)
    assert bool(sp.Rational(b) < bstar) is invades


def test_invasion_condition_symbolic_matches_fitness():
    cond = SEL.invasion_condition(symbolic=True)
    f0 = S.g0
    f1 = S.g0 + S.search_advantage - S.takeover_loss * (1 - S.retained_share) * S.h0
    assert sp.simplify((f0 - f1) - (cond.rhs - cond.lhs)) == 0


def test_entrenched_or_decaying_hazard_gives_no_protection():
    for sc in (TakeoverScenario(), TakeoverScenario(hazard="power", power_exponent=3.0)):
        p = SEL.SelectionParams(search_advantage=1e-6, scenario=sc)
        assert SEL.critical_search_advantage(p) == 0
        assert not SEL.coherent_survives(p)
        assert SEL.coherent_survives(SEL.SelectionParams(search_advantage=0.0, scenario=sc))


# ------------------------------------------------------------------ replicator closed form
def _ode_shares(p, t_end):
    g, m = p.growth_rates(), p.hazard_multipliers()
    ell, sc = p.takeover_loss, p.scenario

    def rhs(t, y):
        X, Y = y[:2], y[2:]
        h = m * float(sc.cumulative_hazard(0, t + 1e-9) - sc.cumulative_hazard(0, t)) / 1e-9
        return np.concatenate([(g - h) * X, (g - ell * h) * Y + (1 - ell) * h * X])

    y0 = np.concatenate([p.z0, np.zeros(2)])
    sol = solve_ivp(rhs, (0, t_end), y0, rtol=1e-10, atol=1e-12)
    X, Y = sol.y[:2, -1], sol.y[2:, -1]
    Z = X + Y
    return Z / Z.sum(), X.sum() / Z.sum()


@pytest.mark.parametrize("hazard", ["constant", "entrenchment", "power"])
@pytest.mark.parametrize("ell", [0.0, 0.4, 1.0])
def test_closed_form_solves_the_compartment_odes(hazard, ell):
    sc = TakeoverScenario(hazard=hazard, spawn_rate=4.0, entrenchment_rate=0.5, power_exponent=2.0)
    p = SEL.SelectionParams(
        optimizer_ness=(0.0, 0.7),
        initial_shares=(0.3, 0.7),
        search_advantage=0.4,
        takeover_loss=ell,
        retained_share=0.2,
        scenario=sc,
    )
    shares, original = _ode_shares(p, 6.0)
    np.testing.assert_allclose(SEL.strategy_shares(p, 6.0), shares, rtol=1e-6)
    assert SEL.original_goal_share(p, 6.0) == pytest.approx(original, rel=1e-6)


def test_replicator_solution_and_rhs_agree():
    f, z0 = np.array([0.3, 1.0, -0.2]), np.array([0.2, 0.3, 0.5])
    sol = solve_ivp(lambda t, z: SEL.replicator_rhs(z, f), (0, 3), z0, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(SEL.replicator_solution(3.0, z0, f), sol.y[:, -1], rtol=1e-7)
    res = SEL.replicator_solution_derived()
    two = SEL.replicator_solution(2.0, [0.4, 0.6], [0.0, 0.5])  # f0 - f1 = -b + ell h0
    assert res.numeric(z=0.4, b=0.5, ell=1.0, h0=0.0, t=2.0) == pytest.approx(two[0])


def test_long_run_shares_are_the_limit():
    cases = [
        SEL.SelectionParams(search_advantage=0.05, scenario=CONST),
        SEL.SelectionParams(search_advantage=0.3, takeover_loss=0.5, scenario=CONST),
        SEL.SelectionParams(
            search_advantage=0.0, scenario=TakeoverScenario(entrenchment_rate=0.25)
        ),
        SEL.SelectionParams(
            search_advantage=0.2,
            takeover_loss=0.0,
            scenario=TakeoverScenario(entrenchment_rate=0.25),
        ),
    ]
    for p in cases:
        np.testing.assert_allclose(
            SEL.long_run_shares(p), SEL.strategy_shares(p, 2000.0), atol=1e-8
        )
        assert SEL.long_run_original_goal_share(p) == pytest.approx(
            SEL.original_goal_share(p, 2000.0), abs=1e-8
        )


def test_bad_selection_inputs_name_the_parameter():
    for kw, name in [
        ({"optimizer_ness": (0.0, 1.5)}, "optimizer_ness"),
        ({"initial_shares": (0.2, 0.2)}, "initial_shares"),
        ({"initial_shares": (-0.5, 1.5)}, "initial_shares"),
        ({"growth": -1}, "growth"),
        ({"search_advantage": -0.1}, "search_advantage"),
        ({"takeover_loss": 1.5}, "takeover_loss"),
        ({"retained_share": -0.1}, "retained_share"),
    ]:
        with pytest.raises(ParameterError) as info:
            SEL.SelectionParams(**kw)
        assert info.value.name == name
    with pytest.raises(ParameterError, match="did you mean"):
        SEL.SelectionParams.from_mapping({"takeover_los": 1})


# ------------------------------------------------------------------ Moran
@settings(max_examples=60, deadline=None)
@given(
    r=st.floats(0.05, 20.0),
    N=st.integers(1, 400),
    data=st.data(),
)
def test_moran_probability_properties(r, N, data):
    i = data.draw(st.integers(1, N))
    p = SEL.moran_fixation_numeric(r, N, i)
    assert 0.0 <= p <= 1.0
    assert SEL.moran_fixation_numeric(1.0, N, i) == pytest.approx(i / N)
    assert SEL.moran_fixation_numeric(r * 1.1, N, i) >= p - 1e-12  # monotone in fitness
    if i < N:
        assert SEL.moran_fixation_numeric(r, N, i + 1) >= p - 1e-12


@settings(max_examples=25, deadline=None)
@given(num=st.integers(1, 9), den=st.integers(1, 9), N=st.integers(2, 12), data=st.data())
def test_moran_exact_matches_birth_death_chain_and_numeric(num, den, N, data):
    i = data.draw(st.integers(1, N))
    r = R(num, den)
    exact = SEL.moran_fixation(r, N, i)
    assert exact == SEL.birth_death_fixation([1 / r] * (N - 1), i)
    assert float(exact) == pytest.approx(SEL.moran_fixation_numeric(float(r), N, i), rel=1e-10)
    if r == 1:
        assert exact == R(i, N)


def test_moran_errors_and_relative_fitness():
    for call, name in [
        (lambda: SEL.moran_fixation(0, 5), "fitness_ratio"),
        (lambda: SEL.moran_fixation(2, 0), "population_size"),
        (lambda: SEL.moran_fixation(2, 3, 4), "initial_count"),
        (lambda: SEL.moran_fixation_numeric(2.0, 3, 0), "initial_count"),
        (lambda: SEL.moran_fixation_numeric(-1.0, 3), "fitness_ratio"),
    ]:
        with pytest.raises(ParameterError) as info:
            call()
        assert info.value.name == name
    p = SEL.SelectionParams(search_advantage=0.3, takeover_loss=0.5, scenario=CONST)
    r = SEL.moran_relative_fitness(p, 0, 1)
    assert r == pytest.approx((1 + 0.5 / 8) / 1.3)
    assert (r > 1) == SEL.invasion_condition(params=p)[0]


# ------------------------------------------------------------------ scenario 2 feedback
def test_retained_share_and_lineage_coherence():
    assert SEL.retained_share_from_competition({"alpha": "1/3", "beta": "2/3"}) == R(2, 3)
    assert SEL.retained_share_from_competition({"alpha": 2, "beta": 2}) == 1
    assert SEL.retained_share_from_competition({"alpha": 2, "beta": 2}, "mesa") == 0
    with pytest.raises(ParameterError):
        SEL.retained_share_from_competition({"alpha": 1, "beta": "1/2"})
    sc = TakeoverScenario(entrenchment_rate=0.25, drift=0.5)  # Lambda_0(oo) = 1/2
    assert SEL.lineage_coherence(sc, 0, alignment=0) == sc.never_overthrown().subs(S.n, 0)
    assert SEL.lineage_coherence(sc, R(1, 2)) == sp.exp(-R(1, 8))
    at_t = SEL.lineage_coherence(sc, R(1, 2), t=2)
    lam = float(sc.cumulative_hazard(0, 2.0))
    assert float(at_t) == pytest.approx(math.exp(-0.25 * lam))
    # Monte Carlo of the Poisson pgf: E[(k + (1-k) w)^N], N ~ Poisson(Lambda)
    rng = np.random.default_rng(5)
    draws = (0.5 + 0.5 * 0.5) ** rng.poisson(0.5, 200_000)
    se = draws.std() / math.sqrt(draws.size)
    assert abs(draws.mean() - math.exp(-1 / 8)) < 4 * se


# ------------------------------------------------------------------ best of N (training)
def test_gumbel_integral_matches_the_exact_sum_and_tends_to_the_logit():
    reg = T.TrainingRegime(noise="gumbel")
    w, mu = reg.weights(), reg.means()
    for N in (1, 3, 17, 60):
        p, err = T.best_of_n(w, mu, N, "gumbel")
        exact = np.array(T.gumbel_best_of_n(w, mu, N))
        assert np.all(np.abs(p - exact) <= err + 1e-9)
        assert np.all(np.abs(p - exact) < 1e-4)
    limit = T.best_of_n_limit(w, mu, "gumbel")
    p_big, _ = T.best_of_n(w, mu, 2**24, "gumbel")
    np.testing.assert_allclose(p_big, limit, atol=1e-5)
    assert limit[1] + limit[2] < 0.3  # the logit limit is far from 1
    # two classes, exact: p = 1/2, Delta = log 3: N = 1 gives 1/2, N = 2 gives 5/8
    assert T.gumbel_best_of_n([R(1, 2)] * 2, [0, sp.log(3)], 1) == [R(1, 2), R(1, 2)]
    assert T.gumbel_best_of_n([R(1, 2)] * 2, [0, sp.log(3)], 2)[1] == R(5, 8)


def test_gaussian_rises_to_one_gumbel_does_not():
    gauss = [
        T.regime_probabilities(T.TrainingRegime(search_strength=n))["mesa"]
        for n in (1, 16, 256, 4096, 2**16, 2**20)
    ]
    assert all(b > a for a, b in zip(gauss, gauss[1:], strict=False))
    assert T.best_of_n_limit([0.9, 0.1], [0.0, 0.5]).tolist() == [0.0, 1.0]
    # two classes, large N (Gaussian tails: the mesa class takes the top)
    p, _ = T.best_of_n([0.9, 0.1], [0.0, 2.0], 2**40)
    assert p[1] > 0.95
    gum = [
        T.regime_probabilities(T.TrainingRegime(search_strength=n, noise="gumbel"))["mesa"]
        for n in (1, 16, 256, 4096, 2**16, 2**20)
    ]
    assert max(gum) < 0.23 and gum[-1] == pytest.approx(gum[-2], abs=1e-4)
    # Delta < 0: searching harder finds non-optimizers under Gaussian noise
    p, _ = T.best_of_n([0.5, 0.5], [0.0, -1.0], 2**20)
    assert p[1] < 0.05


@pytest.mark.parametrize(("noise", "N"), [("gaussian", 8), ("gaussian", 128), ("gumbel", 32)])
def test_monte_carlo_of_the_selection_agrees_with_the_integral(noise, N):
    reg = T.TrainingRegime(search_strength=N, noise=noise)
    reps = 40_000
    counts = T.sample_best_of_n(reg, reps, seed=2024 + N)
    p, err = T.best_of_n(reg.weights(), reg.means(), N, noise)
    freq = counts / reps
    se = np.sqrt(p * (1 - p) / reps)
    z = (freq - p) / se
    assert np.all(np.abs(z) < 4), z


def test_training_scenario_and_regime_errors():
    reg = T.TrainingRegime(search_strength=64, candidate_rate=3.0)
    out = T.regime_probabilities(reg)
    sc = T.training_scenario(reg, hazard="constant", detection=0.2)
    assert sc.spawn_rate == pytest.approx(3.0 * out["mesa"])
    assert sc.alignment_skill == pytest.approx(out["robust_mesa"] / out["mesa"])
    assert sc.detection == 0.2
    # harder search: more mesa-optimizers, and less aligned ones (Goodhart on the proxy)
    weak = T.training_scenario(reg.replace(search_strength=2))
    assert weak.spawn_rate < sc.spawn_rate and weak.alignment_skill > sc.alignment_skill
    with pytest.raises(ParameterError):
        T.training_scenario(reg, spawn_rate=1.0)
    for kw, name in [
        ({"search_strength": 0}, "search_strength"),
        ({"complexity_penalty": -1.0}, "complexity_penalty"),
        ({"speed_penalty": -0.5}, "speed_penalty"),
        ({"robust_prior": 1.5}, "robust_prior"),
        ({"mesa_prior": 0.0}, "mesa_prior"),
        ({"noise": "gauss"}, "noise"),
        ({"noise_scale": 0.0}, "noise_scale"),
        ({"goodhart_advantage": -1.0}, "goodhart_advantage"),
    ]:
        with pytest.raises(ParameterError) as info:
            T.TrainingRegime(**kw)
        assert info.value.name == name
    with pytest.raises(ParameterError) as info:
        T.best_of_n([0.5, 0.6], [0.0, 1.0], 4)
    assert info.value.name == "weights"


# ------------------------------------------------------------------ scenario 2 fed back, answers
def test_lineage_coherence_from_competition_is_computed_not_one():
    sc = TakeoverScenario(entrenchment_rate=0.25, drift=0.0)  # Lambda_0(oo) = 1/2
    coexist = {"alpha": "1/3", "beta": "2/3"}  # stable coexistence, kappa_R = 2/3
    assert SEL.lineage_coherence_from_competition(sc, coexist) == sp.exp(-R(1, 6))
    assert SEL.lineage_coherence_from_competition(sc, {"alpha": 2, "beta": "1/2"}) == sp.exp(
        -R(1, 2)
    )
    # Monte Carlo of the lineage itself: wins ~ Poisson(1/2); each keeps 2/3 of the resources
    rng = np.random.default_rng(8)
    wins = rng.poisson(0.5, 200_000)
    kept = (2 / 3) ** wins  # drift 0: the mesa part carries none of the original goal
    se = kept.std() / math.sqrt(kept.size)
    assert abs(kept.mean() - math.exp(-1 / 6)) < 4 * se
    with pytest.raises(ParameterError):
        SEL.lineage_coherence(sc, 1.5)


def test_outcompeted_answer_states_the_boundary_with_numbers():
    pts = [
        {"search_advantage": b, "takeover_loss": ell, "point": i}
        for i, (b, ell) in enumerate([(0.0, 1.0), (0.25, 1.0), (0.0, 0.5), (0.25, 0.5)])
    ]
    rows = [
        {"point": 0, "estimand": "fixation", "estimate": 0.12, "std_error": 0.005},
        {"point": 1, "estimand": "fixation", "estimate": 0.015, "std_error": 0.002},
    ]
    text = SEL.study_answer("selection", pts, rows, {"population_size": 20, "initial": 1})
    assert "b* = 0.125 at takeover_loss = 1, 0.0625 at takeover_loss = 0.5." in text
    assert "2 of 4 points keep it" in text
    rho0 = SEL.coherent_fixation(SEL.SelectionParams(search_advantage=0.0), 20)
    assert f"{rho0:.3g} at b = 0 (simulated 0.12 +- 0.005)" in text
    assert SEL.study_answer("competition", pts, rows) == ""
