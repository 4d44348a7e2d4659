"""The real ``supercoherence demo`` (the shipped study, full size) once, and its rerun.

Its run time is measured in benchmarks/, never asserted here: a loaded machine is slow.
"""

from __future__ import annotations

import json
from pathlib import Path

from supercoherence.cli import main


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
    # Rerun: nothing is recomputed.
    assert main(["demo", "--out", str(tmp_path), "--quiet"]) == 0
    manifest = json.loads((tmp_path / "results" / "manifest.json").read_text())
    assert manifest["runs"] == 2 and manifest["units_computed"] == 0
    assert str(report) in capsys.readouterr().out
