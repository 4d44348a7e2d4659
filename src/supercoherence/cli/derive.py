"""``supercoherence derive``: exact results of the theory layer from the command line.

``supercoherence derive RESULT [--param name=value ...] [--latex | --json]`` computes
one result of :mod:`supercoherence.theory` and prints its exact form, its value and
its LaTeX (a rich panel by default; ``--json`` prints
``{"name", "exact", "value", "latex", ...}``, ``--latex`` only the LaTeX).
``supercoherence derive --list`` lists the results and their parameters.

Parameter values are parsed by sympy with float literals turned into the rationals
they denote (``0.1 -> 1/10``), so results stay exact.  A numeric parameter left out
stays symbolic (``derive success`` gives :math:`\\gamma^r/(1 + \\gamma^r)`); an
expression parameter (a hazard, ``q_n``, a pgf, a matrix) is required.  Bad input
raises a :class:`~supercoherence.errors.SupercoherenceError`, which the root command
prints as one line with exit status 2.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp
import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from supercoherence.errors import ExpressionError, ParameterError, did_you_mean

__all__ = ["RESULTS", "Derivation", "ResultSpec", "derive", "register"]


@dataclass(frozen=True)
class Derivation:
    """What a result computes: the exact expression and extra lines for the report."""

    name: str
    exact: sp.Expr
    details: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ResultSpec:
    """One ``derive`` result: its parameters (name -> help) and how to compute it.

    ``required`` parameters have no symbolic default; the others default to the model
    symbol of the same name (or to ``defaults``).
    """

    summary: str
    params: dict[str, str]
    compute: Callable[[dict[str, sp.Expr]], Derivation]
    required: tuple[str, ...] = ()
    defaults: dict[str, str] = field(default_factory=dict)


def _symbols() -> dict[str, sp.Symbol]:
    from supercoherence.theory import competition, training
    from supercoherence.theory import symbols as S

    local: dict[str, Any] = {nm: getattr(S, nm) for nm in S.__all__}
    local.update(oo=sp.oo, inf=sp.oo, pi=sp.pi, E=sp.E)
    for nm in ("alpha", "K_x", "K_y", "r_x", "r_y", "omega", "x", "y"):
        local[nm] = getattr(competition, nm)
    local.update(
        nu=training.candidate_rate,
        theta_c=training.theta_c,
        theta_s=training.theta_s,
        dK=training.dK,
        dT=training.dT,
    )
    return local


#: Parameters whose value is a list (of rows).
_LIST_PARAMS = frozenset({"matrix", "P"})


def _parse(name: str, text: str) -> Any:
    """Parse ``text`` exactly (floats -> rationals) in the model's symbols."""
    try:
        value = sp.sympify(text, locals=_symbols(), rational=True)
    except (sp.SympifyError, SyntaxError, TypeError, ValueError, AttributeError) as exc:
        raise ExpressionError(name, text, "unparsable expression") from exc
    if isinstance(value, list) and name in _LIST_PARAMS:
        return value
    if not isinstance(value, sp.Basic):
        raise ExpressionError(name, text, "not a number or expression")
    return value


def _number(name: str, value: sp.Expr) -> sp.Expr:
    if value.free_symbols:
        raise ParameterError(name, sp.sstr(value), "a number", "this result needs a value")
    return value


# --------------------------------------------------------------------------- results


def _success(p: dict[str, sp.Expr]) -> Derivation:
    from supercoherence.theory.contest import success

    return Derivation("Tullock success probability s(gamma)", success(p["gamma"], p["r"]))


def _takeover(p: dict[str, sp.Expr]) -> Derivation:
    from supercoherence.theory.contest import per_spawn_takeover

    exact = per_spawn_takeover(p["a"], p["d"], p["gamma"], p["r"])
    return Derivation("per-spawn takeover probability (1-a)(1-d)s(gamma)", exact)


def _survival(p: dict[str, sp.Expr]) -> Derivation:
    from supercoherence.theory.hazard import survival

    exact = survival(p["h"], p["horizon"])
    return Derivation("survival exp(-int_0^horizon h)", exact, {"hazard": sp.sstr(p["h"])})


def _never_overthrown(p: dict[str, sp.Expr]) -> Derivation:
    from supercoherence.theory.hazard import never_overthrown

    exact = never_overthrown(p["h"])
    return Derivation("never overthrown exp(-int_0^oo h)", exact, {"hazard": sp.sstr(p["h"])})


