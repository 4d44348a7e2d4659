"""Resume after SIGKILL: no corrupt file, and the resumed result is bit-identical."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pandas.testing as pdt
import pyarrow.parquet as pq

from supercoherence.simulations import load_study, run_study

POINTS, CHUNKS = 20, 8  # 2000 replicates in units of 250
TOTAL_UNITS = POINTS * CHUNKS


def test_sigkill_midway_then_resume_is_bit_identical(tmp_path, chain_study, study_process):
    path = tmp_path / "killme.toml"
    path.write_text(chain_study("killme", replicates=2000, points=POINTS, seed=5))
    out = tmp_path / "killed"
    process = study_process.start(path, out, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    units = study_process.units
    while len(units(out)) < 20 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    stored = units(out)
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
