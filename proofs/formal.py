r"""Building formal statements: unevaluated relations, limits and implications.

Statements are sympy formulas built without evaluation, so that sympy neither
decides them while they are written (``Eq(Sum(...), oo)`` would sum the series) nor
collapses them to ``True``: the proof must establish them.  The constructors here
build the same objects the checkers of :mod:`~supercoherence.proofs.checkers`
conclude, so a statement and the step that proves it compare structurally.

Examples
--------
>>> import sympy as sp
>>> x = sp.Symbol("x", positive=True)
>>> eq(x + x, 2 * x)
Eq(2*x, 2*x)
>>> lim(1 / x, x, sp.oo)
Limit(1/x, x, oo, dir='-')
>>> implies([x > 1], x**2 > 1)
Implies(x > 1, x**2 > 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from supercoherence.proofs.checkers import _conditional, _eq

__all__ = ["eq", "implies", "lim"]


def eq(lhs: Any, rhs: Any) -> Any:
    """``lhs = rhs``, unevaluated (entrywise for matrices)."""
    return _eq(lhs, rhs)


def lim(expr: Any, var: Any, point: Any, direction: str = "+") -> sp.Limit:
    """The unevaluated limit a :class:`~supercoherence.proofs.checkers.Limit` step concludes."""
    return sp.Limit(expr, var, point, direction)


def implies(hypotheses: Sequence[Any], claim: Any) -> Any:
    """``And(hypotheses) -> claim`` (``claim`` alone without hypotheses)."""
    return _conditional(tuple(hypotheses), claim)
