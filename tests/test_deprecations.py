"""Issue 9's renames: every old name still works, warns, and names the new one.

``survival`` now means :math:`e^{-\\Lambda(t)}` only; the law :math:`P(N \\ge n)` is a
``tail_law``; :math:`q_n` is ``never_overthrown``; the hazard parameters are
``entrenchment_rate`` and ``power_exponent``; the three ``Outcome`` classes have distinct
names.  Study files and stored result folders with the old names keep working.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from supercoherence.deprecation import SupercoherenceDeprecationWarning
from supercoherence.errors import ParameterError, StudyFileError
from supercoherence.simulations.store import file_sha256, upgrade_names
from supercoherence.simulations.study import load_study, parse_study
from supercoherence.theory import recursion
from supercoherence.theory.scenario import TakeoverScenario


def _warns(new: str):
    """Expect exactly the project's deprecation warning, naming ``new``."""
    return pytest.warns(SupercoherenceDeprecationWarning, match=f"use {new}")


def test_recursion_aliases_warn_and_agree():
    with _warns("tail_law"):
        old = recursion.survival_law("1/(n+2)**2").exact
    assert old == recursion.tail_law("1/(n+2)**2").exact
    with _warns("tail_probability"):
        values = recursion.survival_probability("1/(n+2)**2", [0, 3])
    np.testing.assert_array_equal(values, recursion.tail_probability("1/(n+2)**2", [0, 3]))
    law = recursion.stationary_law()
    with _warns("StationaryLaw.tail"):
        assert law.survival is law.tail
    with _warns("Dichotomy"):
        assert recursion.Outcome is recursion.Dichotomy


def test_the_three_outcome_classes_have_distinct_names():
    from supercoherence.proofs import checkers
    from supercoherence.theory import competition

    with _warns("CompetitionOutcome"):
        assert competition.Outcome is competition.CompetitionOutcome
    with _warns("CheckOutcome"):
        assert checkers.Outcome is checkers.CheckOutcome
    names = {recursion.Dichotomy.__name__, competition.CompetitionOutcome.__name__}
    assert len(names | {checkers.CheckOutcome.__name__}) == 3
    with pytest.raises(AttributeError):
        recursion.NoSuchName  # noqa: B018


def test_engine_aliases_warn_and_agree():
    from supercoherence.models.engine import ChainLaw, estimate_survival_law, estimate_tail_law
    from supercoherence.models.engine.chain import simulate_chain

    law = ChainLaw.from_model([0.5, 0.25], 2)
    with _warns("ChainLaw.tail_law"):
        np.testing.assert_array_equal(law.survival(), law.tail_law())
    with _warns("estimate_tail_law"):
        old = estimate_survival_law(0.5, 3, 1000, seed=1)
    np.testing.assert_array_equal(old, estimate_tail_law(0.5, 3, 1000, seed=1))
    summary = simulate_chain(0.5, 200, seed=2, max_takeovers=3).summary
    with _warns("ChainSummary.tail_law"):
        np.testing.assert_array_equal(summary.survival_law().estimate, summary.tail_law().estimate)


def test_plot_survival_alias():
    pytest.importorskip("matplotlib")
    from supercoherence.simulations.presentation import figures

    t = np.array([0.0, 1.0, 2.0])
    df = pd.DataFrame(
        {
            "point": 0,
            "estimand": "no_takeover_by",
            "at": t,
            "estimate": np.exp(-t),
            "ci_low": np.exp(-t) - 0.01,
            "ci_high": np.exp(-t) + 0.01,
            "exact": np.exp(-t),
        }
    )
    with _warns("plot_no_takeover_by"):
        ax = figures.plot_survival(df)
    assert ax.get_lines()


def test_scenario_keywords_attributes_and_methods():
    new = TakeoverScenario(hazard="power", power_exponent=3.0, entrenchment_rate=0.5)
    with _warns("entrenchment_rate"):
        old = TakeoverScenario(hazard="power", power_exponent=3.0, entrenchment=0.5)
    assert old == new
    with _warns("power_exponent"):
        assert TakeoverScenario(hazard="power", power=3.0) == TakeoverScenario(
            hazard="power", power_exponent=3.0
        )
    with _warns("entrenchment_rate"):
        assert new.entrenchment == 0.5
    with _warns("power_exponent"):
        assert new.power == 3.0
    with _warns("never_overthrown"):
        assert new.q_expr() == new.never_overthrown()
    with _warns("never_overthrown_numeric"):
        assert new.q(2) == new.never_overthrown_numeric(2)
    with _warns("entrenchment_rate"):
        assert TakeoverScenario.from_mapping({"entrenchment": 2}).entrenchment_rate == 2.0
    with pytest.raises(ParameterError, match="only one of 'entrenchment' and 'entrenchment_rate'"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SupercoherenceDeprecationWarning)
            TakeoverScenario(entrenchment=1.0, entrenchment_rate=2.0)
    assert "entrenchment" not in TakeoverScenario.parameter_names()
    assert set(new.to_mapping()) == set(TakeoverScenario.parameter_names())


