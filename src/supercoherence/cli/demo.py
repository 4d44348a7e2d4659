r"""``supercoherence demo``: the shipped dichotomy study, its report and the headline numbers.

Runs ``studies/dichotomy.toml`` on the default local backend (a process pool) into
``OUT/results`` (resume-safe: a rerun computes only what is missing), writes
``OUT/results/report.md`` and ``report.html``, exports the nesting tree and the
lineage of one representative Mesa run to ``OUT/results/graphs`` (GraphML, GEXF,
node-link JSON, PNG), and prints per parameter point the
estimated :math:`P(\text{supercoherence})` beside the exact
:math:`1 - \prod_n (1 - q_n)`, the classification of :math:`q_n` and
:math:`P(\text{takeovers recur forever})`.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["export_demo_graphs", "headline_table", "recurrence_text", "register"]

_STUDY = "dichotomy"

#: Short names of the outcomes of the dichotomy for the terminal table.
_SHORT_OUTCOMES = {
    "supercoherence almost surely": "supercoherence a.s.",
    "recursion forever with positive probability": "recursion forever w.p. > 0",
    "recursion forever almost surely": "recursion forever a.s.",
}


def headline_table(boundary: pd.DataFrame, conditions: list[object], varied: list[str]) -> Table:
    r"""Per point: varied parameters, estimated and exact P(supercoherence), outcome.

    Parameters
    ----------
    boundary : pandas.DataFrame
        ``boundary.parquet`` (columns ``point``, the parameters, ``estimate``).
    conditions : list of PointCondition
        :func:`supercoherence.simulations.presentation.formulas.derive_conditions` of the points.
    varied : list of str
        The varied parameters to show.

    Returns
    -------
    rich.table.Table

    Examples
    --------
    >>> import pandas as pd
    >>> from supercoherence.simulations.presentation.formulas import PointCondition
    >>> c = PointCondition((0,), "constant", "0", "recursion forever almost surely", "",
    ...                    1.0, (1.0, 1.0), "1")
    >>> b = pd.DataFrame({"point": [0], "hazard": ["constant"], "estimate": [0.0],
    ...                   "ci_low": [0.0], "ci_high": [0.0004]})
    >>> headline_table(b, [c], ["hazard"]).row_count
    1
    """
    by_point = {p: c for c in conditions for p in c.points}
    table = Table(title="P(supercoherence): Monte Carlo vs exact", title_justify="left")
    for column in (
        "point",
        *varied,
        "estimate",
        "95% interval",
        "exact",
        "P(recur forever)",
        "classification",
    ):
        table.add_column(
            column, justify="left" if column == "classification" else "right", no_wrap=True
        )
    for row in boundary.sort_values("point").itertuples(index=False):
        values = row._asdict()
        condition = by_point.get(int(values["point"]))
        exact = "" if condition is None else f"{condition.supercoherence:.4f}"
        recur = "" if condition is None else recurrence_text(condition)
        interval = f"[{values['ci_low']:.4f}, {values['ci_high']:.4f}]"
        table.add_row(
            str(values["point"]),
            *(_fmt(values[v]) for v in varied),
            f"{values['estimate']:.4f}",
            interval,
            exact,
            recur,
            "" if condition is None else _SHORT_OUTCOMES.get(condition.outcome, condition.outcome),
        )
    return table


def recurrence_text(condition: object) -> str:
    r"""P(takeovers recur forever) for the table: scientific notation when tiny.

    A positive probability is never shown as ``0.0000``: below ``1e-4`` it is written
    in scientific notation, below double precision as ``< 1e-300``, and a value the
    certification left open as its proved upper bound (the certified bounds are in
    the report).

    Examples
    --------
    >>> from supercoherence.simulations.presentation.formulas import PointCondition
    >>> def cond(value, outcome="recursion forever with positive probability"):
    ...     return PointCondition((0,), "entrenchment", "q_n", outcome, "", value,
    ...                           (value, value), None)
    >>> recurrence_text(cond(0.50443)), recurrence_text(cond(2.27e-173))
    ('0.5044', '2.27e-173')
    >>> recurrence_text(cond(0.0)), recurrence_text(cond(0.0, "supercoherence almost surely"))
    ('< 1e-300', '0')
    >>> c = PointCondition((0,), "entrenchment", "q_n", "recursion forever with positive "
    ...                    "probability", "", float("nan"), (0.0, 3.5e-4), None)
    >>> recurrence_text(c)
    '<= 0.00035 (bound)'
    """
    value = float(condition.recurrence)
    if math.isnan(value):  # no certified value: say what is proved, an upper bound
        high = float(condition.recurrence_bounds[1])
        return f"<= {high:.3g} (bound)" if math.isfinite(high) else "uncertified"
    if value == 0.0:
        return "< 1e-300" if "positive" in condition.outcome else "0"
    if value < 1e-4:
        return f"{value:.3g}"
    return f"{value:.4f}"


#: Steps of the demo's representative Mesa run (its graphs are exported).
_GRAPH_STEPS = 30


def export_demo_graphs(study: object, conditions: list[object], out: Path) -> dict:
    """Export the nesting tree and lineage of one representative run of the study.

    The point is the one whose takeovers recur forever with the largest probability
    (the richest lineage among the points where the dichotomy is not decided at the
    first optimizer); its Mesa run is the median of 21 seeded runs
    (:func:`~supercoherence.simulations.presentation.graphs.export_representative_run`).
    Returns ``{}`` when no point has a positive probability of recurring forever.
    """
    from supercoherence.simulations.presentation.graphs import export_representative_run

    candidates = [
        (float(c.recurrence), c.points[0])
        for c in conditions
        if "positive" in c.outcome and math.isfinite(float(c.recurrence))
    ]
    if not candidates:
        return {}
    _, point = max(candidates)
    written = export_representative_run(
        study.points[point], out, seed=study.seed, steps=_GRAPH_STEPS
    )
    return {"point": point, **written}


def _fmt(value: object) -> str:
    import numpy as np

    if isinstance(value, float | np.floating):
        return f"{float(value):.4g}"
    return str(value)


def demo(
    out: Path = typer.Option(
        Path("supercoherence-demo"),
        "--out",
        metavar="OUT",
        help="Output folder: the study's results, report.md, report.html and figures go to "
        "OUT/results.",
    ),
    workers: int | None = typer.Option(None, "--workers", help="Parallel workers (default: CPUs)."),
    quiet: bool = typer.Option(False, "--quiet", help="Print only where the report is."),
) -> None:
    """Run the dichotomy study, write its report and print the headline numbers."""
    from supercoherence.simulations import load_study, run_study
    from supercoherence.simulations.presentation.formulas import derive_conditions
    from supercoherence.simulations.presentation.report import write_report

    console = Console(width=max(Console().width, 160))
    start = time.perf_counter()
    study = load_study(_STUDY)
    results = run_study(study, out / "results", workers=workers, progress=not quiet)
    report = write_report(results.directory)
    conditions = derive_conditions(study.points, study.engine)
    graphs = export_demo_graphs(study, conditions, results.directory / "graphs")
    seconds = time.perf_counter() - start
    if quiet:
        typer.echo(f"report: {report}")
        return
    if results.boundary is not None:
        console.print(headline_table(results.boundary, conditions, study.varied))
    flagged = int(results.estimates["flag"].sum())
    checked = int(results.estimates["exact"].notna().sum())
    console.print(
        f"{study.description}: {len(study.points)} points x {study.replicates} replicates; "
        f"{checked} estimates with a closed form, {flagged} flagged (|z| > 4); "
        f"{seconds:.1f} s."
    )
    console.print(
        f"report: {report} (and {report.with_suffix('.html')}, figures in "
        f"{report.parent / 'figures'})"
    )
    if graphs:
        console.print(
            f"graphs of one representative Mesa run (point {graphs['point']}, seed "
            f"{graphs['seed']}, {graphs['takeovers']} top-level takeovers in "
            f"{_GRAPH_STEPS} steps): {graphs['nesting']['png'].parent}",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    """Attach the ``demo`` command to the root application."""
    app.command("demo")(demo)
