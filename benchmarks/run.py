"""Run every ``benchmarks/bench_*.py`` module, print one table, write JSON.

Usage::

    uv run python benchmarks/run.py [--quick] [--only engine,abm] [--out FILE]

Each module exposes ``cases(quick: bool) -> list[dict]`` (see ``benchmarks/README.md``).
Figures are ratios against a baseline measured in the same process, so they
compare across machines; the seconds are context.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def meets(ratio: float, target: str) -> bool | None:
    """Whether ``ratio`` meets a target such as ``">= 1.7x"`` or ``"<= 2x"`` (None: none).

    Examples
    --------
    >>> meets(1.8, ">= 1.7x"), meets(2.5, "<= 2x"), meets(1.0, "")
    (True, False, None)
    """
    parts = target.split()
    if len(parts) < 2 or parts[0] not in (">=", "<="):
        return None
    try:
        bound = float(parts[1].rstrip("x"))
    except ValueError:
        return None
    return ratio >= bound if parts[0] == ">=" else ratio <= bound


def accounting_note(extra) -> str:
    """The CPU accounting of a parallel case (bench_study), or "" for other rows.

    Examples
    --------
    >>> print(accounting_note({"serial_fraction": 0.08, "amdahl_bound_2": 1.85,
    ...     "unit_cpu_2_over_1": 1.02, "predicted_2": 1.8, "best_of": 3, "load_1min": 0.4}))
    serial fraction 0.080 (Amdahl bound on 2 workers 1.85x), unit CPU on 2 workers / 1 =
    1.02, predicted 1.80x on idle cores; best of 3 at load 0.4
    >>> accounting_note({"points": 8})
    ''
    """
    if not isinstance(extra, dict) or "serial_fraction" not in extra:
        return ""
    return (
        f"serial fraction {extra['serial_fraction']:.3f} (Amdahl bound on 2 workers "
        f"{extra['amdahl_bound_2']:.2f}x), unit CPU on 2 workers / 1 = "
        f"{extra['unit_cpu_2_over_1']:.2f}, predicted {extra.get('predicted_2', float('nan')):.2f}x"
        f" on idle cores; best of {extra.get('best_of', 1)} at load {extra.get('load_1min', '?')}"
    )


def _machine_load() -> str:
    try:
        import os

        return ", ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--only", default="", help="comma-separated module suffixes, e.g. engine")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.json")
    args = parser.parse_args(argv)

    wanted = {w.strip() for w in args.only.split(",") if w.strip()}
    rows: list[dict] = []
    console = Console()
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if wanted and name not in wanted:
            continue
        console.print(f"[bold]running[/] {path.name} ...")
        start = time.perf_counter()
        rows.extend(_load(path).cases(args.quick))
        console.print(f"  done in {time.perf_counter() - start:.1f} s")

    table = Table(title="supercoherence benchmarks (ratios against same-run baselines)")
    numeric = {"seconds", "baseline s", "ratio"}
    columns = ("benchmark", "case", "seconds", "baseline", "baseline s", "ratio", "target", "met")
    for col in columns:
        table.add_column(col, justify="right" if col in numeric else "left")
    for row in rows:
        row["met"] = meets(row["ratio"], row.get("target", ""))
        table.add_row(
            row["benchmark"],
            row["case"],
            f"{row['seconds']:.3f}",
            row.get("baseline", ""),
            f"{row.get('baseline_seconds', float('nan')):.3f}",
            f"{row['ratio']:.2f}",
            row.get("target", ""),
            {True: "yes", False: "NO", None: ""}[row["met"]],
        )
    console.print(table)
    for row in rows:
        note = accounting_note(row.get("extra"))
        if note:
            console.print(f"{row['case']}: {note}")
    console.print(f"machine load (1, 5, 15 min): {_machine_load()}")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "quick": args.quick,
        "python": sys.version,
        "machine": platform.platform(),
        "processor": platform.processor(),
        "load_average": _machine_load(),
        "rows": rows,
    }
    args.out.write_text(json.dumps(record, indent=2, default=str))
    console.print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
