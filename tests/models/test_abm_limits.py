"""The step-by-step Mesa model stops with a clear error instead of running for hours."""

from __future__ import annotations

import pytest

from supercoherence.cli import main
from supercoherence.errors import ParameterError
from supercoherence.models.nested import NestedOptimizerModel
from supercoherence.models.nested.model import MAX_EVENTS_PER_STEP
from supercoherence.theory.scenario import TakeoverScenario


def test_export_graph_refuses_an_astronomical_spawn_rate_up_front(tmp_path, capsys):
    args = ["export", "graph", "--steps", "3", "--param", "spawn_rate=1e300"]
    assert main([*args, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "spawn_rate = 1e+300" in err and f"at most {MAX_EVENTS_PER_STEP}" in err
    assert not any(tmp_path.iterdir())


def test_export_graph_refuses_steps_out_of_range(tmp_path, capsys):
    assert main(["export", "graph", "--steps", "0", "--out", str(tmp_path)]) == 2
    assert "steps = 0 is out of range" in capsys.readouterr().err


def test_the_model_stops_when_one_step_holds_too_many_takeovers():
    scenario = TakeoverScenario.from_mapping({"spawn_rate": 1e4})
    model = NestedOptimizerModel(scenario, seed=0, horizon=3, nesting=True, collect_model=False)
    with pytest.raises(ParameterError, match=f"more than {MAX_EVENTS_PER_STEP} takeovers"):
        model.run_model()
