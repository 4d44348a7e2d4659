"""Tests of ``supercoherence derive`` (src/supercoherence/cli/derive.py).

Run through ``supercoherence.cli.main`` with capsys; once through the installed
console script in a subprocess.  Reference values are the hand-derived ones of the
theory modules' own tests.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from supercoherence.cli import main
from supercoherence.cli.derive import RESULTS


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(["derive", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["derive", *argv]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert captured.out == ""
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "exact", "value"),
    [
        (["success", "-p", "gamma=2", "-p", "r=1"], "2/3", 2 / 3),
        (["takeover-probability", "-p", "a=0.5", "-p", "d=0.5", "-p", "gamma=1"], "1/8", 0.125),
        (["survival", "-p", "h=1/2", "-p", "horizon=4"], "exp(-2)", math.exp(-2)),
        (["never-overthrown", "-p", "h=2*exp(-t)"], "exp(-2)", math.exp(-2)),
        (["classify", "-p", "q=1/(n+2)**2"], "1/2", 0.5),
        (["recurrence-probability", "-p", "q=1/(n+2)**2"], "1/2", 0.5),
        (["extinction", "-p", "pgf=1/4 + s/4 + s**2/2"], "1/2", 0.5),
        (["extinction", "-p", "pgf=poisson", "-p", "m=1"], "1", 1.0),
        (["extinction", "-p", "m=2"], "-LambertW(-2*exp(-2))/2", 0.20318786997997995),
        (["progeny", "-p", "m=1/2"], "2", 2.0),
        (["perron-root", "-p", "matrix=[[1/2, 1/4], [1/4, 1/2]]"], "3/4", 0.75),
        (["competition", "-p", "alpha=0.5", "-p", "beta=0.5", "-p", "omega=0.2"], "3/5", 0.6),
        (["ruin", "-p", "p=1/2", "-p", "start=3", "-p", "total=10"], "7/10", 0.7),
        (["ruin-duration", "-p", "p=1/2", "-p", "start=3", "-p", "total=10"], "21", 21.0),
        (["drift", "-p", "rho=0.5", "-p", "n=3"], "1/8", 0.125),
        (["final-alignment", "-p", "q=1/4", "-p", "rho=1/2"], "2/5", 0.4),
        (
            [
                "spawn-rate",
                "-p",
                "nu=8",
                "-p",
                "theta_c=1",
                "-p",
                "dK=log(3)",
                "-p",
                "theta_s=0",
                "-p",
                "dT=0",
            ],
            "6",
            6.0,
        ),
        (
            [
                "absorption",
                "-p",
                "P=[[1,0,0],[1/2,0,1/2],[0,0,1]]",
                "-p",
                "start=1",
                "-p",
                "target=2",
            ],
            "1/2",
            0.5,
        ),
    ],
)
def test_json_record(capsys: pytest.CaptureFixture[str], argv: list, exact: str, value: float):
    record = _json(capsys, *argv)
    assert record["exact"] == exact
    assert record["value"] == pytest.approx(value, rel=1e-14)
    assert isinstance(record["latex"], str) and record["latex"]


def test_every_listed_result_is_tested_or_symbolic(capsys: pytest.CaptureFixture[str]) -> None:
    # A result without required parameters derives symbolically, value null.
    for name, spec in RESULTS.items():
        if spec.required:
            continue
        record = _json(capsys, name)
        assert set(record) >= {"exact", "value", "latex"}
    assert _json(capsys, "success")["exact"] == "gamma**r/(gamma**r + 1)"
    assert _json(capsys, "success")["value"] is None


def test_competition_reports_outcome_and_bistable_has_no_value(capsys) -> None:
    record = _json(capsys, "competition", "-p", "alpha=2", "-p", "beta=2")
    assert record["outcome"] == "bistable"
    assert record["value"] is None and record["exact"] == "nan"
    record = _json(capsys, "competition", "-p", "alpha=1/2", "-p", "beta=2", "-p", "omega=0")
    assert record["outcome"] == "mesa disappears" and record["value"] == 1.0
    record = _json(capsys, "competition", "-p", "alpha=1", "-p", "beta=1/2")
    assert record["outcome"] == "degenerate"


def test_classify_reports_outcome_and_reason(capsys) -> None:
    record = _json(capsys, "classify", "-p", "q=1/(n+2)")
    assert record["outcome"] == "supercoherence almost surely"
    assert record["exact"] == "0" and record["reason"]


def test_infinite_value_is_null_in_json(capsys) -> None:
    record = _json(capsys, "progeny", "-p", "m=2")
    assert record["exact"] == "oo" and record["value"] is None


def test_certified_numeric_result_carries_bounds(capsys) -> None:
    record = _json(capsys, "recurrence-probability", "-p", "q=exp(-n-1)")
    low, high = json.loads(record["bounds"])
    assert low <= record["value"] <= high


def test_latex_and_panel_output(capsys) -> None:
    assert main(["derive", "never-overthrown", "-p", "h=1/(1+t)**3", "--latex"]) == 0
    assert capsys.readouterr().out.strip() == r"e^{- \frac{1}{2}}"
    assert main(["derive", "extinction", "-p", "pgf=1/4 + s/4 + s**2/2"]) == 0
    out = capsys.readouterr().out
    assert "exact" in out and "1/2" in out and r"\frac{1}{2}" in out and "5/4" in out


def test_list_names_every_result_and_parameter(capsys) -> None:
    assert main(["derive", "--list"]) == 0
    out = capsys.readouterr().out
    for name, spec in RESULTS.items():
        assert name in out
        for param in spec.params:
            assert param in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["takeover-probability", "-p", "a=1.5"], "a = 3/2"),  # probability outside [0, 1]
        (["ruin", "-p", "p=-0.1", "-p", "start=1", "-p", "total=2"], "p"),
        (["success", "-p", "gama=2"], "did you mean 'gamma'"),  # unknown parameter
        (["success", "-p", "gamma=(1"], "gamma = '(1' is not a valid expression"),
        (["success", "-p", "gamma"], "name=value"),
        (["succes"], "did you mean 'success'"),  # unknown result
        (["survival"], "h = None"),  # missing required expression
        (["extinction", "-p", "pgf=1/2 - s/4 + 3*s**2/4"], "nonnegative coefficients"),
        (["extinction", "-p", "m=-1"], "m = -1"),
        (["competition", "-p", "alpha=-1", "-p", "beta=1"], "alpha = -1"),
        (["competition", "-p", "alpha=1", "-p", "beta=1", "-p", "omega=2"], "omega = 2"),
        (["absorption", "-p", "P=[[1,0],[1/2,2/5]]", "-p", "start=1", "-p", "target=0"], "P[1"),
        (["success", "-p", "gamma=2", "--json", "--latex"], "at most one"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv: list, needle: str) -> None:
    line = _error(capsys, *argv)
    assert line.startswith("error:")
    assert needle in line


def test_console_script_exits_2_with_one_line_in_a_subprocess() -> None:
    # One subprocess only (interpreter start-up plus sympy import cost seconds).
    script = Path(sys.executable).with_name("supercoherence")
    if not script.exists():
        pytest.skip("console script not installed next to the interpreter")
    bad = subprocess.run(
        [str(script), "derive", "takeover-probability", "-p", "d=2", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert len(bad.stderr.strip().splitlines()) == 1 and "d = 2" in bad.stderr


def test_stored_closed_forms_equal_a_fresh_derivation() -> None:
    # The start-up table (printed without sympy) must be what the registry derives now;
    # regenerate with supercoherence.cli.derive.write_closed_forms().
    from supercoherence.cli._closed_forms import RECORDS
    from supercoherence.cli.derive import closed_form_records

    fresh = closed_form_records()
    assert set(RECORDS) == set(fresh)
    for name, record in fresh.items():
        stored = RECORDS[name]
        assert [tuple(row) for row in stored["panel"]] == record["panel"], name
        for mode in ("json", "latex", "markdown"):
            assert stored[mode] == record[mode], (name, mode)


@pytest.mark.parametrize("flag", ["--json", "--latex", "--markdown", None])
def test_stored_and_computed_outputs_agree(capsys, flag: str | None) -> None:
    # `derive drift` is answered from the table; `derive drift -p n=n` computes.
    extra = [flag] if flag else []
    assert main(["derive", "drift", *extra]) == 0
    stored = capsys.readouterr().out
    assert main(["derive", "drift", "-p", "n=n", *extra]) == 0
    assert capsys.readouterr().out == stored


def test_json_never_puts_a_decimal_under_exact(capsys) -> None:
    record = _json(capsys, "recurrence-probability", "-p", "q=exp(-n)/2")
    assert record["exact"] is None and record["latex"] is None
    low, high = json.loads(record["bounds"])
    assert low <= record["value"] <= high and 0.365 < record["value"] < 0.366
    # an exact result keeps its exact form
    assert _json(capsys, "recurrence-probability", "-p", "q=1/(n+2)**2")["exact"] == "1/2"


def test_classify_latex_prints_the_condition_not_only_the_number(capsys) -> None:
    assert main(["derive", "classify", "-p", "q=1/(n+2)**2", "--latex"]) == 0
    out = capsys.readouterr().out
    assert r"\sum_{n \ge 0} q_n &< \infty" in out
    assert r"\prod_{n \ge 0} (1 - q_n) = \frac{1}{2} > 0" in out
    assert r"\text{recursion forever with positive probability}" in out
    assert main(["derive", "classify", "-p", "q=1/(n+2)", "--latex"]) == 0
    out = capsys.readouterr().out
    assert r"\sum_{n \ge 0} q_n &= \infty" in out
    assert r"\text{supercoherence almost surely}" in out


def test_markdown_block_renders_its_tex_through_dollar_math(capsys) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    dollarmath = pytest.importorskip("mdit_py_plugins.dollarmath")
    assert main(["derive", "classify", "-p", "q=1/(n+2)**2", "--markdown"]) == 0
    text = capsys.readouterr().out
    md = markdown_it.MarkdownIt().use(dollarmath.dollarmath_plugin)
    blocks = [t.content.strip() for t in md.parse(text) if t.type == "math_block"]
    from supercoherence.cli.derive import classification_latex

    assert blocks == [classification_latex("1/(n+2)**2")]
    assert "- outcome: recursion forever with positive probability" in text


def test_at_most_one_output_flag(capsys) -> None:
    line = _error(capsys, "success", "--json", "--markdown")
    assert "at most one" in line