def _study(parameters: dict, estimands: list[str]) -> dict:
    return {
        "study": {"name": "old", "engine": "chain", "seed": 3, "replicates": 200, "horizon": 4},
        "parameters": parameters,
        "outputs": {"estimands": estimands, "times": [1.0, 2.0]},
    }


def test_study_files_with_old_keys_load_with_a_message_naming_the_new_key():
    old = _study({"entrenchment": {"values": [0.5, 1.0]}, "power": 2.5}, ["survival"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study = parse_study(old, source="old.toml")
    messages = [str(w.message) for w in caught if w.category is SupercoherenceDeprecationWarning]
    assert "old.toml: parameters.entrenchment is deprecated; use parameters.entrenchment_rate" in (
        messages
    )
    assert "old.toml: parameters.power is deprecated; use parameters.power_exponent" in messages
    assert any("'survival' is deprecated; use 'no_takeover_after'" in m for m in messages)
    renamed = {"entrenchment_rate": {"values": [0.5, 1.0]}, "power_exponent": 2.5}
    new = parse_study(_study(renamed, ["no_takeover_after"]))
    assert study.points == new.points and study.outputs.estimands == ("no_takeover_after",)
    assert study.fingerprint() == new.fingerprint()  # and equal to the one before the renames
    both = _study({"entrenchment": 0.5, "entrenchment_rate": 1.0}, ["mean_takeovers"])
    with pytest.raises(StudyFileError, match="parameters.entrenchment"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SupercoherenceDeprecationWarning)
            parse_study(both)


def test_shipped_studies_use_the_new_names():
    with warnings.catch_warnings():
        warnings.simplefilter("error", SupercoherenceDeprecationWarning)
        for name in ("dichotomy", "escalation", "sensitivity", "nested"):
            load_study(name, check_points=False)


def test_upgrade_names_of_stored_tables():
    old = pd.DataFrame(
        {"point": [0, 0], "power": [2.0, 2.0], "estimand": ["survival", "law_of_n"], "at": 1.0}
    )
    new = upgrade_names(old)
    assert list(new.columns) == ["point", "power_exponent", "estimand", "at"]
    assert new["estimand"].tolist() == ["no_takeover_after", "law_of_n"]
    current = new.copy()
    assert upgrade_names(current) is current


def test_a_folder_stored_with_the_old_names_loads_and_verifies(tmp_path):
    from supercoherence.simulations.runner import load_results, run_study, verify_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SupercoherenceDeprecationWarning)
        study = parse_study(_study({"entrenchment": {"values": [0.5, 1.0]}}, ["survival"]))
    out = tmp_path / "old"
    run_study(study, out, workers=1)
    # Make the folder look as the code before the renames wrote it.
    manifest = json.loads((out / "manifest.json").read_text())
    for name, columns in (("points", {"entrenchment_rate": "entrenchment"}), ("estimates", {})):
        path = out / f"{name}.parquet"
        frame = pd.read_parquet(path).rename(columns=columns)
        if "estimand" in frame:
            frame["estimand"] = frame["estimand"].replace({"no_takeover_after": "survival"})
        frame.to_parquet(path, index=False)
        manifest["files"][f"{name}.parquet"] = file_sha256(path)
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert "survival" in set(pd.read_parquet(out / "estimates.parquet")["estimand"])

    results = load_results(out)
    assert "entrenchment_rate" in results.points.columns
    assert set(results.estimates["estimand"]) == {"no_takeover_after"}
    with warnings.catch_warnings(record=True) as caught:  # the folder's study.toml is old
        warnings.simplefilter("always")
        assert verify_study(out).ok
    told = {str(w.message).split(": ", 1)[1] for w in caught}
    assert "parameters.entrenchment is deprecated; use parameters.entrenchment_rate" in told
    assert "outputs.estimands 'survival' is deprecated; use 'no_takeover_after'" in told
