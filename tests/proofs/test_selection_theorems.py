"""The selection theorems check, and false variants built from their own steps fail."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from supercoherence.proofs import catalogue
from supercoherence.proofs.checkers import Identity, Implication, Limit
from supercoherence.proofs.theorem import Step
from supercoherence.theory import selection as SEL
from supercoherence.theory import symbols as S


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("selection-invasion", "checked"),
        ("moran-fixation", "holds, cites"),
        ("goodhart", "holds, cites"),
    ],
)
def test_selection_theorems_check(name, status):
    report = catalogue[name].check()
    assert report.status == status
    assert not report.examples  # nothing established by an instance only


def test_reversed_invasion_condition_fails():
    b, ell, kap, h0 = S.search_advantage, S.takeover_loss, S.retained_share, S.h0
    o = sp.Symbol("o", positive=True)
    wrong = Implication(
        [o <= 1, kap <= 1, b > ell * (1 - kap) * h0], S.g0 > S.g0 + b * o - ell * o * (1 - kap) * h0
    )
    assert wrong.run().status == "failed"
    assert wrong.run().detail.startswith("counterexample")


def test_a_wrong_moran_formula_fails_the_birth_death_recursion():
    r, N = S.fitness_ratio, S.population_size
    i = sp.Symbol("i", integer=True, nonnegative=True)

    def wrong(j):  # r instead of 1/r
        return (1 - r**j) / (1 - r**N)

    step = Identity(wrong(i + 1) + wrong(i - 1) / r - (1 + 1 / r) * wrong(i), 0)
    assert step.run().status == "failed"
    # the library's formula agrees with the birth-death sum for a concrete chain
    assert SEL.moran_fixation(sp.Rational(3, 2), 6, 2) == SEL.birth_death_fixation(
        [sp.Rational(2, 3)] * 5, 2
    )


def test_gumbel_does_not_go_to_one():
    s, d = sp.Symbol("s", real=True), sp.Symbol("delta", positive=True)
    tail = 1 - sp.exp(-sp.exp(-s))
    claim = Limit((1 - sp.exp(-sp.exp(-(s - d)))) / tail, s, sp.oo, sp.oo)
    assert claim.run().status == "failed"
    theorem = catalogue["goodhart"]
    # replacing the Gaussian step by the Gumbel one leaves the statement unproved
    steps = list(theorem.steps)
    steps[5] = Step(Limit(tail.subs(s, s - d) / tail, s, sp.oo, sp.exp(d)), "Gumbel again.")
    broken = dataclasses.replace(theorem, steps=tuple(steps))
    assert broken.check(strict=False).status == "failed"
