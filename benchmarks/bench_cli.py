"""Start-up of the command line: ``supercoherence --version`` / ``--help`` / ``derive``.

Each case runs the installed console script in a fresh subprocess, interleaved with
the baseline ``python -c pass`` (the same interpreter), and reports the ratio of the
best-of-N wall times (the minimum is the least load-sensitive statistic on a shared
machine; CPU times of the children are in ``extra``).  Targets (issues 12 and 18):
``--help`` and ``--version`` within 3x of ``python -c pass`` (issue 12 asks 5x);
``derive`` of a stored closed form (``derive progeny``, printed without sympy) within
10x; a computing ``derive`` (sympy) is shown for context, without a target.

A last case, ``study report`` of a stored study (the shipped ``dichotomy`` study at 200
replicates per point, so the report, not the run, is what costs), in a fresh process
with the run's ``conditions.json`` against the same report after removing it (the
report then classifies the 26 distinct ``q_n`` itself, as every report did before);
ratio = seconds without / seconds with (the reuse's speed-up; context, no target).

Run alone: ``uv run python benchmarks/run.py --only cli``.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

#: (case, arguments of the console script, target ratio or None)
CASES = (
    ("--version", ["--version"], 3.0),
    ("--help", ["--help"], 3.0),
    ("derive progeny (stored closed form)", ["derive", "progeny"], 10.0),
    (
        "derive success -p gamma=2 -p r=1 (sympy)",
        ["derive", "success", "-p", "gamma=2", "-p", "r=1"],
        None,
    ),
)


def _script() -> str:
    here = Path(sys.executable).with_name("supercoherence")
    return str(here) if here.exists() else (shutil.which("supercoherence") or "supercoherence")


def _time(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the child) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def cases(quick: bool) -> list[dict]:
    repeats = 5 if quick else 15
    baseline = [sys.executable, "-c", "pass"]
    script = _script()
    rows = []
    for name, args, target in CASES:
        base_wall, base_cpu, wall, cpu = [], [], [], []
        _time([script, *args])  # warm the page cache (and any bytecode) once
        for _ in range(repeats if target is not None else max(3, repeats // 5)):
            w, c = _time(baseline)
            base_wall.append(w)
            base_cpu.append(c)
            w, c = _time([script, *args])
            wall.append(w)
            cpu.append(c)
        ratio = min(wall) / min(base_wall)
        rows.append(
            {
                "benchmark": "cli start-up",
                "case": f"supercoherence {name}",
                "seconds": min(wall),
                "baseline": "python -c pass",
                "baseline_seconds": min(base_wall),
                "ratio": ratio,
                "target": "" if target is None else f"<= {target:g}x",
                "extra": {
                    "repeats": len(wall),
                    "cpu_seconds": min(cpu),
                    "baseline_cpu_seconds": min(base_cpu),
                    "cpu_ratio": min(cpu) / max(min(base_cpu), 1e-9),
                    "met": None if target is None else ratio <= target,
                },
            }
        )
    rows.append(_report_row(script, 1 if quick else 3))
    return rows


def _report_row(script: str, repeats: int) -> dict:
    """``study report`` with and without the run's stored classification."""
    import json
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        stored = Path(folder) / "stored"
        run = [script, "study", "run", "dichotomy", "--out", str(stored), "--quiet"]
        subprocess.run(
            [*run, "--set", "study.replicates=200", "--set", "study.chunk=200"],
            stdout=subprocess.DEVNULL,
            check=True,
        )
        bare = Path(folder) / "bare"
        shutil.copytree(stored, bare)
        (bare / "conditions.json").unlink()
        manifest = json.loads((bare / "manifest.json").read_text(encoding="utf-8"))
        del manifest["files"]["conditions.json"]
        (bare / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        with_file, without = [], []
        for _ in range(repeats):
            with_file.append(_time([script, "study", "report", str(stored)])[0])
            without.append(_time([script, "study", "report", str(bare)])[0])
    return {
        "benchmark": "cli start-up",
        "case": "supercoherence study report (dichotomy, stored conditions)",
        "seconds": min(with_file),
        "baseline": "the same report classifying the points itself",
        "baseline_seconds": min(without),
        "ratio": min(without) / min(with_file),
        "target": "",
        "extra": {"repeats": repeats},
    }


if __name__ == "__main__":  # pragma: no cover
    for row in cases("--quick" in sys.argv):
        print(
            f"{row['case']:55s} {row['seconds'] * 1000:8.1f} ms  "
            f"{row['ratio']:6.2f}x (cpu {row['extra']['cpu_ratio']:.2f}x)  {row['target']}"
        )
