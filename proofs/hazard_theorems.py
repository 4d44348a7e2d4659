r"""Theorems about one optimizer's survival: thinning, and the hazard families.

The statements are about :func:`supercoherence.theory.hazard.thinned_hazard`,
:func:`~supercoherence.theory.hazard.survival`,
:func:`~supercoherence.theory.hazard.never_overthrown` and the families
:class:`~supercoherence.theory.hazard.ConstantHazard`,
:class:`~supercoherence.theory.hazard.EntrenchmentHazard`,
:class:`~supercoherence.theory.hazard.PowerHazard`,
:class:`~supercoherence.theory.hazard.CriticalMoments`.

Examples
--------
>>> [thm.name for thm in theorems()]
['thinning', 'entrenchment', 'constant-hazard', 'power-decay', 'critical-moments']
"""

from __future__ import annotations

import math

import sympy as sp

from supercoherence.proofs.checkers import Cited, Identity, Integral, Limit, Product, Series
from supercoherence.proofs.formal import eq, lim
from supercoherence.proofs.lemmas import chance_range, harmonic_counterexample, knopp_step
from supercoherence.proofs.theorem import MonteCarloCheck, Step, Theorem, catalogue_order, mean_of
from supercoherence.theory import hazard
from supercoherence.theory import symbols as S

__all__ = ["theorems"]

_T = sp.Symbol("T", nonnegative=True)
_h = sp.Symbol("h", positive=True)
_eps = sp.Symbol("epsilon", positive=True)
_u = sp.Symbol("u", positive=True)
_pi = sp.Symbol("pi", nonnegative=True)
# Critical moments k = 1, 2, ...: chance p_k at the k-th, the first K of them survived.
_K = sp.Symbol("K", integer=True, positive=True)
_P = sp.Function("p", real=True)
_J = sp.Symbol("j", integer=True, positive=True)
_Q_FINITE = sp.Product(1 - _P(_J), (_J, 1, _K))
_Q_INFINITE = sp.Product(1 - _P(_J), (_J, 1, sp.oo))
_KINGMAN = "kingman"
_COX = "cox-oakes"
_KNOPP = "knopp"
# The scenario every Monte Carlo check of this family uses: h = 1 * (1/2) * (1/2) * (1/2).
_SCENARIO = {
    "spawn_rate": 1.0,
    "alignment_skill": 0.5,
    "detection": 0.5,
    "capability_ratio": 1.0,
    "sharpness": 1.0,
}


def _thinning() -> Theorem:
    L = S.lam * _T
    poisson_term = sp.exp(-L) * L**S.k / sp.factorial(S.k) * (1 - _pi) ** S.k
    h = hazard.thinned_hazard(S.lam, _pi)
    varying = hazard.thinned_hazard(S.lam, _pi * sp.exp(-S.delta * S.t))
    return Theorem(
        name="thinning",
        title="Thinning: Poisson spawns give the takeover hazard lambda pi",
        statement=r"P(\text{no takeover by } T) = e^{-\int_0^T \lambda(t)\pi(t)\,dt}, "
        r"\qquad h = \lambda\pi",
        plain="If mesa-optimizers spawn as a Poisson process and each one independently "
        "takes over with probability $\\pi$, the takeovers form a Poisson process of "
        "intensity $\\lambda\\pi$, and the incumbent survives to $T$ with probability "
        "$e^{-\\int_0^T h}$.",
        assumptions=(
            r"\lambda \ge 0",
            r"0 \le \pi \le 1",
            r"T \ge 0",
            r"\text{spawns independent of one another}",
        ),
        objects=(
            "supercoherence.theory.hazard.thinned_hazard",
            "supercoherence.theory.hazard.survival",
        ),
        family="hazard",
        steps=(
            Step(
                Series(
                    poisson_term,
                    S.k,
                    0,
                    sp.exp(-L * _pi),
                    criterion="exponential series, absolutely convergent for every "
                    "argument (ratio test)",
                ),
                "Condition on the number $K \\sim \\mathrm{Poisson}(\\lambda T)$ of spawns by "
                "$T$: none of them takes over with probability $(1-\\pi)^K$.",
            ),
            Step(
                Identity(hazard.survival(h, _T), sp.exp(-L * _pi)),
                "The library's survival of the thinned hazard is the same function.",
            ),
            Step(
                Identity(-sp.diff(sp.log(hazard.survival(h, _T)), _T), S.lam * _pi),
                "The hazard is $-\\frac{d}{dT}\\log P(\\text{survive to } T) = \\lambda\\pi$.",
            ),
            Step(
                Cited(
                    r"\text{marks } \pi(t) \text{ on a Poisson process of intensity } "
                    r"\lambda(t) \text{ give a Poisson process of intensity } \lambda(t)\pi(t)",
                    _KINGMAN,
                    "sec. 5.1 (colouring theorem)",
                ),
                "For time-varying rates the thinned process is still Poisson, so "
                "$P(\\text{no takeover by } T) = e^{-\\int_0^T \\lambda\\pi}$.",
            ),
            Step(
                Integral(varying, S.t, 0, _T, S.lam * _pi * (1 - sp.exp(-S.delta * _T)) / S.delta),
                "Example: a takeover chance that decays with age, $\\pi(t) = \\pi e^{-\\delta t}$.",
            ),
        ),
        references=(_KINGMAN, _COX),
        establishes=(1, 2, 3, 5),
    )


