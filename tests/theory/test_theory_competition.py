"""Tests of supercoherence.theory.competition (Lotka-Volterra competition).

Hand-derived references: for K_x = 2, K_y = 1 the base invades the mesa-optimizer's
equilibrium iff alpha < 2 and the mesa-optimizer invades the base's iff beta < 1/2
(Murray, Mathematical Biology I, 2002, section 3.5).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from supercoherence.errors import ParameterError
from supercoherence.randomness import as_generator
from supercoherence.theory import competition as C
from supercoherence.theory.competition import CompetitionOutcome, Stability

# One hand-picked point per outcome (K_x = 2, K_y = 1, r_x = 1, r_y = 3/2).
CASES = {
    CompetitionOutcome.MESA_DISAPPEARS: {"alpha": "1/2", "beta": 1},
    CompetitionOutcome.MESA_TAKES_OVER: {"alpha": 3, "beta": "1/4"},
    CompetitionOutcome.STABLE_COEXISTENCE: {"alpha": 1, "beta": "1/4"},
    CompetitionOutcome.BISTABLE: {"alpha": 3, "beta": 1},
}


def _params(values: dict) -> C.CompetitionParams:
    return C.CompetitionParams(**values, K_x=2, K_y=1, r_x=1, r_y="3/2")


@pytest.mark.parametrize("expected", list(CASES))
def test_outcome_at_hand_picked_values(expected: CompetitionOutcome) -> None:
    assert C.outcome(_params(CASES[expected])) is expected


def test_symbolic_conditions_agree_with_numeric_outcome_on_a_grid() -> None:
    conditions = C.outcome_conditions()
    for a_ in (0, sp.Rational(1, 2), 1, 2, 3):
        for b_ in (0, sp.Rational(1, 4), sp.Rational(1, 2), 1):
            subs = {C.alpha: a_, C.beta_lv: b_, C.K_x: 2, C.K_y: 1}
            true = [o for o, cond in conditions.items() if cond.subs(subs) is sp.true]
            assert true == [C.outcome(_params({"alpha": a_, "beta": b_}))]


def test_conditions_are_the_invasion_conditions() -> None:
    cond = C.outcome_conditions()[CompetitionOutcome.STABLE_COEXISTENCE]
    assert cond == sp.And(C.alpha < C.K_x / C.K_y, C.beta_lv < C.K_y / C.K_x)


@pytest.mark.parametrize(
    "values",
    [
        {"alpha": 2, "beta": "1/4"},  # alpha = K_x/K_y
        {"alpha": 1, "beta": "1/2"},  # beta = K_y/K_x
        {"alpha": 2, "beta": 0.5},  # both (a line of equilibria); float 0.5 is exact
    ],
)
def test_degenerate_boundary_is_reported_not_guessed(values: dict) -> None:
    p = _params(values)
    assert C.outcome(p) is CompetitionOutcome.DEGENERATE
    assert C.stable_equilibria(p) == []  # no hyperbolic attractor on the boundary
    stabilities = [e.stability for e in C.equilibria(p)]
    assert Stability.NON_HYPERBOLIC in stabilities


def test_both_equalities_omit_the_interior_equilibrium() -> None:
    names = [e.name for e in C.equilibria(_params({"alpha": 2, "beta": "1/2"}))]
    assert names == ["extinction", "base only", "mesa only"]


def test_exact_eigenvalues_at_the_coexistence_equilibrium() -> None:
    # alpha = beta = 1/2, K = r = 1: x* = y* = 2/3, J = [[-2/3, -1/3], [-1/3, -2/3]].
    interior = C.equilibria({"alpha": "1/2", "beta": "1/2"})[3]
    assert (interior.x, interior.y) == (sp.Rational(2, 3), sp.Rational(2, 3))
    assert sorted(interior.eigenvalues) == [-1, sp.Rational(-1, 3)]
    assert interior.jacobian == sp.Matrix([[-2, -1], [-1, -2]]) / 3


@pytest.mark.parametrize(
    ("expected", "signs"),
    [
        # (sign pattern of eigenvalues at base only, mesa only, interior if feasible)
        (CompetitionOutcome.MESA_DISAPPEARS, {"base only": (-1, -1), "mesa only": (1, -1)}),
        (CompetitionOutcome.MESA_TAKES_OVER, {"base only": (-1, 1), "mesa only": (-1, -1)}),
        (CompetitionOutcome.STABLE_COEXISTENCE, {"base only": (-1, 1), "mesa only": (1, -1)}),
        (CompetitionOutcome.BISTABLE, {"base only": (-1, -1), "mesa only": (-1, -1)}),
    ],
)
def test_eigenvalue_signs(expected: CompetitionOutcome, signs: dict) -> None:
    eqs = {e.name: e for e in C.equilibria(_params(CASES[expected]))}
    assert [sp.sign(v) for v in eqs["extinction"].eigenvalues] == [1, 1]
    for name, pattern in signs.items():
        assert tuple(sp.sign(v) for v in eqs[name].eigenvalues) == pattern
    interior = eqs["interior"]
    if expected is CompetitionOutcome.STABLE_COEXISTENCE:
        assert interior.feasible and interior.stability is Stability.STABLE
    elif expected is CompetitionOutcome.BISTABLE:
        assert interior.feasible and interior.stability is Stability.SADDLE
    else:
        assert interior.feasible is False


def test_symbolic_boundary_eigenvalues() -> None:
    eqs = C.equilibria()
    assert eqs[1].eigenvalues == (-C.r_x, sp.simplify(C.r_y * (1 - C.beta_lv * C.K_x / C.K_y)))
    assert eqs[2].eigenvalues == (sp.simplify(C.r_x * (1 - C.alpha * C.K_y / C.K_x)), -C.r_y)
    assert sp.simplify(eqs[3].x - (C.K_x - C.alpha * C.K_y) / (1 - C.alpha * C.beta_lv)) == 0


# Integration: from 20 seeded random interior points the orbit ends, at t = 200, within
# 1e-4 of the predicted attractor (the slowest eigenvalue here is >= 1/4 in modulus, so
# the remaining distance is ~e^{-50}; 1e-4 leaves room for the integrator's tolerance).
TOL = 1e-4


@pytest.mark.parametrize("expected", [o for o in CASES if o is not CompetitionOutcome.BISTABLE])
def test_integration_ends_at_the_predicted_attractor(expected: CompetitionOutcome) -> None:
    p = _params(CASES[expected])
    (attractor,) = C.stable_equilibria(p)
    rng = as_generator(20240611)
    for x0, y0 in rng.uniform(0.01, 3.0, size=(20, 2)):
        tr = C.trajectory(p, x0, y0, t_max=200.0, n_points=2)
        assert abs(tr.x[-1] - float(attractor.x)) < TOL
        assert abs(tr.y[-1] - float(attractor.y)) < TOL


def test_bistable_incumbency_decides() -> None:
    # Symmetric case (alpha = beta = 2, K = r = 1): the separatrix is the diagonal.
    p = C.CompetitionParams(alpha=2, beta=2)
    assert C.outcome(p) is CompetitionOutcome.BISTABLE
    rng = as_generator(7)
    for x0, y0 in rng.uniform(0.01, 2.0, size=(20, 2)):
        if abs(x0 - y0) < 1e-3:
            continue
        tr = C.trajectory(p, x0, y0, t_max=200.0, n_points=2)
        winner = (1.0, 0.0) if x0 > y0 else (0.0, 1.0)
        assert abs(tr.x[-1] - winner[0]) < TOL and abs(tr.y[-1] - winner[1]) < TOL


def test_vector_field_vanishes_at_equilibria_and_broadcasts() -> None:
    p = _params(CASES[CompetitionOutcome.STABLE_COEXISTENCE])
    for e in C.equilibria(p):
        dx, dy = C.vector_field(p, float(e.x), float(e.y))
        assert abs(dx) < 1e-12 and abs(dy) < 1e-12
    xs, ys = np.meshgrid(np.linspace(0, 2, 5), np.linspace(0, 1, 3))
    dx, dy = C.vector_field(p, xs, ys)
    assert dx.shape == dy.shape == (3, 5)
    # x' = x (1 - (x + y)/2) at (1, 1): 0; y' = 3/2 y (1 - (y + x/4)) at (1, 1): -3/8.
    dx1, dy1 = C.vector_field(p, 1.0, 1.0)
    assert dx1 == pytest.approx(0.0) and dy1 == pytest.approx(-3 / 8)


def test_trajectory_shape_and_start() -> None:
    tr = C.trajectory({"alpha": 1, "beta": 1}, 0.2, 0.3, t_max=5.0, n_points=11)
    assert tr.t.shape == tr.x.shape == tr.y.shape == (11,)
    assert (tr.x[0], tr.y[0]) == pytest.approx((0.2, 0.3), abs=1e-15)


def test_coherence_at_equilibria() -> None:
    cos = sp.Rational(-1, 2)
    assert C.coherence(sp.Rational(2, 3), sp.Rational(2, 3), cos) == sp.Rational(1, 4)
    assert C.coherence(1.0, 0.0, -0.5) == 1.0
    assert C.coherence(0.0, 1.0, -0.5) == -0.5
    assert np.isnan(C.coherence(0.0, 0.0, 0.3))
    # Coexistence case: x + y = 2 and y + x/4 = 1 give x* = 4/3, y* = 2/3.
    p = _params(CASES[CompetitionOutcome.STABLE_COEXISTENCE])
    interior = C.equilibria(p)[3]
    assert (interior.x, interior.y) == (sp.Rational(4, 3), sp.Rational(2, 3))
    res = C.coherence_derived(p)
    assert sp.simplify(res.exact - (sp.Rational(4, 3) + sp.Rational(2, 3) * C.omega) / 2) == 0
    assert res.numeric(omega=0.0) == pytest.approx(2 / 3)


def test_bad_input_names_the_parameter() -> None:
    with pytest.raises(ParameterError, match="alpha"):
        C.CompetitionParams(alpha=-0.1, beta=1)
    with pytest.raises(ParameterError, match="K_y"):
        C.CompetitionParams(alpha=1, beta=1, K_y=0)
    with pytest.raises(ParameterError, match="gamma"):
        C.outcome({"alpha": 1, "beta": 1, "gamma": 2})
    with pytest.raises(ParameterError, match="alignment"):
        C.coherence(1.0, 1.0, 1.5)
    with pytest.raises(ParameterError, match="alpha"):
        C.outcome({"alpha": C.alpha, "beta": 1})
    with pytest.raises(ParameterError, match="x0"):
        C.trajectory({"alpha": 1, "beta": 1}, -1.0, 0.5, t_max=1.0)
