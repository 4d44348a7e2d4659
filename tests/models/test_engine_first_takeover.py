"""The ``first_takeover_time`` column of both engines against :math:`e^{-\\Lambda_0(t)}`.

The first top-level takeover ends the first tenure, whose survival is
:math:`e^{-\\Lambda_0(t)}` for every hazard family; each empirical P(first > t) must lie
within 4 binomial standard errors (at the exact p) of it, at fixed seeds.  The chain
engine reuses the tenure it already draws, so the other columns and the random stream
are unchanged (checked through invariances that hold only if nothing extra is drawn).
"""

from __future__ import annotations

import numpy as np
import pytest

from supercoherence.models.engine import COLUMNS, simulate_chain
from supercoherence.models.nested import simulate_abm
from supercoherence.models.nested.model import NestedOptimizerModel
from supercoherence.models.nested.simulate import TABLE_COLUMNS
from supercoherence.theory.scenario import TakeoverScenario

Z = 4.0
TIMES = np.array([0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0])

#: The shared scenarios (tests/conftest.py), one per hazard family.
FAMILIES = ("constant", "entrenchment", "power")


def _exact(scenario: TakeoverScenario, times: np.ndarray) -> np.ndarray:
    return np.exp(-np.asarray(scenario.cumulative_hazard(0, times), dtype=float))


def _assert_survival_curve(first: np.ndarray, scenario: TakeoverScenario, times: np.ndarray):
    exact = _exact(scenario, times)
    estimate = (first[:, None] > times[None, :]).mean(axis=0)
    se = np.sqrt(exact * (1 - exact) / first.size)
    z = (estimate - exact) / se
    assert np.all(np.abs(z) <= Z), dict(zip(times.tolist(), np.round(z, 2).tolist(), strict=True))


@pytest.mark.parametrize("name", FAMILIES)
@pytest.mark.parametrize("horizon", [np.inf, 8.0])
def test_chain_first_takeover_time_has_survival_exp_minus_lambda0(name, horizon, scenarios):
    scenario = scenarios[name]
    table = simulate_chain(scenario, 20_000, seed=31, horizon=horizon, max_takeovers=200).table
    _assert_survival_curve(table["first_takeover_time"], scenario, TIMES)


@pytest.mark.parametrize("name", FAMILIES)
def test_chain_first_takeover_is_the_first_of_the_takeovers_by_the_horizon(name, scenarios):
    table = simulate_chain(scenarios[name], 5000, seed=4, horizon=3.0, max_takeovers=50).table
    first, by_horizon = table["first_takeover_time"], table["takeovers_by_horizon"]
    assert table["first_takeover_time"].dtype == COLUMNS["first_takeover_time"] == np.float64
    assert np.array_equal(np.isinf(first), by_horizon == 0)
    assert np.all(first[by_horizon > 0] <= table["last_takeover_time"][by_horizon > 0])
    assert np.all(first[by_horizon == 1] == table["last_takeover_time"][by_horizon == 1])
    assert np.all((first > 0) & ((first <= 3.0) | np.isinf(first)))


def test_chain_first_takeover_time_does_not_depend_on_horizon_cap_or_chunking(scenarios):
    """tau_0 is the same draw whatever the horizon, cap M or chunk size (no extra draws)."""
    scenario = scenarios["entrenchment"]
    base = simulate_chain(scenario, 9000, seed=8, max_takeovers=1000).table
    first = base["first_takeover_time"]
    ever = base["n_takeovers"] > 0
    assert np.array_equal(np.isinf(first), ~ever)
    for kwargs in ({"max_takeovers": 1}, {"chunk_size": 1}, {"horizon": 1.5}):
        other = simulate_chain(scenario, 9000, seed=8, **kwargs).table["first_takeover_time"]
        if "horizon" in kwargs:
            expected = np.where(first <= 1.5, first, np.inf)
        else:
            expected = first
        assert np.array_equal(other, expected), kwargs


def test_chain_seed_reproducibility_and_columns(scenarios):
    scenario = scenarios["power"]
    a = simulate_chain(scenario, 3000, seed=12, horizon=5.0).table
    b = simulate_chain(scenario, 3000, seed=12, horizon=5.0).table
    assert list(a) == list(COLUMNS)
    for name in COLUMNS:
        assert np.array_equal(a[name], b[name], equal_nan=True)


def test_chain_without_a_clock_has_no_first_takeover_time():
    table = simulate_chain(0.5, 100, seed=1, max_takeovers=20).table
    assert np.isnan(table["first_takeover_time"]).all()


def test_chain_with_zero_hazard_never_has_a_takeover():
    scenario = TakeoverScenario(spawn_rate=0.0, hazard="power", power_exponent=0.5)
    table = simulate_chain(scenario, 100, seed=1, horizon=10.0).table
    assert np.isinf(table["first_takeover_time"]).all()


@pytest.mark.parametrize("name", FAMILIES)
def test_abm_first_takeover_time_has_survival_exp_minus_lambda0(name, scenarios):
    scenario = scenarios[name]
    table = simulate_abm(scenario, 600, seed=17, horizon=4).table
    _assert_survival_curve(table["first_takeover_time"], scenario, TIMES[TIMES <= 4])


def test_abm_first_takeover_law_is_the_same_with_nesting(scenarios):
    scenario = scenarios["power"]
    table = simulate_abm(scenario, 400, seed=5, horizon=3, nesting=True).table
    _assert_survival_curve(table["first_takeover_time"], scenario, np.array([0.5, 1.0, 3.0]))


def test_abm_first_takeover_time_is_the_first_lineage_edge(scenarios):
    model = NestedOptimizerModel(scenarios["constant"], seed=3, horizon=30, collect_model=False)
    assert model.first_takeover_time == np.inf
    model.run_model()
    times = [t for _, _, t in model.lineage.edges(data="time")]
    assert model.top_level_takeovers > 1
    assert model.first_takeover_time == min(times) < model.last_takeover_time


def test_abm_table_column_is_inf_without_a_takeover_by_the_horizon(scenarios):
    table = simulate_abm(scenarios["entrenchment"], 50, seed=2, horizon=2).table
    first = table["first_takeover_time"]
    assert first.dtype == TABLE_COLUMNS["first_takeover_time"] == np.float64
    assert np.array_equal(np.isinf(first), table["takeovers_by_horizon"] == 0)
    assert np.all(first[np.isfinite(first)] <= 2.0)
