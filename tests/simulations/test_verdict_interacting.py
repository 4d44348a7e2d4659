"""The verdict estimated where no closed form exists: the interacting nested model (issue 11).

``studies/nested_interacting.toml`` at its shipped horizon and replicate count, on the
two points with ``resource_elasticity = 0`` (where the mean field of
:func:`supercoherence.theory.nested.mean_field` applies): children that never
challenge (``challenge_rate = 0``) and children that challenge at rate 1.  No point has
a closed-form classification (``boundary.parquet`` says "no closed form"), so the verdict
comes from the simulation alone.  What theory says there:

- ``challenge_rate = 0``: no child ever challenges, so the root's only risk is the
  birth contests of its own spawns, the recursion of the chain with the same
  entrenching hazard at every level: :math:`q_n = e^{-h/\\delta} > 0` constant,
  :math:`\\sum q_n = \\infty`, *supercoherence almost surely*
  (:func:`supercoherence.theory.recursion.classify`), and the level-0 bootstrap
  interval of :math:`q_0` must contain that value;
- ``challenge_rate = 1``: the mean-field root hazard stays integrable (its survival
  settles at a positive limit, checked here over 400 steps), and every new root faces
  the same dynamics, so again :math:`q_n` is bounded below: *supercoherence almost
  surely*.

A point the data decide must agree with that; an undecided one must say why and what
would decide it.  Slow tier (two Mesa points at 400 replicates).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from supercoherence.simulations import run_study
from supercoherence.simulations.study import load_study
from supercoherence.simulations.verdict import estimate_verdict
from supercoherence.studies import study_path
from supercoherence.theory.nested import NestedDynamics, mean_field
from supercoherence.theory.recursion import Dichotomy, classify
from supercoherence.theory.scenario import TakeoverScenario

SUPERCOHERENCE = Dichotomy.SUPERCOHERENCE_ALMOST_SURELY.value
OUTCOMES = {o.value for o in Dichotomy}


def _scenario(point: dict) -> TakeoverScenario:
    return TakeoverScenario(
        spawn_rate=point["spawn_rate"],
        alignment_skill=point["alignment_skill"],
        detection=point["detection"],
        hazard=point["hazard"],
        entrenchment_rate=point["entrenchment_rate"],
        drift=point["drift"],
    )


@pytest.mark.slow
def test_nested_interacting_verdict_without_closed_form(tmp_path) -> None:
    study = load_study(
        study_path("nested_interacting"), overrides=["parameters.resource_elasticity=0.0"]
    )
    assert [p["challenge_rate"] for p in study.points] == [0.0, 1.0]
    results = run_study(study, tmp_path / "run", workers=1)

    verdict, boundary = results.verdict, results.boundary
    assert verdict is not None and boundary is not None
    assert verdict["point"].tolist() == list(range(len(study.points)))
    assert set(verdict["estimated_outcome"]) <= OUTCOMES
    assert (boundary["classification"] == "no closed form").all()
    assert boundary["estimated_outcome"].tolist() == verdict["estimated_outcome"].tolist()
    for row in verdict.to_dict("records"):
        assert 0.0 <= row["support"] <= 1.0, row
        assert row["family"] in ("constant", "entrenchment", "power"), row
        assert row["levels"] >= 1 and row["replicates"] == study.replicates, row
        if row["estimated_outcome"] == "undecided":
            assert "decide" in row["reason"], row["reason"]
        else:
            # what the theory says at both points (module docstring)
            assert row["estimated_outcome"] == SUPERCOHERENCE, row
    assert (verdict["estimated_outcome"] != "undecided").any(), verdict["reason"].tolist()

    # challenge_rate = 0: the chain's recursion, q_n = exp(-h/delta) at every level
    quiet = study.points[0]
    scenario = _scenario(quiet)
    assert classify(scenario.never_overthrown()).outcome is Dichotomy.SUPERCOHERENCE_ALMOST_SURELY
    q_exact = float(scenario.never_overthrown_numeric(0))
    events = pd.read_parquet(tmp_path / "run" / "events.parquet", filters=[("point", "=", 0)])
    fitted = estimate_verdict(events.drop(columns=["point"]), bootstrap=200, seed=study.seed)
    level0 = fitted.levels.iloc[0]
    assert level0["q_low"] <= q_exact <= level0["q_high"], (q_exact, level0.to_dict())

    # challenge_rate = 1: the mean field's root hazard is integrable
    dynamics = NestedDynamics(challenge_rate=1.0, active_share=1.0)
    survival = mean_field(scenario, dynamics, 400, deceptive_share=0.5).survival
    assert survival[-1] > 0.01
    assert math.isclose(survival[-1], survival[199], rel_tol=1e-6), (survival[199], survival[-1])
    assert np.all(np.diff(survival) <= 0)
