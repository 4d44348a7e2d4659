r"""The browser app of the nested model and of the recursion (Solara, Mesa's SolaraViz).

Mesa's convention: ``app.py`` beside the model, the only module that imports the UI.
Start it with ``supercoherence app`` or ``solara run supercoherence.models.nested.app``.
Importing this module starts nothing (and loads no plotting library: Mesa's visualization
package, which imports matplotlib, is imported only when the model page is rendered).

Two pages (:data:`routes`):

- **Nested model** (:func:`ModelPage`): Mesa's ``SolaraViz`` over
  :class:`~supercoherence.models.nested.model.NestedOptimizerModel` with sliders for the
  scenario parameters (:func:`model_params`), the nesting tree drawn live
  (:func:`tree_svg`: colour = alignment with the original utility, area = resources),
  coherence, root tenure and top-level takeovers over time (:func:`series_svg`), and beside
  them the closed forms at the slider values (:func:`closed_forms`: :math:`q_n`,
  :math:`P(\text{recur forever})`, the classification).
- **Recursion** (:func:`RecursionPage`): sliders -> the exact law of :math:`N`
  (:math:`P(N = n)`, :math:`P(N \ge n)`), the survival curve and the classification, from
  the theory layer only (no simulation).

Slider values are decimals (a step of 0.05 gives 0.35, not the binary double nearest to
it): the exact parameters are taken as the decimals they spell
(:func:`~supercoherence.theory.result.sympify_param` of the decimal string), which keeps
the exact :math:`q_n` small and the classification fast.  The classification runs in a
thread; the numeric law is shown at once.

Examples
--------
>>> forms = closed_forms({"entrenchment_weakening": 1})
>>> forms["outcome"], [round(v, 6) for v in forms["q"][:2]]
('recursion forever with positive probability', [0.882497, 0.778801])
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from typing import Any

import networkx as nx
import numpy as np
import solara
import sympy as sp

from supercoherence.errors import SupercoherenceError
from supercoherence.models.nested.model import NestedOptimizerModel
from supercoherence.theory.recursion import (
    classify,
    count_probability,
    survival_probability,
)
from supercoherence.theory.result import sympify_param
from supercoherence.theory.scenario import HAZARD_SHAPES, TakeoverScenario

__all__ = [
    "LAW_TERMS",
    "SCENARIO_SLIDERS",
    "AppModel",
    "ModelPage",
    "RecursionPage",
    "closed_forms",
    "exact_q",
    "model_params",
    "routes",
    "series_svg",
    "tree_svg",
]

#: Number of terms of the law of N shown.
LAW_TERMS = 30

#: Slider ranges (min, max, step) of the continuous scenario parameters.
SCENARIO_SLIDERS: dict[str, tuple[float, float, float]] = {
    "spawn_rate": (0.0, 3.0, 0.05),
    "alignment_skill": (0.0, 1.0, 0.05),
    "detection": (0.0, 1.0, 0.05),
    "capability_ratio": (0.5, 3.0, 0.05),
    "sharpness": (0.25, 4.0, 0.25),
    "entrenchment": (0.05, 3.0, 0.05),
    "power": (0.25, 4.0, 0.25),
    "entrenchment_weakening": (0.0, 2.0, 0.25),
    "detection_scaling": (0.0, 2.0, 0.05),
    "drift": (-1.0, 1.0, 0.05),
}

_OUTCOME_CLASS = {
    "supercoherence almost surely": "sup",
    "recursion forever with positive probability": "pos",
    "recursion forever almost surely": "rec",
}


# --------------------------------------------------------------------------- theory


class _DecimalScenario:
    """A scenario whose exact parameters are the decimals its floats print as.

    Borrows :class:`TakeoverScenario`'s exact methods, so the formulas are the theory
    layer's; only ``_exact`` differs (``sympify_param(name, repr(value))``).
    """

    hazard_scale_expr = TakeoverScenario.hazard_scale_expr
    entrenchment_expr = TakeoverScenario.entrenchment_expr
    hazard_expr = TakeoverScenario.hazard_expr
    q_expr = TakeoverScenario.q_expr

    def __init__(self, scenario: TakeoverScenario) -> None:
        self._scenario = scenario
        self.hazard = scenario.hazard

    def _exact(self, name: str) -> sp.Expr:
        return sympify_param(name, repr(getattr(self._scenario, name)))


def exact_q(scenario: TakeoverScenario) -> sp.Expr:
    """Exact :math:`q_n` of ``scenario`` with its parameters read as decimals.

    Examples
    --------
    >>> exact_q(TakeoverScenario(detection=0.2, entrenchment_weakening=1))
    exp(-n/5 - 1/5)
    """
    return _DecimalScenario(scenario).q_expr()


def _classification(q: sp.Expr) -> tuple[str, float, str]:
    # Cached by the expression's srepr (exact and unambiguous); srepr is never parsed from
    # user text: it is printed from an expression built here.
    return _classify_cached(sp.srepr(q), q)


_CACHE: dict[str, tuple[str, float, str]] = {}


def _classify_cached(key: str, q: sp.Expr) -> tuple[str, float, str]:
    if key not in _CACHE:
        c = classify(q)
        _CACHE[key] = (c.outcome.value, float(c.recurrence.value), c.reason)
    return _CACHE[key]


def closed_forms(
    parameters: Mapping[str, Any], *, terms: int = LAW_TERMS, classify_q: bool = True
) -> dict[str, Any]:
    r"""The theory at a parameter point: :math:`q_n`, the law of :math:`N`, the verdict.

    Parameters
    ----------
    parameters : mapping
        Scenario parameters (study-file names); other keys (model options) are ignored.
    terms : int
        Number of terms of the law of :math:`N`.
    classify_q : bool
        Also run :func:`~supercoherence.theory.recursion.classify` (may take seconds).

    Returns
    -------
    dict
        ``q_expr`` (str), ``q`` (first ``terms`` values), ``count`` (:math:`P(N = n)`),
        ``survival`` (:math:`P(N \ge n)`), and with ``classify_q`` ``outcome``,
        ``recurrence`` (:math:`\prod (1 - q_n)`) and ``reason``.

    Raises
    ------
    ParameterError
        For an out-of-range parameter.

    Examples
    --------
    >>> closed_forms({"hazard": "constant"})["outcome"]
    'recursion forever almost surely'
    >>> closed_forms({"spawn_rate": 0}, classify_q=False)["survival"][:3]
    [1.0, 0.0, 0.0]
    """
    names = TakeoverScenario.parameter_names()
    scenario = TakeoverScenario.from_mapping({k: v for k, v in parameters.items() if k in names})
    q = exact_q(scenario)
    n = np.arange(terms)
    out: dict[str, Any] = {
        "q_expr": str(q),
        "q": [float(v) for v in np.broadcast_to(scenario.q(n), n.shape)],
        "count": [float(v) for v in count_probability(q, n)],
        "survival": [float(v) for v in survival_probability(q, n)],
    }
    if classify_q:
        outcome, recurrence, reason = _classification(q)
        out.update(outcome=outcome, recurrence=recurrence, reason=reason)
    return out


# --------------------------------------------------------------------------- drawings


def _alignment_colour(x: float) -> str:
    """Diverging colour of an alignment in [-1, 1]: red (-1), grey (0), blue (+1)."""
    if not math.isfinite(x):
        return "#999999"
    x = max(-1.0, min(1.0, x))
    grey, blue, red = (0.85, 0.85, 0.85), (0.13, 0.40, 0.67), (0.70, 0.09, 0.17)
    end = blue if x >= 0 else red
    rgb = [g + abs(x) * (e - g) for g, e in zip(grey, end, strict=True)]
    return "#" + "".join(f"{round(255 * c):02x}" for c in rgb)


def tree_svg(graph: nx.DiGraph, *, width: int = 460, height: int = 300) -> str:
    """The nesting tree as SVG: depth downwards, colour = alignment with the original
    utility, area proportional to resources.

    Parameters
    ----------
    graph : networkx.DiGraph
        :attr:`NestedOptimizerModel.graph` (edges parent -> child; node attributes
        ``resources`` and ``alignment_with_original``).

    Returns
    -------
    str
        An ``<svg>`` element; each node is a ``<circle>`` with ``data-node``,
        ``data-alignment`` and ``data-resources``.

    Examples
    --------
    >>> g = nx.DiGraph([(0, 1), (0, 2)])
    >>> nx.set_node_attributes(g, 1.0, "resources")
    >>> nx.set_node_attributes(g, {0: 1.0, 1: 0.5, 2: -1.0}, "alignment_with_original")
    >>> tree_svg(g).count("<circle")
    3
    """
    roots = [v for v, d in graph.in_degree() if d == 0]
    depth: dict[Any, int] = {}
    order: list[Any] = []
    for root in roots:
        for v in nx.dfs_preorder_nodes(graph, root):
            parent = next(iter(graph.predecessors(v)), None)
            depth[v] = 0 if parent is None else depth[parent] + 1
            order.append(v)
    # Leaves spread evenly; a parent sits above the middle of its children.
    x: dict[Any, float] = {}
    leaves = 0

    def place(v: Any) -> float:
        nonlocal leaves
        children = list(graph.successors(v))
        if not children:
            x[v] = leaves
            leaves += 1
        else:
            xs = [place(c) for c in children]
            x[v] = (xs[0] + xs[-1]) / 2
        return x[v]

    for root in roots:
        place(root)
    levels = max(depth.values(), default=0) + 1
    span = max(leaves - 1, 1)
    total = sum(float(graph.nodes[v].get("resources", 0.0)) for v in order) or 1.0
    pad = 18

    def pos(v: Any) -> tuple[float, float]:
        px = pad + (width - 2 * pad) * (x[v] / span if leaves > 1 else 0.5)
        py = pad + (height - 2 * pad) * (depth[v] / max(levels - 1, 1) if levels > 1 else 0)
        return px, py

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" class="nesting-tree" data-nodes="{len(order)}">'
    ]
    for u, v in graph.edges():
        (x1, y1), (x2, y2) = pos(u), pos(v)
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#aaa"/>'
        )
    for v in order:
        data = graph.nodes[v]
        share = float(data.get("resources", 0.0)) / total
        radius = 3 + 14 * math.sqrt(max(share, 0.0))
        align = float(data.get("alignment_with_original", float("nan")))
        px, py = pos(v)
        parts.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{radius:.1f}" '
            f'fill="{_alignment_colour(align)}" stroke="#333" stroke-width="0.5" '
            f'data-node="{html.escape(str(v))}" data-alignment="{align:.6g}" '
            f'data-resources="{share:.6g}"><title>optimizer {html.escape(str(v))}: '
            f"alignment {align:.3f}, resources {share:.3f}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def series_svg(
    series: Mapping[str, list[float]],
    *,
    width: int = 460,
    height: int = 160,
    title: str = "",
    bars: bool = False,
) -> str:
    """Line (or bar) chart of named series as SVG, each scaled to its own maximum.

    Examples
    --------
    >>> svg = series_svg({"coherence": [1.0, 0.5, 0.75]}, title="t")
    >>> svg.startswith("<svg") and "polyline" in svg
    True
    """
    colours = ("#4c72b0", "#dd8452", "#55a868", "#c44e52")
    left, right, top, bottom = 8, 8, 18, 18
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">',
        f'<text x="{left}" y="12" font-size="11">{html.escape(title)}</text>',
    ]
    legend_x = width - right
    for i, (name, raw) in enumerate(series.items()):
        values = np.asarray(raw, dtype=float)
        finite = values[np.isfinite(values)]
        top_value = float(np.max(np.abs(finite))) if finite.size else 1.0
        top_value = top_value or 1.0
        count = max(values.size - 1, 1)
        colour = colours[i % len(colours)]

        def xy(k: int, v: float, top_value: float = top_value, count: int = count):
            px = left + (width - left - right) * k / count
            py = height - bottom - (height - top - bottom) * (v / top_value)
            return px, py

        if bars:
            bw = (width - left - right) / max(values.size, 1)
            for k, v in enumerate(values):
                _, py = xy(k, v)
                parts.append(
                    f'<rect x="{left + k * bw:.1f}" y="{py:.1f}" width="{max(bw - 1, 1):.1f}" '
                    f'height="{height - bottom - py:.1f}" fill="{colour}" opacity="0.8"/>'
                )
        else:
            points = " ".join(
                f"{px:.1f},{py:.1f}"
                for k, v in enumerate(values)
                if math.isfinite(v)
                for px, py in [xy(k, v)]
            )
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.5"/>'
            )
        label = f"{name} (max {top_value:.3g})"
        parts.append(
            f'<text x="{legend_x}" y="{12 + 12 * i}" font-size="10" text-anchor="end" '
            f'fill="{colour}">{html.escape(label)}</text>'
        )
    parts.append(
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" '
        f'y2="{height - bottom}" stroke="#888"/></svg>'
    )
    return "".join(parts)


def _numbers_html(forms: Mapping[str, Any], prefix: str) -> str:
    """The closed forms as an HTML table; each number has an id and its full value."""

    def cell(key: str, value: Any, text: str | None = None) -> str:
        shown = (
            text if text is not None else (f"{value:.6g}" if isinstance(value, float) else value)
        )
        return (
            f'<td id="{prefix}-{key}" data-value="{html.escape(repr(value))}">'
            f"{html.escape(str(shown))}</td>"
        )

    outcome = forms.get("outcome")
    rows = [
        ("q<sub>n</sub>", cell("q-expr", forms["q_expr"])),
        (
            "q<sub>0</sub>, q<sub>1</sub>, q<sub>2</sub>",
            cell("q", forms["q"][:3], ", ".join(f"{v:.6g}" for v in forms["q"][:3])),
        ),
        (
            "P(N = 0), P(N = 1), P(N = 2)",
            cell("count", forms["count"][:3], ", ".join(f"{v:.6g}" for v in forms["count"][:3])),
        ),
    ]
    if outcome is None:
        rows.append(
            ("classification", f'<td id="{prefix}-outcome" data-value="">classifying…</td>')
        )
    else:
        rows.append(("P(recur forever)", cell("recurrence", forms["recurrence"])))
        rows.append(("classification", cell("outcome", outcome)))
    body = "".join(f"<tr><th>{k}</th>{v}</tr>" for k, v in rows)
    css = _OUTCOME_CLASS.get(outcome or "", "")
    reason = html.escape(forms.get("reason", ""))
    return (
        f'<div class="closed-forms {css}" id="{prefix}-forms"><table>{body}</table>'
        f'<div class="reason">{reason}</div></div>'
    )


_STYLE = """
.closed-forms table{border-collapse:collapse;font-size:14px}
.closed-forms th{text-align:left;font-weight:normal;padding:2px 10px 2px 0;color:#444}
.closed-forms td{font-variant-numeric:tabular-nums}
.closed-forms.sup{border-left:6px solid #55a868;padding-left:8px}
.closed-forms.pos{border-left:6px solid #dd8452;padding-left:8px}
.closed-forms.rec{border-left:6px solid #c44e52;padding-left:8px}
.closed-forms .reason{font-size:12px;color:#666;max-width:520px}
"""


# --------------------------------------------------------------------------- recursion page


def _slider_defaults() -> dict[str, Any]:
    defaults = TakeoverScenario().to_mapping()
    return {k: defaults[k] for k in (*SCENARIO_SLIDERS, "hazard") if k != "drift"}


@solara.component
def RecursionView(parameters: Mapping[str, Any]) -> solara.Element:
    """The law of N, the survival curve and the classification at ``parameters``."""
    key = tuple(sorted(parameters.items()))
    fast = solara.use_memo(lambda: _safe(closed_forms, parameters, classify_q=False), [key])
    slow = solara.use_thread(lambda: _safe(closed_forms, parameters), dependencies=[key])
    with solara.Column():
        solara.Style(_STYLE)
        if isinstance(fast, str):
            solara.Error(fast)
            return
        forms = slow.value if slow.state == solara.ResultState.FINISHED else fast
        if isinstance(forms, str):
            solara.Error(forms)
            forms = fast
        solara.HTML(tag="div", unsafe_innerHTML=_numbers_html(forms, "rec"))
        solara.HTML(
            tag="div",
            unsafe_innerHTML=series_svg(
                {"P(N = n)": forms["count"]}, title="Law of N: P(N = n), n = 0..", bars=True
            )
            + series_svg({"P(N ≥ n)": forms["survival"]}, title="Survival: P(N ≥ n)"),
        )


def _safe(f: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return f(*args, **kwargs)
    except SupercoherenceError as exc:
        return str(exc)


@solara.component
def RecursionPage() -> solara.Element:
    """Sliders -> the exact law of N, its survival curve and the classification."""
    parameters, set_parameters = solara.use_state(_slider_defaults())

    def setter(name: str) -> Callable[[Any], None]:
        return lambda value: set_parameters({**parameters, name: value})

    with solara.Columns([1, 2]):
        with solara.Card("Scenario"):
            solara.Select(
                label="hazard",
                value=parameters["hazard"],
                values=list(HAZARD_SHAPES),
                on_value=setter("hazard"),
            )
            for name, (lo, hi, step) in SCENARIO_SLIDERS.items():
                if name == "drift":
                    continue
                solara.SliderFloat(
                    label=name,
                    value=parameters[name],
                    min=lo,
                    max=hi,
                    step=step,
                    on_value=setter(name),
                )
        with solara.Card("The recursion: exact law of N"):
            RecursionView(parameters)


# --------------------------------------------------------------------------- model page


class AppModel(NestedOptimizerModel):
    """:class:`NestedOptimizerModel` as SolaraViz re-creates it: plain keywords only.

    Mesa 3.5's SolaraViz passes ``scenario=<mesa Scenario>`` when it resets a model that
    has a ``scenario`` attribute (every ``mesa.Model`` has one), and the nested model's
    first parameter is also called ``scenario`` (a ``TakeoverScenario``); a Mesa scenario
    is dropped here, everything else is passed on, so new keyword parameters of the model
    work as sliders unchanged.
    """

    def __init__(self, **kwargs: Any) -> None:
        if not isinstance(kwargs.get("scenario"), TakeoverScenario | None):
            kwargs.pop("scenario")
        super().__init__(**kwargs)


def model_params(horizon: int = 200, seed: int = 1) -> dict[str, Any]:
    """SolaraViz ``model_params``: a slider per scenario parameter and model option.

    Examples
    --------
    >>> params = model_params()
    >>> params["spawn_rate"]["type"], params["horizon"]
    ('SliderFloat', 200)
    """
    defaults = TakeoverScenario().to_mapping()
    params: dict[str, Any] = {
        "hazard": {
            "type": "Select",
            "value": defaults["hazard"],
            "values": list(HAZARD_SHAPES),
            "label": "hazard",
        }
    }
    for name, (lo, hi, step) in SCENARIO_SLIDERS.items():
        params[name] = {
            "type": "SliderFloat",
            "value": defaults[name],
            "min": lo,
            "max": hi,
            "step": step,
            "label": name,
        }
    params["drift"]["value"] = 0.9
    params["nesting"] = {"type": "Checkbox", "value": True, "label": "nesting"}
    params["resource_share"] = {
        "type": "SliderFloat",
        "value": 0.1,
        "min": 0.0,
        "max": 1.0,
        "step": 0.05,
        "label": "resource_share",
    }
    params["horizon"] = horizon
    params["seed"] = seed
    return params


def _initial_model() -> AppModel:
    params = model_params()
    kwargs = {k: (v["value"] if isinstance(v, dict) else v) for k, v in params.items()}
    return AppModel(**kwargs)


def TreeView(model: NestedOptimizerModel) -> solara.Element:
    """The nesting tree (colour: alignment with the original utility; area: resources)."""
    return solara.HTML(tag="div", unsafe_innerHTML=tree_svg(model.graph))


def SeriesView(model: NestedOptimizerModel) -> solara.Element:
    """Coherence, root tenure and top-level takeovers over time."""
    frame = model.datacollector.get_model_vars_dataframe()
    cols = ("coherence", "root_tenure", "top_level_takeovers")
    series = {c: frame[c].astype(float).tolist() for c in cols if c in frame.columns}
    svg = "".join(
        series_svg({k: v}, title=f"{k}, step 0..{model.steps}") for k, v in series.items()
    )
    return solara.HTML(tag="div", unsafe_innerHTML=svg)


def TheoryView(model: NestedOptimizerModel) -> solara.Element:
    """The closed forms at the model's scenario, beside the simulation."""
    parameters = model.takeover_scenario.to_mapping()
    forms = _safe(closed_forms, parameters)
    if isinstance(forms, str):
        return solara.Error(forms)
    sim = (
        f'<p id="sim-numbers" data-takeovers="{model.top_level_takeovers}" '
        f'data-step="{model.steps}">simulation: step {model.steps}, '
        f"{model.top_level_takeovers} top-level takeovers, "
        f"{model.nested_takeovers} nested</p>"
    )
    return solara.HTML(
        tag="div", unsafe_innerHTML=f"<style>{_STYLE}</style>" + sim + _numbers_html(forms, "model")
    )


@solara.component
def ModelPage() -> solara.Element:
    """Mesa's SolaraViz over the nested model with the tree, series and closed forms."""
    from mesa.visualization import SolaraViz  # imports matplotlib: only when rendered

    model = solara.use_memo(_initial_model, [])
    return SolaraViz(
        model,
        components=[(TreeView, 0), (SeriesView, 0), (TheoryView, 0)],
        model_params=model_params(),
        name="Nested optimizers",
        play_interval=150,
    )


@solara.component
def Page() -> solara.Element:
    """Both pages as tabs (what ``solara run`` shows when it uses ``Page``)."""
    with solara.lab.Tabs():
        with solara.lab.Tab("Recursion"):
            RecursionPage()
        with solara.lab.Tab("Nested model"):
            ModelPage()


#: The app's pages for ``solara run`` (``/`` the recursion, ``/model`` the nested model).
routes = [
    solara.Route(path="/", component=RecursionPage, label="Recursion"),
    solara.Route(path="model", component=ModelPage, label="Nested model"),
]
