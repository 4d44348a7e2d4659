"""The Typer application behind ``supercoherence`` (loaded only when a command runs).

:mod:`supercoherence.cli` answers ``--help`` and ``--version`` without importing
Typer or any command module (start-up within a few times ``python -c pass``); every
other invocation lands here.  Each command group lives in its own module
(``derive``, ``proofs``, ``study``, ``export``, ``demo``, ``verdict``,
``interactive``) and registers itself on :data:`app`.  Every
:class:`~supercoherence.errors.SupercoherenceError` is printed as one line on stderr
and the process exits with status 2.
"""

from __future__ import annotations

import importlib

import typer
import typer.core
from rich.console import Console

from supercoherence.cli import _ABOUT
from supercoherence.errors import SupercoherenceError

__all__ = ["ABOUT", "app", "err_console", "run"]

#: The root command's one-paragraph help (the fast path's, :mod:`supercoherence.cli`).
ABOUT = _ABOUT


def _flags_without_metavar() -> None:
    """Show no ``<bool>`` type column for on/off flags in ``--help``.

    Typer 0.29 prints the type of every option, so ``--json <bool>`` reads as if it
    took a value (``--json true`` fails: ``true`` is taken as an argument).  A flag
    takes no value; its type column is left empty.
    """
    option = typer.core.TyperOption
    if getattr(option.display_type_rich, "_supercoherence", False):
        return
    original = option.display_type_rich

    def display_type_rich(self, ctx):  # type: ignore[no-untyped-def]
        if getattr(self, "is_flag", False) and not getattr(self, "count", False):
            return None
        return original(self, ctx)

    display_type_rich._supercoherence = True  # type: ignore[attr-defined]
    option.display_type_rich = display_type_rich


_flags_without_metavar()

app = typer.Typer(
    name="supercoherence",
    help=ABOUT,
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


def run(argv: list[str] | None = None) -> int:
    """Run the Typer application on ``argv``; return the exit status.

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
