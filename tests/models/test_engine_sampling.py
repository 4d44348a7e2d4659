"""The engine's samplers: inverse CDF of N, drift reduction, streams, bad input."""

from __future__ import annotations

import pickle
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from supercoherence.errors import ParameterError
from supercoherence.models.engine import (
    STREAM_BLOCK,
    ChainLaw,
    chain,
    estimate_tail_law,
    simulate_chain,
)
from supercoherence.models.engine.sampling import (
    SignStream,
    TakeoverCountSampler,
    block_generators,
    drift_increments,
    drift_step,
    drift_step_into,
    uniforms_from_raw,
)
from supercoherence.theory.hazard import (
    ConstantHazard,
    CriticalMoments,
    EntrenchmentHazard,
    PowerHazard,
)
from supercoherence.theory.scenario import TakeoverScenario

# ---------------------------------------------------------------- number of takeovers


def _brute_force_count(survival: np.ndarray, u: np.ndarray) -> np.ndarray:
    return (survival[1:, None] > u[None, :]).sum(axis=0)


@settings(max_examples=40, deadline=None)
@given(
    q=st.lists(
        st.one_of(st.sampled_from([0.0, 1.0, 1e-18, 1 - 1e-16]), st.floats(0, 1)),
        min_size=1,
        max_size=30,
    ),
    seed=st.integers(0, 2**32),
)
def test_guide_table_equals_brute_force_search(q, seed):
    survival = ChainLaw.from_model(q, len(q)).tail_law()
    raw = np.random.default_rng(seed).bit_generator.random_raw(4000)
    # Words whose uniform sits exactly on a cell edge or a threshold.
    edges = (np.arange(0, 2**16, 997, dtype=np.uint64) << np.uint64(48)) | np.uint64(0)
    on_thresholds = (np.floor(survival * 2.0**53).astype(np.uint64) << np.uint64(11))[1:]
    raw = np.concatenate([raw, edges, on_thresholds, edges - np.uint64(1)])
    sampler = TakeoverCountSampler(survival)
    expected = _brute_force_count(survival, uniforms_from_raw(raw))
    np.testing.assert_array_equal(sampler.sample(raw), expected)
    cells, counts = sampler.empty_tally()
    sampler.tally(raw, cells, counts)
    np.testing.assert_array_equal(
        sampler.counts(cells, counts), np.bincount(expected, minlength=len(q) + 1)
    )


def test_uniforms_are_numpys_own():
    raw = np.random.default_rng(9).bit_generator.random_raw(1000)
    np.testing.assert_array_equal(uniforms_from_raw(raw), np.random.default_rng(9).random(1000))


# ---------------------------------------------------------------- drift


def _full_vector_alignment(rho, dim, steps, replicates, rng):
    """w_{n+1} = rho w_n + sqrt(1 - rho^2) u_n, u_n uniform on the sphere of w_n^perp."""
    w0 = np.zeros(dim)
    w0[0] = 1.0
    w = np.tile(w0, (replicates, 1))
    out = []
    for _ in range(steps):
        g = rng.standard_normal((replicates, dim))
        g -= (g * w).sum(axis=1, keepdims=True) * w
        u = g / np.linalg.norm(g, axis=1, keepdims=True)
        w = rho * w + np.sqrt(1 - rho**2) * u
        w /= np.linalg.norm(w, axis=1, keepdims=True)  # round-off only
        out.append(w @ w0)
    return out


def _scalar_alignment(rho, dim, steps, replicates, rng):
    c = np.ones(replicates)
    out = []
    for _ in range(steps):
        c = drift_step(c, rho, drift_increments(rng, replicates, dim))
        out.append(c)
    return out


