r"""A self-contained interactive HTML widget of the takeover recursion, for posts.

:func:`write_widget` writes ONE HTML file with everything inlined (styles, script, data):
no URL is loaded, so the file works offline, in an ``<iframe srcdoc>`` (LessWrong's editor)
and on any static site.  Sliders move the scenario parameters; the page evaluates

- :math:`q_n` (never-overthrown probability of the :math:`n`-th dominant optimizer), from
  JavaScript *generated* by ``sympy.printing.jscode`` from the exact expression
  (:func:`q_expression`: the same :math:`h_n`, :math:`\delta_n` and hazard shapes as
  :meth:`~supercoherence.theory.scenario.TakeoverScenario.never_overthrown`, with the parameters left
  as symbols), so the page and the Python layer compute one function;
- the law of :math:`N`: :math:`P(N \ge n) = \prod_{k<n}(1 - q_k)`,
  :math:`P(N = n) = q_n P(N \ge n)`;
- :math:`P(\text{recur forever}) = \prod_{k \ge 0}(1 - q_k)`, an infinite product: the page
  multiplies partial products (as a sum of ``log1p(-q_k)``) until the terms no longer change
  the sum at the stated tolerance (:data:`JS_TOLERANCE`: :math:`q_k <` tolerance for
  :data:`JS_TAIL_RUN` consecutive terms with :math:`q` decreasing, and no probe at
  :math:`2k, 4k, \dots` back above it; the product is summed as a logarithm, so a
  positive product below the smallest double is still positive), the
  terms rise for :data:`JS_TAIL_RUN` consecutive terms (this family's :math:`q_n` is then
  monotone, does not tend to 0, and the product is 0 by the term test) or
  :data:`JS_MAX_TERMS` factors are used (reported as not converged);
- the classification (the dichotomy of :mod:`~supercoherence.theory.recursion`) from that
  product: 0 (a factor 0, or the term test) -> supercoherence almost surely, 1 with every
  :math:`q_n = 0` -> recursion forever almost surely, a converged product of positive
  factors -> recursion forever with positive probability, else undecided;
- a phase diagram of :math:`P(\text{recur forever})` over two of the parameters (a study's
  first two varied ones), with the boundary where it becomes positive, cells undecided
  within :data:`PHASE_TERMS` terms drawn as such, and the study's grid points;
- from a stored study (``STUDY_DIR``): the Monte Carlo estimates with their intervals and
  the closed form at the grid point nearest to the sliders (:func:`nearest_point`), and
  the lineage of its first replicates (from ``events.parquet``); without a study the
  lineage graph shows chains sampled in the page from :math:`q_n` with fixed uniforms.

Every number shown carries its full double value in a ``data-value`` attribute, which the
browser tests read (``tests/app/``).  The page posts ``{type: 'iframe-widget-resize',
height}`` to its parent whenever its height changes (LessWrong's iframe widgets);
:func:`srcdoc_iframe` wraps a page as an ``<iframe srcdoc>`` with the host-side resize
listener for any other site (docs/WIDGET.md).

References
----------
.. [1] WHATWG, *HTML Living Standard*, sec. 4.8.5 "The iframe element" (``srcdoc``,
   ``sandbox``) and sec. 9.3 "Cross-document messaging" (``postMessage``).
.. [2] A. Meurer et al., "SymPy: symbolic computing in Python", *PeerJ Computer Science*
   3:e103 (2017) (the ``jscode`` printer).
.. [3] K. Knopp, *Theory and Application of Infinite Series*, Blackie (1951), ch. VII
   (infinite products: :math:`\prod (1 - q_n) > 0` iff :math:`\sum q_n < \infty` for
   :math:`0 \le q_n < 1`).

Examples
--------
>>> sorted(str(x) for x in q_expression("power").free_symbols)[:3]
['alignment_skill', 'capability_ratio', 'detection']
>>> html = widget_html(scenario={"hazard": "entrenchment"})
>>> html.startswith("<!DOCTYPE html>"), "http://" in html or "https://" in html
(True, False)
"""

from __future__ import annotations

import html as html_lib
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp
from sympy.printing.jscode import jscode

from supercoherence.errors import ParameterError, StudyFileError
from supercoherence.theory.contest import success
from supercoherence.theory.scenario import HAZARD_SHAPES, TakeoverScenario

__all__ = [
    "JS_MAX_TERMS",
    "JS_TAIL_RUN",
    "JS_TOLERANCE",
    "SLIDER_RANGES",
    "check_expression",
    "javascript_functions",
    "nearest_point",
    "q_expression",
    "srcdoc_iframe",
    "study_payload",
    "widget_html",
    "write_widget",
]

#: Terms ``q_k`` below this (for :data:`JS_TAIL_RUN` consecutive, decreasing ``k``) end
#: the page's partial product: the neglected tail changes ``log P`` by about that much.
JS_TOLERANCE = 1e-17
#: Consecutive small, decreasing terms required before the product is declared converged.
JS_TAIL_RUN = 64
#: Largest number of factors the page multiplies before reporting "not converged".
JS_MAX_TERMS = 200_000

#: Default slider ranges (min, max, step) of the continuous scenario parameters.
SLIDER_RANGES: dict[str, tuple[float, float, float]] = {
    "spawn_rate": (0.0, 5.0, 0.05),
    "alignment_skill": (0.0, 1.0, 0.01),
    "detection": (0.0, 1.0, 0.01),
    "capability_ratio": (0.5, 3.0, 0.05),
    "sharpness": (0.1, 5.0, 0.05),
    "entrenchment_rate": (0.05, 5.0, 0.05),
    "power_exponent": (0.1, 5.0, 0.05),
    "entrenchment_weakening": (0.0, 2.0, 0.05),
    "detection_scaling": (0.0, 2.0, 0.05),
}

#: Slider labels: the words and the symbol (Unicode) of the scenario's field metadata.
_LABELS = {
    name: f"{info.label} {sp.pretty(sp.Symbol(info.symbol))}"
    for name, info in TakeoverScenario.parameters().items()
    if name in SLIDER_RANGES
}

_N = sp.Symbol("n", integer=True, nonnegative=True)


