"""``supercoherence study``: run, summarise, compare, validate and list studies.

``study run FILE [--out DIR] [--workers N] [--dask local|tcp://host:port] [--quiet]``
runs (or resumes) a study file or a shipped study by name; ``study summarize DIR``
prints the estimates; ``study compare DIR DIR`` sets two runs side by side with the
difference in pooled standard errors; ``study validate FILE`` checks a file;
``study list`` shows the shipped studies.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

__all__ = ["register", "study_app"]

study_app = typer.Typer(
    name="study",
    help="Monte Carlo stability studies: run a study file, summarise and compare results.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

_console = Console()


@study_app.command("run")
def run(
    file: str = typer.Argument(..., help="Study file (.toml) or the name of a shipped study."),
    out: Path | None = typer.Option(None, "--out", help="Output folder (default results/NAME)."),
    workers: int | None = typer.Option(None, "--workers", help="Parallel workers (default: CPUs)."),
    dask: str | None = typer.Option(
        None, "--dask", help="'local' for a LocalCluster or tcp://host:port of a scheduler."
    ),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar and no table."),
) -> None:
    """Run (or resume) a study; only missing units are computed."""
    from supercoherence.simulations import load_study, run_study

    study = load_study(file)
    results = run_study(study, out, workers=workers, dask=dask, progress=not quiet)
    if quiet:
        return
    _print_estimates(results.estimates, study.varied, f"{study.name}: {results.directory}")
    flagged = int(results.estimates["flag"].sum())
    timings = results.manifest.get("timings", {})
    _console.print(
        f"{len(results.estimates)} estimates, {flagged} flagged (|z| > 4); "
        f"{timings.get('total_seconds', 0.0):.1f} s; results in {results.directory}"
    )


@study_app.command("summarize")
def summarize(directory: Path = typer.Argument(..., help="A study's output folder.")) -> None:
    """Print the estimates of a stored study."""
    from supercoherence.simulations import load_results

    results = load_results(directory)
    varied = [c for c in results.points.columns if c != "point" and results.points[c].nunique() > 1]
    _print_estimates(results.estimates, varied, str(directory))
    if results.boundary is not None:
        table = Table(title="stability boundary")
        for column in ("point", *varied, "classification", "estimate"):
            table.add_column(column)
        for row in results.boundary.itertuples(index=False):
            values = row._asdict()
            table.add_row(
                *(_fmt(values[c]) for c in ("point", *varied, "classification", "estimate"))
            )
        _console.print(table)


@study_app.command("compare")
def compare(
    first: Path = typer.Argument(..., help="First study folder."),
    second: Path = typer.Argument(..., help="Second study folder."),
) -> None:
    """Compare two stored runs: difference and its z in pooled standard errors."""
    from supercoherence.simulations import load_results

    joined = compare_estimates(load_results(first).estimates, load_results(second).estimates)
    table = Table(title=f"{first} vs {second}")
    for column in ("point", "estimand", "at", "estimate_1", "estimate_2", "difference", "z"):
        table.add_column(column)
    for row in joined.itertuples(index=False):
        values = row._asdict()
        style = "bold red" if abs(values["z"]) > 4 else None
        table.add_row(
            *(
                _fmt(values[c])
                for c in ("point", "estimand", "at", "estimate_1", "estimate_2", "difference", "z")
            ),
            style=style,
        )
    _console.print(table)
    _console.print(f"{int((joined['z'].abs() > 4).sum())} of {len(joined)} rows differ by > 4 SE")


def compare_estimates(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """Join two estimate tables on (point, estimand, at); z of the difference.

    Examples
    --------
    >>> a = pd.DataFrame({"point": [0], "estimand": ["x"], "at": [float("nan")],
    ...                   "estimate": [0.5], "std_error": [0.03]})
    >>> b = a.assign(estimate=[0.4], std_error=[0.04])
    >>> round(float(compare_estimates(a, b)["z"].iloc[0]), 6)
    2.0
    """
    keys = ["point", "estimand", "at"]
    left = first[[*keys, "estimate", "std_error"]].fillna({"at": -1.0})
    right = second[[*keys, "estimate", "std_error"]].fillna({"at": -1.0})
    joined = left.merge(right, on=keys, suffixes=("_1", "_2"))
    joined["at"] = joined["at"].where(joined["at"] != -1.0, np.nan)
    joined["difference"] = joined["estimate_1"] - joined["estimate_2"]
    pooled = np.hypot(joined["std_error_1"], joined["std_error_2"])
    with np.errstate(divide="ignore", invalid="ignore"):
        z = joined["difference"] / pooled
    joined["z"] = np.where((pooled == 0) & (joined["difference"] == 0), 0.0, z)
    return joined


@study_app.command("validate")
def validate(file: str = typer.Argument(..., help="Study file or shipped study name.")) -> None:
    """Check a study file; print what it would run."""
    from supercoherence.simulations import load_study

    study = load_study(file)
    _console.print(
        f"{study.source}: ok: study {study.name!r}, engine {study.engine}, "
        f"{len(study.points)} points x {study.replicates} replicates "
        f"({study.n_chunks} chunk(s) each), estimands {', '.join(study.outputs.estimands)}"
    )


@study_app.command("list")
def list_() -> None:
    """List the shipped studies."""
    from supercoherence.simulations import load_study
    from supercoherence.studies import list_studies

    table = Table(title="shipped studies")
    for column in ("name", "engine", "points", "replicates", "description"):
        table.add_column(column)
    for name in list_studies():
        study = load_study(name, check_points=False)
        table.add_row(
            name, study.engine, str(len(study.points)), str(study.replicates), study.description
        )
    _console.print(table)


def _print_estimates(estimates: pd.DataFrame, varied: list[str], title: str) -> None:
    """One narrow table per parameter point (its varied parameters in the title)."""
    _console.print(f"[bold]{title}[/]")
    for point, rows in estimates.groupby("point", sort=True):
        first = rows.iloc[0]
        label = ", ".join(f"{name} = {_fmt(first[name])}" for name in varied)
        table = Table(
            title=f"point {point}" + (f": {label}" if label else ""), title_justify="left"
        )
        for column, justify in (
            ("estimand", "left"),
            ("at", "right"),
            ("estimate", "right"),
            ("95% interval", "right"),
            ("exact", "right"),
            ("z", "right"),
        ):
            table.add_column(column, justify=justify, no_wrap=True)
        for row in rows.itertuples(index=False):
            values = row._asdict()
            interval = f"[{_fmt(values['ci_low'])}, {_fmt(values['ci_high'])}]"
            table.add_row(
                str(values["estimand"]),
                _fmt(values["at"]),
                _fmt(values["estimate"]),
                interval,
                _fmt(values["exact"]),
                _fmt(values["z"]),
                style="bold red" if values["flag"] else None,
            )
        _console.print(table)


def _fmt(value: object) -> str:
    if isinstance(value, float | np.floating):
        return "" if np.isnan(value) else f"{value:.4g}"
    return str(value)


def register(app: typer.Typer) -> None:
    """Attach the ``study`` command group to the root application."""
    app.add_typer(study_app, name="study")
