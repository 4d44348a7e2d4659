"""Certification that never lies (issue 16, section 4; issue 17, section 4).

Every certified interval of :func:`recurrence_probability` / :func:`classify` rests on a
proved tail bound; without one the value is ``uncertified`` and only the partial product
is given, as an upper bound.  Tiny probabilities live in ball arithmetic (python-flint's
arb) and print with their exponent.
"""

from __future__ import annotations

import math

import flint
import mpmath
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supercoherence.errors import ParameterError
from supercoherence.theory import symbols as S
from supercoherence.theory.recursion import Dichotomy, classify, recurrence_probability

n = S.n
POSITIVE = Dichotomy.RECURSION_WITH_POSITIVE_PROBABILITY
SUPER = Dichotomy.SUPERCOHERENCE_ALMOST_SURELY
FEW = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _ball(x: mpmath.mpf, rel: float = 1e-20) -> flint.arb:
    """An arb ball around an mpmath number (any exponent), relative radius ``rel``."""
    man, exp = x.man_exp  # no re-rounding to the current mpmath precision
    mid = flint.arb(flint.fmpz(int(man))) * flint.arb(2) ** int(exp)
    return mid * flint.arb(1, rel)


def _mp_product(f, terms: int, dps: int = 40) -> mpmath.mpf:
    with mpmath.workdps(dps):
        return mpmath.exp(mpmath.fsum(mpmath.log1p(-f(k)) for k in range(terms)))


# ------------------------------------------------------------------ the examples


def test_a_late_q_equal_to_one_is_found_in_a_piecewise():
    q = sp.Piecewise((1, sp.Eq(n, 3 * 10**6)), (1 / (n + 2) ** 2, True))
    verdict = classify(q)
    assert verdict.outcome is SUPER
    assert verdict.recurrence.exact == 0
    assert "q_3000000 = 1" in verdict.reason


def test_a_probability_below_double_precision_is_certified_positive_and_printed():
    value = recurrence_probability("exp(-(n+1)/1000)")
    assert value.certified and value.is_positive
    assert value.lower == 0.0 < value.upper  # floats rounded outwards
    assert value.text.startswith("3.26076651")
    assert "e-713" in value.text
    assert value.log10 == pytest.approx(-712.4867, abs=1e-3)
    # the truth: mpmath sum of logs (the tail beyond 60000 terms is < 1e-20)
    with mpmath.workdps(30):
        truth = _mp_product(lambda k: mpmath.exp(-mpmath.mpf(k + 1) / 1000), 60_000, 30)
    assert value.ball.overlaps(_ball(truth))
    assert classify("exp(-(n+1)/1000)").outcome is POSITIVE


def test_an_exact_value_below_double_precision_prints_its_exponent():
    value = recurrence_probability([1 - sp.Integer(10) ** -600])
    assert value.exact == sp.Integer(10) ** -600
    assert value.is_positive and value.text == "1.0e-600"
    assert classify([1 - sp.Integer(10) ** -600]).outcome is POSITIVE


def test_the_slow_bertrand_series_is_certified_not_its_partial_product():
    q = "1/((n+16)*log(n+16)*log(log(n+16))**2)"
    value = recurrence_probability(q)
    assert value.certified
    assert value.lower <= 0.3704030 <= value.upper  # not the 64-term 0.729
    assert "integral-test" in value.method and "verified by differentiation" in value.method
    assert classify(q).outcome is POSITIVE


def test_no_tail_bound_means_uncertified_with_the_partial_product_as_a_bound():
    q = (1 + sp.sin(n) ** 2) / (2 * (n + 2) ** 2)
    value = recurrence_probability(q)
    assert not value.certified
    assert math.isnan(value.value) and value.lower == 0.0
    assert value.text.startswith("uncertified: 0 <= P <= ")
    truth = _mp_product(lambda k: (1 + mpmath.sin(k) ** 2) / (2 * (k + 2) ** 2), 4000, 20)
    assert value.upper >= truth
    assert value.as_expr() is sp.nan


