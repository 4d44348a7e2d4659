"""The report's "The answer" section: the selection and training studies answer their
question in sentences with numbers (simulations/presentation/report.py hook)."""

from __future__ import annotations

from supercoherence.simulations import run_study
from supercoherence.simulations.presentation.report import _answer_section
from supercoherence.simulations.study import parse_study


def _study(engine: str, parameters: dict, outputs: dict, **extra) -> dict:
    head = {"name": f"tiny-{engine}", "engine": engine, "replicates": 300, "seed": 3}
    return {"study": head | extra, "parameters": parameters, "outputs": outputs}


def test_selection_study_answers_with_the_critical_advantage(tmp_path):
    study = parse_study(
        _study(
            "selection",
            {"search_advantage": {"values": [0.0, 0.5]}},
            {"estimands": ["fixation"]},
        )
        | {"engine": {"population_size": 10}}
    )
    results = run_study(study, tmp_path / "sel", workers=1)
    (section,) = _answer_section(study, results)
    assert section.startswith("## The answer")
    assert "b* = 0.125." in section
    assert "In a population of 10 systems" in section and "simulated" in section


def test_training_study_answers_with_the_speed_boundary(tmp_path):
    study = parse_study(
        _study(
            "chain",
            {"search_strength": {"values": [1, 64]}, "speed_penalty": {"values": [0.0, 2.0]}},
            {"estimands": ["law_of_n"], "counts": [0]},
            horizon=float("inf"),
        )
    )
    results = run_study(study, tmp_path / "train", workers=1)
    (section,) = _answer_section(study, results)
    assert "theta_s* = (Delta + Delta_G)/Delta_T = 1.5" in section
    assert "From N = 1 to N = 64" in section and "simulated" in section
    # a study without a regime has no answer section
    plain = parse_study(_study("chain", {"spawn_rate": 1.0}, {"estimands": ["law_of_n"]}))
    plain_results = run_study(plain, tmp_path / "plain", workers=1)
    assert _answer_section(plain, plain_results) == []