_POSITIVE = ("capability_ratio", "sharpness", "entrenchment_rate", "power_exponent")


def _symbols() -> dict[str, sp.Symbol]:
    # Nonnegative, not positive, where 0 is allowed: Eq(kappa, 0) must stay undecided.
    return {
        name: sp.Symbol(name, positive=True)
        if name in _POSITIVE
        else sp.Symbol(name, nonnegative=True)
        for name in SLIDER_RANGES
    }


def q_expression(hazard: str) -> sp.Expr:
    r"""Exact :math:`q_n` of a hazard shape with every continuous parameter a symbol.

    The same formulas as :meth:`TakeoverScenario.never_overthrown`:
    :math:`h_n = \lambda (1 - a)(1 - d)\, s(\gamma)\, e^{-\kappa(\gamma^n - 1)}`,
    :math:`s(\gamma) = \gamma^r / (1 + \gamma^r)`; ``entrenchment``:
    :math:`q_n = e^{-h_n (1 + n)^w / \delta}`; ``power``: 1 if
    :math:`\lambda (1 - a)(1 - d) = 0`, else :math:`e^{-h_n/(\beta - 1)}` if
    :math:`\beta > 1`, else 0; ``constant``: 1 if :math:`h_n = 0`, else 0.  The symbols are
    named by the scenario's field names (so the generated JavaScript reads them by name)
    and ``n``.

    Parameters
    ----------
    hazard : {"constant", "entrenchment", "power"}

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ParameterError
        For an unknown hazard shape.

    Examples
    --------
    >>> q_expression("entrenchment").free_symbols >= {sp.Symbol("n", integer=True,
    ...                                                nonnegative=True)}
    True
    >>> q_expression("constant")
    Piecewise((1, Eq(spawn_rate*(1 - alignment_skill)*(1 - detection), 0)), (0, True))
    """
    if hazard not in HAZARD_SHAPES:
        raise ParameterError("hazard", hazard, ", ".join(HAZARD_SHAPES))
    s = _symbols()
    lam, a, d = s["spawn_rate"], s["alignment_skill"], s["detection"]
    g, r, kappa = s["capability_ratio"], s["sharpness"], s["detection_scaling"]
    # Positive symbols make sympy drop the factor 1 - a etc. only where provable: it never is.
    # exp(-kappa (gamma^n - 1)) is 1 at kappa = 0 even where gamma^n overflows a double.
    escape = sp.Piecewise((1, sp.Eq(kappa, 0)), (sp.exp(-kappa * (g**_N - 1)), True))
    h = lam * (1 - a) * (1 - d) * success(g, r) * escape
    if hazard == "constant":
        # h_n = 0 iff lambda (1 - a)(1 - d) = 0 (the other factors are positive).
        return sp.Piecewise((1, sp.Eq(lam * (1 - a) * (1 - d), 0)), (0, True))
    if hazard == "entrenchment":
        delta_n = s["entrenchment_rate"] / (1 + _N) ** s["entrenchment_weakening"]
        return sp.exp(-h / delta_n)
    beta = s["power_exponent"]
    # No hazard at all (lambda (1 - a)(1 - d) = 0): never overthrown, whatever beta.
    no_hazard = sp.Eq(lam * (1 - a) * (1 - d), 0)
    return sp.Piecewise((1, no_hazard), (sp.exp(-h / (beta - 1)), beta > 1), (0, True))


def check_expression(scenario: TakeoverScenario, n: Sequence[int] = range(8)) -> float:
    r"""Largest relative difference between :func:`q_expression` and the theory's :math:`q_n`.

    The theory's value is ``scenario.never_overthrown_numeric(n)``.

    The generator calls it at the widget's starting point: the expression the JavaScript is
    printed from must be the theory layer's :math:`q_n`.

    Examples
    --------
    >>> check_expression(TakeoverScenario(entrenchment_weakening=1, capability_ratio=2,
    ...                                   detection_scaling=0.3)) < 1e-13
    True
    """
    symbols = _symbols()
    values = {symbols[k]: v for k, v in scenario.to_mapping().items() if k in symbols}
    expr = q_expression(scenario.hazard).subs(values)
    mine = np.array([float(expr.subs(_N, k)) for k in n])
    theirs = np.asarray(scenario.never_overthrown_numeric(np.asarray(list(n))), dtype=float)
    scale = np.maximum(np.abs(theirs), np.finfo(float).tiny)
    return float(np.max(np.abs(mine - theirs) / scale))


def javascript_functions() -> str:
    """JavaScript source of ``Q[hazard](p, n)`` for every hazard shape, from sympy's printer.

    ``p`` is an object with the scenario's continuous fields; ``n`` the level.

    Examples
    --------
    >>> src = javascript_functions()
    >>> "Math.exp" in src and "entrenchment" in src
    True
    """
    lines = ["const Q = {};"]
    names = list(SLIDER_RANGES)
    for hazard in HAZARD_SHAPES:
        body = jscode(q_expression(hazard))
        lines.append(
            f"Q[{json.dumps(hazard)}] = function (p, n) {{\n"
            f"  const {{{', '.join(names)}}} = p;\n"
            f"  return {body};\n}};"
        )
    return "\n".join(lines)


def _floats(values: Any) -> list[float]:
    return [float(v) for v in values]


#: Terms per cell of the phase diagram (44 x 44 cells; a cell still undecided after them
#: is drawn as such, not as 0).
PHASE_TERMS = 5000
#: Replicates of the stored event table drawn in the lineage graph, per grid point.
LINEAGE_REPLICATES = 8
#: Dominant optimizers drawn per replicate (the rest are counted, not drawn).
LINEAGE_LEVELS = 40
#: Estimate rows kept per grid point.
ESTIMATE_ROWS = 40


