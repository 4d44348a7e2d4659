"""``supercoherence derive``: exact results of the theory layer from the command line.

``supercoherence derive RESULT [--param name=value ...] [--latex | --json | --markdown]``
computes one result of :mod:`supercoherence.theory` and prints its exact form, its
value and its LaTeX (a rich panel by default; ``--json`` prints
``{"name", "exact", "value", "latex", ...}``, ``--latex`` only the LaTeX, ``--markdown``
a block for a post: the name, the formula between ``$$`` and the details).
``supercoherence derive --list`` lists the results and their parameters.

The results, their parameters and how each is computed are the registry
:mod:`supercoherence.theory.derivations` (callable from Python as
``derivations.derive("success", gamma=2, r=1)``); this module only splits the
``name=value`` pairs, calls it and prints.

``exact`` is only ever an exact expression: a result known only as a certified
numerical enclosure (a product with no closed form) has ``"exact": null`` in JSON,
its ``value`` and its ``bounds``.  For ``classify``, ``--latex`` and ``--markdown``
print the condition that decided (the sum of ``q_n``, the product
:math:`\\prod_n (1 - q_n)` and the outcome), not only the number.

Parameter values are parsed by the safe parser of
:mod:`supercoherence.theory.expressions` (nothing is executed), with decimal literals
exactly the decimals they spell (``0.1 -> 1/10``), so results stay exact.  A numeric
parameter left out stays symbolic (``derive success`` gives :math:`\\gamma^r/(1 + \\gamma^r)`); an
expression parameter (a hazard, ``q_n``, a pgf, a matrix) is required.  Bad input
raises a :class:`~supercoherence.errors.SupercoherenceError`, which the root command
prints as one line with exit status 2.

Start-up: the symbolic closed forms (``derive RESULT`` without parameters) are stored
in :mod:`supercoherence.cli._closed_forms` and printed without importing sympy (a
test checks each against a fresh derivation); sympy is imported only to compute.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from supercoherence.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from supercoherence.theory.derivations import Derivation, ResultSpec

__all__ = [  # noqa: F822 - RESULTS, Derivation, ResultSpec via __getattr__ (lazy sympy)
    "RESULTS",
    "RESULT_NAMES",
    "Derivation",
    "ResultSpec",
    "closed_form_records",
    "derive",
    "register",
    "render",
]

#: The results' names, for ``--help`` without importing sympy (a test checks them
#: against :data:`supercoherence.theory.derivations.RESULTS`).
RESULT_NAMES = (
    "success",
    "takeover-probability",
    "survival",
    "never-overthrown",
    "classify",
    "recurrence-probability",
    "extinction",
    "progeny",
    "perron-root",
    "competition",
    "ruin",
    "ruin-duration",
    "drift",
    "final-alignment",
    "spawn-rate",
    "absorption",
)

#: The output modes of :func:`render`.
MODES = ("panel", "json", "latex", "markdown")


def __getattr__(name: str) -> object:
    if name in ("RESULTS", "Derivation", "ResultSpec"):
        from supercoherence.theory import derivations

        return getattr(derivations, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _parse(name: str, text: str) -> Any:
    """Parse ``text`` exactly (decimals are exact) in the model's symbols, executing nothing."""
    from supercoherence.theory import derivations

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
    """Compute the ``derive`` result ``result`` from ``"name=value"`` strings (``params``).

    What :func:`supercoherence.theory.derivations.derive` computes and raises, from the
    command line's strings; a pair without ``=`` or with an unknown name is a
    :class:`~supercoherence.errors.ParameterError` here, before anything is parsed.

    Examples
    --------
    >>> derive("success", ["gamma=2", "r=1"]).exact
    2/3
    >>> derive("extinction", ["pgf=1/4 + s/4 + s**2/2"]).exact
    1/2
    """
    from supercoherence.theory import derivations

    spec = derivations.result_spec(result)
    return derivations.derive(result, **_pairs(spec, params or []))


def _is_approximate(derivation: Derivation) -> bool:
    """Whether the 'exact' expression is only a decimal (a certified enclosure's midpoint)."""
    import sympy as sp

    return bool(derivation.exact.has(sp.Float))


def json_record(derivation: Derivation) -> dict[str, Any]:
    """The JSON record; ``exact`` is ``None`` when only a numerical enclosure is known.

    Examples
    --------
    >>> json_record(derive("success", ["gamma=2", "r=1"]))["exact"]
    '2/3'
    >>> record = json_record(derive("recurrence-probability", ["q=exp(-n)/2"]))
    >>> record["exact"] is None, 0.365 < record["value"] < 0.366, "bounds" in record
    (True, True, True)
    """
    record = derivation.to_json()
    if _is_approximate(derivation):
        record["exact"] = None
        record["latex"] = None
        record["note"] = "no closed form: value and bounds are a certified enclosure"
    return record


