r"""Absorbing finite Markov chains: takeover chains over optimizer types.

A chain on states :math:`1, \dots, k` with transition matrix :math:`P` (rows sum to 1)
is *absorbing* if it has an absorbing state (:math:`P_{ii} = 1`) and every state can
reach one.  Ordering the transient states first,

.. math::

    P = \begin{pmatrix} Q & R \\ 0 & I \end{pmatrix}, \qquad
    N = (I - Q)^{-1} = \sum_{m \ge 0} Q^m,

where :math:`N_{ij}` is the expected number of visits to transient :math:`j` from
transient :math:`i` (the *fundamental matrix*).  Then

- expected steps to absorption: :math:`t = N \mathbf{1}`;
- their variance: :math:`(2N - I)\,t - t_{\mathrm{sq}}` (:math:`t_{\mathrm{sq}}` the
  entrywise square of :math:`t`);
- absorption probabilities: :math:`B = N R`, :math:`B_{ij} = P(\text{absorbed in } j
  \mid \text{start in } i)`.

In this project the states are optimizer types (base, pseudo-aligned, deceptive, a
coherent end state ...) and a step is a takeover; an absorbing state is a dominant
optimizer that is never overthrown.  With exact input (integers, ``Rational``,
``fractions.Fraction``, sympy numbers) every result is an exact ``sympy.Matrix``; with
floats the results are numpy arrays.

References
----------
.. [1] J. G. Kemeny and J. L. Snell, *Finite Markov Chains*, Van Nostrand (1960),
   ch. III (absorbing chains; Theorems 3.2.1, 3.3.5, 3.3.7).
.. [2] C. M. Grinstead and J. L. Snell, *Introduction to Probability*, 2nd ed.,
   American Mathematical Society (1997), sec. 11.2 (the drunkard's walk,
   Example 11.13 and its continuations).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np
import sympy as sp

from supercoherence.errors import ParameterError

__all__ = ["AbsorbingChain"]

#: Tolerance on the row sums of a floating-point transition matrix.
ROW_SUM_TOLERANCE = 1e-12


def _is_exact(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | np.integer | Fraction):
        return True
    return isinstance(value, sp.Basic) and not value.has(sp.Float)


def _to_sympy(value: Any) -> sp.Expr:
    if isinstance(value, str | float | Fraction):
        from supercoherence.theory.result import sympify_param

        return sympify_param("P", value)  # safe parser; no eval, no rounding
    return sp.sympify(value, strict=True)


class AbsorbingChain:
    """An absorbing Markov chain with its fundamental matrix and absorption law.

    Parameters
    ----------
    P : array_like or sympy.Matrix
        Square transition matrix; ``P[i][j]`` is the probability of moving from state
        ``i`` to state ``j``.  Exact entries give exact results; any float gives numpy
        results.
    states : sequence of hashable, optional
        State labels (default ``0, ..., k-1``).

    Raises
    ------
    ParameterError
        If ``P`` is not square, an entry is outside [0, 1] (named ``P[i, j]``), a row
        does not sum to 1 (named ``P[i, :]``; exactly for exact input, within 1e-12 for
        floats), there is no absorbing state, or some state cannot reach one.

    Examples
    --------
    The drunkard's walk on 0, ..., 4 with absorbing ends (Grinstead & Snell,
    Example 11.13):

    >>> h = sp.Rational(1, 2)
    >>> P = [[1, 0, 0, 0, 0], [h, 0, h, 0, 0], [0, h, 0, h, 0],
    ...      [0, 0, h, 0, h], [0, 0, 0, 0, 1]]
    >>> chain = AbsorbingChain(P)
    >>> chain.transient_states, chain.absorbing_states
    ((1, 2, 3), (0, 4))
    >>> chain.fundamental_matrix
    Matrix([
    [3/2, 1, 1/2],
    [  1, 2,   1],
    [1/2, 1, 3/2]])
    >>> chain.expected_steps.T
    Matrix([[3, 4, 3]])
    >>> chain.absorption_probability(1, 4)
    1/4
    """

    def __init__(self, P: Any, states: Sequence[Hashable] | None = None) -> None:
        rows = [list(row) for row in (P.tolist() if hasattr(P, "tolist") else P)]
        size = len(rows)
        if size == 0 or any(len(row) != size for row in rows):
            raise ParameterError("P", P, "a non-empty square matrix")
        self.exact = all(_is_exact(x) for row in rows for x in row)
        self.states = tuple(range(size)) if states is None else tuple(states)
        if len(self.states) != size or len(set(self.states)) != size:
            raise ParameterError("states", states, f"{size} distinct labels")
        if self.exact:
            self.P = sp.Matrix([[_to_sympy(x) for x in row] for row in rows])
        else:
            self.P = np.asarray(rows, dtype=float)
        self._check_entries()
        self._check_rows()
        absorbing = [i for i in range(size) if self.P[i, i] == 1]
        if not absorbing:
            raise ParameterError("P", "no state with P[i, i] = 1", "an absorbing chain")
        self._absorbing = tuple(absorbing)
        self._transient = tuple(i for i in range(size) if i not in absorbing)
        self._check_reachability()

    # ------------------------------------------------------------------ validation

    def _check_entries(self) -> None:
        size = len(self.states)
        for i in range(size):
            for j in range(size):
                x = self.P[i, j]
                bad = (
                    bool(x.is_negative or (x - 1).is_positive)
                    if self.exact
                    else not 0.0 <= x <= 1.0
                )
                if bad:
                    raise ParameterError(f"P[{i}, {j}]", x, "[0, 1]")

    def _check_rows(self) -> None:
        for i in range(len(self.states)):
            if self.exact:
                total = sum(self.P.row(i))
                bad = sp.simplify(total - 1) != 0
            else:
                total = float(np.sum(self.P[i]))
                bad = abs(total - 1.0) > ROW_SUM_TOLERANCE
            if bad:
                raise ParameterError(
                    f"P[{i}, :]",
                    total,
                    "row sums equal to 1",
                    f"row of state {self.states[i]!r} does not sum to 1",
                )

    def _check_reachability(self) -> None:
        reaches = set(self._absorbing)
        changed = True
        while changed:
            changed = False
            for i in self._transient:
                if i not in reaches and any(self.P[i, j] != 0 for j in reaches):
                    reaches.add(i)
                    changed = True
        for i in self._transient:
            if i not in reaches:
                raise ParameterError(
                    "P",
                    f"state {self.states[i]!r}",
                    "an absorbing chain",
                    f"state {self.states[i]!r} cannot reach an absorbing state",
                )

    # ------------------------------------------------------------------ structure

    @property
    def transient_states(self) -> tuple[Hashable, ...]:
        """Labels of the transient states, in the order of the rows of ``N``."""
        return tuple(self.states[i] for i in self._transient)

    @property
    def absorbing_states(self) -> tuple[Hashable, ...]:
        """Labels of the absorbing states, in the order of the columns of ``B``."""
        return tuple(self.states[i] for i in self._absorbing)

    def _block(self, rows: tuple[int, ...], cols: tuple[int, ...]) -> Any:
        if self.exact:
            return self.P.extract(list(rows), list(cols))
        return self.P[np.ix_(rows, cols)]

    @property
    def Q(self) -> Any:
        """Transient-to-transient block of ``P``."""
        return self._block(self._transient, self._transient)

    @property
    def R(self) -> Any:
        """Transient-to-absorbing block of ``P``."""
        return self._block(self._transient, self._absorbing)

    # ------------------------------------------------------------------ results

    @cached_property
    def fundamental_matrix(self) -> Any:
        """``N = (I - Q)^{-1}``: expected visits to each transient state."""
        m = len(self._transient)
        if self.exact:
            return (sp.eye(m) - self.Q).inv()
        return np.linalg.solve(np.eye(m) - self.Q, np.eye(m))

    @cached_property
    def expected_steps(self) -> Any:
        """``t = N 1``: expected number of steps to absorption from each transient state."""
        N = self.fundamental_matrix
        if self.exact:
            return N * sp.ones(N.rows, 1)
        return N.sum(axis=1)

    @cached_property
    def steps_variance(self) -> Any:
        """Variance of the number of steps, ``(2N - I) t - t_sq`` (Kemeny & Snell 3.3.5).

        Examples
        --------
        >>> AbsorbingChain([[0.5, 0.5], [0.0, 1.0]]).steps_variance.tolist()
        [2.0]
        """
        N, t = self.fundamental_matrix, self.expected_steps
        if self.exact:
            return (2 * N - sp.eye(N.rows)) * t - t.applyfunc(lambda x: x**2)
        return (2 * N - np.eye(N.shape[0])) @ t - t**2

    @cached_property
    def absorption_probabilities(self) -> Any:
        """``B = N R``: row = transient start, column = absorbing state."""
        if self.exact:
            return self.fundamental_matrix * self.R
        return self.fundamental_matrix @ self.R

    def absorption_probability(self, start: Hashable, target: Hashable) -> Any:
        """P(absorbed in ``target`` | start in ``start``); 1 or 0 if ``start`` absorbs.

        Raises
        ------
        ParameterError
            If ``start`` is not a state or ``target`` is not an absorbing state.
        """
        if start not in self.states:
            raise ParameterError("start", start, f"one of {list(self.states)}")
        if target not in self.absorbing_states:
            raise ParameterError("target", target, f"one of {list(self.absorbing_states)}")
        i = self.states.index(start)
        if i in self._absorbing:
            value = 1 if start == target else 0
            return sp.Integer(value) if self.exact else float(value)
        row = self._transient.index(i)
        col = self.absorbing_states.index(target)
        return self.absorption_probabilities[row, col]

    def __repr__(self) -> str:
        kind = "exact" if self.exact else "float"
        return (
            f"AbsorbingChain({len(self.states)} states, {kind}, "
            f"absorbing={list(self.absorbing_states)})"
        )