def test_an_enclosure_of_no_precision_stops_early_and_still_holds_the_truth():
    # Sum q_n ~ 16^4 * 4! = 1.6e6: P ~ exp(-1.6e6), and the integral-test tail leaves a
    # log-width of ~5e4 however many terms; going on to 2^20 terms cost 6 s for nothing.
    q = sp.exp(-((n + 1) ** sp.Rational(1, 4)) / 16)
    value = recurrence_probability(q)
    assert value.certified and value.is_positive
    assert value.terms == 4096 and "shrinks slowly" in value.method
    # an independent enclosure of log P: with S = sum q_n in [I, q_0 + I] (I the integral
    # from 0, q decreasing) and -x - x^2/(2(1-x)) <= log(1-x) <= -x, q_n <= q_0
    with mpmath.workdps(30):
        integral = mpmath.quad(lambda x: mpmath.exp(-((x + 1) ** 0.25) / 16), [0, mpmath.inf])
        q0 = mpmath.exp(-mpmath.mpf(1) / 16)
        low = -(q0 + integral) * (1 + q0 / (2 * (1 - q0)))
        high = -integral
    truth = flint.arb(float(low)).union(flint.arb(float(high)))
    assert value.ball.log().overlaps(truth)
    assert float(high) < -1.5e6


@pytest.mark.parametrize(
    ("check", "q", "match"),
    [
        # q exceeding one late: the first offending n
        (classify, "exp(n - 81/2)", r"q\[41\].*first leaves \[0, 1\] at n = 41"),
        (classify, "n**2/1000", r"q\[32\]"),
        # undefined terms are named
        (recurrence_probability, "1/(n-3)**2", r"q\[3\].*undefined at n = 3"),
        (recurrence_probability, "log(n)/(n+2)", r"q\[0\].*undefined at n = 0"),
    ],
    ids=["late-above-one", "quadratic", "pole", "log-at-zero"],
)
def test_a_bad_term_is_refused_naming_its_index(check, q, match):
    with pytest.raises(ParameterError, match=match):
        check(q)


def test_factorial_kronecker_and_floor_inputs():
    factorial = classify("1/factorial(n+2)")
    assert factorial.outcome is POSITIVE
    truth = _mp_product(lambda k: 1 / mpmath.factorial(k + 2), 60)
    assert factorial.recurrence.lower <= truth <= factorial.recurrence.upper
    delta = classify(sp.KroneckerDelta(n, 3))
    assert delta.outcome is SUPER and "q_3 = 1" in delta.reason
    third = classify(sp.KroneckerDelta(n, 5) / 3)
    assert third.outcome is POSITIVE and third.recurrence.exact == sp.Rational(2, 3)
    floor = classify(sp.floor(n / (n + 1)))
    assert floor.outcome is Dichotomy.RECURSION_ALMOST_SURELY
    assert floor.recurrence.exact == 1


def test_oscillating_sequences_are_decided():
    even = classify("(1 + (-1)**n)/(n+2)**2")  # subsequences 2m and 2m+1
    assert even.outcome is POSITIVE
    assert sp.N(even.recurrence.exact - sp.Rational(3, 4) * 0 - even.recurrence.exact) == 0
    truth = _mp_product(lambda k: (1 + (-1) ** k) / mpmath.mpf(k + 2) ** 2, 200_000, 20)
    assert float(sp.N(even.recurrence.exact)) == pytest.approx(float(truth), rel=1e-4)
    harmonic_on_evens = classify("(1 + (-1)**n)/(2*(n+1))")
    assert harmonic_on_evens.outcome is SUPER
    sine = classify("(1 + sin(n))/(n+2)**2")  # q_n <= 2/(n+2)^2
    assert sine.outcome is POSITIVE and sine.recurrence.certified
    assert "comparison" in sine.recurrence.method


def test_symbolic_families_return_their_conditions():
    beta = classify("(n+2)**(-beta)")
    assert beta.outcome is Dichotomy.UNDECIDED
    assert beta.conditions[POSITIVE] == (S.beta > 1)
    assert beta.conditions[SUPER] == (S.beta <= 1)
    decay = classify("exp(-delta*(n+1))")
    assert decay.outcome is POSITIVE


# ------------------------------------------------------------------ property tests


