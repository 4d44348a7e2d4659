"""``supercoherence export`` and ``supercoherence study report``: outputs without re-running.

``study report DIR`` writes ``report.md``, ``report.html`` and the figures beside a
study's stored results; ``export figures DIR [--format png,svg,pdf]`` only the figures;
``export graph [--steps S] [--seed N] [--nesting] [-p/--param KEY=VALUE ...] [--format
graphml,gexf,dot,json,cyjs,png,svg] [--out DIR]`` runs one seeded Mesa model and
writes its nesting graph (at the last step) and its lineage of top-level optimizers.
"""

from __future__ import annotations

from pathlib import Path

import typer

from supercoherence.cli._common import command_group, key_values
from supercoherence.errors import ParameterError

__all__ = ["export_app", "parse_formats", "register"]

export_app = command_group(
    "export", "Figures and graphs from stored results or a seeded Mesa run (no study is re-run)."
)

#: Largest ``--steps`` of ``export graph`` (one Mesa run, step by step).
_MAX_STEPS = 100_000

#: Command-line names of graph formats that differ from ``simulations.presentation.graphs``'s.
_GRAPH_ALIASES = {"cyjs": "cytoscape"}


def parse_formats(text: str, allowed: tuple[str, ...], name: str = "format") -> list[str]:
    """Split a comma-separated list of formats and check each one.

    Parameters
    ----------
    text : str
        For example ``"png,svg"``.
    allowed : tuple of str
        The accepted names.
    name : str
        The option name used in error messages.

    Returns
    -------
    list of str

    Raises
    ------
    ParameterError
        If the list is empty or a name is not allowed.

    Examples
    --------
    >>> parse_formats("png, svg", ("png", "svg", "pdf"))
    ['png', 'svg']
    >>> parse_formats("gif", ("png",))
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: format = 'gif' ...
    """
    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    if not formats:
        raise ParameterError(name, text, f"a comma-separated list of {', '.join(allowed)}")
    for fmt in formats:
        if fmt not in allowed:
            raise ParameterError(name, fmt, f"one of {', '.join(allowed)}")
    return formats


@export_app.command("figures")
def figures(
    directory: Path = typer.Argument(..., help="A study's output folder."),
    formats: str = typer.Option("png,svg,pdf", "--format", help="Comma-separated: png,svg,pdf."),
) -> None:
    """Draw a stored study's figures into DIR/figures."""
    from supercoherence.simulations.presentation.report import FIGURE_FORMATS, write_figures

    written = write_figures(directory, parse_formats(formats, FIGURE_FORMATS))
    for name, paths in written.items():
        typer.echo(f"{name}: {', '.join(str(p) for p in paths)}")
    if not written:
        typer.echo(f"no figures for the outputs stored in {directory}")


@export_app.command("graph")
def graph(
    out: Path = typer.Option(Path("graphs"), "--out", help="Output folder."),
    steps: int = typer.Option(30, "--steps", help="Steps of the Mesa run (the horizon)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the run."),
    nesting: bool = typer.Option(
        True, "--nesting/--no-nesting", help="Keep undetected losing mesa-optimizers nested."
    ),
    param: list[str] = typer.Option(
        [],
        "--param",
        "-p",
        metavar="KEY=VALUE",
        help="Scenario parameter (repeatable), e.g. -p spawn_rate=2 (as for derive).",
    ),
    formats: str = typer.Option(
        "graphml,gexf,dot,json,cyjs,png",
        "--format",
        help="Comma-separated: graphml,gexf,dot,json,cyjs,png,svg.",
    ),
) -> None:
    """Run one seeded Mesa model; export its nesting graph and its lineage."""
    from supercoherence.models.nested import NestedOptimizerModel
    from supercoherence.models.nested.model import MAX_EVENTS_PER_STEP
    from supercoherence.simulations.presentation.graphs import GRAPH_FORMATS, export_graph
    from supercoherence.theory.scenario import TakeoverScenario

    allowed = tuple(f for f in GRAPH_FORMATS if f != "cytoscape") + tuple(_GRAPH_ALIASES)
    formats = [_GRAPH_ALIASES.get(f, f) for f in parse_formats(formats, allowed)]
    if not 1 <= steps <= _MAX_STEPS:
        raise ParameterError("steps", steps, f"[1, {_MAX_STEPS}]")
    scenario = TakeoverScenario.from_mapping(key_values(param))
    expected = float(scenario.cumulative_hazard(0, 1.0))  # takeovers of the root, step 1
    if not expected <= MAX_EVENTS_PER_STEP:
        raise ParameterError(
            "spawn_rate",
            float(scenario.spawn_rate),
            f"a rate giving at most {MAX_EVENTS_PER_STEP} expected takeovers per step",
            message=f"spawn_rate = {float(scenario.spawn_rate):g} gives {expected:.3g} expected "
            f"takeovers of the root in one step; the step-by-step Mesa model allows at most "
            f"{MAX_EVENTS_PER_STEP} (lower spawn_rate or raise entrenchment_rate)",
        )
    model = NestedOptimizerModel(
        scenario, seed=seed, horizon=steps, nesting=nesting, collect_model=False
    )
    model.run_model()
    for name, graph_ in (("nesting", model.graph), ("lineage", model.lineage)):
        paths = export_graph(graph_, out / f"{name}_step_{model.steps}", formats)
        typer.echo(
            f"{name} ({graph_.number_of_nodes()} nodes, {graph_.number_of_edges()} "
            f"edges): {', '.join(str(p) for p in paths.values())}"
        )


def report(directory: Path = typer.Argument(..., help="A study's output folder.")) -> None:
    """Write report.md, report.html and the figures beside a study's results."""
    from supercoherence.simulations.presentation.report import write_report

    path = write_report(directory)
    typer.echo(f"report: {path} and {path.with_suffix('.html')}")


def register(app: typer.Typer) -> None:
    """Attach ``export`` to the root application and ``report`` to ``study``."""
    from supercoherence.cli.study import study_app

    study_app.command("report")(report)
    app.add_typer(export_app, name="export")
