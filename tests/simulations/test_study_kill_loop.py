"""SIGKILL at random points, in a loop: resumed results identical, the folder verifies (slow)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time

import pandas.testing as pdt
import pytest

from supercoherence.simulations import load_results, load_study, run_study, verify_study

POINTS, CHUNKS = 12, 6  # 1500 replicates in units of 250
TOTAL_UNITS = POINTS * CHUNKS


@pytest.mark.slow
def test_repeated_sigkill_at_random_points_then_resume(tmp_path, chain_study, study_process):
    path = tmp_path / "k.toml"
    path.write_text(chain_study("killloop", replicates=1500, points=POINTS, seed=9))
    reference = run_study(load_study(path), tmp_path / "reference", workers=1)
    rng = random.Random(20240601)  # fixed seed: the kill points are reproducible
    out = tmp_path / "killed"
    kills = 0
    for _ in range(8):
        target = rng.randrange(0, TOTAL_UNITS + 1)  # stop after this many stored units
        process = study_process.start(
            path, out, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 120
        while (
            process.poll() is None
            and len(study_process.units(out)) < target
            and time.monotonic() < deadline
        ):
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
