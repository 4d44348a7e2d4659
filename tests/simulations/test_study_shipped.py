"""Every shipped study runs on its defaults and agrees with its closed forms (slow tier)."""

from __future__ import annotations

import pandas as pd
import pytest

from supercoherence.simulations import run_study
from supercoherence.studies import list_studies


@pytest.mark.slow
@pytest.mark.parametrize("name", list_studies())
def test_shipped_study_runs_and_agrees_with_closed_forms(name, tmp_path):
    results = run_study(name, tmp_path / name, workers=2)
    reloaded = pd.read_parquet(tmp_path / name / "estimates.parquet")
    assert len(reloaded) == len(results.estimates) > 0
    flagged = reloaded[reloaded["flag"]]
    assert flagged.empty, flagged[["point", "estimand", "at", "estimate", "exact", "z"]]
