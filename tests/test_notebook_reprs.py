"""Notebook display (issue 18): results show themselves as Markdown / HTML / LaTeX."""

from __future__ import annotations

import math

import supercoherence.models
import supercoherence.theory
from supercoherence.proofs import catalogue
from supercoherence.simulations import parse_study, run_study
from supercoherence.theory.recursion import classify


def test_classification_displays_its_value_and_conditions() -> None:
    decided = classify("1/(n+2)**2")
    assert r"\frac{1}{2}" in decided._repr_markdown_()
    assert decided._repr_latex_().startswith(r"$\prod_n (1 - q_n) = \frac{1}{2}$")
    symbolic = classify("1/(n+2)**kappa")._repr_markdown_()
    assert "iff $" in symbolic and r"\kappa > 1" in symbolic


def test_theorem_and_report_display() -> None:
    theorem = catalogue["contest-tie"]
    assert theorem._repr_latex_() == f"${theorem.statement}$"
    assert theorem.title in theorem._repr_markdown_()
    report = theorem.check()
    text = report._repr_markdown_()
    assert text.startswith(f"**contest-tie**: {report.status}")
    assert text.count("- step ") == len(report.steps)


def test_study_results_display_their_estimates(tmp_path) -> None:
    study = parse_study(
        {
            "study": {
                "name": "show",
                "engine": "chain",
                "replicates": 400,
                "chunk": 200,
                "horizon": math.inf,
                "seed": 3,
            },
            "parameters": {"spawn_rate": {"values": [0.5, 2.0]}, "entrenchment_rate": 0.5},
            "outputs": {"estimands": ["supercoherence_by_horizon"]},
        }
    )
    results = run_study(study, tmp_path / "out", workers=1)
    html = results._repr_html_()
    assert "<table" in html and "estimate" in html and "2 points" in html
    assert "supercoherence_by_horizon" in results._repr_markdown_()


def test_layers_list_their_modules() -> None:
    assert {"recursion", "scenario", "hazard"} <= set(dir(supercoherence.theory))
    assert supercoherence.theory.recursion.classify is classify
    assert {"engine", "nested"} <= set(dir(supercoherence.models))
