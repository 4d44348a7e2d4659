"""The capability classes of seed 002 change the dynamics: sub fails at regime changes,
trans brings its own goal (theory/optimizer.py, "What the capability classes do")."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from supercoherence.errors import ParameterError
from supercoherence.theory.optimizer import CapabilityClass, MesaOptimizer, Optimizer

R = sp.Rational


def test_sub_optimizer_fails_at_regime_change_and_the_others_do_not():
    base = Optimizer(capability=4)
    sub = MesaOptimizer(parent=base, capability=1)
    sup = MesaOptimizer(parent=base, capability=8)
    trans = MesaOptimizer(parent=base, capability=R(401, 100))
    assert [m.capability_class() for m in (sub, sup, trans)] == [
        CapabilityClass.SUB,
        CapabilityClass.SUPER,
        CapabilityClass.TRANS,
    ]
    assert sub.regime_failure_probability(R(1, 2)) == R(3, 8)
    assert sup.regime_failure_probability(1) == 0 == trans.regime_failure_probability(1)
    assert sub.regime_failure_hazard(2, 1) == R(3, 2)
    # the hazard is a thinned Poisson process: P(no failure by t) = exp(-mu p (1 - gamma) t)
    rng = np.random.default_rng(3)
    mu, p, t = 2.0, 0.5, 1.5
    shifts = rng.poisson(mu * t, 100_000)
    survived = rng.binomial(shifts, p * 0.75) == 0
    se = survived.std() / math.sqrt(survived.size)
    assert abs(survived.mean() - math.exp(-float(sub.regime_failure_hazard(mu, p)) * t)) < 4 * se
    for bad in (-0.1, 1.5):
        with pytest.raises(ParameterError) as info:
            sub.regime_failure_probability(bad)
        assert info.value.name == "shift_probability"
    with pytest.raises(ParameterError):
        sub.regime_failure_hazard(-1, 0.5)


def test_trans_optimizer_brings_its_own_goal():
    base = Optimizer(utility=(1.0, 0.0, 0.0))
    orth = MesaOptimizer(parent=base, capability=1, utility=(0.0, 1.0, 0.0))
    tilted = MesaOptimizer(parent=base, capability=1, utility=(1.0, 1.0, 0.0))
    assert orth.drift_after_takeover(0.9) == 0.0
    assert tilted.drift_after_takeover(0.9) == pytest.approx(1 / math.sqrt(2))
    # a super-optimizer's takeover drifts by the scenario's rho, whatever its utility
    sup = MesaOptimizer(parent=base, capability=5, utility=(0.0, 1.0, 0.0))
    assert sup.drift_after_takeover(0.9) == 0.9
    # without utility vectors the class cannot say: the scenario's drift
    blind = MesaOptimizer(parent=Optimizer(), capability=1)
    assert blind.goal_alignment() is None and blind.drift_after_takeover(0.5) == 0.5
    assert MesaOptimizer(parent=base, alignment_class="robust").goal_alignment() == 1
    with pytest.raises(ParameterError):
        MesaOptimizer(parent=base, capability=1, utility=(1.0, 0.0)).goal_alignment()
    with pytest.raises(ParameterError):
        orth.drift_after_takeover(1.5)
