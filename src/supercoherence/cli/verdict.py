r"""``supercoherence verdict``: estimate the dichotomy's verdict from simulated events.

Simulates the per-level event table of a scenario (the chain engine, or the Mesa model
with ``--engine abm``), runs :func:`supercoherence.simulations.verdict.estimate_verdict`
on it and prints, beside the closed form :func:`supercoherence.theory.recursion.classify`
of the scenario's :math:`q_n`: the per-level fits with :math:`q_n` and its bootstrap
interval, the trend of :math:`q_n` in :math:`n`, the verdict and its bootstrap support,
:math:`\prod (1 - q_n)` and the rate of takeovers within the horizon.

Example: ``supercoherence verdict --param spawn_rate=4 --param entrenchment_rate=0.5
--param entrenchment_weakening=1 --replicates 1000 --horizon 100 --seed 1``.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import typer

from supercoherence.cli._common import key_values
from supercoherence.errors import ParameterError

__all__ = ["register", "verdict_summary"]


def verdict_summary(scenario: Any, estimated: Any) -> dict[str, Any]:
    """The estimated verdict beside the closed form, as a JSON-ready dict.

    Parameters
    ----------
    scenario : TakeoverScenario
    estimated : Verdict
        From :func:`~supercoherence.simulations.verdict.estimate_verdict`.

    Examples
    --------
    >>> from supercoherence.theory.scenario import TakeoverScenario
    >>> from supercoherence.models.engine.events import event_table
    >>> from supercoherence.simulations.verdict import estimate_verdict
    >>> sc = TakeoverScenario(spawn_rate=4.0, hazard="constant")
    >>> v = estimate_verdict(event_table(sc, 200, seed=0, horizon=5.0), bootstrap=20)
    >>> s = verdict_summary(sc, v)
    >>> s["analytic"]["outcome"] == s["estimated"]["outcome"]
    True
    """
    import numpy as np

    from supercoherence.theory.recursion import classify

    analytic = classify(scenario.never_overthrown())
    levels = estimated.levels
    exact_q = (
        scenario.never_overthrown_numeric(np.maximum(levels["level"].to_numpy(), 0)).tolist()
        if len(levels)
        else []
    )
    out = estimated.to_dict()
    out["levels"]["exact_q"] = exact_q
    return {
        "analytic": {
            "outcome": analytic.outcome.value,
            "reason": analytic.reason,
            "recurrence": float(analytic.recurrence.value),
        },
        "estimated": out,
        "agree": analytic.outcome is estimated.outcome,
    }


def _print(summary: dict[str, Any], seconds: tuple[float, float]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 140))
    est = summary["estimated"]
    levels = est["levels"]
    table = Table(title=f"per-level fits (family chosen: {est['family']})", title_justify="left")
    for column in (
        "level",
        "at risk",
        "events",
        "best (AIC)",
        "h",
        "shape",
        "Lambda(oo)",
        "q_n",
        "95% interval",
        "exact q_n",
        "in trend",
        "KS",
    ):
        table.add_column(column, justify="right", no_wrap=True)

    def f(x: Any) -> str:
        if x is None:
            return "nan"
        if isinstance(x, str):
            return x
        return f"{x:.4g}"

    for i in range(len(levels.get("level", []))):
        table.add_row(
            str(levels["level"][i]),
            str(levels["at_risk"][i]),
            str(levels["events"][i]),
            levels["best_family"][i],
            f(levels["h"][i]),
            f(levels["shape"][i]),
            f(levels["total_hazard"][i]),
            f(levels["q"][i]),
            f"[{f(levels['q_low'][i])}, {f(levels['q_high'][i])}]",
            f(levels["exact_q"][i]),
            "yes" if levels["in_trend"][i] else "no",
            f(levels["ks"][i]),
        )
    console.print(table)
    trend = est["trend"]
    console.print(f"trend of q_n: {trend['name']} ({trend['meaning']})")
    low, high = est["recurrence"][1], est["recurrence"][2]
    console.print(
        f"prod (1 - q_n) = {f(est['recurrence'][0])} [{f(low)}, {f(high)}]; "
        f"analytic {summary['analytic']['recurrence']:.4g}"
    )
    support = ", ".join(f"{k} {v:.2f}" for k, v in est["support"].items() if v)
    console.print(f"estimated verdict: [bold]{est['outcome']}[/] ({est['reason']})")
    console.print(f"bootstrap support ({est['bootstrap']} resamples): {support}")
    console.print(
        f"analytic verdict:  [bold]{summary['analytic']['outcome']}[/] "
        f"({summary['analytic']['reason']})"
    )
    van = est["vanishing"]
    if van and van.get("factor_per_level") is not None:
        word = "vanishing" if van["vanishing"] else "not vanishing"
        console.print(
            f"within the horizon: Lambda_n(t*={f(van['age'])}) x "
            f"{f(van['factor_per_level'])} per level ({word}; share of resamples "
            f"decreasing {f(van['support'])})"
        )
    console.print(f"simulation {seconds[0]:.2f} s, analysis {seconds[1]:.2f} s")


def verdict(
    param: list[str] = typer.Option(
        [],
        "--param",
        "-p",
        metavar="KEY=VALUE",
        help="Scenario parameter KEY=VALUE (repeatable), e.g. hazard=power.",
    ),
    replicates: int = typer.Option(1000, "--replicates", help="Replicates simulated."),
    horizon: float = typer.Option(50.0, "--horizon", help="Horizon T (censoring time)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the simulation and the bootstrap."),
    engine: str = typer.Option("chain", "--engine", help="chain (exact) or abm (Mesa model)."),
    bootstrap: int = typer.Option(200, "--bootstrap", help="Bootstrap resamples."),
    pooled: bool = typer.Option(False, "--pooled", help="Levels are alike: pool them."),
    criterion: str = typer.Option("bic", "--criterion", help="Family selection: bic or aic."),
    events_out: Path | None = typer.Option(
        None, "--events-out", help="Write the event table to this Parquet file."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Simulate a scenario's event table and estimate 'supercoherence or recursion forever'."""
    from supercoherence.models.engine.events import (
        abm_events,
        event_table,
        iter_events,
        write_events,
    )
    from supercoherence.simulations.verdict import estimate_verdict
    from supercoherence.theory.scenario import TakeoverScenario

    if engine not in ("chain", "abm"):
        raise ParameterError("engine", engine, "chain, abm")
    if not (isinstance(horizon, float) and math.isfinite(horizon) and horizon > 0):
        raise ParameterError("horizon", horizon, "a finite time > 0")
    scenario = TakeoverScenario.from_mapping(key_values(param))
    start = time.perf_counter()
    if engine == "chain":
        if events_out is not None:
            write_events(events_out, iter_events(scenario, replicates, seed=seed, horizon=horizon))
        table = event_table(scenario, replicates, seed=seed, horizon=horizon)
    else:
        steps = int(horizon)
        if steps != horizon:
            raise ParameterError("horizon", horizon, "whole steps for --engine abm")
        table = abm_events(scenario, replicates, seed=seed, horizon=steps)
        if events_out is not None:
            write_events(events_out, table)
    simulated = time.perf_counter()
    estimated = estimate_verdict(
        table, pooled=pooled, bootstrap=bootstrap, seed=seed, criterion=criterion
    )
    seconds = (simulated - start, time.perf_counter() - simulated)
    summary = verdict_summary(scenario, estimated)
    if as_json:
        summary["seconds"] = {"simulation": seconds[0], "analysis": seconds[1]}
        typer.echo(json.dumps(summary, indent=2))
    else:
        _print(summary, seconds)


def register(app: typer.Typer) -> None:
    """Attach the ``verdict`` command to the root application."""
    app.command("verdict")(verdict)
