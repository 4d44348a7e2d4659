r"""Theorems about the recursion of takeovers and the drift of the dominant utility.

The statements are about :mod:`supercoherence.theory.recursion`
(:func:`~supercoherence.theory.recursion.tail_law`,
:func:`~supercoherence.theory.recursion.recurrence_probability`,
:func:`~supercoherence.theory.recursion.stationary_law`,
:func:`~supercoherence.theory.recursion.escalation_q`) and
:mod:`supercoherence.theory.drift` (:func:`~supercoherence.theory.drift.expected_alignment`,
:func:`~supercoherence.theory.drift.expected_final_alignment`).

Examples
--------
>>> [thm.name for thm in theorems()][:3]
['dichotomy', 'stationary-geometric', 'capability-escalation']
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from supercoherence.proofs.checkers import (
    Cited,
    Identity,
    Implication,
    Induction,
    Integral,
    Limit,
    Product,
    Series,
    Sign,
)
from supercoherence.proofs.formal import eq, implies, lim
from supercoherence.proofs.lemmas import chance_range, harmonic_counterexample, knopp_step
from supercoherence.proofs.theorem import MonteCarloCheck, Step, Theorem, catalogue_order, mean_of
from supercoherence.theory import contest, drift, recursion
from supercoherence.theory import symbols as S

__all__ = ["theorems"]

_u = sp.Symbol("u", positive=True)
_x = sp.Symbol("x", positive=True)
_lam = sp.Symbol("lambda", positive=True)
_kappa = sp.Symbol("kappa", positive=True)
_h = sp.Symbol("h", positive=True)
# 1 - a and 1 - d as positive symbols: 0 <= a, d < 1 (an optimizer that can be overthrown).
_not_aligned = sp.Symbol("A", positive=True)
_not_detected = sp.Symbol("D", positive=True)
_HALF = sp.Rational(1, 2)
_KNOPP = "knopp"
_BILLINGSLEY = "billingsley"
_FELLER = "feller"
# The general recursion: q_k = P(N = k | N >= k), the tail G(n) = P(N >= n), P(N = oo).
_q = sp.Function("q", real=True)
_G = sp.Function("G", real=True)
_P_FOREVER = sp.Symbol("P_infinity", real=True)
_TAIL = sp.Product(1 - _q(S.k), (S.k, 0, S.n - 1))
_MAX_TAKEOVERS = 1000


def _dichotomy() -> Theorem:
    example = "1/(n+2)**2"
    survival = recursion.tail_law(example).exact
    cap = _MAX_TAKEOVERS
    vanishes, diverges = harmonic_counterexample(S.k, "telescoping: partial products 1/(M+2) -> 0")
    return Theorem(
        name="dichotomy",
        title="The dichotomy: supercoherence or takeovers forever",
        statement=r"P(N \ge n) = \prod_{k<n}(1 - q_k), \quad "
        r"P(N = \infty) = \prod_{k \ge 0} (1 - q_k) > 0 \iff \sum_k q_k < \infty; "
        r"\quad q_n = \tfrac{1}{(n+2)^2} \Rightarrow P(N = \infty) = \tfrac12",
        plain="Takeovers recur forever with positive probability exactly when the "
        "never-overthrown probabilities $q_n$ are summable; otherwise the recursion "
        "reaches a never-overthrown optimizer (supercoherence) almost surely. Even if "
        "every optimizer may be stable ($q_n > 0$), takeovers can recur forever: with "
        "$q_n = 1/(n+2)^2$ they do so with probability exactly $1/2$.",
        assumptions=(
            r"0 \le q_n < 1",
            r"O_n \text{ is never overthrown with probability } q_n, "
            r"\text{ independently of the past}",
        ),
        objects=(
            "supercoherence.theory.recursion.tail_law",
            "supercoherence.theory.recursion.recurrence_probability",
            "supercoherence.theory.recursion.classify",
        ),
        family="recursion",
        steps=(
            Step(
                Induction(S.n, _G(S.n), _TAIL, 1, _G(S.n) * (1 - _q(S.n))),
                "Induction on $n$. Base: $P(N \\ge 0) = 1$ is the empty product. Step: "
                "reaching $O_{n+1}$ means reaching $O_n$ and $O_n$ being overthrown, so "
                "$P(N \\ge n+1) = P(N \\ge n)(1 - q_n)$ (the definition of "
                "$q_n = P(N = n \\mid N \\ge n)$), and the product gains the factor "
                "$1 - q_n$.",
            ),
            Step(
                Product(1 - 1 / (S.k + 2) ** 2, S.k, 0, survival, upper=S.n - 1),
                "Checked against the library's `tail_law` for the example $q_k = 1/(k+2)^2$.",
            ),
            Step(
                Cited(
                    eq(_P_FOREVER, lim(_G(S.n), S.n, sp.oo)),
                    _BILLINGSLEY,
                    "Theorem 2.1 (continuity from above of a probability measure)",
                    text=r"P(N = \infty) = \lim_{n\to\infty} P(N \ge n)",
                ),
                "The events $\\{N \\ge n\\}$ decrease to $\\{N = \\infty\\}$.",
            ),
            Step(
                knopp_step(_q, S.k, 0),
                "The classical criterion for infinite products (Knopp, ch. VII, sec. 28), "
                "proved in Coq (`proofs/coq/dichotomy.v`): for $0 \\le q_k < 1$ the "
                "partial products converge to a limit that is positive iff the partial sums "
                "converge.",
            ),
            Step(
                Product(
                    1 - 1 / (S.k + 2) ** 2,
                    S.k,
                    0,
                    _HALF,
                    criterion="telescoping: partial products (M+3)/(2(M+2)) -> 1/2",
                ),
                "$1 - 1/(k+2)^2 = \\frac{(k+1)(k+3)}{(k+2)^2}$ telescopes.",
            ),
            Step(
                Series(
                    1 / (S.k + 2) ** 2,
                    S.k,
                    0,
                    sp.pi**2 / 6 - 1,
                    criterion="p-series with p = 2 > 1",
                ),
                "Consistent with the criterion: the $q_k$ are summable.",
            ),
            Step(
                Identity(
                    recursion.recurrence_probability(example).exact, _HALF, name=r"P(N = \infty)"
                ),
                "The library finds the exact value $1/2$.",
            ),
            Step(
                vanishes,
                "Contrast $q_n = 1/(n+2)$: takeovers stop almost surely...",
            ),
            Step(
                diverges,
                "... since $\\sum q_n = \\infty$.",
            ),
            Step(
                Identity(
                    recursion.recurrence_probability("1/(n+2)").exact,
                    0,
                    name=r"P(N = \infty)\big|_{q_n = 1/(n+2)}",
                ),
                "The library agrees.",
            ),
        ),
        monte_carlo=MonteCarloCheck(
            f"fraction of chains still recurring after $M = {cap}$ takeovers, "
            f"$P(N \\ge M) = (M+2)/(2(M+1))$, for $q_n = 1/(n+2)^2$",
            lambda n: 1.0 / (np.asarray(n, dtype=float) + 2.0) ** 2,
            mean_of("censored"),
            float(survival.subs(S.n, cap)),
            replicates=20_000,
            max_takeovers=cap,
        ),
        references=(_KNOPP, _BILLINGSLEY),
        hypotheses=(
            eq(_G(0), 1),
            eq(_G(S.n + 1), _G(S.n) * (1 - _q(S.n))),
            *chance_range(_q, S.k),
        ),
        establishes=(1, 3, 4, 5, 6, 8, 9),
    )


def _stationary() -> Theorem:
    law = recursion.stationary_law()
    in_range = (S.q > 0, S.q <= 1)
    q_value = 0.25
    return Theorem(
        name="stationary-geometric",
        title="Stationary recursion: the number of takeovers is geometric",
        statement=r"q_n = q \Rightarrow P(N = k) = (1-q)^k q, \quad E[N] = \frac{1-q}{q}, "
        r"\quad \mathrm{Var}[N] = \frac{1-q}{q^2}",
        plain="If every dominant optimizer has the same chance $q$ of never being "
        "overthrown, the number of takeovers is geometric with mean $(1-q)/q$.",
        assumptions=(r"0 < q \le 1",),
        objects=("supercoherence.theory.recursion.stationary_law",),
        family="recursion",
        steps=(
            Step(
                Series(
                    law.pmf.exact,
                    S.k,
                    0,
                    1,
                    criterion="geometric series, ratio 1 - q in [0, 1)",
                    hypotheses=in_range,
                ),
                "The law is proper: $N < \\infty$ almost surely.",
            ),
            Step(
                Series(
                    S.k * law.pmf.exact,
                    S.k,
                    0,
                    law.mean.exact,
                    criterion="differentiated geometric series, ratio in [0, 1)",
                    hypotheses=in_range,
                ),
                "The mean, from the library's `stationary_law`.",
            ),
            Step(
                Series(
                    S.k**2 * law.pmf.exact,
                    S.k,
                    0,
                    law.variance.exact + law.mean.exact**2,
                    criterion="twice differentiated geometric series, ratio in [0, 1)",
                    hypotheses=in_range,
                ),
                "$E[N^2] = \\mathrm{Var}[N] + E[N]^2$ gives the variance.",
            ),
            Step(
                Series(
                    S.s**S.k * law.pmf.exact,
                    S.k,
                    0,
                    law.pgf.exact,
                    criterion="geometric series, ratio s(1 - q) in [0, 1)",
                    hypotheses=(*in_range, S.s <= 1),
                ),
                "The probability generating function $E[s^N]$.",
            ),
        ),
        monte_carlo=MonteCarloCheck(
            f"mean number of takeovers $E[N] = (1-q)/q$ at $q = {q_value}$",
            q_value,
            mean_of("n_takeovers"),
            (1 - q_value) / q_value,
            replicates=20_000,
            max_takeovers=_MAX_TAKEOVERS,
        ),
        references=(_FELLER,),
        establishes=(1, 2, 3, 4),
    )


def _escalation_chain(cap: int, ratio: float) -> float:
    """``P(N >= cap)`` for ``q_n = exp(-ratio (n + 1))`` (weakening entrenchment)."""
    k = np.arange(cap, dtype=float)
    return float(np.exp(np.sum(np.log1p(-np.exp(-ratio * (k + 1))))))


def _escalation() -> Theorem:
    gamma = 1 + _u
    detection_n = 1 - _not_detected * sp.exp(-_kappa * (gamma**S.n - 1))
    h_n = _lam * contest.per_spawn_takeover(1 - _not_aligned, detection_n, gamma, S.r)
    q_entrenched = recursion.escalation_q(h_n, S.delta)
    q_weak_escalating = recursion.escalation_q(h_n, S.delta / (S.n + 1))
    q_weakening = recursion.escalation_q(_h, S.delta / (S.n + 1))
    ratio = 0.125 / 0.25
    cap = 200

    def diverges(q: sp.Expr) -> sp.Basic:
        return implies([eq(lim(q, S.n, sp.oo), 1)], eq(sp.Sum(q, (S.n, 0, sp.oo)), sp.oo))

    return Theorem(
        name="capability-escalation",
        title="Capability escalation: the hazard vanishes, and entrenchment wins",
        statement=r"\gamma > 1,\ \kappa > 0 \Rightarrow h_n \to 0; \quad "
        r"\delta_n = \delta \text{ or } \delta_n = \tfrac{\delta}{n+1} \Rightarrow q_n \to 1,\ "
        r"\textstyle\sum q_n = \infty \text{ (supercoherence a.s.)}; \quad "
        r"\delta = 0 \Rightarrow \int_0^\infty h_n = \infty,\ E[\tau_n] = 1/h_n \to \infty; "
        r"\quad \text{no escalation } (h_n = h):\ \delta_n = \tfrac{\delta}{n+1} "
        r"\Rightarrow \textstyle\sum q_n < \infty",
        plain="When winners are mesa-superoptimizers ($c_{n+1} = \\gamma c_n$) and "
        "detection improves with capability, the hazard scale $h_n$ falls to zero "
        "doubly exponentially. With entrenchment the optimizers become stable and "
        "supercoherence follows almost surely, even if entrenchment weakens as "
        "$\\delta/(n+1)$: then $q_n = e^{-(n+1)h_n/\\delta} \\to 1$ still, because "
        "$(n+1)h_n \\to 0$. Without entrenchment takeovers recur forever almost surely, "
        "yet the mean tenure grows without bound, so a finite horizon looks stable. Only "
        "without escalation (a constant hazard scale $h$) does weakening entrenchment "
        "make the $q_n$ summable, so that takeovers recur forever with positive "
        "probability.",
        assumptions=(
            r"\gamma = 1 + u > 1",
            r"\kappa > 0",
            r"\lambda > 0",
            r"0 \le a, d < 1:\ A = 1 - a > 0,\ D = 1 - d > 0",
            r"1 - d_n = (1-d)e^{-\kappa(\gamma^n - 1)}",
            r"h_n = \lambda\pi_n",
        ),
        objects=(
            "supercoherence.theory.recursion.escalation_q",
            "supercoherence.theory.contest.per_spawn_takeover",
        ),
        family="recursion",
        steps=(
            Step(
                Limit(h_n, S.n, sp.oo, 0),
                "$c_n = \\gamma^n \\to \\infty$, so the undetected fraction "
                "$(1-d)e^{-\\kappa(c_n - 1)}$ and with it $h_n$ vanish.",
            ),
            Step(
                Limit(q_entrenched, S.n, sp.oo, 1),
                "With entrenchment $\\delta_n = \\delta$: $q_n = e^{-h_n/\\delta} \\to 1$.",
            ),
            Step(
                Limit(q_weak_escalating, S.n, sp.oo, 1),
                "With weakening entrenchment $\\delta_n = \\delta/(n+1)$: "
                "$q_n = e^{-(n+1)h_n/\\delta} \\to 1$ as well, since $h_n$ decays "
                "doubly exponentially and $(n+1)h_n \\to 0$.",
            ),
            Step(
                Cited(
                    sp.And(diverges(q_entrenched), diverges(q_weak_escalating)),
                    "rudin",
                    "Theorem 3.23 (the terms of a convergent series tend to 0)",
                    text=r"q_n \to 1 \Rightarrow \textstyle\sum_n q_n = \infty",
                ),
                "Divergence test: the terms do not tend to 0, so $\\sum q_n = \\infty$ and by "
                "the dichotomy supercoherence is reached almost surely.",
            ),
            Step(
                Integral(h_n, S.t, 0, sp.oo, sp.oo),
                "Without entrenchment ($\\delta = 0$) the hazard is constant in age, its "
                "total diverges and $q_n = 0$ (theorem constant-hazard): takeovers recur "
                "forever almost surely.",
            ),
            Step(
                Limit(1 / h_n, S.n, sp.oo, sp.oo),
                "Yet the mean tenure $1/h_n$ (theorem constant-hazard) grows without "
                "bound: the recursion slows down.",
            ),
            Step(
                Identity(q_weakening, (sp.exp(-_h / S.delta)) ** (S.n + 1)),
                "Without escalation (constant hazard scale $h$) and weakening entrenchment "
                "$\\delta_n = \\delta/(n+1)$: $q_n = x^{n+1}$ with $x = e^{-h/\\delta}$.",
            ),
            Step(
                Sign(sp.log(sp.exp(-_h / S.delta)), "<0"),
                "$\\log x = -h/\\delta < 0$ since $h, \\delta > 0$, so $0 < x < 1$.",
            ),
            Step(
                Series(
                    _x ** (S.k + 1),
                    S.k,
                    0,
                    _x / (1 - _x),
                    criterion="geometric series, ratio x in (0, 1)",
                    hypotheses=(_x < 1,),
                ),
                "So $\\sum q_n < \\infty$ and, by the dichotomy, takeovers recur forever "
                "with positive probability.",
            ),
        ),
        monte_carlo=MonteCarloCheck(
            f"no escalation, weakening entrenchment ($h = 1/8$, $\\delta = 1/4$, $w = 1$): "
            f"$P(N \\ge {cap}) = \\prod_{{k<{cap}}} (1 - e^{{-(k+1)/2}})$",
            {
                "spawn_rate": 1.0,
                "alignment_skill": 0.5,
                "detection": 0.5,
                "capability_ratio": 1.0,
                "hazard": "entrenchment",
                "entrenchment_rate": 0.25,
                "entrenchment_weakening": 1.0,
            },
            mean_of("censored"),
            _escalation_chain(cap, ratio),
            replicates=20_000,
            max_takeovers=cap,
        ),
        references=("rudin",),
        establishes=(1, 2, 3, 4, 5, 6, 7, 8, 9),
        notes="Corrected statement (issue 16): the earlier version claimed that weakening "
        "entrenchment $\\delta_n = \\delta/(n+1)$ makes the $q_n$ summable under "
        "escalation. It does not: $q_n \\to 1$ (step 3), and the library classifies "
        "$\\gamma = 2$, $\\kappa = 1$, $w = 1$ as supercoherence almost surely. The "
        "summable case is the one without escalation (steps 7-9).",
    )


def _drift_alignment() -> Theorem:
    ww, uu, wu = sp.symbols("w_n\\cdot{}w_n u_n\\cdot{}u_n w_n\\cdot{}u_n", real=True)
    norm = S.rho**2 * ww + (1 - S.rho**2) * uu + 2 * S.rho * sp.sqrt(1 - S.rho**2) * wu
    alignment = sp.Function("a", real=True)  # a(n) = E[w_n . w_0]
    # e = E[u_n . w_0 | F_n], c = w_n . w_0, sigma = sqrt(1 - rho^2) >= 0
    e = sp.Symbol("e_n", real=True)
    c = sp.Symbol("c_n", real=True)
    sigma = sp.Symbol("sigma", nonnegative=True)
    return Theorem(
        name="drift-alignment",
        title="Value drift: alignment with the original goal decays geometrically",
        statement=r"w_{n+1} = \rho w_n + \sqrt{1-\rho^2}\,u_n \;\Longrightarrow\; "
        r"E[w_n \cdot w_0] = \rho^n",
        plain="If each takeover keeps a fraction $\\rho$ of the dominant utility and adds "
        "an independent orthogonal direction, the expected alignment with the original "
        "utility after $n$ takeovers is $\\rho^n$.",
        assumptions=(
            r"-1 \le \rho \le 1,\ \sigma = \sqrt{1 - \rho^2}",
            r"|w_0| = 1",
            r"u_n \text{ uniform on the unit sphere of } w_n^\perp",
            r"a_n = E[w_n \cdot w_0],\ c_n = w_n \cdot w_0,\ "
            r"e_n = E[u_n \cdot w_0 \mid \mathcal F_n]",
        ),
        objects=("supercoherence.theory.drift.expected_alignment",),
        family="drift",
        steps=(
            Step(
                Identity(norm.subs({ww: 1, uu: 1, wu: 0}), 1),
                "The drift keeps $w_{n+1}$ a unit vector ($|w_n| = |u_n| = 1$, "
                "$w_n \\cdot u_n = 0$).",
            ),
            Step(
                Cited(
                    eq(e, -e),
                    "muirhead",
                    "sec. 1.5 (spherical distributions: the uniform law on a sphere is "
                    "invariant under orthogonal maps, here -I on the orthogonal complement)",
                    text=r"u_n \overset{d}{=} -u_n \text{ given } \mathcal F_n "
                    r"\;\Rightarrow\; e_n = E[-u_n \cdot w_0 \mid \mathcal F_n] = -e_n",
                ),
                "Symmetry: $u \\mapsto -u$ maps the unit sphere of $w_n^\\perp$ onto itself "
                "and preserves its uniform law; linearity of conditional expectation.",
            ),
            Step(
                Implication([eq(e, -e)], eq(e, 0)),
                "A number equal to its negative is 0: $E[u_n \\cdot w_0 \\mid \\mathcal F_n] = 0$.",
            ),
            Step(
                Implication([eq(e, 0)], eq(S.rho * c + sigma * e, S.rho * c)),
                "Hence $E[w_{n+1} \\cdot w_0 \\mid \\mathcal F_n] = \\rho\\, c_n + "
                "\\sigma e_n = \\rho\\, w_n \\cdot w_0$.",
            ),
            Step(
                Cited(
                    eq(alignment(S.n + 1), S.rho * alignment(S.n)),
                    "williams",
                    "sec. 9.7 (properties of conditional expectation: tower property and "
                    "linearity)",
                    text=r"a_{n+1} = E\big[E[w_{n+1} \cdot w_0 \mid \mathcal F_n]\big] "
                    r"= \rho\, a_n",
                ),
                "Take expectations of step 4 (tower property).",
            ),
            Step(
                Induction(S.n, alignment(S.n), S.rho**S.n, 1, S.rho * alignment(S.n)),
                "Induction: base $a_0 = w_0 \\cdot w_0 = 1$, step $a_{n+1} = \\rho a_n$.",
            ),
            Step(
                Identity(drift.expected_alignment(S.n, S.rho), S.rho**S.n),
                "The library's `expected_alignment` is this closed form.",
            ),
        ),
        references=("muirhead", "williams"),
        hypotheses=(eq(alignment(0), 1),),
        establishes=(1, 3, 4, 6, 7),
    )


def _drift_final_alignment() -> Theorem:
    pmf = recursion.stationary_law().pmf.exact
    general = drift.expected_final_alignment(S.q, S.rho)
    closed = general.args[-1].expr if isinstance(general, sp.Piecewise) else general
    q_value, rho_value = 0.25, 0.5
    return Theorem(
        name="drift-final-alignment",
        title="Expected final alignment in the stationary recursion",
        statement=r"E[w_N \cdot w_0] = E[\rho^N] = \frac{q}{1 - (1-q)\rho}",
        plain="When every optimizer is stable with probability $q$, the final dominant "
        "utility is, in expectation, aligned with the original one to the degree "
        "$q/(1 - (1-q)\\rho)$.",
        assumptions=(
            r"0 < q \le 1",
            r"-1 \le \rho \le 1",
            r"N \text{ independent of the drift directions}",
        ),
        objects=(
            "supercoherence.theory.drift.expected_final_alignment",
            "supercoherence.theory.recursion.stationary_law",
        ),
        family="drift",
        steps=(
            Step(
                Cited(
                    r"E[w_N \cdot w_0] = E\big[E[w_N \cdot w_0 \mid N]\big] = E[\rho^N]",
                    "williams",
                    "sec. 9.7 (tower property of conditional expectation; theorem "
                    "drift-alignment applied given N)",
                ),
                "Condition on the number of takeovers.",
            ),
            Step(
                Series(
                    S.rho**S.k * pmf,
                    S.k,
                    0,
                    closed,
                    criterion="geometric series, ratio rho(1 - q) in (-1, 1)",
                    hypotheses=(S.q > 0, S.q <= 1, S.rho >= -1, S.rho <= 1),
                ),
                "Sum against the geometric law (theorem stationary-geometric).",
            ),
            Step(
                Identity(general.subs(S.rho, 1), closed.subs(S.rho, 1)),
                "At $\\rho = 1$ (no drift) the library's special case is the same value, 1.",
            ),
        ),
        monte_carlo=MonteCarloCheck(
            f"mean final alignment at $q = {q_value}$, $\\rho = {rho_value}$",
            q_value,
            mean_of("final_alignment"),
            q_value / (1 - (1 - q_value) * rho_value),
            replicates=20_000,
            max_takeovers=_MAX_TAKEOVERS,
            options={"drift": rho_value, "utility_dimension": 3},
        ),
        references=("williams",),
        establishes=(2, 3),
    )


theorems = catalogue_order(
    "recursion and drift",
    _dichotomy,
    _stationary,
    _escalation,
    _drift_alignment,
    _drift_final_alignment,
)
