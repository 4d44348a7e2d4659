"""The real ``supercoherence demo`` (the shipped study, full size) once, and its rerun.

Its run time is measured in benchmarks/, never asserted here: a loaded machine is slow.
"""

from __future__ import annotations

import json
from pathlib import Path

from supercoherence.cli import main
from supercoherence.simulations.presentation.graphs import read_graph


def test_demo_runs_writes_the_report_and_resumes(tmp_path: Path, capsys) -> None:
    assert main(["demo", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "P(supercoherence): Monte Carlo vs exact" in printed
    # exact P(supercoherence) = 1 - prod(1 - q_n) at the weakening-entrenchment points
    assert "0.6637" in printed and "0.9745" in printed
    assert "supercoherence a.s." in printed and "recursion forever w.p. > 0" in printed
    assert "0 flagged" in printed
    report = tmp_path / "results" / "report.md"
    assert report.exists() and (tmp_path / "results" / "report.html").exists()
    assert (tmp_path / "results" / "figures" / "survival.png").exists()
    # One representative run's nesting tree and lineage, with the drawing's attributes.
    graphs = tmp_path / "results" / "graphs"
    lineage = read_graph(graphs / "lineage_step_30.graphml")
    nesting = read_graph(graphs / "nesting_step_30.graphml")
    assert all({"time", "alignment"} <= set(a) for _, a in lineage.nodes(data=True))
    assert all({"alignment_class", "x", "y"} <= set(a) for _, a in nesting.nodes(data=True))
    assert (graphs / "lineage_step_30.png").exists() and "representative Mesa run" in printed
    # A positive P(recur forever) is never printed as 0.0000 beside "w.p. > 0".
    for line in printed.splitlines():
        if "w.p. > 0" in line:
            assert "0.0000 " not in line.split("]")[-1], line
    # Rerun: nothing is recomputed.
    assert main(["demo", "--out", str(tmp_path), "--quiet"]) == 0
    manifest = json.loads((tmp_path / "results" / "manifest.json").read_text())
    assert manifest["runs"] == 2 and manifest["units_computed"] == 0
    assert str(report) in capsys.readouterr().out


def test_progress_bar_ends_with_done_not_zero_time_left() -> None:
    # The bar used to end as "0:02:06 left 0:00:00".
    from supercoherence.simulations.runner import _progress

    bar = _progress(True, "study", 10)
    advance = bar.__enter__()
    try:
        advance(5)
        advance(5)
        state = bar._bar.tasks[0]
        assert state.finished and state.fields["left"] == "done"
        rendered = " ".join(str(column.render(state)) for column in bar._bar.columns[-2:])
        assert "done" in rendered and "left" not in rendered
    finally:
        bar.__exit__(None, None, None)