def _plain(value: Any) -> Any:
    """A JSON-ready scalar: numpy scalars as Python ones, NaN and infinities as None."""
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def study_payload(study_dir: str | Path) -> dict[str, Any]:
    """The points, the varied parameters, the Monte Carlo estimates and sample lineages of
    a stored study.

    Reads ``points.parquet``, and when present ``estimates.parquet`` (per point the rows
    ``estimand``, ``at``, ``estimate``, ``std_error``, ``ci_low``, ``ci_high``,
    ``replicates``, ``exact``; at most :data:`ESTIMATE_ROWS`) and ``events.parquet``
    (per point the first :data:`LINEAGE_REPLICATES` replicates' dominant optimizers:
    ``[start, age, observed]``, at most :data:`LINEAGE_LEVELS` each).  Deprecated
    parameter names in old studies (``entrenchment``, ``power``) are read as the new ones.

    Returns
    -------
    dict
        ``{"name", "fixed": {param: value}, "varied": {param: [min, max]},
        "grid": {param: sorted values}, "hazards": [hazard per point] or None (when the
        hazard is fixed),
        "points": [{param: value}], "point_ids", "estimates": {point: [row]},
        "lineages": {point: [[[start, age, observed], ...], ...]}, "levels": {point:
        [levels per replicate]}}``.

    Raises
    ------
    StudyFileError
        If the folder has no ``points.parquet``.

    Examples
    --------
    >>> study_payload("/nonexistent")
    Traceback (most recent call last):
    ...
    supercoherence.errors.StudyFileError: ...
    """
    import pandas as pd

    from supercoherence.simulations.presentation.labels import ESTIMATE_COLUMNS
    from supercoherence.simulations.store import upgrade_names

    folder = Path(study_dir)
    path = folder / "points.parquet"
    if not path.exists():
        raise StudyFileError(path, "", "no points.parquet: run `supercoherence study run` first")
    points = upgrade_names(pd.read_parquet(path))  # folders stored before issue 9's renames
    names = TakeoverScenario.parameter_names()
    fixed: dict[str, Any] = {}
    varied: dict[str, list[float]] = {}
    grid: dict[str, list[float]] = {}
    hazards = None
    for name in names:
        if name not in points.columns:
            continue
        distinct = points[name].dropna().unique()
        if len(distinct) == 1:
            fixed[name] = _plain(distinct[0])
        elif name == "hazard":
            hazards = [str(h) for h in points["hazard"]]
        elif name in SLIDER_RANGES:
            varied[name] = [float(np.min(distinct)), float(np.max(distinct))]
            grid[name] = sorted(float(v) for v in distinct)
        else:  # varied but not a slider (drift, utility_dimension): shown, not matched
            fixed[name] = _plain(distinct[0])
    ids = [int(i) for i in (points["point"] if "point" in points.columns else points.index)]
    rows = [{k: float(row[k]) for k in varied} for _, row in points.iterrows()]
    estimates: dict[str, list[dict[str, Any]]] = {}
    path = folder / "estimates.parquet"
    if path.exists():
        table = upgrade_names(pd.read_parquet(path))
        # The estimate and its interval per row; not the point (the key) nor z or flag.
        shown = [c for c in ESTIMATE_COLUMNS if c not in ("point", "z", "flag")]
        keep = [c for c in shown if c in table.columns]
        if "point" in table.columns and "estimate" in table.columns:
            for point, group in table.groupby("point"):
                records = group[keep].head(ESTIMATE_ROWS).to_dict("records")
                estimates[str(int(point))] = [{k: _plain(v) for k, v in r.items()} for r in records]
    lineages: dict[str, list[list[list[Any]]]] = {}
    levels: dict[str, list[int]] = {}
    path = folder / "events.parquet"
    if path.exists():
        events = pd.read_parquet(
            path, columns=["point", "replicate", "level", "start", "age", "observed"]
        )
        events = events[events["replicate"] < LINEAGE_REPLICATES]
        for point, group in events.groupby("point"):
            reps, counts = [], []
            for _, rep in group.sort_values(["replicate", "level"]).groupby("replicate"):
                counts.append(int(len(rep)))
                reps.append(
                    [
                        [float(s), float(a), bool(o)]
                        for s, a, o in rep[["start", "age", "observed"]]
                        .head(LINEAGE_LEVELS)
                        .itertuples(index=False)
                    ]
                )
            lineages[str(int(point))] = reps
            levels[str(int(point))] = counts
    return {
        "name": folder.name,
        "fixed": fixed,
        "varied": varied,
        "grid": grid,
        "hazards": hazards,
        "points": rows,
        "point_ids": ids,
        "estimates": estimates,
        "lineages": lineages,
        "levels": levels,
    }


def nearest_point(study: Mapping[str, Any], values: Mapping[str, Any]) -> int:
    """Index (into ``study["points"]``) of the grid point nearest to ``values``.

    The distance is Euclidean in the varied parameters, each scaled to its range; a point
    of another hazard shape than ``values["hazard"]`` is never nearest unless no point has
    that shape.  The page's ``nearestPoint`` is the same rule (tested).

    Examples
    --------
    >>> st = {"varied": {"spawn_rate": [0.0, 2.0]}, "hazards": None,
    ...       "points": [{"spawn_rate": 0.0}, {"spawn_rate": 2.0}]}
    >>> nearest_point(st, {"spawn_rate": 1.2, "hazard": "entrenchment"})
    1
    """
    best, best_d = -1, math.inf
    for i, point in enumerate(study["points"]):
        d = 0.0
        for name, (lo, hi) in study["varied"].items():
            span = hi - lo if hi > lo else 1.0
            d += ((point[name] - float(values[name])) / span) ** 2
        if study.get("hazards") and study["hazards"][i] != values.get("hazard"):
            d += 1e6
        if d < best_d:
            best, best_d = i, d
    return best


def _start(scenario: Mapping[str, Any] | None, study: dict[str, Any] | None) -> dict[str, Any]:
    names = TakeoverScenario.parameter_names()
    values = {k: v for k, v in (study["fixed"] if study else {}).items() if k in names}
    values.update(scenario or {})  # unknown keys typed by the user are refused below
    if study and study["points"]:
        # Start at the grid point nearest to the middle of the grid (its estimates apply).
        middle = {name: (lo + hi) / 2 for name, (lo, hi) in study["varied"].items()}
        hazard = values.get("hazard") or (study["hazards"] or [None])[0]
        i = nearest_point(study, {**middle, "hazard": hazard})
        for name, value in study["points"][i].items():
            values.setdefault(name, value)
        if study["hazards"]:
            values.setdefault("hazard", study["hazards"][i])
    return TakeoverScenario.from_mapping(values).to_mapping()


