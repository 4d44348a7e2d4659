"""The verdict from simulation (issue 11): event tables and the estimated dichotomy.

Tolerances: Monte Carlo agreement within 4 standard errors; bootstrap percentile
intervals (99% for the per-level q_n, where 12 intervals are checked at once; 95% for
prod (1 - q_n)) must contain the exact values on the fixed seeds used here; the
estimated verdict must equal :func:`supercoherence.theory.recursion.classify` of the
scenario's exact ``q_n`` with bootstrap support >= 0.9.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from supercoherence.cli import main
from supercoherence.errors import ParameterError
from supercoherence.models.engine.events import (
    abm_events,
    event_table,
    iter_events,
    read_events,
    write_events,
)
from supercoherence.simulations.verdict import estimate_verdict, fit_hazard, prepare_events
from supercoherence.theory.hazard import EntrenchmentHazard, PowerHazard
from supercoherence.theory.recursion import Outcome, classify
from supercoherence.theory.scenario import TakeoverScenario

CONSTANT = TakeoverScenario(spawn_rate=4.0, hazard="constant")  # h = 0.5: recursion a.s.
ENTRENCHED = TakeoverScenario(spawn_rate=4.0, entrenchment=0.5)  # q = e^-1: supercoherence
WEAKENING = TakeoverScenario(spawn_rate=4.0, entrenchment=0.5, entrenchment_weakening=1.0)
POWER = TakeoverScenario(spawn_rate=4.0, hazard="power", power=2.0)  # q = e^-1/2


# --------------------------------------------------------------------------- event tables


def test_events_reproducible_and_chunk_invariant() -> None:
    a = event_table(WEAKENING, 9000, seed=5, horizon=30.0)
    b = pd.concat(
        iter_events(WEAKENING, 9000, seed=5, horizon=30.0, chunk_size=1), ignore_index=True
    )
    assert a.equals(b)
    assert not a.equals(event_table(WEAKENING, 9000, seed=6, horizon=30.0))
    # one censored row per replicate, levels consecutive from 0, times consistent
    per = a.groupby("replicate")
    assert per["censored"].sum().eq(1).all()
    assert (per["level"].max() + 1 == per.size()).all()
    observed = a[a["observed"]]
    assert (observed["start"] + observed["age"] <= 30.0).all()
    censored = a[a["censored"]]
    assert np.allclose(censored["start"] + censored["age"], 30.0)


def test_events_parquet_roundtrip(tmp_path) -> None:
    path = tmp_path / "events.parquet"
    rows = write_events(path, iter_events(ENTRENCHED, 5000, seed=1, horizon=10.0, chunk_size=4096))
    table = read_events(path)
    assert rows == len(table)
    assert table.equals(event_table(ENTRENCHED, 5000, seed=1, horizon=10.0))


def test_events_law_of_each_level() -> None:
    """KM of level n at a few ages equals exp(-Lambda_n(t)) within 4 SE."""
    from lifelines import KaplanMeierFitter

    table = event_table(WEAKENING, 4000, seed=2, horizon=40.0)
    for level in (0, 1, 3):
        rows = table[table["level"] == level]
        km = KaplanMeierFitter().fit(rows["age"], rows["observed"])
        for t in (0.5, 2.0, 5.0):
            exact = float(np.exp(-WEAKENING.cumulative_hazard(level, t)))
            est = float(km.survival_function_at_times(t).iloc[0])
            se = np.sqrt(exact * (1 - exact) / len(rows))
            assert abs(est - exact) < 4 * se, (level, t, est, exact)


def test_abm_adapter_agrees_in_law_with_chain() -> None:
    sc = TakeoverScenario(spawn_rate=2.0, hazard="entrenchment", entrenchment=0.5)
    abm = abm_events(sc, 150, seed=3, horizon=8)
    chain = event_table(sc, 4000, seed=3, horizon=8.0)
    from lifelines import KaplanMeierFitter

    for level in (0, 1):
        a, c = abm[abm["level"] == level], chain[chain["level"] == level]
        km_a = KaplanMeierFitter().fit(a["age"], a["observed"])
        km_c = KaplanMeierFitter().fit(c["age"], c["observed"])
        for t in (0.5, 1.5, 3.0):
            sa = float(km_a.survival_function_at_times(t).iloc[0])
            sc_ = float(km_c.survival_function_at_times(t).iloc[0])
            se = np.sqrt(sc_ * (1 - sc_) * (1 / len(a) + 1 / len(c)))
            assert abs(sa - sc_) < 4 * se + 1e-9, (level, t, sa, sc_)
    # the same run as simulate_abm's replicate i: its takeover count
    from supercoherence.models.nested import simulate_abm

    res = simulate_abm(sc, 150, seed=3, horizon=8)
    counts = abm.groupby("replicate")["observed"].sum().to_numpy()
    assert np.array_equal(counts, res.table["n_takeovers"])


# --------------------------------------------------------------------------- fits


@pytest.mark.parametrize(
    ("family", "hazard", "truth"),
    [
        ("entrenchment", EntrenchmentHazard(1.0, 0.5), (1.0, 0.5)),
        ("power", PowerHazard(1.0, 2.5), (1.0, 2.5)),
    ],
)
def test_mle_recovers_parameters(family, hazard, truth) -> None:
    table = event_table(hazard, 3000, seed=11, horizon=30.0)
    fit = fit_hazard(table[table["level"] == 0], family)
    assert abs(fit.h - truth[0]) < 4 * fit.h_se
    assert abs(fit.shape - truth[1]) < 4 * fit.shape_se
    assert abs(fit.total_hazard - float(hazard.total_numeric())) < 4 * fit.total_se


def test_mle_agrees_with_lifelines_custom_fitter() -> None:
    from autograd import numpy as anp
    from lifelines.fitters import ParametricUnivariateFitter

    class Entrenchment(ParametricUnivariateFitter):
        _fitted_parameter_names = ["h_", "delta_"]
        _bounds = [(1e-9, None), (1e-9, None)]

        def _cumulative_hazard(self, params, times):
            h, delta = params
            return h * (1 - anp.exp(-delta * times)) / delta

    rows = event_table(EntrenchmentHazard(1.0, 0.5), 1500, seed=4, horizon=10.0)
    ours = fit_hazard(rows, "entrenchment")
    theirs = Entrenchment().fit(rows["age"], rows["observed"])
    assert abs(ours.h - theirs.h_) < 1e-3 * ours.h
    assert abs(ours.shape - theirs.delta_) < 1e-3 * ours.shape
    assert abs(ours.loglik - theirs.log_likelihood_) < 1e-4 * abs(ours.loglik)


# --------------------------------------------------------------------------- verdicts


@pytest.mark.parametrize(
    ("scenario", "horizon", "seed"),
    [(CONSTANT, 15.0, 1), (ENTRENCHED, 60.0, 2), (POWER, 200.0, 1), (WEAKENING, 100.0, 1)],
    ids=["constant", "entrenchment", "power", "weakening"],
)
def test_estimated_verdict_matches_closed_form(scenario, horizon, seed) -> None:
    analytic = classify(scenario.q_expr())
    table = event_table(scenario, 1000, seed=seed, horizon=horizon)
    v = estimate_verdict(
        table, bootstrap=100, seed=7, max_levels=12, threshold=0.9, confidence=0.99
    )
    assert v.outcome is analytic.outcome, v.reason
    assert v.support[analytic.outcome.value] >= 0.9
    levels = v.levels
    exact_q = scenario.q(levels["level"].to_numpy())
    first = levels.index[:3]
    assert np.all(levels.loc[first, "q_low"] <= exact_q[first] + 1e-12)
    assert np.all(exact_q[first] <= levels.loc[first, "q_high"] + 1e-12)
    if analytic.outcome is Outcome.RECURSION_WITH_POSITIVE_PROBABILITY:
        est, low, high = v.recurrence
        assert low <= analytic.recurrence.value <= high


def test_pooled_levels_give_a_stationary_verdict() -> None:
    v = estimate_verdict(
        event_table(ENTRENCHED, 500, seed=3, horizon=40.0), pooled=True, bootstrap=50, seed=1
    )
    assert v.outcome is Outcome.SUPERCOHERENCE_ALMOST_SURELY
    assert v.levels["level"].tolist() == [-1]
    q = float(v.levels["q"].iloc[0])
    assert v.levels["q_low"].iloc[0] <= np.exp(-1) <= v.levels["q_high"].iloc[0], q


def test_verdict_is_reproducible_by_seed() -> None:
    table = event_table(POWER, 300, seed=1, horizon=50.0)
    a = estimate_verdict(table, bootstrap=20, seed=4).to_dict()
    b = estimate_verdict(table, bootstrap=20, seed=4).to_dict()
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_too_few_levels_is_undecided() -> None:
    # a short horizon: only level 0 has enough takeovers for a fit
    table = event_table(ENTRENCHED, 100, seed=1, horizon=3.0)
    v = estimate_verdict(table, bootstrap=20, seed=1)
    assert v.outcome is Outcome.UNDECIDED
    assert "too few" in v.reason


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"replicate": [], "level": [], "age": [], "observed": []}), "empty"),
        (
            pd.DataFrame(
                {
                    "replicate": [0, 1],
                    "level": [0, 0],
                    "age": [1.0, 2.0],
                    "observed": [False, False],
                }
            ),
            "no observed takeover",
        ),
        (
            pd.DataFrame({"replicate": [0], "level": [0], "age": [-1.0], "observed": [True]}),
            "negative",
        ),
        (pd.DataFrame({"replicate": [0], "level": [0], "observed": [True]}), "lacks"),
    ],
    ids=["empty", "all-censored", "negative", "missing-column"],
)
def test_bad_event_tables_raise_clear_errors(frame, message) -> None:
    with pytest.raises(ParameterError, match=message):
        prepare_events(frame)
    with pytest.raises(ParameterError):
        estimate_verdict(frame)


def test_bad_options_raise() -> None:
    with pytest.raises(ParameterError, match="horizon"):
        event_table(CONSTANT, 10, seed=0, horizon=np.inf)
    with pytest.raises(ParameterError, match="criterion"):
        estimate_verdict(event_table(CONSTANT, 50, seed=0, horizon=5.0), criterion="x")


# --------------------------------------------------------------------------- CLI


def test_cli_verdict_json(tmp_path, capsys) -> None:
    out = tmp_path / "ev.parquet"
    status = main(
        [
            "verdict",
            "--param",
            "spawn_rate=4",
            "--param",
            "hazard=constant",
            "--replicates",
            "300",
            "--horizon",
            "10",
            "--bootstrap",
            "20",
            "--events-out",
            str(out),
            "--json",
        ]
    )
    assert status == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["analytic"]["outcome"] == "recursion forever almost surely"
    assert summary["estimated"]["outcome"] == "recursion forever almost surely"
    assert summary["agree"] is True
    assert len(read_events(out)) > 300


def test_cli_verdict_bad_input(capsys) -> None:
    assert main(["verdict", "--param", "detecton=0.5"]) == 2
    assert "detecton" in capsys.readouterr().err
    assert main(["verdict", "--engine", "gpu"]) == 2


@pytest.mark.slow
def test_recurrence_probability_coverage() -> None:
    """The 95% interval of prod (1 - q_n) covers the exact value in >= 9 of 10 seeds."""
    exact = classify(WEAKENING.q_expr()).recurrence.value
    hits = 0
    for seed in range(10):
        v = estimate_verdict(
            event_table(WEAKENING, 1000, seed=100 + seed, horizon=100.0),
            bootstrap=100,
            seed=seed,
            max_levels=12,
        )
        hits += v.recurrence[1] <= exact <= v.recurrence[2]
    assert hits >= 9
