"""The Coq developments compile, and the ``coq`` engine can fail, caches and degrades.

The tests that run ``coqc`` are skipped where it is not installed; CI installs it with
``apt-get install -y coq libcoq-coquelicot libcoq-interval``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from supercoherence.proofs import coq_checker
from supercoherence.proofs.coq_checker import (
    COQ_DIR,
    UNAVAILABLE,
    CoqProof,
    coq_steps,
    coqc_runs,
)

requires_coq = pytest.mark.skipif(
    shutil.which("coqc") is None,
    reason="coqc is not installed (apt-get install -y coq libcoq-coquelicot libcoq-interval)",
)

#: Per development: a replacement in its main statement that makes it false.  The proof
#: script is unchanged, so coqc must reject the file.
FALSE_VARIANTS = {
    "dichotomy.v": (
        "(exists l, 0 < l /\\ Un_cv (pprod q) l) <-> (exists s, Un_cv (psum q) s).",
        "(exists l, 0 < l /\\ Un_cv (pprod q) l) <-> ~ (exists s, Un_cv (psum q) s).",
    ),
    "survival_law.v": (
        "expect q m 0 (indicator (reached n)) = pprod q n.",
        "expect q m 0 (indicator (reached n)) = pprod q (S n).",
    ),
    "extinction_root.v": (
        "exists s, 0 < s < s1 /\\ exp (m * (s - 1)) = s.",
        "exists s, 0 < s < s1 /\\ exp (m * (s - 1)) = 2 * s.",
    ),
    "hazard_integrals.v": (
        "(Rbar_locally p_infty) (h0 / delta).",
        "(Rbar_locally p_infty) (h0 * delta).",
    ),
    "gamblers_ruin.v": (
        "(p = / 2 -> P i = 1 - INR i / INR N)",
        "(p = / 2 -> P i = INR i / INR N)",
    ),
}


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets an empty verdict cache of its own."""
    cache = tmp_path / "coq-cache"
    monkeypatch.setenv("SUPERCOHERENCE_COQ_CACHE", str(cache))
    return cache


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_development_is_a_step_and_vice_versa() -> None:
    files = {p.name for p in COQ_DIR.glob("*.v")}
    linked = {step.path.name for step in coq_steps().values()}
    assert files == linked
    assert set(FALSE_VARIANTS) == files


def test_discharged_steps_exist_in_the_catalogue() -> None:
    from supercoherence.proofs import catalogue

    for (theorem, number), key in coq_checker.DISCHARGES.items():
        assert key in coq_steps()
        assert 1 <= number <= len(catalogue[theorem].steps), (theorem, number)


def test_every_development_states_its_catalogue_theorem() -> None:
    for path in COQ_DIR.glob("*.v"):
        head = path.read_text(encoding="utf-8")[:3000]
        assert "Catalogue theorem" in head and "Formulation." in head, path.name


@requires_coq
@pytest.mark.parametrize("name", sorted(coq_steps()))
def test_development_is_checked_by_coq(name: str) -> None:
    outcome = coq_steps()[name].run()
    assert (outcome.status, outcome.engine) == ("checked", "coq"), outcome.detail
    assert "only the axioms of Coq's reals" in outcome.detail
    for axiom in coq_steps()[name].extra_axioms:
        assert f"also {axiom}" in outcome.detail


@requires_coq
def test_extra_axioms_must_be_declared() -> None:
    step = coq_steps()["entrenchment"]
    assert step.extra_axioms == ("Classical_Prop.classic",)
    strict = CoqProof(step.statement, step.source, step.theorems)
    outcome = strict.run()
    assert outcome.status == "failed"
    assert "beyond Coq's reals: Classical_Prop.classic" in outcome.detail