@pytest.mark.parametrize(("rho", "dim"), [(0.6, 2), (0.3, 3), (-0.5, 5), (0.0, 4)])
def test_scalar_drift_matches_full_vector_simulation(rho, dim):
    steps, reps = 4, 20_000
    full = _full_vector_alignment(rho, dim, steps, reps, np.random.default_rng(1))
    scalar = _scalar_alignment(rho, dim, steps, reps, np.random.default_rng(2))
    second = 1.0  # E[c_n^2]: m' = rho^2 m + (1 - rho^2)(1 - m)/(D - 1)
    for n, (a, b) in enumerate(zip(full, scalar, strict=True), start=1):
        second = rho**2 * second + (1 - rho**2) * (1 - second) / (dim - 1)
        if n == 1:  # u_0 is orthogonal to w_0: c_1 = rho exactly
            np.testing.assert_allclose([a, b], rho, atol=1e-12)
            continue
        # Rounded, so that round-off does not split the atoms of D = 2.
        assert stats.ks_2samp(a.round(9), b.round(9)).pvalue > 1e-4, (n, rho, dim)
        for sample in (a, b):
            assert abs(sample.mean() - rho**n) <= 4 * sample.std() / np.sqrt(reps) + 1e-12
            sq = sample**2
            assert abs(sq.mean() - second) < 4 * sq.std() / np.sqrt(reps) + 1e-12


def test_drift_increment_law():
    x = drift_increments(np.random.default_rng(3), 50_000, 3)  # arcsine on [-1, 1]
    assert stats.kstest(x, stats.arcsine(loc=-1, scale=2).cdf).pvalue > 1e-4
    assert set(np.unique(drift_increments(np.random.default_rng(3), 100, 2))) == {-1.0, 1.0}


def test_drift_stays_in_unit_interval():
    c = drift_step(np.array([1.0, -1.0, 0.999999999]), 0.3, np.array([1.0, -1.0, 1.0]))
    assert np.all(np.abs(c) <= 1.0)


# ---------------------------------------------------------------- fast paths, bit for bit


def _bits(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float64).view(np.uint64)


def _reference_block(law, inverse, n, generator):
    """The level-by-level rule written out for one stream block (infinite horizon): the
    raw words of N, then one uniform per replicate still in play at each level (tenures
    from numpy's samplers and the theory's own inverse), then the drift variates."""
    generator.bit_generator.random_raw(n.size)  # the words of N
    first, last = np.full(n.size, np.inf), np.zeros(n.size)
    if inverse is not None:
        for level in range(int(n.max(initial=0))):
            alive = n > level
            q = law.q[level]
            e = -np.log1p(-generator.random(np.count_nonzero(alive)) * (1.0 - q))
            if q > 0:
                e = np.minimum(e, np.nextafter(-np.log(q), 0.0))
            last[alive] = last[alive] + np.asarray(inverse(level, e), dtype=float)
            if level == 0:
                first[alive] = last[alive]
    c = np.ones(n.size)
    if law.drift not in (1.0, -1.0):
        for level in range(int(n.max(initial=0))):
            alive = n > level
            x = drift_increments(generator, np.count_nonzero(alive), law.utility_dimension)
            c[alive] = drift_step(c[alive], law.drift, x)
    return first, last, c


def _family_inverse(family):
    return lambda level, y: family.inverse_cumulative_numeric(y)


REFERENCE_CASES = {
    "q, D = 2": (0.02, {"drift": 0.9}, None),
    "q, D = 2, rho < 0": (0.05, {"drift": -0.4}, None),
    "q, D = 3": (0.05, {"drift": 0.5, "utility_dimension": 3}, None),
    "q, D = 6, rho = 0": (0.1, {"drift": 0.0, "utility_dimension": 6}, None),
    "entrenchment": (EntrenchmentHazard(1.3, 0.2), {"drift": 0.8}, _family_inverse),
    "power 2": (PowerHazard(1.3, 2.2), {}, _family_inverse),
    "power 1": (PowerHazard(0.07, 1.0), {}, _family_inverse),
    "power 1/2": (PowerHazard(0.3, 0.45), {}, _family_inverse),
    "constant": (ConstantHazard(0.7), {"drift": 0.3}, _family_inverse),
    "critical moments": (CriticalMoments([1, 2], [0.5, 0.1]), {"drift": 0.6}, _family_inverse),
}


