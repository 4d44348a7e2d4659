"""The checker cannot pass everything: deliberately false statements are rejected."""

from __future__ import annotations

import pytest
import sympy as sp

from supercoherence.errors import ProofError
from supercoherence.proofs.checkers import (
    Cited,
    Identity,
    Implication,
    Integral,
    Limit,
    Product,
    Series,
    Sign,
    to_z3,
)
from supercoherence.proofs.theorem import MonteCarloCheck, Step, Theorem, mean_of
from supercoherence.theory import contest, hazard, recursion
from supercoherence.theory import symbols as S

m = sp.Symbol("m", positive=True)
w = sp.Symbol("w", real=True)
x = sp.Symbol("x", positive=True)


def _failed(check) -> str:
    outcome = check.run()
    assert outcome.status == "failed", outcome
    return outcome.detail


# --------------------------------------------------------------------------- wrong sign


def test_wrong_sign_in_the_symmetry_identity_is_rejected_with_a_residue():
    s = contest.success(S.gamma, S.r)
    detail = _failed(Identity(s - contest.success(1 / S.gamma, S.r), 1))
    assert detail.startswith("residue")
    assert "at gamma =" in detail  # a numeric witness of the non-zero residue


def test_reversed_embedded_agency_bound_gets_a_counterexample():
    bound = (1 - S.a) * (1 - S.d) / 2
    claim = (1 - S.a) * (1 - S.d) * x / (1 + x) >= bound
    detail = _failed(Implication([S.a <= 1, S.d <= 1, x <= 1], claim))
    assert detail.startswith("counterexample:")


def test_wrong_sign_of_the_contest_derivative_is_rejected():
    derivative = sp.diff(contest.success(S.gamma, S.r), S.gamma)
    assert _failed(Sign(derivative, "<0"))


def test_wrong_limit_direction_is_rejected():
    detail = _failed(Limit(contest.success(1 + x, S.r), S.r, sp.oo, 0))
    assert "gives 1" in detail


# --------------------------------------------------------------------------- missing assumption


def test_lambert_root_below_one_needs_m_greater_than_one():
    claim = sp.And(-w / m > 0, -w / m < 1)
    assert Implication([w > -1, w < 0, m > 1], claim).run().status == "checked"
    detail = _failed(Implication([w > -1, w < 0], claim))
    assert "counterexample" in detail and "m = " in detail


def test_power_decay_integral_needs_beta_greater_than_one():
    h = hazard.PowerHazard(S.h0, S.beta).expr
    good = Integral(h, S.t, 0, sp.oo, S.h0 / (S.beta - 1), hypotheses=(S.beta > 1,))
    assert good.run().status == "checked"
    assert _failed(Integral(h, S.t, 0, sp.oo, S.h0 / (S.beta - 1)))


def test_tangent_bound_for_extinction_needs_m_at_most_one():
    s = S.s
    assert _failed(Implication([s < 1], 1 + m * (s - 1) >= s))


def test_geometric_series_needs_its_convergence_condition():
    y = sp.Symbol("y", nonnegative=True)
    assert _failed(Series(y**S.k, S.k, 0, 1 / (1 - y), criterion="geometric"))


def test_sign_without_the_range_reparametrisation_is_undecided_hence_rejected():
    detail = _failed(Sign(S.r * sp.log(S.gamma), "<=0"))
    assert "gamma" in detail


# --------------------------------------------------------------------------- wrong constant


def test_wrong_value_of_the_dichotomy_example_is_rejected():
    factor = 1 - 1 / (S.k + 2) ** 2
    detail = _failed(Product(factor, S.k, 0, sp.Rational(1, 3), criterion="telescoping"))
    assert "tends to 1/2" in detail
    assert _failed(
        Identity(recursion.recurrence_probability("1/(n+2)**2").exact, sp.Rational(1, 3))
    )


def test_wrong_mean_of_the_geometric_law_is_rejected():
    pmf = recursion.stationary_law().pmf.exact
    claim = Series(
        S.k * pmf, S.k, 0, 1 / S.q, criterion="geometric", hypotheses=(S.q > 0, S.q <= 1)
    )
    assert "not 1/q" in _failed(claim)


def test_wrong_entrenchment_constant_is_rejected():
    family = hazard.EntrenchmentHazard(S.h0, S.delta)
    assert _failed(Integral(family.expr, S.t, 0, sp.oo, S.h0 / (2 * S.delta)))


def test_convergence_claim_contradicting_sympy_is_rejected():
    detail = _failed(Series(1 / (S.k + 1), S.k, 0, sp.Integer(5), criterion="made up"))
    assert "not 5" in detail


# --------------------------------------------------------------------------- loud failure


def _false_theorem() -> Theorem:
    return Theorem(
        name="false-symmetry",
        title="A false symmetry",
        statement=r"s(\gamma) - s(1/\gamma) = 1",
        plain="Wrong sign.",
        assumptions=(r"\gamma > 0",),
        objects=("supercoherence.theory.contest.success",),
        steps=(
            Step(Cited("anything", "knopp", "sec. 28"), "A citation does not rescue a false step."),
            Step(
                Identity(contest.success(S.gamma, S.r) - contest.success(1 / S.gamma, S.r), 1),
                "Wrong sign.",
            ),
        ),
        family="contest",
    )


def test_a_false_theorem_fails_loudly_naming_the_step_and_residue():
    theorem = _false_theorem()
    with pytest.raises(ProofError) as info:
        theorem.check()
    message = str(info.value)
    assert "false-symmetry" in message and "step 2" in message and "residue" in message
    report = theorem.check(strict=False)
    assert report.status == "failed" and [s.number for s in report.failures] == [2]


def test_vacuous_hypotheses_are_refused():
    detail = _failed(Implication([m > 2, m < 1], m > 100))
    assert "contradictory" in detail


def test_z3_refuses_non_arithmetic_claims():
    with pytest.raises(ProofError, match="real arithmetic"):
        to_z3(sp.exp(w) > 1, {})
    assert "undecided" in _failed(Implication([w > 0], sp.exp(w) > 1))


def test_infinite_series_and_products_must_name_their_criterion():
    assert "criterion" in _failed(Series(1 / (S.k + 1) ** 2, S.k, 0, sp.pi**2 / 6))
    assert "criterion" in _failed(Product(1 - 1 / (S.k + 2) ** 2, S.k, 0, sp.Rational(1, 2)))


def test_a_wrong_closed_form_is_caught_by_the_simulation():
    check = MonteCarloCheck(
        "E[N] with a wrong constant",
        0.25,
        mean_of("n_takeovers"),
        1 / 0.25,
        replicates=4000,
        max_takeovers=500,
    )
    outcome = check.run()
    assert outcome.status == "disagrees" and abs(outcome.z) > 4