def _panel_rows(derivation: Derivation) -> list[tuple[str, str]]:
    import sympy as sp

    value = derivation.value()
    if value is None:
        shown = "undefined" if derivation.exact.has(sp.nan) else "(symbolic)"
        if derivation.exact.is_number and derivation.exact.is_zero is False:
            shown = "below double precision (see exact)"
    else:
        shown = repr(value)
    if _is_approximate(derivation):
        exact_rows = [("exact", "(no closed form: certified enclosure, see bounds)")]
    else:
        exact_rows = [("exact", sp.sstr(derivation.exact)), ("LaTeX", sp.latex(derivation.exact))]
    return [exact_rows[0], ("value", shown), *exact_rows[1:], *derivation.details.items()]


def classification_latex(q_text: str) -> str:
    r"""The classification of ``q_n`` as LaTeX: the condition that decided, then the outcome.

    An ``aligned`` block: ``q_n``, whether :math:`\sum_n q_n` is finite, the product
    :math:`P(\text{takeovers recur forever}) = \prod_n (1 - q_n)` (exact or certified
    bounds) and the outcome; for a symbolic ``q_n``, each outcome with its condition on
    the parameters.

    Examples
    --------
    >>> print(classification_latex("1/(n+2)**2"))
    \begin{aligned}
    q_n &= \frac{1}{\left(n + 2\right)^{2}} \\
    \sum_{n \ge 0} q_n &< \infty \\
    P(\text{takeovers recur forever}) &= \prod_{n \ge 0} (1 - q_n) = \frac{1}{2} > 0 \\
    &\Rightarrow \text{recursion forever with positive probability}
    \end{aligned}
    """
    import sympy as sp

    from supercoherence.theory.recursion import classify

    q = _parse("q", q_text)
    verdict = classify(q)
    lines = [rf"q_n &= {sp.latex(q)}"]
    if verdict.series_converges is not None:
        relation = "< \\infty" if verdict.series_converges else "= \\infty"
        lines.append(rf"\sum_{{n \ge 0}} q_n &{relation}")
    rec = verdict.recurrence
    head = r"P(\text{takeovers recur forever}) &= \prod_{n \ge 0} (1 - q_n)"
    if rec.exact is not None:
        positive = bool(rec.exact.is_positive) and rec.exact != 1
        lines.append(f"{head} = {sp.latex(rec.exact)}" + (" > 0" if positive else ""))
    elif not any(s.name != "n" for s in q.free_symbols) and not verdict.conditions:
        low, high = _bounds(rec.bounds_text)
        lines.append(rf"{head} \in [{_tex_number(low)}, {_tex_number(high)}]")
    if verdict.conditions:
        for outcome, condition in verdict.conditions.items():
            lines.append(rf"\text{{{outcome.value}}} &\iff {sp.latex(condition)}")
    else:
        lines.append(rf"&\Rightarrow \text{{{verdict.outcome.value}}}")
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def _bounds(text: str) -> tuple[str, str]:
    """``"[a, b]"`` as the two numbers' texts (no float round trip: ``1e-713`` stays)."""
    low, _, high = text.strip().strip("[]").partition(",")
    return low.strip(), high.strip()


def _tex_number(value: float | str) -> str:
    """``2.27e-173`` as ``2.27 \\times 10^{-173}``."""
    text = str(value)
    mantissa, sep, exponent = text.partition("e")
    if not sep or not exponent.lstrip("+-").isdigit():
        return text
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def _latex(derivation: Derivation) -> str:
    import sympy as sp

    if _is_approximate(derivation) and "bounds" in derivation.details:
        low, high = _bounds(derivation.details["bounds"])
        return rf"\in [{_tex_number(low)}, {_tex_number(high)}]"
    return sp.latex(derivation.exact)


def _markdown(name: str, latex: str, rows: list[tuple[str, str]]) -> str:
    """A Markdown block: bold name, the formula as display math, the details as a list."""
    lines = [f"**{name}**", "", "$$", latex, "$$"]
    if rows:
        lines.append("")
        lines.extend(f"- {key}: {text}" for key, text in rows)
    return "\n".join(lines)


def render(result: str, params: list[str], mode: str = "panel") -> str | list[tuple[str, str]]:
    """What ``derive`` prints, as text (``json``, ``latex``, ``markdown``) or panel rows.

    Parameters
    ----------
    result, params
        As for :func:`derive`.
    mode : {"panel", "json", "latex", "markdown"}

    Examples
    --------
    >>> print(render("success", ["gamma=2", "r=1"], "markdown"))
    **Tullock success probability s(gamma)**
    <BLANKLINE>
    $$
    \\frac{2}{3}
    $$
    <BLANKLINE>
    - value: 0.6666666666666666
    """
    if mode not in MODES:
        raise ParameterError("mode", mode, f"one of {', '.join(MODES)}")
    if result == "classify" and mode in ("latex", "markdown"):
        from supercoherence.theory import derivations

        given = _pairs(derivations.result_spec(result), params)
        if "q" not in given:
            raise ParameterError("q", None, "an expression in n", "required for classify")
        latex = classification_latex(given["q"])
        if mode == "latex":
            return latex
        derivation = derive(result, params)
        details = [(k, v) for k, v in derivation.details.items() if k != "method"]
        return _markdown(derivation.name, latex, details)
    derivation = derive(result, params)
    if mode == "json":
        return json.dumps(json_record(derivation))
    if mode == "latex":
        return _latex(derivation)
    rows = _panel_rows(derivation)
    if mode == "markdown":
        details = [(k, v) for k, v in rows if k not in ("exact", "LaTeX") and v != "(symbolic)"]
        return _markdown(derivation.name, _latex(derivation), details)
    return [("name", derivation.name), *rows]


