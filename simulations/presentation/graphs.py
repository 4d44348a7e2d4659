r"""Graph exports: the nested optimizer graph and the lineage of top-level optimizers.

The Mesa model (:mod:`supercoherence.models.nested`) keeps two ``networkx.DiGraph``:

* ``model.graph``, the nesting: edge :math:`u \to v` when :math:`v` was created by
  :math:`u`'s search and is controlled by :math:`u`; the root is the top-level optimizer.
  Node attributes: ``capability``, ``alignment_class``, ``resources``, ``age``, ``born``,
  ``alignment_with_original`` (:math:`w \cdot w_0`), ``alignment_with_root`` and
  ``utility`` (a tuple of floats, the unit vector :math:`w`).
* ``model.lineage``, every optimizer that has been top-level: edge ``old -> new`` with
  ``time`` (the step of the takeover) and ``alignment`` (:math:`w_\text{new} \cdot w_0`).

This module writes them for the tools posts are made with: GraphML (yEd, Cytoscape
desktop), GEXF (Gephi), DOT (Graphviz; written as text here, no pydot needed), node-link
JSON with a ``links`` list (d3-force), Cytoscape.js JSON, and a drawing (PNG, SVG) with
a hierarchical layout computed here (:func:`hierarchical_layout`, a tidy tree: leaves
evenly spaced, each parent centred over its children, one row per depth), so nothing is
downloaded and Graphviz is not needed.

Attributes are made acceptable to every format first (:func:`exportable_graph`):
vectors become a comma-separated string plus one float attribute per component
(``utility`` -> ``utility = "0.6,0.8"``, ``utility_0 = 0.6``, ``utility_1 = 0.8``), numpy
scalars become Python numbers, ``None`` and non-finite floats are dropped (JSON has no
NaN), enums become their names, and a key whose values mix numbers and strings becomes
a string for every element (GraphML and GEXF declare one type per key).
"""

from __future__ import annotations

import enum
import json
import math
import numbers
from collections.abc import Hashable, Iterable, Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from supercoherence.errors import GraphError, ParameterError

__all__ = [
    "GRAPH_FORMATS",
    "draw_graph",
    "draw_lineage",
    "with_layout_attributes",
    "with_lineage_attributes",
    "export_graph",
    "export_representative_run",
    "exportable_graph",
    "hierarchical_layout",
    "label_offsets",
    "lineage_table",
    "read_graph",
    "write_dot",
]

#: Every format :func:`export_graph` writes, with its file suffix.
GRAPH_FORMATS: dict[str, str] = {
    "graphml": ".graphml",
    "gexf": ".gexf",
    "dot": ".dot",
    "json": ".json",
    "cytoscape": ".cyjs",
    "png": ".png",
    "svg": ".svg",
}

#: Okabe-Ito colours of the alignment classes (colour-blind safe).
CLASS_COLORS: dict[str, str] = {
    "base": "#000000",
    "robust": "#009E73",
    "pseudo": "#E69F00",
    "deceptive": "#D55E00",
}


# --------------------------------------------------------------------------- attributes


