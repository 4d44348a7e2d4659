"""The nested model's one store: graph and agents are views of it; flat keywords; the caps."""

from __future__ import annotations

import math

import mesa
import networkx as nx
import numpy as np
import pytest

from supercoherence.errors import ParameterError
from supercoherence.models.nested import NestedOptimizerModel, balanced_tree, simulate_abm
from supercoherence.models.nested.model import MAX_OPTIMIZERS
from supercoherence.theory.nested import NestedDynamics
from supercoherence.theory.scenario import TakeoverScenario


@pytest.fixture(scope="module")
def busy(scenarios):
    """The shared ``busy`` scenario (tests/conftest.py): many nested takeovers."""
    return scenarios["busy"]


def _interacting(busy, seed: int = 4) -> NestedOptimizerModel:
    model = NestedOptimizerModel(
        busy,
        seed=seed,
        horizon=6,
        nesting=True,
        graph=balanced_tree(2, 2),
        resource_elasticity=0.5,
        challenge_rate=2.0,
        active_share=0.5,
        corrigible_share=0.3,
        deceptive_threshold=0.8,
    )
    model.run_model()
    return model


def test_graph_agents_and_store_describe_the_same_live_optimizers(busy):
    model = _interacting(busy)
    st = model.state
    live = set(st.uid[st.live_slots()].tolist())
    graph = model.graph
    assert set(graph.nodes) == live == {a.unique_id for a in model.agents}
    assert model.size == len(live) == len(model.agents)
    for agent in model.agents:
        assert st.uid[agent.slot] == agent.unique_id and st.alive[agent.slot]
        assert graph.nodes[agent.unique_id]["resources"] == agent.resources
    assert nx.is_arborescence(graph)
    # the snapshot is a copy: changing it does not change the model
    graph.remove_node(model.root_uid)
    assert model.root_uid in model.graph


def test_views_of_removed_optimizers_leave_mesa_s_registry(busy):
    model = NestedOptimizerModel(busy, seed=3, horizon=8, nesting=True, graph=balanced_tree(2, 2))
    first = {a.unique_id for a in model.agents}  # views made for every optimizer
    model.run_model()
    assert model.top_level_takeovers + model.nested_takeovers > 0
    now = {a.unique_id for a in model.agents}
    st = model.state
    assert now == set(st.uid[st.live_slots()].tolist())
    gone = first - now
    assert gone and not any(a.unique_id in gone for a in model.agents)
    with pytest.raises(KeyError):
        model.agent(next(iter(gone)))


def test_takeovers_happen_in_place_winner_inherits_row_and_parent():
    model = NestedOptimizerModel(
        TakeoverScenario(spawn_rate=2.0, alignment_skill=0.0, detection=0.0, hazard="constant"),
        seed=5,
        horizon=3,
        graph=balanced_tree(3, 2),
    )
    parents = model.state.parent[:13].copy()
    model.run_model()
    assert model.top_level_takeovers + model.nested_takeovers > 13
    st = model.state
    assert st.used == 13  # no row was added: winners took the losers' rows
    np.testing.assert_array_equal(st.parent[:13], parents)


def test_mesa_batch_run_drives_the_model_with_flat_keywords():
    results = mesa.batch_run(
        NestedOptimizerModel,
        parameters={
            "horizon": 4,
            "nesting": True,
            "spawn_rate": [1.0, 2.0],
            "challenge_rate": 0.5,
            "active_share": 0.5,
        },
        rng=[1],
        max_steps=4,
        number_processes=1,
        display_progress=False,
    )
    assert {row["spawn_rate"] for row in results} == {1.0, 2.0}
    assert all("top_level_takeovers" in row and row["Step"] <= 4 for row in results)


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"skill_scaling": -1.0}, "skill_scaling"),
        ({"weak_detection": -0.5}, "weak_detection"),
        ({"shift_probability": 1.5}, "shift_probability"),
        ({"deceptive_threshold": -2.0}, "deceptive_threshold"),
        ({"optimizerness": -0.1}, "optimizerness"),
        ({"spawn_rate": -1.0}, "spawn_rate"),
    ],
)
def test_more_bad_parameters_name_themselves_and_their_range(options, name):
    with pytest.raises(ParameterError) as err:
        NestedOptimizerModel(seed=0, horizon=3, **options)
    assert err.value.name == name and "allowed" in str(err.value)


def test_kept_detected_children_stop_at_the_stated_cap_with_a_clear_message(busy):
    model = NestedOptimizerModel(
        busy, seed=1, horizon=100, nesting=True, remove_detected=False, collect_model=False
    )
    with pytest.raises(ParameterError) as err:
        model.run_model()
    assert err.value.name == "remove_detected"
    assert f"more than {MAX_OPTIMIZERS} optimizers alive" in str(err.value)
    assert model.steps < 100


def test_skill_schedule_scales_each_level_s_hazard_exactly():
    # Constant hazard, no detection growth: the root's hazard is h, its successor's
    # h1 = h gamma^-kappa (a(c) = 1 - (1 - a) c^-kappa), so with nesting off
    # P(N_T = 1) = h e^{-h1 T} (1 - e^{-(h - h1) T}) / (h - h1); without the schedule
    # it would be h T e^{-h T} (0.368 here against 0.477: 5 SE at 600 replicates).
    sc = TakeoverScenario(
        spawn_rate=1.5, alignment_skill=0.5, detection=0.0, capability_ratio=2.0, hazard="constant"
    )
    dyn = NestedDynamics(skill_scaling=1.0)
    h = float(sc.hazard_scale(0))
    h1 = h * float(dyn.skill_factor(sc, 1))
    horizon = 2
    exact = h * math.exp(-h1 * horizon) * -math.expm1(-(h - h1) * horizon) / (h - h1)
    constant = h * horizon * math.exp(-h * horizon)
    res = simulate_abm(sc, 600, seed=41, horizon=horizon, dynamics=dyn)
    hits = res.table["takeovers_by_horizon"] == 1
    se = math.sqrt(exact * (1 - exact) / hits.size)
    assert abs(hits.mean() - exact) <= 4.0 * se, (hits.mean(), exact)
    assert hits.mean() - constant > 4.0 * math.sqrt(constant * (1 - constant) / hits.size)
