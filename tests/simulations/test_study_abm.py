"""Studies on the Mesa model (engine ``abm``): options, time series, closed forms, workers."""

from __future__ import annotations

import math

import networkx as nx
import pandas as pd
import pandas.testing as pdt
import pytest

from supercoherence.errors import StudyFileError
from supercoherence.models.nested import cais_chain
from supercoherence.models.nested.simulate import TIMESERIES_COLUMNS
from supercoherence.simulations import load_study, parse_study, run_study

#: The consolidated time series: the study's ``point``, then the model's columns.
SERIES_COLUMNS = ["point", *TIMESERIES_COLUMNS]

NESTED = {
    "study": {"name": "tiny-abm", "engine": "abm", "replicates": 12, "chunk": 5, "horizon": 4},
    "engine": {"nesting": True, "graph": {"kind": "balanced_tree", "branching": 2, "height": 1}},
    "parameters": {
        "spawn_rate": {"values": [0.5, 2.0]},
        "hazard": "entrenchment",
        "entrenchment_rate": 0.5,
        "drift": 0.8,
    },
    "outputs": {
        "estimands": ["mean_takeovers", "coherence", "size", "depth", "nested_takeovers"],
        "timeseries": True,
    },
}


def _with(data: dict, table: str, **changes) -> dict:
    return {**data, table: {**data.get(table, {}), **changes}}


@pytest.fixture(scope="module")
def nested(tmp_path_factory):
    return run_study(parse_study(NESTED), tmp_path_factory.mktemp("abm"), workers=1)


def test_timeseries_reloads_with_pandas_with_the_contract_columns(nested):
    frame = pd.read_parquet(nested.directory / "timeseries.parquet")
    assert list(frame.columns[: len(SERIES_COLUMNS)]) == SERIES_COLUMNS
    # 2 points x 12 replicates x (horizon 4 + the initial state)
    assert len(frame) == 2 * 12 * 5
    assert sorted(frame["point"].unique()) == [0, 1]
    assert frame.groupby("point")["replicate"].nunique().tolist() == [12, 12]
    assert frame["step"].between(0, 4).all()
    keys = frame[["point", "replicate", "step"]].to_numpy().tolist()
    assert keys == sorted(keys)  # consolidated in (point, replicate, step) order
    assert (frame.loc[frame["step"] == 0, "size"] == 3).all()  # the balanced tree 2 x 1
    pdt.assert_frame_equal(nested.timeseries, frame)


def test_the_last_step_of_the_series_is_the_replicate_table(nested):
    frame = nested.timeseries
    last = frame[frame["step"] == 4].groupby("point")[["size", "depth"]].mean()
    estimates = nested.estimates.set_index(["point", "estimand"])["estimate"]
    for point in (0, 1):
        assert last.loc[point, "size"] == pytest.approx(estimates[(point, "size")], rel=1e-12)
        assert last.loc[point, "depth"] == pytest.approx(estimates[(point, "depth")], rel=1e-12)


def test_results_are_identical_on_two_workers(nested, tmp_path):
    two = run_study(parse_study(NESTED), tmp_path, workers=2)
    pdt.assert_frame_equal(two.estimates, nested.estimates)
    pdt.assert_frame_equal(two.timeseries, nested.timeseries)


