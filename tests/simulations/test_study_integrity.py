"""A damaged, altered, mixed or concurrently written results folder never gives silent numbers.

Every case of issue 17, section 2: an altered unit, an extra unit, a truncated or empty
unit, a corrupted ``estimates.parquet``, a malformed manifest, a missing
``points.parquet``, two runs into one folder, ``1.0`` vs ``1`` in the study file, and
``study verify``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas.testing as pdt
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from supercoherence.cli import main
from supercoherence.errors import ParameterError, StudyFileError
from supercoherence.simulations import load_results, load_study, run_study, verify_study

STUDY = """
[study]
name = "integrity"
engine = "chain"
replicates = 400
chunk = 100
horizon = inf
seed = 3

[parameters]
spawn_rate = { values = [1.0, 2.0] }
entrenchment_rate = 0.5

[outputs]
estimands = ["supercoherence_by_horizon", "mean_takeovers", "law_of_n"]
counts = [0, 1]
"""


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("integrity")
    path = folder / "s.toml"
    path.write_text(STUDY)
    results = run_study(load_study(path), folder / "ref", workers=1)
    return path, results


def _copy(reference, tmp_path: Path) -> Path:
    out = tmp_path / "copy"
    shutil.copytree(reference[1].directory, out)
    return out


def _rerun(reference, out: Path):
    return run_study(load_study(reference[0]), out, workers=1)


def test_a_fresh_folder_verifies(reference, capsys):
    report = verify_study(reference[1].directory)
    assert report.ok, report.problems
    assert report.units == 8 and report.rows == 2 * 4
    assert main(["study", "verify", str(reference[1].directory)]) == 0
    assert "ok: 8 units checked" in capsys.readouterr().out


def test_an_altered_unit_is_detected_rejected_and_recomputed(reference, tmp_path, capsys):
    out = _copy(reference, tmp_path)
    unit = out / "units" / "p000000_c000000.parquet"
    table = pq.read_table(unit)
    columns = table.to_pydict()
    columns["sum"] = [x / 2 for x in columns["sum"]]  # the values change, the metadata stays
    pq.write_table(pa.table(columns).replace_schema_metadata(table.schema.metadata), unit)
    report = verify_study(out)
    assert not report.ok
    assert any("checksum mismatch" in p for p in report.problems)
    assert main(["study", "verify", str(out)]) == 1
    assert "checksum mismatch" in capsys.readouterr().err
    again = _rerun(reference, out)
    assert [p.reason for p in again.rejected] == ["checksum mismatch: its values were altered"]
    assert again.manifest["units_computed"] == 1
    assert (out / "units" / "rejected" / unit.name).exists()
    pdt.assert_frame_equal(again.estimates, reference[1].estimates)
    assert verify_study(out).ok


def test_a_unit_without_identity_is_not_used(reference, tmp_path):
    out = _copy(reference, tmp_path)
    unit = out / "units" / "p000001_c000003.parquet"
    pq.write_table(pq.read_table(unit).replace_schema_metadata(None), unit)
    again = _rerun(reference, out)
    assert "no identity" in again.rejected[0].reason
    pdt.assert_frame_equal(again.estimates, reference[1].estimates)


def test_an_extra_unit_is_never_merged(reference, tmp_path):
    out = _copy(reference, tmp_path)
    shutil.copy(
        out / "units" / "p000000_c000000.parquet", out / "units" / "p000000_c000009.parquet"
    )
    assert any("extra file" in p for p in verify_study(out).problems)
    again = _rerun(reference, out)
    assert [p.path.name for p in again.rejected] == ["p000000_c000009.parquet"]
    assert (again.estimates["replicates"] == 400).all()
    pdt.assert_frame_equal(again.estimates, reference[1].estimates)


def test_a_unit_of_another_point_under_a_wrong_name_is_rejected(reference, tmp_path):
    out = _copy(reference, tmp_path)
    shutil.copy(
        out / "units" / "p000000_c000000.parquet", out / "units" / "p000001_c000000.parquet"
    )
    again = _rerun(reference, out)
    assert "identity mismatch: point 0 (expected 1)" in again.rejected[0].reason
    pdt.assert_frame_equal(again.estimates, reference[1].estimates)


@pytest.mark.parametrize("damage", ["truncated", "empty"])
def test_a_truncated_or_empty_unit_is_recomputed(reference, tmp_path, damage):
    out = _copy(reference, tmp_path)
    unit = out / "units" / "p000001_c000002.parquet"
    unit.write_bytes(unit.read_bytes()[:40] if damage == "truncated" else b"")
    assert any("unreadable Parquet" in p for p in verify_study(out).problems)
    again = _rerun(reference, out)
    assert "unreadable Parquet" in again.rejected[0].reason
    pdt.assert_frame_equal(again.estimates, reference[1].estimates)


def test_a_corrupted_estimates_file_is_a_one_line_error_then_rebuilt(reference, tmp_path, capsys):
    out = _copy(reference, tmp_path)
    (out / "estimates.parquet").write_bytes(b"garbage")
    with pytest.raises(StudyFileError, match="estimates.parquet: does not match the SHA-256"):
        load_results(out)
    assert main(["study", "summarize", str(out)]) == 2
    err = capsys.readouterr().err
    assert "estimates.parquet" in err and "study run" in err and "Traceback" not in err
    assert not verify_study(out).ok
    pdt.assert_frame_equal(_rerun(reference, out).estimates, reference[1].estimates)
    assert verify_study(out).ok


def test_an_unreadable_estimates_file_without_recorded_hash(reference, tmp_path):
    out = _copy(reference, tmp_path)
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["files"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    (out / "estimates.parquet").write_bytes(b"")
    with pytest.raises(StudyFileError, match="estimates.parquet: damaged, not readable Parquet"):
        load_results(out)


def test_a_malformed_manifest_is_a_one_line_error_then_rebuilt(reference, tmp_path, capsys):
    out = _copy(reference, tmp_path)
    (out / "manifest.json").write_text("{not json")
    assert main(["study", "summarize", str(out)]) == 2
    assert "manifest.json: damaged, not readable JSON" in capsys.readouterr().err
    assert not verify_study(out).ok
    again = _rerun(reference, out)
    assert again.manifest["units_computed"] == 0  # the units prove themselves
    pdt.assert_frame_equal(again.estimates, reference[1].estimates)
    assert (out / "manifest.json.damaged").exists() and verify_study(out).ok


def test_a_malformed_manifest_beside_another_studys_units_is_refused(reference, tmp_path):
    out = _copy(reference, tmp_path)
    (out / "manifest.json").write_text("[]")
    other = tmp_path / "other.toml"
    other.write_text(STUDY.replace("seed = 3", "seed = 4"))
    with pytest.raises(StudyFileError, match="unit files of another study"):
        run_study(load_study(other), out, workers=1)


def test_a_missing_points_file_is_a_one_line_error_then_rebuilt(reference, tmp_path, capsys):
    out = _copy(reference, tmp_path)
    (out / "points.parquet").unlink()
    assert main(["study", "summarize", str(out)]) == 2
    assert "points.parquet: missing; run `study run`" in capsys.readouterr().err
    assert any("points.parquet: missing" in p for p in verify_study(out).problems)
    _rerun(reference, out)
    assert verify_study(out).ok


def test_fingerprint_compares_values_and_says_what_changed(reference, tmp_path):
    out = _copy(reference, tmp_path)
    same = tmp_path / "same.toml"
    same.write_text(STUDY.replace("[1.0, 2.0]", "[1, 2]"))
    assert run_study(load_study(same), out, workers=1).manifest["units_computed"] == 0
    changed = tmp_path / "changed.toml"
    changed.write_text(STUDY.replace("[1.0, 2.0]", "[1, 3]").replace("400", "500"))
    with pytest.raises(StudyFileError) as info:
        run_study(load_study(changed), out, workers=1)
    message = str(info.value)
    assert "different study" in message
    assert "parameter spawn_rate [1.0, 2.0] -> [1.0, 3.0]" in message
    assert "replicates: 400.0 -> 500.0" in message


def test_verify_reports_an_estimate_that_is_not_what_the_units_give(reference, tmp_path):
    out = _copy(reference, tmp_path)
    frame = load_results(out).estimates
    frame.loc[0, "estimate"] = 0.123
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), out / "estimates.parquet")
    problems = verify_study(out).problems
    assert any("SHA-256 differs" in p for p in problems)
    assert any("column 'estimate' is not what the units give" in p for p in problems)


def test_verify_reports_a_missing_unit(reference, tmp_path):
    out = _copy(reference, tmp_path)
    (out / "units" / "p000001_c000001.parquet").unlink()
    problems = verify_study(out).problems
    assert any("1 of 8 units missing" in p for p in problems)


@pytest.mark.parametrize("workers", [0, -3])
def test_bad_workers_are_refused_before_the_folder_exists(reference, tmp_path, workers, capsys):
    out = tmp_path / "never"
    with pytest.raises(ParameterError, match=r"workers = .* allowed a whole number >= 1"):
        run_study(load_study(reference[0]), out, workers=workers)
    args = ["study", "run", str(reference[0]), "--out", str(out), "--workers", str(workers)]
    assert main([*args, "--quiet"]) == 2
    assert "workers" in capsys.readouterr().err
    assert not out.exists()


def test_compare_says_when_the_points_differ(reference, tmp_path, capsys):
    other = tmp_path / "other.toml"
    other.write_text(STUDY.replace("[1.0, 2.0]", "[2.0, 3.0]"))
    run_study(load_study(other), tmp_path / "other", workers=1)
    assert main(["study", "compare", str(reference[1].directory), str(tmp_path / "other")]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "the two studies have different parameter points" in out
    assert "1 point(s) with the same parameter values are compared" in out
    assert "of 4 rows differ" in out  # only spawn_rate = 2.0 is compared (4 rows)


# ------------------------------------------------------------------ two processes


_HOLD = """
import sys
from supercoherence.simulations.store import ResultStore
with ResultStore(sys.argv[1]).locked():
    print("locked", flush=True)
    sys.stdin.readline()
