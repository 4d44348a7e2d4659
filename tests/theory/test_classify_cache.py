"""The faster ball evaluation of :mod:`supercoherence.theory.recursion` changes no bit.

The product loop of ``_certified_product_at`` evaluates the compiled closures of
``_arb_function`` up to ``max_terms`` times per sequence (the shipped dichotomy study:
three sequences of :math:`2^{20}` terms), so the closures fold sums and products without
``functools.reduce`` and decide the branch of a rational constant power once per
precision.  Ball arithmetic rounds at every operation, so "the same value" means the same
operations in the same order: these tests compare midpoint and radius exactly against a
reference evaluator written out naively from the rules of the original closures.  The
verdict of a numeric ``q_n`` is computed once per process (the boundary table and the
report ask for the same sequences).
"""

from __future__ import annotations

import functools

import flint
import pytest
import sympy as sp

from supercoherence.theory import recursion as R
from supercoherence.theory import symbols as S

n = S.n


def _reference(expr: sp.Basic, x: flint.arb) -> flint.arb:
    """Ball value of ``expr`` at ``x`` by the original rules (reduce, per-call power)."""
    if expr == n:
        return x
    if isinstance(expr, sp.Rational):
        return flint.arb(flint.fmpq(int(expr.p), int(expr.q)))
    if isinstance(expr, sp.Float):
        return R._arb_of_float(expr)
    args = [_reference(a, x) for a in expr.args] if not isinstance(expr, sp.Pow) else None
    if isinstance(expr, sp.Add):
        return functools.reduce(lambda s, v: s + v, args[1:], args[0])
    if isinstance(expr, sp.Mul):
        return functools.reduce(lambda s, v: s * v, args[1:], args[0])
    if isinstance(expr, sp.Pow):
        b, e = _reference(expr.args[0], x), _reference(expr.args[1], x)
        k = R._as_integer(e)
        if k is not None:
            if k < 0 and b.contains(0):
                raise R._Undetermined("division by a ball containing 0")
            return b**k
        if e == flint.arb(flint.fmpq(1, 2)):
            return b.sqrt()
        if not b > 0:
            raise R._Undetermined("non-integer power of a ball not > 0")
        return (e * b.log()).exp()
    return R._ARB_UNARY[type(expr)](args[0])


def _same(a: flint.arb, b: flint.arb) -> bool:
    return a.mid() == b.mid() and a.rad() == b.rad()


SEQUENCES = [
    sp.exp(-((n + 1) ** sp.Rational(1, 4)) / 16),  # the dichotomy study's slowest
    sp.exp(-sp.sqrt(n + 1) / 8),
    sp.exp(-(n**2) / 16 - n / 8 - sp.Rational(1, 16)),
    1 / (n + 2) ** 2,
    (n + 1) ** sp.Rational(-1, 3) / 2,
    3 * (n + 1) ** -2 / 7 + (n + 5) ** -3 + sp.exp(-n) / 4,  # a four-term sum
    sp.Float(0.3) * (n + 1) ** sp.Float(-1.5),  # a float exponent: the per-call branch
    (n + 1) ** (10**40) / (n + 2) ** (10**40) / 2,  # an integer exponent inexact at 96 bits
]


@pytest.mark.parametrize("expr", SEQUENCES, ids=str)
@pytest.mark.parametrize("bits", [53, 96, 384, 1536])
def test_compiled_closures_match_the_reference_bit_for_bit(expr, bits):
    f = R._arb_function(expr)
    with R._precision(bits):
        for k in [*range(40), 1000, 65_536, 2**20 - 1, 10**9]:
            assert _same(f(flint.arb(k)), _reference(expr, flint.arb(k))), (expr, bits, k)


def test_precision_change_is_seen_by_the_cached_power_branch():
    """The branch and the ball of the exponent are cached per precision, not once."""
    f = R._arb_function(sp.exp(-((n + 1) ** sp.Rational(1, 3))))
    values = {}
    for bits in (96, 1536, 96):
        with R._precision(bits):
            values.setdefault(bits, []).append(f(flint.arb(7)))
    assert values[96][0].rel_accuracy_bits() < values[1536][0].rel_accuracy_bits()
    assert _same(values[96][0], values[96][1])


def test_product_loop_still_falls_back_to_the_exact_term():
    """A term the fast path refuses (here q_0 = 1 exactly) still goes to ``_term``."""
    value = R._certified_product(sp.exp(-n), 1e-10, 2**10)
    assert value.exact == 0 and "q_0 = 1 exactly" in value.method


def test_limit_is_cached_and_unchanged():
    expr = sp.exp(-sp.sqrt(n + 1) / 3) * n**2
    R._limit.cache_clear()
    first = R._limit(expr)
    hits = R._limit.cache_info().hits
    assert R._limit(expr) is first and R._limit.cache_info().hits == hits + 1
    assert first == sp.limit(expr, n, sp.oo) == 0


def test_numeric_verdict_is_computed_once_and_shared():
    """The boundary and the report classify the same q_n: the second call is a cache hit
    giving the same classification (outcome, reason, certified bounds)."""
    q = sp.exp(-sp.sqrt(n + 1) / 3)
    first = R.classify(q)
    hits = R._numeric_verdict_once.cache_info().hits
    second = R.classify(q)
    assert R._numeric_verdict_once.cache_info().hits == hits + 1
    assert second == first and second.recurrence is first.recurrence
    assert first.outcome is R.Dichotomy.RECURSION_WITH_POSITIVE_PROBABILITY
    assert R.recurrence_probability(q) is first.recurrence


def test_errors_are_not_cached():
    from supercoherence.errors import ParameterError

    for _ in range(2):
        with pytest.raises(ParameterError, match="first leaves"):
            R.classify("exp(n - 81/2)")
