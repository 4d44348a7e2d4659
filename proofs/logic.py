r"""When the steps of a proof establish its statement: equivalence and entailment.

A theorem's statement is a sympy formula over its (universally quantified)
symbols.  Each step concludes a formula.  The theorem holds when its statement is
*entailed* by its hypotheses and the conclusions of its steps under three rules,
applied to formulas compared up to :func:`equivalent`:

* **conjunction** -- :math:`A \wedge B` holds when :math:`A` and :math:`B` do, and a
  fact :math:`A \wedge B` gives each of them;
* **implication** -- :math:`H \Rightarrow C` holds when :math:`C` follows from the
  facts together with (each conjunct of) :math:`H`;
* **modus ponens** -- a fact :math:`A \Rightarrow C` gives :math:`C` once :math:`A`
  holds;
* **equals for equals** -- a fact :math:`X = Y` turns a relation with a side
  equivalent to :math:`X` into the same relation with :math:`Y` there.

Nothing else is inferred: no instantiation of a step's symbols, no arithmetic
beyond the equivalence of two relations.  Two relations are equivalent when they
have one kind (``=``, ``!=``, ``<``, ``<=``, after flipping ``>`` and ``>=``) and
their sides agree (structurally, or ``simplify`` proves the difference of
:math:`\text{lhs} - \text{rhs}` zero for finite sides).

Examples
--------
>>> import sympy as sp
>>> x = sp.Symbol("x", positive=True)
>>> equivalent(sp.Gt(x, 1), sp.Lt(1, x))
True
>>> equivalent(sp.Eq(x + x, 2, evaluate=False), sp.Eq(x, 1))
False
>>> facts = [("step 1", sp.Implies(x > 1, x**2 > 1))]
>>> entails(facts, sp.Implies(x > 1, x**2 > 1))
['step 1']
>>> entails(facts, x**2 > 1) is None
True
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import sympy as sp

__all__ = ["conjuncts", "entails", "equivalent", "split_statement"]

#: Differences larger than this are not simplified (equivalence is then not found).
_MAX_OPS = 80
_UNEVALUATED = (sp.Sum, sp.Product, sp.Integral, sp.Limit, sp.Derivative)


def conjuncts(formula: Any) -> list[Any]:
    """The conjuncts of a formula (itself if it is not an ``And``).

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y", real=True)
    >>> sorted(map(str, conjuncts(sp.And(x > 0, y > 0))))
    ['x > 0', 'y > 0']
    """
    if isinstance(formula, sp.And):
        return [c for arg in formula.args for c in conjuncts(arg)]
    return [formula]


def split_statement(statement: Any) -> tuple[list[Any], list[Any]]:
    """``(antecedents, consequents)`` of ``H -> C`` (no antecedents otherwise).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> split_statement(sp.Implies(x > 1, x > 0))
    ([x > 1], [x > 0])
    """
    if isinstance(statement, sp.Implies):
        return conjuncts(statement.args[0]), conjuncts(statement.args[1])
    return [], conjuncts(statement)


def _canonical(rel: sp.core.relational.Relational) -> tuple[str, Any, Any]:
    if isinstance(rel, sp.StrictGreaterThan):
        return "<", rel.rhs, rel.lhs
    if isinstance(rel, sp.GreaterThan):
        return "<=", rel.rhs, rel.lhs
    if isinstance(rel, sp.StrictLessThan):
        return "<", rel.lhs, rel.rhs
    if isinstance(rel, sp.LessThan):
        return "<=", rel.lhs, rel.rhs
    if isinstance(rel, sp.Equality):
        return "=", rel.lhs, rel.rhs
    return "!=", rel.lhs, rel.rhs


@lru_cache(maxsize=4096)
def _same_value(a: Any, b: Any) -> bool:
    """True if ``a`` and ``b`` are provably the same expression."""
    if a == b:
        return True
    a, b = sp.sympify(a), sp.sympify(b)
    if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase):
        return False
    if sp.expand(a - b) == 0:
        return True
    if a.has(*_UNEVALUATED) or b.has(*_UNEVALUATED) or a.has(sp.oo, -sp.oo, sp.zoo):
        return False
    if b.has(sp.oo, -sp.oo, sp.zoo):
        return False
    undefined = sp.core.function.AppliedUndef
    if a.free_symbols != b.free_symbols or a.atoms(undefined) != b.atoms(undefined):
        return False
    if _differ_numerically(a, b):
        return False
    if sp.count_ops(a - b) > _MAX_OPS:
        return False
    try:
        return sp.simplify(a - b) == 0
    except (TypeError, ValueError, NotImplementedError):  # pragma: no cover - defensive
        return False


def _differ_numerically(a: sp.Expr, b: sp.Expr) -> bool:
    """True if ``a`` and ``b`` visibly differ at a sample point (a fast refutation)."""
    point = {
        s: sp.Rational(7 + 3 * i, 5 + 2 * i) + (2 if s.is_integer else 0)
        for i, s in enumerate(sorted(a.free_symbols, key=sp.default_sort_key))
    }
    point = {s: sp.Integer(3 + i) if s.is_integer else v for i, (s, v) in enumerate(point.items())}
    try:
        va, vb = complex(a.subs(point).evalf(30)), complex(b.subs(point).evalf(30))
    except (TypeError, ValueError, ZeroDivisionError, AttributeError):
        return False
    scale = max(1.0, abs(va), abs(vb))
    return abs(va - vb) > 1e-12 * scale


def _same_difference(r: Any, s: Any) -> bool:
    """True if ``r.lhs - r.rhs`` and ``s.lhs - s.rhs`` are provably equal (finite sides)."""
    parts = (r.lhs, r.rhs, s.lhs, s.rhs)
    if any(sp.sympify(p).has(sp.oo, -sp.oo, sp.zoo, *_UNEVALUATED) for p in parts):
        return False
    return _same_value(r.lhs - r.rhs, s.lhs - s.rhs)


def equivalent(a: Any, b: Any) -> bool:
    """True if the two formulas are the same proposition (see the module docstring).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> equivalent(sp.Eq(x, 1), sp.Eq(1, x))
    True
    >>> equivalent(sp.Gt(x, 1), sp.Ge(x, 1))
    False
    """
    if a == b:
        return True
    if isinstance(a, sp.core.relational.Relational) and isinstance(
        b, sp.core.relational.Relational
    ):
        kind_a, left_a, right_a = _canonical(a)
        kind_b, left_b, right_b = _canonical(b)
        if kind_a != kind_b:
            return False
        if _same_value(left_a, left_b) and _same_value(right_a, right_b):
            return True
        if kind_a in ("=", "!="):
            if _same_value(left_a, right_b) and _same_value(right_a, left_b):
                return True
            flipped = sp.Eq(right_b, left_b, evaluate=False)
            if _same_difference(sp.Eq(left_a, right_a, evaluate=False), flipped):
                return True
        return _same_difference(
            sp.Eq(left_a, right_a, evaluate=False), sp.Eq(left_b, right_b, evaluate=False)
        )
    if type(a) is not type(b) or not isinstance(a, sp.logic.boolalg.BooleanFunction):
        return False
    if isinstance(a, sp.Implies):
        return all(equivalent(x, y) for x, y in zip(a.args, b.args, strict=True))
    if isinstance(a, sp.Not):
        return equivalent(a.args[0], b.args[0])
    if isinstance(a, sp.And | sp.Or | sp.Equivalent):
        left, right = list(a.args), list(b.args)
        if len(left) != len(right):
            return False
        for x in left:
            match = next((y for y in right if equivalent(x, y)), None)
            if match is None:
                return False
            right.remove(match)
        return True
    return False


Fact = tuple[str, Any]


def entails(facts: Sequence[Fact], goal: Any, depth: int = 4) -> list[str] | None:
    """The labels of the facts that establish ``goal``, or None if they do not.

    Parameters
    ----------
    facts : sequence of (label, formula)
        What is known: hypotheses, the statement's antecedents, conclusions of
        earlier steps.
    goal : sympy.Boolean
    depth : int
        Bound on nested modus ponens.

    Returns
    -------
    list of str or None
    """
    if goal is sp.true:
        return []
    if isinstance(goal, sp.And):
        used: list[str] = []
        for part in goal.args:
            got = entails(facts, part, depth)
            if got is None:
                return None
            used += got
        return used
    flat = [(label, c) for label, f in facts for c in conjuncts(f)]
    for label, fact in flat:
        if fact == goal:
            return [label]
    for label, fact in flat:
        if equivalent(fact, goal):
            return [label]
    if isinstance(goal, sp.Implies):
        assumed = [("antecedent", c) for c in conjuncts(goal.args[0])]
        got = entails([*facts, *assumed], goal.args[1], depth)
        if got is not None:
            return [g for g in got if g != "antecedent"]
    if depth <= 0:
        return None
    if isinstance(goal, sp.core.relational.Relational):
        for label, fact in flat:
            if not isinstance(fact, sp.Equality):
                continue
            for old, new in ((fact.lhs, fact.rhs), (fact.rhs, fact.lhs)):
                for side in (0, 1):
                    if not _same_value(goal.args[side], old):
                        continue
                    args = list(goal.args)
                    args[side] = new
                    rewritten = type(goal)(*args, evaluate=False)
                    others = [(lab, f) for lab, f in facts if f is not fact]
                    got = entails(others, rewritten, depth - 1)
                    if got is not None:
                        return [label, *got]
    for label, fact in flat:
        if not isinstance(fact, sp.Implies):
            continue
        if not any(equivalent(c, goal) for c in conjuncts(fact.args[1])):
            continue
        others = [(lab, f) for lab, f in facts if f is not fact]
        got = entails(others, fact.args[0], depth - 1)
        if got is not None:
            return [label, *got]
    return None
