"""Absorbing chains: textbook values, hand-derived values, simulation, bad input."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from supercoherence.errors import ParameterError
from supercoherence.randomness import as_generator
from supercoherence.theory.markov import AbsorbingChain

H = sp.Rational(1, 2)
DRUNKARD = [
    [1, 0, 0, 0, 0],
    [H, 0, H, 0, 0],
    [0, H, 0, H, 0],
    [0, 0, H, 0, H],
    [0, 0, 0, 0, 1],
]


def test_drunkards_walk_matches_grinstead_snell_example_11_13():
    # Grinstead & Snell, Introduction to Probability (1997), sec. 11.2: N, t = N1, B = NR.
    chain = AbsorbingChain(DRUNKARD)
    assert chain.exact
    assert chain.fundamental_matrix == sp.Matrix(
        [[sp.Rational(3, 2), 1, H], [1, 2, 1], [H, 1, sp.Rational(3, 2)]]
    )
    assert chain.expected_steps == sp.Matrix([3, 4, 3])
    assert chain.absorption_probabilities == sp.Matrix(
        [[sp.Rational(3, 4), sp.Rational(1, 4)], [H, H], [sp.Rational(1, 4), sp.Rational(3, 4)]]
    )


def test_float_input_gives_numpy_with_the_same_values():
    chain = AbsorbingChain(np.array(DRUNKARD, dtype=float))
    assert not chain.exact
    np.testing.assert_allclose(chain.expected_steps, [3.0, 4.0, 3.0], rtol=1e-12)
    np.testing.assert_allclose(
        chain.absorption_probabilities, [[0.75, 0.25], [0.5, 0.5], [0.25, 0.75]], rtol=1e-12
    )


def test_hand_derived_takeover_chain_with_labels():
    # base -> mesa 1/2, aligned 1/4, misaligned 1/4; mesa -> base 1/3, misaligned 2/3.
    # b_base = 1/4 + b_mesa/2, b_mesa = b_base/3  => b_base = 3/10, b_mesa = 1/10;
    # t_base = 1 + t_mesa/2, t_mesa = 1 + t_base/3 => t_base = 9/5, t_mesa = 8/5.
    q = Fraction
    P = [
        [0, q(1, 2), q(1, 4), q(1, 4)],
        [q(1, 3), 0, 0, q(2, 3)],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
    ]
    chain = AbsorbingChain(P, states=["base", "mesa", "aligned", "misaligned"])
    assert chain.transient_states == ("base", "mesa")
    assert chain.absorbing_states == ("aligned", "misaligned")
    assert chain.absorption_probability("base", "aligned") == sp.Rational(3, 10)
    assert chain.absorption_probability("mesa", "aligned") == sp.Rational(1, 10)
    assert chain.absorption_probability("aligned", "aligned") == 1
    assert chain.expected_steps == sp.Matrix([sp.Rational(9, 5), sp.Rational(8, 5)])
    # Every row of B sums to 1.
    assert all(sum(chain.absorption_probabilities.row(i)) == 1 for i in range(2))


def test_steps_variance_of_geometric_absorption():
    # Staying with probability 1 - p: steps ~ Geometric(p) on {1, 2, ...}, Var = (1-p)/p^2.
    p = sp.Rational(1, 5)
    chain = AbsorbingChain([[1 - p, p], [0, 1]])
    assert chain.steps_variance == sp.Matrix([(1 - p) / p**2])


def test_drunkard_simulation_agrees_with_steps_and_absorption_within_4_se(
    assert_within, assert_mean, assert_proportion
):
    chain = AbsorbingChain(np.array(DRUNKARD, dtype=float))
    rng = as_generator(2024)
    reps = 20_000
    position = np.full(reps, 2)
    steps = np.zeros(reps)
    alive = np.ones(reps, dtype=bool)
    while alive.any():
        move = rng.choice([-1, 1], size=alive.sum())
        position[alive] += move
        steps[alive] += 1
        alive = (position > 0) & (position < 4)
    assert_mean(steps, chain.expected_steps[1], "expected steps")
    var_se = steps.var(ddof=1) * np.sqrt(2 / (reps - 1)) * 3  # generous: kurtosis > 3
    assert_within(steps.var(ddof=1), chain.steps_variance[1], var_se, "variance of steps")
    assert_proportion(position == 4, 0.5, "P(absorbed right)")


def test_float_rows_within_tolerance_are_accepted():
    eps = 1e-13
    chain = AbsorbingChain([[0.5 + eps, 0.5], [0.0, 1.0]])
    np.testing.assert_allclose(chain.expected_steps, [2.0], rtol=1e-9)


def test_row_not_summing_to_one_names_the_row():
    with pytest.raises(ParameterError, match=r"P\[1, :\]") as err:
        AbsorbingChain([[1, 0], [sp.Rational(1, 2), sp.Rational(1, 3)]])
    assert "row" in str(err.value)
    with pytest.raises(ParameterError, match=r"P\[0, :\]"):
        AbsorbingChain([[0.5, 0.5 + 1e-9], [0.0, 1.0]])


def test_entry_outside_unit_interval_names_the_entry():
    with pytest.raises(ParameterError, match=r"P\[0, 0\] = 3/2"):
        AbsorbingChain([[sp.Rational(3, 2), sp.Rational(-1, 2)], [0, 1]])
    with pytest.raises(ParameterError, match=r"P\[0, 1\] = 1.5"):
        AbsorbingChain([[0.0, 1.5, -0.5], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])


def test_not_square_no_absorbing_state_and_unreachable_absorption_are_refused():
    with pytest.raises(ParameterError, match="square"):
        AbsorbingChain([[1, 0, 0], [0, 1, 0]])
    with pytest.raises(ParameterError, match="absorbing"):
        AbsorbingChain([[0, 1], [1, 0]])
    with pytest.raises(ParameterError, match="'loop' cannot reach"):
        AbsorbingChain([[1, 0, 0], [0, 0, 1], [0, 1, 0]], states=["end", "loop", "back"])


def test_bad_labels_and_queries():
    with pytest.raises(ParameterError, match="states"):
        AbsorbingChain([[1, 0], [0, 1]], states=["a", "a"])
    chain = AbsorbingChain(DRUNKARD)
    with pytest.raises(ParameterError, match="target"):
        chain.absorption_probability(1, 2)
    with pytest.raises(ParameterError, match="start"):
        chain.absorption_probability(7, 4)
