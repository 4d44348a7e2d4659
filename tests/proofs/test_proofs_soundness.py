"""The checker is sound: a theorem is "checked" only if its steps establish its statement.

Every item of issue 16, section 2, through the public API, and a gallery of false
theorems, each rejected with the failing step (or the unestablished statement) named.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys

import pytest
import sympy as sp

from supercoherence.errors import ProofError
from supercoherence.proofs import catalogue
from supercoherence.proofs.bibliography import BIBLIOGRAPHY
from supercoherence.proofs.checkers import (
    Cited,
    Identity,
    Implication,
    Induction,
    Integral,
    Limit,
    Product,
    Series,
    Sign,
)
from supercoherence.proofs.export import to_markdown
from supercoherence.proofs.formal import eq, implies
from supercoherence.proofs.theorem import Step, Theorem
from supercoherence.theory import contest
from supercoherence.theory import symbols as S

x = sp.Symbol("x", positive=True)
xr = sp.Symbol("x", real=True)
k = S.k
n = S.n


def _theorem(statement, *checks, hypotheses=(), name="false") -> Theorem:
    return Theorem(
        name=name,
        title="A false theorem",
        statement=statement,
        plain="",
        assumptions=(),
        objects=(),
        steps=tuple(Step(c, f"step {i}") for i, c in enumerate(checks, start=1)),
        hypotheses=tuple(hypotheses),
    )


# --------------------------------------------------------------------------- issue examples


def test_one_equals_two_with_a_true_step_fails():
    theorem = Theorem(
        name="one-is-two",
        title="1 = 2",
        statement="1 = 2",
        claim=sp.Eq(1, 2),
        plain="",
        assumptions=(),
        objects=(),
        steps=(Step(Identity(x / (1 + x) + 1 / (1 + x), 1), "True."),),
    )
    report = theorem.check(strict=False)
    assert report.status == "failed"
    assert any("false" in p for p in report.problems)


def test_text_statement_alone_cannot_be_checked():
    theorem = _theorem("1 = 2", Identity(x / (1 + x) + 1 / (1 + x), 1))
    report = theorem.check(strict=False)
    assert report.status == "failed" and "no formal statement" in report.problems[0]


def test_theorem_without_steps_fails():
    report = _theorem(sp.Eq(x, x + 0 * x + 1 - 1 + x - x), hypotheses=()).check(strict=False)
    assert report.status == "failed"
    report = _theorem(sp.Gt(x, 0, evaluate=False)).check(strict=False)
    assert report.status == "failed" and "no step is machine-checked" in report.problems


def test_instance_substitutions_are_examples_not_proofs():
    out = Identity(x, 2 * x, given=((x, 0),)).run()
    assert out.status == "example" and "example, not proof" in out.detail
    out = Sign(xr - 5, ">0", where=((xr, 6),)).run()
    assert out.status == "example"
    for statement, check in (
        (eq(x, 2 * x), Identity(x, 2 * x, given=((x, 0),))),
        (sp.Gt(xr - 5, 0, evaluate=False), Sign(xr - 5, ">0", where=((xr, 6),))),
    ):
        report = _theorem(statement, check).check(strict=False)
        assert report.status == "failed"
        assert [s.outcome.status for s in report.steps] == ["example"]


def test_reparametrising_a_theorem_variable_is_an_example():
    u = sp.Symbol("u", nonnegative=True)
    claim = Sign(S.r * sp.log(S.gamma), "<=0", where=((S.gamma, 1 / (1 + u)),))
    report = _theorem(sp.Le(S.r * sp.log(S.gamma), 0, evaluate=False), claim).check(strict=False)
    assert report.steps[0].outcome.status == "example" and report.status == "failed"


def test_z3_keys_variables_by_symbol_with_assumptions():
    x_pos, x_real = sp.Symbol("x", positive=True), sp.Symbol("x", real=True)
    out = Implication([x_pos <= 5], x_real > 0).run()
    assert out.status == "failed" and out.detail.startswith("counterexample")
    assert Implication([x_pos <= 5], x_pos > 0).run().status == "checked"


def test_z3_refuses_symbols_not_declared_real():
    z = sp.Symbol("z")
    out = Implication([], z**2 >= 0).run()
    assert out.status == "failed" and "not declared real" in out.detail


def test_floats_are_refused():
    out = Identity(sp.Float(1) + sp.Float(1e-40), 1).run()
    assert out.status == "failed" and "floating-point" in out.detail
    assert Implication([x > 0.5], x > 0).run().status == "failed"
    assert Sign(x + 0.1, ">0").run().status == "failed"


def test_reversed_dichotomy_with_the_catalogues_steps_fails():
    original = catalogue["dichotomy"]
    assert original.check().ok
    q = sp.Function("q", real=True)
    reversed_claim = sp.Equivalent(
        sp.Gt(sp.Product(1 - q(k), (k, 0, sp.oo)), 0, evaluate=False),
        sp.Eq(sp.Sum(q(k), (k, 0, sp.oo)), sp.oo, evaluate=False),
    )
    reversed_theorem = Theorem(
        name="dichotomy-reversed",
        title="reversed",
        statement=reversed_claim,
        plain="",
        assumptions=original.assumptions,
        objects=(),
        steps=original.steps,
        hypotheses=original.hypotheses,
    )
    report = reversed_theorem.check(strict=False)
    assert report.status == "failed" and "do not establish" in report.problems[0]


def test_premises_must_be_assumptions_or_earlier_conclusions():
    q, G = sp.Function("q", real=True), sp.Function("G", real=True)
    tail = sp.Product(1 - q(k), (k, 0, n - 1))
    step = Induction(n, G(n), tail, 1, G(n) * (1 - q(n)))
    assert step.run().status == "checked"  # the induction itself is right
    bare = _theorem(eq(G(n), tail), step)  # ... but nothing gives its recurrence
    report = bare.check(strict=False)
    assert report.failures[0].number == 1 and "premise" in report.failures[0].outcome.detail
    hyps = (eq(G(0), 1), eq(G(n + 1), G(n) * (1 - q(n))))
    assert _theorem(eq(G(n), tail), step, hypotheses=hyps).check().status == "checked"


def test_cited_steps_need_a_bibliography_entry_and_section():
    assert Cited("x", "nobody", "sec. 1").run().status == "failed"
    assert Cited("x", "knopp", "").run().status == "failed"
    for report in catalogue.check():
        for step in report.cited:
            assert step.step.claim.source in BIBLIOGRAPHY
            assert step.step.claim.section.strip()


def test_status_line_counts_cited_steps():
    report = catalogue["dichotomy"].check()
    status = "holds, cites" if shutil.which("coqc") else "not checked (coq unavailable)"
    assert report.status_line.startswith(f"dichotomy: {status} (")
    assert f"{len(report.cited)} cited" in report.status_line and len(report.cited) == 1


def test_export_shows_which_steps_are_cited():
    reports = catalogue.check(["dichotomy"])
    text = to_markdown([catalogue["dichotomy"]], reports)
    assert "*Cited (not machine-checked):* P. Billingsley" in text
    assert "cited steps: 3." in text  # step 4, Knopp's criterion, is checked by coq
    assert "**Formal statement**" in text


def test_unavailable_engine_is_not_checked():
    from supercoherence.proofs.checkers import Check, CheckOutcome

    class Unavailable(Check):
        engine = "coq"

        def run(self) -> CheckOutcome:
            return CheckOutcome("unavailable", "coq", "coq is not installed")

        @property
        def latex(self) -> str:
            return "x"

    theorem = _theorem(
        eq(contest.success(S.gamma, S.r) + contest.success(1 / S.gamma, S.r), 1),
        Identity(contest.success(S.gamma, S.r) + contest.success(1 / S.gamma, S.r), 1),
        Unavailable(),
    )
    assert theorem.check().status == "not checked (coq unavailable)"


# --------------------------------------------------------------------------- the gallery

u = sp.Symbol("u", positive=True)
y = sp.Symbol("y", nonnegative=True)
q_fun = sp.Function("q", real=True)
G_fun = sp.Function("G", real=True)

#: (name, statement, checks, hypotheses, failing step number or 0 for the statement)
GALLERY = [
    ("wrong-sign-symmetry", eq(x - 1 / x, 1), (Identity(x - 1 / x, 1),), (), 1),
    (
        "one-is-two",
        sp.Eq(1, 2),
        (Identity(x / (1 + x) + 1 / (1 + x), 1),),
        (),
        0,
    ),
    ("x-is-2x-by-instance", eq(x, 2 * x), (Identity(x, 2 * x, given=((x, 0),)),), (), 0),
    (
        "sign-by-instance",
        sp.Gt(xr - 5, 0, evaluate=False),
        (Sign(xr - 5, ">0", where=((xr, 6),)),),
        (),
        0,
    ),
    (
        "name-confusion",
        implies([x <= 5], xr > 0),
        (Implication([x <= 5], xr > 0),),
        (),
        1,
    ),
    ("float-residue", eq(sp.Float(1) + sp.Float(1e-40), 1), (Identity(sp.Integer(1), 1),), (), 0),
    (
        "float-step",
        eq(x + 1, x + 1),
        (Identity(sp.Float(1) + sp.Float(1e-40), 1),),
        (),
        1,
    ),
    ("wrong-limit", eq(sp.Limit(1 / x, x, sp.oo), 1), (Limit(1 / x, x, sp.oo, 1),), (), 1),
    (
        "harmonic-converges",
        eq(sp.Sum(1 / (k + 1), (k, 0, sp.oo)), 5),
        (Series(1 / (k + 1), k, 0, sp.Integer(5), criterion="made up"),),
        (),
        1,
    ),
    (
        "geometric-without-condition",
        eq(sp.Sum(y**k, (k, 0, sp.oo)), 1 / (1 - y)),
        (Series(y**k, k, 0, 1 / (1 - y), criterion="geometric"),),
        (),
        1,
    ),
    (
        "wrong-product",
        eq(sp.Product(1 - 1 / (k + 2) ** 2, (k, 0, sp.oo)), sp.Rational(1, 3)),
        (Product(1 - 1 / (k + 2) ** 2, k, 0, sp.Rational(1, 3), criterion="telescoping"),),
        (),
        1,
    ),
    (
        "power-integral-no-beta",
        eq(sp.Integral(1 / (1 + S.t) ** S.beta, (S.t, 0, sp.oo)), 1 / (S.beta - 1)),
        (Integral(1 / (1 + S.t) ** S.beta, S.t, 0, sp.oo, 1 / (S.beta - 1)),),
        (),
        1,
    ),
    (
        "vacuous-implication",
        implies([x > 2, x < 1], x > 100),
        (Implication([x > 2, x < 1], x > 100),),
        (),
        1,
    ),
    (
        "wrong-derivative-sign",
        sp.Lt(sp.diff(contest.success(S.gamma, S.r), S.gamma), 0, evaluate=False),
        (Sign(sp.diff(contest.success(S.gamma, S.r), S.gamma), "<0"),),
        (),
        1,
    ),
    (
        "true-step-beside-the-point",
        sp.Gt(xr, 0, evaluate=False),
        (Identity(x / (1 + x) + 1 / (1 + x), 1),),
        (),
        0,
    ),
    (
        "conclusion-needs-missing-hypothesis",
        sp.Lt(-x / u, 1, evaluate=False),
        (Implication([u > 1, x < 1], -x / u < 1),),
        (),
        0,
    ),
    (
        "cited-false-claim-unknown-source",
        eq(x, 2 * x),
        (Cited(eq(x, 2 * x), "nowhere", "sec. 1"), Identity(x, x + 0)),
        (),
        1,
    ),
    (
        "bad-induction-step",
        eq(G_fun(n), sp.Product(q_fun(k), (k, 0, n - 1))),
        (
            Induction(
                n, G_fun(n), sp.Product(q_fun(k), (k, 0, n - 1)), 1, G_fun(n) * (1 - q_fun(n))
            ),
        ),
        (eq(G_fun(0), 1), eq(G_fun(n + 1), G_fun(n) * (1 - q_fun(n)))),
        1,
    ),
    (
        "bad-induction-base",
        eq(G_fun(n), 2 * sp.Product(1 - q_fun(k), (k, 0, n - 1))),
        (
            Induction(
                n,
                G_fun(n),
                2 * sp.Product(1 - q_fun(k), (k, 0, n - 1)),
                1,
                G_fun(n) * (1 - q_fun(n)),
            ),
        ),
        (eq(G_fun(0), 1), eq(G_fun(n + 1), G_fun(n) * (1 - q_fun(n)))),
        1,
    ),
    (
        "induction-without-recurrence",
        eq(G_fun(n), sp.Product(1 - q_fun(k), (k, 0, n - 1))),
        (
            Induction(
                n, G_fun(n), sp.Product(1 - q_fun(k), (k, 0, n - 1)), 1, G_fun(n) * (1 - q_fun(n))
            ),
        ),
        (eq(G_fun(0), 1),),
        1,
    ),
    (
        "weaker-step-than-statement",
        sp.Gt(x**2 + 1, 2 * x, evaluate=False),
        (Implication([], x**2 + 1 >= 2 * x),),
        (),
        0,
    ),
    (
        "strict-from-nonstrict-reversed",
        sp.Gt(x, 1, evaluate=False),
        (Implication([], x >= 1),),
        (),
        1,
    ),
    (
        "wrong-embedded-bound",
        implies(
            [S.a <= 1, S.d <= 1, x <= 1],
            (1 - S.a) * (1 - S.d) * x / (1 + x) >= (1 - S.a) * (1 - S.d) / 2,
        ),
        (
            Implication(
                [S.a <= 1, S.d <= 1, x <= 1],
                (1 - S.a) * (1 - S.d) * x / (1 + x) >= (1 - S.a) * (1 - S.d) / 2,
            ),
        ),
        (),
        1,
    ),
]


def test_the_gallery_is_large_enough():
    assert len(GALLERY) >= 20
    assert len({entry[0] for entry in GALLERY}) == len(GALLERY)


@pytest.mark.parametrize(
    ("name", "statement", "checks", "hypotheses", "failing"), GALLERY, ids=[g[0] for g in GALLERY]
)
def test_false_theorem_is_rejected_naming_the_failure(name, statement, checks, hypotheses, failing):
    theorem = _theorem(statement, *checks, hypotheses=hypotheses, name=name)
    report = theorem.check(strict=False)
    assert report.status == "failed"
    with pytest.raises(ProofError) as info:
        theorem.check()
    message = str(info.value)
    assert name in message
    if failing:
        assert failing in [s.number for s in report.failures]
        assert f"step {failing}" in message
    else:
        assert report.problems and "statement:" in message


# --------------------------------------------------------------------------- the catalogue


def test_capability_escalation_states_the_true_theorem():
    theorem = catalogue["capability-escalation"]
    report = theorem.check()
    assert report.ok
    # q_n -> 1 under escalation with weakening entrenchment: step 3 is in the statement.
    assert 3 in report.established_by
    limits = [s.step.claim for s in report.steps if isinstance(s.step.claim, Limit)]
    assert any(c.expected == 1 and c.expr.has(S.delta) and c.expr.has(n + 1) for c in limits)
    assert "without escalation" in theorem.plain


def test_dichotomy_is_proved_by_induction_for_general_q():
    report = catalogue["dichotomy"].check()
    first = report.steps[0]
    assert isinstance(first.step.claim, Induction) and first.outcome.status == "checked"
    assert first.premise_sources == ("hypothesis",)
    assert 1 in report.established_by


def test_drift_alignment_has_checked_symmetry_steps_and_real_citations():
    report = catalogue["drift-alignment"].check()
    engines = [s.outcome.engine for s in report.steps]
    assert engines.count("z3") == 2 and "sympy" in engines
    assert {s.step.claim.source for s in report.cited} == {"muirhead", "williams"}


def test_competition_outcomes_has_a_checked_dulac_function_and_a_citation():
    report = catalogue["competition-outcomes"].check()
    assert {s.step.claim.source for s in report.cited} == {"perko", "hirsch"}
    assert any(
        "Dulac" in s.step.justification and s.outcome.status == "checked" for s in report.steps
    )


def test_critical_moments_cites_continuity_of_probability():
    report = catalogue["critical-moments"].check()
    assert "billingsley" in {s.step.claim.source for s in report.cited}


def test_every_catalogue_theorem_has_a_formal_statement_it_establishes():
    for report, theorem in zip(catalogue.check(), catalogue.values(), strict=True):
        assert theorem.claim is not None, theorem.name
        assert report.ok, report.failure_message()
        assert report.established_by, theorem.name
        assert not report.examples, theorem.name


def test_catalogue_is_lazy_and_does_not_shadow_a_submodule():
    code = (
        "import sys, supercoherence.proofs as p\n"
        "assert 'supercoherence.proofs.contest_theorems' not in sys.modules\n"
        "import importlib\n"
        "registry = importlib.import_module('supercoherence.proofs.registry')\n"
        "assert not hasattr(registry, 'theorems')\n"
        "from supercoherence.proofs import catalogue\n"
        "print(type(catalogue).__name__, len(catalogue))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split()[0] == "Catalogue"
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("supercoherence.proofs.catalogue")


def test_bibliography_document_lists_every_entry():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "BIBLIOGRAPHY.md").read_text()
    assert all(f"`{key}`: {ref.text()}" in text for key, ref in BIBLIOGRAPHY.items())