def closed_form_records() -> dict[str, dict[str, Any]]:
    """Every parameter-free result rendered in every mode (what ``_closed_forms`` stores).

    Regenerate the stored table after changing a result::

        python -c "from supercoherence.cli.derive import write_closed_forms; write_closed_forms()"
    """
    from supercoherence.theory.derivations import RESULTS

    records: dict[str, dict[str, Any]] = {}
    for name, spec in RESULTS.items():
        if spec.required:
            continue
        records[name] = {mode: render(name, [], mode) for mode in MODES}
    return records


def write_closed_forms() -> None:  # pragma: no cover - maintenance
    """Write :mod:`supercoherence.cli._closed_forms` from :func:`closed_form_records`."""
    from pathlib import Path

    records = closed_form_records()
    text = (
        "# ruff: noqa: E501 - generated data\n"
        '"""Stored closed forms of ``derive RESULT`` without parameters (generated).\n\n'
        "Printed without importing sympy; regenerate with\n"
        "``supercoherence.cli.derive.write_closed_forms()``; a test checks them.\n"
        '"""\n\n'
        f"RECORDS = {records!r}\n"
    )
    Path(__file__).resolve().with_name("_closed_forms.py").write_text(text, encoding="utf-8")


def _stored(result: str, mode: str) -> str | list[tuple[str, str]] | None:
    try:
        from supercoherence.cli._closed_forms import RECORDS
    except ImportError:  # pragma: no cover - table not generated
        return None
    record = RECORDS.get(result)
    if record is None:
        return None
    value = record[mode]
    return [tuple(row) for row in value] if mode == "panel" else value


def _print_panel(rows: list[tuple[str, str]]) -> None:
    from supercoherence.cli import print_panel

    print_panel(rows)


def _print_list() -> None:
    from rich.console import Console
    from rich.table import Table

    from supercoherence.theory.derivations import RESULTS

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


_HELP = (
    "Derive an exact result (survival, classify, extinction, competition, ...).\n\n"
    f"RESULT is one of: {', '.join(RESULT_NAMES)}. `derive --list` shows what each computes "
    "and its parameters.\n\n"
    "Parameters are given as `-p name=value` (repeatable), for example "
    "`derive success -p gamma=2 -p r=1`, `derive classify -p 'q=1/(n+2)**2'`, "
    "`derive survival -p 'h=lambda*exp(-delta*t)' -p horizon=oo`, "
    "`derive perron-root -p 'matrix=[[1, 1], [1, 0]]'`. Values are exact expressions "
    "(a decimal is the decimal it spells: 0.1 is 1/10; oo is infinity; ** is a power; exp, "
    "log, sqrt, ...), parsed safely, never executed. A numeric parameter left out stays "
    "symbolic.\n\n"
    "Output: a panel by default; --json, --latex or --markdown (one of them)."
)


def _command(
    result: str = typer.Argument(
        None, metavar="RESULT", help="The result to derive (see above or --list)."
    ),
    param: list[str] = typer.Option(
        None, "--param", "-p", metavar="NAME=VALUE", help="A parameter (repeatable)."
    ),
    latex: bool = typer.Option(False, "--latex", help="Print only the LaTeX."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON record."),
    markdown: bool = typer.Option(
        False, "--markdown", help="Print a Markdown block ($$ math $$) for a post."
    ),
    list_results: bool = typer.Option(False, "--list", help="List results and parameters."),
) -> None:
    if list_results:
        _print_list()
        return
    if result is None:
        raise ParameterError("RESULT", None, f"one of {list(RESULT_NAMES)}", "missing; see --list")
    chosen = [m for m, on in (("latex", latex), ("json", as_json), ("markdown", markdown)) if on]
    if len(chosen) > 1:
        raise ParameterError("--latex/--json/--markdown", "+".join(chosen), "at most one of them")
    mode = chosen[0] if chosen else "panel"
    out = None if param else _stored(result, mode)
    if out is None:
        out = render(result, param or [], mode)
    if mode == "panel":
        _print_panel(out)  # type: ignore[arg-type]
    else:
        typer.echo(out)


_command.__doc__ = _HELP


def register(app: typer.Typer) -> None:
    """Attach the ``derive`` command to the root application."""
    app.command("derive")(_command)
