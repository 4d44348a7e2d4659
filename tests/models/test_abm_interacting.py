"""The interacting nested model: its limit, where nesting decides, the mean field, bad input."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from supercoherence.errors import GraphError, ParameterError
from supercoherence.models.nested import NestedOptimizerModel, balanced_tree, simulate_abm
from supercoherence.models.nested.simulate import TABLE_COLUMNS
from supercoherence.theory.nested import NestedDynamics, mean_field, steady_state_hazard
from supercoherence.theory.scenario import TakeoverScenario

Z = 4.0
# ``escalating`` is the shared scenario of tests/conftest.py (fixture ``scenarios``).
# Constant hazard, persisting children all active: nesting decides (test below).
DECISIVE = TakeoverScenario(
    spawn_rate=2.0, alignment_skill=0.3, detection=0.3, hazard="constant", drift=0.5
)
DECISIVE_DYNAMICS = {"challenge_rate": 2.0, "active_share": 1.0}


def _z(hits: np.ndarray, p: float) -> float:
    return (float(hits.mean()) - p) / np.sqrt(p * (1 - p) / hits.size)


def _no_takeover(scenario, horizon: int) -> float:
    return float(np.exp(-scenario.cumulative_hazard(0, float(horizon))))


@pytest.mark.parametrize("nesting", [False, True])
@pytest.mark.parametrize("remove_detected", [True, False])
def test_interacting_code_path_at_vanishing_interaction_is_bitwise_todays_model(
    nesting, remove_detected, scenarios
):
    escalating = scenarios["escalating"]
    # theta = 1e300 switches the interacting path on (power updates, treachery checks)
    # but no deceptive node can reach it: every draw must be the same.
    options = dict(horizon=6, nesting=nesting, remove_detected=remove_detected)
    today = simulate_abm(escalating, 6, seed=3, graph=balanced_tree(2, 2), **options)
    new = simulate_abm(
        escalating, 6, seed=3, graph=balanced_tree(2, 2), deceptive_threshold=1e300, **options
    )
    for name in TABLE_COLUMNS:
        np.testing.assert_array_equal(today.table[name], new.table[name], err_msg=name)
    assert today.table["size"].max() > 7 or not nesting


def test_reduction_with_repeated_challenges_but_no_disagreement_is_the_recursion(scenarios):
    escalating = scenarios["escalating"]
    # drift = 1: every winner shares its parent's goal, so none turns active; the
    # challenge machinery runs (and draws) but the top-level law is the recursion's.
    sc = TakeoverScenario(**{**escalating.to_mapping(), "drift": 1.0})
    res = simulate_abm(sc, 1000, seed=31, horizon=3, nesting=True, challenge_rate=1.0)
    z = _z(res.table["takeovers_by_horizon"] == 0, _no_takeover(sc, 3))
    assert abs(z) <= Z, z


def test_reduction_forced_interacting_path_matches_closed_form_survival(scenarios):
    escalating = scenarios["escalating"]
    res = simulate_abm(
        escalating, 1000, seed=32, horizon=3, nesting=True, deceptive_threshold=1e300
    )
    z = _z(res.table["takeovers_by_horizon"] == 0, _no_takeover(escalating, 3))
    assert abs(z) <= Z, z


def test_nesting_decides_no_top_level_takeover_by_more_than_ten_standard_errors():
    res = simulate_abm(
        DECISIVE,
        1200,
        seed=5,
        horizon=4,
        nesting=True,
        remove_detected=False,
        **DECISIVE_DYNAMICS,
    )
    hits = res.table["takeovers_by_horizon"] == 0
    p = float(hits.mean())
    independent = _no_takeover(DECISIVE, 4)  # 0.1409: the independent-contest model
    se = np.sqrt(p * (1 - p) / hits.size)
    assert (independent - p) / se > 10, (p, independent, se)
    assert res.table["deep_takeovers"].sum() > 0  # some top-level challengers climbed


def test_mean_field_agrees_with_the_simulation_within_four_standard_errors():
    dyn = NestedDynamics(**DECISIVE_DYNAMICS)
    res = simulate_abm(DECISIVE, 1000, seed=2, horizon=4, nesting=True, dynamics=dyn)
    mf = mean_field(DECISIVE, dyn, 4)
    z_mf = _z(res.table["takeovers_by_horizon"] == 0, float(mf.survival[-1]))
    z_ind = _z(res.table["takeovers_by_horizon"] == 0, float(mf.independent_survival[-1]))
    assert abs(z_mf) <= Z and z_ind < -Z, (z_mf, z_ind)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("options", "remove_detected", "horizon"),
    [
        ({"challenge_rate": 2.0, "active_share": 1.0}, False, 4),
        ({"challenge_rate": 1.0, "shift_times": (2.5,), "shift_probability": 1.0}, True, 8),
        ({"challenge_rate": 1.0, "shift_rate": 0.3, "shift_probability": 1.0}, True, 8),
    ],
)
def test_mean_field_agreement_slow(options, remove_detected, horizon):
    sc = (
        DECISIVE
        if options.get("active_share")
        else TakeoverScenario(
            spawn_rate=1.0, alignment_skill=0.5, detection=0.5, hazard="constant", drift=0.5
        )
    )
    dyn = NestedDynamics(**options)
    res = simulate_abm(
        sc,
        4000,
        seed=7,
        horizon=horizon,
        nesting=True,
        remove_detected=remove_detected,
        dynamics=dyn,
    )
    mf = mean_field(sc, dyn, horizon, remove_detected=remove_detected)
    z = _z(res.table["takeovers_by_horizon"] == 0, float(mf.survival[-1]))
    assert abs(z) <= Z, z


def test_steady_state_hazard_is_the_mean_field_long_run_hazard():
    dyn = NestedDynamics(challenge_rate=1.0, active_share=1.0)
    mf = mean_field(DECISIVE, dyn, 60)
    total = mf.birth_hazard[-1] + mf.nested_hazard[-1]
    # the discrete-step chain converges to the continuous-time formula's value
    assert total == pytest.approx(steady_state_hazard(DECISIVE, dyn), rel=0.02)


def test_power_is_the_recursive_commanded_resources(scenarios):
    escalating = scenarios["escalating"]
    graph = balanced_tree(2, 3)
    model = NestedOptimizerModel(
        escalating,
        seed=1,
        horizon=3,
        graph=graph,
        resource_elasticity=0.5,
        loyalty_exponent=2.0,
    )
    st = model.state
    g = model.graph
    slot = {v: model.agent(v).slot for v in g}

    def commanded(v):
        w = st.utility[slot[v]]
        own = st.resources[slot[v]]
        return own + sum(
            max(0.0, float(st.utility[slot[u]] @ w)) ** 2.0 * commanded(u) for u in g.successors(v)
        )

    for v in g:
        assert st.commanded[slot[v]] == pytest.approx(commanded(v), rel=1e-12)
        assert st.power[slot[v]] == pytest.approx(
            1.5 ** st.level[slot[v]] * commanded(v) ** 0.5, rel=1e-12
        )


def test_interacting_runs_keep_a_tree_and_conserve_resources():
    model = NestedOptimizerModel(
        DECISIVE,
        seed=4,
        horizon=6,
        nesting=True,
        graph=balanced_tree(2, 2),
        remove_detected=False,
        resource_elasticity=0.5,
        corrigible_share=0.3,
        shift_rate=0.5,
        deceptive_threshold=0.8,
        **DECISIVE_DYNAMICS | {"active_share": 0.5},
    )
    model.run_model()
    graph = model.graph
    assert nx.is_arborescence(graph) and model.top_level_takeovers + model.nested_takeovers > 0
    assert sum(graph.nodes[v]["resources"] for v in graph) == pytest.approx(7.0, rel=1e-12)
    depth = nx.single_source_shortest_path_length(graph, model.root_uid)
    assert all(graph.nodes[v]["depth"] == depth[v] for v in graph)
    st = model.state
    for v in graph:
        parents = list(graph.predecessors(v))
        expected = model.agent(parents[0]).slot if parents else -1
        assert st.parent[model.agent(v).slot] == expected
    assert len(model.top_level_depths) == model.top_level_takeovers
    assert all(d["depth"] >= 1 for _, _, d in model.lineage.edges(data=True))


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"challenge_rate": -1.0}, "challenge_rate"),
        ({"shift_rate": -0.1}, "shift_rate"),
        ({"resource_elasticity": 1.5}, "resource_elasticity"),
        ({"resource_elasticity": -0.1}, "resource_elasticity"),
        ({"deceptive_threshold": 0.0}, "deceptive_threshold"),
        ({"loyalty_exponent": 0.0}, "loyalty_exponent"),
        ({"active_share": 0.7, "corrigible_share": 0.5}, "corrigible_share"),
        ({"shift_times": (-1.0,)}, "shift_times"),
        ({"optimizerness": 2.0}, "optimizerness"),
        ({"challenge_rate": float("nan")}, "challenge_rate"),
        ({"chalenge_rate": 1.0}, "chalenge_rate"),
    ],
)
def test_bad_dynamics_are_refused_by_name_before_a_model_exists(options, name, scenarios):
    escalating = scenarios["escalating"]
    with pytest.raises(ParameterError) as err:
        NestedOptimizerModel(escalating, seed=0, horizon=3, **options)
    assert err.value.name == name and name in str(err.value)
    with pytest.raises(ParameterError):
        simulate_abm(escalating, 2, seed=0, horizon=3, **options)


@pytest.mark.parametrize(
    "graph",
    [
        nx.DiGraph([(0, 1), (1, 0)]),
        nx.DiGraph([(0, 2), (1, 2)]),
        nx.Graph([(0, 1)]),
    ],
    ids=["cycle", "two-parents", "undirected"],
)
def test_a_graph_that_is_not_a_tree_is_refused(graph, scenarios):
    escalating = scenarios["escalating"]
    nx.set_node_attributes(graph, 1.0, "resources")
    with pytest.raises(GraphError):
        NestedOptimizerModel(escalating, seed=0, horizon=3, graph=graph, challenge_rate=1.0)


def test_flat_keywords_build_the_same_model_as_objects():
    flat = NestedOptimizerModel(seed=1, horizon=4, spawn_rate=2.0, challenge_rate=1.0)
    objects = NestedOptimizerModel(
        TakeoverScenario(spawn_rate=2.0),
        seed=1,
        horizon=4,
        dynamics=NestedDynamics(challenge_rate=1.0),
    )
    assert flat.takeover_scenario == objects.takeover_scenario
    assert flat.dynamics == objects.dynamics


def test_mean_field_refuses_resource_elasticity():
    with pytest.raises(ParameterError, match="resource_elasticity"):
        mean_field(DECISIVE, NestedDynamics(resource_elasticity=0.5), 3)
