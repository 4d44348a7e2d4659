"""The ``supercoherence`` command line.

One Typer application; each command group lives in its own module
(``derive``, ``proofs``, ``study``, ``export``, ``demo``) and registers itself
here.  Every :class:`~supercoherence.errors.SupercoherenceError` is printed as one
line on stderr and the process exits with status 2.
"""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console

from supercoherence.errors import SupercoherenceError

__all__ = ["app", "main"]

app = typer.Typer(
    name="supercoherence",
    help=(
        "Coherence versus mesa-optimizer recursion: derive exact conditions, check the "
        "proofs, run Monte Carlo stability studies, export figures and graphs."
    ),
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    add_completion=False,
)

err_console = Console(stderr=True)


def _register() -> None:
    """Attach every command module (each exposes ``register(app)``)."""
    from supercoherence.cli import demo, derive, export, proofs, study, verdict

    for module in (derive, proofs, study, export, demo, verdict):
        module.register(app)
    importlib.import_module("supercoherence.cli.interactive").register(app)  # app, widget


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    """Coherence versus mesa-optimizer recursion."""
    if version:
        from supercoherence import __version__

        typer.echo(__version__)
        raise typer.Exit()
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit()


_register()


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Errors the user caused (:class:`SupercoherenceError`) become one line on stderr
    and exit status 2.
    """
    try:
        app(args=argv, prog_name="supercoherence")
    except SupercoherenceError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 2
    except SystemExit as exc:  # click's own exit (usage errors exit 2, --help 0)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def _entry() -> None:  # pragma: no cover - console script
    sys.exit(main())