@requires_coq
@pytest.mark.parametrize("filename", sorted(FALSE_VARIANTS))
def test_false_variant_fails(tmp_path: Path, filename: str) -> None:
    old, new = FALSE_VARIANTS[filename]
    text = (COQ_DIR / filename).read_text(encoding="utf-8")
    assert text.count(old) == 1, "the false variant no longer matches the development"
    path = _write(tmp_path, filename, text.replace(old, new))
    step = next(s for s in coq_steps().values() if s.path.name == filename)
    outcome = CoqProof(step.statement, str(path), step.theorems).run()
    assert outcome.status == "failed", outcome.detail
    assert outcome.detail.startswith("coqc rejects")


@pytest.mark.parametrize(
    ("body", "word"),
    [
        ("Theorem t : 1 = 2. Proof. Admitted.", "Admitted"),
        ("Theorem t : 1 = 2. Proof. admit. Qed.", "admit"),
        ("Axiom t : 1 = 2.", "Axiom"),
        ("Parameter t : 1 = 2.", "Parameter"),
    ],
)
def test_unproved_assumptions_fail_without_running_coqc(
    tmp_path: Path, body: str, word: str
) -> None:
    path = _write(tmp_path, "cheat.v", f"(* a comment may say Admitted *)\n{body}\n")
    before = coqc_runs()
    outcome = CoqProof("1 = 2", str(path), ("t",)).run()
    assert outcome.status == "failed"
    assert word in outcome.detail
    assert coqc_runs() == before


@requires_coq
def test_axiom_beyond_the_reals_fails(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "classical.v",
        "Require Import Classical.\n"
        "Theorem t : forall P : Prop, P \\/ ~ P.\nProof. exact classic. Qed.\n",
    )
    outcome = CoqProof("P \\lor \\lnot P", str(path), ("t",)).run()
    assert outcome.status == "failed"
    assert "Classical_Prop.classic" in outcome.detail


@requires_coq
def test_unknown_theorem_name_fails(tmp_path: Path) -> None:
    path = _write(tmp_path, "small.v", "Theorem t : 1 = 1. Proof. reflexivity. Qed.\n")
    assert CoqProof("1 = 1", str(path), ("t",)).run().status == "checked"
    outcome = CoqProof("1 = 1", str(path), ("no_such_theorem",)).run()
    assert outcome.status == "failed"
    assert "Print Assumptions failed" in outcome.detail


@requires_coq
def test_cache_makes_the_second_check_free(tmp_path: Path, _private_cache: Path) -> None:
    path = _write(tmp_path, "small.v", "Theorem t : 2 + 2 = 4. Proof. reflexivity. Qed.\n")
    step = CoqProof("2 + 2 = 4", str(path), ("t",))
    before = coqc_runs()
    first = step.run()
    assert first.status == "checked", first.detail
    assert coqc_runs() == before + 1
    assert len(list(_private_cache.glob("*.json"))) == 1
    second = step.run()
    assert (second.status, second.engine) == ("checked", "coq")
    assert "cached verdict" in second.detail
    assert coqc_runs() == before + 1, "the second check ran coqc again"
    # A change of content is a new key: coqc runs again, and a false claim fails.
    path.write_text("Theorem t : 2 + 2 = 5. Proof. reflexivity. Qed.\n", encoding="utf-8")
    third = step.run()
    assert third.status == "failed"
    assert coqc_runs() == before + 2


def test_without_coqc_the_step_is_not_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    for step in coq_steps().values():
        outcome = step.run()
        assert outcome.status == UNAVAILABLE == "unavailable"
        assert outcome.status != "checked" and outcome.ok
        assert outcome.engine == "coq"
        assert outcome.detail.startswith("not checked (coq unavailable)")
        assert "coqc not found" in outcome.detail


def test_missing_source_fails(tmp_path: Path) -> None:
    outcome = CoqProof("x", str(tmp_path / "absent.v"), ("t",)).run()
    assert outcome.status == "failed"


def test_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SUPERCOHERENCE_COQ_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert coq_checker.cache_dir() == tmp_path / "supercoherence" / "coq"
