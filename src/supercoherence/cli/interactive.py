"""``supercoherence app`` (the browser app) and ``supercoherence widget`` (one HTML file).

(Not ``cli/app.py``: that submodule would shadow the Typer object ``supercoherence.cli.app``.)

``app`` runs ``solara run supercoherence.models.nested.app`` (the nested model with Mesa's
SolaraViz, and the recursion page) on a local port.  ``widget`` writes the self-contained
widget of :mod:`supercoherence.simulations.presentation.widget` for a post: from a stored
study folder (sliders over its varied parameters, its Monte Carlo estimates at the nearest
grid point, its phase diagram and lineages) or from ``--scenario key=value`` pairs;
``--iframe FILE`` also writes an ``<iframe srcdoc>`` snippet for any HTML page
(docs/WIDGET.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer

from supercoherence.errors import ParameterError

__all__ = ["app_command", "parse_pairs", "register", "solara_command", "widget_command"]

#: The module ``solara run`` serves.
APP_MODULE = "supercoherence.models.nested.app"


def parse_pairs(pairs: list[str]) -> dict[str, str]:
    """``["spawn_rate=2", "hazard=power"]`` -> a dict (values kept as the strings typed).

    Raises
    ------
    ParameterError
        For a pair without ``=``.

    Examples
    --------
    >>> parse_pairs(["spawn_rate=2", "hazard=power"])
    {'spawn_rate': '2', 'hazard': 'power'}
    """
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ParameterError("--scenario", pair, "key=value")
        out[key.strip()] = value.strip()
    return out


def _typed(values: dict[str, str]) -> dict[str, object]:
    """Numbers as floats (the scenario's fields), ``hazard`` and other words as text."""
    out: dict[str, object] = {}
    for key, value in values.items():
        try:
            out[key] = float(value) if key != "utility_dimension" else int(value)
        except ValueError:
            out[key] = value
    return out


def solara_command(host: str, port: int, *, production: bool = True) -> list[str]:
    """The ``solara run`` command line of the app.

    Examples
    --------
    >>> solara_command("127.0.0.1", 8765)[1:4]
    ['-m', 'solara', 'run']
    """
    cmd = [sys.executable, "-m", "solara", "run", APP_MODULE, "--host", host, "--port", str(port)]
    cmd += ["--no-open", "--production" if production else "--auto-restart"]
    return cmd


def app_command(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8765, help="Port of the app."),
    dev: bool = typer.Option(False, "--dev", help="Reload on code changes."),
) -> None:
    """Start the browser app: the nested model (Mesa SolaraViz) and the recursion page."""
    typer.echo(f"supercoherence app on http://{host}:{port}/ (Ctrl-C stops it)")
    env = dict(os.environ, SOLARA_CHECK_VERSION="False")
    try:
        status = subprocess.call(solara_command(host, port, production=not dev), env=env)
    except KeyboardInterrupt:  # pragma: no cover - interactive
        status = 0
    raise typer.Exit(status)


def widget_command(
    study_dir: Path | None = typer.Argument(
        None, help="A stored study folder (`supercoherence study run` output)."
    ),
    scenario: list[str] = typer.Option(
        [], "--scenario", "-s", help="Starting parameter, key=value (repeatable)."
    ),
    out: Path = typer.Option(Path("widget.html"), "--out", "-o", help="The HTML file."),
    iframe: Path | None = typer.Option(
        None,
        "--iframe",
        help="Also write an <iframe srcdoc> snippet (with its resize script) to paste into "
        "any HTML page (docs/WIDGET.md).",
    ),
) -> None:
    """Write ONE self-contained HTML widget (no network) for a post or a static site."""
    from supercoherence.simulations.presentation.widget import srcdoc_iframe, write_widget

    path = write_widget(out, scenario=_typed(parse_pairs(scenario)), study_dir=study_dir)
    typer.echo(f"wrote {path} ({path.stat().st_size / 1024:.0f} kB)")
    if iframe is not None:
        iframe.parent.mkdir(parents=True, exist_ok=True)
        iframe.write_text(srcdoc_iframe(path.read_text(encoding="utf-8")), encoding="utf-8")
        typer.echo(f"wrote {iframe} (paste it into an HTML page)")


def register(app: typer.Typer) -> None:
    """Attach ``app`` and ``widget`` to the command line."""
    app.command("app")(app_command)
    app.command("widget")(widget_command)