@FEW
@given(st.integers(0, 10**7), st.fractions(0, 1))
def test_piecewise_exceptions_anywhere(index, value):
    value = sp.Rational(value.numerator, value.denominator)
    q = sp.Piecewise((value, sp.Eq(n, index)), (1 / (n + 2) ** 2, True))
    verdict = classify(q)
    if value == 1:
        assert verdict.outcome is SUPER and f"q_{index} = 1" in verdict.reason
        return
    expected = sp.Rational(1, 2) * (1 - value) / (1 - sp.Rational(1, (index + 2) ** 2))
    assert sp.simplify(verdict.recurrence.exact - expected) == 0
    assert verdict.outcome is POSITIVE


@FEW
@given(st.integers(0, 2000))
def test_first_offending_index_is_exact(m):
    with pytest.raises(ParameterError, match=rf"q\[{m + 1}\]"):
        classify(sp.exp(n - m - sp.Rational(1, 2)))


@FEW
@given(st.integers(1, 40), st.integers(2, 9))
def test_certified_intervals_contain_the_q_pochhammer_value(a, b):
    # q_n = c r^n with c = 1/a... : prod (1 - c r^n) = (c; r)_oo.
    c, r = sp.Rational(1, a + 1), sp.Rational(1, b)
    value = recurrence_probability(c * r**n)
    with mpmath.workdps(40):
        truth = mpmath.qp(mpmath.mpf(1) / (a + 1), mpmath.mpf(1) / b)
        assert value.ball.overlaps(_ball(truth))
    assert value.certified and value.width <= 1e-9


@FEW
@given(st.integers(1, 3000))
def test_exponential_decay_is_positive_at_every_rate(scale):
    value = recurrence_probability(sp.exp(-(n + 1) / sp.Integer(scale)), max_terms=2**12)
    assert value.certified and value.is_positive
    assert not value.text.startswith("0 ") and value.log10 > -1e6


@settings(max_examples=16, deadline=None)
@given(st.integers(2, 12), st.booleans())
def test_exact_and_numeric_layers_agree_near_the_p_series_boundary(digits, above):
    eps = sp.Integer(10) ** -digits
    beta = 1 + eps if above else 1 - eps
    family = classify("(n+2)**(-beta)")
    predicted = POSITIVE if family.conditions[POSITIVE].subs(S.beta, beta) else SUPER
    assert family.conditions[SUPER].subs(S.beta, beta) == (predicted is SUPER)
    numeric = classify((n + 2) ** (-beta), max_terms=256)
    assert numeric.outcome is predicted
    if predicted is POSITIVE:  # P ~ exp(-2^(1-beta)/(beta-1)): far below double precision
        assert numeric.recurrence.is_positive


@settings(max_examples=16, deadline=None)
@given(st.integers(1, 12))
def test_exact_and_numeric_layers_agree_for_slow_exponential_decay(digits):
    delta = sp.Integer(10) ** -digits
    assert classify("exp(-delta*(n+1))").outcome is POSITIVE
    numeric = classify(sp.exp(-delta * (n + 1)), max_terms=256)
    assert numeric.outcome is POSITIVE
    assert numeric.recurrence.is_positive


@settings(max_examples=16, deadline=None)
@given(st.integers(1, 30), st.booleans())
def test_exact_and_numeric_layers_agree_near_q_zero(digits, zero):
    q = sp.S.Zero if zero else sp.Integer(10) ** -digits
    symbolic = classify("q")
    predicted = next(o for o, cond in symbolic.conditions.items() if cond.subs(S.q, q))
    assert classify(q).outcome is predicted


# ------------------------------------------------------------------ command line


def test_cli_names_the_undefined_term_and_prints_tiny_values():
    from supercoherence.cli.derive import derive

    with pytest.raises(ParameterError, match=r"q\[3\].*undefined at n = 3"):
        derive("recurrence-probability", ["q=1/(n-3)**2"])
    tiny = derive("recurrence-probability", ["q=exp(-(n+1)/1000)"])
    assert tiny.value() is None  # never 0.0: below double precision
    assert "e-713" in sp.sstr(tiny.exact) and "e-713" in tiny.details["bounds"]
    undecided = derive("recurrence-probability", ["q=(1 + sin(n)**2)/(2*(n+2)**2)"])
    assert undecided.exact is sp.nan and "uncertified" in undecided.details["status"]