@pytest.mark.parametrize("case", sorted(REFERENCE_CASES))
def test_engine_equals_the_level_by_level_rule_bit_for_bit(case):
    # in place tenures, sign tables, compaction: the floats of the direct recursion
    model, kwargs, make_inverse = REFERENCE_CASES[case]
    replicates, levels = STREAM_BLOCK + 3000, 150  # two blocks, many leavers per level
    res = simulate_chain(model, replicates, seed=17, max_takeovers=levels, **kwargs).table
    law = ChainLaw.from_model(model, levels, **kwargs)
    for b, generator in enumerate(block_generators(17, replicates)):
        rows = slice(b * STREAM_BLOCK, min(replicates, (b + 1) * STREAM_BLOCK))
        inverse = None if make_inverse is None else make_inverse(model)
        first, last, alignment = _reference_block(law, inverse, res["n_takeovers"][rows], generator)
        np.testing.assert_array_equal(_bits(res["final_alignment"][rows]), _bits(alignment))
        if inverse is not None:
            np.testing.assert_array_equal(_bits(res["last_takeover_time"][rows]), _bits(last))
            np.testing.assert_array_equal(_bits(res["first_takeover_time"][rows]), _bits(first))


def test_scenario_tenures_equal_the_scenarios_inverse_bit_for_bit():
    scenario = TakeoverScenario(
        spawn_rate=2, capability_ratio=1.3, detection_scaling=0.3, entrenchment_weakening=0.5
    )
    res = simulate_chain(scenario, 5000, seed=3, max_takeovers=60).table
    law = ChainLaw.from_model(scenario, 60)
    first, last, alignment = _reference_block(
        law, scenario.inverse_cumulative_hazard, res["n_takeovers"], block_generators(3, 5000)[0]
    )
    np.testing.assert_array_equal(_bits(res["last_takeover_time"]), _bits(last))
    np.testing.assert_array_equal(_bits(res["final_alignment"]), _bits(alignment))


def test_sign_table_overflow_goes_on_with_the_direct_recursion(monkeypatch):
    args = (0.01, 3 * STREAM_BLOCK // 2, dict(seed=5, max_takeovers=400, drift=0.95))
    expected = simulate_chain(args[0], args[1], **args[2]).table["final_alignment"]
    monkeypatch.setattr(chain, "_MAX_DRIFT_STATES", 40)  # switch after a few levels
    switched = simulate_chain(args[0], args[1], **args[2]).table["final_alignment"]
    np.testing.assert_array_equal(_bits(switched), _bits(expected))


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    skew=st.integers(0, 3),
    cuts=st.lists(st.integers(0, 40), min_size=1, max_size=8),
)
def test_sign_stream_equals_numpys_integers(seed, skew, cuts):
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    a.integers(0, 2, size=skew)  # an odd skew leaves a buffered half-word
    b.integers(0, 2, size=skew)
    stream, parts = SignStream(a), []
    for k in cuts:
        parts.append(np.empty(k, np.int32))
        stream.fill(parts[-1])
    np.testing.assert_array_equal(np.concatenate(parts), b.integers(0, 2, size=sum(cuts)))


@pytest.mark.parametrize(
    "family",
    [
        ConstantHazard(0.7),
        EntrenchmentHazard(1.3, 0.15),
        EntrenchmentHazard(0.7, 3.1),
        PowerHazard(1.3, 2.2),
        PowerHazard(0.7, 1.0),
        PowerHazard(0.9, 0.45),
        PowerHazard(2.3, 3.0),
    ],
)
def test_in_place_kernels_equal_the_hazard_kernels(family):
    total = family.total_numeric()
    edges = [0.0, 1e-300, 1e-12, 0.5, 3.0, 50.0]
    if np.isfinite(total):
        edges += [total, np.nextafter(total, 0.0), np.nextafter(total, np.inf), 2 * total]
    y = np.concatenate([np.random.default_rng(0).exponential(size=2000), edges])
    inverse = ChainLaw.from_model(family, 1).inverse_hazard
    z = -y
    assert inverse.from_negated(0, z)
    with np.errstate(all="ignore"):
        expected = np.asarray(family.inverse_cumulative_numeric(y), dtype=float)
    np.testing.assert_array_equal(_bits(z), _bits(expected))


