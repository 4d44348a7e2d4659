"""Study files: extreme or malformed input is a StudyFileError naming file, key and limit.

Also the hypothesis fuzz of the study-file schema (issue 17, section 5): every invalid
mapping gives a StudyFileError, every valid one runs at tiny size.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supercoherence.errors import StudyFileError
from supercoherence.simulations import load_study, parse_study, run_study, verify_study

BASE = '[study]\nname = "b"\nengine = "chain"\nseed = 1\n'

CASES = {
    "replicates 1e12": (
        BASE + "replicates = 1000000000000\n",
        "study.replicates",
        "[1, 1000000000]",
    ),
    "max_takeovers huge": (
        BASE + "[engine]\nmax_takeovers = 1000000000\n",
        "engine.max_takeovers",
        "[1, 1000000]",
    ),
    "huge linspace": (
        BASE + "[parameters]\nspawn_rate = { linspace = [0.1, 2, 1000000000] }\n",
        "parameters.spawn_rate",
        "[1, 100000]",
    ),
    "huge grid product": (
        BASE + "[parameters]\nspawn_rate = { linspace = [0.1, 2, 1000] }\n"
        "detection = { linspace = [0.1, 0.9, 1000] }\n",
        "parameters",
        "1000000 parameter points; at most 100000",
    ),
    "huge sample count": (
        BASE + 'samples = 1000\n[parameters]\nspawn_rate = { distribution = "uniform", low = 0.1, '
        'high = 2 }\ndetection = { distribution = "uniform", low = 0.1, high = 0.9 }\n',
        "study.samples",
        "at most 100000",
    ),
    "too many units": (
        BASE + "replicates = 100000000\nchunk = 10\n",
        "study.chunk",
        "at most 1000000",
    ),
    "linspace with strings": (
        BASE + '[parameters]\nspawn_rate = { linspace = ["a", "b", 3] }\n',
        "parameters.spawn_rate",
        "must be a number",
    ),
    "logspace beyond floats": (
        BASE + "[parameters]\nspawn_rate = { logspace = [0, 400, 3] }\n",
        "parameters.spawn_rate",
        "[-300, 300]",
    ),
    "fractional count": (
        BASE + '[outputs]\nestimands = ["law_of_n"]\ncounts = [1.7]\n',
        "outputs.counts",
        "not a whole number",
    ),
    "abm horizon of 1e9 steps": (
        '[study]\nname = "b"\nengine = "abm"\nhorizon = 1e9\n',
        "study.horizon",
        "at most 100000",
    ),
    "competition dt = 0": (
        '[study]\nname = "b"\nengine = "competition"\n[engine]\ndt = 0.0\n',
        "engine.dt",
        "(0, 1000000.0]",
    ),
    "infinite distribution bound": (
        BASE + '[parameters]\nspawn_rate = { distribution = "uniform", low = 0.1, high = inf }\n',
        "parameters.spawn_rate",
        "finite",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_extreme_study_files_are_refused_up_front(name, tmp_path):
    text, key, limit = CASES[name]
    path = tmp_path / "x.toml"
    path.write_text(text)
    with pytest.raises(StudyFileError) as info:
        load_study(path)
    assert info.value.path == str(path) and info.value.key == key
    assert limit in info.value.problem


def test_a_binary_file_is_a_study_file_error(tmp_path):
    path = tmp_path / "x.toml"
    path.write_bytes(bytes(range(256)))
    with pytest.raises(StudyFileError, match="not a text file"):
        load_study(path)
    path.write_bytes(b'[study]\nname = "a\x00"\n')
    with pytest.raises(StudyFileError, match="NUL"):
        load_study(path)


# ------------------------------------------------------------------ schema fuzz

_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.one_of(st.integers(-5, 5), st.floats(-2, 2), st.text(max_size=3)), max_size=3),
    st.dictionaries(st.text(max_size=6), st.integers(-3, 3), max_size=2),
)

_CHAIN_PARAMS = {
    "spawn_rate": st.one_of(
        st.floats(0.1, 3.0),
        st.builds(lambda a, n: {"linspace": [0.5, a, n]}, st.floats(0.6, 2.0), st.integers(1, 2)),
        st.builds(lambda v: {"values": v}, st.lists(st.floats(0.1, 3.0), min_size=1, max_size=2)),
    ),
    "detection": st.one_of(
        st.floats(0.0, 1.0),
        st.just({"distribution": "uniform", "low": 0.2, "high": 0.6}),
    ),
    "entrenchment_rate": st.floats(0.05, 4.0),
    "hazard": st.sampled_from(["constant", "entrenchment"]),
    "drift": st.floats(-1.0, 1.0),
}


@st.composite
def study_mappings(draw):
    """Mostly valid tiny chain or competition studies, with random damage."""
    engine = draw(st.sampled_from(["chain", "chain", "competition"]))
    study = {
        "name": "fuzz",
        "engine": engine,
        "replicates": draw(st.integers(1, 30)),
        "seed": draw(st.integers(0, 2**32)),
    }
    if draw(st.booleans()):
        study["chunk"] = draw(st.integers(1, 40))
    if engine == "chain":
        study["horizon"] = draw(st.sampled_from([math.inf, 1.0, 5.0]))
        params = {k: draw(s) for k, s in _CHAIN_PARAMS.items() if draw(st.booleans())}
        estimands = draw(
            st.lists(
                st.sampled_from(
                    [
                        "supercoherence_by_horizon",
                        "mean_takeovers",
                        "law_of_n",
                        "no_takeover_by",
                        "final_alignment",
                    ]
                ),
                min_size=1,
                max_size=3,
                unique=True,
            )
        )
        outputs = {"estimands": estimands, "times": [0.5], "counts": [0, 1]}
        engine_table = {"max_takeovers": draw(st.integers(1, 50))} if draw(st.booleans()) else {}
    else:
        study["horizon"] = 2.0
        params = {"alpha": draw(st.floats(0.1, 2.0)), "beta": draw(st.floats(0.1, 2.0))}
        outputs = {"estimands": ["mesa_takes_over", "coexistence"]}
        engine_table = {"dt": 0.1}
    data = {"study": study, "engine": engine_table, "parameters": params, "outputs": outputs}
    for _ in range(draw(st.integers(0, 2))):  # damage: replace or add a key
        table = draw(st.sampled_from(["study", "engine", "parameters", "outputs"]))
        keys = sorted(data[table]) + ["extra_key", "replicates", "counts", "linspace"]
        data[table][draw(st.sampled_from(keys))] = draw(_JUNK)
    if draw(st.integers(0, 9)) == 0:
        data[draw(st.sampled_from(["study", "outputs"]))] = draw(_JUNK)
    return data


def _parse(data):
    try:
        return parse_study(data, source="fuzz.toml")
    except StudyFileError as exc:
        assert str(exc).startswith("fuzz.toml")
        return None


def _check_runs(data) -> None:
    study = _parse(data)
    if study is None or len(study.points) * study.replicates > 200:
        return
    with tempfile.TemporaryDirectory() as out:
        results = run_study(study, Path(out) / "r", workers=1)
        assert len(results.estimates) > 0
        assert verify_study(results.directory).ok


_FAST = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
_SLOW = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@_FAST
@given(study_mappings())
def test_fuzz_every_mapping_parses_or_gives_a_study_file_error(data):
    _parse(data)


@settings(
    max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(study_mappings())
def test_fuzz_every_valid_tiny_study_runs_and_verifies(data):
    _check_runs(data)


@_FAST
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_fuzz_any_bytes_load_or_give_a_study_file_error(raw):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.toml"
        path.write_bytes(raw)
        try:
            load_study(path)
        except StudyFileError as exc:
            assert str(exc).startswith(str(path))


@pytest.mark.slow
@_SLOW
@given(study_mappings())
def test_fuzz_slow_every_mapping_parses_or_gives_a_study_file_error(data):
    _parse(data)


@pytest.mark.slow
@settings(
    max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(study_mappings())
def test_fuzz_slow_every_valid_tiny_study_runs_and_verifies(data):
    _check_runs(data)