def _entrenchment() -> Theorem:
    family = hazard.EntrenchmentHazard(S.h0, S.delta)
    q = math.exp(-0.125 / 0.25)
    return Theorem(
        name="entrenchment",
        title="Entrenchment: an exponentially entrenching optimizer may never fall",
        statement=r"h(t) = h_0 e^{-\delta t} \;\Longrightarrow\; q = e^{-h_0/\delta}",
        plain="If the incumbent's hazard decays exponentially with its age at rate "
        "$\\delta$, it is never overthrown with probability $e^{-h_0/\\delta} > 0$; as "
        "$\\delta \\to 0$ this tends to 0 (the constant hazard).",
        assumptions=(r"h_0 \ge 0", r"\delta > 0"),
        objects=(
            "supercoherence.theory.hazard.EntrenchmentHazard",
            "supercoherence.theory.hazard.never_overthrown",
        ),
        family="hazard",
        steps=(
            Step(
                Integral(family.expr, S.t, 0, sp.oo, S.h0 / S.delta),
                "The total hazard converges because $\\delta > 0$.",
            ),
            Step(
                Identity(
                    sp.Matrix([family.never_overthrown(), hazard.never_overthrown(family.expr)]),
                    sp.Matrix([sp.exp(-S.h0 / S.delta)] * 2),
                ),
                "$q = e^{-\\Lambda(\\infty)}$; the family and the generic function agree.",
            ),
            Step(
                Limit(sp.exp(-_h / S.delta), S.delta, 0, 0),
                "Without entrenchment ($\\delta \\to 0^+$, $h_0 > 0$) the optimizer falls surely.",
            ),
        ),
        monte_carlo=MonteCarloCheck(
            "fraction of chains with no takeover at all, $P(N = 0) = q$, for "
            "$h_0 = 1/8$, $\\delta = 1/4$",
            {**_SCENARIO, "hazard": "entrenchment", "entrenchment_rate": 0.25},
            mean_of("n_takeovers", lambda n: n == 0),
            q,
            replicates=20_000,
            max_takeovers=200,
        ),
        references=(_COX,),
        establishes=(1, 2, 3),
    )


def _constant_hazard() -> Theorem:
    family = hazard.ConstantHazard(_h)
    return Theorem(
        name="constant-hazard",
        title="A constant hazard is fatal, however small",
        statement=r"h(t) = h > 0 \;\Longrightarrow\; q = 0, \qquad E[\tau] = 1/h",
        plain="An optimizer facing a constant takeover hazard is overthrown almost "
        "surely; its expected tenure is $1/h$, long when $h$ is small, but finite.",
        assumptions=(r"h > 0",),
        objects=("supercoherence.theory.hazard.ConstantHazard",),
        family="hazard",
        steps=(
            Step(Integral(_h, S.t, 0, sp.oo, sp.oo), "The total hazard diverges."),
            Step(
                Limit(sp.exp(-_h * _T), _T, sp.oo, 0),
                "So the survival $e^{-hT}$ tends to 0.",
            ),
            Step(
                Identity(family.never_overthrown(), 0, name="q"),
                "The library's constant family gives $q = 0$ for $h > 0$.",
            ),
            Step(
                Integral(sp.exp(-_h * S.t), S.t, 0, sp.oo, 1 / _h),
                "Expected tenure $E[\\tau] = \\int_0^\\infty P(\\tau > t)\\,dt = 1/h$.",
            ),
        ),
        monte_carlo=MonteCarloCheck(
            "every chain is censored at the cap $M = 50$ (no optimizer is ever stable)",
            {**_SCENARIO, "hazard": "constant"},
            mean_of("censored"),
            1.0,
            replicates=2_000,
            max_takeovers=50,
        ),
        references=(_COX,),
        establishes=(1, 2, 3, 4),
    )


