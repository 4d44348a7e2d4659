"""Running studies: reproducibility across workers and backends, closed forms, storage."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from supercoherence.cli import main
from supercoherence.errors import StudyFileError
from supercoherence.simulations import load_results, parse_study, run_study
from supercoherence.simulations.backends import DaskBackend
from supercoherence.simulations.presentation.labels import ESTIMATE_COLUMNS

CHAIN = {
    "study": {
        "name": "tiny",
        "engine": "chain",
        "replicates": 1200,
        "chunk": 300,
        "horizon": math.inf,
        "seed": 11,
    },
    "parameters": {
        "spawn_rate": {"values": [0.5, 2.0]},
        "entrenchment_rate": 0.5,
        "drift": 0.8,
        "hazard": {"values": ["entrenchment", "power"]},
    },
    "outputs": {
        "estimands": ["supercoherence_by_horizon", "law_of_n", "mean_takeovers", "final_alignment"],
        "counts": [0, 1, 3],
        "boundary": True,
    },
}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    study = parse_study(CHAIN)
    return run_study(study, tmp_path_factory.mktemp("ref"), workers=1)


def test_estimates_reload_with_pandas_and_match_the_contract(reference):
    frame = pd.read_parquet(reference.directory / "estimates.parquet")
    # the contract of docs/ARCHITECTURE.md (the columns the presentation layer reads)
    for column in ("spawn_rate", *ESTIMATE_COLUMNS):
        assert column in frame.columns
    assert (frame["replicates"] == 1200).all()
    assert (frame["ci_low"] <= frame["estimate"]).all()
    assert (frame["estimate"] <= frame["ci_high"]).all()
    manifest = reference.manifest
    assert manifest["status"] == "complete" and manifest["seeds"]["study_seed"] == 11
    assert "numpy" in manifest["versions"] and "machine" in manifest
    assert (reference.directory / "run.log").read_text().count("complete") == 1


def test_every_closed_form_agrees_within_four_standard_errors(reference):
    frame = reference.estimates
    with_exact = frame[frame["exact"].notna()]
    # every estimand of this study has a closed form at infinite horizon
    assert len(with_exact) == len(frame)
    assert not frame["flag"].any(), frame[frame["flag"]]
    assert (with_exact["z"].abs() < 4).all()


def test_boundary_sits_beside_the_classification(reference):
    boundary = reference.boundary
    assert len(boundary) == 4
    # entrenchment: q_n = exp(-h/delta) > 0 for all n, so supercoherence almost surely
    entrenched = boundary[boundary["hazard"] == "entrenchment"]
    assert set(entrenched["classification"]) == {"supercoherence almost surely"}
    assert (entrenched["ci_high"] >= 0.999).all()


def test_results_do_not_depend_on_workers_tasks_or_backend(reference, tmp_path):
    study = parse_study(CHAIN)
    pool = run_study(study, tmp_path / "pool", workers=2)
    pdt.assert_frame_equal(pool.estimates, reference.estimates)
    small_tasks = run_study(study, tmp_path / "tasks", workers=1, task_units=3)
    pdt.assert_frame_equal(small_tasks.estimates, reference.estimates)
    with DaskBackend("local", 2, processes=False) as backend:
        dask = run_study(study, tmp_path / "dask", backend=backend)
    pdt.assert_frame_equal(dask.estimates, reference.estimates)
    assert "dask LocalCluster" in dask.manifest["backend"]


def test_small_studies_run_in_process_unless_a_pool_pays(reference, tmp_path, monkeypatch):
    from supercoherence.simulations import runner

    study = parse_study(CHAIN)
    auto = run_study(study, tmp_path / "auto")  # workers not given: the runner chooses
    assert auto.manifest["backend"].startswith("in-process (automatic")
    pdt.assert_frame_equal(auto.estimates, reference.estimates)
    if (runner.os.cpu_count() or 1) < 2:
        pytest.skip("one CPU: a pool never pays")
    monkeypatch.setattr(runner, "PROBE_SECONDS", 0.0)
    monkeypatch.setattr(runner, "pool_pays", lambda remaining, workers: True)
    pooled = run_study(study, tmp_path / "pooled")
    assert pooled.manifest["backend"].startswith("process pool")
    pdt.assert_frame_equal(pooled.estimates, reference.estimates)


@pytest.mark.parametrize(
    "estimands",
    [
        # times and drift: streamed chunk by chunk
        ["no_takeover_by", "no_takeover_after", "last_takeover_time", "final_alignment"],
        # functions of N alone at T = oo: from the tally path's counts
        ["law_of_n", "supercoherence_by_horizon", "mean_takeovers"],
    ],
)
def test_streamed_unit_statistics_are_those_of_the_whole_table(estimands):
    from supercoherence.simulations.engines import get_engine
    from supercoherence.simulations.estimands import statistics
    from supercoherence.simulations.runner import _requests

    outputs = {**CHAIN["outputs"], "estimands": estimands, "times": [0.5, 2.0]}
    study = parse_study({**CHAIN, "outputs": outputs})
    engine, requests = get_engine("chain"), _requests(study)
    for point in study.points:
        seed = np.random.SeedSequence(3, spawn_key=(1, 2))
        kwargs = {"horizon": study.horizon, "options": study.engine_options}
        streamed, _, _ = engine.unit_statistics(point, 700, seed, requests=requests, **kwargs)
        table = engine.simulate(point, 700, seed, **kwargs)
        whole = statistics(table, requests, study.horizon)
        for name, column in whole.items():
            nan = column.dtype.kind == "f"
            assert np.array_equal(streamed[name], column, equal_nan=nan), name


def test_a_different_seed_gives_different_numbers(reference, tmp_path):
    data = {**CHAIN, "study": {**CHAIN["study"], "seed": 12}}
    other = run_study(parse_study(data), tmp_path, workers=1)
    assert not np.array_equal(other.estimates["estimate"], reference.estimates["estimate"])


def test_rerun_reuses_units_and_refuses_another_study(reference):
    again = run_study(parse_study(CHAIN), reference.directory, workers=1)
    assert again.manifest["units_computed"] == 0 and again.manifest["resumed"]
    pdt.assert_frame_equal(again.estimates, reference.estimates)
    changed = {**CHAIN, "study": {**CHAIN["study"], "replicates": 600}}
    with pytest.raises(StudyFileError, match="different study"):
        run_study(parse_study(changed), reference.directory, workers=1)


def test_poisson_closed_forms_at_a_finite_horizon(tmp_path):
    study = parse_study(
        {
            "study": {
                "name": "poisson",
                "engine": "chain",
                "replicates": 4000,
                "horizon": 5.0,
                "seed": 3,
            },
            "parameters": {"hazard": "constant", "spawn_rate": 1.0, "drift": 0.5},
            "outputs": {
                "estimands": [
                    "no_takeover_after",
                    "mean_takeovers",
                    "last_takeover_time",
                    "final_alignment",
                    "supercoherence_by_horizon",
                ],
                "times": [2.0, 4.5],
            },
        }
    )
    frame = run_study(study, tmp_path, workers=1).estimates
    assert frame["exact"].notna().all()
    assert (frame["z"].abs() < 4).all(), frame
    h = 0.125  # lambda (1 - a)(1 - d) s(1) = 1 * 0.5 * 0.5 * 0.5 with the defaults
    after = frame[(frame["estimand"] == "no_takeover_after") & (frame["at"] == 2.0)]
    assert after["exact"].iloc[0] == pytest.approx(math.exp(-h * 3.0))


def test_competition_engine_matches_the_invasion_analysis(tmp_path):
    study = parse_study(
        {
            "study": {
                "name": "lv",
                "engine": "competition",
                "replicates": 200,
                "horizon": 60.0,
                "seed": 2,
            },
            "parameters": {
                "alpha": {"values": [0.5, 2.0]},
                "beta": {"values": [0.5, 2.0]},
                "alignment": 0.2,
            },
            "outputs": {
                "estimands": ["mesa_takes_over", "mesa_disappears", "coexistence", "coherence"],
                "boundary": True,
            },
        }
    )
    results = run_study(study, tmp_path, workers=1)
    frame = results.estimates
    decided = frame[frame["exact"].notna()]
    assert len(decided) == 9  # three decided points x three outcome probabilities
    assert not decided["flag"].any()
    bistable = results.boundary[results.boundary["classification"] == "bistable"]
    assert 0 < bistable["estimate"].iloc[0] < 1  # incumbency decides: both outcomes occur


def test_sobol_indices_from_a_saltelli_design(tmp_path):
    study = parse_study(
        {
            "study": {
                "name": "sa",
                "engine": "chain",
                "replicates": 200,
                "seed": 9,
                "design": "saltelli",
                "samples": 8,
            },
            "parameters": {
                "spawn_rate": {"distribution": "uniform", "low": 0.1, "high": 3.0},
                "drift": {"distribution": "uniform", "low": -1.0, "high": 1.0},
            },
            "outputs": {"estimands": ["mean_takeovers"], "sensitivity": ["mean_takeovers"]},
        }
    )
    results = run_study(study, tmp_path, workers=1)
    sens = results.sensitivity.set_index("parameter")
    assert len(results.points) == 8 * 4
    # E[N] depends on the spawn rate, not on the drift
    assert sens.loc["spawn_rate", "ST"] > sens.loc["drift", "ST"]


def test_command_line_run_summarize_compare_and_errors(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(
        '[study]\nname = "cli"\nengine = "chain"\nreplicates = 300\nseed = 1\n'
        "[parameters]\nspawn_rate = { values = [1.0, 2.0] }\n"
        '[outputs]\nestimands = ["mean_takeovers"]\n'
    )
    out = tmp_path / "out"
    assert main(["study", "run", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert load_results(out).estimates.shape[0] == 2
    assert main(["study", "summarize", str(out)]) == 0
    assert main(["study", "compare", str(out), str(out)]) == 0
    assert "0 of 2 rows differ" in capsys.readouterr().out
    path.write_text('[study]\nname = "cli"\nengine = "chain"\nreplicates = -3\n')
    assert main(["study", "validate", str(path)]) == 2
    assert "study.replicates" in capsys.readouterr().err
