"""The recursion: exact products, classification, laws of N, escalation, simulation."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from supercoherence.errors import ExpressionError, ParameterError
from supercoherence.randomness import as_generator
from supercoherence.theory import symbols as S
from supercoherence.theory.recursion import (
    Dichotomy,
    classify,
    count_law,
    count_probability,
    escalation_q,
    escalation_report,
    expected_takeovers,
    recurrence_probability,
    stationary_law,
    tail_law,
    tail_probability,
    takeovers_by_horizon,
)
from supercoherence.theory.scenario import TakeoverScenario

n = S.n


# ------------------------------------------------------------------ exact products


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        (1 / (n + 2) ** 2, sp.Rational(1, 2)),  # MODEL.md: (n+1)(n+3)/(n+2)^2 telescopes
        ("1/(n+2)**2", sp.Rational(1, 2)),  # string input
        (2 / ((n + 2) * (n + 3)), sp.Rational(1, 3)),  # (n+1)(n+4)/((n+2)(n+3)) telescopes
        (1 / (4 * (n + 1) ** 2), 2 / sp.pi),  # Wallis product
        (1 / (n**2 + 2 * n + 2), sp.pi / sp.sinh(sp.pi)),  # prod 1/(1 + 1/k^2), k >= 1
        (1 / (n + 2), 0),  # harmonic: q_n ~ 1/n
        (0, 1),
        (sp.Rational(1, 3), 0),  # constant q > 0
        (1 - 1 / (n + 2), 0),  # q_n -> 1
        (1 / ((n - 3) ** 2 + 1), 0),  # q_3 = 1
    ],
)
def test_recurrence_probability_exact(q, expected):
    value = recurrence_probability(q)
    assert value.exact == expected
    assert value.lower == value.upper == pytest.approx(float(expected), abs=1e-15)


def test_any_symbol_named_n_is_the_index():
    other_n = sp.Symbol("n")
    assert recurrence_probability(1 / (other_n + 2) ** 2).exact == sp.Rational(1, 2)


def test_finite_list_products_are_exact():
    third, quarter = sp.Rational(1, 3), sp.Rational(1, 4)
    assert recurrence_probability([third, quarter]).exact == sp.Rational(1, 2)
    assert recurrence_probability([0.5, 0.5]).exact == sp.Rational(1, 4)  # floats -> rationals
    assert recurrence_probability([]).exact == 1


def test_certified_numeric_product_brackets_the_q_pochhammer_value():
    # prod_{n>=0} (1 - e^{-(n+1)}) = (1/e; 1/e)_oo, no closed form in sympy.
    truth = float(mpmath.qp(mpmath.exp(-1)))
    value = recurrence_probability("exp(-n - 1)")
    assert value.exact is None
    assert value.lower <= truth <= value.upper
    assert value.width <= 1e-9 * truth
    assert "integral-test" in value.method or "exact geometric tail" in value.method


def test_certified_numeric_product_for_a_stretched_exponential():
    # q_n = exp(-sqrt(n+1)): summable, no closed form; compare with 200k-term mpmath sum.
    value = recurrence_probability("exp(-sqrt(n + 1))")
    logs = np.log1p(-np.exp(-np.sqrt(np.arange(1, 400_001))))
    reference = math.exp(math.fsum(logs))  # tail beyond 4e5 is < 1e-270
    assert value.lower <= reference * (1 + 1e-12)
    assert reference * (1 - 1e-12) <= value.upper
    assert value.width < 1e-8


# ------------------------------------------------------------------ laws of N


def test_tail_law_closed_form_and_numeric_agree():
    law = tail_law("1/(n+2)**2")
    assert sp.simplify(law.exact - (n + 2) / (2 * (n + 1))) == 0
    ks = np.arange(0, 60)
    np.testing.assert_allclose(law.numeric(n=ks), tail_probability("1/(n+2)**2", ks))


def test_count_law_sums_to_one_minus_recurrence():
    pmf = count_law("1/(n+2)**2").exact
    assert sp.simplify(pmf - 1 / (2 * (n + 1) * (n + 2))) == 0
    assert sp.summation(pmf, (n, 0, sp.oo)) == sp.Rational(1, 2)
    assert count_probability("1/(n+2)**2", 0) == pytest.approx(0.25)


def test_tail_law_of_a_finite_list():
    law = tail_law([sp.Rational(1, 2), sp.Rational(1, 3)])
    values = [law.exact.subs(n, k) for k in range(4)]
    assert values == [1, sp.Rational(1, 2), sp.Rational(1, 3), sp.Rational(1, 3)]


def test_stationary_law_is_geometric():
    law = stationary_law()
    q, k = S.q, S.k
    assert law.pmf.exact == (1 - q) ** k * q
    assert sp.simplify(law.mean.exact - (1 - q) / q) == 0
    assert sp.simplify(law.variance.exact - (1 - q) / q**2) == 0
    # pgf consistency: E[N] = G'(1), Var = G''(1) + G'(1) - G'(1)^2.
    g = law.pgf.exact
    g1 = sp.diff(g, S.s).subs(S.s, 1)
    g2 = sp.diff(g, S.s, 2).subs(S.s, 1)
    assert sp.simplify(g1 - law.mean.exact) == 0
    assert sp.simplify(g2 + g1 - g1**2 - law.variance.exact) == 0
    quarter = stationary_law(0.25)
    assert quarter.mean.exact == 3 and quarter.variance.exact == 12
    assert tail_law("q").exact == (1 - q) ** n
    with pytest.raises(ParameterError, match="q"):
        stationary_law(0)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        (sp.Rational(1, 4), 3),  # geometric (1 - q)/q
        ("2/(n+3)", 1),  # P(N >= n) = 2/((n+1)(n+2)), sum_{n>=1} = 1
        ("1/(n+2)", sp.oo),  # N < oo a.s. but P(N >= n) = 1/(n+1): E[N] = oo
        ("1/(n+2)**2", sp.oo),  # P(N = oo) = 1/2
        ([sp.Rational(1, 2), 1], sp.Rational(1, 2)),  # P(N >= 1) = 1/2, P(N >= 2) = 0
    ],
)
def test_expected_takeovers(q, expected):
    assert expected_takeovers(q).exact == expected


def test_expected_takeovers_numeric_matches_partial_sums():
    # q_n = 1 - exp(-1/2 - 1/(n+1)) decreases to 1 - e^{-1/2} > 0: geometric tail bound.
    value = expected_takeovers("1 - exp(-1/2 - 1/(n+1))", max_terms=2000)
    assert value.lower <= value.value <= value.upper < math.inf
    ks = np.arange(1, 3000)
    direct = tail_probability("1 - exp(-1/2 - 1/(n+1))", ks).sum()
    assert value.lower - 1e-12 <= direct <= value.upper + 1e-12


# ------------------------------------------------------------------ classification


def test_classify_the_three_outcomes():
    positive = classify("1/(n+2)**2")
    assert positive.outcome is Dichotomy.RECURSION_WITH_POSITIVE_PROBABILITY
    assert positive.recurrence.exact == sp.Rational(1, 2)
    assert positive.series_converges is True
    assert "Gamma" in positive.reason

    harmonic = classify("1/(n+2)")
    assert harmonic.outcome is Dichotomy.SUPERCOHERENCE_ALMOST_SURELY
    assert harmonic.series_converges is False
    assert "harmonic" in harmonic.reason

    never = classify(0)
    assert never.outcome is Dichotomy.RECURSION_ALMOST_SURELY
    assert never.recurrence.exact == 1


def test_classify_edge_cases():
    one_somewhere = classify(1 / ((n - 3) ** 2 + 1))
    assert one_somewhere.outcome is Dichotomy.SUPERCOHERENCE_ALMOST_SURELY
    assert "q_3 = 1" in one_somewhere.reason
    to_one = classify("1 - 1/(n+2)")
    assert to_one.outcome is Dichotomy.SUPERCOHERENCE_ALMOST_SURELY
    assert "term test" in to_one.reason
    constant = classify(sp.Rational(1, 10))
    assert constant.outcome is Dichotomy.SUPERCOHERENCE_ALMOST_SURELY
    assert classify(1).outcome is Dichotomy.SUPERCOHERENCE_ALMOST_SURELY
    assert classify([0, 0, 0]).outcome is Dichotomy.RECURSION_ALMOST_SURELY
    assert classify([0.5, 1, 0.5]).outcome is Dichotomy.SUPERCOHERENCE_ALMOST_SURELY
    assert classify([0.5, 0.5]).outcome is Dichotomy.RECURSION_WITH_POSITIVE_PROBABILITY


def test_classify_non_rational_sequences():
    stretched = classify("exp(-sqrt(n + 1))")
    assert stretched.outcome is Dichotomy.RECURSION_WITH_POSITIVE_PROBABILITY
    assert "p-series" in stretched.reason
    assert stretched.recurrence.lower > 0
    tends_to_half = classify("1/2 + exp(-n)/4")
    assert tends_to_half.outcome is Dichotomy.SUPERCOHERENCE_ALMOST_SURELY


def test_classify_symbolic_parameters_gives_conditions_not_guesses():
    constant = classify("q")
    assert constant.outcome is Dichotomy.UNDECIDED
    assert constant.conditions[Dichotomy.RECURSION_ALMOST_SURELY] == sp.Eq(S.q, 0)
    assert constant.conditions[Dichotomy.SUPERCOHERENCE_ALMOST_SURELY] == sp.Ne(S.q, 0)
    positive_q = sp.Symbol("p", positive=True)
    assert classify(positive_q).outcome is Dichotomy.SUPERCOHERENCE_ALMOST_SURELY
    # p-series with a symbolic exponent: undecided (never a wrong answer).
    power = classify(1 / (n + 2) ** sp.Symbol("p", positive=True))
    assert power.outcome is Dichotomy.UNDECIDED
    # Euler's sine product: prod (1 - c/(n+1)^2) = sin(pi sqrt c)/(pi sqrt c).
    c = sp.Symbol("c", positive=True)
    sine = classify(c / (n + 1) ** 2)
    expected = sp.sin(sp.pi * sp.sqrt(c)) / (sp.pi * sp.sqrt(c))
    assert sp.simplify(sine.recurrence.exact - expected) == 0
    assert sine.recurrence.exact.subs(c, sp.Rational(1, 4)) == 2 / sp.pi


def test_classify_q_identically_one_at_a_level_decides_for_every_parameter():
    """q_0 = 1/(0 + 1)^beta = 1 whatever beta: O_0 is never overthrown, N = 0 surely."""
    for text in ("1/(n+1)**beta", "exp(-beta*n)"):
        verdict = classify(text)
        assert verdict.outcome is Dichotomy.SUPERCOHERENCE_ALMOST_SURELY, text
        assert verdict.recurrence.exact == 0 and not verdict.conditions
        assert "q_0 = 1" in verdict.reason
    # at every numeric beta the same answer, by the numeric path
    for beta in (sp.Rational(1, 2), 1, 2, 5):
        numeric = classify(1 / (n + 1) ** beta)
        assert numeric.outcome is Dichotomy.SUPERCOHERENCE_ALMOST_SURELY
    # no q_k identically 1 (q_0 = 2^-beta): the conditions on beta remain
    assert classify("1/(n+2)**beta").outcome is Dichotomy.UNDECIDED


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("q", "name"),
    [
        (sp.Rational(3, 2), r"q\[0\]"),
        ("(n+1)/2", r"q\[2\]"),
        ([0.5, -0.1], r"q\[1\]"),
        ("-1/(n+2)**2", r"q\[0\]"),
        ("1/(n-2)", r"q\[0\]"),
        ("1/(n-1/2)**2", r"q\[0\]"),
    ],
)
def test_q_outside_unit_interval_names_q_and_the_index(q, name):
    with pytest.raises(ParameterError, match=name):
        recurrence_probability(q)


def test_q_leaving_the_unit_interval_late_is_refused():
    with pytest.raises(ParameterError, match="q"):
        classify("n**2/1000")  # q_32 > 1: caught by the asymptotics, not the first terms


def test_unparsable_q():
    with pytest.raises(ExpressionError, match="q"):
        classify("1/(n+")


# ------------------------------------------------------------------ simulation check


def test_simulated_number_of_takeovers_agrees_with_the_product(assert_proportion, assert_within):
    # q_n = 1/(n+2)^2: P(N >= 50) = 52/102, P(N >= 2000) = 2002/4002 ~ P(N = oo) = 1/2
    # (bias 2.5e-4, far below the standard error 3.5e-3).
    rng = as_generator(20240611)
    reps, cap = 20_000, 2000
    alive = np.ones(reps, dtype=bool)
    count = np.zeros(reps, dtype=np.int64)
    for level in range(cap):
        stops = alive & (rng.random(reps) < 1.0 / (level + 2) ** 2)
        alive &= ~stops
        count[alive] += 1
    for threshold, exact in ((50, 52 / 102), (cap, 0.5)):
        assert_proportion(count >= threshold, exact)
    law_at_3 = count_probability("1/(n+2)**2", 3)
    assert_within((count == 3).mean(), law_at_3, math.sqrt(law_at_3 / reps))


# ------------------------------------------------------------------ escalation


def test_escalation_q():
    assert escalation_q("2**(-n)") == 0
    assert escalation_q(0) == 1
    assert escalation_q(1, "1/(n+1)") == sp.exp(-n - 1)
    with pytest.raises(ParameterError, match="h"):
        escalation_q(-1)
    with pytest.raises(ParameterError, match="delta"):
        escalation_q(1, -2)


def test_pure_birth_tail_matches_poisson_and_hypoexponential():
    # Equal rates: N(T) ~ Poisson(hT) (truncated at the last level).
    tail = takeovers_by_horizon(np.full(60, 0.5), 4.0)
    poisson_tail = [
        1 - sum(math.exp(-2) * 2**j / math.factorial(j) for j in range(k)) for k in range(6)
    ]
    np.testing.assert_allclose(tail[:6], poisson_tail, atol=1e-13)
    # Rates 1, 2: P(tau0 + tau1 <= T) = 1 - 2e^{-T} + e^{-2T}.
    t = 1.3
    assert takeovers_by_horizon([1.0, 2.0], t)[2] == pytest.approx(
        1 - 2 * math.exp(-t) + math.exp(-2 * t), rel=1e-12
    )


def test_constant_hazard_escalation_recurs_forever_at_a_vanishing_rate():
    scenario = TakeoverScenario(hazard="constant", detection_scaling=1.0, capability_ratio=2.0)
    report = escalation_report(scenario, 10.0)
    assert report.classification.outcome is Dichotomy.RECURSION_ALMOST_SURELY
    assert report.regime == "recurs forever at a vanishing rate"
    np.testing.assert_allclose(report.mean_tenures[:5], 1 / report.hazard_scales[:5])
    assert report.mean_tenures[5] > 1e6  # tenures grow without bound
    # E[N(T)] is finite although N = oo almost surely; it equals sum P(N(T) >= n).
    assert 1.0 < report.expected_by_horizon < 1.2
    assert report.expected_by_horizon == pytest.approx(report.takeover_tail[1:].sum())


def test_constant_hazard_without_escalation_has_poisson_count():
    scenario = TakeoverScenario(hazard="constant")  # h = 1 * 1/2 * 1/2 * 1/2 = 1/8
    report = escalation_report(scenario, 10.0)
    assert report.regime == "recurs forever at a non-vanishing rate"
    assert report.expected_by_horizon == pytest.approx(1.25, rel=1e-10)


def test_entrenchment_regimes():
    escalating = escalation_report(
        TakeoverScenario(hazard="entrenchment", detection_scaling=1.0, capability_ratio=2.0), 5.0
    )
    assert escalating.regime == "supercoherence"
    weakening = escalation_report(
        TakeoverScenario(hazard="entrenchment", entrenchment_weakening=1.0), 5.0
    )
    assert weakening.regime == "recurs forever with positive probability"
    assert (
        0 < weakening.classification.recurrence.lower <= weakening.classification.recurrence.upper
    )
    assert np.all(np.isinf(weakening.mean_tenures))


class _ConstantViaGrid:
    """A constant-hazard scenario that does not say so: forces the grid convolution."""

    hazard = "custom"

    def __init__(self, rates: np.ndarray) -> None:
        self.rates = rates

    def never_overthrown(self):
        return sp.S.Zero

    def hazard_scale_expr(self):
        return sp.Rational(1, 2) ** n

    def hazard_scale(self, index):
        return self.rates[np.asarray(index)]

    def never_overthrown_numeric(self, index):
        return np.zeros(np.shape(index))

    def cumulative_hazard(self, index, t):
        return self.rates[np.asarray(index)] * np.asarray(t)

    def inverse_cumulative_hazard(self, index, y):
        return y / self.rates[np.asarray(index)]


def test_grid_convolution_agrees_with_the_exact_pure_birth_law():
    rates = 2.0 ** -np.arange(30.0)
    grid_report = escalation_report(_ConstantViaGrid(rates), 6.0, levels=30, grid=4000)
    exact = takeovers_by_horizon(rates, 6.0)
    np.testing.assert_allclose(grid_report.takeover_tail[:6], exact[:6], atol=2e-6)
    assert grid_report.regime == "recurs forever at a vanishing rate"


def test_entrenchment_horizon_law_agrees_with_simulated_tenures(assert_proportion, assert_mean):
    scenario = TakeoverScenario(hazard="entrenchment", entrenchment_rate=0.2, spawn_rate=2.0)
    horizon = 8.0
    report = escalation_report(scenario, horizon, levels=40)
    rng = as_generator(7)
    reps = 40_000
    clock = np.zeros(reps)
    count = np.zeros(reps, dtype=np.int64)
    for level in range(40):
        tenure = scenario.inverse_cumulative_hazard(
            np.full(reps, level), rng.exponential(size=reps)
        )
        clock = clock + tenure
        count += clock <= horizon
    for k in (1, 2, 3):
        assert_proportion(count >= k, report.takeover_tail[k])
    assert_mean(count, report.expected_by_horizon)


def test_escalation_report_bad_input():
    with pytest.raises(ParameterError, match="horizon"):
        escalation_report(TakeoverScenario(), -1.0)
    with pytest.raises(ParameterError, match="levels"):
        escalation_report(TakeoverScenario(), 1.0, levels=0)
