r"""Theorems about the interacting nested model and its mean field.

The statements are about :class:`supercoherence.theory.nested.NestedDynamics`,
:func:`~supercoherence.theory.nested.mean_field`,
:func:`~supercoherence.theory.nested.steady_state_hazard` and the model
:class:`~supercoherence.models.nested.NestedOptimizerModel`:

* ``nested-reduction``: at :math:`\phi = 0`, :math:`o = 1` and no skill schedule the
  birth factor :math:`b = o\, s(P_u/P_v)/s(\gamma)\, \gamma^{-\kappa_a n}` is 1, so the
  root survives to :math:`T` with the recursion's :math:`e^{-\Lambda_0(T)}`;
* ``nested-monotone-power``: the mean-field root hazard contributed by a challenger
  increases with the power ratio :math:`\varrho = P_u/P_v` of its subtree, and that
  power increases with the resources the subtree commands;
* ``nested-stability-boundary``: the mean-field steady-state root hazard doubles
  (nesting as strong as the root's own hazard) exactly when
  :math:`(1 + \alpha)\, e (1 - s) \ge 1`, whatever the challenge rate :math:`\nu > 0`.

Examples
--------
>>> [thm.name for thm in theorems()]
['nested-reduction', 'nested-monotone-power', 'nested-stability-boundary']
"""

from __future__ import annotations

import sympy as sp

from supercoherence.proofs.checkers import Identity, Implication, Series, Sign
from supercoherence.proofs.theorem import Step, Theorem, catalogue_order
from supercoherence.theory import symbols as S
from supercoherence.theory.contest import success

__all__ = ["theorems"]

_Cu = sp.Symbol("C_u", positive=True)
_Cv = sp.Symbol("C_v", positive=True)
_phi = sp.Symbol("phi", nonnegative=True)
_o = sp.Symbol("o", positive=True)
_kappa = sp.Symbol("kappa_a", nonnegative=True)
_Lam = sp.Symbol("Lambda_0", nonnegative=True)
_rho = sp.Symbol("varrho", positive=True)
_k = sp.Symbol("k", nonnegative=True)
_c = sp.Symbol("c", positive=True)
_u = sp.Symbol("u", positive=True)
_v = sp.Symbol("v", positive=True)
_e = sp.Symbol("e", positive=True)
_s = sp.Symbol("s", positive=True)
_alpha = sp.Symbol("alpha", nonnegative=True)
_h = sp.Symbol("h", positive=True)
_j = sp.Symbol("j", integer=True, nonnegative=True)
_x = sp.Symbol("x", nonnegative=True)

_HUBINGER = "hubinger"
_ATHREYA = "athreya-ney"
_KINGMAN = "kingman"
_TULLOCK = "tullock"
_OBJECTS = (
    "supercoherence.theory.nested.NestedDynamics",
    "supercoherence.theory.nested.mean_field",
    "supercoherence.theory.nested.steady_state_hazard",
)


def _power(level: sp.Expr, commanded: sp.Expr) -> sp.Expr:
    """:math:`P = c\\, C^\\phi` with :math:`c = \\gamma^n`."""
    return S.gamma**level * commanded**_phi


def _reduction() -> Theorem:
    ratio = _power(S.n + 1, _Cu) / _power(S.n, _Cv)
    birth_factor = _o * success(ratio, S.r) / success(S.gamma, S.r) * S.gamma ** (-_kappa * S.n)
    at_limit = birth_factor.subs({_phi: 0, _o: 1, _kappa: 0})
    return Theorem(
        name="nested-reduction",
        title="Nested reduction: at phi = 0 the interacting model's root law is the recursion's",
        statement=r"\phi = 0,\ o = 1,\ \kappa_a = 0 \;\Longrightarrow\; b = 1,\quad "
        r"P(\text{no top-level takeover by } T) = e^{-\Lambda_0(T)}",
        plain="With power independent of commanded resources ($\\phi = 0$), full "
        "optimizer-ness and a constant alignment skill, the factor by which the "
        "interacting model scales a node's birth hazard is 1 for every subtree, so with "
        "no repeated challenges, shifts or treachery the root survives to $T$ with the "
        "recursion's probability $e^{-\\Lambda_0(T)}$.",
        assumptions=(
            r"\gamma > 0",
            r"r > 0",
            r"C_u, C_v > 0",
            r"n \in \mathbb{N}",
            r"\Lambda_0(T) \ge 0",
            r"\nu = \mu = 0,\ \theta = \infty,\ \text{no active or corrigible spawns}",
        ),
        objects=_OBJECTS,
        family="branching",
        steps=(
            Step(
                Identity(ratio, S.gamma * (_Cu / _Cv) ** _phi),
                "A child (level $n + 1$) against its parent (level $n$): the power ratio "
                "$P_u/P_v = \\gamma (C_u/C_v)^\\phi$.",
            ),
            Step(
                Identity(at_limit, 1),
                "At $\\phi = 0$, $o = 1$, $\\kappa_a = 0$ the birth factor "
                "$b = o\\,s(P_u/P_v)/s(\\gamma)\\,\\gamma^{-\\kappa_a n}$ is 1 whatever the "
                "commanded resources $C_u, C_v$.",
            ),
            Step(
                Identity(sp.exp(-at_limit * _Lam), sp.exp(-_Lam)),
                "The root's takeovers are the thinned spawns of hazard $b\\,h_0(t)$ "
                "(colouring theorem); with $b = 1$ its survival is the recursion's "
                "$e^{-\\Lambda_0(T)}$ (and the model draws the same numbers: "
                "tests/models/test_abm_interacting.py).",
            ),
        ),
        references=(_KINGMAN, _HUBINGER),
        establishes=(1, 2, 3),
    )


