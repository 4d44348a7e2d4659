r"""The derived conditions of a study, as LaTeX and as MathJax-ready Markdown.

For the recursion engines (``chain``, ``abm``) every parameter point is a
:class:`~supercoherence.theory.scenario.TakeoverScenario`.  Its per-spawn takeover
probability and hazard scale are

.. math:: \pi_n = (1 - a)(1 - d_n)\, s(\gamma), \qquad h_n = \lambda \pi_n,

and the probability that the n-th dominant optimizer is never overthrown is
:math:`q_n = e^{-\Lambda_n(\infty)}`: 0 for a constant hazard,
:math:`e^{-h_n/\delta_n}` for entrenchment (:math:`\delta_n = \delta/(1+n)^w`) and
:math:`e^{-h_n/(\beta-1)}` for a power-law hazard with :math:`\beta > 1`.  The dichotomy
theorem (``catalogue["dichotomy"]``) turns :math:`q_n` into the outcome: takeovers recur
forever with probability :math:`\prod_n (1 - q_n)`, positive exactly when
:math:`\sum_n q_n < \infty`.  :func:`derive_conditions` computes :math:`q_n` (exact,
``TakeoverScenario.never_overthrown``) and its classification
(:func:`supercoherence.theory.recursion.classify`) once per distinct :math:`q_n` of a
study.

Markdown output uses ``$...$`` inline and ``$$...$$`` on their own lines for display
maths (what MathJax, Jekyll/kramdown, Hugo, Quarto and most blog engines read).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

import sympy as sp

from supercoherence.errors import ParameterError

__all__ = [
    "CONDITIONS_FILE",
    "FAMILY_LATEX",
    "PointCondition",
    "conditions_from_json",
    "conditions_json",
    "conditions_latex",
    "conditions_markdown",
    "derive_conditions",
    "display_math",
    "q_keys",
    "readable_q",
    "theorem_markdown",
]

#: The hazard and never-overthrown probability of each hazard family (LaTeX).
FAMILY_LATEX: dict[str, tuple[str, str]] = {
    "constant": (r"h_n(t) = h_n", r"q_n = 0 \quad (h_n > 0)"),
    "entrenchment": (
        r"h_n(t) = h_n e^{-\delta_n t}, \quad \delta_n = \frac{\delta}{(1+n)^{w}}",
        r"q_n = \exp\!\left(-\frac{h_n}{\delta_n}\right)",
    ),
    "power": (
        r"h_n(t) = \frac{h_n}{(1+t)^{\beta}}",
        r"q_n = \exp\!\left(-\frac{h_n}{\beta - 1}\right) \ (\beta > 1), \quad q_n = 0 \ "
        r"(\beta \le 1)",
    ),
}

_SCALE_LATEX = (
    r"\pi_n = (1 - a)(1 - d_n)\, \frac{\gamma^{r}}{1 + \gamma^{r}}, \quad "
    r"1 - d_n = (1 - d)\, e^{-\kappa (c_n - c_0)}, \quad h_n = \lambda \pi_n"
)

_SCENARIO_ENGINES = ("chain", "abm")


@dataclass(frozen=True)
class PointCondition:
    r"""The classification of one distinct :math:`q_n` of a study.

    Attributes
    ----------
    points : tuple of int
        The parameter points that share this :math:`q_n`.
    hazard : str
        Their hazard family.
    q_latex : str
        :math:`q_n` as LaTeX (exact, in :math:`n`).
    outcome : str
        The outcome of the dichotomy (``Dichotomy.value``).
    reason : str
        The test that decided.
    recurrence : float
        :math:`P(\text{takeovers recur forever}) = \prod_n (1 - q_n)`.
    recurrence_bounds : (float, float)
        Certified lower and upper bounds of ``recurrence``.
    recurrence_latex : str or None
        The closed form of ``recurrence`` when one was found.
    q_display : str or None
        :math:`q_n` for a human reader (:func:`readable_q`): the family's formula with
        the named intermediate quantities :math:`h_n`, :math:`\delta_n` written out,
        numbers as the study's decimals (``q_latex`` is the exact expression, which
        for capability escalation is a triple-stacked exponential of long rationals).

    Examples
    --------
    >>> c = PointCondition((0,), "constant", "0", "recursion forever almost surely",
    ...                    "q_n = 0", 1.0, (1.0, 1.0), "1")
    >>> c.supercoherence
    0.0
    """

    points: tuple[int, ...]
    hazard: str
    q_latex: str
    outcome: str
    reason: str
    recurrence: float
    recurrence_bounds: tuple[float, float]
    recurrence_latex: str | None
    q_display: str | None = None

    @property
    def supercoherence(self) -> float:
        r""":math:`P(\text{supercoherence}) = 1 - \prod_n (1 - q_n)`."""
        return 1.0 - self.recurrence


def _exact_qs(
    points: Iterable[Mapping[str, object]], engine: str
) -> list[tuple[Any, sp.Expr] | None]:
    """Per point its scenario and exact :math:`q_n` (None: not a takeover scenario).

    Empty for an engine whose points are not takeover scenarios.
    """
    from supercoherence.theory.scenario import TakeoverScenario

    if engine not in _SCENARIO_ENGINES:
        return []
    names = set(TakeoverScenario.parameter_names())
    exact: list[tuple[Any, sp.Expr] | None] = []
    for point in points:
        if not set(point) <= names:  # interacting nested dynamics: no closed form
            exact.append(None)
            continue
        scenario = TakeoverScenario.from_mapping(dict(point))
        # a sympy expression or number built by the scenario, never text: strict
        exact.append((scenario, sp.sympify(scenario.never_overthrown(), strict=True)))
    return exact


def derive_conditions(
    points: Iterable[Mapping[str, object]], engine: str = "chain"
) -> list[PointCondition]:
    r"""Classify the :math:`q_n` of every parameter point, once per distinct :math:`q_n`.

    Parameters
    ----------
    points : iterable of mapping
        Parameter points with study-file keys (``Study.points``).
    engine : str
        The study's engine; only ``chain`` and ``abm`` points are takeover scenarios
        (other engines give an empty list).

    Returns
    -------
    list of PointCondition
        In order of first appearance.

    Raises
    ------
    ParameterError
        If a point is not a valid takeover scenario.

    Notes
    -----
    :math:`q_n` is the exact ``TakeoverScenario.never_overthrown()``; the classification and
    :math:`\prod_n (1 - q_n)` (exact or with certified bounds) come from
    :func:`supercoherence.theory.recursion.classify`.

    Examples
    --------
    >>> pts = [{"hazard": "constant"}, {"hazard": "entrenchment", "entrenchment_rate": 1.0},
    ...        {"hazard": "constant"}]
    >>> [(c.points, c.outcome) for c in derive_conditions(pts)]
    [((0, 2), 'recursion forever almost surely'), ((1,), 'supercoherence almost surely')]
    """
    from supercoherence.theory.recursion import classify

    groups: dict[str, tuple[list[int], str, sp.Expr]] = {}
    readables: dict[str, str] = {}
    for index, exact in enumerate(_exact_qs(points, engine)):
        if exact is None:  # interacting nested dynamics: no closed form
            continue
        scenario, q = exact
        key = sp.srepr(q)
        readables.setdefault(key, readable_q(scenario))
        if key not in groups:
            groups[key] = ([], scenario.hazard, q)
        groups[key][0].append(index)
    conditions = []
    for members, hazard, q in groups.values():
        verdict = classify(q)
        value = verdict.recurrence
        conditions.append(
            PointCondition(
                points=tuple(members),
                hazard=hazard,
                q_latex=sp.latex(q),
                outcome=verdict.outcome.value,
                reason=verdict.reason,
                recurrence=float(value.value),
                recurrence_bounds=(float(value.lower), float(value.upper)),
                recurrence_latex=None if value.exact is None else sp.latex(value.exact),
                q_display=readables.get(sp.srepr(q)),
            )
        )
    return conditions


#: ``conditions.json`` of a study folder: :func:`derive_conditions` of its points, written
#: by the run (``study run``) so that ``study report`` need not classify them again.
CONDITIONS_FILE = "conditions.json"
_CONDITIONS_FORMAT = 1
#: The JSON type of each field of a stored :class:`PointCondition` (``str`` unless named).
_JSON_KINDS: dict[str, type | tuple[type, ...]] = {
    "points": list,
    "recurrence": float,
    "recurrence_bounds": list,
    "recurrence_latex": (str, type(None)),
    "q_display": (str, type(None)),
}
_CONDITION_FIELDS = {f.name: _JSON_KINDS.get(f.name, str) for f in fields(PointCondition)}


def q_keys(points: Iterable[Mapping[str, object]], engine: str = "chain") -> list[str | None]:
    """Per point, the SHA-256 of its exact :math:`q_n` (``srepr``); None: no closed form.

    What :func:`conditions_from_json` checks a stored classification against: points
    with the same :math:`q_n` have the same key, a different :math:`q_n` another.

    Parameters
    ----------
    points : iterable of mapping
        Parameter points with study-file keys (``Study.points``).
    engine : str
        The study's engine (other engines than ``chain`` and ``abm``: an empty list).

    Returns
    -------
    list of str or None
        One hex digest per point; None for a point that is not a takeover scenario.

    Raises
    ------
    ParameterError
        If a point is not a valid takeover scenario.

    Examples
    --------
    >>> a, b, c = q_keys([{"hazard": "constant"}, {"hazard": "constant"},
    ...                   {"hazard": "entrenchment"}])
    >>> a == b != c, len(a)
    (True, 64)
    """
    import hashlib

    return [
        None if exact is None else hashlib.sha256(sp.srepr(exact[1]).encode()).hexdigest()
        for exact in _exact_qs(points, engine)
    ]


def conditions_json(conditions: list[PointCondition], keys: list[str | None]) -> str:
    """``conditions.json``: the conditions and the points' :func:`q_keys` they hold for.

    Floats are written with ``repr`` (exact round trip), ``NaN`` as JSON's extension.

    Parameters
    ----------
    conditions : list of PointCondition
        :func:`derive_conditions` of the points.
    keys : list of str or None
        :func:`q_keys` of the same points.

    Returns
    -------
    str
        The JSON text (format 1).

    Examples
    --------
    >>> pts = [{"hazard": "constant"}]
    >>> text = conditions_json(derive_conditions(pts), q_keys(pts))
    >>> conditions_from_json(text, q_keys(pts)) == derive_conditions(pts)
    True
    """
    import json

    records = []
    for c in conditions:
        record = {name: getattr(c, name) for name in _CONDITION_FIELDS}
        record["points"] = list(c.points)
        record["recurrence_bounds"] = list(c.recurrence_bounds)
        records.append(record)
    body = {"format": _CONDITIONS_FORMAT, "q_keys": keys, "conditions": records}
    return json.dumps(body, indent=1) + "\n"


def conditions_from_json(
    text: str, keys: list[str | None], source: object = CONDITIONS_FILE
) -> list[PointCondition]:
    """The conditions of :func:`conditions_json`, checked against the points' ``keys``.

    Parameters
    ----------
    text : str
        The file's text.
    keys : list of str or None
        :func:`q_keys` of the study's points.
    source : object, optional
        The file's path, for the error messages.

    Returns
    -------
    list of PointCondition

    Raises
    ------
    StudyFileError
        If ``text`` is not such a file, or holds the conditions of other points (its
        ``q_keys`` differ from ``keys``): a stored classification is used only for the
        very :math:`q_n` it was computed from.

    Examples
    --------
    >>> conditions_from_json('{"format": 1}', [])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    supercoherence.errors.StudyFileError: ...conditions.json...
    """
    import json

    from supercoherence.errors import StudyFileError

    def bad(why: str) -> StudyFileError:
        return StudyFileError(source, "", f"{why}; delete it and run `study run` again")

    try:
        body = json.loads(text)
    except ValueError as exc:
        raise bad(f"not JSON ({exc})") from None
    if not isinstance(body, dict) or body.get("format") != _CONDITIONS_FORMAT:
        raise bad(f"not a conditions file of format {_CONDITIONS_FORMAT}")
    if body.get("q_keys") != keys:
        raise bad("holds the classification of other parameter points")
    records = body.get("conditions")
    if not isinstance(records, list):
        raise bad("no list of conditions")
    conditions = []
    for record in records:
        if not isinstance(record, dict) or set(record) != set(_CONDITION_FIELDS):
            raise bad(f"a condition must have exactly the fields {sorted(_CONDITION_FIELDS)}")
        for name, kind in _CONDITION_FIELDS.items():
            value = record[name]
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = record[name] = float(value)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise bad(f"field {name!r} of a condition is not {kind}")
        members, bounds = record["points"], record["recurrence_bounds"]
        if not all(isinstance(i, int) and 0 <= i < len(keys) for i in members):
            raise bad("a condition names a point the study does not have")
        if len(bounds) != 2 or not all(isinstance(b, int | float) for b in bounds):
            raise bad("recurrence_bounds must be two numbers")
        conditions.append(
            PointCondition(
                **{
                    **record,
                    "points": tuple(members),
                    "recurrence_bounds": (float(bounds[0]), float(bounds[1])),
                }
            )
        )
    return conditions


_LONG_RATIONAL = re.compile(r"(?<![\w.])(\d{7,})/(\d{7,})(?![\w.])")


def readable_reason(text: str) -> str:
    """A classification reason with long exact rationals written as decimals.

    Study parameters are decimals, made exact as binary fractions
    (``0.3 -> 5404319552844595/18014398509481984``); a reader wants ``0.3``.

    Examples
    --------
    >>> readable_reason("q_n -> exp(-12610078956637389*exp(1/2)/90071992547409920) > 0")
    'q_n -> exp(-0.14*exp(1/2)) > 0'
    """
    text = re.sub(r"(?<![\w.])(\d{7,})\*(.+?)/(\d{7,})(?![\w.])", r"\1/\3*\2", text)
    return _LONG_RATIONAL.sub(lambda m: f"{int(m[1]) / int(m[2]):.6g}", text)


def _decimal(value: float) -> str:
    """A study parameter as the decimal it was written as (``0.3``, ``2``, ``0.0625``)."""
    return f"{float(value):.6g}"


def readable_q(scenario: object) -> str:
    r""":math:`q_n` of a takeover scenario as a reader would write it, with named parts.

    The hazard scale is :math:`h_n = h_0\, e^{-\kappa(\gamma^n - 1)}` (capability
    escalation: detection grows with capability :math:`c_n = \gamma^n`) or the constant
    :math:`h_0`; then :math:`q_n` is the family's formula in :math:`h_n` and
    :math:`\delta_n` (entrenchment) or :math:`\beta` (power law).  Numbers are the
    study's decimals (:math:`h_0` to four significant digits).

    Examples
    --------
    >>> from supercoherence.theory.scenario import TakeoverScenario
    >>> print(readable_q(TakeoverScenario(hazard="entrenchment", entrenchment_rate=0.5,
    ...       capability_ratio=2.0, detection_scaling=0.5, alignment_skill=0.3,
    ...       sharpness=2.0)))
    q_n = e^{-h_n/\delta_n}, \quad h_n = 0.28\, e^{-0.5\,(2^{n} - 1)}, \quad \delta_n = 0.5
    >>> print(readable_q(TakeoverScenario(hazard="entrenchment", entrenchment_rate=0.125,
    ...       entrenchment_weakening=1.0)))
    q_n = e^{-h_n/\delta_n}, \quad h_n = 0.125, \quad \delta_n = \frac{0.125}{(1+n)^{1}}
    >>> print(readable_q(TakeoverScenario(hazard="constant")))
    q_n = 0 \quad (h_n > 0)
    """
    h0 = float(scenario.hazard_scale(0))
    gamma = float(scenario.capability_ratio)
    kappa = float(scenario.detection_scaling)
    h = f"{h0:.4g}"
    if kappa != 0 and gamma != 1:
        h = rf"{h0:.4g}\, e^{{-{_decimal(kappa)}\,({_decimal(gamma)}^{{n}} - 1)}}"
    if scenario.hazard == "constant":  # the same q_n = 0 whatever h_n > 0 (one row)
        return r"q_n = 0 \quad (h_n > 0)" if h0 > 0 else r"q_n = 1 \quad (h_n = 0)"
    if scenario.hazard == "entrenchment":
        delta, w = float(scenario.entrenchment_rate), float(scenario.entrenchment_weakening)
        delta_n = (
            _decimal(delta) if w == 0 else rf"\frac{{{_decimal(delta)}}}{{(1+n)^{{{_decimal(w)}}}}}"
        )
        return rf"q_n = e^{{-h_n/\delta_n}}, \quad h_n = {h}, \quad \delta_n = {delta_n}"
    beta = float(scenario.power_exponent)
    if beta <= 1:
        return rf"q_n = 0 \quad (\beta = {_decimal(beta)} \le 1)"
    return rf"q_n = e^{{-h_n/(\beta - 1)}}, \quad h_n = {h}, \quad \beta = {_decimal(beta)}"


def display_math(latex: str) -> str:
    r"""A display formula as MathJax-ready Markdown: ``$$`` on lines of their own.

    Parameters
    ----------
    latex : str
        LaTeX without delimiters.

    Returns
    -------
    str
        The formula between two ``$$`` lines.

    Raises
    ------
    ParameterError
        If ``latex`` is empty or contains a ``$``.

    Examples
    --------
    >>> print(display_math(r"q_n = 0"))
    $$
    q_n = 0
    $$
    """
    text = latex.strip()
    if not text or "$" in text:
        raise ParameterError("latex", latex, "non-empty LaTeX without $ delimiters")
    return f"$$\n{text}\n$$"


def theorem_markdown(name: str = "dichotomy") -> str:
    r"""A catalogue theorem as Markdown: title, plain statement, formula, hypotheses.

    Parameters
    ----------
    name : str
        Catalogue name (``supercoherence proofs list``).

    Returns
    -------
    str
        Paragraphs: the bold title with the plain statement, the display formula, and
        the hypotheses when there are any.

    Raises
    ------
    ParameterError
        If the theorem is not in the catalogue (with a did-you-mean).

    Examples
    --------
    >>> theorem_markdown().splitlines()[0]
    '**Theorem (The dichotomy: supercoherence or takeovers forever).** Takeovers recur forever...'
    """
    from supercoherence.proofs.registry import find_theorem

    theorem = find_theorem(name)
    hypotheses = ", ".join(f"${h}$" for h in theorem.assumptions)
    parts = [
        f"**Theorem ({theorem.title}).** {theorem.plain}",
        display_math(theorem.statement),
    ]
    if hypotheses:
        parts.append(
            f"Hypotheses: {hypotheses}. Machine-checked: `supercoherence proofs check {name}`."
        )
    return "\n\n".join(parts)


def _families(conditions: list[PointCondition]) -> list[str]:
    return list(dict.fromkeys(c.hazard for c in conditions))


def _members(points: tuple[int, ...]) -> str:
    return ("point " if len(points) == 1 else "points ") + ", ".join(map(str, points))


def _number(value: float) -> str:
    if math.isnan(value):
        return "undetermined"
    return f"{value:.6g}"


def _recurrence_markdown(condition: PointCondition) -> str:
    low, high = condition.recurrence_bounds
    if condition.recurrence_latex is not None:
        return f"${condition.recurrence_latex}$" + (
            ""
            if condition.recurrence_latex == _number(condition.recurrence)
            or condition.recurrence in (0.0, 1.0)
            else f" $\\approx {_number(condition.recurrence)}$"
        )
    if high == 0.0 and "positive" in condition.outcome:
        # The product is positive (sum q_n < oo) but below double precision.
        return r"$< 10^{-300}$ (positive, below double precision)"
    return f"${_number(condition.recurrence)}$ (certified in $[{low:.10g}, {high:.10g}]$)"


def conditions_markdown(
    points: Iterable[Mapping[str, object]],
    engine: str = "chain",
    *,
    conditions: list[PointCondition] | None = None,
    limit: int | None = None,
) -> str:
    r"""The derived conditions of a study as MathJax-ready Markdown.

    The model's hazard scale, the hazard and :math:`q_n` of each hazard family present,
    the dichotomy theorem, and a table of the distinct :math:`q_n` with their
    classification and :math:`P(\text{recur forever}) = \prod_n (1 - q_n)`.

    Parameters
    ----------
    points : iterable of mapping
        Parameter points (``Study.points``).
    engine : str
        The study's engine.
    conditions : list of PointCondition, optional
        Precomputed :func:`derive_conditions` (they are computed otherwise).
    limit : int, optional
        Show at most this many distinct :math:`q_n` (evenly spread) and say how many
        were left out (a post-sized summary; the report's appendix has them all).

    Returns
    -------
    str

    Examples
    --------
    >>> pts = [{"hazard": "entrenchment", "entrenchment_rate": e} for e in (0.5, 1.0, 2.0)]
    >>> "2 of the 3 distinct" in conditions_markdown(pts, limit=2)
    True
    >>> md = conditions_markdown([{"hazard": "constant"}])
    >>> "$$" in md and "recursion forever almost surely" in md
    True
    """
    points = list(points)
    if conditions is None:
        conditions = derive_conditions(points, engine)
    if engine not in _SCENARIO_ENGINES:
        return (
            f"The `{engine}` engine is not the takeover recursion; its closed forms are "
            "listed with the estimates below."
        )
    parts = [
        "Per-spawn takeover probability and hazard scale of the $n$-th dominant optimizer:",
        display_math(_SCALE_LATEX),
    ]
    for family in _families(conditions):
        hazard, q = FAMILY_LATEX[family]
        parts.append(f"Hazard family `{family}` (age $t$ of the optimizer):")
        parts.append(display_math(f"{hazard}, \\qquad {q}"))
    parts.append(theorem_markdown("dichotomy"))
    rows = [
        "| points | hazard | $q_n$ | classification | $P(\\text{recur forever})$ |",
        "|---|---|---|---|---|",
    ]
    shown = conditions
    if limit is not None and len(conditions) > limit:
        picks = sorted(
            set(round(i * (len(conditions) - 1) / max(limit - 1, 1)) for i in range(limit))
        )
        shown = [conditions[i] for i in picks]
    for c in shown:
        members = ", ".join(str(p) for p in c.points)
        if len(c.points) > 6:
            members = f"{c.points[0]}, ..., {c.points[-1]} ({len(c.points)} points)"
        rows.append(
            f"| {members} | {c.hazard} | ${c.q_display or 'q_n = ' + c.q_latex}$ "
            f"| {c.outcome} | {_recurrence_markdown(c)} |"
        )
    lead = "At this study's parameter points"
    if len(shown) < len(conditions):
        lead = (
            f"{len(shown)} of the {len(conditions)} distinct $q_n$ of this study's "
            "parameter points (all of them in the appendix)"
        )
    parts.append(f"{lead} ($P(\\text{{supercoherence}}) = 1 - \\prod_n (1 - q_n)$):")
    parts.append("\n".join(rows))
    parts.append(
        "Why: "
        + "; ".join(f"{_members(c.points)}: {readable_reason(c.reason)}" for c in shown)
        + "."
    )
    return "\n\n".join(parts)


def conditions_latex(
    points: Iterable[Mapping[str, object]],
    engine: str = "chain",
    *,
    conditions: list[PointCondition] | None = None,
) -> str:
    r"""The derived conditions as a LaTeX fragment (an ``align*`` block and a list).

    Parameters
    ----------
    points, engine, conditions
        The study's points and engine, and optionally the precomputed
        :func:`derive_conditions`, as for :func:`conditions_markdown`.

    Returns
    -------
    str
        Paste into a LaTeX document that loads ``amsmath``.

    Examples
    --------
    >>> print(conditions_latex([{"hazard": "constant"}]).splitlines()[0])
    \begin{align*}
    """
    points = list(points)
    if conditions is None:
        conditions = derive_conditions(points, engine)
    if engine not in _SCENARIO_ENGINES:
        return ""
    rows = [f"  & {_SCALE_LATEX}"]
    for family in _families(conditions):
        hazard, q = FAMILY_LATEX[family]
        rows.append(rf"  & \text{{{family}:}}\ {hazard}, \quad {q}")
    lines = [r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]
    lines.append(r"\begin{itemize}")
    for c in conditions:
        value = (
            f"= {c.recurrence_latex}"
            if c.recurrence_latex is not None
            else rf"\approx {_number(c.recurrence)}"
        )
        members = ", ".join(str(p) for p in c.points)
        lines.append(
            rf"  \item points {members} ({c.hazard}): ${c.q_display or 'q_n = ' + c.q_latex}$, "
            rf"{c.outcome}; $\prod_n (1 - q_n) {value}$."
        )
    lines.append(r"\end{itemize}")
    return "\n".join(lines)
