"""Tests of supercoherence.theory.scenario.TakeoverScenario (the shared contract)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from supercoherence.errors import ParameterError
from supercoherence.randomness import as_generator
from supercoherence.theory import symbols as S
from supercoherence.theory.optimizer import Optimizer
from supercoherence.theory.scenario import HAZARD_SHAPES, TakeoverScenario

R = sp.Rational
BASE = {"spawn_rate": 1.0, "alignment_skill": 0.0, "detection": 0.0}


def test_fields_are_the_study_file_names():
    assert TakeoverScenario.parameter_names() == (
        "spawn_rate",
        "alignment_skill",
        "detection",
        "capability_ratio",
        "sharpness",
        "hazard",
        "entrenchment_rate",
        "power_exponent",
        "entrenchment_weakening",
        "detection_scaling",
        "drift",
        "utility_dimension",
    )
    assert HAZARD_SHAPES == ("constant", "entrenchment", "power")


def test_hazard_scale_by_hand():
    # h_0 = lambda (1 - a)(1 - d) s(gamma) = 4 * 1/2 * 1/2 * 1/2 = 1/2
    sc = TakeoverScenario(spawn_rate=4, alignment_skill=0.5, detection=0.5)
    assert sc.hazard_scale(0) == pytest.approx(0.5)
    assert sc.hazard_scale_expr() == R(1, 2)
    # gamma = 2, r = 2: s = 4/5; kappa = 1: 1 - d_n = exp(-(2^n - 1))
    sc = TakeoverScenario(**BASE, capability_ratio=2, sharpness=2, detection_scaling=1)
    n = np.arange(4)
    expected = 0.8 * np.exp(-(2.0**n - 1))
    np.testing.assert_allclose(sc.hazard_scale(n), expected, rtol=1e-14)
    lam = sp.lambdify(S.n, sc.hazard_scale_expr())
    np.testing.assert_allclose(lam(n), expected, rtol=1e-14)


def test_q_closed_forms_per_shape():
    ent = TakeoverScenario(**BASE, entrenchment_rate=0.25)  # h = 1/2, delta = 1/4 -> q = e^-2
    assert ent.never_overthrown() == sp.exp(-2)
    assert ent.never_overthrown_numeric(0) == pytest.approx(np.exp(-2))
    assert TakeoverScenario(**BASE, hazard="constant").never_overthrown() == 0
    assert TakeoverScenario(**BASE, hazard="constant").never_overthrown_numeric(
        np.arange(3)
    ).tolist() == [0, 0, 0]
    assert TakeoverScenario(hazard="constant", spawn_rate=0).never_overthrown_numeric(5) == 1.0
    assert TakeoverScenario(hazard="constant", alignment_skill=1).never_overthrown() == 1
    power = TakeoverScenario(**BASE, hazard="power", power_exponent=3)  # q = exp(-1/2 / 2)
    assert power.never_overthrown() == sp.exp(-R(1, 4))
    assert power.never_overthrown_numeric(2) == pytest.approx(np.exp(-0.25))
    for beta in (0.5, 1.0):
        sc = TakeoverScenario(**BASE, hazard="power", power_exponent=beta)
        assert sc.never_overthrown() == 0
        assert sc.never_overthrown_numeric(0) == 0.0
        assert sc.total_hazard(0) == np.inf


def test_entrenchment_weakening_makes_q_summable():
    # delta_n = 1/(1+n): q_n = exp(-(1+n)/2), summable
    sc = TakeoverScenario(**BASE, entrenchment_rate=1, entrenchment_weakening=1)
    assert sp.simplify(sc.never_overthrown() - sp.exp(-(1 + S.n) / 2)) == 0
    n = np.arange(5)
    np.testing.assert_allclose(sc.never_overthrown_numeric(n), np.exp(-(1 + n) / 2), rtol=1e-14)
    assert sc.entrenchment_expr() == 1 / (S.n + 1)


def test_escalation_with_detection_scaling_gives_q_to_one():
    sc = TakeoverScenario(**BASE, capability_ratio=2, detection_scaling=1)
    q = sc.never_overthrown_numeric(np.array([0, 5, 20, 2000]))
    assert q[0] < q[1] < q[2] and q[-1] == 1.0
    assert sp.limit(sc.never_overthrown(), S.n, sp.oo) == 1


def test_numeric_q_agrees_with_exact_q_expr():
    rng = as_generator(3)
    for shape in HAZARD_SHAPES:
        for _ in range(3):
            sc = TakeoverScenario(
                spawn_rate=float(rng.uniform(0.1, 3)),
                alignment_skill=float(rng.uniform(0, 1)),
                detection=float(rng.uniform(0, 1)),
                capability_ratio=float(rng.uniform(0.5, 2)),
                sharpness=float(rng.uniform(0.5, 3)),
                hazard=shape,
                entrenchment_rate=float(rng.uniform(0.2, 2)),
                power_exponent=float(rng.uniform(1.2, 3)),
                entrenchment_weakening=float(rng.uniform(0, 1)),
                detection_scaling=float(rng.uniform(0, 0.5)),
            )
            n = np.arange(6)
            exact = sp.lambdify(S.n, sc.never_overthrown(), "numpy")(n)
            np.testing.assert_allclose(
                sc.never_overthrown_numeric(n), np.broadcast_to(exact, n.shape), rtol=1e-10
            )


def test_hazard_expr_integrates_to_cumulative():
    for shape in HAZARD_SHAPES:
        sc = TakeoverScenario(**BASE, hazard=shape, entrenchment_rate=0.5, power_exponent=2.5)
        h2 = sc.hazard_expr().subs(S.n, 2)
        exact = float(sp.integrate(h2, (S.t, 0, 3)))
        assert sc.cumulative_hazard(2, 3.0) == pytest.approx(exact, rel=1e-12)


def test_inverse_cumulative_hazard_vectorised_and_inverts():
    for shape in HAZARD_SHAPES:
        sc = TakeoverScenario(**BASE, hazard=shape, entrenchment_rate=0.5, power_exponent=2.5)
        n = np.array([0, 1, 2, 3])
        t = np.array([0.1, 1.0, 3.0, 7.0])
        y = sc.cumulative_hazard(n, t)
        np.testing.assert_allclose(sc.inverse_cumulative_hazard(n, y), t, rtol=1e-9)
        total = sc.total_hazard(n)
        beyond = np.where(np.isfinite(total), total, 1e300)
        assert np.all(sc.inverse_cumulative_hazard(n, beyond) == np.inf) or shape == "constant"


def test_tenure_draws_match_q_within_four_standard_errors(assert_proportion):
    sc = TakeoverScenario(**BASE, entrenchment_rate=0.5)  # q_0 = exp(-1)
    rng = as_generator(11)
    reps = 20_000
    tau = sc.inverse_cumulative_hazard(np.zeros(reps, dtype=int), rng.exponential(size=reps))
    q = float(np.exp(-1))
    assert_proportion(np.isinf(tau), q)


def test_level_optimizer():
    sc = TakeoverScenario(
        detection=0.5, capability_ratio=2, entrenchment_rate=2, entrenchment_weakening=1
    )
    opt = sc.level_optimizer(3)
    assert isinstance(opt, Optimizer)
    assert opt.capability == 8.0 and opt.detection == 0.5 and opt.entrenchment == 0.5
    assert TakeoverScenario(hazard="power").level_optimizer(1).entrenchment == 0.0
    with pytest.raises(ParameterError, match="n"):
        sc.level_optimizer(-1)


def test_from_mapping_roundtrip_and_did_you_mean():
    sc = TakeoverScenario.from_mapping({"spawn_rate": 2, "hazard": "power", "drift": -0.5})
    assert sc.spawn_rate == 2.0 and sc.hazard == "power" and sc.drift == -0.5
    assert TakeoverScenario.from_mapping(sc.to_mapping()) == sc
    with pytest.raises(ParameterError) as info:
        TakeoverScenario.from_mapping({"capability_ration": 2})
    assert info.value.name == "capability_ration"
    assert "did you mean 'capability_ratio'" in str(info.value)
    with pytest.raises(ParameterError, match="did you mean 'entrenchment'"):
        TakeoverScenario.from_mapping({"hazard": "entrenchmnt"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("spawn_rate", -1.0),
        ("alignment_skill", 1.5),
        ("detection", -0.1),
        ("capability_ratio", 0.0),
        ("sharpness", -1.0),
        ("entrenchment_rate", 0.0),
        ("power_exponent", 0.0),
        ("entrenchment_weakening", -1.0),
        ("detection_scaling", -0.5),
        ("drift", 1.5),
        ("utility_dimension", 1),
        ("utility_dimension", 2.5),
        ("hazard", "linear"),
        ("spawn_rate", "fast"),
        ("detection", float("nan")),
        ("spawn_rate", float("inf")),
        ("sharpness", True),
    ],
)
def test_every_field_is_validated(name, value):
    with pytest.raises(ParameterError) as info:
        TakeoverScenario.from_mapping({name: value})
    assert info.value.name == name


def test_bad_n():
    sc = TakeoverScenario()
    with pytest.raises(ParameterError, match="n"):
        sc.never_overthrown_numeric(np.array([0, 1.5]))
    with pytest.raises(ParameterError, match="n"):
        sc.hazard_scale(-1)


def test_frozen():
    sc = TakeoverScenario()
    with pytest.raises(AttributeError):
        sc.spawn_rate = 3.0  # type: ignore[misc]