@pytest.mark.parametrize("model", [EntrenchmentHazard(1, 2), TakeoverScenario(hazard="power")])
def test_law_pickles_to_the_same_draws(model):
    # a law goes to worker processes whole: its clock (with the in-place kernels) too
    law = ChainLaw.from_model(model, 30)
    again = pickle.loads(pickle.dumps(law))
    runs = [simulate_chain(x, 500, seed=2, max_takeovers=30).table for x in (law, again)]
    np.testing.assert_array_equal(runs[0]["last_takeover_time"], runs[1]["last_takeover_time"])


def test_drift_step_into_equals_drift_step():
    rng = np.random.default_rng(8)
    c = np.concatenate([rng.uniform(-1, 1, 1000), [1.0, -1.0, 0.0, -0.0]])
    x = np.concatenate([rng.uniform(-1, 1, 1000), [1.0, -1.0, 1.0, -1.0]])
    for rho in (0.9, -0.3, 0.0, 0.999999):
        expected, got = drift_step(c, rho, x), c.copy()
        drift_step_into(got, rho, x, np.empty(c.size))
        np.testing.assert_array_equal(_bits(got), _bits(expected))


# ---------------------------------------------------------------- reproducibility


def test_identical_arrays_for_every_chunk_size():
    scenario = TakeoverScenario(
        spawn_rate=2, capability_ratio=1.5, detection_scaling=0.3, drift=0.7, utility_dimension=4
    )
    replicates = 2 * STREAM_BLOCK + 123
    runs = [
        simulate_chain(scenario, replicates, seed=42, horizon=3.0, chunk_size=size).table
        for size in (1, STREAM_BLOCK, 3 * STREAM_BLOCK + 5, 2**18)
    ]
    for other in runs[1:]:
        for name, column in runs[0].items():
            np.testing.assert_array_equal(column, other[name], err_msg=name)


def test_seed_forms_and_determinism():
    a = simulate_chain(0.3, 500, seed=7, drift=0.5, max_takeovers=40).table
    b = simulate_chain(0.3, 500, seed=np.random.SeedSequence(7), drift=0.5, max_takeovers=40)
    c = simulate_chain(0.3, 500, seed=8, drift=0.5, max_takeovers=40).table
    np.testing.assert_array_equal(a["final_alignment"], b.table["final_alignment"])
    assert not np.array_equal(a["n_takeovers"], c["n_takeovers"])


def test_a_passed_generator_is_consumed_not_rewound():
    # numpy's semantics: a Generator is a stream in use; an int names a stream
    g = np.random.default_rng(11)
    first = simulate_chain(0.3, 200, seed=g, max_takeovers=40).table["n_takeovers"]
    second = simulate_chain(0.3, 200, seed=g, max_takeovers=40).table["n_takeovers"]
    assert not np.array_equal(first, second)
    again = simulate_chain(0.3, 200, seed=np.random.default_rng(11), max_takeovers=40).table
    np.testing.assert_array_equal(first, again["n_takeovers"])
    same = [simulate_chain(0.3, 200, seed=11, max_takeovers=40).table["n_takeovers"] for _ in "ab"]
    np.testing.assert_array_equal(*same)


