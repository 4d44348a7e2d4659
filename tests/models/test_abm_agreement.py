"""The Mesa model with nesting off and homogeneous parameters against the closed forms.

Each estimate must lie within 4 standard errors of the exact value at a fixed seed
(fast tier: ~1000 replicates; ``slow`` tier: 20000).
"""

from __future__ import annotations

import numpy as np
import pytest

from supercoherence.models.nested import simulate_abm
from supercoherence.theory.scenario import TakeoverScenario

Z = 4.0

# Escalating, entrenched chain: q_n varies with n (detection grows with capability).
ESCALATING = TakeoverScenario(
    spawn_rate=2.0,
    alignment_skill=0.3,
    detection=0.2,
    capability_ratio=1.5,
    sharpness=1.0,
    hazard="entrenchment",
    entrenchment_rate=1.0,
    detection_scaling=0.3,
    drift=0.6,
)
# Constant hazard: N_T ~ Poisson(h T) exactly (several takeovers per step are possible).
CONSTANT = TakeoverScenario(
    spawn_rate=3.0, alignment_skill=0.0, detection=0.0, hazard="constant", drift=0.0
)
POWER = TakeoverScenario(
    spawn_rate=1.0,
    alignment_skill=0.2,
    detection=0.1,
    hazard="power",
    power_exponent=2.5,
    drift=0.8,
)


def _assert_close(estimate: float, exact: float, se: float, what: str) -> None:
    z = (estimate - exact) / se
    assert abs(z) <= Z, f"{what}: estimate {estimate:.5f} vs exact {exact:.5f}, z = {z:.2f}"


def _proportion(hits: np.ndarray, exact: float, what: str) -> None:
    se = np.sqrt(exact * (1 - exact) / hits.size)
    _assert_close(float(hits.mean()), exact, se, what)


def _law_of_n(scenario: TakeoverScenario, kmax: int) -> np.ndarray:
    """P(N = k), k = 0..kmax, from q_k (the dichotomy theorem's product form)."""
    q = np.asarray(scenario.never_overthrown_numeric(np.arange(kmax + 1)))
    reach = np.concatenate([[1.0], np.cumprod(1 - q)[:-1]])
    return reach * q


def _check_survival(scenario: TakeoverScenario, replicates: int, horizon: int, seed: int):
    res = simulate_abm(scenario, replicates, seed=seed, horizon=horizon)
    exact = float(np.exp(-scenario.cumulative_hazard(0, float(horizon))))
    _proportion(res.table["takeovers_by_horizon"] == 0, exact, "P(no takeover by T)")


def _check_law_and_drift(scenario: TakeoverScenario, replicates: int, seed: int):
    # Horizon long enough that every remaining hazard is below 1e-12.
    res = simulate_abm(scenario, replicates, seed=seed, horizon=40)
    n = res.table["n_takeovers"]
    law = _law_of_n(scenario, 60)
    tail = 1 - np.concatenate([[0.0], np.cumsum(law)])
    for k in (1, 2, 3):
        _proportion(n >= k, float(tail[k]), f"P(N >= {k})")
    rho = scenario.drift
    exact = float(law @ rho ** np.arange(law.size))
    alignment = res.table["final_alignment"]
    _assert_close(
        float(alignment.mean()), exact, alignment.std(ddof=1) / np.sqrt(n.size), "E[w_N . w_0]"
    )


def _check_poisson(replicates: int, horizon: int, seed: int):
    res = simulate_abm(CONSTANT, replicates, seed=seed, horizon=horizon)
    mean = float(CONSTANT.hazard_scale(0)) * horizon
    n = res.table["takeovers_by_horizon"]
    _assert_close(float(n.mean()), mean, np.sqrt(mean / n.size), "E[N_T] = h T")
    _proportion(n == 0, float(np.exp(-mean)), "P(N_T = 0)")
    # rho = 0: the first successor's utility is orthogonal to w_0.
    assert np.allclose(res.table["final_alignment"][n == 1], 0.0, atol=1e-12)
    assert np.all(res.table["last_takeover_time"][n > 0] % 1 != 0)  # exact, not rounded


@pytest.mark.parametrize("scenario", [ESCALATING, POWER], ids=["entrenchment", "power"])
def test_survival_to_horizon_matches_exp_minus_cumulative_hazard(scenario):
    _check_survival(scenario, 1000, 3, seed=11)


def test_law_of_n_and_final_alignment_match_closed_forms():
    _check_law_and_drift(ESCALATING, 800, seed=12)


def test_constant_hazard_counts_are_poisson_in_continuous_time():
    _check_poisson(800, 2, seed=13)


def test_nesting_leaves_the_top_level_law_unchanged():
    res = simulate_abm(ESCALATING, 500, seed=14, horizon=3, nesting=True)
    exact = float(np.exp(-ESCALATING.cumulative_hazard(0, 3.0)))
    _proportion(res.table["takeovers_by_horizon"] == 0, exact, "P(no takeover by T), nested")
    assert res.table["size"].max() > 1


@pytest.mark.slow
@pytest.mark.parametrize("scenario", [ESCALATING, POWER], ids=["entrenchment", "power"])
def test_survival_large(scenario):
    _check_survival(scenario, 20000, 4, seed=21)


@pytest.mark.slow
def test_law_and_drift_large():
    _check_law_and_drift(ESCALATING, 20000, seed=22)


@pytest.mark.slow
def test_poisson_large():
    _check_poisson(20000, 3, seed=23)
