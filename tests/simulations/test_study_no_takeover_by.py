"""The ``no_takeover_by`` estimand: P(first top-level takeover time > t) = exp(-Lambda_0(t)).

Unit checks of the per-replicate values and closed forms, then studies run end to end on
both engines: every row must carry its exact value and lie within 4 standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from supercoherence.simulations import load_study, parse_study, run_study
from supercoherence.simulations.estimands import (
    ESTIMANDS,
    abm_closed_form,
    chain_closed_form,
    statistics,
)
from supercoherence.studies import list_studies
from supercoherence.theory.scenario import TakeoverScenario

TIMES = [0.0, 0.5, 1.0, 2.0, 4.0]

HAZARDS = {
    "constant": TakeoverScenario(spawn_rate=1.0, hazard="constant"),
    "entrenchment_rate": TakeoverScenario(
        spawn_rate=2.0, hazard="entrenchment", entrenchment_rate=0.5, entrenchment_weakening=1.0
    ),
    "power_exponent": TakeoverScenario(spawn_rate=1.5, hazard="power", power_exponent=0.7),
}


def test_the_estimand_is_a_time_indexed_probability_of_first_takeover_after_t():
    estimand = ESTIMANDS["no_takeover_by"]
    assert (estimand.kind, estimand.at) == ("probability", "time")
    table = {"first_takeover_time": np.array([np.inf, 0.5, 2.0, 3.0])}
    stats = statistics(table, [("no_takeover_by", 2.0), ("no_takeover_by", 0.0)], math.inf)
    assert stats["n"].tolist() == [4, 4]
    assert stats["sum"].tolist() == [2.0, 4.0]  # F > 2: inf and 3; F > 0: all


@pytest.mark.parametrize("name", sorted(HAZARDS))
def test_closed_forms_are_exp_minus_lambda0_for_every_hazard_family(name):
    scenario = HAZARDS[name]
    for t in TIMES:
        exact = math.exp(-float(scenario.cumulative_hazard(0, t)))
        for horizon in (math.inf, 4.0):
            assert chain_closed_form(
                scenario, "no_takeover_by", t, horizon=horizon, max_takeovers=3
            ) == pytest.approx(exact, rel=1e-15)
        assert abm_closed_form(scenario, "no_takeover_by", t, horizon=4.0) == pytest.approx(
            exact, rel=1e-15
        )


def test_closed_form_beyond_the_horizon_is_no_takeover_by_the_horizon():
    scenario = HAZARDS["constant"]
    by_horizon = math.exp(-float(scenario.cumulative_hazard(0, 3.0)))
    assert chain_closed_form(
        scenario, "no_takeover_by", 10.0, horizon=3.0, max_takeovers=10
    ) == pytest.approx(by_horizon)
    assert abm_closed_form(scenario, "no_takeover_by", 10.0, horizon=3.0) == pytest.approx(
        by_horizon
    )


def _study(engine: str, horizon: float, replicates: int, hazards: list[str]) -> dict:
    return {
        "study": {
            "name": f"first-takeover-{engine}",
            "engine": engine,
            "replicates": replicates,
            "chunk": replicates // 2,
            "horizon": horizon,
            "seed": 2024,
        },
        "parameters": {
            "spawn_rate": 1.5,
            "alignment_skill": 0.3,
            "detection": 0.2,
            "capability_ratio": 1.5,
            "entrenchment_rate": 0.5,
            "power_exponent": 2.5,
            "drift": 0.7,
            "hazard": {"values": hazards},
        },
        "outputs": {"estimands": ["no_takeover_by", "no_takeover_after"], "times": TIMES},
    }


def _check_rows(result, points: int) -> None:
    frame = result.estimates
    rows = frame[frame["estimand"] == "no_takeover_by"]
    assert len(rows) == points * len(TIMES)
    assert rows["exact"].notna().all()
    assert (rows["z"].abs() < 4).all(), rows[["hazard", "at", "estimate", "exact", "z"]]
    assert not rows["flag"].any()
    for _, curve in rows.groupby("point"):
        curve = curve.sort_values("at")
        assert curve["estimate"].iloc[0] == 1.0  # P(F > 0) = 1
        assert np.all(np.diff(curve["estimate"].to_numpy()) <= 0)  # a survival curve


@pytest.mark.parametrize("horizon", [math.inf, 4.0])
def test_chain_study_estimates_agree_with_the_closed_form(tmp_path, horizon):
    hazards = ["constant", "entrenchment", "power"]
    study = parse_study(_study("chain", horizon, 4000, hazards))
    _check_rows(run_study(study, tmp_path, workers=1, progress=False), len(hazards))


def test_abm_study_estimates_agree_with_the_closed_form(tmp_path):
    hazards = ["constant", "entrenchment", "power"]
    study = parse_study(_study("abm", 4.0, 300, hazards))
    _check_rows(run_study(study, tmp_path, workers=1, progress=False), len(hazards))


def test_the_dichotomy_study_asks_for_a_survival_curve():
    assert "dichotomy" in list_studies()
    study = load_study("dichotomy")
    assert "no_takeover_by" in study.outputs.estimands
    assert len(study.outputs.times) >= 8 and study.outputs.times[0] == 0.0
