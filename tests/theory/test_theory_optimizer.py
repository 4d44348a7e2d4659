"""Tests of supercoherence.theory.optimizer: Optimizer, MesaOptimizer, the classes."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from supercoherence.errors import ParameterError
from supercoherence.theory import symbols as S
from supercoherence.theory.optimizer import (
    TRANS_TOLERANCE,
    AlignmentClass,
    CapabilityClass,
    MesaOptimizer,
    Optimizer,
    capability_class,
)

R = sp.Rational


def test_optimizer_is_immutable_and_hashable_with_vector_utility():
    opt = Optimizer(capability=2, utility=[1.0, 0.0, 0.0])
    assert opt.utility == (1.0, 0.0, 0.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        opt.capability = 3  # type: ignore[misc]
    assert hash(opt) == hash(Optimizer(capability=2, utility=(1.0, 0.0, 0.0)))


def test_optimizer_takes_sympy_utility_and_symbols():
    x = sp.Symbol("x")
    opt = Optimizer(
        capability=S.c,
        spawn_rate=S.lam,
        detection=S.d,
        alignment_skill=S.a,
        utility=-((x - 1) ** 2),
    )
    assert opt.hazard_scale(S.gamma, S.r) == S.lam * (1 - S.a) * (1 - S.d) * S.gamma**S.r / (
        1 + S.gamma**S.r
    )


def test_per_spawn_takeover_by_hand():
    base = Optimizer(spawn_rate=2, detection=R(1, 2), alignment_skill=R(1, 2))
    assert base.per_spawn_takeover(1) == R(1, 8)
    assert base.hazard_scale(1) == R(1, 4)
    assert base.per_spawn_takeover(2, 2) == R(1, 4) * R(4, 5)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"capability": 0}, "capability"),
        ({"spawn_rate": -1}, "spawn_rate"),
        ({"detection": 1.5}, "detection"),
        ({"alignment_skill": -0.1}, "alignment_skill"),
        ({"entrenchment": -2}, "entrenchment"),
        ({"optimizerness": 1.2}, "optimizerness"),
        ({"utility": [[1.0, 0.0]]}, "utility"),
        ({"utility": [float("nan")]}, "utility"),
    ],
)
def test_bad_optimizer_parameters(kwargs, name):
    with pytest.raises(ParameterError) as info:
        Optimizer(**kwargs)
    assert info.value.name == name


def test_capability_classes_and_tolerance():
    assert capability_class(2) is CapabilityClass.SUPER
    assert capability_class(R(1, 2)) is CapabilityClass.SUB
    assert capability_class(1) is CapabilityClass.TRANS
    assert capability_class(1 + TRANS_TOLERANCE) is CapabilityClass.TRANS
    assert capability_class(1 / (1 + TRANS_TOLERANCE)) is CapabilityClass.TRANS
    assert capability_class(1.06) is CapabilityClass.SUPER
    assert capability_class(1.01, tolerance=0) is CapabilityClass.SUPER
    with pytest.raises(ParameterError, match="gamma"):
        capability_class(S.gamma)
    with pytest.raises(ParameterError, match="gamma"):
        capability_class(-1)
    with pytest.raises(ParameterError, match="tolerance"):
        capability_class(1, tolerance=-0.1)


def test_mesa_optimizer_classes_and_takeover():
    base = Optimizer(capability=2, detection=R(1, 2))
    mesa = MesaOptimizer(parent=base, alignment_class="deceptive", capability=4)
    assert mesa.alignment_class is AlignmentClass.DECEPTIVE
    assert mesa.gamma == 2
    assert mesa.capability_class() is CapabilityClass.SUPER
    assert mesa.takeover_probability() == R(1, 2) * R(2, 3)
    assert mesa.takeover_probability(sharpness=2) == R(1, 2) * R(4, 5)
    robust = MesaOptimizer(parent=base, alignment_class=AlignmentClass.ROBUST, capability=4)
    assert robust.takeover_probability() == 0
    sub = MesaOptimizer(parent=base, capability=1)
    assert sub.capability_class() is CapabilityClass.SUB
    # embedded-agency bound: a mesa-suboptimizer wins at most half the undetected contests
    assert sub.takeover_probability(sharpness=5) <= R(1, 2) * R(1, 2)


def test_average_over_alignment_class_is_per_spawn_probability():
    a, d = R(1, 3), R(1, 4)
    base = Optimizer(detection=d, alignment_skill=a)
    adversarial = MesaOptimizer(parent=base, alignment_class="pseudo", capability=3)
    robust = MesaOptimizer(parent=base, alignment_class="robust", capability=3)
    average = a * robust.takeover_probability() + (1 - a) * adversarial.takeover_probability()
    assert average == base.per_spawn_takeover(3)


def test_bad_mesa_parameters():
    with pytest.raises(ParameterError, match="alignment_class"):
        MesaOptimizer(parent=Optimizer(), alignment_class="sneaky")
    with pytest.raises(ParameterError, match="parent"):
        MesaOptimizer(parent="root")  # type: ignore[arg-type]