def _certified(value: Any) -> tuple[sp.Expr, dict[str, str]]:
    """Exact form of a recursion ``CertifiedValue``, or its estimate with bounds."""
    details = {"method": value.method}
    if value.exact is not None:
        return value.exact, details
    details["bounds"] = f"[{value.lower:.17g}, {value.upper:.17g}]"
    return sp.Float(value.value, 17), details


def _classify(p: dict[str, sp.Expr]) -> Derivation:
    from supercoherence.theory.recursion import classify

    verdict = classify(p["q"])
    exact, details = _certified(verdict.recurrence)
    details = {"outcome": verdict.outcome.value, "reason": verdict.reason, **details}
    for outcome, condition in verdict.conditions.items():
        details[f"{outcome.value} iff"] = sp.sstr(condition)
    return Derivation("P(takeovers recur forever) = prod (1 - q_n)", exact, details)


def _recurrence(p: dict[str, sp.Expr]) -> Derivation:
    from supercoherence.theory.recursion import recurrence_probability

    exact, details = _certified(recurrence_probability(p["q"]))
    return Derivation("P(takeovers recur forever) = prod (1 - q_n)", exact, details)


def _extinction(p: dict[str, sp.Expr]) -> Derivation:
    from supercoherence.theory import branching

    pgf = p.get("pgf")
    if pgf is None or (isinstance(pgf, sp.Symbol) and pgf.name == "poisson"):
        result = branching.poisson_extinction(p["m"])
        details = {"offspring": f"Poisson(m = {sp.sstr(p['m'])})"}
        return Derivation(result.name, result.exact, details)
    f = branching.validate_pgf(pgf)  # normalised once (warns once) if f(1) is nearly 1
    result = branching.extinction_probability(f)
    details = {
        "offspring pgf": sp.sstr(f),
        "mean offspring m": sp.sstr(branching.mean_offspring(f)),
    }
    return Derivation(result.name, result.exact, details)


def _progeny(p: dict[str, sp.Expr]) -> Derivation:
    from supercoherence.theory.branching import mean_total_progeny

    result = mean_total_progeny(p["m"])
    return Derivation(result.name, result.exact)


