"""Estimates affected by the chain's cap ``max_takeovers`` are marked censored (issue 17, s. 3).

They are compared only with the closed form of the same capped quantity, or not at all,
and the command line and the report say so in words.
"""

from __future__ import annotations

import math

import pytest

from supercoherence.cli import main
from supercoherence.simulations import parse_study, run_study
from supercoherence.simulations.presentation.report import write_report


def _run(tmp_path, parameters, horizon, estimands, **outputs):
    study = parse_study(
        {
            "study": {
                "name": "cap",
                "engine": "chain",
                "replicates": 200,
                "seed": 7,
                "horizon": horizon,
            },
            "parameters": parameters,
            "outputs": {"estimands": estimands, **outputs},
        }
    )
    return run_study(study, tmp_path / "out", workers=1).estimates.set_index("estimand")


def test_constant_hazard_at_infinite_horizon_is_censored_and_compared_as_capped(tmp_path):
    rows = _run(
        tmp_path,
        {"hazard": "constant"},
        math.inf,
        ["mean_takeovers", "supercoherence_by_horizon", "no_takeover_by"],
        times=[1.0],
    )
    mean = rows.loc["mean_takeovers"]
    # every chain hits M = 1000: E[min(N, M)] = 1000 is estimated, flagged as such;
    # the closed form beside it is that of the same capped quantity
    assert mean["estimate"] == 1000 and mean["censored_share"] == 1.0 and mean["censored"]
    assert mean["exact"] == 1000
    assert not rows.loc["no_takeover_by"]["censored"]  # the first tenure is never capped


def test_a_long_finite_horizon_is_censored_and_not_compared(tmp_path):
    rows = _run(
        tmp_path,
        {"hazard": "constant"},
        1e9,
        ["mean_takeovers", "last_takeover_time"],
    )
    for name in ("mean_takeovers", "last_takeover_time"):
        assert rows.loc[name]["censored_share"] == 1.0
        assert math.isnan(rows.loc[name]["exact"]) and math.isnan(rows.loc[name]["z"])
    assert rows.loc["mean_takeovers"]["estimate"] == 1000  # not E[N_T] = 1.25e8


def test_tiny_entrenchment_is_censored_not_exact_zero_unmarked(tmp_path):
    rows = _run(
        tmp_path,
        {"hazard": "entrenchment", "entrenchment_rate": 1e-9},
        math.inf,
        ["supercoherence_by_horizon"],
    )
    row = rows.loc["supercoherence_by_horizon"]
    assert row["estimate"] == 0 and row["censored"] and row["censored_share"] == 1.0


def test_a_study_without_cap_hits_is_not_censored(tmp_path):
    rows = _run(
        tmp_path, {"hazard": "entrenchment", "entrenchment_rate": 0.5}, math.inf, ["mean_takeovers"]
    )
    assert rows.loc["mean_takeovers"]["censored_share"] == 0 and not rows["censored"].any()


def test_the_command_line_and_the_report_say_so_in_words(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(
        '[study]\nname = "cap"\nengine = "chain"\nreplicates = 100\nseed = 1\nhorizon = inf\n'
        '[parameters]\nhazard = "constant"\n[outputs]\nestimands = ["mean_takeovers"]\n'
    )
    out = tmp_path / "out"
    assert main(["study", "run", str(path), "--out", str(out), "--workers", "1"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "1000 (capped)" in text
    assert "1 of 1 estimates are censored" in text
    assert "e.g. E[min(N, 1000)]), not the uncensored value" in text
    report_path = write_report(out)
    report = report_path.read_text()
    # the post-sized report says so in words; the full table (in the appendix) marks the value
    appendix = report_path.with_name("report-appendix.md")
    tables = report + (appendix.read_text() if appendix.exists() else "")
    assert "**Censored estimates.**" in report and "1000 (capped)" in tables


@pytest.mark.parametrize("cap", [5])
def test_law_of_n_at_the_cap_is_censored_below_it_not(tmp_path, cap):
    study = parse_study(
        {
            "study": {"name": "law", "engine": "chain", "replicates": 300, "seed": 2},
            "engine": {"max_takeovers": cap},
            "parameters": {"hazard": "entrenchment", "entrenchment_rate": 1.0},
            "outputs": {"estimands": ["law_of_n"], "counts": [0, cap]},
        }
    )
    rows = run_study(study, tmp_path / "o", workers=1).estimates.set_index("at")
    assert rows.loc[0.0, "censored_share"] == 0
    assert rows.loc[float(cap), "censored"] == (rows.loc[float(cap), "estimate"] > 0)
    assert abs(rows.loc[float(cap), "z"]) < 4  # compared with P(N >= M), the same quantity