"""


def test_a_second_run_into_a_locked_folder_stops_with_a_clear_message(
    reference, tmp_path, study_process
):
    out = tmp_path / "locked"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        second = subprocess.run(
            study_process.run_argv(reference[0], out),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode == 2
        assert f"another `study run` (pid {holder.pid}) is writing to this folder" in second.stderr
        assert "Traceback" not in second.stderr
        assert not (out / "manifest.json").exists() and not (out / "study.toml").exists()
        assert verify_study(out).problems  # verify refuses while a run holds the lock
    finally:
        holder.communicate("\n", timeout=30)
    assert (
        main(["study", "run", str(reference[0]), "--out", str(out), "--workers", "1", "--quiet"])
        == 0
    )
    assert verify_study(out).ok


BIG = """
[study]
name = "race_{name}"
engine = "chain"
replicates = 4000
chunk = 100
horizon = inf
seed = {seed}

[parameters]
spawn_rate = {{ linspace = [0.5, 2.0, 12] }}
entrenchment_rate = 0.5

[outputs]
estimands = ["supercoherence_by_horizon", "mean_takeovers"]
"""


def test_two_real_study_runs_into_one_folder_do_not_mix(tmp_path, study_process):
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(BIG.format(name="a", seed=1))
    b.write_text(BIG.format(name="b", seed=2))
    out = tmp_path / "shared"
    first = study_process.start(a, out, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120  # wait (not a timing assertion) for A to start writing
    while first.poll() is None and time.monotonic() < deadline:
        if study_process.units(out):
            break
        time.sleep(0.02)
    second = subprocess.run(
        study_process.run_argv(b, out),
        capture_output=True,
        text=True,
        timeout=300,
    )
    first_err = first.communicate(timeout=600)[1]
    assert first.returncode == 0, first_err
    assert second.returncode == 2
    # B either found the folder locked by A, or (if A was already done) owned by study A
    assert "is writing to this folder" in second.stderr or "different study" in second.stderr
    assert verify_study(out).ok
    assert load_results(out).manifest["study"] == "race_a"
    assert "race_a" in (out / "study.toml").read_text()