def _monotone_power() -> Theorem:
    weak = _rho**_k * success(_rho, S.r)  # rho <= 1: escape scaled by rho^k
    strong = success(_rho, S.r)  # rho >= 1: min(1, rho)^k = 1
    eventual = _e * _s / (1 - _e * (1 - _s))
    unit = {_e: 1 / (1 + _u), _s: 1 / (1 + _v)}  # 0 < e, s < 1
    return Theorem(
        name="nested-monotone-power",
        title="Mean-field root hazard increases with the challenger's subtree power",
        statement=r"\frac{\partial}{\partial \varrho}\big[\min(1,\varrho)^k s(\varrho)\big] > 0,"
        r"\quad \frac{\partial}{\partial e}, \frac{\partial}{\partial s}\,"
        r"\frac{e s}{1 - e(1 - s)} > 0, \quad \frac{\partial P}{\partial C} \ge 0",
        plain="In the mean field a challenge contributes $p_c\\, e\\, s$ to the root's hazard, "
        "with escape $e \\propto \\min(1, \\varrho)^k$ and success $s(\\varrho)$ in the "
        "power ratio $\\varrho = P_u/P_v$; both factors grow with $\\varrho$, the chance "
        "$e s/(1 - e(1-s))$ that an active child eventually wins grows with $e$ and $s$, "
        "and $P_u = c_u C_u^\\phi$ grows with the resources $C_u$ its subtree commands: a "
        "larger captured subtree never lowers the root's hazard.",
        assumptions=(r"\varrho > 0", r"k \ge 0", r"r > 0", r"0 < e, s < 1", r"0 \le \phi"),
        objects=_OBJECTS,
        family="branching",
        steps=(
            Step(
                Sign(sp.diff(weak, _rho), ">0"),
                "Weaker challenger ($\\varrho \\le 1$): $\\varrho^k s(\\varrho)$ increases.",
            ),
            Step(
                Sign(sp.diff(strong, _rho), ">0"),
                "Stronger challenger ($\\varrho \\ge 1$): $s(\\varrho)$ increases.",
            ),
            Step(
                Sign(sp.diff(eventual, _e), ">0", where=tuple(unit.items())),
                "Retrying until caught or winning: the eventual win probability grows with "
                "the escape probability ...",
            ),
            Step(
                Sign(sp.diff(eventual, _s), ">0", where=tuple(unit.items())),
                "... and with the contest success.",
            ),
            Step(
                Sign(sp.diff(_c * _Cu**_phi, _Cu), ">=0"),
                "Power $c_u C_u^\\phi$ is nondecreasing in the commanded resources.",
            ),
        ),
        references=(_TULLOCK, _ATHREYA),
        establishes=(1, 2, 3, 4, 5),
    )


def _stability_boundary() -> Theorem:
    denominator = 1 - _e * (1 - _s)
    inflow = _h * (1 - _s) / _s
    steady = _h + _alpha * inflow * _e * _s / denominator
    return Theorem(
        name="nested-stability-boundary",
        title="Mean-field boundary: nesting doubles the root hazard iff (1 + alpha) e (1 - s) >= 1",
        statement=r"H = h + \alpha\, \frac{h (1-s)}{s} \frac{e s}{1 - e(1-s)}, \qquad "
        r"H \ge 2h \iff (1 + \alpha)\, e\, (1 - s) \ge 1",
        plain="For the constant hazard the mean-field steady-state root hazard is its own "
        "hazard $h$ plus the inflow $h(1-s)/s$ of persisting children times the active "
        "share $\\alpha$ times the chance $e s/(1 - e(1 - s))$ that an active child "
        "eventually wins.  Nesting at least doubles the root's hazard exactly when "
        "$(1 + \\alpha) e (1 - s) \\ge 1$: a boundary in escape, contest and active share "
        "that does not involve the challenge rate $\\nu > 0$ or the spawn rate.",
        assumptions=(
            r"h > 0",
            r"0 < e < 1",
            r"0 < s < 1",
            r"0 \le \alpha \le 1",
            r"\nu > 0",
            r"\phi = 0,\ \text{root's children only (module docstring of theory.nested)}",
        ),
        objects=_OBJECTS,
        family="branching",
        steps=(
            Step(
                Series(
                    (_x**_j) * _e * _s,
                    _j,
                    0,
                    _e * _s / (1 - _x),
                    criterion="geometric, 0 <= x = e(1 - s) < 1",
                    hypotheses=(_x < 1,),
                ),
                "An active child escapes and loses $j$ times ($x = e(1-s)$ each), then "
                "escapes and wins: summing over $j$ gives $e s/(1 - e(1 - s))$.",
            ),
            Step(
                Identity(steady - _h, _alpha * _h * _e * (1 - _s) / denominator),
                "The steady-state hazard in excess of the root's own (the formula of "
                "``steady_state_hazard``).",
            ),
            Step(
                Implication(
                    [_e < 1, _s < 1, _alpha <= 1],
                    sp.Equivalent(steady >= 2 * _h, (1 + _alpha) * _e * (1 - _s) >= 1),
                ),
                "Real arithmetic (z3): the excess reaches $h$ exactly on the boundary.",
            ),
        ),
        references=(_ATHREYA, _HUBINGER),
        establishes=(2, 3),
        notes="The simulation tests the mean field (tests/models/test_abm_interacting.py): "
        "it agrees within 4 standard errors where only the root's children challenge, and "
        "the nested_interacting study reports where it breaks (climbing grandchildren, "
        "common critical moments).",
    )


theorems = catalogue_order("nested-model", _reduction, _monotone_power, _stability_boundary)
