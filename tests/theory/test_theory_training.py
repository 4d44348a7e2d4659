"""Tests of supercoherence.theory.training: the logit form of P(mesa) and the spawn rate."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from supercoherence.errors import ParameterError
from supercoherence.theory import training as T

R = sp.Rational


def test_no_pressure_gives_the_proxy_advantage():
    assert T.mesa_probability(0, 7, 0, 3, R(1, 4)) == R(1, 4)
    assert T.mesa_probability_numeric(0.0, 7.0, 0.0, 3.0, 0.25) == pytest.approx(0.25)


def test_hand_values():
    # sigma(log 3) = 3/4; sigma(-log 2) = 1/3
    assert T.mesa_probability(1, sp.log(3), 0, 0) == R(3, 4)
    assert T.mesa_probability(0, 0, 1, sp.log(2)) == R(1, 3)
    # p = 1/4 (log-odds -log 3) and x = log 3 cancel: 1/2
    assert T.mesa_probability(1, sp.log(3), 0, 0, R(1, 4)) == R(1, 2)
    assert T.spawn_rate(8, 1, sp.log(3), 0, 0) == 6
    assert T.spawn_rate_numeric(8.0, 1.0, np.log(3), 0.0, 0.0) == pytest.approx(6.0)


def test_monotone_in_the_pressures():
    P = T.mesa_probability(T.theta_c, T.dK, T.theta_s, T.dT, T.proxy_advantage)
    # logistic derivative: dP/d theta_c = Delta_K P (1 - P), dP/d theta_s = -Delta_T P (1 - P)
    assert sp.simplify(sp.diff(P, T.theta_c) - T.dK * P * (1 - P)) == 0
    assert sp.simplify(sp.diff(P, T.theta_s) + T.dT * P * (1 - P)) == 0
    logit_form = 1 / (
        1
        + sp.exp(
            -(
                T.theta_c * T.dK
                - T.theta_s * T.dT
                + sp.log(T.proxy_advantage / (1 - T.proxy_advantage))
            )
        )
    )
    point = {T.theta_c: R(1, 2), T.dK: 3, T.theta_s: 2, T.dT: R(1, 3), T.proxy_advantage: R(1, 5)}
    assert sp.simplify((P - logit_form).subs(point)) == 0


def test_numeric_matches_exact_and_does_not_overflow():
    tc = np.array([0.0, 0.5, 2.0])
    exact = [float(T.mesa_probability(sp.nsimplify(x), 3, 1, R(1, 2), R(1, 5))) for x in tc]
    np.testing.assert_allclose(
        T.mesa_probability_numeric(tc, 3.0, 1.0, 0.5, 0.2), exact, rtol=1e-13
    )
    assert T.mesa_probability_numeric(1000.0, 10.0, 0.0, 0.0) == 1.0
    assert T.mesa_probability_numeric(0.0, 0.0, 1000.0, 10.0) == 0.0
    res = T.spawn_rate_derived()
    assert res.numeric(
        nu=10.0, thetac=0.0, DeltaK=0.0, thetas=1.0, DeltaT=np.log(2), p=0.5
    ) == pytest.approx(10 / 3)
    assert "theta" in T.mesa_probability_derived().latex


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: T.mesa_probability(-1, 1, 0, 0), "complexity_pressure"),
        (lambda: T.mesa_probability(1, 1, -2, 0), "speed_pressure"),
        (lambda: T.mesa_probability(1, 1, 0, 0, 0), "proxy_advantage"),
        (lambda: T.mesa_probability(1, 1, 0, 0, 1), "proxy_advantage"),
        (lambda: T.spawn_rate(-1, 1, 1, 0, 0), "candidate_rate"),
        (lambda: T.spawn_rate_numeric(np.array([1.0, -1.0]), 1, 1, 0, 0), "candidate_rate"),
        (lambda: T.mesa_probability_numeric(1, 1, 0, 0, 1.5), "proxy_advantage"),
    ],
)
def test_bad_inputs_name_the_parameter(call, name):
    with pytest.raises(ParameterError) as info:
        call()
    assert info.value.name == name