def test_resume_recomputes_a_unit_killed_between_its_series_and_its_statistics(nested, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(nested.directory, copy)
    (copy / "units" / "p000001_c000002.parquet").unlink()  # series stored, statistics not
    (copy / "timeseries.parquet").unlink()
    resumed = run_study(parse_study(NESTED), copy, workers=1)
    assert resumed.manifest["units_computed"] == 1
    pdt.assert_frame_equal(resumed.estimates, nested.estimates)
    pdt.assert_frame_equal(resumed.timeseries, nested.timeseries)


@pytest.mark.parametrize(
    ("engine", "key", "words"),
    [
        ({"nestng": True}, "engine.nestng", "did you mean 'nesting'?"),
        ({"remove_detectd": False}, "engine.remove_detectd", "did you mean 'remove_detected'?"),
        ({"max_agents": 100}, "engine.max_agents", "allowed: nesting, graph"),
        ({"resource_share": 1.5}, "engine.resource_share", "[0, 1]"),
        ({"nesting": "yes"}, "engine.nesting", "expected bool"),
        ({"graph": "balanced"}, "engine.graph", "did you mean 'balanced_tree'?"),
        ({"graph": {"kind": "cais_chain", "lenght": 3}}, "engine.graph.lenght", "'length'"),
        ({"graph": {"kind": "balanced_tree", "branching": 2}}, "engine.graph.height", "missing"),
        ({"graph": {"kind": "cais_chain", "length": 0}}, "engine.graph.length", ">= 1"),
        ({"graph": "nowhere.graphml"}, "engine.graph", "no GraphML file"),
    ],
)
def test_bad_engine_options_name_the_key(engine, key, words):
    with pytest.raises(StudyFileError) as info:
        parse_study({**NESTED, "engine": engine})
    assert info.value.key == key
    assert words in str(info.value)


def test_horizon_must_count_whole_steps_and_timeseries_needs_the_abm():
    with pytest.raises(StudyFileError, match="whole number") as info:
        parse_study(_with(NESTED, "study", horizon=4.5))
    assert info.value.key == "study.horizon"
    chain = _with(_with(NESTED, "study", engine="chain"), "outputs", estimands=["mean_takeovers"])
    chain = {key: value for key, value in chain.items() if key != "engine"}
    with pytest.raises(StudyFileError, match="only 'abm'") as info:
        parse_study(chain)
    assert info.value.key == "outputs.timeseries"


def test_a_graphml_path_is_read_relative_to_the_study_file(tmp_path):
    nx.write_graphml(cais_chain(3), tmp_path / "chain.graphml")
    (tmp_path / "study.toml").write_text(
        '[study]\nname = "g"\nengine = "abm"\nreplicates = 3\nhorizon = 2\n'
        '[engine]\ngraph = "chain.graphml"\nnesting = true\n'
        "[parameters]\nspawn_rate = 1.0\n"
        '[outputs]\nestimands = ["size", "law_of_n"]\ncounts = [0]\ntimeseries = true\n'
    )
    study = load_study(tmp_path / "study.toml")
    assert study.engine_options["graph"]["path"] == str((tmp_path / "chain.graphml").resolve())
    results = run_study(study, tmp_path / "out", workers=1)
    assert (results.timeseries.loc[results.timeseries["step"] == 0, "size"] == 3).all()
    assert results.estimates["exact"].isna().all()  # the file's root may start anywhere


CLOSED = {
    "study": {
        "name": "abm-closed-forms",
        "engine": "abm",
        "replicates": 1500,
        "chunk": 500,
        "horizon": 6,
        "seed": 5,
    },
    "engine": {"nesting": False},
    "parameters": {
        "spawn_rate": 0.8,
        "alignment_skill": 0.4,
        "detection": 0.3,
        "hazard": {"values": ["constant", "entrenchment"]},
        "entrenchment_rate": 0.4,
        "drift": 0.7,
    },
    "outputs": {
        "estimands": [
            "no_takeover_after",
            "law_of_n",
            "mean_takeovers",
            "final_alignment",
            "last_takeover_time",
            "supercoherence_by_horizon",
        ],
        "times": [0.0, 2.5],
        "counts": [0, 1, 2],
    },
}


@pytest.mark.slow  # about a minute: the Mesa model at study size
def test_nesting_off_estimates_agree_with_the_closed_forms(tmp_path):
    results = run_study(parse_study(CLOSED), tmp_path, workers=1)
    frame = results.estimates
    with_exact = frame[frame["exact"].notna()]
    constant = with_exact[with_exact["hazard"] == "constant"]
    # constant hazard: N_T ~ Poisson(hT), every estimand has its closed form
    assert len(constant) == len(frame[frame["hazard"] == "constant"])
    entrenched = with_exact[with_exact["hazard"] == "entrenchment"]
    assert set(zip(entrenched["estimand"], entrenched["at"].fillna(-1), strict=True)) == {
        ("no_takeover_after", 0.0),
        ("law_of_n", 0.0),
        ("law_of_n", 1.0),
        ("supercoherence_by_horizon", -1.0),
    }
    assert (with_exact["z"].abs() < 4).all(), with_exact[with_exact["z"].abs() >= 4]
    assert not frame["flag"].any()
    # the checks have teeth: P(N_T = 1) is far from P(N_T = 0) at these points
    law = entrenched.set_index("at").loc[[0.0, 1.0]]
    law = law[law["estimand"] == "law_of_n"]["exact"]
    assert abs(law.loc[0.0] - law.loc[1.0]) > 0.05


def test_the_shipped_nested_study_parses_with_timeseries_and_nesting():
    study = load_study("nested")
    assert study.engine == "abm" and study.outputs.timeseries
    assert study.engine_options["nesting"] and study.engine_options["remove_detected"]
    assert study.horizon <= 20 and not math.isinf(study.horizon)
