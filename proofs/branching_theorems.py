r"""Theorems about nested mesa-optimizers: Galton-Watson branching.

An optimizer's undetected adversarial mesa-optimizers are its offspring; with
Poisson(:math:`m`) offspring the pgf is :math:`f(s) = e^{m(s-1)}`.  The statements are
about :func:`supercoherence.theory.branching.poisson_extinction`,
:func:`~supercoherence.theory.branching.extinction_probability`,
:func:`~supercoherence.theory.branching.mean_offspring` and
:func:`~supercoherence.theory.branching.perron_root`.

Examples
--------
>>> [thm.name for thm in theorems()]
['branching-criticality', 'branching-lambert', 'branching-multitype']
"""

from __future__ import annotations

import sympy as sp

from supercoherence.proofs.checkers import (
    Cited,
    Eigenvalues,
    Identity,
    Implication,
    Integral,
    Limit,
    Sign,
)
from supercoherence.proofs.coq_checker import coq_step
from supercoherence.proofs.formal import eq
from supercoherence.proofs.theorem import Step, Theorem, catalogue_order
from supercoherence.theory import branching
from supercoherence.theory import symbols as S

__all__ = ["theorems"]

_ATHREYA = "athreya-ney"
_HARRIS = "harris"
_CORLESS = "corless"
_m = sp.Symbol("m", positive=True)
_v = sp.Symbol("v", positive=True)
_w = sp.Symbol("w", real=True)
_tau = sp.Symbol("tau", real=True)
_HALF = sp.Rational(1, 2)


def _pgf(s: sp.Expr) -> sp.Expr:
    return sp.exp(_m * (s - 1))


def _criticality() -> Theorem:
    f = _pgf(S.s)
    remainder = (_tau - S.s) * sp.diff(_pgf(_tau), _tau, 2)
    return Theorem(
        name="branching-criticality",
        title="Nested mesa-optimizers die out surely iff m <= 1",
        statement=r"q_* = \min\{s \in [0,1] : s = f(s)\}, \qquad "
        r"q_* = 1 \iff m \le 1 \quad (f(s) = e^{m(s-1)})",
        plain="The nested lineage of adversarial mesa-optimizers dies out with "
        "probability $q_*$, the least fixed point of the offspring pgf in $[0, 1]$. With "
        "Poisson offspring of mean $m > 0$ it dies out surely exactly when $m \\le 1$; "
        "for $m > 1$ it survives with positive probability.",
        assumptions=(
            r"m > 0 \text{ (non-degenerate: } P(\text{offspring} \ne 1) > 0)",
            r"0 \le s \le 1",
        ),
        objects=(
            "supercoherence.theory.branching.poisson_extinction",
            "supercoherence.theory.branching.mean_offspring",
        ),
        family="branching",
        steps=(
            Step(
                Cited(
                    r"q_* = \lim_n f^{\circ n}(0) = \min\{s \in [0, 1] : f(s) = s\}",
                    _ATHREYA,
                    "Theorem I.3.1",
                ),
                "Extinction by generation $n$ has probability $f^{\\circ n}(0)$, which "
                "increases to the least fixed point.",
            ),
            Step(
                Identity(
                    sp.Matrix([f.subs(S.s, 1), sp.diff(f, S.s).subs(S.s, 1)]), sp.Matrix([1, _m])
                ),
                "$f(1) = 1$ and $f'(1) = m$, the mean offspring number.",
            ),
            Step(
                Identity(
                    branching.mean_offspring("exp(2*(s - 1))"), 2, name=r"m\big|_{f = e^{2(s-1)}}"
                ),
                "The library's `mean_offspring` agrees (instance $m = 2$).",
            ),
            Step(
                Integral(remainder, _tau, S.s, 1, f - 1 - _m * (S.s - 1)),
                "Taylor's formula with integral remainder at $s = 1$: "
                "$f(s) - 1 - m(s-1) = \\int_s^1 (\\tau - s) f''(\\tau)\\,d\\tau$.",
            ),
            Step(
                Sign(remainder, ">0", where=((_tau, S.s + _v),)),
                "The integrand is positive for $s < \\tau$, so "
                "$f(s) > 1 + m(s-1)$ for every $s < 1$.",
            ),
            Step(
                Implication([_m <= 1, S.s < 1], 1 + _m * (S.s - 1) >= S.s),
                "For $m \\le 1$ the tangent line lies on or above the diagonal, hence "
                "$f(s) > s$ on $[0, 1)$: the only fixed point in $[0,1]$ is 1, $q_* = 1$.",
            ),
            Step(
                Limit((f - S.s) / (S.s - 1), S.s, 1, _m - 1, direction="-"),
                "For $m > 1$: $(f(s) - s)/(s - 1) \\to m - 1 > 0$, so $f(s) < s$ just below 1...",
            ),
            Step(
                Sign(f.subs(S.s, 0), ">0"),
                "... while $f(0) - 0 = e^{-m} > 0$.",
            ),
            Step(
                coq_step("bolzano").establishing(None),
                "So $f(s) = s$ has a root in $(0, 1)$ and $q_* < 1$ for $m > 1$: the "
                "intermediate value theorem (Rudin, Theorem 4.23) and its instance for "
                "the Poisson pgf, proved in Coq (`proofs/coq/extinction_root.v`).",
            ),
            Step(
                Identity(
                    sp.Matrix(
                        [
                            branching.poisson_extinction(_HALF).exact,
                            branching.poisson_extinction(1).exact,
                        ]
                    ),
                    sp.Matrix([1, 1]),
                    name=r"(q_*(1/2), q_*(1))",
                ),
                "The library gives $q_* = 1$ at $m = 1/2$ and at the critical $m = 1$.",
            ),
        ),
        references=(_ATHREYA, _HARRIS, "rudin"),
        establishes=(2, 4, 5, 6, 7, 8),
    )


