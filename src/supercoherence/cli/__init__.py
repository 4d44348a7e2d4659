"""The ``supercoherence`` command line.

One Typer application (:mod:`supercoherence.cli._app`); each command group lives in
its own module (``derive``, ``proofs``, ``study``, ``export``, ``demo``, ...) and
registers itself there.  Every :class:`~supercoherence.errors.SupercoherenceError` is
printed as one line on stderr and the process exits with status 2.

Start-up: ``supercoherence --version``, ``supercoherence --help``, a bare
``supercoherence`` and ``derive RESULT`` of a stored symbolic closed form
(:mod:`supercoherence.cli._closed_forms`) are answered here without importing Typer
(which loads pydantic, ~0.2-0.4 s), sympy or any command module; pandas, sympy, scipy
and matplotlib are imported only inside the commands that use them.  :data:`COMMANDS`
is the root help's command list; a test checks it against the registered Typer
commands.  ``app`` is the Typer application, imported on first access.
"""

from __future__ import annotations

import sys

__all__ = ["COMMANDS", "app", "main", "print_panel", "root_help"]

#: The root help's commands and their one-line help, in Typer's order (commands, then
#: groups); tests/simulations/test_export_cli_commands.py checks them against the app.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("derive", "Derive an exact result (survival, classify, extinction, competition, ...)."),
    ("demo", "Run the dichotomy study, write its report and print the headline numbers."),
    (
        "verdict",
        "Simulate a scenario's event table and estimate 'supercoherence or recursion forever'.",
    ),
    ("app", "Start the browser app: the nested model (Mesa SolaraViz) and the recursion page."),
    ("widget", "Write ONE self-contained HTML widget (no network) for a post or a static site."),
    ("proofs", "Check, show and export the machine-checked theorems."),
    ("study", "Monte Carlo stability studies: run a study file, summarise and compare results."),
    ("export", "Figures and graphs from stored results or a seeded Mesa run (no study is re-run)."),
)

_ABOUT = (
    "Coherence versus mesa-optimizer recursion: derive exact conditions, check the "
    "proofs, run Monte Carlo stability studies, export figures and graphs."
)


def root_help() -> str:
    """The root ``--help`` text, built without Typer.

    Examples
    --------
    >>> text = root_help()
    >>> text.splitlines()[0]
    'Usage: supercoherence [OPTIONS] COMMAND [ARGS]...'
    >>> "  derive " in text and "--version" in text
    True
    """
    width = max(len(name) for name, _ in COMMANDS) + 2
    lines = [
        "Usage: supercoherence [OPTIONS] COMMAND [ARGS]...",
        "",
        *_wrap(_ABOUT, 76, "  "),
        "",
        "Options:",
        "  --version  Print the version and exit.",
        "  --help     Show this message and exit.",
        "",
        "Commands:",
        *(f"  {name:<{width}}{text}" for name, text in COMMANDS),
        "",
        "Run 'supercoherence COMMAND --help' for a command's options.",
    ]
    return "\n".join(lines)


#: ``derive`` output flags the stored closed forms answer (``None``: the rich panel).
_DERIVE_MODES = {None: "panel", "--json": "json", "--latex": "latex", "--markdown": "markdown"}


def print_panel(rows: list[tuple[str, str]]) -> None:
    """Print ``derive``'s rich panel: ``rows[0]`` is ``("name", title)``, then key/text rows."""
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

    (_, name), *rest = rows
    body = Text("\n").join(Text.assemble((key, "bold"), "  ", text) for key, text in rest)
    Console(highlight=False).print(Panel(body, title=Text(name), expand=False))


def _stored_derive(args: list[str]) -> int | None:
    """``derive RESULT [--json|--latex|--markdown]`` of a stored closed form, without sympy."""
    if not 2 <= len(args) <= 3 or args[0] != "derive":
        return None
    flag = args[2] if len(args) == 3 else None
    if flag not in _DERIVE_MODES:
        return None
    from supercoherence.cli._closed_forms import RECORDS

    record = RECORDS.get(args[1])
    if record is None:
        return None
    mode = _DERIVE_MODES[flag]
    if mode == "panel":
        print_panel([tuple(row) for row in record["panel"]])
    else:
        sys.stdout.write(f"{record[mode]}\n")
    return 0


def _wrap(text: str, width: int, indent: str) -> list[str]:
    """Greedy word wrap (``textwrap`` costs an import the fast path avoids)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(indent + word)
    return lines


def _fast(args: list[str]) -> int | None:
    """Answer ``--version`` / ``--help`` / no arguments / a stored ``derive`` without the app."""
    if args == ["--version"]:
        from supercoherence._version import __version__

        sys.stdout.write(f"{__version__}\n")
        return 0
    if args in ([], ["--help"]):
        sys.stdout.write(root_help() + "\n")
        return 0
    return _stored_derive(args)


def __getattr__(name: str) -> object:
    if name in ("app", "err_console"):
        from supercoherence.cli import _app

        return getattr(_app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Errors the user caused (:class:`SupercoherenceError`) become one line on stderr
    and exit status 2.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    fast = _fast(args)
    if fast is not None:
        return fast
    from supercoherence.cli._app import run

    return run(args)


def _entry() -> None:  # pragma: no cover - console script
    sys.exit(main())
