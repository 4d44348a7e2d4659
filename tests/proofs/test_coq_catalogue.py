"""The catalogue's steps proved in Coq: wired in, checked by coq, never checked without it.

A step of ``DISCHARGES`` is a :class:`~supercoherence.proofs.coq_checker.CoqProof`
carrying the formal conclusion and premises of the ``Cited`` step it replaced, so the
theorem's statement check still passes; without ``coqc`` on ``PATH`` the step is
``not checked (coq unavailable)`` and so is its theorem.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sympy as sp

from supercoherence.cli import main
from supercoherence.proofs import Theorem, catalogue
from supercoherence.proofs.coq_checker import (
    CONFIRMS,
    DISCHARGES,
    NOT_CHECKED,
    CoqProof,
    coq_step,
    coq_steps,
    coqc_runs,
    warm,
)
from supercoherence.proofs.export import coq_source, to_latex, to_markdown
from supercoherence.theory import symbols as S

requires_coq = pytest.mark.skipif(shutil.which("coqc") is None, reason="coqc is not installed")

#: (theorem, step) -> the .v file that proves it.
WIRED = {
    ("dichotomy", 4): "dichotomy.v",
    ("critical-moments", 3): "dichotomy.v",
    ("gamblers-ruin", 7): "gamblers_ruin.v",
    ("gamblers-ruin-duration", 6): "gamblers_ruin.v",
    ("branching-criticality", 9): "extinction_root.v",
}
THEOREMS = sorted({name for name, _ in WIRED})


def _coq_steps_in_catalogue() -> dict[tuple[str, int], CoqProof]:
    return {
        (name, number): step.claim
        for name, theorem in catalogue.items()
        for number, step in enumerate(theorem.steps, start=1)
        if isinstance(step.claim, CoqProof)
    }


@pytest.fixture
def no_coqc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``PATH`` without ``coqc`` (and an empty verdict cache: nothing may be reused)."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("SUPERCOHERENCE_COQ_CACHE", str(tmp_path / "coq-cache"))


def test_the_discharged_steps_are_exactly_the_coq_steps_of_the_catalogue() -> None:
    found = _coq_steps_in_catalogue()
    assert set(found) == set(DISCHARGES) == set(WIRED)
    for key, claim in found.items():
        assert claim.path.name == WIRED[key]
        assert claim.path == coq_step(DISCHARGES[key]).path
        assert claim.theorems == coq_step(DISCHARGES[key]).theorems
        assert coq_source(claim) == (f"proofs/coq/{WIRED[key]}", claim.theorems)


def test_confirmations_are_left_to_sympy() -> None:
    for (name, number), key in CONFIRMS.items():
        claim = catalogue[name].steps[number - 1].claim
        assert claim.engine == "sympy", (name, number)
        assert key in coq_steps()


def test_criterion_steps_keep_the_cited_conclusion_and_state_their_premises() -> None:
    q, p = sp.Function("q", real=True), sp.Function("p", real=True)
    j = sp.Symbol("j", integer=True, positive=True)
    expected = {
        ("dichotomy", 4): sp.Equivalent(
            sp.Gt(sp.Product(1 - q(S.k), (S.k, 0, sp.oo)), 0, evaluate=False),
            sp.Lt(sp.Sum(q(S.k), (S.k, 0, sp.oo)), sp.oo, evaluate=False),
        ),
        ("critical-moments", 3): sp.Equivalent(
            sp.Gt(sp.Product(1 - p(j), (j, 1, sp.oo)), 0, evaluate=False),
            sp.Lt(sp.Sum(p(j), (j, 1, sp.oo)), sp.oo, evaluate=False),
        ),
    }
    for (name, number), conclusion in expected.items():
        claim = catalogue[name].steps[number - 1].claim
        assert claim.conclusion == conclusion, name
        # The Coq theorem's hypotheses 0 <= q_k < 1 are premises the theorem supplies.
        assert len(claim.premises) == 2
        assert set(claim.premises) <= set(catalogue[name].hypotheses)


def test_the_statement_needs_the_coq_step() -> None:
    """Without the Coq step (or without the cited half of the split) nothing is proved."""
    for name, number in WIRED:
        theorem = catalogue[name]
        if theorem.steps[number - 1].claim.conclusion is None:
            continue  # branching: the IVT step concludes nothing formal
        steps = tuple(s for i, s in enumerate(theorem.steps, 1) if i != number)
        fields = {f: getattr(theorem, f) for f in theorem.__dataclass_fields__}
        fields.update(steps=steps, establishes=())
        report = Theorem(**fields).check(strict=False)
        assert report.status == "failed", name
        assert any("do not establish" in p for p in report.problems), name


def test_gamblers_ruin_splits_solves_from_uniqueness() -> None:
    for name, cited_number in (("gamblers-ruin", 6), ("gamblers-ruin-duration", 5)):
        theorem = catalogue[name]
        cited, coq = theorem.steps[cited_number - 1].claim, theorem.steps[cited_number].claim
        assert cited.kind == "cited" and cited.source == "feller"
        assert (
            "XIV" in cited.section and "first-step" in cited.section or "finite" in (cited.section)
        )
        assert coq.kind == "coq" and "at most one solution" in coq.latex
        fields = {f: getattr(theorem, f) for f in theorem.__dataclass_fields__}
        fields["steps"] = tuple(s for i, s in enumerate(theorem.steps, 1) if i != cited_number)
        report = Theorem(**fields).check(strict=False)
        assert report.status == "failed", "uniqueness alone must not give the closed form"


@requires_coq
@pytest.mark.parametrize("name", THEOREMS)
def test_wired_steps_are_checked_by_coq(name: str) -> None:
    report = catalogue[name].check()
    assert report.ok and report.status == "holds, cites"
    for number in (n for t, n in WIRED if t == name):
        outcome = report.steps[number - 1].outcome
        assert (outcome.status, outcome.engine) == ("checked", "coq"), outcome.detail
        assert f"compiled {WIRED[name, number]}" in outcome.detail
    assert report.counts()["coq"] == sum(t == name for t, _ in WIRED)


@pytest.mark.parametrize("name", THEOREMS)
def test_without_coqc_the_theorem_is_never_checked(no_coqc: None, name: str) -> None:
    report = catalogue[name].check()  # strict: not checked is not a failure
    assert report.ok
    assert report.status == NOT_CHECKED
    for number in (n for t, n in WIRED if t == name):
        outcome = report.steps[number - 1].outcome
        assert outcome.status == "unavailable" and outcome.engine == "coq"
        assert outcome.detail.startswith(NOT_CHECKED)
    assert "coq" not in report.counts() and report.counts()["unavailable"] >= 1


def test_without_coqc_theorems_without_coq_steps_are_unaffected(no_coqc: None) -> None:
    assert catalogue["entrenchment"].check().status == "checked"
    assert catalogue["thinning"].check().status == "holds, cites"


def test_without_coqc_cli_and_export_say_not_checked(
    no_coqc: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["proofs", "check", "dichotomy", "entrenchment"]) == 0
    out = capsys.readouterr().out
    assert "not checked (coq" in out and "1 not checked" in out
    reports = catalogue.check(["dichotomy"])
    text = to_markdown([catalogue["dichotomy"]], reports)
    assert "*Not checked (coq unavailable):*" in text
    assert "[`proofs/coq/dichotomy.v`](proofs/coq/dichotomy.v)" in text


@requires_coq
def test_cli_status_line_names_the_coq_engine(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["proofs", "check", "dichotomy", "gamblers-ruin"]) == 0
    out = capsys.readouterr().out
    assert "coq 1" in out
    assert "machine-checked (coq 2, sympy 13)" in out


@requires_coq
def test_export_names_the_coq_file_of_each_coq_step() -> None:
    theorems = [catalogue[name] for name in THEOREMS]
    reports = catalogue.check(THEOREMS)
    text = to_markdown(theorems, reports)
    for filename in set(WIRED.values()):
        assert f"[`proofs/coq/{filename}`](proofs/coq/{filename})" in text
    assert text.count("*Checked by coq:*") == len(WIRED)
    assert text.count("*Coq proof:*") == len(WIRED)
    tex = to_latex(theorems, reports)
    assert tex.count(r"\emph{Coq proof:}") == len(WIRED)
    assert r"\path{proofs/coq/gamblers_ruin.v}" in tex


@requires_coq
def test_warm_compiles_each_file_once_and_then_checks_are_free(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPERCOHERENCE_COQ_CACHE", str(tmp_path / "cache"))
    claims = [s.claim for name in THEOREMS for s in catalogue[name].steps]
    before = coqc_runs()
    assert warm(claims) == 3  # dichotomy.v, gamblers_ruin.v, extinction_root.v
    assert coqc_runs() == before + 3
    for report in catalogue.check(THEOREMS):
        assert report.ok
    assert coqc_runs() == before + 3, "a warm cache ran coqc again"
