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
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from supercoherence.cli import main
from supercoherence.theory import branching, contest, recursion
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
    assert scenario.q_expr() == 0
    verdict = recursion.classify(scenario.q_expr())
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
