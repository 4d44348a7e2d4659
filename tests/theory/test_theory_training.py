"""Tests of supercoherence.theory.training: the logit form of P(mesa) and the spawn rate."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from supercoherence.errors import ParameterError
from supercoherence.theory import training as T

R = sp.Rational


def test_no_pressure_gives_the_proxy_advantage():
    assert T.mesa_probability(0, 7, 0, 3, R(1, 4)) == R(1, 4)
    assert T.mesa_probability_numeric(0.0, 7.0, 0.0, 3.0, 0.25) == pytest.approx(0.25)


def test_hand_values():
    # sigma(log 3) = 3/4; sigma(-log 2) = 1/3
    assert T.mesa_probability(1, sp.log(3), 0, 0) == R(3, 4)
    assert T.mesa_probability(0, 0, 1, sp.log(2)) == R(1, 3)
    # p = 1/4 (log-odds -log 3) and x = log 3 cancel: 1/2
    assert T.mesa_probability(1, sp.log(3), 0, 0, R(1, 4)) == R(1, 2)
    assert T.spawn_rate(8, 1, sp.log(3), 0, 0) == 6
    assert T.spawn_rate_numeric(8.0, 1.0, np.log(3), 0.0, 0.0) == pytest.approx(6.0)


def test_monotone_in_the_pressures():
    P = T.mesa_probability(T.theta_c, T.dK, T.theta_s, T.dT, T.proxy_advantage)
    # logistic derivative: dP/d theta_c = Delta_K P (1 - P), dP/d theta_s = -Delta_T P (1 - P)
    assert sp.simplify(sp.diff(P, T.theta_c) - T.dK * P * (1 - P)) == 0
    assert sp.simplify(sp.diff(P, T.theta_s) + T.dT * P * (1 - P)) == 0
    logit_form = 1 / (
        1
        + sp.exp(
            -(
                T.theta_c * T.dK
                - T.theta_s * T.dT
                + sp.log(T.proxy_advantage / (1 - T.proxy_advantage))
            )
        )
    )
    point = {T.theta_c: R(1, 2), T.dK: 3, T.theta_s: 2, T.dT: R(1, 3), T.proxy_advantage: R(1, 5)}
    assert sp.simplify((P - logit_form).subs(point)) == 0


def test_numeric_matches_exact_and_does_not_overflow():
    tc = np.array([0.0, 0.5, 2.0])
    exact = [float(T.mesa_probability(sp.nsimplify(x), 3, 1, R(1, 2), R(1, 5))) for x in tc]
    np.testing.assert_allclose(
        T.mesa_probability_numeric(tc, 3.0, 1.0, 0.5, 0.2), exact, rtol=1e-13
    )
    assert T.mesa_probability_numeric(1000.0, 10.0, 0.0, 0.0) == 1.0
    assert T.mesa_probability_numeric(0.0, 0.0, 1000.0, 10.0) == 0.0
    res = T.spawn_rate_derived()
    assert res.numeric(
        nu=10.0, thetac=0.0, DeltaK=0.0, thetas=1.0, DeltaT=np.log(2), p=0.5
    ) == pytest.approx(10 / 3)
    assert "theta" in T.mesa_probability_derived().latex


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: T.mesa_probability(-1, 1, 0, 0), "complexity_pressure"),
        (lambda: T.mesa_probability(1, 1, -2, 0), "speed_pressure"),
        (lambda: T.mesa_probability(1, 1, 0, 0, 0), "proxy_advantage"),
        (lambda: T.mesa_probability(1, 1, 0, 0, 1), "proxy_advantage"),
        (lambda: T.spawn_rate(-1, 1, 1, 0, 0), "candidate_rate"),
        (lambda: T.spawn_rate_numeric(np.array([1.0, -1.0]), 1, 1, 0, 0), "candidate_rate"),
        (lambda: T.mesa_probability_numeric(1, 1, 0, 0, 1.5), "proxy_advantage"),
    ],
)
def test_bad_inputs_name_the_parameter(call, name):
    with pytest.raises(ParameterError) as info:
        call()
    assert info.value.name == name


# ------------------------------------------------------------------ training regimes -> scenario
def test_scenario_from_training_sets_spawn_rate_and_alignment_skill():
    sc = T.scenario_from_training(
        search_strength=64,
        complexity_penalty=0.5,
        speed_penalty=0.25,
        candidate_rate=3.0,
        hazard="constant",
        detection=0.2,
    )
    reg = T.TrainingRegime(
        search_strength=64, complexity_penalty=0.5, speed_penalty=0.25, candidate_rate=3.0
    )
    out = T.regime_probabilities(reg)
    assert sc.spawn_rate == pytest.approx(3.0 * out["mesa"])
    assert sc.alignment_skill == pytest.approx(out["robust_mesa"] / out["mesa"])
    assert (sc.hazard, sc.detection) == ("constant", 0.2)
    # TakeoverScenario.from_mapping routes a regime's keys the same way (study files)
    from supercoherence.theory.scenario import TakeoverScenario

    same = TakeoverScenario.from_mapping(
        {
            "search_strength": 64.0,
            "complexity_penalty": 0.5,
            "speed_penalty": 0.25,
            "candidate_rate": 3.0,
            "hazard": "constant",
            "detection": 0.2,
        }
    )
    assert same == sc


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        ({"complexity_penalty": -0.1}, "complexity_penalty"),
        ({"speed_penalty": -1.0}, "speed_penalty"),
        ({"search_strength": 0}, "search_strength"),
        ({"search_strength": 2.5}, "search_strength"),
        ({"robust_prior": 1.2}, "robust_prior"),
        ({"spawn_rate": 1.0}, "spawn_rate"),
        ({"alignment_skill": 0.5}, "alignment_skill"),
        ({"speed_penlty": 1.0}, "speed_penlty"),
    ],
)
def test_training_regime_bad_input_names_the_parameter(fields, name):
    with pytest.raises(ParameterError) as info:
        T.scenario_from_training(**fields)
    assert info.value.name == name


def test_speed_penalty_boundary_of_the_goodhart_limit():
    # the best mesa class has mean Delta + Delta_G - theta_s Delta_T = 1.5 - theta_s
    # (slowly: the Gaussian maxima separate like 1/sqrt(2 log N))
    def mesa(n, ts):
        return T.regime_probabilities(T.TrainingRegime(search_strength=n, speed_penalty=ts))["mesa"]

    below = [mesa(2**e, 1.0) for e in (0, 10, 20, 40, 60)]
    above = [mesa(2**e, 2.0) for e in (0, 10, 20, 40, 60)]
    assert all(b > a for a, b in zip(below, below[1:], strict=False)) and below[-1] > 0.9
    assert all(b < a for a, b in zip(above, above[1:], strict=False)) and above[-1] < 0.002
    # the complexity penalty moves the prior, not the limit
    for tc in (0.0, 3.0):
        reg = T.TrainingRegime(search_strength=2**30, speed_penalty=0.0, complexity_penalty=tc)
        assert T.regime_probabilities(reg)["mesa"] > 0.97
    assert T.goodhart_limit("gaussian") == "one" and T.goodhart_limit("gumbel") == "logit"
    with pytest.raises(ParameterError):
        T.goodhart_limit("cauchy")


def test_chain_study_sweeps_training_regimes():
    from pathlib import Path

    from supercoherence.simulations.engines import get_engine
    from supercoherence.simulations.study import load_study

    study = load_study(Path(__file__).resolve().parents[2] / "studies" / "training_regimes.toml")
    assert {"search_strength", "speed_penalty"} <= set(study.varied)
    engine = get_engine("chain")
    sc = engine.scenario(study.points[-1])
    assert sc.spawn_rate == pytest.approx(
        10.0
        * T.regime_probabilities(T.TrainingRegime(search_strength=1024, speed_penalty=2.0))["mesa"]
    )
    answer = T.training_answer(study.points, [])
    assert "theta_s* = (Delta + Delta_G)/Delta_T = 1.5" in answer
    assert "q_0" in answer


def test_simulated_training_regime_agrees_with_its_closed_form():
    """The chain engine on a regime's scenario: P(N = 0) = q_0 within 4 SE."""
    from supercoherence.models.engine import simulate_chain

    sc = T.scenario_from_training(search_strength=256, speed_penalty=0.0, candidate_rate=10.0)
    reps = 20_000
    table = simulate_chain(sc, reps, seed=11, max_takeovers=200).table
    p_hat = float((table["n_takeovers"] == 0).mean())
    q0 = float(sc.never_overthrown_numeric(0))
    se = (q0 * (1 - q0) / reps) ** 0.5
    assert abs(p_hat - q0) < 4 * se, (p_hat, q0)


@pytest.mark.parametrize(("noise", "N"), [("gaussian", 3), ("gaussian", 200), ("gumbel", 40)])
def test_certified_integral_contains_the_exact_value_and_the_grid_bracket(noise, N):
    reg = T.TrainingRegime(search_strength=N, noise=noise)
    w, mu = reg.weights(), reg.means()
    mid, rad = T.best_of_n_certified(w, mu, N, noise)
    assert rad.max() < 1e-10 and mid.sum() == pytest.approx(1.0, abs=1e-9)
    grid, bracket = T.best_of_n(w, mu, N, noise)
    assert np.all(np.abs(grid - mid) <= bracket + rad)
    if noise == "gumbel":  # the exact finite sum over the class counts
        np.testing.assert_allclose(mid, T.gumbel_best_of_n(w, mu, N), atol=1e-12)
    # and a Monte Carlo of the selection itself, within 4 SE
    reps = 30_000
    freq = T.sample_best_of_n(reg, reps, seed=N) / reps
    se = np.sqrt(mid * (1 - mid) / reps)
    assert np.all(np.abs(freq - mid) < 4 * se)
