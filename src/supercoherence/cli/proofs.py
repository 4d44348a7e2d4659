"""``supercoherence proofs``: check, show, list and export the machine-checked theorems.

- ``supercoherence proofs check [NAME ...] [--monte-carlo]``: a table (theorem,
  steps, checked by -- steps per engine: ``sympy``, ``z3``, ``coq``, ``cited`` --,
  status, time); exit status 1 if any theorem fails, with each failing step, its
  claim and the counterexample or residue.  The Coq files are compiled in the
  background, two at a time, while the other steps are checked
  (:func:`~supercoherence.proofs.coq_checker.warming`; cached by content hash).
- ``supercoherence proofs show NAME``: one theorem as a proof, checked.
- ``supercoherence proofs export --format md|tex [--flavor lesswrong|github|commonmark]
  [--out FILE] [NAME ...]``: the
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
from rich.table import Table

from supercoherence.errors import ParameterError

__all__ = ["register"]

proofs_app = typer.Typer(
    name="proofs",
    help="Check, show and export the machine-checked theorems.",
    no_args_is_help=True,
)

_STATUS_STYLE = {"checked": "green", "holds, cites": "yellow", "failed": "bold red"}
# A theorem with a step whose engine is missing: "not checked (coq unavailable)".
_UNAVAILABLE_STYLE = "magenta"


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
    from supercoherence.proofs.coq_checker import warming

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
    with warming(s.claim for t in theorems for s in t.steps):
        reports = [t.check(strict=False, monte_carlo=monte_carlo) for t in theorems]
    for report in reports:
        style = _STATUS_STYLE.get(report.status, _UNAVAILABLE_STYLE)
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
        for status in ("checked", "cited", "example", "failed", "unavailable")
    }
    engines: dict[str, int] = {}
    for s in steps:
        if s.outcome.status == "checked":
            engines[s.outcome.engine] = engines.get(s.outcome.engine, 0) + 1
    by_engine = ", ".join(f"{engine} {n}" for engine, n in sorted(engines.items()))
    unavailable = f", {counts['unavailable']} not checked" if counts["unavailable"] else ""
    console.print(
        f"{len(reports)} theorems, {len(steps)} steps: {counts['checked']} machine-checked "
        f"({by_engine or 'none'}), {counts['cited']} cited, {counts['example']} examples, "
        f"{counts['failed']} failed{unavailable}; {total:.2f} s"
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
    from rich.markdown import Markdown

    Console().print(Markdown(markdown_theorem(theorem, number, report)))
    if not report.ok:
        raise typer.Exit(1)


@proofs_app.command("export")
def export(
    names: list[str] = typer.Argument(None, help="Theorems to export (default: all)."),
    fmt: str = typer.Option("md", "--format", help="md (Markdown with TeX maths) or tex (LaTeX)."),
    flavor: str = typer.Option(
        "lesswrong",
        "--flavor",
        help="Markdown maths: lesswrong (raw TeX in $...$ / $$...$$, for any dollar-math "
        "renderer), github ($`...`$ and ```math blocks) or commonmark (escaped for plain "
        "CommonMark + MathJax).",
    ),
    out: Path = typer.Option(None, "--out", help="Write to this file instead of stdout."),
) -> None:
    """Export theorems and their checked proofs as Markdown or LaTeX."""
    from supercoherence.proofs import catalogue
    from supercoherence.proofs.coq_checker import warming
    from supercoherence.proofs.export import FLAVORS, to_latex, to_markdown

    if fmt not in ("md", "tex"):
        raise ParameterError("format", fmt, "md or tex")
    if flavor not in FLAVORS:
        raise ParameterError("flavor", flavor, ", ".join(FLAVORS))
    theorems = catalogue.select(names)
    with warming(s.claim for t in theorems for s in t.steps):
        reports = [t.check(strict=False) for t in theorems]
    if fmt == "md":
        text = to_markdown(theorems, reports, flavor=flavor)
    else:
        text = to_latex(theorems, reports)
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
