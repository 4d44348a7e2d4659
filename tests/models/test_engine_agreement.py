"""Engine vs closed forms (theory.recursion, theory.scenario), within 4 standard errors.

Every comparison is at a fixed seed.  Binomial quantities use the standard error of
the closed form, sqrt(p(1 - p)/R) (exact equality when p is 0 or 1); means use the
sample standard error.  The fast tier runs 20,000 replicates per point, the ``slow``
tier 10^6.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from supercoherence.models.engine import ChainLaw, estimate_tail_law, simulate_chain
from supercoherence.theory import symbols as S
from supercoherence.theory.recursion import (
    expected_takeovers,
    stationary_law,
    tail_probability,
    takeovers_by_horizon,
)
from supercoherence.theory.scenario import TakeoverScenario


@dataclass(frozen=True)
class Point:
    """A parameter point: the model, keyword arguments and the censoring level."""

    label: str
    model: Any
    max_takeovers: int = 200
    kwargs: tuple = ()


POINTS = [
    Point("stationary q=0.3", 0.3, kwargs=(("drift", 0.5), ("utility_dimension", 3))),
    Point("q=0 censored", 0.0, max_takeovers=40, kwargs=(("drift", 0.9),)),
    Point("q=1 no takeover", 1.0, kwargs=(("drift", 0.2),)),
    Point("q_n=1/(n+2)^2", lambda n: 1 / (n + 2) ** 2, kwargs=(("drift", -0.5),)),
    Point("rho=1", 0.2, kwargs=(("drift", 1.0),)),
    Point("rho=-1", 0.4, kwargs=(("drift", -1.0),)),
    Point("constant hazard", TakeoverScenario(hazard="constant", drift=0.7), max_takeovers=30),
    Point("entrenchment", TakeoverScenario(spawn_rate=2, entrenchment_rate=0.5, drift=0.6)),
    Point(
        "entrenchment + escalation",
        TakeoverScenario(
            spawn_rate=3,
            capability_ratio=1.5,
            detection_scaling=0.4,
            drift=0.8,
            utility_dimension=6,
        ),
    ),
    Point(
        "weakening entrenchment",
        TakeoverScenario(spawn_rate=1, entrenchment_rate=2, entrenchment_weakening=1, drift=0.9),
    ),
    Point("power beta=0.8", TakeoverScenario(hazard="power", power_exponent=0.8, drift=0.5), 30),
    Point(
        "power beta=3", TakeoverScenario(hazard="power", power_exponent=3, spawn_rate=3, drift=0.3)
    ),
]
IDS = [p.label for p in POINTS]


def _run(point: Point, replicates: int, seed: int, horizon: float = np.inf):
    return simulate_chain(
        point.model,
        replicates,
        seed=seed,
        horizon=horizon,
        max_takeovers=point.max_takeovers,
        **dict(point.kwargs),
    )


def _exact_tail(point: Point) -> np.ndarray:
    """P(N >= n) = prod_{k<n} (1 - q_k), n = 0..M, with q_k from the theory layer."""
    levels = np.arange(point.max_takeovers)
    if isinstance(point.model, TakeoverScenario):
        q = np.asarray(point.model.never_overthrown_numeric(levels), dtype=float)
        return tail_probability(q, np.arange(point.max_takeovers + 1))
    law = ChainLaw.from_model(point.model, point.max_takeovers, **dict(point.kwargs))
    return tail_probability(law.q.tolist(), np.arange(point.max_takeovers + 1))


def _assert_binomial(estimate, exact, replicates, label):
    estimate, exact = np.asarray(estimate), np.asarray(exact)
    se = np.sqrt(exact * (1 - exact) / replicates)
    bad = np.abs(estimate - exact) > 4 * se + 1e-12
    assert not bad.any(), (label, np.flatnonzero(bad)[:5], estimate[bad][:5], exact[bad][:5])


def _assert_mean(est, exact, label):
    assert abs(est.estimate - exact) <= 4 * est.std_error + 1e-12, (label, est, exact)


def _check_point(point: Point, replicates: int, seed: int) -> None:
    res = _run(point, replicates, seed)
    summary = res.summary
    survival = _exact_tail(point)
    _assert_binomial(summary.tail_law().estimate, survival, replicates, point.label)
    # E[min(N, M)] = sum_{n=1}^{M} P(N >= n); E[w_K . w_0] = E[rho^min(N, M)].
    _assert_mean(summary.mean_takeovers(), survival[1:].sum(), point.label)
    rho = res.law.drift
    law_of_count = np.append(-np.diff(survival), survival[-1])
    expected_alignment = law_of_count @ rho ** np.arange(point.max_takeovers + 1)
    _assert_mean(summary.mean_final_alignment(), expected_alignment, point.label)


@pytest.mark.parametrize("point", POINTS, ids=IDS)
def test_engine_matches_closed_form(point):
    _check_point(point, 20_000, seed=11)


@pytest.mark.slow
@pytest.mark.parametrize("point", POINTS, ids=IDS)
def test_engine_matches_closed_form_large(point):
    _check_point(point, 10**6, seed=12)


def test_edge_cases_exactly():
    censored = _run(POINTS[1], 1000, seed=1).table
    assert np.all(censored["n_takeovers"] == 40) and censored["censored"].all()
    none = _run(POINTS[2], 1000, seed=1).table
    assert np.all(none["n_takeovers"] == 0) and not none["censored"].any()
    assert np.all(none["final_alignment"] == 1.0)
    assert np.all(_run(POINTS[4], 1000, seed=1).table["final_alignment"] == 1.0)
    flip = _run(POINTS[5], 1000, seed=1).table
    np.testing.assert_array_equal(flip["final_alignment"], (-1.0) ** flip["n_takeovers"])


def test_stationary_law_from_theory():
    q, rho, replicates = 0.25, 0.6, 50_000
    law = stationary_law(q)
    res = simulate_chain(q, replicates, seed=3, max_takeovers=400, drift=rho)
    _assert_mean(res.summary.mean_takeovers(), float(law.mean.exact), "E[N]")
    pgf = float(law.pgf.exact.subs(S.s, rho))  # q / (1 - (1 - q) rho)
    assert pgf == pytest.approx(q / (1 - (1 - q) * rho))
    _assert_mean(res.summary.mean_final_alignment(), pgf, "E[rho^N]")
    assert expected_takeovers(q).value == pytest.approx(3.0)


def test_tail_law_counts_against_telescoping_product():
    replicates = 400_000
    counts = estimate_tail_law(lambda n: 1 / (n + 2) ** 2, 1000, replicates, seed=4)
    exact = tail_probability("1/(n+2)**2", np.arange(1001))
    _assert_binomial(counts / replicates, exact, replicates, "1/(n+2)^2")


@pytest.mark.parametrize(
    "scenario",
    [
        TakeoverScenario(hazard="constant"),
        TakeoverScenario(hazard="entrenchment", spawn_rate=3),
        TakeoverScenario(hazard="power", power_exponent=0.7),
        TakeoverScenario(hazard="power", power_exponent=2.5, spawn_rate=2),
        TakeoverScenario(capability_ratio=2, detection_scaling=1, hazard="constant"),
    ],
    ids=["constant", "entrenchment", "power<=1", "power>1", "escalation"],
)
@pytest.mark.parametrize("horizon", [0.0, 0.5, 3.0])
def test_survival_to_horizon(scenario, horizon):
    replicates = 20_000
    res = simulate_chain(scenario, replicates, seed=5, horizon=horizon, max_takeovers=50)
    exact = float(np.exp(-scenario.cumulative_hazard(0, horizon)))  # exp(-Lambda_0(T))
    _assert_binomial(res.summary.no_takeover_by_horizon().estimate, exact, replicates, horizon)
    assert np.all(res.table["last_takeover_time"] <= horizon)


@pytest.mark.parametrize("replicates", [20_000, pytest.param(10**6, marks=pytest.mark.slow)])
def test_takeovers_by_horizon_under_escalation(replicates):
    """Constant hazards h_n falling with n: the pure-birth law of N(T) (theory.recursion)."""
    scenario = TakeoverScenario(
        hazard="constant",
        spawn_rate=4,
        capability_ratio=1.5,
        detection_scaling=0.5,
        drift=0.5,
    )
    horizon, levels = 4.0, 60
    res = simulate_chain(scenario, replicates, seed=6, horizon=horizon, max_takeovers=levels)
    exact = takeovers_by_horizon(scenario.hazard_scale(np.arange(levels)), horizon)
    counts = np.bincount(res.table["takeovers_by_horizon"], minlength=levels + 1)
    at_least = np.cumsum(counts[::-1])[::-1] / replicates
    _assert_binomial(at_least, exact, replicates, "N(T)")
    _assert_mean(res.summary.mean_takeovers_by_horizon(), exact[1:].sum(), "E[N(T)]")
    law_of_k = np.append(-np.diff(exact), exact[-1])
    _assert_mean(
        res.summary.mean_final_alignment(), law_of_k @ 0.5 ** np.arange(levels + 1), "E[rho^K]"
    )


@pytest.mark.slow
def test_tail_law_ten_million():
    replicates = 10**7
    counts = estimate_tail_law(lambda n: 1 / (n + 2) ** 2, 1000, replicates, seed=7)
    exact = tail_probability("1/(n+2)**2", np.arange(1001))
    _assert_binomial(counts / replicates, exact, replicates, "1/(n+2)^2, 10^7")
