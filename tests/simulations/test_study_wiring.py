"""The interacting nested model, the verdict, the selection engine and declared outputs
wired into the study pipeline (issues 10, 11, 14, 18); every shipped study at tiny size.

Tolerances: Monte Carlo agreement within 4 standard errors (the pipeline's flag).
"""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pandas as pd
import pytest

from supercoherence.cli import main
from supercoherence.errors import StudyFileError
from supercoherence.simulations import run_study, verify_study
from supercoherence.simulations.engines import get_engine
from supercoherence.simulations.study import parse_study
from supercoherence.studies import list_studies, study_path


def _tiny(name: str) -> dict:
    data = tomllib.loads(study_path(name).read_text(encoding="utf-8"))
    study = data["study"]
    engine = study["engine"]
    study["replicates"] = 12 if engine == "abm" else 60
    study["chunk"] = min(study.get("chunk", study["replicates"]), study["replicates"] // 2)
    if study.get("design") == "saltelli":
        study["samples"] = 8
    outputs = data.get("outputs", {})
    if engine == "chain":
        # the certified classification of 50 points costs minutes (theory.recursion);
        # the slow tier (test_study_shipped.py) runs it, this tier checks the pipeline
        outputs["boundary"] = False
    if isinstance(outputs.get("verdict"), dict):
        outputs["verdict"]["bootstrap"] = 10
    return data


@pytest.mark.parametrize("name", list_studies())
def test_every_shipped_study_runs_at_tiny_size(name, tmp_path) -> None:
    study = parse_study(_tiny(name), source=str(study_path(name)))
    results = run_study(study, tmp_path / name, workers=1)
    assert len(results.estimates) > 0
    assert results.estimates["estimate"].notna().any()
    assert verify_study(tmp_path / name).ok
    if study.outputs.verdict:
        assert results.verdict is not None and len(results.verdict) == len(study.points)
        if study.outputs.boundary:  # chain studies run here without it (see _tiny)
            assert {"estimated_outcome", "support", "recurrence"} <= set(results.boundary.columns)


def _abm(parameters: dict, outputs: dict | None = None, **study) -> dict:
    return {
        "study": {"name": "abm", "engine": "abm", "replicates": 40, "horizon": 6, "seed": 5}
        | study,
        "engine": {"nesting": True},
        "parameters": parameters,
        "outputs": outputs
        or {"estimands": ["no_takeover_by", "law_of_n"], "times": [3.0, 6.0], "counts": [0]},
    }


def test_abm_engine_takes_the_interaction_and_reports_no_closed_form_away_from_the_limit(
    tmp_path,
) -> None:
    engine = get_engine("abm")
    assert {"challenge_rate", "resource_elasticity", "optimizerness"} <= set(
        engine.parameter_names()
    )
    point = {"spawn_rate": 2.0, "hazard": "constant", "challenge_rate": 1.0, "active_share": 1.0}
    assert math.isnan(engine.exact(point, "no_takeover_by", 3.0, horizon=6.0, options={}))
    assert engine.classify(point, options={}) == "no closed form"
    limit = {"spawn_rate": 2.0, "hazard": "constant"}
    assert engine.exact(limit, "no_takeover_by", 3.0, horizon=6.0, options={}) > 0
    study = parse_study(_abm({**point, "challenge_rate": {"values": [0.0, 2.0]}}))
    results = run_study(study, tmp_path / "abm", workers=1)
    est = results.estimates
    assert est["exact"].isna().all() and not est["flag"].any()
    assert est[["independent", "mean_field"]].notna().any().all()
    # the independent-contest column is the closed form exp(-Lambda_0(t)) at every point
    rows = est[(est["estimand"] == "no_takeover_by") & (est["at"] == 3.0)]
    assert np.allclose(rows["independent"], math.exp(-3.0 * 2.0 / 8))


def test_bad_interaction_parameters_are_refused_at_load_time() -> None:
    with pytest.raises(StudyFileError, match="resource_elasticity"):
        parse_study(_abm({"resource_elasticity": 1.5}))
    with pytest.raises(StudyFileError, match="chalenge_rate"):
        parse_study(_abm({"chalenge_rate": 1.0}))


def test_events_and_verdict_are_stored_and_printed(tmp_path, capsys) -> None:
    data = {
        "study": {"name": "v", "engine": "chain", "replicates": 400, "horizon": 20.0, "seed": 2},
        "parameters": {"spawn_rate": 4.0, "hazard": {"values": ["constant", "entrenchment"]}},
        "outputs": {
            "estimands": ["supercoherence_by_horizon", "mean_takeovers"],
            "boundary": True,
            "verdict": {"pooled": True, "bootstrap": 20},
        },
    }
    out = tmp_path / "v"
    results = run_study(parse_study(data), out, workers=1)
    events = pd.read_parquet(out / "events.parquet")
    assert set(events["point"]) == {0, 1} and events["replicate"].max() == 399
    boundary = results.boundary.set_index("hazard")
    constant = boundary.loc["constant"]
    assert constant["classification"] == constant["estimated_outcome"]
    assert boundary.loc["entrenchment", "estimated_outcome"] == "supercoherence almost surely"
    assert verify_study(out).ok
    assert main(["study", "verdict", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Lambda_n(oo) = oo: q_n = 0" in printed and "point 1:" in printed


def test_verdict_command_without_events_says_what_to_do(tmp_path, capsys) -> None:
    data = {
        "study": {"name": "n", "engine": "chain", "replicates": 20, "seed": 2},
        "outputs": {"estimands": ["mean_takeovers"]},
    }
    run_study(parse_study(data), tmp_path / "n", workers=1)
    assert main(["study", "verdict", str(tmp_path / "n")]) == 2
    assert "verdict = true" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("outputs", "key", "words"),
    [
        ({"figures": ["phaze"]}, "outputs.figures", "did you mean 'phase'"),
        ({"figures": ["law_of_n"]}, "outputs.figures", "needs the estimand law_of_n"),
        ({"graphs": ["lineage"]}, "outputs.graphs", "export graph"),
        ({"events_horizon": 5.0}, "outputs.events_horizon", "without outputs.events"),
        ({"verdict": True}, "outputs.events_horizon", "infinite"),
        ({"verdict": {"bootstrapp": 10}}, "outputs.verdict.bootstrapp", "did you mean"),
        ({"verdict": True, "events": False}, "outputs.events", "needs the event table"),
    ],
)
def test_every_output_key_is_honoured_or_refused(outputs, key, words) -> None:
    data = {
        "study": {"name": "o", "engine": "chain", "seed": 1},
        "outputs": {"estimands": ["mean_takeovers"], **outputs},
    }
    with pytest.raises(StudyFileError, match=key.replace(".", r"\.")) as info:
        parse_study(data)
    assert words in str(info.value)


def test_events_need_an_engine_with_levels() -> None:
    data = {
        "study": {"name": "c", "engine": "competition", "seed": 1},
        "outputs": {"estimands": ["coexistence"], "events": True},
    }
    with pytest.raises(StudyFileError, match="no per-level event table"):
        parse_study(data)


def test_points_the_model_ignores_are_simulated_once_and_shared(tmp_path) -> None:
    data = {
        "study": {"name": "s", "engine": "chain", "replicates": 300, "chunk": 100, "seed": 9},
        "parameters": {
            "hazard": {"values": ["constant", "entrenchment"]},
            "entrenchment_rate": {"values": [0.5, 1.0]},
        },
        "outputs": {"estimands": ["mean_takeovers", "law_of_n"], "counts": [0, 1]},
    }
    study = parse_study(data)
    assert study.shared_points() == {1: 0}  # constant: entrenchment is ignored
    one = run_study(study, tmp_path / "one", workers=1).estimates
    two = run_study(study, tmp_path / "two", workers=2).estimates
    pd.testing.assert_frame_equal(one, two)
    by_point = {p: rows["estimate"].to_numpy() for p, rows in one.groupby("point")}
    assert np.array_equal(by_point[0], by_point[1])
    assert not np.array_equal(by_point[2], by_point[3])
    assert verify_study(tmp_path / "one").ok


def test_selection_engine_fixation_agrees_with_moran(tmp_path) -> None:
    data = {
        "study": {"name": "sel", "engine": "selection", "replicates": 3000, "seed": 4},
        "engine": {"population_size": 10, "initial": 2},
        "parameters": {"search_advantage": {"values": [0.0, 0.125, 0.4]}},
        "outputs": {"estimands": ["fixation", "coherent_share"], "boundary": True},
    }
    results = run_study(parse_study(data), tmp_path / "sel", workers=1)
    est = results.estimates
    assert est["exact"].notna().all() and not est["flag"].any()
    assert results.boundary["classification"].tolist() == [
        "coherent survives",
        "coherent survives",
        "coherent outcompeted",
    ]


def test_selection_engine_refuses_bad_options_and_hazards() -> None:
    base = {
        "study": {"name": "sel", "engine": "selection", "seed": 4},
        "outputs": {"estimands": ["fixation"]},
    }
    with pytest.raises(StudyFileError, match="engine.initial"):
        parse_study({**base, "engine": {"population_size": 5, "initial": 5}})
    with pytest.raises(StudyFileError, match="parameters.hazard"):
        parse_study({**base, "parameters": {"hazard": "entrenchment"}})
    with pytest.raises(StudyFileError, match="initial_coherent_share"):
        parse_study({**base, "parameters": {"initial_coherent_share": 0.5}})