def _lambert() -> Theorem:
    general = branching.poisson_extinction().exact
    supercritical = general.args[-1].expr if isinstance(general, sp.Piecewise) else general
    q_star = supercritical.subs(S.m, _m)
    z = -_m * sp.exp(-_m)
    w_of_z = sp.LambertW(z)
    return Theorem(
        name="branching-lambert",
        title="The Poisson extinction probability in closed form (Lambert W)",
        statement=r"m > 1 \;\Longrightarrow\; q_* = -\frac{W_0(-m e^{-m})}{m} \in (0, 1)",
        plain="For Poisson offspring with mean $m > 1$ the extinction probability is given "
        "by the principal branch of the Lambert W function.",
        assumptions=(r"m > 1",),
        objects=(
            "supercoherence.theory.branching.poisson_extinction",
            "supercoherence.theory.branching.extinction_probability",
        ),
        family="branching",
        steps=(
            Step(
                Cited(
                    eq(sp.exp(-w_of_z), w_of_z / z),
                    _CORLESS,
                    "eq. (1.1) and sec. 2 (the defining relation W(z) e^{W(z)} = z)",
                ),
                "The Lambert W function is defined by $W(z)e^{W(z)} = z$, i.e. "
                "$e^{-W(z)} = W(z)/z$ for $z \\ne 0$.",
            ),
            Step(
                Identity(sp.exp(_m * (q_star - 1)), q_star, given=((sp.exp(-w_of_z), w_of_z / z),)),
                "The library's $q_*$ is a fixed point of $f$, using the defining relation "
                "$W(z)e^{W(z)} = z$.",
            ),
            Step(
                Cited(
                    r"m > 1 \Rightarrow -m e^{-m} \in (-1/e, 0),\ "
                    r"W_0(-m e^{-m}) \in (-1, 0),\ W_{-1}(-m e^{-m}) = -m",
                    _CORLESS,
                    "sec. 4 (branches of W on (-1/e, 0))",
                ),
                "Only the principal branch gives a root below 1; the branch $W_{-1}$ gives "
                "the trivial root $s = 1$.",
            ),
            Step(
                Implication([_w > -1, _w < 0, _m > 1], sp.And(-_w / _m > 0, -_w / _m < 1)),
                "Hence $0 < q_* = -W_0/m < 1/m < 1$: the least fixed point, strictly below "
                "the trivial one.",
            ),
            Step(
                Identity(
                    branching.extinction_probability("exp(2*(s - 1))").exact, q_star.subs(_m, 2)
                ),
                "The generic least-root solver of the library returns the same closed form "
                "at $m = 2$.",
            ),
        ),
        references=(_CORLESS, _ATHREYA),
        establishes=(2, 4),
    )


