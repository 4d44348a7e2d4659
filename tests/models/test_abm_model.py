"""Structure of the nested-optimizer model: rewiring invariants, reproducibility, reporters."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from supercoherence.models.nested import (
    LevelHazards,
    NestedOptimizerModel,
    balanced_tree,
    cais_chain,
    random_tree,
    simulate_abm,
)
from supercoherence.models.nested.simulate import TABLE_COLUMNS, TIMESERIES_COLUMNS
from supercoherence.theory.scenario import TakeoverScenario


@pytest.fixture(scope="module")
def busy(scenarios):
    """The shared ``busy`` scenario (tests/conftest.py): many nested takeovers."""
    return scenarios["busy"]


def _nested(busy, seed: int, horizon: int = 12, **options) -> NestedOptimizerModel:
    options.setdefault("graph", balanced_tree(2, 3))
    model = NestedOptimizerModel(busy, seed=seed, horizon=horizon, nesting=True, **options)
    model.run_model()
    return model


@pytest.mark.parametrize("remove_detected", [True, False])
def test_rewiring_keeps_a_tree_with_one_root_and_conserves_resources(remove_detected, busy):
    # Kept detected children multiply fast (about 2.4 per optimizer and step): short run.
    model = _nested(busy, 3, horizon=12 if remove_detected else 4, remove_detected=remove_detected)
    graph = model.graph
    assert model.nested_takeovers > 0 and model.top_level_takeovers > 0
    assert nx.is_arborescence(graph)
    roots = [v for v, deg in graph.in_degree() if deg == 0]
    assert roots == [model.root_uid]
    assert set(graph.nodes) == {a.unique_id for a in model.agents}
    assert sum(graph.nodes[v]["resources"] for v in graph) == pytest.approx(15.0, rel=1e-12)
    depth = nx.single_source_shortest_path_length(graph, model.root_uid)
    assert all(graph.nodes[v]["depth"] == depth[v] for v in graph)
    assert graph.nodes[model.root_uid]["alignment_with_root"] == pytest.approx(1.0)
    assert {graph.nodes[v]["alignment_class"] for v in graph} <= {
        "base",
        "robust",
        "pseudo",
        "deceptive",
    }
    assert all(len(graph.nodes[v]["utility"]) == busy.utility_dimension for v in graph)


def test_lineage_is_a_chain_of_top_level_optimizers_with_times_and_alignments(busy):
    model = _nested(busy, 4)
    lineage = model.lineage
    assert lineage.number_of_edges() == model.top_level_takeovers
    assert nx.is_arborescence(lineage) and max(d for _, d in lineage.out_degree()) == 1
    times = [data["time"] for _, _, data in lineage.edges(data=True)]
    assert times == sorted(times) and times[-1] == model.last_takeover_time
    last = next(v for v, d in lineage.out_degree() if d == 0)
    assert last == model.root_uid


def test_compaction_keeps_agents_and_rows_consistent():
    model = NestedOptimizerModel(
        TakeoverScenario(spawn_rate=2.0, alignment_skill=0.0, detection=0.0, hazard="constant"),
        seed=5,
        horizon=30,
        graph=cais_chain(200),
    )
    model.run_model()
    assert model.state.used < 200 + model.top_level_takeovers + model.nested_takeovers
    for agent in model.agents:
        assert model.state.uid[agent.slot] == agent.unique_id
        assert model.state.alive[agent.slot]


def test_same_seed_gives_identical_tables_and_series(busy):
    graph = lambda rng: random_tree(12, seed=rng)  # noqa: E731
    runs = [
        simulate_abm(busy, 3, seed=9, horizon=8, graph=graph, nesting=True, timeseries=True)
        for _ in range(2)
    ]
    for name in TABLE_COLUMNS:
        np.testing.assert_array_equal(runs[0].table[name], runs[1].table[name])
    assert runs[0].timeseries.equals(runs[1].timeseries)
    other = simulate_abm(busy, 3, seed=10, horizon=8, graph=graph, nesting=True)
    assert not np.array_equal(other.table["size"], runs[0].table["size"])


def test_replicate_results_do_not_depend_on_the_number_of_replicates(busy):
    few = simulate_abm(busy, 2, seed=4, horizon=6, nesting=True)
    many = simulate_abm(busy, 5, seed=4, horizon=6, nesting=True)
    # spawn_seeds(seed, n)[i] does not depend on n.
    for name in TABLE_COLUMNS:
        np.testing.assert_array_equal(few.table[name], many.table[name][:2])


def test_generator_seed_is_accepted_and_drives_everything(busy):
    a = NestedOptimizerModel(busy, seed=np.random.default_rng(2), horizon=5, nesting=True)
    b = NestedOptimizerModel(busy, seed=np.random.default_rng(2), horizon=5, nesting=True)
    a.run_model()
    b.run_model()
    assert sorted(a.graph.edges) == sorted(b.graph.edges)


def test_table_and_timeseries_follow_the_contract(busy):
    res = simulate_abm(busy, 2, seed=1, horizon=4, timeseries=True, nesting=True)
    for name, dtype in TABLE_COLUMNS.items():
        assert res.table[name].dtype == dtype and res.table[name].shape == (2,)
    assert tuple(res.timeseries.columns) == TIMESERIES_COLUMNS
    first = res.timeseries[res.timeseries.replicate == 0]
    assert first.step.tolist() == list(range(len(first)))
    assert np.array_equal(res.table["takeovers_by_horizon"], res.table["n_takeovers"])


def test_stops_early_when_no_takeover_is_possible():
    model = NestedOptimizerModel(TakeoverScenario(alignment_skill=1.0), seed=1, horizon=100)
    model.run_model()
    assert model.steps == 1 and not model.root_contestable()


def test_collect_agents_records_per_agent_history_only_when_asked(busy):
    quiet = NestedOptimizerModel(busy, seed=1, horizon=3)
    quiet.run_model()
    assert not quiet.datacollector.agent_reporters and not quiet.datacollector._agent_records
    loud = NestedOptimizerModel(busy, seed=1, horizon=3, collect_agents=True)
    loud.run_model()
    assert "alignment_class" in loud.datacollector.get_agent_vars_dataframe().columns


@pytest.mark.parametrize(
    "scenario",
    [
        TakeoverScenario(hazard="constant", capability_ratio=2.0, detection_scaling=0.5),
        TakeoverScenario(hazard="entrenchment", entrenchment_weakening=1.0, capability_ratio=1.5),
        TakeoverScenario(hazard="power", power_exponent=0.7),
    ],
    ids=["constant", "entrenchment", "power"],
)
def test_level_hazards_equal_the_scenario_exactly(scenario):
    cache = LevelHazards(scenario)
    n = np.arange(40) % 20
    t = np.linspace(0.0, 12.0, 40)
    np.testing.assert_array_equal(cache.cumulative(n, t), scenario.cumulative_hazard(n, t))
    y = 0.5 * np.asarray(scenario.cumulative_hazard(n, t))
    np.testing.assert_array_equal(cache.inverse(n, y), scenario.inverse_cumulative_hazard(n, y))
    np.testing.assert_array_equal(cache.total(n), scenario.total_hazard(n))


def test_agent_parameters_come_from_the_theory_layer(busy):
    model = _nested(busy, 6)
    agent = max(model.agents, key=lambda a: a.level)
    optimizer = agent.optimizer
    assert optimizer.capability == pytest.approx(agent.capability)
    assert optimizer.detection == pytest.approx(float(busy.detection_at(agent.level)))
    assert optimizer.spawn_rate == busy.spawn_rate
