"""SIGKILL at random points, in a loop: resumed results identical, the folder verifies (slow)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas.testing as pdt
import pytest

from supercoherence.simulations import load_results, load_study, run_study, verify_study

STUDY = """
[study]
name = "killloop"
engine = "chain"
replicates = 1500
chunk = 250
horizon = inf
seed = 9

[parameters]
spawn_rate = { linspace = [0.5, 2.0, 12] }
entrenchment_rate = 0.5
drift = 0.8

[outputs]
estimands = ["supercoherence_by_horizon", "law_of_n", "mean_takeovers", "final_alignment"]
counts = [0, 1, 2]
"""
TOTAL_UNITS = 12 * 6


def _units(out: Path) -> int:
    folder = out / "units"
    return len(list(folder.glob("*.parquet"))) if folder.is_dir() else 0


@pytest.mark.slow
def test_repeated_sigkill_at_random_points_then_resume(tmp_path):
    path = tmp_path / "k.toml"
    path.write_text(STUDY)
    reference = run_study(load_study(path), tmp_path / "reference", workers=1)
    rng = random.Random(20240601)  # fixed seed: the kill points are reproducible
    out = tmp_path / "killed"
    kills = 0
    for _ in range(8):
        target = rng.randrange(0, TOTAL_UNITS + 1)  # stop after this many stored units
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "supercoherence",
                "study",
                "run",
                str(path),
                "--out",
                str(out),
                "--workers",
                "1",
                "--quiet",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while process.poll() is None and _units(out) < target and time.monotonic() < deadline:
            time.sleep(rng.uniform(0.0, 0.02))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            kills += 1
        process.wait()
    assert kills > 0
    resumed = run_study(load_study(path), out, workers=2)
    assert resumed.rejected == []  # a kill never leaves a damaged unit behind
    pdt.assert_frame_equal(resumed.estimates, reference.estimates)
    pdt.assert_frame_equal(load_results(out).estimates, reference.estimates)
    report = verify_study(out)
    assert report.ok, report.problems
    assert report.units == TOTAL_UNITS
