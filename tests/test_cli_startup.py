"""The command line's front door: fast ``--help`` / ``--version`` / stored ``derive``.

No wall-clock assertions (speed is ``benchmarks/bench_cli.py``); instead the tests check
*what is imported*: ``supercoherence --version`` and ``--help`` must not load Typer,
pandas, sympy, scipy or matplotlib, and a stored closed form must not load sympy; and
that the fast paths print what the Typer application would.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from supercoherence.cli import COMMANDS, main, root_help

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("typer", "pandas", "sympy", "scipy", "matplotlib", "numpy")


def _loaded_after(argv: list[str]) -> set[str]:
    """Top-level modules imported by ``main(argv)`` in a fresh interpreter."""
    code = (
        "import sys, io, contextlib\n"
        "from supercoherence.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    status = main({argv!r})\n"
        "assert status == 0, status\n"
        "print(sorted({m.split('.')[0] for m in sys.modules}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(out.stdout.replace("'", '"')))


@pytest.mark.parametrize("argv", [["--version"], ["--help"], []])
def test_version_and_help_load_no_heavy_library(argv: list[str]) -> None:
    assert not _loaded_after(argv) & set(HEAVY)


def test_stored_closed_form_loads_no_sympy() -> None:
    loaded = _loaded_after(["derive", "progeny", "--json"])
    assert not loaded & {"sympy", "typer", "pandas", "numpy"}


def test_version_equals_pyproject(capsys: pytest.CaptureFixture[str]) -> None:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        version = tomllib.load(fh)["project"]["version"]
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == version


def test_fast_root_help_lists_exactly_the_registered_commands() -> None:
    import typer.main

    from supercoherence.cli import app

    click_app = typer.main.get_command(app)
    registered = {
        name: (cmd.get_short_help_str(limit=300) or "") for name, cmd in click_app.commands.items()
    }
    from supercoherence import cli
    from supercoherence.cli._app import ABOUT

    assert cli._ABOUT == ABOUT == click_app.help
    assert dict(COMMANDS).keys() == registered.keys()
    for name, text in COMMANDS:
        assert registered[name].rstrip(".") == text.rstrip("."), name
        assert f"  {name} " in root_help()


def _all_help_texts() -> dict[str, str]:
    import click
    import typer.main

    from supercoherence.cli import app

    root = typer.main.get_command(app)
    texts: dict[str, str] = {}

    def walk(cmd: click.Command, path: list[str]) -> None:
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])
        else:
            texts[" ".join(path)] = ""

    walk(root, [])
    return texts


def test_no_flag_shows_a_bool_metavar(capsys: pytest.CaptureFixture[str]) -> None:
    # `--json <bool>` reads as if it took a value; `--json true` then fails.
    for command in _all_help_texts():
        assert main([*command.split(), "--help"]) == 0, command
        out = capsys.readouterr().out
        assert "<bool>" not in out, command


def test_help_texts_say_what_the_issue_asked(capsys: pytest.CaptureFixture[str]) -> None:
    from supercoherence.cli.derive import RESULT_NAMES
    from supercoherence.theory.derivations import RESULTS

    assert tuple(RESULTS) == RESULT_NAMES
    assert main(["derive", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for name in RESULT_NAMES:
        assert name in out
    assert "-p name=value" in out and "0.1 is 1/10" in out
    assert main(["demo", "--help"]) == 0
    assert "OUT/results" in " ".join(capsys.readouterr().out.replace("│", " ").split())
    assert main(["export", "graph", "--help"]) == 0
    assert "-p" in capsys.readouterr().out
