r"""Claims that several theorems of the catalogue use, written once.

Two facts about infinite products of chances :math:`0 \le q_k < 1` recur in the
catalogue: the recursion's ``dichotomy`` (the chances :math:`q_k` of never being
overthrown, :math:`k \ge 0`) and the hazard family's ``critical-moments`` (the
chances :math:`p_k` of a takeover at the :math:`k`-th critical moment,
:math:`k \ge 1`) both rest on them.

* Knopp's criterion (Knopp 1951, ch. VII, sec. 28), proved in Coq
  (``proofs/coq/dichotomy.v``, :func:`~supercoherence.proofs.coq_checker.coq_step`):

  .. math::

      \prod_{k \ge k_0} (1 - q_k) > 0 \iff \sum_{k \ge k_0} q_k < \infty
      \qquad (0 \le q_k < 1);

* the harmonic counterexample: every factor of
  :math:`\prod_{k \ge 0} (1 - \tfrac{1}{k+2})` is at least :math:`\tfrac12`, yet the
  partial products :math:`1/(M+2)` tend to 0, because :math:`\sum_k \tfrac{1}{k+2}`
  diverges (checked by sympy).

Examples
--------
>>> import sympy as sp
>>> q, k = sp.Function("q", real=True), sp.Symbol("k", integer=True, nonnegative=True)
>>> knopp_criterion(q, k, 0)
Equivalent(Sum(q(k), (k, 0, oo)) < oo, Product(1 - q(k), (k, 0, oo)) > 0)
>>> knopp_step(q, k, 0).premises == chance_range(q, k)
True
>>> [claim.run().status for claim in harmonic_counterexample(k, "telescoping")]
['checked', 'checked']
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from supercoherence.proofs.checkers import Product, Series
from supercoherence.proofs.coq_checker import CoqProof, coq_step

__all__ = ["chance_range", "harmonic_counterexample", "knopp_criterion", "knopp_step"]


def chance_range(chance: Any, index: Any) -> tuple[Any, Any]:
    r""":math:`0 \le q_k` and :math:`q_k < 1`: the chances of Knopp's criterion.

    Parameters
    ----------
    chance : sympy.Function
        The sequence :math:`q` (an undefined real function).
    index : sympy.Symbol
        The integer index :math:`k`.

    Returns
    -------
    tuple of sympy.Boolean

    Examples
    --------
    >>> chance_range(sp.Function("p", real=True), sp.Symbol("j", integer=True))
    (p(j) >= 0, p(j) < 1)
    """
    return sp.Ge(chance(index), 0), sp.Lt(chance(index), 1)


def knopp_criterion(chance: Any, index: Any, lower: int) -> sp.Equivalent:
    r""":math:`\prod_{k \ge k_0} (1 - q_k) > 0 \iff \sum_{k \ge k_0} q_k < \infty`, unevaluated.

    Parameters
    ----------
    chance : sympy.Function
        The sequence :math:`q`.
    index : sympy.Symbol
        The integer index :math:`k`.
    lower : int
        The first index :math:`k_0`.

    Returns
    -------
    sympy.Equivalent

    Examples
    --------
    >>> p, j = sp.Function("p", real=True), sp.Symbol("j", integer=True, positive=True)
    >>> knopp_criterion(p, j, 1)
    Equivalent(Sum(p(j), (j, 1, oo)) < oo, Product(1 - p(j), (j, 1, oo)) > 0)
    """
    return sp.Equivalent(
        sp.Gt(sp.Product(1 - chance(index), (index, lower, sp.oo)), 0, evaluate=False),
        sp.Lt(sp.Sum(chance(index), (index, lower, sp.oo)), sp.oo, evaluate=False),
    )


def knopp_step(chance: Any, index: Any, lower: int) -> CoqProof:
    """Knopp's criterion as a proof step: the Coq development ``dichotomy.v``.

    It concludes :func:`knopp_criterion` (also its LaTeX) and takes
    :func:`chance_range` for granted: the theorem must assume it.

    Parameters
    ----------
    chance, index, lower
        As for :func:`knopp_criterion`.

    Returns
    -------
    CoqProof

    Examples
    --------
    >>> q, k = sp.Function("q", real=True), sp.Symbol("k", integer=True, nonnegative=True)
    >>> step = knopp_step(q, k, 0)
    >>> step.source, step.conclusion == knopp_criterion(q, k, 0)
    ('dichotomy.v', True)
    """
    criterion = knopp_criterion(chance, index, lower)
    return coq_step("dichotomy").establishing(
        criterion, chance_range(chance, index), statement=sp.latex(criterion)
    )


def harmonic_counterexample(index: Any, criterion: str) -> tuple[Product, Series]:
    r"""The product :math:`\prod_{k \ge 0} (1 - \tfrac{1}{k+2})` is 0: its chances sum to infinity.

    The two claims :math:`\prod_{k \ge 0} (1 - \tfrac{1}{k+2}) = 0` (by its partial
    products) and :math:`\sum_{k \ge 0} \tfrac{1}{k+2} = \infty` (the harmonic series):
    chances :math:`1/(k+2) \le 1/2` that are not summable, so each factor is survived
    with probability at least :math:`1/2`, yet the product vanishes, as Knopp's
    criterion says.

    Parameters
    ----------
    index : sympy.Symbol
        The index :math:`k` (an integer symbol, :math:`k \ge 0`).
    criterion : str
        The words naming why the partial products :math:`1/(M+2)` tend to 0.

    Returns
    -------
    (Product, Series)
        The two claims, for two consecutive steps of a proof.

    Examples
    --------
    >>> k = sp.Symbol("k", integer=True, nonnegative=True)
    >>> product, series = harmonic_counterexample(k, "telescoping")
    >>> product.expected, series.expected, series.criterion
    (0, oo, 'harmonic series diverges (p-series, p = 1)')
    """
    chance = 1 / (index + 2)
    return (
        Product(1 - chance, index, 0, 0, criterion=criterion),
        Series(chance, index, 0, sp.oo, criterion="harmonic series diverges (p-series, p = 1)"),
    )
