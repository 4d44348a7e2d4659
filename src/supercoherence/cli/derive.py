"""``supercoherence derive``: exact results of the theory layer from the command line.

``supercoherence derive RESULT [--param name=value ...] [--latex | --json]`` computes
one result of :mod:`supercoherence.theory` and prints its exact form, its value and
its LaTeX (a rich panel by default; ``--json`` prints
``{"name", "exact", "value", "latex", ...}``, ``--latex`` only the LaTeX).
``supercoherence derive --list`` lists the results and their parameters.

The results, their parameters and how each is computed are the registry
:mod:`supercoherence.theory.derivations` (callable from Python as
``derivations.derive("success", gamma=2, r=1)``); this module only splits the
``name=value`` pairs, calls it and prints.

Parameter values are parsed by the safe parser of
:mod:`supercoherence.theory.expressions` (nothing is executed), with decimal literals
exactly the decimals they spell (``0.1 -> 1/10``), so results stay exact.  A numeric
parameter left out stays symbolic (``derive success`` gives :math:`\\gamma^r/(1 + \\gamma^r)`); an
expression parameter (a hazard, ``q_n``, a pgf, a matrix) is required.  Bad input
raises a :class:`~supercoherence.errors.SupercoherenceError`, which the root command
prints as one line with exit status 2.
"""

from __future__ import annotations

import json
from typing import Any

import sympy as sp
import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from supercoherence.errors import ParameterError
from supercoherence.theory import derivations
from supercoherence.theory.derivations import RESULTS, Derivation, ResultSpec

__all__ = ["RESULTS", "Derivation", "ResultSpec", "derive", "register"]


def _parse(name: str, text: str) -> Any:
    """Parse ``text`` exactly (decimals are exact) in the model's symbols, executing nothing."""
    return derivations.parse_value(name, text)


def _pairs(spec: ResultSpec, pairs: list[str]) -> dict[str, str]:
    """``["name=value", ...]`` as ``{name: value}``; unknown names are refused."""
    given: dict[str, str] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError("--param", pair, "name=value")
        if name not in spec.params:
            raise ParameterError.unknown(name, text, spec.params)
        given[name] = text.strip()
    return given


def derive(result: str, params: list[str] | None = None) -> Derivation:
    """Compute the ``derive`` result ``result`` from ``name=value`` strings.

    Parameters
    ----------
    result : str
        A key of :data:`RESULTS` (``"success"``, ``"extinction"``, ...).
    params : list of str, optional
        ``"name=value"`` strings.

    Returns
    -------
    Derivation

    Raises
    ------
    ParameterError
        For an unknown result or parameter, a missing required parameter, or a value
        out of range.
    ExpressionError
        For an unparsable value.

    See Also
    --------
    supercoherence.theory.derivations.derive : the same from Python values.

    Examples
    --------
    >>> derive("success", ["gamma=2", "r=1"]).exact
    2/3
    >>> derive("extinction", ["pgf=1/4 + s/4 + s**2/2"]).exact
    1/2
    """
    spec = derivations.result_spec(result)
    return derivations.derive(result, **_pairs(spec, params or []))


def _print_panel(derivation: Derivation) -> None:
    value = derivation.value()
    if value is None:
        shown = "undefined" if derivation.exact.has(sp.nan) else "(symbolic)"
        if derivation.exact.is_number and derivation.exact.is_zero is False:
            shown = "below double precision (see exact)"
    else:
        shown = repr(value)
    rows = [
        ("exact", sp.sstr(derivation.exact)),
        ("value", shown),
        ("LaTeX", sp.latex(derivation.exact)),
        *derivation.details.items(),
    ]
    body = Text("\n").join(Text.assemble((key, "bold"), "  ", text) for key, text in rows)
    title = Text(derivation.name)
    Console(highlight=False).print(Panel(body, title=title, expand=False))


def _print_list() -> None:
    table = Table(title="supercoherence derive RESULT --param name=value ...")
    table.add_column("RESULT", style="bold")
    table.add_column("what")
    table.add_column("parameters")
    for name, spec in RESULTS.items():
        described = []
        for pname, text in spec.params.items():
            default = f" [default {spec.defaults[pname]}]" if pname in spec.defaults else ""
            described.append(f"{pname}: {text}{default}")
        table.add_row(name, spec.summary, "\n".join(described))
    Console(highlight=False).print(table)


def _command(
    result: str = typer.Argument(None, help="The result to derive (see --list)."),
    param: list[str] = typer.Option(
        None, "--param", "-p", help="A parameter as name=value (repeatable)."
    ),
    latex: bool = typer.Option(False, "--latex", help="Print only the LaTeX."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON record."),
    list_results: bool = typer.Option(False, "--list", help="List results and parameters."),
) -> None:
    """Derive an exact result (survival, classify, extinction, competition, ...)."""
    if list_results:
        _print_list()
        return
    if result is None:
        raise ParameterError("RESULT", None, f"one of {list(RESULTS)}", "missing; see --list")
    if latex and as_json:
        raise ParameterError("--latex/--json", "both", "at most one of --latex and --json")
    derivation = derive(result, param or [])
    if as_json:
        typer.echo(json.dumps(derivation.to_json()))
    elif latex:
        typer.echo(sp.latex(derivation.exact))
    else:
        _print_panel(derivation)


def register(app: typer.Typer) -> None:
    """Attach the ``derive`` command to the root application."""
    app.command("derive")(_command)
