"""Study files: validation errors name the file, the key and the problem; designs."""

from __future__ import annotations

import numpy as np
import pytest

from supercoherence.errors import StudyFileError
from supercoherence.simulations import load_study, parse_study
from supercoherence.simulations.sampling import design_points, parse_parameter, unit_sample
from supercoherence.studies import list_studies


def _study(**tables):
    base = {
        "study": {"name": "t", "engine": "chain", "replicates": 100, "seed": 1},
        "parameters": {"spawn_rate": 1.0},
        "outputs": {"estimands": ["mean_takeovers"]},
    }
    for key, value in tables.items():
        base[key] = {**base.get(key, {}), **value}
    return base


def _error(data) -> StudyFileError:
    with pytest.raises(StudyFileError) as info:
        parse_study(data, source="s.toml")
    assert str(info.value).startswith("s.toml: ")
    return info.value


def test_misspelt_parameter_suggests_the_right_one():
    err = _error(_study(parameters={"detecton": 0.5}))
    assert err.key == "parameters.detecton"
    assert "did you mean 'detection'" in err.problem


def test_misspelt_table_and_study_key():
    assert "did you mean 'outputs'" in _error({**_study(), "output": {}}).problem
    err = _error(_study(study={"replicate": 10}))
    assert err.key == "study.replicate" and "did you mean 'replicates'" in err.problem


def test_out_of_range_value_names_the_parameter():
    err = _error(_study(parameters={"detection": {"values": [0.5, 1.5]}}))
    assert err.key == "parameters.detection" and "[0, 1]" in err.problem


def test_empty_grid_and_wrong_type():
    assert "empty grid" in _error(_study(parameters={"drift": {"values": []}})).problem
    assert "empty grid" in _error(_study(parameters={"drift": {"linspace": [0, 1, 0]}})).problem
    err = _error(_study(study={"replicates": "many"}))
    assert err.key == "study.replicates" and "wrong type" in err.problem


def test_unknown_engine_estimand_and_distribution():
    assert "did you mean 'chain'" in _error(_study(study={"engine": "chian"})).problem
    err = _error(_study(outputs={"estimands": ["mean_takeover"]}))
    assert err.key == "outputs.estimands" and "did you mean 'mean_takeovers'" in err.problem
    err = _error(_study(parameters={"drift": {"distribution": "unifrom", "low": 0, "high": 1}}))
    assert err.key == "parameters.drift" and "did you mean 'uniform'" in err.problem


def test_estimand_from_another_engine_and_times_beyond_horizon():
    assert "not produced" in _error(_study(outputs={"estimands": ["coherence"]})).problem
    err = _error(
        _study(
            study={"horizon": 5.0}, outputs={"estimands": ["no_takeover_after"], "times": [10.0]}
        )
    )
    assert err.key == "outputs.times"


def test_sensitivity_needs_saltelli_and_sobol_needs_power_of_two():
    err = _error(_study(outputs={"sensitivity": ["mean_takeovers"]}))
    assert "saltelli" in err.problem
    err = _error(
        _study(
            study={"design": "sobol", "samples": 6},
            parameters={"drift": {"distribution": "uniform", "low": 0, "high": 1}},
        )
    )
    assert err.key == "study.samples"


def test_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(StudyFileError, match="cannot read"):
        load_study(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[study\nname = 1\n")
    with pytest.raises(StudyFileError, match="not valid TOML"):
        load_study(bad)


@pytest.mark.parametrize("name", list_studies())
def test_shipped_studies_validate(name):
    study = load_study(name)
    assert study.points and study.replicates >= 1


def test_grids_are_a_factorial_product_in_file_order():
    specs = {
        "a": parse_parameter("a", {"values": [1, 2]}),
        "b": parse_parameter("b", {"values": ["x", "y", "z"]}),
    }
    points = design_points(specs)
    assert [(p["a"], p["b"]) for p in points] == [
        (1, "x"),
        (1, "y"),
        (1, "z"),
        (2, "x"),
        (2, "y"),
        (2, "z"),
    ]


@pytest.mark.parametrize("design", ["random", "lhs", "sobol"])
def test_designs_are_seeded_and_inside_the_cube(design):
    u = unit_sample(design, 3, 16, seed=4)
    assert u.shape == (16, 3) and np.all((u >= 0) & (u <= 1))
    np.testing.assert_array_equal(u, unit_sample(design, 3, 16, seed=4))
    assert not np.array_equal(u, unit_sample(design, 3, 16, seed=5))


def test_latin_hypercube_strata_and_distribution_quantiles():
    u = unit_sample("lhs", 2, 10, seed=0)
    for column in u.T:
        assert sorted(np.floor(column * 10).astype(int)) == list(range(10))
    spec = parse_parameter("x", {"distribution": "loguniform", "low": 0.1, "high": 10})
    np.testing.assert_allclose(spec.quantile(np.array([0.0, 0.5, 1.0])), [0.1, 1.0, 10.0])
    beta = parse_parameter("x", {"distribution": "beta", "a": 2, "b": 2, "low": 1, "high": 3})
    np.testing.assert_allclose(beta.quantile(np.array([0.5])), [2.0])
