"""Hazards must be intensities, no-hazard means never overthrown, and detection stays a
probability (issues 16 section 5, 17 section 3)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from supercoherence.errors import ParameterError
from supercoherence.theory import hazard as H
from supercoherence.theory import symbols as S
from supercoherence.theory.scenario import TakeoverScenario

R = sp.Rational


@pytest.mark.parametrize("h", [-1, -0.5, "-1", R(-1, 3), "1 - t", "sin(t)", "t - 3"])
def test_negative_hazards_are_refused(h) -> None:
    with pytest.raises(ParameterError, match="^h = ") as info:
        H.survival(h)
    assert info.value.name == "h"
    with pytest.raises(ParameterError, match="^h = "):
        H.cumulative_hazard(h, 10)


def test_nonnegative_hazards_still_work() -> None:
    assert H.survival(0) == 1
    assert H.survival(R(1, 2), 4) == sp.exp(-2)
    assert H.never_overthrown(2 * sp.exp(-S.t)) == sp.exp(-2)
    assert H.survival(S.h0) == sp.exp(-H.cumulative_hazard(S.h0))  # symbolic: may be valid


@pytest.mark.parametrize("beta", [R(1, 4), R(1, 2), 1, R(3, 2), 3])
def test_every_family_with_no_hazard_is_never_overthrown(beta) -> None:
    families = [
        H.ConstantHazard(S.h0),
        H.EntrenchmentHazard(S.h0, S.delta),
        H.PowerHazard(S.h0, S.beta),
    ]
    for family in families:
        q = family.never_overthrown().subs({S.beta: beta, S.delta: 2})
        assert q.subs(S.h0, 0) == 1
    assert H.PowerHazard(0, beta).never_overthrown() == 1


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=0, max_value=5), st.floats(min_value=0.1, max_value=3))
def test_symbolic_power_family_matches_the_numbers(h0, beta) -> None:
    symbolic = H.PowerHazard(S.h0, S.beta).never_overthrown()
    value = float(symbolic.subs({S.h0: R(h0), S.beta: R(beta)}))
    numeric = H.PowerHazard(h0, beta).never_overthrown_numeric()
    assert value == pytest.approx(numeric, rel=1e-12, abs=1e-300)


def test_detection_escalation_with_sub_optimizers_is_refused() -> None:
    with pytest.raises(ParameterError, match="^detection_scaling = 2") as info:
        TakeoverScenario(capability_ratio=0.5, detection_scaling=2, detection=0.5)
    assert info.value.name == "detection_scaling"
    assert "0.693147" in str(info.value) and "capability_ratio" in str(info.value)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=0.05, max_value=3),
    st.floats(min_value=0, max_value=5),
    st.floats(min_value=0, max_value=1),
)
def test_detection_stays_a_probability_or_is_refused(gamma, kappa, d) -> None:
    try:
        sc = TakeoverScenario(capability_ratio=gamma, detection_scaling=kappa, detection=d)
    except ParameterError as exc:
        assert exc.name == "detection_scaling"
        assert gamma < 1 and (1 - d) * math.exp(kappa) > 1 - 1e-12
        return
    n = np.arange(0, 400)
    dn = sc.detection_at(n)
    assert np.all(dn >= -1e-12) and np.all(dn <= 1 + 1e-12)
    pi = sc.hazard_scale(n) / max(sc.spawn_rate, 1e-300)
    assert np.all(pi <= 1 + 1e-12)


def test_studies_in_range_still_build() -> None:
    # escalation.toml: gamma in {0.5, 0.9}, kappa = 0.5, d = 0.5 -> (1 - d) e^kappa = 0.82
    for gamma in (0.5, 0.9, 1.1, 2.0):
        sc = TakeoverScenario(capability_ratio=gamma, detection_scaling=0.5, detection=0.5)
        assert 0 <= sc.detection_at(50) <= 1
