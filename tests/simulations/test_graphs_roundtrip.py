"""Graph exports of a real Mesa run, read back with their attributes intact."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from supercoherence.errors import ParameterError
from supercoherence.models.nested import NestedOptimizerModel
from supercoherence.simulations.presentation.graphs import (
    GRAPH_FORMATS,
    draw_graph,
    draw_lineage,
    export_graph,
    exportable_graph,
    hierarchical_layout,
    lineage_table,
    read_graph,
)
from supercoherence.theory.scenario import TakeoverScenario

NUMERIC = ("capability", "resources", "age", "alignment_with_original", "alignment_with_root")


@pytest.fixture(scope="module")
def model():
    scenario = TakeoverScenario(spawn_rate=3.0, hazard="constant", drift=0.6)
    model = NestedOptimizerModel(scenario, seed=11, horizon=12, nesting=True)
    model.run_model()
    assert model.graph.number_of_nodes() > 5 and model.lineage.number_of_edges() > 0
    return model


def _same_attributes(original: nx.DiGraph, back: nx.DiGraph) -> None:
    expected = exportable_graph(original)
    assert back.number_of_nodes() == expected.number_of_nodes()
    assert back.number_of_edges() == expected.number_of_edges()
    by_name = {str(n): attrs for n, attrs in expected.nodes(data=True)}
    for node, attrs in back.nodes(data=True):
        want = by_name[str(node)]
        for key in NUMERIC:
            if key in want:
                assert math.isclose(float(attrs[key]), want[key], rel_tol=1e-12), key
        if "alignment_class" in want:
            assert attrs["alignment_class"] == want["alignment_class"]


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json", "cytoscape"])
def test_nested_graph_round_trips_with_attributes(model, tmp_path, fmt):
    paths = export_graph(model.graph, tmp_path / "nested", [fmt])
    back = read_graph(paths[fmt])
    _same_attributes(model.graph, back)
    assert nx.is_arborescence(back)


def test_graphml_and_gexf_are_well_formed_xml_with_typed_keys(model, tmp_path):
    paths = export_graph(model.graph, tmp_path / "nested", ["graphml", "gexf"])
    graphml = ET.parse(paths["graphml"]).getroot()
    keys = {k.get("attr.name"): k.get("attr.type") for k in graphml.iter() if k.tag.endswith("key")}
    assert keys["capability"] == "double" and keys["alignment_class"] == "string"
    gexf = ET.parse(paths["gexf"]).getroot()
    assert gexf.tag.endswith("gexf")
    assert nx.read_gexf(paths["gexf"]).number_of_nodes() == model.graph.number_of_nodes()


def test_node_link_json_uses_links_for_d3(model, tmp_path):
    path = export_graph(model.lineage, tmp_path / "lineage", ["json"])["json"]
    data = json.loads(path.read_text())
    assert "links" in data and len(data["links"]) == model.lineage.number_of_edges()
    assert {"time", "alignment"} <= set(data["links"][0])


def test_lineage_edges_carry_time_and_alignment(model, tmp_path):
    path = export_graph(model.lineage, tmp_path / "lineage", ["graphml"])["graphml"]
    back = read_graph(path)
    for (_, _, attrs), (_, _, original) in zip(
        sorted(back.edges(data=True), key=lambda e: e[2]["time"]),
        sorted(model.lineage.edges(data=True), key=lambda e: e[2]["time"]),
        strict=True,
    ):
        assert math.isclose(attrs["time"], original["time"])
        assert math.isclose(attrs["alignment"], original["alignment"])


def test_dot_lists_every_node_and_edge(model, tmp_path):
    text = export_graph(model.graph, tmp_path / "nested", ["dot"])["dot"].read_text()
    assert text.startswith("digraph")
    assert text.count("->") == model.graph.number_of_edges()
    for node in model.graph:
        assert f'"{node}"' in text


def test_drawing_uses_a_hierarchical_layout(model, tmp_path):
    positions = hierarchical_layout(model.graph)
    for parent, child in model.graph.edges:  # children sit below their parent
        assert positions[child][1] < positions[parent][1]
    ax = draw_graph(model.graph)
    assert ax.collections  # the nodes
    paths = export_graph(model.graph, tmp_path / "nested", ["png", "svg"])
    assert paths["png"].read_bytes().startswith(b"\x89PNG")
    assert set(GRAPH_FORMATS) >= {"graphml", "gexf", "dot", "json", "cytoscape", "png", "svg"}


def test_lineage_is_drawn_on_a_time_axis_coloured_by_alignment(model):
    table = lineage_table(model.lineage)
    assert table["time"].is_monotonic_increasing
    ax = draw_lineage(model.lineage)
    dots = ax.collections[0]
    assert dots.get_offsets()[:, 0].tolist() == table["time"].tolist()
    assert dots.get_array().tolist() == table["alignment"].tolist()
    assert ax.get_xlabel() == "time of takeover (model time units)"
    assert f"({len(table) - 1} takeovers)" in ax.get_title()


def test_export_draws_a_lineage_with_draw_lineage(model, tmp_path, monkeypatch):
    import supercoherence.simulations.presentation.graphs as graphs

    called = []
    monkeypatch.setattr(graphs, "draw_lineage", lambda g: called.append(g) or draw_lineage(g))
    paths = export_graph(model.lineage, tmp_path / "lineage", ["png"])
    assert called == [model.lineage]
    assert paths["png"].read_bytes().startswith(b"\x89PNG")


def test_unknown_format_is_refused_with_its_name(model, tmp_path):
    with pytest.raises(ParameterError, match="gml"):
        export_graph(model.graph, tmp_path / "x", ["gml"])


def test_lineage_exports_carry_what_the_drawing_uses(tmp_path):
    """Issue 18: node attributes time and alignment in every export; singular title."""
    import json

    import networkx as nx

    from supercoherence.simulations.presentation.graphs import (
        draw_lineage,
        export_graph,
        read_graph,
    )

    lineage = nx.DiGraph()
    lineage.add_edge(0, 5, time=3.0, alignment=0.8)
    lineage.add_edge(5, 9, time=3.2, alignment=0.6)
    paths = export_graph(lineage, tmp_path / "lineage", ["graphml", "gexf", "json", "cytoscape"])
    for fmt in ("graphml", "gexf", "json", "cytoscape"):
        graph = read_graph(paths[fmt])
        nodes = {str(n): attrs for n, attrs in graph.nodes(data=True)}
        assert float(nodes["9"]["time"]) == 3.2 and float(nodes["9"]["alignment"]) == 0.6
        assert float(nodes["0"]["time"]) == 0.0 and float(nodes["0"]["alignment"]) == 1.0
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert {"time", "alignment", "takeover"} <= set(data["nodes"][0])
    one = nx.DiGraph()
    one.add_edge(0, 1, time=1.0, alignment=0.5)
    assert draw_lineage(one).get_title().endswith("(1 takeover)")
    # close takeovers (t = 3.0 and 3.2): the ids never overlap
    ax = draw_lineage(lineage)
    renderer = ax.figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer=renderer) for t in ax.texts if t.get_text()]
    assert len(boxes) == 3
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
