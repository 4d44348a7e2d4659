r"""The browser app of the nested model and of the recursion (Solara, Mesa's SolaraViz).

Mesa's convention: ``app.py`` beside the model, the only module that imports the UI.
Start it with ``supercoherence app`` or ``solara run supercoherence.models.nested.app``.
Importing this module starts nothing (and loads no plotting library: Mesa's visualization
package, which imports matplotlib, is imported only when the model page is rendered).

Two pages (:data:`routes`, as labelled tabs of :func:`Layout`):

- **Nested model** (:func:`ModelPage`): Mesa's ``SolaraViz`` (controls, parameter sliders,
  reset / step / play) over the *interacting* nested model
  :class:`~supercoherence.models.nested.model.NestedOptimizerModel` (scenario parameters
  of :class:`~supercoherence.theory.scenario.TakeoverScenario` and interaction parameters
  of :class:`~supercoherence.theory.nested.NestedDynamics`, :func:`model_params`); the
  main area (:func:`ModelDashboard`) draws the nesting tree live (:func:`tree_svg`: colour
  = alignment with the original utility, area = resources, red ring = an active
  challenger), coherence, root tenure, top-level takeovers and the root's alignment over
  time (:func:`series_svg`), and beside them the theory at the slider values
  (:func:`model_theory`): :math:`q_n`, the law of :math:`N`,
  :math:`P(\text{recur forever}) = \prod_n (1 - q_n)`, the classification (exact for the
  top-level process in the independent-contest limit, ``NestedDynamics().is_limit()``),
  and the predicted :math:`P(\text{no top-level takeover by } t)`:
  :math:`e^{-\Lambda_0(t)}` in the limit, the mean field of
  :func:`~supercoherence.theory.nested.mean_field` away from it.
- **Recursion** (:func:`RecursionPage`): sliders -> the exact law of :math:`N`
  (:math:`P(N = n)`, :math:`P(N \ge n)`), the tail curve and the classification, from
  the theory layer only (no simulation).

Slider values are decimals (a step of 0.05 gives 0.35, not the binary double nearest to
it): the exact parameters are taken as the decimals they spell
(:func:`~supercoherence.theory.result.sympify_param` of the decimal string), which keeps
the exact :math:`q_n` small and the classification fast.  The classification runs in a
thread on the recursion page; the numeric law is shown at once.  Each slider shows its
parameter's words and symbol from the scenario's field metadata (:func:`slider_label`:
"spawn rate λ"), not its keyword.

Layout notes (what the screenshots showed): Mesa 3.5's ``ComponentsView`` puts each
component in a half-width, ten-row cell of a draggable grid under a tab named "Page 0",
which clipped the charts; the model page therefore hands ``SolaraViz`` no components and
lays out its own dashboard below it.  Solara's ``AppLayout`` names route tabs by their
paths ("Home", "model"); :func:`Layout` names them by the routes' labels.  Vuetify shows
a slider's value only while it is dragged; :data:`APP_CSS` keeps it shown.

References
----------
.. [1] J. Kazil, D. Masad and A. Crooks, "Utilizing Python for Agent-Based Modeling: The
   Mesa Framework", in *Social, Cultural, and Behavioral Modeling*, Springer (2020),
   308-317 (Mesa; its visualization is ``mesa.visualization.SolaraViz``).
.. [2] Solara documentation, "Multi-page apps" and "Layout" (``solara.Route``,
   ``AppLayout``), https://solara.dev/documentation.

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

from supercoherence.errors import ParameterError, SupercoherenceError
from supercoherence.models.nested.model import DEFAULT_OPTIONS, NestedOptimizerModel
from supercoherence.models.nested.reporters import REPORTER_LABELS
from supercoherence.theory.nested import NestedDynamics, mean_field
from supercoherence.theory.recursion import (
    classify,
    count_probability,
    tail_probability,
)
from supercoherence.theory.result import sympify_param
from supercoherence.theory.scenario import HAZARD_SHAPES, TakeoverScenario

__all__ = [
    "APP_CSS",
    "DYNAMICS_SLIDERS",
    "LAW_TERMS",
    "MODEL_START",
    "SCENARIO_SLIDERS",
    "AppModel",
    "Layout",
    "ModelDashboard",
    "ModelPage",
    "PageModel",
    "RecursionPage",
    "closed_forms",
    "exact_q",
    "model_params",
    "model_theory",
    "routes",
    "series_svg",
    "slider_label",
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
    "entrenchment_rate": (0.05, 3.0, 0.05),
    "power_exponent": (0.25, 4.0, 0.25),
    "entrenchment_weakening": (0.0, 2.0, 0.25),
    "detection_scaling": (0.0, 2.0, 0.05),
    "drift": (-1.0, 1.0, 0.05),
}

#: Slider ranges of the interaction (:class:`NestedDynamics`) on the model page, and the
#: app's starting values (a mild interaction; all at their defaults is the limit).
#: ``active_share`` and ``corrigible_share`` stop at 0.5 so their sum never exceeds 1.
DYNAMICS_SLIDERS: dict[str, tuple[float, float, float, float]] = {
    "challenge_rate": (0.0, 3.0, 0.1, 0.5),
    "active_share": (0.0, 0.5, 0.05, 0.2),
    "corrigible_share": (0.0, 0.5, 0.05, 0.0),
    "shift_rate": (0.0, 2.0, 0.1, 0.1),
    "shift_probability": (0.0, 1.0, 0.05, 0.5),
    "resource_elasticity": (0.0, 1.0, 0.05, 0.0),
    "loyalty_exponent": (0.25, 4.0, 0.25, 1.0),
    "weak_detection": (0.0, 3.0, 0.25, 1.0),
    "optimizerness": (0.05, 1.0, 0.05, 1.0),
}

#: Starting values of the model page where they differ from the scenario's defaults: a
#: weakening entrenchment (recursion forever with positive probability) whose nesting
#: grows to a few hundred optimizers within the horizon (seed 1).
MODEL_START: dict[str, Any] = {
    "spawn_rate": 1.0,
    "entrenchment_rate": 0.2,
    "entrenchment_weakening": 1.0,
    "drift": 0.9,
}

#: Most optimizers the tree drawing shows (the shallowest first).
TREE_NODES = 300

_OUTCOME_CLASS = {
    "supercoherence almost surely": "sup",
    "recursion forever with positive probability": "pos",
    "recursion forever almost surely": "rec",
}

#: Styles of both pages: the closed-form tables, charts that scale to their column, and
#: Vuetify slider values shown at all times (a small label above the thumb).
APP_CSS = """
.closed-forms table{border-collapse:collapse;font-size:14px}
.closed-forms th{text-align:left;font-weight:normal;padding:2px 10px 2px 0;color:#444}
.closed-forms td{font-variant-numeric:tabular-nums}
.closed-forms.sup{border-left:6px solid #55a868;padding-left:8px}
.closed-forms.pos{border-left:6px solid #dd8452;padding-left:8px}
.closed-forms.rec{border-left:6px solid #c44e52;padding-left:8px}
.closed-forms .reason{font-size:12px;color:#666;max-width:560px}
.closed-forms .note{font-size:12px;color:#444;margin:4px 0 8px}
svg.chart,svg.nesting-tree{width:100%;height:auto;display:block}
.chart-grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:8px}
.v-slider__thumb-container .v-slider__thumb-label-container{display:block!important}
.v-slider__thumb-container .v-slider__thumb-label{display:flex!important;
  transform:translateY(-17px) translateX(-50%)!important;width:auto!important;
  height:16px!important;min-width:22px;padding:0 3px;border-radius:3px!important;
  background:transparent!important;color:#1565c0!important;font-size:11px;
  font-variant-numeric:tabular-nums}
.v-slider__thumb-container .v-slider__thumb-label>*{transform:none!important}
.v-slider--horizontal{margin-top:14px}
"""


def slider_label(name: str) -> str:
    """The label of a parameter's slider: its words and symbol from the field metadata.

    A scenario field shows :attr:`~supercoherence.theory.scenario.Parameter.label` and
    its symbol in Unicode (as the post widget's sliders do); an interaction parameter or
    a model option, which carry no metadata, its name in words.

    Examples
    --------
    >>> slider_label("spawn_rate"), slider_label("hazard"), slider_label("challenge_rate")
    ('spawn rate λ', 'hazard family', 'challenge rate')
    """
    info = TakeoverScenario.parameters().get(name)
    if info is None:
        return name.replace("_", " ")
    return f"{info.label} {sp.pretty(sp.Symbol(info.symbol))}" if info.symbol else info.label


def _slider(value: float, low: float, high: float, step: float, name: str) -> dict[str, Any]:
    """SolaraViz's description of a float slider named by :func:`slider_label`."""
    return {
        "type": "SliderFloat",
        "value": value,
        "min": low,
        "max": high,
        "step": step,
        "label": slider_label(name),
    }


# --------------------------------------------------------------------------- theory


class _DecimalScenario(TakeoverScenario):
    """A scenario whose exact parameters are the decimals its floats print as.

    Every exact method is :class:`TakeoverScenario`'s, so the formulas are the theory
    layer's; only ``_exact`` differs (``sympify_param(name, repr(value))``).
    """

    def _exact(self, name: str) -> sp.Expr:
        return sympify_param(name, repr(getattr(self, name)))


def exact_q(scenario: TakeoverScenario) -> sp.Expr:
    """Exact :math:`q_n` of ``scenario`` with its parameters read as decimals.

    Examples
    --------
    >>> exact_q(TakeoverScenario(detection=0.2, entrenchment_weakening=1))
    exp(-n/5 - 1/5)
    """
    return _DecimalScenario(**scenario.to_mapping()).never_overthrown()


_CACHE: dict[str, tuple[str, float, str]] = {}


def _classification(q: sp.Expr) -> tuple[str, float, str]:
    # Cached by the expression's srepr (exact and unambiguous); srepr is never parsed from
    # user text: it is printed from an expression built here.
    key = sp.srepr(q)
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
        ``tail`` (:math:`P(N \ge n)`), and with ``classify_q`` ``outcome``,
        ``recurrence`` (:math:`\prod (1 - q_n)`) and ``reason``.

    Raises
    ------
    ParameterError
        For an out-of-range parameter.

    Examples
    --------
    >>> closed_forms({"hazard": "constant"})["outcome"]
    'recursion forever almost surely'
    >>> closed_forms({"spawn_rate": 0}, classify_q=False)["tail"][:3]
    [1.0, 0.0, 0.0]
    """
    names = TakeoverScenario.parameter_names()
    scenario = TakeoverScenario.from_mapping({k: v for k, v in parameters.items() if k in names})
    q = exact_q(scenario)
    n = np.arange(terms)
    out: dict[str, Any] = {
        "q_expr": str(q),
        "q": [float(v) for v in np.broadcast_to(scenario.never_overthrown_numeric(n), n.shape)],
        "count": [float(v) for v in count_probability(q, n)],
        "tail": [float(v) for v in tail_probability(q, n)],
    }
    if classify_q:
        outcome, recurrence, reason = _classification(q)
        out.update(outcome=outcome, recurrence=recurrence, reason=reason)
    return out


def model_theory(model: NestedOptimizerModel) -> dict[str, Any]:
    r"""The theory beside a model: :func:`closed_forms` at its scenario and the predicted
    :math:`P(\text{no top-level takeover by } t)`, :math:`t = 0, \dots, T`.

    ``independent`` is :math:`e^{-\Lambda_0(t)}` (exact for the top-level process in the
    independent-contest limit, nesting on or off); ``mean_field`` is
    :func:`~supercoherence.theory.nested.mean_field`'s survival with the model's
    dynamics (``None`` when ``resource_elasticity > 0``, which it does not cover);
    ``tail_now`` is :math:`P(N \ge k)` for the run's ``k`` top-level takeovers so far.

    Examples
    --------
    >>> m = AppModel(horizon=5, seed=1, challenge_rate=1.0, active_share=0.5)
    >>> t = model_theory(m)
    >>> t["limit"], len(t["independent"]), t["mean_field"][0]
    (False, 6, 1.0)
    >>> t["mean_field"][-1] <= t["independent"][-1]
    True
    """
    scenario, dynamics = model.takeover_scenario, model.dynamics
    forms = closed_forms(scenario.to_mapping(), terms=max(LAW_TERMS, 1))
    steps = np.arange(model.horizon + 1, dtype=float)
    lam0 = np.asarray(scenario.cumulative_hazard(np.zeros_like(steps), steps), dtype=float)
    independent = [float(v) for v in np.exp(-lam0)]
    field: list[float] | None = None
    if dynamics.resource_elasticity == 0:
        mf = mean_field(
            scenario,
            dynamics,
            model.horizon,
            deceptive_share=model.deceptive_share,
            remove_detected=model.remove_detected,
        )
        field = [1.0, *(float(v) for v in mf.survival)]
    k = int(model.top_level_takeovers)
    tail = forms["tail"]
    tail_now = tail[k] if k < len(tail) else float(tail_probability(exact_q(scenario), k))
    return {
        **forms,
        "limit": dynamics.is_limit(),
        "independent": independent,
        "mean_field": field,
        "tail_now": float(tail_now),
    }


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


def tree_svg(
    graph: nx.DiGraph, *, width: int = 460, height: int = 300, max_nodes: int = TREE_NODES
) -> str:
    """The nesting tree as SVG: depth downwards, colour = alignment with the original
    utility, area proportional to resources, a red ring around active challengers.

    The drawing scales to the width of its container (``viewBox``, CSS ``width: 100%``).
    A graph of more than ``max_nodes`` optimizers is drawn down to the depth where the
    first ``max_nodes`` (breadth first from the roots) end, and says so.

    Parameters
    ----------
    graph : networkx.DiGraph
        :attr:`NestedOptimizerModel.graph` (edges parent -> child; node attributes
        ``resources``, ``alignment_with_original`` and, optionally, ``disposition``).

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
    total_nodes = graph.number_of_nodes()
    if total_nodes > max_nodes:
        keep: list[Any] = []
        for root in roots:
            keep.extend(v for _, v in zip(range(max_nodes), nx.bfs_tree(graph, root), strict=False))
        graph = graph.subgraph(keep[:max_nodes])
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
    pad = 20

    def pos(v: Any) -> tuple[float, float]:
        px = pad + (width - 2 * pad) * (x[v] / span if leaves > 1 else 0.5)
        py = pad + (height - 2 * pad) * (depth[v] / max(levels - 1, 1) if levels > 1 else 0)
        return px, py

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="nesting-tree" data-nodes="{len(order)}" style="max-width:{width}px">'
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
        active = data.get("disposition") == "active"
        stroke = 'stroke="#c00" stroke-width="2"' if active else 'stroke="#333" stroke-width="0.5"'
        px, py = pos(v)
        parts.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{radius:.1f}" '
            f'fill="{_alignment_colour(align)}" {stroke} '
            f'data-node="{html.escape(str(v))}" data-alignment="{align:.6g}" '
            f'data-resources="{share:.6g}"><title>optimizer {html.escape(str(v))}: '
            f"alignment {align:.3f}, resources {share:.3f}"
            f"{', active' if active else ''}</title></circle>"
        )
    shown = f"showing {len(order)} of {total_nodes}; " if total_nodes > len(order) else ""
    parts.append(
        f'<text x="{width - 4}" y="{height - 4}" font-size="11" text-anchor="end" fill="#555">'
        f"{shown}colour: alignment with w0 (blue +1, grey 0, red -1); area: resources"
        "</text></svg>"
    )
    return "".join(parts)


def series_svg(
    series: Mapping[str, list[float]],
    *,
    width: int = 460,
    height: int = 150,
    title: str = "",
    bars: bool = False,
    top_value: float | None = None,
    dashed: tuple[str, ...] = (),
    marker: tuple[float, float] | None = None,
) -> str:
    """Line (or bar) chart of named series as SVG, scaled to its container's width.

    Each series is scaled to its own maximum unless ``top_value`` is given (one scale);
    the legend names each series with its maximum.  ``dashed`` names series drawn dashed;
    ``marker`` is an ``(index, value)`` point drawn as a dot (on the first series' scale).

    Examples
    --------
    >>> svg = series_svg({"coherence": [1.0, 0.5, 0.75]}, title="t")
    >>> svg.startswith("<svg") and "polyline" in svg
    True
    """
    colours = ("#4c72b0", "#dd8452", "#55a868", "#c44e52")
    left, right, top, bottom = 8, 8, 30, 16
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="chart" style="max-width:{2 * width}px">',
        f'<text x="{left}" y="12" font-size="11">{html.escape(title)}</text>',
    ]
    legend_x, legend = left, []
    scale0 = None
    for i, (name, raw) in enumerate(series.items()):
        values = np.asarray(raw, dtype=float)
        finite = values[np.isfinite(values)]
        scale = top_value if top_value is not None else None
        if scale is None:
            scale = float(np.max(np.abs(finite))) if finite.size else 1.0
        scale = scale or 1.0
        scale0 = scale if scale0 is None else scale0
        count = max(values.size - 1, 1)
        colour = colours[i % len(colours)]

        def xy(k: float, v: float, scale: float = scale, count: int = count):
            px = left + (width - left - right) * k / count
            py = height - bottom - (height - top - bottom) * (v / scale)
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
            dash = ' stroke-dasharray="5 3"' if name in dashed else ""
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" '
                f'stroke-width="1.5"{dash}/>'
            )
        biggest = float(np.max(np.abs(finite))) if finite.size else 0.0
        label = f"{name} (max {biggest:.3g})" if top_value is None else name
        legend.append((label, colour))
    for label, colour in legend:
        parts.append(
            f'<text x="{legend_x}" y="25" font-size="10" fill="{colour}">'
            f"{html.escape(label)}</text>"
        )
        legend_x += 6 * len(label) + 12
    if marker is not None and scale0:
        k, v = marker
        count = max(len(next(iter(series.values()))) - 1, 1)
        px = left + (width - left - right) * k / count
        py = height - bottom - (height - top - bottom) * (v / scale0)
        parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="#000"/>')
    n_points = max((len(v) for v in series.values()), default=1)
    parts.append(
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" '
        f'y2="{height - bottom}" stroke="#888"/>'
        f'<text x="{left}" y="{height - 3}" font-size="9" fill="#666">0</text>'
        f'<text x="{width - right}" y="{height - 3}" font-size="9" fill="#666" '
        f'text-anchor="end">{n_points - 1}</text></svg>'
    )
    return "".join(parts)


def _numbers_html(forms: Mapping[str, Any], prefix: str, note: str = "") -> str:
    """The closed forms as an HTML table; each number has an id and its full value."""

    def cell(key: str, value: Any, text: str | None = None) -> str:
        if text is None and isinstance(value, float):
            text = f"{value:.6g}" if math.isfinite(value) else "not computed"
        shown = text if text is not None else value
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
    for key, label, value in forms.get("extra", ()):
        rows.append((label, cell(key, value)))
    body = "".join(f"<tr><th>{k}</th>{v}</tr>" for k, v in rows)
    css = _OUTCOME_CLASS.get(outcome or "", "")
    reason = html.escape(forms.get("reason", ""))
    note_html = f'<div class="note">{note}</div>' if note else ""
    return (
        f'<div class="closed-forms {css}" id="{prefix}-forms">{note_html}<table>{body}</table>'
        f'<div class="reason">{reason}</div></div>'
    )


def _safe(f: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return f(*args, **kwargs)
    except SupercoherenceError as exc:
        return str(exc)


# --------------------------------------------------------------------------- recursion page


def _slider_defaults() -> dict[str, Any]:
    defaults = TakeoverScenario().to_mapping()
    return {k: defaults[k] for k in (*SCENARIO_SLIDERS, "hazard") if k != "drift"}


@solara.component
def RecursionView(parameters: Mapping[str, Any]) -> solara.Element:
    """The law of N, the tail curve and the classification at ``parameters``."""
    key = tuple(sorted(parameters.items()))
    fast = solara.use_memo(lambda: _safe(closed_forms, parameters, classify_q=False), [key])
    slow = solara.use_thread(lambda: _safe(closed_forms, parameters), dependencies=[key])
    with solara.Column():
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
            classes=["chart-grid"],
            unsafe_innerHTML=series_svg(
                {"P(N = n)": forms["count"]},
                title=f"Law of N: P(N = n), n = 0..{len(forms['count']) - 1}",
                bars=True,
                width=360,
            )
            + series_svg(
                {"P(N ≥ n)": forms["tail"]}, title="Tail: P(N ≥ n)", top_value=1.0, width=360
            ),
        )


@solara.component
def RecursionPage() -> solara.Element:
    """Sliders -> the exact law of N, its tail curve and the classification."""
    parameters, set_parameters = solara.use_state(_slider_defaults())

    def setter(name: str) -> Callable[[Any], None]:
        return lambda value: set_parameters({**parameters, name: value})

    with solara.Columns([1, 2]) as main:
        with solara.Card("Scenario"):
            solara.Select(
                label=slider_label("hazard"),
                value=parameters["hazard"],
                values=list(HAZARD_SHAPES),
                on_value=setter("hazard"),
            )
            for name, (lo, hi, step) in SCENARIO_SLIDERS.items():
                if name == "drift":
                    continue
                solara.SliderFloat(
                    label=slider_label(name),
                    value=parameters[name],
                    min=lo,
                    max=hi,
                    step=step,
                    on_value=setter(name),
                )
        with solara.Card("The recursion: exact law of N"):
            RecursionView(parameters)
    return main


# --------------------------------------------------------------------------- model page


class AppModel(NestedOptimizerModel):
    """:class:`NestedOptimizerModel` as SolaraViz re-creates it: plain keywords only.

    Mesa 3.5's SolaraViz passes ``scenario=<mesa Scenario>`` when it resets a model that
    has a ``scenario`` attribute (every ``mesa.Model`` has one), and the nested model's
    first parameter is also called ``scenario`` (a ``TakeoverScenario``); a Mesa scenario
    is dropped here, everything else is passed on (flat scenario and dynamics keywords,
    :func:`~supercoherence.models.nested.model.resolve_parameters`), so new keyword
    parameters of the model work as sliders unchanged.
    """

    def __init__(self, **kwargs: Any) -> None:
        if not isinstance(kwargs.get("scenario"), TakeoverScenario | None):
            kwargs.pop("scenario")
        super().__init__(**kwargs)


class PageModel(AppModel):
    """The model page's model: an invalid parameter point is shown, not raised.

    SolaraViz rebuilds the model from the sliders when Reset is pressed; a point the
    model refuses (e.g. ``capability_ratio < 1`` with ``detection_scaling`` above
    ``-log(1 - detection)``) would raise inside the button's handler.  Here the refusal is
    kept in :attr:`parameter_error`, and :func:`ModelDashboard` shows that message instead
    of any number (the placeholder model behind it, one step of the defaults, is never
    shown).  Programmatic use should take :class:`AppModel`, which raises.

    Examples
    --------
    >>> PageModel(horizon=5, capability_ratio=0.5, detection_scaling=2.0).parameter_error
    'detection_scaling = 2.0 is out of range: ...'
    """

    def __init__(self, **kwargs: Any) -> None:
        self.parameter_error: str | None = None
        try:
            super().__init__(**kwargs)
        except ParameterError as exc:
            super().__init__(horizon=1, seed=kwargs.get("seed"))
            self.parameter_error = str(exc)


def model_params(horizon: int = 100, seed: int = 1) -> dict[str, Any]:
    """SolaraViz ``model_params``: a slider per scenario, interaction and model option.

    Examples
    --------
    >>> params = model_params()
    >>> params["spawn_rate"]["type"], params["challenge_rate"]["value"], params["horizon"]
    ('SliderFloat', 0.5, 100)
    """
    defaults = TakeoverScenario().to_mapping()
    params: dict[str, Any] = {
        "hazard": {
            "type": "Select",
            "value": defaults["hazard"],
            "values": list(HAZARD_SHAPES),
            "label": slider_label("hazard"),
        }
    }
    for name, (lo, hi, step) in SCENARIO_SLIDERS.items():
        value = MODEL_START.get(name, defaults[name])
        params[name] = _slider(value, lo, hi, step, name)
    params["nesting"] = {"type": "Checkbox", "value": True, "label": slider_label("nesting")}
    params["resource_share"] = _slider(
        DEFAULT_OPTIONS["resource_share"], 0.0, 1.0, 0.05, "resource_share"
    )
    known = NestedDynamics.parameter_names()
    for name, (lo, hi, step, value) in DYNAMICS_SLIDERS.items():
        if name in known:  # follow the model's constructor if a keyword is renamed
            params[name] = _slider(value, lo, hi, step, name)
    params["horizon"] = horizon
    params["seed"] = seed
    return params


def _initial_model(horizon: int = 100) -> PageModel:
    params = model_params(horizon=horizon)
    kwargs = {k: (v["value"] if isinstance(v, dict) else v) for k, v in params.items()}
    return PageModel(**kwargs)


def TreeView(model: NestedOptimizerModel) -> solara.Element:
    """The nesting tree (colour: alignment with the original utility; area: resources)."""
    return solara.HTML(tag="div", unsafe_innerHTML=tree_svg(model.graph))


def SeriesView(model: NestedOptimizerModel) -> solara.Element:
    """Coherence, root tenure, top-level takeovers and the root's alignment over time."""
    frame = model.datacollector.get_model_vars_dataframe()
    cols = ("coherence", "root_tenure", "top_level_takeovers", "alignment_with_original")
    series = {c: frame[c].astype(float).tolist() for c in cols if c in frame.columns}
    svg = "".join(
        series_svg(
            {REPORTER_LABELS[k].split(" (")[0]: v},
            title=f"{REPORTER_LABELS[k]}, steps 0..{model.steps}",
            width=380,
        )
        for k, v in series.items()
    )
    return solara.HTML(tag="div", classes=["chart-grid"], unsafe_innerHTML=svg)


def _theory_html(model: NestedOptimizerModel, theory: Mapping[str, Any]) -> str:
    k = int(model.steps)
    first = model.first_takeover_time
    first_text = f"{first:.3g}" if math.isfinite(first) else "none yet"
    extra = [
        ("tail-now", f"P(N ≥ {model.top_level_takeovers}) (takeovers so far)", theory["tail_now"]),
        ("independent-now", f"P(no top-level takeover by {k}), limit", theory["independent"][k]),
    ]
    if theory["mean_field"] is not None:
        extra.append(
            (
                "mean-field-now",
                f"P(no top-level takeover by {k}), mean field",
                theory["mean_field"][k],
            )
        )
    if theory["limit"]:
        note = (
            "Independent-contest limit: these closed forms are exact for the top-level "
            "process (nesting on or off)."
        )
    else:
        note = (
            "Interacting: the closed forms are the independent-contest limit; the mean "
            "field approximates this model's top-level hazard."
        )
    sim = (
        f'<p id="sim-numbers" data-takeovers="{model.top_level_takeovers}" '
        f'data-step="{model.steps}" data-first="{first!r}">simulation: step {model.steps}, '
        f"{model.top_level_takeovers} top-level takeovers (first at t = {first_text}), "
        f"{model.nested_takeovers} nested, {model.graph.number_of_nodes()} optimizers</p>"
    )
    return sim + _numbers_html({**theory, "extra": extra}, "model", note)


@solara.component
def ModelDashboard(model: NestedOptimizerModel) -> solara.Element:
    """The main area of the model page: tree and theory side by side, the series below.

    Re-rendered after every step (Mesa's ``update_counter``) and for every new model.
    """
    from mesa.visualization.utils import update_counter

    update_counter.get()
    theory = solara.use_memo(lambda: _safe(model_theory, model), [id(model)])
    problem = getattr(model, "parameter_error", None)
    if problem:
        return solara.Error(
            f"Not a valid parameter point: {problem}. Move the sliders and press Reset.",
            classes=["parameter-error"],
        )
    with solara.Column(style={"width": "100%"}) as main:
        with solara.Columns([1, 1]):
            with solara.Card("Nesting tree"):
                TreeView(model)
            with solara.Card("Theory at the slider values"):
                if isinstance(theory, str):
                    solara.Error(theory)
                else:
                    solara.HTML(tag="div", unsafe_innerHTML=_theory_html(model, theory))
        with solara.Card("Over time"):
            SeriesView(model)
            if not isinstance(theory, str):
                curves = {"limit e^-Λ0(t)": theory["independent"]}
                if theory["mean_field"] is not None:
                    curves["mean field"] = theory["mean_field"]
                first = model.first_takeover_time
                marker = (first, 1.0) if math.isfinite(first) else None
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML=series_svg(
                        curves,
                        title="P(no top-level takeover by t), t = 0..horizon; "
                        "dot: this run's first takeover",
                        top_value=1.0,
                        dashed=("mean field",),
                        marker=marker,
                        width=920,
                    ),
                )
    return main


@solara.component
def ModelPage() -> solara.Element:
    """Mesa's SolaraViz (controls and parameters) over the interacting nested model, with
    :func:`ModelDashboard` in the main area."""
    from mesa.visualization import SolaraViz  # imports matplotlib: only when rendered

    initial = solara.use_memo(_initial_model, [])
    model = solara.use_reactive(initial)
    with solara.Column(style={"width": "100%"}) as main:
        SolaraViz(
            model,
            components=[],
            model_params=model_params(),
            name="Nested optimizers (interacting)",
            play_interval=150,
        )
        ModelDashboard(model.value)
    return main


# --------------------------------------------------------------------------- layout


@solara.component
def Layout(children: list[solara.Element] | None = None) -> solara.Element:
    """Solara's ``AppLayout`` with the pages as tabs named by their labels, and
    :data:`APP_CSS`."""
    route, all_routes = solara.use_route()
    router = solara.use_router()
    paths = [solara.resolve_path(r, level=0) for r in all_routes]
    index = all_routes.index(route) if route in all_routes else 0
    tabs = solara.AppBar(
        children=[
            solara.lab.Tabs(
                value=index,
                on_value=lambda i: router.push(paths[i]),
                align="center",
                children=[solara.lab.Tab(r.label or r.path) for r in all_routes],
            )
        ]
    )
    # One content child: AppLayout takes the first of several children as its sidebar.
    content = solara.Column(
        children=[solara.Style(APP_CSS), *(children or [])], style={"width": "100%"}
    )
    return solara.AppLayout(children=[tabs, content])


@solara.component
def Page() -> solara.Element:
    """Both pages as tabs (what ``solara run`` shows when it uses ``Page``)."""
    with solara.lab.Tabs() as main:
        with solara.lab.Tab("Recursion"):
            solara.Style(APP_CSS)
            RecursionPage()
        with solara.lab.Tab("Nested model"):
            ModelPage()
    return main


#: The app's pages for ``solara run`` (``/`` the recursion, ``/model`` the nested model).
routes = [
    solara.Route(path="/", component=RecursionPage, label="Recursion", layout=Layout),
    solara.Route(path="model", component=ModelPage, label="Nested model"),
]