def _plain(value: Any) -> Any:
    """A scalar every format accepts, a list of floats for vectors, or None to drop."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return value.name.lower()
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        x = float(value)
        return x if math.isfinite(x) else None
    if isinstance(value, str):
        return value
    if isinstance(value, tuple | list | np.ndarray):
        items = [_plain(v) for v in np.asarray(value).ravel().tolist()]
        if all(isinstance(v, float | int) and not isinstance(v, bool) for v in items):
            return [float(v) for v in items]
        return ",".join(str(v) for v in items)
    return str(value)


def _flatten(attrs: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        plain = _plain(value)
        if plain is None:
            continue
        if isinstance(plain, list):
            out[str(key)] = ",".join(repr(v) for v in plain)
            for i, v in enumerate(plain):
                if math.isfinite(v):
                    out[f"{key}_{i}"] = v
        else:
            out[str(key)] = plain
    return out


def _unify_types(records: Iterable[dict[str, Any]]) -> None:
    """One type per key: int+float -> float, numbers+strings (or bools) -> str (in place)."""
    records = list(records)
    kinds: dict[str, set[type]] = {}
    for rec in records:
        for key, value in rec.items():
            kinds.setdefault(key, set()).add(type(value))
    for key, types in kinds.items():
        if len(types) <= 1:
            continue
        target = float if types <= {int, float} else str
        for rec in records:
            if key in rec:
                rec[key] = target(rec[key])


def exportable_graph(graph: nx.DiGraph) -> nx.DiGraph:
    """A copy of ``graph`` whose attributes every export format accepts.

    Parameters
    ----------
    graph : networkx.DiGraph
        Any graph; node ids are kept (the file formats write them as strings).

    Returns
    -------
    networkx.DiGraph
        Node, edge and graph attributes converted as the module docstring describes.

    Examples
    --------
    >>> g = nx.DiGraph()
    >>> g.add_node(0, utility=(0.6, 0.8), capability=np.float64(2.0), born=None)
    >>> g.add_node(1, utility=(1.0, 0.0), capability=3)
    >>> h = exportable_graph(g)
    >>> h.nodes[0]
    {'utility': '0.6,0.8', 'utility_0': 0.6, 'utility_1': 0.8, 'capability': 2.0}
    >>> type(h.nodes[1]["capability"]).__name__
    'float'
    """
    out = nx.DiGraph()
    out.graph.update(_flatten(graph.graph))
    for node, attrs in graph.nodes(data=True):
        out.add_node(node, **_flatten(attrs))
    for u, v, attrs in graph.edges(data=True):
        out.add_edge(u, v, **_flatten(attrs))
    _unify_types(attrs for _, attrs in out.nodes(data=True))
    _unify_types(attrs for _, _, attrs in out.edges(data=True))
    return out


# --------------------------------------------------------------------------- formats


def _dot_id(value: Any) -> str:
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def _dot_attrs(attrs: Mapping[str, Any]) -> str:
    if not attrs:
        return ""
    parts = []
    for key, value in attrs.items():
        if isinstance(value, bool):
            value = str(value).lower()
        parts.append(f"{_dot_id(key)}={_dot_id(value)}")
    return " [" + ", ".join(parts) + "]"


def write_dot(graph: nx.DiGraph, path: str | Path) -> Path:
    """Write ``graph`` as Graphviz DOT text (no pydot or Graphviz needed).

    Every id and value is a quoted DOT string (quotes and backslashes escaped), so any
    attribute survives; nodes are coloured by ``alignment_class`` when they have one.

    Parameters
    ----------
    graph : networkx.DiGraph
        Best passed through :func:`exportable_graph` first.
    path : str or Path

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> g = nx.DiGraph([(0, 1)])
    >>> g.nodes[1]["alignment_class"] = "deceptive"
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     text = write_dot(g, pathlib.Path(tmp) / "g.dot").read_text()
    >>> print(text)  # doctest: +NORMALIZE_WHITESPACE
    digraph "optimizers" {
      rankdir="TB";
      node [shape="circle", style="filled", fillcolor="#FFFFFF"];
      "0";
      "1" ["alignment_class"="deceptive", "fillcolor"="#D55E00"];
      "0" -> "1";
    }
    """
    name = graph.graph.get("name") or "optimizers"
    lines = [
        f"digraph {_dot_id(name)} {{",
        '  rankdir="TB";',
        '  node [shape="circle", style="filled", fillcolor="#FFFFFF"];',
    ]
    for node, attrs in graph.nodes(data=True):
        attrs = dict(attrs)
        cls = attrs.get("alignment_class")
        if cls in CLASS_COLORS and "fillcolor" not in attrs:
            attrs["fillcolor"] = CLASS_COLORS[cls]
        lines.append(f"  {_dot_id(node)}{_dot_attrs(attrs)};")
    for u, v, attrs in graph.edges(data=True):
        lines.append(f"  {_dot_id(u)} -> {_dot_id(v)}{_dot_attrs(attrs)};")
    lines.append("}")
    path = Path(path)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def export_graph(
    graph: nx.DiGraph,
    path_stem: str | Path,
    formats: Iterable[str] = tuple(GRAPH_FORMATS),
    *,
    color_by: str = "alignment_class",
) -> dict[str, Path]:
    """Write ``graph`` in several formats beside each other; return ``{format: path}``.

    Parameters
    ----------
    graph : networkx.DiGraph
        The nested optimizer graph, a lineage, or any DiGraph.
    path_stem : str or Path
        Path without suffix (``out/graph_step_20``); parent folders are created.
    formats : iterable of str
        Any of ``graphml``, ``gexf``, ``dot``, ``json`` (node-link with ``links``, for
        d3), ``cytoscape`` (Cytoscape.js, ``.cyjs``), ``png``, ``svg`` (drawn with
        :func:`draw_lineage` when ``graph`` is a lineage, a chain whose edges all carry
        ``time``; else with :func:`draw_graph`).
    color_by : str
        Node attribute that colours the drawing.

    Returns
    -------
    dict of str to Path

    Raises
    ------
    ParameterError
        If a format is unknown.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> g = nx.DiGraph([(0, 1), (0, 2)])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = export_graph(g, pathlib.Path(tmp) / "tree", ["graphml", "json"])
    ...     sorted(p.name for p in paths.values())
    ['tree.graphml', 'tree.json']
    """
    formats = list(formats)
    unknown = [f for f in formats if f not in GRAPH_FORMATS]
    if unknown:
        raise ParameterError("formats", unknown[0], f"one of {list(GRAPH_FORMATS)}")
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    clean = exportable_graph(
        with_lineage_attributes(graph) if _is_lineage(graph) else with_layout_attributes(graph)
    )
    paths: dict[str, Path] = {}
    drawn = None
    for fmt in formats:
        path = stem.with_name(stem.name + GRAPH_FORMATS[fmt])
        if fmt == "graphml":
            nx.write_graphml(clean, path, infer_numeric_types=True)
        elif fmt == "gexf":
            nx.write_gexf(clean, path)
        elif fmt == "dot":
            write_dot(clean, path)
        elif fmt == "json":
            data = nx.node_link_data(clean, edges="links")
            path.write_text(json.dumps(data, indent=1, allow_nan=False), encoding="utf-8")
        elif fmt == "cytoscape":
            data = nx.cytoscape_data(clean)
            path.write_text(json.dumps(data, indent=1, allow_nan=False), encoding="utf-8")
        else:
            if drawn is None:
                drawn = (
                    draw_lineage(graph)
                    if _is_lineage(graph)
                    else draw_graph(graph, color_by=color_by)
                )
            _save_drawing(drawn, path)
        paths[fmt] = path
    return paths


def _save_drawing(ax: Axes, path: Path) -> None:
    from supercoherence.simulations.presentation.style import theme

    with theme():
        dpi = 200 if path.suffix == ".png" else None
        ax.figure.savefig(path, dpi=dpi, metadata={"Date": None} if dpi is None else None)


def read_graph(path: str | Path) -> nx.DiGraph:
    """Read a graph written by :func:`export_graph` (GraphML, GEXF, JSON or Cytoscape JSON).

    Node ids come back as strings from GraphML and GEXF (the formats store strings).

    Raises
    ------
    ParameterError
        If the suffix is not one of ``.graphml``, ``.gexf``, ``.json``, ``.cyjs``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> g = nx.DiGraph([(0, 1)], name="x")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = export_graph(g, pathlib.Path(tmp) / "g", ["json", "gexf"])
    ...     sorted(read_graph(paths["json"]).edges()), sorted(read_graph(paths["gexf"]).edges())
    ([(0, 1)], [('0', '1')])
    """
    path = Path(path)
    suffix = path.suffix
    if suffix == ".graphml":
        return nx.DiGraph(nx.read_graphml(path))
    if suffix == ".gexf":
        return nx.DiGraph(nx.read_gexf(path))
    if suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        return nx.DiGraph(nx.node_link_graph(data, directed=True, multigraph=False, edges="links"))
    if suffix == ".cyjs":
        return nx.DiGraph(nx.cytoscape_graph(json.loads(path.read_text(encoding="utf-8"))))
    raise ParameterError("path", str(path), "a .graphml, .gexf, .json or .cyjs file")


# --------------------------------------------------------------------------- layout, drawing


def hierarchical_layout(
    graph: nx.DiGraph, *, orientation: str = "vertical"
) -> dict[Hashable, tuple[float, float]]:
    """A tidy-tree layout: one row per depth, leaves evenly spaced, parents centred.

    Roots are the nodes without a controller (in-degree 0); the tree is the
    breadth-first spanning tree from them (a node with two controllers sits under the
    first one reached).  Positions are in ``[0, 1] x [0, 1]``.

    Parameters
    ----------
    graph : networkx.DiGraph
    orientation : {"vertical", "horizontal"}
        ``vertical``: roots at the top; ``horizontal``: roots on the left (for a
        lineage, which is a chain).

    Returns
    -------
    dict of node to (x, y)

    Raises
    ------
    GraphError
        If some node cannot be reached from a root (every node on a cycle).
    ParameterError
        If ``orientation`` is neither value.

    Notes
    -----
    Linear time in the number of nodes and edges.

    Examples
    --------
    >>> g = nx.DiGraph([("r", "a"), ("r", "b"), ("a", "c"), ("a", "d")])
    >>> pos = hierarchical_layout(g)
    >>> pos["r"], pos["a"], pos["c"], pos["b"]
    ((0.625, 1.0), (0.25, 0.5), (0.0, 0.0), (1.0, 0.5))
    """
    if orientation not in ("vertical", "horizontal"):
        raise ParameterError("orientation", orientation, "'vertical' or 'horizontal'")
    if graph.number_of_nodes() == 0:
        return {}
    roots = [node for node, deg in graph.in_degree() if deg == 0]
    children: dict[Hashable, list[Hashable]] = {}
    depth: dict[Hashable, int] = {}
    for root in roots:
        depth[root] = 0
        children[root] = []
    queue = list(roots)
    for node in queue:  # grows while iterating: breadth-first
        for child in graph.successors(node):
            if child not in depth:
                depth[child] = depth[node] + 1
                children[child] = []
                children[node].append(child)
                queue.append(child)
    if len(depth) < graph.number_of_nodes():
        stuck = next(node for node in graph if node not in depth)
        raise GraphError(f"node {stuck!r} is not reachable from a root (it lies on a cycle)")
    across: dict[Hashable, float] = {}
    next_leaf = 0

    def place(node: Hashable) -> float:
        nonlocal next_leaf
        stack = [(node, False)]
        while stack:
            current, expanded = stack.pop()
            kids = children[current]
            if not kids:
                across[current] = float(next_leaf)
                next_leaf += 1
            elif expanded:
                across[current] = (across[kids[0]] + across[kids[-1]]) / 2
            else:
                stack.append((current, True))
                stack.extend((kid, False) for kid in reversed(kids))
        return across[node]

    for root in roots:
        place(root)
    width = max(next_leaf - 1, 1)
    height = max(max(depth.values()), 1)
    pos = {}
    for node in graph:
        x = across[node] / width if next_leaf > 1 else 0.5
        y = 1.0 - depth[node] / height if height else 1.0
        pos[node] = (x, y) if orientation == "vertical" else (1.0 - y, 1.0 - x)
    return pos


def draw_graph(
    graph: nx.DiGraph,
    *,
    color_by: str = "alignment_class",
    orientation: str = "vertical",
    labels: bool | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw ``graph`` with :func:`hierarchical_layout`, nodes coloured by an attribute.

    ``alignment_class`` uses fixed colour-blind-safe colours per class (legend);
    a numeric attribute (``alignment_with_original``, ``capability``) uses the
    ``cividis`` map with a colour bar; nodes without the attribute are grey.

    Parameters
    ----------
    graph : networkx.DiGraph
    color_by : str
        Node attribute for the colour.
    orientation : {"vertical", "horizontal"}
    labels : bool, optional
        Write node ids (default: when the graph has at most 30 nodes).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The axes with the nodes, edges and the legend of the colours.

    Examples
    --------
    >>> g = nx.DiGraph([(0, 1), (0, 2)])
    >>> nx.set_node_attributes(g, {0: "base", 1: "robust", 2: "deceptive"}, "alignment_class")
    >>> ax = draw_graph(g)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['base', 'robust', 'deceptive']
    """
    from matplotlib.lines import Line2D

    from supercoherence.simulations.presentation.style import new_axes, theme

    pos = hierarchical_layout(graph, orientation=orientation)
    ax = new_axes(_drawing_size(graph, orientation)) if ax is None else ax
    nodes = list(graph.nodes)
    values = [graph.nodes[node].get(color_by) for node in nodes]
    size = 300 if len(nodes) <= 30 else max(30, 9000 // max(len(nodes), 1))
    with theme():
        nx.draw_networkx_edges(
            graph,
            pos,
            ax=ax,
            edge_color="#777777",
            arrows=True,
            arrowsize=10,
            node_size=size,
            width=1.0,
        )
        numeric = [v for v in values if isinstance(v, numbers.Real) and not isinstance(v, bool)]
        if numeric and len(numeric) == sum(v is not None for v in values):
            colors = [float(v) if v is not None else np.nan for v in values]
            drawn = nx.draw_networkx_nodes(
                graph,
                pos,
                ax=ax,
                node_color=colors,
                cmap="cividis",
                node_size=size,
                edgecolors="#333333",
                linewidths=0.6,
            )
            bar = ax.figure.colorbar(drawn, ax=ax, shrink=0.8)
            bar.set_label(color_by.replace("_", " "))
        else:
            colors = [CLASS_COLORS.get(str(v), "#BBBBBB") for v in values]
            nx.draw_networkx_nodes(
                graph,
                pos,
                ax=ax,
                node_color=colors,
                node_size=size,
                edgecolors="#333333",
                linewidths=0.6,
            )
            present = [c for c in CLASS_COLORS if c in {str(v) for v in values}]
            present += sorted({str(v) for v in values if v is not None} - set(CLASS_COLORS))
            if present:
                handles = [
                    Line2D(
                        [],
                        [],
                        marker="o",
                        linestyle="",
                        markersize=8,
                        markerfacecolor=CLASS_COLORS.get(c, "#BBBBBB"),
                        markeredgecolor="#333333",
                        label=c,
                    )
                    for c in present
                ]
                ax.legend(handles=handles, title=color_by.replace("_", " "), loc="best")
        if labels if labels is not None else len(nodes) <= 30:
            _draw_labels(graph, pos, ax, values)
        ax.set_axis_off()
        ax.margins(0.08)
    return ax


def _draw_labels(graph: nx.DiGraph, pos: dict, ax: Axes, values: list) -> None:
    """Node ids in white on dark fills, black on light ones."""
    numeric = [float(v) for v in values if isinstance(v, numbers.Real)]
    low, high = (min(numeric), max(numeric)) if numeric else (0.0, 1.0)
    light, dark = {}, {}
    for node, value in zip(graph.nodes, values, strict=True):
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            dark_fill = high > low and (float(value) - low) / (high - low) < 0.55
        else:
            dark_fill = str(value) in ("base", "deceptive")
        (light if dark_fill else dark)[node] = str(node)
    nx.draw_networkx_labels(graph, pos, labels=dark, ax=ax, font_size=8)
    nx.draw_networkx_labels(graph, pos, labels=light, ax=ax, font_size=8, font_color="white")


def _drawing_size(graph: nx.DiGraph, orientation: str) -> tuple[float, float]:
    leaves = max(sum(1 for _, deg in graph.out_degree() if deg == 0), 1)
    width = min(max(6.4, 0.45 * leaves), 16.0)
    return (width, 4.8) if orientation == "vertical" else (8.0, min(max(2.2, 0.4 * leaves), 10))


# --------------------------------------------------------------------------- lineage


def _is_lineage(graph: nx.DiGraph) -> bool:
    if graph.number_of_edges() == 0:
        return False
    if any("time" not in attrs for _, _, attrs in graph.edges(data=True)):
        return False
    try:
        lineage_table(graph)
    except GraphError:
        return False
    return True


def with_lineage_attributes(lineage: nx.DiGraph) -> nx.DiGraph:
    """A copy of a lineage whose nodes carry what :func:`draw_lineage` draws.

    Each node gets ``time`` (when it took over; 0 for the first), ``alignment``
    (:math:`w \\cdot w_0`, 1 for the first) and ``takeover`` (its count :math:`n`), so
    Gephi or d3 can reproduce the drawing's positions and colours from any export.

    Examples
    --------
    >>> lin = nx.DiGraph()
    >>> lin.add_edge(0, 5, time=3.0, alignment=0.8)
    >>> with_lineage_attributes(lin).nodes[5]
    {'time': 3.0, 'alignment': 0.8, 'takeover': 1}
    """
    out = lineage.copy()
    for row in lineage_table(lineage).itertuples(index=False):
        out.nodes[row.new].update(
            {
                "time": float(row.time),
                "alignment": float(row.alignment),
                "takeover": int(row.takeover),
            }
        )
    return out


def with_layout_attributes(graph: nx.DiGraph) -> nx.DiGraph:
    """A copy whose nodes carry the drawing's positions ``x``, ``y`` (in ``[0, 1]``).

    The positions of :func:`hierarchical_layout` (what :func:`draw_graph` draws; ``y = 1``
    for the roots), so a Gephi or d3 view of an export matches the PNG; the colour is
    the node attribute ``alignment_class`` the graph already carries.

    Examples
    --------
    >>> g = with_layout_attributes(nx.DiGraph([(0, 1), (0, 2)]))
    >>> g.nodes[0], g.nodes[1]["y"] < g.nodes[0]["y"]
    ({'x': 0.5, 'y': 1.0}, True)
    """
    out = graph.copy()
    if graph.number_of_nodes() == 0:
        return out
    for node, (x, y) in hierarchical_layout(graph).items():
        out.nodes[node]["x"] = float(x)
        out.nodes[node]["y"] = float(y)
    return out


def draw_lineage(lineage: nx.DiGraph, *, ax: Axes | None = None) -> Axes:
    """Draw a lineage on a time axis: who took over from whom, when, how aligned.

    Each top-level optimizer is a disc at the time it took over (the first at 0),
    coloured by its alignment with the original utility :math:`w \\cdot w_0` (``cividis``
    on [-1, 1], colour bar), with its id above; arrows run from each optimizer to its
    successor.

    Parameters
    ----------
    lineage : networkx.DiGraph
        ``model.lineage`` (edges ``old -> new`` with ``time`` and ``alignment``).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The drawing: a disc per optimizer at its takeover time, arrows to successors.

    Raises
    ------
    GraphError
        If ``lineage`` is not one chain with takeover times (see :func:`lineage_table`).

    Examples
    --------
    >>> lin = nx.DiGraph()
    >>> lin.add_edge(0, 5, time=3.0, alignment=0.8)
    >>> lin.add_edge(5, 9, time=7.5, alignment=0.6)
    >>> ax = draw_lineage(lin)
    >>> ax.get_xlabel(), ax.collections[0].get_offsets()[:, 0].tolist()
    ('time of takeover (model time units)', [0.0, 3.0, 7.5])
    """
    from supercoherence.simulations.presentation.style import new_axes, theme

    table = lineage_table(lineage)
    ax = new_axes((8.0, 2.6)) if ax is None else ax
    times = table["time"].to_numpy(dtype=float)
    with theme():
        for start, end in zip(times[:-1], times[1:], strict=True):
            ax.annotate(
                "",
                xy=(end, 0),
                xytext=(start, 0),
                arrowprops={
                    "arrowstyle": "-|>",
                    "color": "#777777",
                    "shrinkA": 9,
                    "shrinkB": 9,
                    "linewidth": 1.2,
                },
            )
        dots = ax.scatter(
            times,
            np.zeros_like(times),
            c=table["alignment"],
            cmap="cividis",
            vmin=-1,
            vmax=1,
            s=160,
            edgecolors="#333333",
            linewidths=0.8,
            zorder=3,
        )
        # Ids go to the first free row above or below the discs (rows alternate and
        # move outwards), so close takeovers never print on top of each other.
        names = [str(node) for node in table["new"]]
        for time, name, offset in zip(times, names, label_offsets(times, names), strict=True):
            ax.annotate(
                name,
                (time, 0),
                xytext=(0, offset),
                textcoords="offset points",
                ha="center",
                va="bottom" if offset > 0 else "top",
                fontsize=8,
            )
        bar = ax.figure.colorbar(dots, ax=ax, pad=0.02)
        bar.set_label(r"alignment $w \cdot w_0$")
        ax.set_yticks([])
        ax.grid(False, axis="y")
        ax.set_ylim(-1, 1)
        ax.set_xlabel("time of takeover (model time units)")
        count = len(times) - 1
        ax.set_title(
            f"Lineage of top-level optimizers ({count} takeover{'' if count == 1 else 's'})"
        )
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
    return ax


#: Vertical offsets (points) of the label rows of :func:`draw_lineage`, nearest first.
_LABEL_ROWS = (13, -13, 25, -25, 37, -37)


def label_offsets(
    times: np.ndarray | list[float], names: list[str], *, width_in: float = 6.8
) -> list[int]:
    """Vertical offsets (points) for lineage labels so that no two overlap.

    Each label is put in the first row of :data:`_LABEL_ROWS` whose previous label
    ends (in axis width, ``width_in`` inches for the time range) before this one
    starts; a label is about ``0.6 * 8`` points wide per character (8-point font).
    With more crowding than rows, the least recently used row is reused.

    Examples
    --------
    >>> label_offsets([0.0, 0.01, 0.02, 5.0], ["0", "17", "18", "40"])
    [13, -13, 25, 13]
    >>> label_offsets([0.0, 5.0, 10.0], ["0", "1", "2"])
    [13, 13, 13]
    """
    times = np.asarray(times, dtype=float)
    span = float(times.max() - times.min()) if times.size else 0.0
    per_point = (span if span > 0 else 1.0) / (width_in * 72.0)  # time units per point
    last_end = {row: -np.inf for row in _LABEL_ROWS}
    offsets: list[int] = []
    for time, name in zip(times, names, strict=True):
        half = 0.5 * (0.6 * 8 * len(name) + 4) * per_point
        free = [row for row in _LABEL_ROWS if last_end[row] <= time - half]
        row = free[0] if free else min(_LABEL_ROWS, key=lambda r: last_end[r])
        last_end[row] = time + half
        offsets.append(row)
    return offsets


def export_representative_run(
    scenario: Mapping[str, Any],
    out: str | Path,
    *,
    seed: int = 0,
    runs: int = 21,
    steps: int = 30,
    formats: Iterable[str] = ("graphml", "gexf", "json", "png"),
) -> dict[str, dict[str, Path]]:
    """Export the nesting tree and the lineage of one representative Mesa run.

    ``runs`` seeded runs (seeds ``seed, seed + 1, ...``) of
    :class:`~supercoherence.models.nested.NestedOptimizerModel` for ``steps`` steps;
    the representative one is the run whose number of top-level takeovers is the
    median (the first such seed).  Its nesting graph and lineage are written with
    :func:`export_graph` as ``OUT/nesting_step_S.*`` and ``OUT/lineage_step_S.*``
    (every export carries the attributes the drawing uses).

    Returns
    -------
    dict
        ``{"nesting": {format: path}, "lineage": {format: path}, "seed": {...}}``

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = export_representative_run({"spawn_rate": 1.0}, tmp, runs=3, steps=5,
    ...                                       formats=["json"])
    ...     sorted(p.name for p in paths["lineage"].values())
    ['lineage_step_5.json']
    """
    from supercoherence.models.nested import NestedOptimizerModel
    from supercoherence.theory.scenario import TakeoverScenario

    parameters = TakeoverScenario.from_mapping(dict(scenario))
    models = []
    for offset in range(runs):
        model = NestedOptimizerModel(
            parameters, seed=seed + offset, horizon=steps, nesting=True, collect_model=False
        )
        model.run_model()
        models.append(model)
    counts = [m.lineage.number_of_edges() for m in models]
    median = sorted(counts)[len(counts) // 2]
    chosen = counts.index(median)
    model = models[chosen]
    out = Path(out)
    written: dict[str, Any] = {"seed": seed + chosen, "takeovers": median}
    for name, graph in (("nesting", model.graph), ("lineage", model.lineage)):
        written[name] = export_graph(graph, out / f"{name}_step_{model.steps}", formats)
    return written


def lineage_table(lineage: nx.DiGraph) -> pd.DataFrame:
    """The takeovers of a lineage as a tidy table, in the order they happened.

    Parameters
    ----------
    lineage : networkx.DiGraph
        ``model.lineage``: edges ``old -> new`` with ``time`` and ``alignment``.

    Returns
    -------
    pandas.DataFrame
        Columns ``takeover`` (1, 2, ...: the count :math:`n`), ``old``, ``new``, ``time``,
        ``alignment`` (:math:`w_n \\cdot w_0`); a first row ``takeover = 0`` with the
        root's alignment 1.0.  Feed it to
        :func:`~supercoherence.simulations.presentation.figures.plot_value_drift`.

    Raises
    ------
    GraphError
        If an edge has no ``time``, or the lineage is not a single chain.

    Examples
    --------
    >>> lin = nx.DiGraph()
    >>> lin.add_edge(0, 5, time=3, alignment=0.8)
    >>> lin.add_edge(5, 9, time=7, alignment=0.6)
    >>> lineage_table(lin)[["takeover", "new", "time", "alignment"]].to_numpy().tolist()
    [[0.0, 0.0, 0.0, 1.0], [1.0, 5.0, 3.0, 0.8], [2.0, 9.0, 7.0, 0.6]]
    """
    roots = [node for node, deg in lineage.in_degree() if deg == 0]
    if lineage.number_of_nodes() and (
        len(roots) != 1 or max(d for _, d in lineage.out_degree()) > 1
    ):
        raise GraphError("a lineage must be one chain of top-level optimizers")
    rows = []
    if roots:
        rows.append({"takeover": 0, "old": None, "new": roots[0], "time": 0.0, "alignment": 1.0})
        node = roots[0]
        while lineage.out_degree(node):
            new = next(iter(lineage.successors(node)))
            attrs = lineage.edges[node, new]
            if "time" not in attrs:
                raise GraphError(f"lineage edge {node!r} -> {new!r} has no 'time' attribute")
            rows.append(
                {
                    "takeover": len(rows),
                    "old": node,
                    "new": new,
                    "time": float(attrs["time"]),
                    "alignment": float(attrs.get("alignment", np.nan)),
                }
            )
            node = new
    return pd.DataFrame(rows, columns=["takeover", "old", "new", "time", "alignment"])
