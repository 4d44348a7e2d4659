"""``supercoherence study``: run, summarise, compare, validate and list studies.

``study run FILE [--out DIR] [--workers N] [--dask local|tcp://host:port] [--quiet]
[--set TABLE.KEY=VALUE ...]`` runs (or resumes) a study file or a shipped study by name
(``--set study.replicates=1000`` overrides a key without copying the file, validated
like the file; the stored ``study.toml`` is the overridden study); ``study summarize DIR``
prints the estimates; ``study compare DIR DIR`` sets two runs side by side with the
difference in pooled standard errors (matching points by their parameter values, and
saying so when the two studies' points differ); ``study verify DIR`` checks a folder
end to end (exit status 1 on any problem); ``study validate FILE`` checks a file;
``study verdict DIR`` prints the verdict estimated from simulation beside the analytic
classification; ``study list`` shows the shipped studies.

Censored estimates (a share of replicates stopped by the engine's cap, such as the
chain's ``max_takeovers``) are shown as such: the estimate carries ``(capped)``, the
``censored`` column gives the share, and a closing line says in words what they mean.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from supercoherence.cli._common import command_group

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["register", "sensitivity_table", "study_app"]

study_app = command_group(
    "study", "Monte Carlo stability studies: run a study file, summarise and compare results."
)

_console = Console()
_err = Console(stderr=True)


@study_app.command("run")
def run(
    file: str = typer.Argument(..., help="Study file (.toml) or the name of a shipped study."),
    out: Path | None = typer.Option(None, "--out", help="Output folder (default results/NAME)."),
    workers: int | None = typer.Option(
        None, "--workers", help="Parallel workers, >= 1 (default: one per CPU)."
    ),
    dask: str | None = typer.Option(
        None, "--dask", help="'local' for a LocalCluster or tcp://host:port of a scheduler."
    ),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar and no table."),
    overrides: list[str] = typer.Option(
        [],
        "--set",
        metavar="TABLE.KEY=VALUE",
        help="Override a key of the file (repeatable), validated like the file, e.g. "
        "--set study.replicates=1000 --set parameters.spawn_rate=2.0.",
    ),
) -> None:
    """Run (or resume) a study; only missing units are computed."""
    from supercoherence.simulations import run_study
    from supercoherence.simulations.study import load_study

    study = load_study(file, overrides=overrides)
    results = run_study(study, out, workers=workers, dask=dask, progress=not quiet)
    for problem in results.rejected:
        _err.print(
            f"warning: {problem}: moved to units/rejected/ and recomputed",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    if quiet:
        return
    _print_estimates(results.estimates, study.varied, f"{study.name}: {results.directory}")
    _print_censoring(results.estimates, results.manifest)
    from supercoherence.simulations.analysis import FLAG_THRESHOLD

    flagged = int(results.estimates["flag"].sum())
    timings = results.manifest.get("timings", {})
    _console.print(
        f"{len(results.estimates)} estimates, {flagged} flagged (|z| > {FLAG_THRESHOLD:g}); "
        f"{timings.get('total_seconds', 0.0):.1f} s; results in {results.directory}"
    )


@study_app.command("summarize")
def summarize(directory: Path = typer.Argument(..., help="A study's output folder.")) -> None:
    """Print the estimates of a stored study."""
    from supercoherence.simulations import load_results

    results = load_results(directory)
    varied = [c for c in results.points.columns if c != "point" and results.points[c].nunique() > 1]
    _print_estimates(results.estimates, varied, str(directory))
    _print_censoring(results.estimates, results.manifest)
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
    sensitivity = getattr(results, "sensitivity", None)
    if sensitivity is not None and not sensitivity.empty:
        _console.print(sensitivity_table(sensitivity))


def sensitivity_table(sensitivity: pd.DataFrame) -> Table:
    """The Sobol indices (``sensitivity.parquet``) as a table, largest total order first.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"estimand": ["law_of_n"] * 2, "at": [0.0] * 2,
    ...                    "parameter": ["detection", "spawn_rate"], "S1": [0.1, 0.6],
    ...                    "S1_conf": [0.02, 0.05], "ST": [0.15, 0.7], "ST_conf": [0.03, 0.06]})
    >>> table = sensitivity_table(df)
    >>> table.row_count, [c.header for c in table.columns][:3]
    (2, ['estimand', 'at', 'parameter'])
    >>> list(table.columns[2].cells)
    ['spawn_rate', 'detection']
    """
    table = Table(
        title="Sobol indices (first order S1, total order ST, with 95% bootstrap half-widths)",
        title_justify="left",
    )
    for column, justify in (
        ("estimand", "left"),
        ("at", "right"),
        ("parameter", "left"),
        ("S1", "right"),
        ("ST", "right"),
    ):
        table.add_column(column, justify=justify, no_wrap=True)
    ordered = sensitivity.sort_values(
        ["estimand", "at", "ST"], ascending=[True, True, False], kind="stable"
    )
    for values in ordered.to_dict("records"):
        table.add_row(
            str(values["estimand"]),
            _fmt(values["at"]),
            str(values["parameter"]),
            f"{_fmt(values['S1'])} ± {_fmt(values['S1_conf'])}",
            f"{_fmt(values['ST'])} ± {_fmt(values['ST_conf'])}",
        )
    return table


@study_app.command("compare")
def compare(
    first: Path = typer.Argument(..., help="First study folder."),
    second: Path = typer.Argument(..., help="Second study folder."),
) -> None:
    """Compare two stored runs: difference and its z in pooled standard errors."""
    from supercoherence.errors import StudyFileError
    from supercoherence.simulations import load_results
    from supercoherence.simulations.analysis import (
        FLAG_THRESHOLD,
        align_points,
        compare_estimates,
    )

    one, two = load_results(first), load_results(second)
    left, right, note = align_points(one.estimates, one.points, two.estimates, two.points)
    if note:
        _console.print(note, style="bold yellow", highlight=False, markup=False)
    joined = compare_estimates(left, right)
    if joined.empty:
        raise StudyFileError(
            second, "", f"no estimate to compare with {first} (no common point and estimand)"
        )
    table = Table(title=f"{first} vs {second}")
    for column in ("point", "estimand", "at", "estimate_1", "estimate_2", "difference", "z"):
        table.add_column(column)
    for row in joined.itertuples(index=False):
        values = row._asdict()
        style = "bold red" if abs(values["z"]) > FLAG_THRESHOLD else None
        table.add_row(
            *(
                _fmt(values[c])
                for c in ("point", "estimand", "at", "estimate_1", "estimate_2", "difference", "z")
            ),
            style=style,
        )
    _console.print(table)
    differing = int((joined["z"].abs() > FLAG_THRESHOLD).sum())
    _console.print(f"{differing} of {len(joined)} rows differ by > {FLAG_THRESHOLD:g} SE")


@study_app.command("validate")
def validate(
    file: str = typer.Argument(..., help="Study file or shipped study name."),
    overrides: list[str] = typer.Option(
        [], "--set", metavar="TABLE.KEY=VALUE", help="Override a key, as for `study run`."
    ),
) -> None:
    """Check a study file; print what it would run."""
    from supercoherence.simulations.study import load_study

    study = load_study(file, overrides=overrides)
    _console.print(
        f"{study.source}: ok: study {study.name!r}, engine {study.engine}, "
        f"{len(study.points)} points x {study.replicates} replicates "
        f"({study.n_chunks} chunk(s) each), estimands {', '.join(study.outputs.estimands)}"
    )


@study_app.command("verify")
def verify(directory: Path = typer.Argument(..., help="A study's output folder.")) -> None:
    """Check a results folder end to end: hashes, completeness, estimates from units."""
    from supercoherence.simulations import verify_study

    report = verify_study(directory)
    if report.ok:
        _console.print(
            f"{directory}: ok: {report.units} units checked (identity, checksum, SHA-256), "
            f"{report.rows} estimate rows equal what the units give",
            highlight=False,
        )
        return
    for problem in report.problems:
        _err.print(f"verify: {problem}", highlight=False, soft_wrap=True, markup=False)
    _err.print(f"{directory}: {len(report.problems)} problem(s)", highlight=False)
    raise typer.Exit(1)


@study_app.command("verdict")
def verdict(
    directory: Path = typer.Argument(..., help="A study's output folder."),
    pooled: bool = typer.Option(
        False, "--pooled", help="Treat the levels as alike (only when estimating here)."
    ),
    bootstrap: int = typer.Option(
        200, "--bootstrap", metavar="N", help="Resamples, >= 10 (only when estimating here)."
    ),
) -> None:
    """Print the verdict estimated from simulation, beside the analytic classification.

    Reads ``verdict.parquet`` (``[outputs] verdict = true``); a folder with only an
    event table (``[outputs] events = true``) gets its verdict estimated now.
    """
    from supercoherence.errors import StudyFileError
    from supercoherence.simulations import load_results
    from supercoherence.simulations.analysis import verdict_table
    from supercoherence.simulations.store import ResultStore
    from supercoherence.simulations.study import load_study

    results = load_results(directory)
    table = results.verdict
    if table is None:
        if results.events_path is None:
            raise StudyFileError(
                directory,
                "outputs.verdict",
                "no verdict and no event table here: add `verdict = true` to the study's "
                "[outputs] table and run it again",
            )
        study = load_study(directory / "study.toml", check_points=False)
        study = _with_verdict(study, pooled, bootstrap)
        store = ResultStore.__new__(ResultStore)
        store.directory = Path(directory)
        table = verdict_table(study, store.read_point_events)
    varied = [c for c in results.points.columns if c != "point" and results.points[c].nunique() > 1]
    classes = {}
    if results.boundary is not None and "classification" in results.boundary.columns:
        classes = dict(
            zip(results.boundary["point"], results.boundary["classification"], strict=True)
        )
    title = f"verdict from simulation: {directory}"
    out = Table(title=title, title_justify="left")
    columns = ("point", *varied, "classification", "estimated", "support", "P(recur forever)")
    for column in columns:
        out.add_column(column)
    for row in table.to_dict("records"):
        recurrence = (
            f"{_fmt(row['recurrence'])} [{_fmt(row['recurrence_low'])}, "
            f"{_fmt(row['recurrence_high'])}]"
        )
        out.add_row(
            str(row["point"]),
            *(_fmt(row[c]) for c in varied),
            str(classes.get(row["point"], "")),
            str(row["estimated_outcome"]),
            _fmt(row["support"]),
            recurrence,
        )
    _console.print(out)
    for row in table.to_dict("records"):
        _console.print(
            f"point {row['point']}: {row['reason']}", highlight=False, markup=False, soft_wrap=True
        )


def _with_verdict(study, pooled: bool, bootstrap: int):
    import dataclasses

    from supercoherence.errors import ParameterError

    if bootstrap < 10:
        raise ParameterError("bootstrap", bootstrap, "integers >= 10")
    outputs = dataclasses.replace(
        study.outputs, verdict=True, verdict_pooled=pooled, verdict_bootstrap=bootstrap
    )
    return dataclasses.replace(study, outputs=outputs)


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
            ("censored", "right"),
        ):
            table.add_column(column, justify=justify, no_wrap=True)
        for row in rows.itertuples(index=False):
            values = row._asdict()
            interval = f"[{_fmt(values['ci_low'])}, {_fmt(values['ci_high'])}]"
            share = float(values.get("censored_share", 0.0) or 0.0)
            table.add_row(
                str(values["estimand"]),
                _fmt(values["at"]),
                _fmt(values["estimate"]) + (" (capped)" if share > 0 else ""),
                interval,
                _fmt(values["exact"]),
                _fmt(values["z"]),
                f"{share:.1%}" if share > 0 else "",
                style="bold red" if values["flag"] else None,
            )
        _console.print(table)


def _print_censoring(estimates: pd.DataFrame, manifest: dict) -> None:
    from supercoherence.simulations.analysis import censoring_sentence

    sentence = censoring_sentence(estimates, manifest)
    if sentence:
        _console.print(sentence, style="bold yellow", highlight=False, markup=False)


def _fmt(value: object) -> str:
    import numpy as np

    if isinstance(value, float | np.floating):
        return "" if np.isnan(value) else f"{value:.4g}"
    return str(value)


def register(app: typer.Typer) -> None:
    """Attach the ``study`` command group to the root application."""
    app.add_typer(study_app, name="study")
