"""No silent rounding of user numbers (issue 16 §1), across the layers.

The first release turned floats into "nearby simple" rationals, which flipped
answers at the edges.  Each class below is tested over many points (hypothesis),
not at the one example that exposed it: a float is the binary number it is, a
decimal string the decimal it spells, and the CLI, the exact API and the numeric
API agree.
"""

from __future__ import annotations

import json
import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from supercoherence.cli import main
from supercoherence.theory import branching, contest, recursion, symbols
from supercoherence.theory.expressions import parse_expression
from supercoherence.theory.scenario import TakeoverScenario

#: A tiny positive gap, from 1e-15 to 1e-3, the range in which snapping used to bite.
GAPS = st.floats(min_value=1e-15, max_value=1e-3, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(GAPS)
def test_detection_just_below_one_keeps_a_positive_constant_hazard(gap: float) -> None:
    """``detection = 1 - eps`` leaves ``h_n > 0``: a constant hazard recurs almost surely."""
    scenario = TakeoverScenario(detection=1 - gap, hazard="constant")
    assert scenario.hazard_scale_expr().subs("n", 0) != 0
    assert scenario.never_overthrown() == 0
    verdict = recursion.classify(scenario.never_overthrown())
    assert "almost surely" in str(verdict) and "forever" in str(verdict)


@settings(max_examples=40, deadline=None)
@given(st.floats(min_value=1e-12, max_value=1e-4))
def test_poisson_just_above_criticality_is_supercritical(gap: float) -> None:
    """``m = 1 + eps`` is supercritical: the survival probability is about ``2 eps``."""
    m = 1 + gap
    survival = branching.poisson_survival_numeric(m)
    exact_eps = m - 1  # the float's own gap, not the decimal one
    assert survival > 0
    assert survival == pytest.approx(2 * exact_eps, rel=2 * exact_eps + 1e-6)


@settings(max_examples=25, deadline=None)
@given(st.floats(min_value=1e-10, max_value=1e-7))
def test_gamblers_ruin_near_fair_coin_is_not_snapped(gap: float) -> None:
    """``p = 1/2 + eps`` with ``N eps`` of order one is not the fair game."""
    total = round(1 / gap)
    start = total // 2
    p = 0.5 + gap
    value = float(contest.ruin_probability(p, start, total))
    with mpmath.workdps(60):
        pp = mpmath.mpf(p)
        ratio = (1 - pp) / pp
        truth = (ratio**start - ratio**total) / (1 - ratio**total)
    assert value == pytest.approx(float(truth), rel=1e-9)
    assert value < 0.5


def test_the_issue_examples_give_the_true_answers() -> None:
    # gambler's ruin at p = 0.5 + 5e-10, i = 5e8, N = 1e9: true 0.26894 (not 1/2).
    assert float(contest.ruin_probability(0.5 + 5e-10, 5e8, 1e9)) == pytest.approx(0.26894, 1e-4)
    # the finite list [0.9999999999, 0.5]: P(recur forever) = 1e-10 * 0.5 = 5e-11 (not 0).
    value = recursion.recurrence_probability([0.9999999999, 0.5])
    assert float(value.lower) > 0
    assert float(value.upper) == pytest.approx(5e-11, rel=1e-6)
    # decimal literals in expression strings are exact: 1e-17/(n+1) is not summable.
    assert "supercoherence almost surely" in str(recursion.classify("1e-17/(n+1)"))
    assert "supercoherence almost surely" in str(recursion.classify("1e-300"))


def _cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(["derive", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("q", ["1e-17/(n+1)", "1e-300", "0.5/(n+2)**2", "exp(-(n+1)/1000)"])
def test_cli_and_api_never_disagree(q: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI parses with the API's parser, so its verdict is the API's verdict."""
    record = _cli_json(capsys, "classify", "-p", f"q={q}")
    api = recursion.classify(q)
    assert api.outcome.value in json.dumps(record)
    value = _cli_json(capsys, "recurrence-probability", "-p", f"q={q}")
    exact = recursion.recurrence_probability(q)
    if value["exact"] is None:  # no closed form: the CLI gives the certified enclosure
        low, high = (mpmath.mpf(b) for b in value["bounds"].strip("[]").split(","))
        # the API's ball (any exponent; its floats underflow here) lies in the CLI's bounds
        mid = mpmath.mpf(exact.ball.mid().str(30, radius=False))
        radius = mpmath.mpf(exact.ball.rad().str(5, radius=False))
        assert low <= mid - radius and mid + radius <= high * (1 + 1e-12)
        assert low > 0 and exact.is_positive
        return
    cli = mpmath.mpf(str(sp.N(parse_expression(value["exact"], name="P", symbols={}), 30)))
    if cli == 0:
        assert float(exact.upper) == 0
    else:
        assert float(exact.lower) <= cli * (1 + 1e-12) and cli <= exact.upper * (1 + 1e-12)


@pytest.mark.parametrize(
    "text, exact", [("0.1", sp.Rational(1, 10)), ("1e-17", sp.Rational(1, 10**17))]
)
def test_decimal_strings_are_the_decimals_they_spell(text: str, exact: sp.Rational) -> None:
    scenario = TakeoverScenario(detection=0.5)
    assert scenario._exact("detection") == sp.Rational(1, 2)
    from supercoherence.theory.result import sympify_param

    assert sympify_param("p", text) == exact
    assert sympify_param("p", float(text)) == sp.Rational(float(text))
    assert sympify_param("p", float(text)) != exact or math.isclose(float(text), 0.5)


@pytest.mark.parametrize("hazard, extra", [("constant", {}), ("power", {"power_exponent": 0.5})])
def test_an_underflowed_hazard_scale_still_overthrows(hazard: str, extra: dict) -> None:
    """h_n = (1-d) e^{-kappa (gamma^n - 1)} underflows to 0.0 for n >= 10 at gamma = 2,
    kappa = 1; it is still positive, so a non-integrable hazard gives q_n = 0 exactly (the
    exact layer's value), never 1."""
    sc = TakeoverScenario(hazard=hazard, capability_ratio=2.0, detection_scaling=1.0, **extra)
    n = np.arange(20)
    assert float(sc.hazard_scale(12)) == 0.0
    assert np.all(sc.never_overthrown_numeric(n) == 0.0)
    assert float(sc.never_overthrown().subs(symbols.n, 12)) == 0.0
    # the structural zero stays a zero: no spawns, nothing is ever overthrown
    idle = TakeoverScenario(
        hazard=hazard, capability_ratio=2.0, detection_scaling=1.0, spawn_rate=0.0, **extra
    )
    assert idle.never_overthrown_numeric(12) == 1.0


def test_certification_does_not_depend_on_sympy_integration() -> None:
    """The dichotomy's weakening points q_n = exp(-(h/delta)(1+n)^w) are certified by the
    closed-form incomplete-gamma tail (deterministic; no time budget is reached), and an
    exponent with a 55-bit denominator (the float 0.1) is certified instead of exhausting
    memory in sympy's meijerg integration."""
    for delta, w, low, high in [
        (0.125, 0.25, 2.27e-11, 2.29e-11),
        (0.25, 0.25, 2.2e-173, 2.35e-173),
    ]:
        c = recursion.classify(
            TakeoverScenario(entrenchment_rate=delta, entrenchment_weakening=w).never_overthrown()
        )
        assert c.recurrence.certified and low <= c.recurrence.value <= high, (delta, w, c)
    c = recursion.classify(
        TakeoverScenario(capability_ratio=0.8, entrenchment_weakening=0.1).never_overthrown()
    )
    assert c.recurrence.certified and c.recurrence.is_positive


def test_symbolic_power_law_condition_is_not_false() -> None:
    """1/(n+2)^kappa (kappa >= 0): recursion with positive probability iff kappa > 1."""
    c = recursion.classify("1/(n+2)**kappa")
    positive = c.conditions[recursion.Dichotomy.RECURSION_WITH_POSITIVE_PROBABILITY]
    kappa = sorted(positive.free_symbols, key=str)[0]
    assert positive.subs(kappa, 2) == sp.true
    assert positive.subs(kappa, sp.Rational(1, 2)) == sp.false
