r"""The registry of named theory results: what ``supercoherence derive`` computes.

Each entry of :data:`RESULTS` is a :class:`ResultSpec`: a one-line summary, its
parameters (name -> help, with defaults and which are required) and the function that
computes a :class:`Derivation` (the exact expression and extra report lines) from
exact parameter values.  The command line (:mod:`supercoherence.cli.derive`) only
parses ``name=value`` pairs, calls :func:`derive` and prints; from Python call
:func:`derive` directly with numbers, sympy objects or strings.

Parameter values.  A string is parsed by the safe parser
:func:`~supercoherence.theory.expressions.parse_expression` (nothing is executed;
decimals are exactly the decimals they spell, ``"0.1" -> 1/10``) in the vocabulary
:func:`vocabulary` (the recursion's symbols, the competition and training symbols by
the names a user types); ``pgf="poisson"`` is the keyword of the Poisson offspring
family, and ``matrix`` and ``P`` are lists of rows.  A number is the exact number it
is (:func:`~supercoherence.theory.result.sympify_param`).  A numeric parameter left out
stays symbolic (``derive("success")`` is :math:`\gamma^r/(1 + \gamma^r)`); an
expression parameter (a hazard, ``q_n``, a pgf, a matrix) is required.

Examples
--------
>>> derive("success", gamma=2, r=1).exact
2/3
>>> derive("success").exact
gamma**r/(gamma**r + 1)
>>> derive("survival", h="1/2", horizon=4).to_json()["exact"]
'exp(-2)'
>>> sorted(RESULTS["competition"].required)
['alpha', 'beta']
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from supercoherence.checks import check_known_keys
from supercoherence.errors import ExpressionError, ParameterError, did_you_mean
from supercoherence.theory.expressions import framework_symbols, parse_expression
from supercoherence.theory.result import sympify_param

__all__ = [
    "LIST_PARAMETERS",
    "RESULTS",
    "Derivation",
    "ResultSpec",
    "derive",
    "parse_value",
    "result_spec",
    "vocabulary",
]


@dataclass(frozen=True)
class Derivation:
    r"""What a result computes: the exact expression and extra lines for the report.

    Attributes
    ----------
    name : str
        What the result is.
    exact : sympy.Expr
        The exact value (``nan`` when undefined).
    details : dict of str to str
        Further report lines (an outcome, bounds, the method, ...).

    Examples
    --------
    >>> res = Derivation("two thirds", sp.Rational(2, 3))
    >>> res.value(), res.to_json()["latex"]
    (0.6666666666666666, '\\frac{2}{3}')
    """

    name: str
    exact: sp.Expr
    details: dict[str, str] = field(default_factory=dict)

    def value(self) -> float | None:
        """The float value of a closed expression, ``None`` if symbolic or undefined.

        Examples
        --------
        >>> Derivation("oo", sp.oo).value(), Derivation("x", sp.Symbol("x")).value()
        (inf, None)
        """
        if self.exact.free_symbols:
            return None
        try:
            value = float(sp.N(self.exact, 17))
        except (TypeError, ValueError):
            return None
        if value == 0.0 and self.exact.is_zero is False:
            return None  # below double precision: the exact form carries the exponent
        return None if math.isnan(value) else value

    def to_json(self) -> dict[str, Any]:
        r"""The ``{"name", "exact", "value", "latex", **details}`` record.

        ``value`` is ``None`` when symbolic, undefined or infinite (JSON has no
        infinity: ``exact`` is then ``"oo"``).

        Examples
        --------
        >>> Derivation("progeny", sp.oo).to_json()
        {'name': 'progeny', 'exact': 'oo', 'value': None, 'latex': '\\infty'}
        """
        value = self.value()
        return {
            "name": self.name,
            "exact": sp.sstr(self.exact),
            "value": value if value is not None and math.isfinite(value) else None,
            "latex": sp.latex(self.exact),
            **self.details,
        }


@dataclass(frozen=True)
class ResultSpec:
    """One named result: its parameters (name -> help) and how to compute it.

    ``required`` parameters have no symbolic default; the others default to the model
    symbol of the same name (or to ``defaults``, strings parsed like user input).

    Examples
    --------
    >>> spec = RESULTS["extinction"]
    >>> list(spec.params), spec.defaults
    (['pgf', 'm'], {'pgf': 'poisson'})
    """

    summary: str
    params: dict[str, str]
    compute: Callable[[dict[str, sp.Expr]], Derivation]
    required: tuple[str, ...] = ()
    defaults: dict[str, str] = field(default_factory=dict)


def vocabulary() -> dict[str, sp.Basic]:
    """The names a parameter value may use: the framework's symbols and those of the
    competition and training models (by the names the results' parameters use).

    Examples
    --------
    >>> v = vocabulary()
    >>> v["lambda"], v["K_x"], v["nu"], v["dK"]
    (lambda, K_x, nu, Delta_K)
    """
    from supercoherence.theory import symbols as S

    local: dict[str, sp.Basic] = framework_symbols()
    for nm in ("alpha", "K_x", "K_y", "r_x", "r_y", "omega", "x", "y"):
        local[nm] = getattr(S, nm)
    local.update(
        nu=S.candidate_rate,
        theta_c=S.theta_c,
        theta_s=S.theta_s,
        dK=S.dK,
        dT=S.dT,
    )
    return local


#: Parameters whose value is a list (of rows).
LIST_PARAMETERS = frozenset({"matrix", "P"})


def parse_value(name: str, text: str) -> Any:
    """Parse the value ``text`` of parameter ``name`` exactly, executing nothing.

    Parameters
    ----------
    name : str
        The parameter (``"matrix"`` and ``"P"`` take lists of rows; ``pgf`` accepts
        the keyword ``"poisson"``).
    text : str
        The value as typed.

    Returns
    -------
    sympy.Basic or list

    Raises
    ------
    ExpressionError
        If ``text`` is not a whitelisted expression (or not a number or expression).

    Examples
    --------
    >>> parse_value("q", "1/(n+2)**2")
    (n + 2)**(-2)
    >>> parse_value("matrix", "[[1, 0.5], [0, 1]]")
    [[1, 1/2], [0, 1]]
    >>> parse_value("pgf", "poisson")
    poisson
    """
    if name == "pgf" and text.strip() == "poisson":
        return sp.Symbol("poisson")  # the keyword of the Poisson family, not an expression
    value = parse_expression(text, name=name, symbols=vocabulary(), lists=name in LIST_PARAMETERS)
    if isinstance(value, list) and name in LIST_PARAMETERS:
        return value
    if not isinstance(value, sp.Basic):
        raise ExpressionError(name, text, "not a number or expression")
    return value


def _value_of(name: str, value: Any) -> Any:
    """A parameter value given from Python: strings parsed, numbers made exact."""
    if isinstance(value, str):
        return parse_value(name, value)
    if isinstance(value, list | tuple) and name in LIST_PARAMETERS:
        return [list(row) if isinstance(row, list | tuple) else row for row in value]
    return sympify_param(name, value)


# --------------------------------------------------------------------------- results


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
    details["bounds"] = value.bounds_text  # any exponent: 3.26e-713 is not printed as 0
    if not value.certified:
        details["status"] = "uncertified: the partial product is an upper bound, not the value"
    return value.as_expr(), details


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


def result_spec(result: str) -> ResultSpec:
    """The :class:`ResultSpec` of ``result``, or a :class:`ParameterError` with a hint.

    Examples
    --------
    >>> result_spec("progeny").summary
    'expected total progeny 1/(1 - m) (oo for m >= 1)'
    >>> result_spec("succes")
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: RESULT = 'succes' ...(did you mean 'success'?)
    """
    if result not in RESULTS:
        hint = did_you_mean(result, RESULTS) or "see `supercoherence derive --list`"
        raise ParameterError("RESULT", result, f"one of {list(RESULTS)}", hint)
    return RESULTS[result]


def derive(result: str, /, **params: Any) -> Derivation:
    """Compute the named result ``result`` at the given parameter values.

    Parameters
    ----------
    result : str
        A key of :data:`RESULTS` (``"success"``, ``"extinction"``, ...).
    **params : number, str, sympy object or list
        Parameter values; strings are parsed by :func:`parse_value`, numbers made
        exact.  Left out: the default, else the model symbol (or an error when the
        parameter is required).

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
    >>> derive("success", gamma=2, r=1).exact
    2/3
    >>> derive("extinction", pgf="1/4 + s/4 + s**2/2").exact
    1/2
    >>> derive("perron-root", matrix=[[0.5, 0.25], [0.25, 0.5]]).exact
    3/4
    >>> derive("success", gama=2)
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: unknown parameter 'gama'; did you mean 'gamma'?
    """
    spec = result_spec(result)
    check_known_keys(params, spec.params)
    values: dict[str, Any] = {}
    for name in spec.params:
        if name in params:
            values[name] = _value_of(name, params[name])
        elif name in spec.defaults:
            values[name] = parse_value(name, spec.defaults[name])
        elif name in spec.required:
            raise ParameterError(name, None, spec.params[name], "missing: pass --param name=value")
        else:
            values[name] = vocabulary().get(name, sp.Symbol(name))
    return spec.compute(values)