def grid_step(values: Sequence[float], default: float) -> float:
    """A slider step that lands on every grid value and leaves at least 20 steps.

    The largest decimal step (1, 2, 2.5 or 5 times a power of ten) of which every
    distance from the first grid value is a multiple; else the largest ``d / k`` (``d`` the
    smallest gap, ``k`` a whole number up to 1000) that is; else a hundredth of the range.
    ``default`` for fewer than two values.

    Examples
    --------
    >>> grid_step([0.75, 1.0, 1.5], 0.05), grid_step([0.75, 1.5], 0.05)
    (0.025, 0.025)
    >>> round(grid_step([0.0, 1.0 / 3.0, 1.0], 0.05), 6)  # 1/21: 7 and 21 steps
    0.047619
    """
    v = sorted(set(float(x) for x in values))
    if len(v) < 2:
        return default
    span, gap = v[-1] - v[0], min(b - a for a, b in zip(v, v[1:], strict=False))

    def fits(step: float) -> bool:
        return all(abs((x - v[0]) / step - round((x - v[0]) / step)) < 1e-9 for x in v)

    top = math.floor(math.log10(span / 20))
    for e in range(top, top - 6, -1):
        for m in (5, 2.5, 2, 1):
            step = float(f"{m}e{e}")
            if span / step >= 20 and fits(step):
                return step
    for k in range(1, 1001):
        if span / (gap / k) >= 20 and fits(gap / k):
            return gap / k
    return span / 100


def _sliders(start: Mapping[str, Any], study: dict[str, Any] | None) -> list[dict[str, Any]]:
    out = []
    names = list(study["varied"]) if study and study["varied"] else list(SLIDER_RANGES)
    for name in names:
        lo, hi, step = SLIDER_RANGES[name]
        if study and name in study["varied"]:
            lo, hi = study["varied"][name]
            step = grid_step(study["grid"][name], step)
        value = float(start[name])
        lo, hi = min(lo, value), max(hi, value)
        out.append(
            {
                "name": name,
                "label": _LABELS[name],
                "min": lo,
                "max": hi,
                "step": step,
                "value": value,
            }
        )
    return out


