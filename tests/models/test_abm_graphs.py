"""Initial graphs of the nested-optimizer model and bad input."""

from __future__ import annotations

import networkx as nx
import pytest

from supercoherence.errors import GraphError, ParameterError
from supercoherence.models.nested import (
    NestedOptimizerModel,
    balanced_tree,
    cais_chain,
    load_graphml,
    random_tree,
    simulate_abm,
    single_root,
    validate_nesting,
)
from supercoherence.theory.scenario import TakeoverScenario

SC = TakeoverScenario()


def test_builders_give_valid_nestings():
    assert balanced_tree(3, 2).number_of_nodes() == 13
    assert list(cais_chain(4).edges()) == [(0, 1), (1, 2), (2, 3)]
    assert nx.is_arborescence(random_tree(50, seed=1))
    for graph in (single_root(), balanced_tree(2, 3), cais_chain(5), random_tree(9, seed=2)):
        clean = validate_nesting(graph)
        assert nx.is_arborescence(clean) and clean.in_degree(0) == 0


def test_initial_graph_is_placed_with_its_attributes(tmp_path):
    graph = nx.DiGraph([("boss", "svc"), ("svc", "sub")])
    for node, resources in zip(graph, (5.0, 2.0, 1.0), strict=True):
        graph.nodes[node]["resources"] = resources
    graph.nodes["sub"]["alignment_with_original"] = 0.25
    graph.nodes["sub"]["level"] = 4
    path = tmp_path / "nest.graphml"
    nx.write_graphml(graph, path)
    model = NestedOptimizerModel(SC, seed=1, horizon=2, graph=path)
    placed = model.graph
    by_label = {placed.nodes[v]["resources"]: placed.nodes[v] for v in placed}
    assert by_label[1.0]["alignment_with_original"] == pytest.approx(0.25)
    assert by_label[1.0]["level"] == 4 and by_label[2.0]["level"] == 1
    assert placed.nodes[model.root_uid]["resources"] == 5.0


def test_missing_attribute_names_the_node_and_the_attribute(tmp_path):
    graph = cais_chain(3)
    del graph.nodes[2]["resources"]
    path = tmp_path / "broken.graphml"
    nx.write_graphml(graph, path)
    with pytest.raises(GraphError, match=r"node '2'.*'resources'"):
        load_graphml(path)
    with pytest.raises(GraphError, match=r"node 2: missing attribute 'resources'"):
        NestedOptimizerModel(SC, seed=1, horizon=2, graph=graph)


@pytest.mark.parametrize(
    ("edges", "message"),
    [
        ([(0, 1), (1, 2), (2, 0)], "cycle"),
        ([(0, 2), (1, 2)], "exactly one root"),
        ([(0, 1), (0, 2), (1, 3), (2, 3)], "node 3 has 2 parents"),
    ],
)
def test_non_trees_are_refused(edges, message):
    graph = nx.DiGraph(edges)
    nx.set_node_attributes(graph, 1.0, "resources")
    with pytest.raises(GraphError, match=message):
        validate_nesting(graph)


def test_other_bad_graphs(tmp_path):
    with pytest.raises(GraphError, match="undirected"):
        validate_nesting(nx.path_graph(3))
    with pytest.raises(GraphError, match="empty"):
        validate_nesting(nx.DiGraph())
    bad = cais_chain(2)
    bad.nodes[1]["resources"] = -1.0
    with pytest.raises(GraphError, match=r"node 1: attribute 'resources'"):
        validate_nesting(bad)
    bad = cais_chain(2)
    bad.nodes[1]["level"] = 1.5
    with pytest.raises(GraphError, match=r"node 1: attribute 'level'"):
        validate_nesting(bad)
    (tmp_path / "junk.graphml").write_text("not xml")
    with pytest.raises(GraphError, match="cannot read GraphML"):
        load_graphml(tmp_path / "junk.graphml")
    with pytest.raises(GraphError, match="graph callable"):
        NestedOptimizerModel(SC, seed=1, horizon=2, graph=lambda rng: nx.DiGraph([(0, 1)]))


def test_validation_does_not_modify_its_input():
    graph = balanced_tree(2, 2)
    before = (sorted(graph.edges), dict(graph.nodes(data=True)))
    validate_nesting(graph)
    assert before == (sorted(graph.edges), dict(graph.nodes(data=True)))


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"horizon": 0}, "horizon"),
        ({"horizon": 2.5}, "horizon"),
        ({"horizon": 3, "resource_share": 1.5}, "resource_share"),
        ({"horizon": 3, "deceptive_share": -0.1}, "deceptive_share"),
        ({"horizon": 3, "graph": 42}, "graph"),
        ({"horizon": 3, "seed": -1}, "seed"),
    ],
)
def test_bad_options_name_the_parameter(kwargs, name):
    kwargs.setdefault("seed", 1)
    with pytest.raises(ParameterError, match=f"^{name} ="):
        NestedOptimizerModel(SC, **kwargs)


def test_bad_scenario_and_replicates():
    with pytest.raises(ParameterError, match="^scenario ="):
        NestedOptimizerModel({"spawn_rate": 1.0}, seed=1, horizon=3)
    with pytest.raises(ParameterError, match="^replicates ="):
        simulate_abm(SC, 0, seed=1, horizon=3)
    with pytest.raises(ParameterError, match="^spawn_rate ="):
        simulate_abm(TakeoverScenario(spawn_rate=-1.0), 1, seed=1, horizon=3)


def test_builder_arguments_are_checked():
    with pytest.raises(ParameterError, match="^branching ="):
        balanced_tree(0, 2)
    with pytest.raises(ParameterError, match="^length ="):
        cais_chain(0)
    with pytest.raises(ParameterError, match="^resources ="):
        single_root(-1.0)
