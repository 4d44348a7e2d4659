"""The Mesa model with nesting off and homogeneous parameters against the closed forms.

Each estimate must lie within 4 standard errors of the exact value at a fixed seed
(fast tier: ~1000 replicates; ``slow`` tier: 20000).
"""

from __future__ import annotations

import numpy as np
import pytest

from supercoherence.models.nested import simulate_abm
from supercoherence.theory.recursion import count_probability

# Scenarios (tests/conftest.py): ``escalating``, an escalating, entrenched chain (q_n
# varies with n: detection grows with capability); ``poisson``, constant hazard, so
# N_T ~ Poisson(h T) exactly (several takeovers per step are possible); ``power``.
# Agreement: |estimate - exact| <= 4 standard errors (the conftest assertions).


def _check_survival(scenario, replicates: int, horizon: int, seed: int, assert_proportion):
    res = simulate_abm(scenario, replicates, seed=seed, horizon=horizon)
    exact = float(np.exp(-scenario.cumulative_hazard(0, float(horizon))))
    assert_proportion(res.table["takeovers_by_horizon"] == 0, exact, "P(no takeover by T)")


def _check_law_and_drift(scenario, replicates: int, seed: int, assert_proportion, assert_mean):
    # Horizon long enough that every remaining hazard is below 1e-12.
    res = simulate_abm(scenario, replicates, seed=seed, horizon=40)
    n = res.table["n_takeovers"]
    # P(N = k), k = 0..60, from q_k (the dichotomy theorem's product form)
    law = count_probability(np.asarray(scenario.never_overthrown_numeric(np.arange(61))), range(61))
    tail = 1 - np.concatenate([[0.0], np.cumsum(law)])
    for k in (1, 2, 3):
        assert_proportion(n >= k, float(tail[k]), f"P(N >= {k})")
    rho = scenario.drift
    exact = float(law @ rho ** np.arange(law.size))
    assert_mean(res.table["final_alignment"], exact, "E[w_N . w_0]")


def _check_poisson(
    scenario, replicates: int, horizon: int, seed: int, assert_within, assert_proportion
):
    res = simulate_abm(scenario, replicates, seed=seed, horizon=horizon)
    mean = float(scenario.hazard_scale(0)) * horizon
    n = res.table["takeovers_by_horizon"]
    assert_within(float(n.mean()), mean, np.sqrt(mean / n.size), "E[N_T] = h T")
    assert_proportion(n == 0, float(np.exp(-mean)), "P(N_T = 0)")
    # rho = 0: the first successor's utility is orthogonal to w_0.
    assert np.allclose(res.table["final_alignment"][n == 1], 0.0, atol=1e-12)
    assert np.all(res.table["last_takeover_time"][n > 0] % 1 != 0)  # exact, not rounded


@pytest.mark.parametrize("name", ["escalating", "power"], ids=["entrenchment", "power"])
def test_survival_to_horizon_matches_exp_minus_cumulative_hazard(
    name, scenarios, assert_proportion
):
    _check_survival(scenarios[name], 1000, 3, 11, assert_proportion)


def test_law_of_n_and_final_alignment_match_closed_forms(scenarios, assert_proportion, assert_mean):
    _check_law_and_drift(scenarios["escalating"], 800, 12, assert_proportion, assert_mean)


def test_constant_hazard_counts_are_poisson_in_continuous_time(
    scenarios, assert_within, assert_proportion
):
    _check_poisson(scenarios["poisson"], 800, 2, 13, assert_within, assert_proportion)


def test_nesting_leaves_the_top_level_law_unchanged(scenarios, assert_proportion):
    escalating = scenarios["escalating"]
    res = simulate_abm(escalating, 500, seed=14, horizon=3, nesting=True)
    exact = float(np.exp(-escalating.cumulative_hazard(0, 3.0)))
    assert_proportion(res.table["takeovers_by_horizon"] == 0, exact, "P(no takeover by T), nested")
    assert res.table["size"].max() > 1


@pytest.mark.slow
@pytest.mark.parametrize("name", ["escalating", "power"], ids=["entrenchment", "power"])
def test_survival_large(name, scenarios, assert_proportion):
    _check_survival(scenarios[name], 20000, 4, 21, assert_proportion)


@pytest.mark.slow
def test_law_and_drift_large(scenarios, assert_proportion, assert_mean):
    _check_law_and_drift(scenarios["escalating"], 20000, 22, assert_proportion, assert_mean)


@pytest.mark.slow
def test_poisson_large(scenarios, assert_within, assert_proportion):
    _check_poisson(scenarios["poisson"], 20000, 3, 23, assert_within, assert_proportion)
