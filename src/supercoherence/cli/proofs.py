"""``supercoherence proofs``: check, show, list and export the machine-checked theorems.

- ``supercoherence proofs check [NAME ...] [--monte-carlo]``: a table (theorem,
  steps, checked by, status, time); exit status 1 if any theorem fails, with each
  failing step, its claim and the counterexample or residue.
- ``supercoherence proofs show NAME``: one theorem as a proof, checked.
- ``supercoherence proofs export --format md|tex [--out FILE] [NAME ...]``: the
  catalogue (or the named theorems) as MathJax Markdown or LaTeX.
- ``supercoherence proofs list``: names, families and titles.

An unknown theorem name is a :class:`~supercoherence.errors.ParameterError` (one line,
exit status 2, with a did-you-mean).
"""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from supercoherence.errors import ParameterError

__all__ = ["register"]

proofs_app = typer.Typer(
    name="proofs",
    help="Check, show and export the machine-checked theorems.",
    no_args_is_help=True,
)

_STATUS_STYLE = {"checked": "green", "holds, cites": "yellow", "failed": "bold red"}


def _engines(report) -> str:
    return ", ".join(f"{engine} {count}" for engine, count in sorted(report.counts().items()))


@proofs_app.command("check")
def check(
    names: list[str] = typer.Argument(None, help="Theorems to check (default: all)."),
    monte_carlo: bool = typer.Option(
        False, "--monte-carlo", help="Also run the Monte Carlo confirmations."
    ),
) -> None:
    """Check theorems; exit 1 if any fails."""
    from supercoherence.proofs import catalogue

    theorems = catalogue.select(names)
    console = Console()
    table = Table(title="supercoherence proofs")
    table.add_column("theorem", no_wrap=True)
    table.add_column("steps", justify="right")
    table.add_column("checked by")
    table.add_column("status")
    table.add_column("time", justify="right", no_wrap=True)
    if monte_carlo:
        table.add_column("Monte Carlo")
    start = time.perf_counter()
    reports = [t.check(strict=False, monte_carlo=monte_carlo) for t in theorems]
    for report in reports:
        style = _STATUS_STYLE[report.status]
        row = [
            report.name,
            str(len(report.steps)),
            _engines(report),
            f"[{style}]{report.status}[/]",
            f"{report.seconds:.2f} s",
        ]
        if monte_carlo:
            mc = report.monte_carlo
            row.append("-" if mc is None else f"{mc.status} (z = {mc.z:.2f})")
        table.add_row(*row)
    console.print(table)
    total = time.perf_counter() - start
    steps = [s for r in reports for s in r.steps]
    counts = {
        status: sum(s.outcome.status == status for s in steps)
        for status in ("checked", "cited", "failed")
    }
    console.print(
        f"{len(reports)} theorems, {len(steps)} steps: {counts['checked']} machine-checked, "
        f"{counts['cited']} cited, {counts['failed']} failed; {total:.2f} s"
    )
    failed = [r for r in reports if not r.ok]
    for report in failed:
        console.print(report.failure_message(), style="red", highlight=False, markup=False)
    if failed:
        raise typer.Exit(1)


@proofs_app.command("show")
def show(name: str = typer.Argument(..., help="The theorem's name.")) -> None:
    """Print one theorem as a checked proof (Markdown)."""
    from supercoherence.proofs import catalogue
    from supercoherence.proofs.export import markdown_theorem

    theorem = catalogue[name]
    report = theorem.check(strict=False)
    number = list(catalogue).index(name) + 1
    Console().print(Markdown(markdown_theorem(theorem, number, report)))
    if not report.ok:
        raise typer.Exit(1)


@proofs_app.command("export")
def export(
    names: list[str] = typer.Argument(None, help="Theorems to export (default: all)."),
    fmt: str = typer.Option("md", "--format", help="md (MathJax Markdown) or tex (LaTeX)."),
    out: Path = typer.Option(None, "--out", help="Write to this file instead of stdout."),
) -> None:
    """Export theorems and their checked proofs as Markdown or LaTeX."""
    from supercoherence.proofs import catalogue
    from supercoherence.proofs.export import to_latex, to_markdown

    writers = {"md": to_markdown, "tex": to_latex}
    if fmt not in writers:
        raise ParameterError("format", fmt, "md or tex")
    theorems = catalogue.select(names)
    reports = [t.check(strict=False) for t in theorems]
    text = writers[fmt](theorems, reports)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}")


@proofs_app.command("list")
def list_theorems() -> None:
    """List the theorems: name, family, title."""
    from supercoherence.proofs import catalogue

    table = Table(title="supercoherence theorems")
    for column in ("name", "family", "title"):
        table.add_column(column)
    for name, theorem in catalogue.items():
        table.add_row(name, theorem.family, theorem.title)
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Attach the ``proofs`` command group to the root application.

    Examples
    --------
    >>> import typer
    >>> app = typer.Typer()
    >>> register(app)
    >>> [g.name for g in app.registered_groups]
    ['proofs']
    """
    app.add_typer(proofs_app, name="proofs")