def _perron(p: dict[str, sp.Expr]) -> Derivation:
    from supercoherence.theory.branching import perron_root

    rows = p["matrix"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ParameterError("matrix", sp.sstr(rows), "a list of rows, e.g. [[1, 1], [1, 0]]")
    result = perron_root(rows)
    root = result.exact
    verdict = "survives with positive probability" if root > 1 else "dies out almost surely"
    return Derivation(result.name, root, {"multi-type process": verdict})


def _competition(p: dict[str, sp.Expr]) -> Derivation:
    from supercoherence.checks import check_in_interval
    from supercoherence.theory import competition as C

    omega = check_in_interval("omega", p["omega"], -1, 1)
    params = C.CompetitionParams(
        **{k: _number(k, p[k]) for k in ("alpha", "beta", "K_x", "K_y", "r_x", "r_y")}
    )
    result = C.outcome(params)
    details = {"outcome": result.value}
    for eq in C.equilibria(params):
        eigen = ", ".join(sp.sstr(v) for v in eq.eigenvalues)
        feasible = "" if eq.feasible else ", infeasible"
        details[f"equilibrium {eq.name}"] = (
            f"({sp.sstr(eq.x)}, {sp.sstr(eq.y)}): eigenvalues {eigen} "
            f"({eq.stability.value}{feasible})"
        )
    attractors = C.stable_equilibria(params)
    if len(attractors) == 1:
        eq = attractors[0]
        exact = C.coherence(eq.x, eq.y, omega)
        details["coherence at"] = f"({sp.sstr(eq.x)}, {sp.sstr(eq.y)})"
    else:
        exact = sp.nan
        details["coherence"] = "no unique attractor: depends on the initial state"
    return Derivation("coherence at the attractor (x + y omega)/(x + y)", exact, details)


def _ruin(p: dict[str, sp.Expr]) -> Derivation:
    from supercoherence.theory.contest import ruin_probability

    exact = ruin_probability(p["p"], p["start"], p["total"])
    return Derivation("gambler's ruin: P(base loses all units)", exact)


def _duration(p: dict[str, sp.Expr]) -> Derivation:
    from supercoherence.theory.contest import expected_duration

    exact = expected_duration(p["p"], p["start"], p["total"])
    return Derivation("gambler's ruin: expected number of rounds", exact)


def _drift(p: dict[str, sp.Expr]) -> Derivation:
    from supercoherence.theory.drift import expected_alignment

    return Derivation(
        "expected alignment E[w_n . w_0] = rho^n", expected_alignment(p["n"], p["rho"])
    )


def _final_alignment(p: dict[str, sp.Expr]) -> Derivation:
    from supercoherence.theory.drift import expected_final_alignment

    exact = expected_final_alignment(p["q"], p["rho"])
    return Derivation("expected final alignment E[rho^N]", exact)


def _spawn_rate(p: dict[str, sp.Expr]) -> Derivation:
    from supercoherence.theory import training

    args = (p["theta_c"], p["dK"], p["theta_s"], p["dT"], p["p"])
    details = {"P(mesa)": sp.sstr(training.mesa_probability(*args))}
    return Derivation(
        "mesa spawn rate lambda = nu P(mesa)", training.spawn_rate(p["nu"], *args), details
    )


def _absorption(p: dict[str, sp.Expr]) -> Derivation:
    from supercoherence.theory.markov import AbsorbingChain

    rows = p["P"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ParameterError("P", sp.sstr(rows), "a list of rows, e.g. [[1, 0], [1/2, 1/2]]")
    chain = AbsorbingChain(rows)
    start, target = (int(_integer(name, p[name])) for name in ("start", "target"))
    exact = sp.sympify(chain.absorption_probability(start, target))
    details = {
        "transient states": ", ".join(map(str, chain.transient_states)),
        "absorbing states": ", ".join(map(str, chain.absorbing_states)),
    }
    if start in chain.transient_states:
        steps = chain.expected_steps[chain.transient_states.index(start)]
        details["expected steps to absorption"] = sp.sstr(sp.sympify(steps))
    return Derivation(f"P(absorbed in {target} | start in {start})", exact, details)


def _integer(name: str, value: sp.Expr) -> sp.Expr:
    if not (isinstance(value, sp.Basic) and value.is_Integer):
        raise ParameterError(name, sp.sstr(value), "a state index (integer)")
    return value


RESULTS: dict[str, ResultSpec] = {
    "success": ResultSpec(
        "Tullock contest success s(gamma) = gamma^r / (1 + gamma^r)",
        {"gamma": "capability ratio c_mesa/c_base (> 0)", "r": "sharpness (> 0)"},
        _success,
    ),
    "takeover-probability": ResultSpec(
        "per-spawn takeover probability pi = (1 - a)(1 - d) s(gamma)",
        {
            "a": "alignment skill in [0, 1]",
            "d": "detection in [0, 1]",
            "gamma": "capability ratio (> 0)",
            "r": "sharpness (> 0)",
        },
        _takeover,
    ),
    "survival": ResultSpec(
        "P(no takeover by the horizon) = exp(-int_0^horizon h(t) dt)",
        {"h": "hazard, an expression in t (required)", "horizon": "time >= 0 or oo"},
        _survival,
        required=("h",),
        defaults={"horizon": "oo"},
    ),
    "never-overthrown": ResultSpec(
        "q = exp(-int_0^oo h(t) dt)",
        {"h": "hazard, an expression in t (required)"},
        _never_overthrown,
        required=("h",),
    ),
    "classify": ResultSpec(
        "which side of the dichotomy q_n is on, with the test that decided",
        {"q": "never-overthrown probability q_n, an expression in n (required)"},
        _classify,
        required=("q",),
    ),
    "recurrence-probability": ResultSpec(
        "P(takeovers recur forever) = prod_n (1 - q_n), exact or certified",
        {"q": "q_n, an expression in n (required)"},
        _recurrence,
        required=("q",),
    ),
    "extinction": ResultSpec(
        "extinction probability of the nested lineage (Galton-Watson)",
        {
            "pgf": "offspring pgf in s, or 'poisson' (default) with m",
            "m": "mean offspring number (Poisson, >= 0)",
        },
        _extinction,
        defaults={"pgf": "poisson"},
    ),
    "progeny": ResultSpec(
        "expected total progeny 1/(1 - m) (oo for m >= 1)",
        {"m": "mean offspring number (>= 0)"},
        _progeny,
    ),
    "perron-root": ResultSpec(
        "Perron root of a multi-type mean matrix (> 1: survival possible)",
        {"matrix": "nonnegative square matrix, e.g. [[1, 1], [1, 0]] (required)"},
        _perron,
        required=("matrix",),
    ),
    "competition": ResultSpec(
        "Lotka-Volterra competition: outcome, equilibria, coherence at the attractor",
        {
            "alpha": "effect of mesa on base (>= 0, required)",
            "beta": "effect of base on mesa (>= 0, required)",
            "K_x": "base carrying capacity (> 0)",
            "K_y": "mesa carrying capacity (> 0)",
            "r_x": "base growth rate (> 0)",
            "r_y": "mesa growth rate (> 0)",
            "omega": "cosine of the mesa's utility with the base's, in [-1, 1]",
        },
        _competition,
        required=("alpha", "beta"),
        defaults={"K_x": "1", "K_y": "1", "r_x": "1", "r_y": "1"},
    ),
    "ruin": ResultSpec(
        "gambler's ruin: P(base with `start` of `total` units loses them all)",
        {
            "p": "base's per-round win probability in [0, 1]",
            "start": "base's initial units (integer in [0, total])",
            "total": "units in play (integer >= 1)",
        },
        _ruin,
    ),
    "ruin-duration": ResultSpec(
        "gambler's ruin: expected number of rounds",
        {
            "p": "base's per-round win probability in [0, 1]",
            "start": "base's initial units (integer in [0, total])",
            "total": "units in play (integer >= 1)",
        },
        _duration,
    ),
    "drift": ResultSpec(
        "expected alignment with the original utility after n takeovers, rho^n",
        {"rho": "drift correlation per takeover in [-1, 1]", "n": "number of takeovers"},
        _drift,
    ),
    "final-alignment": ResultSpec(
        "expected final alignment E[rho^N] (stationary: q / (1 - (1 - q) rho))",
        {"q": "never-overthrown probability: a constant or q_n in n", "rho": "in [-1, 1]"},
        _final_alignment,
    ),
    "spawn-rate": ResultSpec(
        "mesa spawn rate from training pressure, nu sigma(theta_c dK - theta_s dT + logit p)",
        {
            "nu": "candidate rate (>= 0)",
            "theta_c": "simplicity pressure (>= 0)",
            "dK": "description-length saving of an optimizer",
            "theta_s": "speed pressure (>= 0)",
            "dT": "extra run time of an optimizer",
            "p": "proxy advantage in (0, 1)",
        },
        _spawn_rate,
        defaults={"p": "1/2"},
    ),
    "absorption": ResultSpec(
        "absorbing Markov chain over optimizer types: P(absorbed in target | start)",
        {
            "P": "transition matrix, a list of rows summing to 1 (required)",
            "start": "starting state index (required)",
            "target": "absorbing state index (required)",
        },
        _absorption,
        required=("P", "start", "target"),
    ),
}


def _parse_params(spec_name: str, spec: ResultSpec, pairs: list[str]) -> dict[str, sp.Expr]:
    given: dict[str, str] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError("--param", pair, "name=value")
        if name not in spec.params:
            raise ParameterError.unknown(name, text, spec.params)
        given[name] = text.strip()
    values: dict[str, sp.Expr] = {}
    for name in spec.params:
        if name in given:
            values[name] = _parse(name, given[name])
        elif name in spec.defaults:
            values[name] = _parse(name, spec.defaults[name])
        elif name in spec.required:
            raise ParameterError(name, None, spec.params[name], "missing: pass --param name=value")
        else:
            values[name] = _symbols().get(name, sp.Symbol(name))
    return values


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

    Examples
    --------
    >>> derive("success", ["gamma=2", "r=1"]).exact
    2/3
    >>> derive("extinction", ["pgf=1/4 + s/4 + s**2/2"]).exact
    1/2
    """
    if result not in RESULTS:
        hint = did_you_mean(result, RESULTS) or "see `supercoherence derive --list`"
        raise ParameterError("RESULT", result, f"one of {list(RESULTS)}", hint)
    spec = RESULTS[result]
    return spec.compute(_parse_params(result, spec, params or []))


def _value(exact: sp.Expr) -> float | None:
    """Float value of a closed expression (``None`` if symbolic or undefined)."""
    if exact.free_symbols:
        return None
    try:
        value = float(sp.N(exact, 17))
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def _record(derivation: Derivation) -> dict[str, Any]:
    """The JSON record; ``value`` is ``null`` when symbolic, undefined or infinite
    (JSON has no infinity: ``exact`` is then ``"oo"``)."""
    value = _value(derivation.exact)
    return {
        "name": derivation.name,
        "exact": sp.sstr(derivation.exact),
        "value": value if value is not None and math.isfinite(value) else None,
        "latex": sp.latex(derivation.exact),
        **derivation.details,
    }


def _print_panel(derivation: Derivation) -> None:
    value = _value(derivation.exact)
    if value is None:
        shown = "undefined" if derivation.exact.has(sp.nan) else "(symbolic)"
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
        typer.echo(json.dumps(_record(derivation)))
    elif latex:
        typer.echo(sp.latex(derivation.exact))
    else:
        _print_panel(derivation)


def register(app: typer.Typer) -> None:
    """Attach the ``derive`` command to the root application."""
    app.command("derive")(_command)