def _power_decay() -> Theorem:
    h_expr = hazard.PowerHazard(S.h0, S.beta).expr
    return Theorem(
        name="power-decay",
        title="Power decay: stability needs beta > 1",
        statement=r"h(t) = \frac{h_0}{(1+t)^\beta} \;\Longrightarrow\; "
        r"q = e^{-h_0/(\beta - 1)} \ (\beta > 1), \quad q = 0 \ (\beta \le 1)",
        plain="A hazard that decays like a power of age leaves a positive chance of never "
        "being overthrown only if it decays faster than $1/t$.",
        assumptions=(r"h_0 > 0 \text{ for the case } \beta \le 1", r"\beta > 0"),
        objects=("supercoherence.theory.hazard.PowerHazard",),
        family="hazard",
        steps=(
            Step(
                Integral(h_expr, S.t, 0, sp.oo, S.h0 / (S.beta - 1), hypotheses=(S.beta > 1,)),
                "For $\\beta > 1$: $\\int_0^\\infty (1+t)^{-\\beta} dt = 1/(\\beta - 1)$ "
                "(p-integral test).",
            ),
            Step(
                Integral(_h / (1 + S.t), S.t, 0, sp.oo, sp.oo),
                "For $\\beta = 1$ the integral is $\\log(1+t) \\to \\infty$.",
            ),
            Step(
                Integral(_h * (1 + S.t) ** (_eps - 1), S.t, 0, sp.oo, sp.oo),
                "For $\\beta = 1 - \\epsilon < 1$ it diverges too (p-integral test).",
            ),
            Step(
                Identity(
                    sp.Matrix(
                        [
                            hazard.PowerHazard(S.h0, 1 + _eps).never_overthrown(),
                            hazard.PowerHazard(_h, 1).never_overthrown(),
                            hazard.PowerHazard(_h, 1 - _eps).never_overthrown(),
                        ]
                    ),
                    sp.Matrix([sp.exp(-S.h0 / _eps), 0, 0]),
                ),
                "The library's family gives the same three cases.",
            ),
        ),
        monte_carlo=MonteCarloCheck(
            "$P(N = 0) = e^{-h_0/(\\beta-1)}$ for $h_0 = 1/8$, $\\beta = 2$",
            {**_SCENARIO, "hazard": "power", "power_exponent": 2.0},
            mean_of("n_takeovers", lambda n: n == 0),
            math.exp(-0.125),
            replicates=20_000,
            max_takeovers=200,
        ),
        references=(_COX,),
        establishes=(1, 2, 3, 4),
    )


def _critical_moments() -> Theorem:
    p = sp.symbols("p_1:4", nonnegative=True)
    moments = hazard.CriticalMoments((1, 2, 3), p)
    constant_p = _u / (1 + _u)
    vanishes, diverges = harmonic_counterexample(
        S.k, "telescoping partial products 1/(M + 2) tend to 0"
    )
    return Theorem(
        name="critical-moments",
        title="Critical moments: survival is a product",
        statement=r"q = \prod_k (1 - p_k) > 0 \iff \sum_k p_k < \infty "
        r"\quad (0 \le p_k < 1)",
        plain="If takeovers can happen only at isolated critical moments, with chance "
        "$p_k$ at the $k$-th, the optimizer is never overthrown with probability "
        "$\\prod (1-p_k)$, which is positive exactly when the chances are summable: "
        "surviving every single moment is not enough.",
        assumptions=(r"0 \le p_k < 1", r"\text{moments independent}"),
        objects=("supercoherence.theory.hazard.CriticalMoments",),
        family="hazard",
        steps=(
            Step(
                Identity(moments.never_overthrown(), sp.Mul(*(1 - pk for pk in p))),
                "Independent moments multiply (shown for three moments).",
            ),
            Step(
                Cited(
                    eq(_Q_INFINITE, lim(_Q_FINITE, _K, sp.oo)),
                    "billingsley",
                    "Theorem 2.1 (continuity from above: the events 'no takeover at the "
                    "first K moments' decrease to 'never overthrown')",
                    text=r"q = P\Big(\bigcap_k \{\text{survive moment } k\}\Big) = "
                    r"\lim_{K\to\infty} \prod_{k \le K} (1 - p_k)",
                ),
                "With infinitely many moments the survival events decrease in $K$; "
                "continuity of probability gives $q$ as the limit of the finite products.",
            ),
            Step(
                knopp_step(_P, _J, 1),
                "The classical convergence criterion for infinite products (Knopp, "
                "ch. VII, sec. 28), proved in Coq (`proofs/coq/dichotomy.v`, applied to "
                "$q_k = p_{k+1}$).",
            ),
            Step(
                Product(
                    1 - constant_p,
                    S.k,
                    0,
                    0,
                    criterion="partial products (1 + u)^{-(M+1)} tend to 0",
                ),
                "A constant chance $p = u/(1+u) > 0$ at infinitely many moments is fatal.",
            ),
            Step(
                vanishes,
                "Chances $p_k = 1/(k+2)$: each moment is survived with probability at "
                "least $1/2$, yet the optimizer falls surely...",
            ),
            Step(
                diverges,
                "... because $\\sum p_k$ diverges, as the criterion says.",
            ),
        ),
        references=(_KNOPP, "billingsley"),
        hypotheses=chance_range(_P, _J),
        establishes=(1, 2, 3, 4, 5, 6),
    )


theorems = catalogue_order(
    "survival", _thinning, _entrenchment, _constant_hazard, _power_decay, _critical_moments
)
