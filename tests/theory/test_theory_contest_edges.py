"""Gambler's ruin and Tullock success at the edges (issues 16 section 5, 17 section 4).

Truth: Feller's closed forms evaluated in 60-digit mpmath arithmetic.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from supercoherence.errors import ParameterError
from supercoherence.theory import contest as C
from supercoherence.theory import drift as D

R = sp.Rational


def _truth(p: float, i: int, n: int) -> tuple[mpmath.mpf, mpmath.mpf]:
    with mpmath.workdps(60):
        pp = mpmath.mpf(p)
        qq = 1 - pp
        if pp == mpmath.mpf(1) / 2:
            return 1 - mpmath.mpf(i) / n, mpmath.mpf(i) * (n - i)
        r = qq / pp
        ruin = (r**i - r**n) / (1 - r**n)
        return ruin, (i - n * (1 - ruin)) / (qq - pp)


@pytest.mark.parametrize(
    ("p", "i", "n"), [(0.6, 100, 200), (0.6, 490, 500), (0.9, 20, 40), (0.75, 90, 100)]
)
def test_small_ruin_probabilities_keep_relative_accuracy(p, i, n) -> None:
    truth, _ = _truth(p, i, n)
    assert truth < 1e-17
    value = C.ruin_probability_numeric(p, i, n)
    L = abs(float(mpmath.log((1 - mpmath.mpf(p)) / p)))
    assert value > 0 and abs(value - truth) <= 4.5e-16 * (10 + n * L) * truth


@settings(max_examples=150, deadline=None)
@given(
    st.floats(min_value=-13, max_value=-0.31),
    st.sampled_from([-1, 1]),
    st.integers(1, 10**6),
    st.floats(min_value=0, max_value=1),
)
def test_ruin_and_duration_relative_accuracy(log_gap, sign, n, fraction) -> None:
    p = 0.5 + sign * 10.0**log_gap
    i = int(round(fraction * n))
    ruin_true, steps_true = _truth(p, i, n)
    ruin = C.ruin_probability_numeric(p, i, n)
    steps = C.expected_duration_numeric(p, i, n)
    L = abs(float(mpmath.log((1 - mpmath.mpf(p)) / p)))
    if ruin_true > 1e-300:
        assert abs(ruin - ruin_true) <= 4.5e-16 * (10 + n * L) * ruin_true
    # expected number of game steps (the ruin "duration"), not wall-clock time
    assert abs(steps - steps_true) <= 1e-14 * max(steps_true, 1e-300)


def test_duration_near_half_meets_the_documented_bound() -> None:
    # the old series/closed-form switch was off by 5e-7 relative here
    for p in (0.5 + 1e-9, 0.5 + 1e-7, 0.5 - 3e-6, 0.5 + 1e-5):
        for i, n in ((300, 1000), (1, 10**6), (5 * 10**5, 10**6), (9999, 10**4)):
            _, truth = _truth(p, i, n)
            assert C.expected_duration_numeric(p, i, n) == pytest.approx(float(truth), rel=1e-14)


def test_exact_api_with_huge_totals_is_right() -> None:
    # speed belongs in benchmarks; here only the values (the closed form, not 10^6 terms)
    ruin = C.ruin_probability(R(2, 5), 1, 10**6)
    duration = C.expected_duration(R(2, 5), 1, 10**6)
    assert float(ruin) == 1.0 and isinstance(ruin, sp.Float)
    assert duration == pytest.approx(5.0, rel=1e-25)  # (1 - N w)/(q - p), w = 1.5^-10^6
    assert float(C.ruin_probability(R(2, 5), 1, 100000)) == 1.0
    # p = 1/2 + 5e-10 exactly (decimal) and as the binary float: 1/(1 + e) and nearby.
    exact_decimal = C.ruin_probability(R(1, 2) + R(1, 2 * 10**9), 5 * 10**8, 10**9)
    assert float(exact_decimal) == pytest.approx(1 / (1 + np.e), rel=1e-9)
    assert abs(float(C.ruin_probability(0.5 + 5e-10, 5 * 10**8, 10**9)) - 0.268941) < 1e-5
    assert float(C.ruin_probability(R(1, 2), 5 * 10**8, 10**9)) == 0.5


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 60), st.integers(0, 60), st.integers(1, 9))
def test_exact_and_high_precision_paths_agree(n, i, tenth) -> None:
    i = min(i, n)
    p = R(tenth, 10)
    exact = C.ruin_probability(p, i, n)
    with mpmath.workprec(128):
        ruin_mp, steps_mp = C._mp_ruin(C._mpf(p), i, n)
    assert abs(sp.Float(ruin_mp, 30) - exact) < sp.Float(10) ** -28
    assert abs(sp.Float(steps_mp, 30) - C.expected_duration(p, i, n)) < sp.Float(10) ** -25


def test_success_at_infinity_and_huge_powers() -> None:
    assert C.success(sp.oo) == 1
    assert C.success(float("inf"), 2) == 1
    assert C.success(2, sp.oo) == 1 and C.success(R(1, 2), sp.oo) == 0
    assert C.success(1, float("inf")) == R(1, 2)
    big = C.success(10**308, 10**308)
    tiny = C.success(1e-308, 1e308)
    assert float(big) == 1.0 and 0 < tiny < sp.Float(10) ** -1000
    with pytest.raises(ParameterError, match="gamma"):
        C.success(float("nan"))
    with pytest.raises(ParameterError, match="gamma"):
        C.success(-sp.oo)


@settings(max_examples=50, deadline=None)
@given(st.floats(min_value=1e-6, max_value=1e6), st.floats(min_value=1e-3, max_value=1e4))
def test_success_exact_and_numeric_agree(gamma, r) -> None:
    exact = C.success(gamma, r)
    assert float(exact) == pytest.approx(C.success_numeric(gamma, r), rel=1e-12, abs=1e-300)


def test_drift_with_huge_n_is_bounded_time() -> None:
    value = D.expected_alignment(1e308, 0.5)
    assert 0 < value < sp.Float(10) ** -(10**300)
    assert D.expected_alignment(10**6 + 1, R(-1, 2)) < 0
    assert D.expected_alignment(10**6, -1) == 1
    with pytest.raises(ParameterError, match="n"):
        D.expected_alignment(sp.oo, R(1, 2))
