"""Resume after SIGKILL: no corrupt file, and the resumed result is bit-identical."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas.testing as pdt
import pyarrow.parquet as pq

from supercoherence.simulations import load_study, run_study

STUDY = """
[study]
name = "killme"
engine = "chain"
replicates = 2000
chunk = 250
horizon = inf
seed = 5

[parameters]
spawn_rate = { linspace = [0.5, 2.0, 20] }
entrenchment_rate = 0.5
drift = 0.8

[outputs]
estimands = ["supercoherence_by_horizon", "law_of_n", "mean_takeovers", "final_alignment"]
counts = [0, 1, 2]
"""
TOTAL_UNITS = 20 * 8


def _start(path: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
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
        stderr=subprocess.PIPE,
    )


def _units(out: Path) -> list[Path]:
    folder = out / "units"
    return sorted(folder.glob("*.parquet")) if folder.exists() else []


def test_sigkill_midway_then_resume_is_bit_identical(tmp_path):
    path = tmp_path / "killme.toml"
    path.write_text(STUDY)
    out = tmp_path / "killed"
    process = _start(path, out)
    deadline = time.monotonic() + 60
    while len(_units(out)) < 20 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    stored = _units(out)
    assert 0 < len(stored) < TOTAL_UNITS, "the run must be killed mid-way"
    assert not (out / "estimates.parquet").exists()
    for unit in stored:  # every file present is complete and readable
        assert pq.read_table(unit).num_rows == 6  # 1 + 3 counts + 2 means

    resumed = run_study(load_study(path), out, workers=2)
    assert resumed.manifest["units_computed"] == TOTAL_UNITS - len(stored)
    assert not list(out.glob(".*.tmp")) and not list((out / "units").glob(".*.tmp"))

    clean = run_study(load_study(path), tmp_path / "clean", workers=1)
    pdt.assert_frame_equal(resumed.estimates, clean.estimates)
    assert (out / "estimates.parquet").read_bytes() == (
        tmp_path / "clean" / "estimates.parquet"
    ).read_bytes()
