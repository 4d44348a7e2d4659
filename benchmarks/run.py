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
    for col in ("benchmark", "case", "seconds", "baseline", "baseline s", "ratio", "target"):
        table.add_column(col, justify="right" if col in numeric else "left")
    for row in rows:
        table.add_row(
            row["benchmark"],
            row["case"],
            f"{row['seconds']:.3f}",
            row.get("baseline", ""),
            f"{row.get('baseline_seconds', float('nan')):.3f}",
            f"{row['ratio']:.2f}",
            row.get("target", ""),
        )
    console.print(table)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "quick": args.quick,
        "python": sys.version,
        "machine": platform.platform(),
        "processor": platform.processor(),
        "rows": rows,
    }
    args.out.write_text(json.dumps(record, indent=2, default=str))
    console.print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
