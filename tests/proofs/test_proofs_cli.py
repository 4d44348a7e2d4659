"""``supercoherence proofs`` from the command line."""

from __future__ import annotations

import sympy as sp

from supercoherence.cli import main
from supercoherence.proofs import catalogue
from supercoherence.proofs.checkers import Identity
from supercoherence.proofs.theorem import Step, Theorem


def test_check_named_theorems_exits_zero(capsys):
    assert main(["proofs", "check", "contest-tie", "dichotomy"]) == 0
    out = capsys.readouterr().out
    assert "contest-tie" in out and "dichotomy" in out and "cited" in out


def test_check_fails_with_exit_one_on_a_false_theorem(monkeypatch, capsys):
    x = sp.Symbol("x", positive=True)
    false = Theorem(
        name="false",
        title="False",
        statement="x = 1",
        plain="False.",
        assumptions=("x > 0",),
        objects=(),
        steps=(Step(Identity(x, 1), "Wrong."),),
        family="contest",
    )
    monkeypatch.setitem(catalogue._by_name, "false", false)
    assert main(["proofs", "check", "false"]) == 1
    out = capsys.readouterr().out
    assert "failed" in out and "residue x - 1" in out


def test_unknown_theorem_is_a_one_line_error(capsys):
    assert main(["proofs", "show", "dichotomie"]) == 2
    assert "did you mean 'dichotomy'" in capsys.readouterr().err


def test_show_prints_the_proof(capsys):
    assert main(["proofs", "show", "embedded-agency-bound"]) == 0
    out = capsys.readouterr().out
    assert "Proof" in out and "z3" in out


def test_export_markdown_and_latex_to_files(tmp_path):
    md, tex = tmp_path / "proofs.md", tmp_path / "proofs.tex"
    assert main(["proofs", "export", "--format", "md", "--out", str(md), "contest-tie"]) == 0
    assert md.read_text().startswith("# Machine-checked theorems")
    assert main(["proofs", "export", "--format", "tex", "--out", str(tex), "dichotomy"]) == 0
    assert r"\begin{proof}" in tex.read_text()


def test_export_rejects_an_unknown_format(capsys):
    assert main(["proofs", "export", "--format", "docx"]) == 2
    assert "format" in capsys.readouterr().err


def test_list_names_every_theorem(capsys):
    assert main(["proofs", "list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in ("dichotomy", "gamblers-ruin", "branching-lambert"))