def _multitype() -> Theorem:
    a11, a12, a21, a22 = sp.symbols("M_11 M_12 M_21 M_22", positive=True)
    rho = sp.Symbol("varrho", real=True)
    M = sp.Matrix([[a11, a12], [a21, a22]])
    disc = sp.sqrt((a11 - a22) ** 2 + 4 * a12 * a21)
    perron = (a11 + a22 + disc) / 2
    characteristic = sp.Eq(rho**2 - (a11 + a22) * rho + a11 * a22 - a12 * a21, 0)
    return Theorem(
        name="branching-multitype",
        title="Multi-type nesting: the Perron root decides",
        statement=r"P(\text{extinction}) = 1 \iff \varrho(M) \le 1; \qquad "
        r"\varrho\begin{pmatrix} M_{11} & M_{12} \\ M_{21} & M_{22} \end{pmatrix} \le 1 "
        r"\iff M_{11} \le 1,\ M_{22} \le 1,\ (1 - M_{11})(1 - M_{22}) \ge M_{12}M_{21}",
        plain="With several types of mesa-optimizer (robust, pseudo, deceptive) and mean "
        "offspring matrix $M$, the nested lineage dies out surely iff the Perron root of "
        "$M$ is at most 1; for two types this is an explicit condition on the entries.",
        assumptions=(
            r"M \text{ positively regular, process non-singular}",
            r"M_{ij} > 0 \text{ (two types)}",
        ),
        objects=(
            "supercoherence.theory.branching.perron_root",
            "supercoherence.theory.branching.multitype_extinction",
        ),
        family="branching",
        steps=(
            Step(
                Cited(
                    r"P(\text{extinction}) = 1 \iff \varrho(M) \le 1",
                    _HARRIS,
                    "Theorem II.7.1 (also Athreya and Ney (1972), Theorem V.3.2)",
                ),
                "The multi-type extinction criterion.",
            ),
            Step(
                Eigenvalues(M, ((a11 + a22 - disc) / 2, perron)),
                "The two eigenvalues of a $2\\times 2$ mean matrix; the Perron root is the larger.",
            ),
            Step(
                Implication(
                    [characteristic, 2 * rho >= a11 + a22],
                    sp.Equivalent(
                        rho <= 1, sp.And(a11 <= 1, a22 <= 1, (1 - a11) * (1 - a22) >= a12 * a21)
                    ),
                ),
                "The larger root $\\varrho$ of the characteristic polynomial is at most 1 "
                "iff the entry conditions hold (real arithmetic, no square root needed).",
            ),
            Step(
                Identity(
                    branching.perron_root([["1/2", "1/4"], ["1/4", "1/2"]]).exact,
                    sp.Rational(3, 4),
                    name=r"\varrho\begin{pmatrix} 1/2 & 1/4 \\ 1/4 & 1/2 \end{pmatrix}",
                ),
                "The library's Perron root, on an example: extinction is certain.",
            ),
        ),
        references=(_HARRIS, _ATHREYA),
        establishes=(2, 3),
    )


theorems = catalogue_order("branching", _criticality, _lambert, _multitype)