@pytest.mark.parametrize("horizon", [np.inf, 2.0])
@pytest.mark.parametrize(
    "columns", [["final_alignment"], ["n_takeovers"], ["first_takeover_time", "final_alignment"]]
)
def test_columns_left_out_change_none_of_the_others(columns, horizon):
    # the variates of a column not asked for are skipped in their streams, not reused
    scenario = TakeoverScenario(
        spawn_rate=2, capability_ratio=1.2, detection_scaling=0.3, drift=0.7, utility_dimension=2
    )
    replicates = STREAM_BLOCK + 321
    full = simulate_chain(scenario, replicates, seed=4, horizon=horizon).table
    part = simulate_chain(scenario, replicates, seed=4, horizon=horizon, columns=columns).table
    assert set(columns) <= set(part) <= set(full)
    for name, column in part.items():
        np.testing.assert_array_equal(column, full[name], err_msg=name)


def test_tail_law_path_draws_the_same_n_as_the_table():
    q = lambda n: 0.2 / (1 + n)  # noqa: E731
    replicates = STREAM_BLOCK + 10
    counts = estimate_tail_law(q, 30, replicates, seed=3)
    n = simulate_chain(q, replicates, seed=3, max_takeovers=30, keep_replicates=True).table
    expected = [np.count_nonzero(n["n_takeovers"] >= k) for k in range(31)]
    np.testing.assert_array_equal(counts, expected)


def test_summary_equals_table_statistics():
    res = simulate_chain(EntrenchmentHazard(1, 1), 3000, seed=5, horizon=2.0, drift=0.4)
    table, summary = res.table, res.summary
    assert summary.replicates == 3000
    assert summary.mean_final_alignment().estimate == pytest.approx(table["final_alignment"].mean())
    assert summary.mean_last_takeover_time().estimate == pytest.approx(
        table["last_takeover_time"].mean()
    )
    assert summary.no_takeover_by_horizon().estimate == np.mean(table["takeovers_by_horizon"] == 0)
    assert np.all(table["last_takeover_time"] <= 2.0)
    assert np.all((table["takeovers_by_horizon"] == 0) == (table["last_takeover_time"] == 0))
    assert np.all(table["takeovers_by_horizon"] <= table["n_takeovers"])


def test_memory_is_flat_without_the_table():
    tracemalloc.start()
    simulate_chain(0.5, 2 * 10**6, seed=0, max_takeovers=64, keep_replicates=False)
    estimate_tail_law(0.5, 1000, 2 * 10**6, seed=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    table_bytes = 2 * 10**6 * (8 + 1 + 8 + 8 + 8)
    assert peak < 40e6 < table_bytes


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: simulate_chain(0.5, 0, seed=0), "replicates"),
        (lambda: simulate_chain(0.5, 10, seed=0, max_takeovers=0), "max_takeovers"),
        (lambda: simulate_chain(EntrenchmentHazard(1, 1), 10, seed=0, horizon=-1.0), "horizon"),
        (lambda: simulate_chain(0.5, 10, seed=0, horizon=5.0), "horizon"),
        (lambda: simulate_chain(1.5, 10, seed=0), "q"),
        (lambda: simulate_chain([0.5, -0.1, 0.2], 10, seed=0, max_takeovers=3), "q"),
        (lambda: simulate_chain([0.5, 0.5], 10, seed=0, max_takeovers=3), "q"),
        (lambda: simulate_chain(lambda n: n * np.nan, 10, seed=0), "q"),
        (lambda: simulate_chain(0.5, 10, seed=0, chunk_size=0), "chunk_size"),
        (lambda: simulate_chain(0.5, 10, seed=0, drift=1.5), "drift"),
        (lambda: simulate_chain(0.5, 10, seed=0, utility_dimension=1), "utility_dimension"),
        (lambda: simulate_chain(TakeoverScenario(), 10, seed=0, drift=0.5), "drift"),
        (lambda: simulate_chain(0.5, 10, seed=-1), "seed"),
        (lambda: estimate_tail_law(0.5, 0, 10, seed=0), "n_max"),
        (lambda: estimate_tail_law(0.5, 10, 0, seed=0), "replicates"),
        (lambda: simulate_chain(0.5, 10, seed=0, keep_replicates=False).table, "keep_replicates"),
    ],
)
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ParameterError, match=name) as info:
        call()
    assert info.value.name == name