def _phase_axes(study: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The phase diagram's axes: a study's first two varied parameters (over the study's
    ranges), completed by capability ratio x detection scaling (over the slider ranges)."""
    names = list(study["varied"])[:2] if study else []
    for extra in ("capability_ratio", "detection_scaling", "spawn_rate"):
        if len(names) < 2 and extra not in names:
            names.append(extra)
    out = []
    for name in names:
        lo, hi, _ = SLIDER_RANGES[name]
        if study and name in study["varied"]:
            lo, hi = study["varied"][name]
        out.append({"name": name, "label": _LABELS[name], "min": lo, "max": hi})
    return out


def widget_html(
    *,
    scenario: Mapping[str, Any] | None = None,
    study_dir: str | Path | None = None,
    title: str = "Coherence or takeovers forever?",
) -> str:
    """The widget as one HTML string (see the module docstring).

    Parameters
    ----------
    scenario : mapping, optional
        Study-file parameter names -> starting values (the rest take the defaults, or the
        study's fixed values).
    study_dir : path, optional
        A stored study folder: sliders over its varied parameters, its Monte Carlo
        estimates at the nearest grid point.
    title : str
        Heading of the page.

    Returns
    -------
    str
        One HTML document, its styles, script and data inlined (no URL is loaded).

    Raises
    ------
    ParameterError
        For an unknown or out-of-range scenario parameter.
    ExpressionError
        If the printed expression disagrees with the theory layer at the starting point.
    """
    study = study_payload(study_dir) if study_dir is not None else None
    start = _start(scenario, study)
    error = check_expression(TakeoverScenario.from_mapping(start))
    if not error < 1e-12:
        from supercoherence.errors import ExpressionError

        raise ExpressionError(f"generated q_n differs from TakeoverScenario.q by {error:g}")
    config = {
        "start": start,
        "sliders": _sliders(start, study),
        "hazards": list(HAZARD_SHAPES),
        "study": study,
        "tolerance": JS_TOLERANCE,
        "tailRun": JS_TAIL_RUN,
        "maxTerms": JS_MAX_TERMS,
        "lawTerms": 40,
        "phase": _phase_axes(study),
        "lineageReplicates": LINEAGE_REPLICATES,
        "phaseTerms": PHASE_TERMS,
        "lineageLevels": LINEAGE_LEVELS,
    }
    data = json.dumps(config, allow_nan=False).replace("</", "<\\/")
    page = _TEMPLATE.replace("__TITLE__", html_lib.escape(title))
    page = page.replace("__CSS__", _CSS).replace("__DATA__", data)
    core = _CORE.replace("__Q__", javascript_functions())
    return page.replace("__CORE__", core).replace("__JS__", _JS)


def srcdoc_iframe(page: str, *, height: int = 900, title: str = "interactive widget") -> str:
    """An ``<iframe srcdoc>`` element holding the widget ``page`` (scripts allowed).

    The page is escaped as an attribute value (``&``, quotes, ``<``, ``>``), the frame is
    sandboxed to ``allow-scripts`` (no same-origin access to the host page) and a small
    script of the host resizes it when the widget posts ``iframe-widget-resize``.  Paste
    the result into any HTML page; LessWrong's editor builds the equivalent frame itself.

    Examples
    --------
    >>> tag = srcdoc_iframe('<p class="x">a & b</p>')
    >>> 'srcdoc="&lt;p class=&quot;x&quot;&gt;a &amp; b&lt;/p&gt;"' in tag
    True
    >>> tag.count("<iframe"), "iframe-widget-resize" in tag
    (1, True)
    """
    doc = html_lib.escape(page, quote=True)
    return (
        f'<iframe class="supercoherence-widget" title="{html_lib.escape(title)}" '
        f'sandbox="allow-scripts" style="width:100%;max-width:800px;height:{int(height)}px;'
        f'border:0" srcdoc="{doc}"></iframe>\n'
        "<script>window.addEventListener('message', function (e) {\n"
        "  if (!e.data || e.data.type !== 'iframe-widget-resize') return;\n"
        "  document.querySelectorAll('iframe.supercoherence-widget').forEach(function (f) {\n"
        "    if (f.contentWindow === e.source) f.style.height = e.data.height + 'px';\n"
        "  });\n});</script>\n"
    )


def write_widget(
    out: str | Path,
    *,
    scenario: Mapping[str, Any] | None = None,
    study_dir: str | Path | None = None,
) -> Path:
    """Write :func:`widget_html` to ``out`` (UTF-8) and return its path.

    Examples
    --------
    >>> import tempfile
    >>> path = write_widget(Path(tempfile.mkdtemp()) / "w.html", scenario={"spawn_rate": 2})
    >>> path.stat().st_size < 1_000_000
    True
    """
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(widget_html(scenario=scenario, study_dir=study_dir), encoding="utf-8")
    return path


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>__CSS__</style></head>
<body><main id="widget">
<h2>__TITLE__</h2>
<p class="lead">Each dominant optimizer is never overthrown with probability
<i>q<sub>n</sub></i>; takeovers recur forever with probability
&prod;<sub>n&ge;0</sub>(1 &minus; <i>q<sub>n</sub></i>).</p>
<div class="grid">
<section id="controls"><label>hazard <select id="hazard"></select></label>
<div id="sliders"></div></section>
<section id="results">
<div class="verdict" id="classification" data-value=""></div>
<table class="numbers"><tbody>
<tr><th>P(recur forever)</th><td id="recurrence" data-value=""></td></tr>
<tr><th>P(supercoherence)</th><td id="supercoherence" data-value=""></td></tr>
<tr><th><i>q</i><sub>0</sub>, <i>q</i><sub>1</sub>, <i>q</i><sub>2</sub></th>
<td id="q" data-value=""></td></tr>
<tr><th>terms used</th><td id="terms" data-value=""></td></tr>
</tbody></table>
<div id="mc"></div>
</section></div>
<div class="grid">
<figure><svg id="law" viewBox="0 0 420 220" role="img"></svg>
<figcaption>Law of N: P(N = n) (bars) and P(N &ge; n) (line)</figcaption></figure>
<figure><canvas id="phase" width="300" height="260"></canvas>
<figcaption id="phase-caption">Phase diagram</figcaption></figure>
</div>
<figure class="wide"><svg id="lineage" viewBox="0 0 740 200" role="img"></svg>
<figcaption id="lineage-caption">Lineage</figcaption></figure>
<p class="note">Closed forms evaluated in this page from JavaScript generated by sympy;
infinite products to tolerance <span id="tol"></span> per term. Self-contained: no network.</p>
</main>
<script type="application/json" id="config">__DATA__</script>
<script id="core">
"use strict";
__CORE__
</script>
<script>
"use strict";
__JS__
</script></body></html>
"""

_CORE = r"""
function makeCore(CFG) {
__Q__
const OUT = {
  SUP: "supercoherence almost surely",
  POS: "recursion forever with positive probability",
  REC: "recursion forever almost surely",
  UND: "undecided (product not converged)"
};

function riseLater(q, k, M) {
  // Probe q at 2k, 4k, ... up to maxTerms: a tail that rises again (q_n -> 1 when
  // capability escalates and detection scales) is not converged.
  for (let j = 2 * (k + 1); j < M; j *= 2) if (!(q(j) < CFG.tolerance)) return true;
  return false;
}

function evaluate(p, maxTerms) {
  // The law of N and the infinite product prod (1 - q_k), to the stated tolerance.
  // The product is summed as log P, so a positive P below the smallest double (it
  // underflows to 0) is still told apart from P = 0.
  const q = (k) => Q[p.hazard](p, k), M = maxTerms || CFG.maxTerms;
  const law = [], survival = [1];
  let logS = 0, run = 0, up = 0, allZero = true, prev = Infinity, k = 0, status = "converged";
  for (k = 0; k < M; k++) {
    const qk = q(k);
    if (k < CFG.lawTerms) law.push(qk * Math.exp(logS));
    if (qk !== 0) allZero = false;
    if (qk >= 1) { logS = -Infinity; status = "q_k = 1"; k++; break; }
    logS += Math.log1p(-qk);
    if (k + 1 <= CFG.lawTerms) survival.push(Math.exp(logS));
    run = (qk < CFG.tolerance && qk <= prev) ? run + 1 : 0;
    up = (qk > 0 && qk >= prev) ? up + 1 : 0;
    prev = qk;
    if (run >= CFG.tailRun && k + 1 >= CFG.lawTerms && !riseLater(q, k, M)) { k++; break; }
    if (up >= CFG.tailRun && k + 1 >= CFG.lawTerms) {
      // q_n of this family is monotone once it has risen for tailRun terms: the terms do
      // not tend to 0, so sum q_n diverges and the product is 0 (term test).
      logS = -Infinity; status = "terms do not decrease"; k++; break;
    }
  }
  if (k >= M) status = "not converged";
  while (law.length < CFG.lawTerms) {
    const j = law.length;
    law.push(logS === -Infinity && survival.length <= j ? 0 : q(j) * (survival[j] ?? 0));
    if (survival.length <= j + 1) survival.push(survival[survival.length - 1] * (1 - q(j)));
  }
  const value = Math.exp(logS);
  let outcome;
  if (status === "not converged") outcome = OUT.UND;
  else if (logS === -Infinity) outcome = OUT.SUP;
  else if (allZero) outcome = OUT.REC;
  else outcome = OUT.POS;  // every factor positive and the tail converged: P > 0
  return {recurrence: value, supercoherence: 1 - value, outcome: outcome, terms: k,
          status: status, log10: logS / Math.LN10, q: [q(0), q(1), q(2)], law: law,
          survival: survival};
}

return {Q: Q, evaluate: evaluate, OUT: OUT};
}
"""

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;
background:#fff}
#widget{max-width:760px;margin:0 auto;padding:12px}
h2{font-size:1.2em;margin:0 0 4px}.lead,.note{font-size:.85em;color:#555;margin:4px 0}
.grid{display:flex;flex-wrap:wrap;gap:12px}.grid>*{flex:1 1 300px;margin:0}
#sliders label,#controls>label{display:block;font-size:.85em;margin:4px 0}
#sliders input{width:100%}.val{float:right;font-variant-numeric:tabular-nums}
.verdict{font-weight:600;padding:6px 8px;border-radius:4px;margin:6px 0;background:#eef}
.verdict.sup{background:#e3f4e1}.verdict.pos{background:#fff2d6}.verdict.rec{background:#fbe0e0}
.numbers{border-collapse:collapse;font-size:.9em;width:100%}
.numbers th{text-align:left;font-weight:normal;color:#444;padding:2px 6px 2px 0}
.numbers td{font-variant-numeric:tabular-nums;text-align:right}
figcaption{font-size:.8em;color:#555}canvas,svg{max-width:100%;height:auto}
figure.wide{margin:8px 0 0}figure.wide svg{width:100%}
#mc{font-size:.85em;margin-top:6px}#mc table{border-collapse:collapse}
#mc td,#mc th{padding:1px 6px;text-align:right}
"""

_JS = r"""
const CFG = JSON.parse(document.getElementById("config").textContent);
const {Q, evaluate, OUT} = makeCore(CFG);
const state = Object.assign({}, CFG.start);
function fmt(x) {
  if (!isFinite(x)) return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  return (a < 1e-4 || a >= 1e5) ? x.toExponential(4) : String(Number(x.toPrecision(6)));
}
function show(id, value, text) {
  const el = document.getElementById(id);
  el.dataset.value = Array.isArray(value) ? JSON.stringify(value) : String(value);
  el.textContent = text ?? fmt(value);
}

function buildControls() {
  const sel = document.getElementById("hazard");
  for (const h of CFG.hazards) {
    const o = document.createElement("option"); o.value = h; o.textContent = h;
    if (h === state.hazard) o.selected = true; sel.appendChild(o);
  }
  sel.addEventListener("change", () => { state.hazard = sel.value; update(true); });
  const box = document.getElementById("sliders");
  for (const s of CFG.sliders) {
    const lab = document.createElement("label");
    const val = document.createElement("span"); val.className = "val";
    val.id = "val-" + s.name;
    const inp = document.createElement("input");
    Object.assign(inp, {type: "range", min: s.min, max: s.max, step: s.step, value: s.value,
                        id: "slider-" + s.name, name: s.name});
    lab.append(s.label + " ", val, inp); box.appendChild(lab);
    val.textContent = fmt(s.value);
    inp.addEventListener("input", () => {
      state[s.name] = parseFloat(inp.value); val.textContent = fmt(state[s.name]);
      update(false);
    });
  }
  document.getElementById("tol").textContent = CFG.tolerance.toExponential(0);
}

function drawLaw(r) {
  const svg = document.getElementById("law"), W = 420, H = 220, L = 36, B = 24;
  const n = r.law.length, bw = (W - L - 8) / n;
  let s = `<line x1="${L}" y1="${H - B}" x2="${W - 4}" y2="${H - B}" stroke="#888"/>` +
          `<line x1="${L}" y1="8" x2="${L}" y2="${H - B}" stroke="#888"/>` +
          `<text x="4" y="14" font-size="10">1</text><text x="4" y="${H - B}" font-size="10">0</text>`;
  const y = (v) => (H - B) - v * (H - B - 8);
  r.law.forEach((v, i) => {
    s += `<rect x="${L + i * bw + 1}" y="${y(v)}" width="${Math.max(bw - 2, 1)}" ` +
         `height="${(H - B) - y(v)}" fill="#4c72b0"><title>P(N=${i}) = ${fmt(v)}</title></rect>`;
  });
  const pts = r.survival.slice(0, n).map((v, i) => `${L + (i + 0.5) * bw},${y(v)}`).join(" ");
  s += `<polyline points="${pts}" fill="none" stroke="#dd8452" stroke-width="2"/>`;
  for (let i = 0; i < n; i += 5) {
    s += `<text x="${L + (i + 0.5) * bw}" y="${H - 8}" font-size="10" text-anchor="middle">${i}</text>`;
  }
  s += `<text x="${W - 4}" y="${H - 8}" font-size="10" text-anchor="end">n</text>`;
  svg.innerHTML = s;
}

function forbidden(p) {
  // TakeoverScenario refuses gamma < 1 with kappa > -log(1 - d): detection would go negative.
  return p.capability_ratio < 1 && p.detection_scaling > 0 && p.detection < 1 &&
         p.detection_scaling + Math.log1p(-p.detection) > 0;
}

function drawPhase() {
  const c = document.getElementById("phase"), ctx = c.getContext("2d");
  const G = 44, L = 40, B = 30, T = 6, R = 8, W = c.width - L - R, H = c.height - B - T;
  const [sx, sy] = CFG.phase, cw = W / G, ch = H / G, grid = [];
  ctx.clearRect(0, 0, c.width, c.height);
  const X = (v) => L + (v - sx.min) / (sx.max - sx.min) * W;
  const Y = (v) => T + H - (v - sy.min) / (sy.max - sy.min) * H;
  for (let i = 0; i < G; i++) {
    grid.push([]);
    for (let j = 0; j < G; j++) {
      const p = Object.assign({}, state);
      p[sx.name] = sx.min + (sx.max - sx.min) * (i + 0.5) / G;
      p[sy.name] = sy.min + (sy.max - sy.min) * (j + 0.5) / G;
      const bad = forbidden(p), r = bad ? null : evaluate(p, CFG.phaseTerms);
      const und = r !== null && r.outcome === OUT.UND;
      // NaN: not drawn into the boundary (not allowed, or undecided in the page)
      const v = bad || und ? NaN : r.outcome === OUT.SUP ? 0 : Math.max(r.recurrence, 1e-300);
      grid[i].push(v);
      const t = Math.min(1, Math.max(0, v));
      ctx.fillStyle = bad ? "#d0d0d0" : und ? "#c9d4e8" : v === 0 ? "#e3f4e1"
        : `rgb(${255 - 80 * t},${220 - 150 * t},${180 - 120 * t})`;
      ctx.fillRect(L + i * cw, T + H - (j + 1) * ch, cw + 0.5, ch + 0.5);
    }
  }
  ctx.strokeStyle = "#000"; ctx.lineWidth = 1.5; ctx.beginPath();
  for (let i = 0; i < G; i++) for (let j = 0; j < G; j++) {
    const z = grid[i][j] > 0;
    if (isNaN(grid[i][j])) continue;
    if (i + 1 < G && !isNaN(grid[i + 1][j]) && z !== (grid[i + 1][j] > 0)) {
      ctx.moveTo(L + (i + 1) * cw, T + H - j * ch); ctx.lineTo(L + (i + 1) * cw, T + H - (j + 1) * ch);
    }
    if (j + 1 < G && !isNaN(grid[i][j + 1]) && z !== (grid[i][j + 1] > 0)) {
      ctx.moveTo(L + i * cw, T + H - (j + 1) * ch); ctx.lineTo(L + (i + 1) * cw, T + H - (j + 1) * ch);
    }
  }
  ctx.stroke();
  // axes and ticks
  ctx.strokeStyle = "#666"; ctx.lineWidth = 1; ctx.strokeRect(L, T, W, H);
  ctx.fillStyle = "#333"; ctx.font = "10px sans-serif";
  for (const f of [0, 0.5, 1]) {
    const vx = sx.min + f * (sx.max - sx.min), vy = sy.min + f * (sy.max - sy.min);
    ctx.textAlign = "center"; ctx.fillText(fmt(vx), X(vx), T + H + 12);
    ctx.textAlign = "right"; ctx.fillText(fmt(vy), L - 3, Y(vy) + 3);
  }
  ctx.textAlign = "center"; ctx.fillText(sx.label, L + W / 2, T + H + 25);
  ctx.save(); ctx.translate(10, T + H / 2); ctx.rotate(-Math.PI / 2);
  ctx.fillText(sy.label, 0, 0); ctx.restore();
  // the stored study's grid points (hollow), when the axes are its varied parameters
  const st = CFG.study, near = nearestPoint();
  if (st) st.points.forEach((varied, i) => {
    const pt = Object.assign({}, st.fixed, varied);
    if (!(sx.name in pt) || !(sy.name in pt)) return;
    if (st.hazards && st.hazards[i] !== state.hazard) return;
    ctx.beginPath(); ctx.arc(X(pt[sx.name]), Y(pt[sy.name]), i === near ? 5 : 3, 0, 2 * Math.PI);
    ctx.strokeStyle = i === near ? "#1565c0" : "#555"; ctx.lineWidth = i === near ? 2 : 1;
    ctx.stroke();
  });
  ctx.fillStyle = "#000"; ctx.beginPath();
  ctx.arc(X(state[sx.name]), Y(state[sy.name]), 4, 0, 2 * Math.PI); ctx.fill();
  document.getElementById("phase-caption").textContent =
    `P(recur forever) over ${sx.label} and ${sy.label}: green 0 (supercoherence a.s.), ` +
    `orange to red > 0, blue-grey undecided within ${CFG.phaseTerms} terms, grey not ` +
    `allowed; black line: the boundary; dot: sliders` +
    (st ? "; circles: the study's grid (blue: nearest)" : "");
}

function nearestPoint() {
  // Same rule as widget.nearest_point: scaled Euclidean distance, same hazard first.
  const st = CFG.study;
  if (!st || !st.points.length) return null;
  let best = -1, bestD = Infinity;
  st.points.forEach((pt, i) => {
    let d = 0;
    for (const [name, [lo, hi]] of Object.entries(st.varied)) {
      const span = hi > lo ? hi - lo : 1;
      d += ((pt[name] - state[name]) / span) ** 2;
    }
    if (st.hazards && st.hazards[i] !== state.hazard) d += 1e6;
    if (d < bestD) { bestD = d; best = i; }
  });
  return best;
}

function esc(s) {
  return String(s).replace(/[&<>"]/g, (ch) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})[ch]);
}

function drawStudy() {
  const box = document.getElementById("mc"), i = nearestPoint();
  if (i === null) { box.textContent = ""; return; }
  const st = CFG.study, id = st.point_ids[i], rows = st.estimates[String(id)] || [];
  const where = Object.entries(st.points[i]).map(([k, v]) => `${k} = ${fmt(v)}`)
    .concat(st.hazards ? [`hazard = ${st.hazards[i]}`] : []).join(", ");
  let s = `<b>Monte Carlo (${esc(st.name)}), nearest grid point ${id}</b>: ${esc(where)}`;
  if (rows.length) {
    s += "<table><tr><th>estimand</th><th>at</th><th>estimate</th><th>95% interval</th>" +
         "<th>closed form</th></tr>";
    for (const r of rows) {
      const ci = r.ci_low != null ? `[${fmt(r.ci_low)}, ${fmt(r.ci_high)}]` : "";
      s += `<tr class="mc-row" data-estimand="${esc(r.estimand)}" data-at="${r.at ?? ""}" ` +
           `data-estimate="${r.estimate ?? ""}" data-ci-low="${r.ci_low ?? ""}" ` +
           `data-ci-high="${r.ci_high ?? ""}"><td>${esc(r.estimand)}</td>` +
           `<td>${r.at != null ? fmt(r.at) : ""}</td><td>${r.estimate != null ? fmt(r.estimate) : ""}</td>` +
           `<td>${ci}</td><td>${r.exact != null ? fmt(r.exact) : ""}</td></tr>`;
    }
    s += "</table>";
  }
  box.innerHTML = s;
  box.dataset.point = String(id);
}

function mulberry32(a) {
  // A small seeded generator: the page's sample lineages use the same uniforms at every
  // slider position (common random numbers), so they change only where the law does.
  return function () {
    a |= 0; a = a + 0x6D2B79F5 | 0;
    let t = Math.imul(a ^ a >>> 15, 1 | a);
    t = t + Math.imul(t ^ t >>> 7, 61 | t) ^ t;
    return ((t ^ t >>> 14) >>> 0) / 4294967296;
  };
}

function sampleLevels(reps, cap) {
  // N for each replicate, drawn from q_n: optimizer k is never overthrown iff U_k < q_k.
  const rnd = mulberry32(20240601), q = (k) => Q[state.hazard](state, k), out = [];
  for (let r = 0; r < reps; r++) {
    let n = 0;
    while (n < cap && !(rnd() < q(n))) n++;
    for (let k = n + 1; k < cap; k++) rnd();  // keep the stream aligned across positions
    out.push(n);
  }
  return out;
}

function drawLineage() {
  const svg = document.getElementById("lineage"), W = 740, L = 70, R = 16, rowH = 22;
  const st = CFG.study, i = nearestPoint(), cap = CFG.lineageLevels;
  const stored = st && i !== null ? st.lineages[String(st.point_ids[i])] : null;
  let s = "", caption;
  if (stored && stored.length) {
    const counts = st.levels[String(st.point_ids[i])];
    let end = 0;
    for (const rep of stored) for (const [a, g] of rep) end = Math.max(end, a + g);
    end = end || 1;
    const X = (v) => L + v / end * (W - L - R);
    stored.forEach((rep, r) => {
      const y = 14 + r * rowH;
      s += `<text x="4" y="${y + 4}" font-size="10">replicate ${r}</text>`;
      rep.forEach(([start, age, observed], k) => {
        s += `<line x1="${X(start)}" y1="${y}" x2="${X(start + age)}" y2="${y}" ` +
             `stroke="${observed ? "#4c72b0" : "#55a868"}" stroke-width="3"/>`;
        s += `<circle class="lineage-node" cx="${X(start)}" cy="${y}" r="3.5" fill="#222">` +
             `<title>optimizer ${k}: from t = ${fmt(start)}, ${observed ? "overthrown" : "still in place"} ` +
             `after ${fmt(age)}</title></circle>`;
      });
      if (counts[r] > rep.length) s += `<text x="${W - R}" y="${y + 4}" font-size="10" text-anchor="end">+${counts[r] - rep.length}</text>`;
    });
    const y = 14 + stored.length * rowH;
    s += `<text x="${L}" y="${y}" font-size="10">0</text><text x="${W - R}" y="${y}" ` +
         `font-size="10" text-anchor="end">t = ${fmt(end)}</text>`;
    svg.setAttribute("viewBox", `0 0 ${W} ${y + 6}`);
    svg.dataset.source = "study"; svg.dataset.levels = JSON.stringify(counts);
    caption = `Lineage of the dominant optimizers in the stored study at grid point ` +
      `${st.point_ids[i]}, first ${stored.length} replicates: a dot is a takeover (the first is ` +
      `the original optimizer at t = 0), blue an overthrown optimizer's tenure, green one still ` +
      `in place at the event horizon.`;
  } else {
    const reps = CFG.lineageReplicates, levels = sampleLevels(reps, cap);
    const X = (k) => L + k / cap * (W - L - R);
    levels.forEach((n, r) => {
      const y = 14 + r * rowH;
      s += `<text x="4" y="${y + 4}" font-size="10">sample ${r}</text>`;
      s += `<line x1="${X(0)}" y1="${y}" x2="${X(n)}" y2="${y}" stroke="#4c72b0" stroke-width="2"/>`;
      for (let k = 0; k <= Math.min(n, cap - 1); k++) {
        const last = k === n;
        s += `<circle class="lineage-node" cx="${X(k)}" cy="${y}" r="${last ? 5 : 3}" ` +
             `fill="${last ? "#55a868" : "#222"}"><title>optimizer ${k}` +
             `${last ? ": never overthrown" : ""}</title></circle>`;
      }
      if (n >= cap) s += `<text x="${W - R}" y="${y + 4}" font-size="10" text-anchor="end">&ge;${cap} &rarr;</text>`;
    });
    const y = 14 + reps * rowH;
    s += `<text x="${L}" y="${y}" font-size="10">n = 0</text><text x="${W - R}" ` +
         `y="${y}" font-size="10" text-anchor="end">${cap}</text>`;
    svg.setAttribute("viewBox", `0 0 ${W} ${y + 6}`);
    svg.dataset.source = "sampled"; svg.dataset.levels = JSON.stringify(levels);
    caption = `Lineage: ${reps} sample chains of dominant optimizers drawn in the page from ` +
      `q_n (optimizer n is never overthrown with probability q_n; green: the last, ` +
      `${cap}+ shown as an arrow). Fixed random numbers: moving a slider redraws the same ` +
      `samples under the new law.`;
  }
  svg.innerHTML = s;
  document.getElementById("lineage-caption").textContent = caption;
}

let phaseTimer = null;
function update(now) {
  const r = evaluate(state);
  const cls = document.getElementById("classification");
  cls.className = "verdict " + (r.outcome === OUT.SUP ? "sup" : r.outcome === OUT.REC ? "rec" : "pos");
  show("classification", r.outcome, r.outcome);
  const tiny = r.recurrence === 0 && r.outcome === OUT.POS;
  let text;
  if (tiny) text = `> 0, below 1e-308 (log10 ${r.log10.toFixed(1)})`;
  else if (r.outcome === OUT.UND) {
    // the partial products decrease: the last one bounds P(recur forever) from above
    text = r.recurrence > 0 ? `≤ ${fmt(r.recurrence)} (not converged)`
      : `≤ 1e${Math.ceil(r.log10)} (not converged)`;
  }
  show("recurrence", r.recurrence, text);
  show("supercoherence", r.supercoherence, tiny ? "1 (to double precision)" : undefined);
  show("q", r.q, r.q.map(fmt).join(", "));
  show("terms", r.terms, `${r.terms} (${r.status})`);
  drawLaw(r); drawStudy(); drawLineage();
  clearTimeout(phaseTimer);
  if (now) drawPhase(); else phaseTimer = setTimeout(drawPhase, 60);
  window.widgetResult = r;
  resize();
}

function resize() {
  const height = document.documentElement.scrollHeight;
  if (window.parent !== window) {
    window.parent.postMessage({type: "iframe-widget-resize", height: height}, "*");
  }
}

window.supercoherenceWidget = {evaluate: evaluate, state: state, update: update};
buildControls();
update(true);
if (window.ResizeObserver) new ResizeObserver(resize).observe(document.body);
"""
