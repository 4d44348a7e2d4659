r"""Theorems about selection between systems and selection of programs by a proxy.

Three results behind :mod:`supercoherence.theory.selection` and the best-of-N part of
:mod:`supercoherence.theory.training` (MODEL.md, "Outcompeted?" and "Where
mesa-optimizers come from, mechanistically"):

* ``selection-invasion``: the replicator equation of two types, its exact solution, and
  the invasion condition of the coherent type, :math:`b < \ell (1 - \kappa_R) \bar h`
  (z3), with :math:`\bar h = 0` for an entrenching hazard (any search advantage wins);
* ``moran-fixation``: the Moran fixation probability
  :math:`\rho_i = (1 - r^{-i})/(1 - r^{-N})` solves the birth-death recursion of the
  coherent count (whose rate ratio is constant, so the selection model is a Moran
  process), equals the library's birth-death sum, and tends to :math:`i/N` at
  neutrality and to :math:`1 - 1/r` in a large population;
* ``goodhart``: best of :math:`N` by a noisy proxy.  Gumbel noise is max-stable, so the
  winner's class given the class counts is a logit (exact), and
  :math:`P_N(\text{mesa})` tends to a logit below 1; Gaussian noise has a diverging tail
  ratio and the best class takes everything: :math:`P_N(\text{mesa}) \to 1` when the
  mesa-optimizers' mean proxy advantage is positive (searching harder finds them).

Examples
--------
>>> [thm.name for thm in theorems()]
['selection-invasion', 'moran-fixation', 'goodhart']
"""

from __future__ import annotations

import sympy as sp

from supercoherence.proofs.checkers import Cited, Identity, Implication, Integral, Limit
from supercoherence.proofs.theorem import Step, Theorem, catalogue_order
from supercoherence.theory import selection as SEL
from supercoherence.theory import symbols as S
from supercoherence.theory import training as TR

__all__ = ["theorems"]

_z0 = sp.Symbol("z_0", positive=True)
_f0, _f1 = sp.symbols("f_0 f_1", real=True)
_D = sp.Symbol("D", positive=True)
_o = sp.Symbol("o", positive=True)
# Moran: rates of the two types (coherent: growth g_c, hazard h_c; optimizing: g_o, h_o)
_gc, _go = sp.symbols("g_c g_o", positive=True)
_hc, _ho = sp.symbols("h_c h_o", nonnegative=True)
_i = sp.Symbol("i", integer=True, nonnegative=True)
_u = sp.Symbol("u", positive=True)
# Best of N: Gumbel locations, class weights, the winner's tail
_x, _mu = sp.symbols("x mu", real=True)
_M = sp.Symbol("M", positive=True)
_A, _B = sp.symbols("A B", positive=True)
_v = sp.Symbol("v", positive=True)
_s = sp.Symbol("s", real=True)
_d = sp.Symbol("delta", positive=True)
_n = sp.Symbol("n", positive=True)
_c, _e = sp.symbols("c e", positive=True)
_w = sp.Symbol("w", positive=True)
_P = sp.Function("P_mesa")
_N = sp.Symbol("N", integer=True, positive=True)


def _invasion() -> Theorem:
    t = S.t
    z = _z0 * sp.exp(_f0 * t) / (_z0 * sp.exp(_f0 * t) + (1 - _z0) * sp.exp(_f1 * t))
    b, ell, kap, h0 = S.search_advantage, S.takeover_loss, S.retained_share, S.h0
    fitness = S.g0 + b * _o - ell * _o * (1 - kap) * h0  # type of optimizer-ness o
    cond = SEL.invasion_condition(symbolic=True)
    ranges = [_o <= 1, kap <= 1]
    return Theorem(
        name="selection-invasion",
        title="Outcompeted? The invasion condition of the coherent type",
        statement=r"\dot z = z(1-z)(f_0 - f_1); \quad "
        r"f(0) > f(o) \iff b < \ell (1 - \kappa_R) \bar h \quad (0 < o \le 1); \quad "
        r"\bar h = 0 \text{ for } h(t) = h_0 e^{-\delta t}",
        plain="Two types of top-level system share a resource.  A system of optimizer-ness "
        "$o$ grows at $g_0 + b o$ and is taken over at $o(1-\\kappa_R)h(t)$, a share $\\ell$ "
        "of a taken-over system leaving the competition.  The coherent type ($o = 0$) "
        "invades and survives against every optimizing type exactly when the growth "
        "advantage of search is below the takeover loss it brings, "
        "$b < \\ell(1-\\kappa_R)\\bar h$; if the hazard entrenches ($\\bar h = 0$), "
        "any advantage $b > 0$ outcompetes it.",
        assumptions=(
            r"b, \ell, \kappa_R, h_0 \ge 0,\ \kappa_R \le 1",
            r"0 < o \le 1",
            r"0 < z_0 < 1 \text{ (both types present)}",
        ),
        objects=(
            "supercoherence.theory.selection.replicator_solution",
            "supercoherence.theory.selection.invasion_condition",
            "supercoherence.theory.selection.critical_search_advantage",
            "supercoherence.theory.selection.coherent_survives",
        ),
        family="selection",
        steps=(
            Step(
                Identity(sp.diff(z, t), z * (1 - z) * (_f0 - _f1)),
                "The two-type replicator equation (Taylor & Jonker 1978; Hofbauer & "
                "Sigmund 1998, sec. 7.1), $\\dot z = z(f_0 - \\bar f) = z(1-z)(f_0 - f_1)$, "
                "is solved by the normalised exponentials (here differentiated).",
            ),
            Step(
                Limit(_z0 / (_z0 + (1 - _z0) * sp.exp(-_D * t)), t, sp.oo, 1),
                "Dividing by $e^{f_0 t}$: with $f_0 - f_1 = D > 0$ the coherent share tends "
                "to 1...",
            ),
            Step(
                Limit(_z0 / (_z0 + (1 - _z0) * sp.exp(_D * t)), t, sp.oo, 0),
                "... and with $f_0 - f_1 = -D < 0$ to 0: the sign of the fitness "
                "difference decides who is outcompeted.",
            ),
            Step(
                Identity(cond.rhs - cond.lhs, S.g0 - fitness.subs(_o, 1), name="b^* - b"),
                "The library's invasion condition is $f(0) - f(1) > 0$ with the long-run "
                "fitness $g_0 + b o - \\ell o (1-\\kappa_R) \\bar h$ ($\\bar h = h_0$ for "
                "a constant hazard).",
            ),
            Step(
                Implication([*ranges, b < ell * (1 - kap) * h0], S.g0 > fitness),
                "Below the critical advantage the coherent type is fitter than a type of "
                "any optimizer-ness $0 < o \\le 1$ ...",
            ),
            Step(
                Implication([*ranges, b > ell * (1 - kap) * h0], S.g0 < fitness),
                "... and above it every optimizing type is fitter (equality is neutral).",
            ),
            Step(
                Limit(h0 / S.delta * (1 - sp.exp(-S.delta * t)) / t, t, sp.oo, 0),
                "An entrenching hazard $h_0 e^{-\\delta t}$ has $\\Lambda(t) = "
                "h_0(1 - e^{-\\delta t})/\\delta$, so $\\bar h = \\lim \\Lambda(t)/t = 0$ "
                "and the condition becomes $b < 0$: never.",
            ),
        ),
        references=("taylor-jonker", "hofbauer-sigmund", "nowak"),
        notes="A finite population is the Moran process of the theorem `moran-fixation`; "
        "its fixation probability exceeds the neutral $1/N$ exactly when this condition "
        "holds.",
        establishes=(1, 2, 3, 4, 5, 6, 7),
    )


def _moran() -> Theorem:
    r, N = S.fitness_ratio, S.population_size
    ell = S.takeover_loss

    def rho(j):
        return (1 - r ** (-j)) / (1 - r ** (-N))

    # coherent count i: up when a coherent system's offspring replaces an optimizing one,
    # or an optimizing one is taken over, removed and refilled by a coherent offspring
    pairs = _i * (N - _i) / (N - 1)
    up = (_gc + ell * _ho) * pairs
    down = (_go + ell * _hc) * pairs
    r_model = (_gc + ell * _ho) / (_go + ell * _hc)
    return Theorem(
        name="moran-fixation",
        title="The Moran fixation probability of the coherent type",
        statement=r"\rho_i = \frac{1 - r^{-i}}{1 - r^{-N}}, \quad "
        r"r = \frac{g_c + \ell h_o}{g_o + \ell h_c}; \quad \rho_i \to \frac{i}{N} "
        r"\ (r \to 1), \quad \rho_1 \to 1 - \frac1r\ (N \to \infty,\ r > 1)",
        plain="In a full population of $N$ competing systems the number of coherent "
        "systems is a birth-death chain whose down/up rate ratio is the constant $1/r$; "
        "the probability that $i$ coherent systems take over the population is the Moran "
        "formula, which solves the chain's recursion with $\\rho_0 = 0$, $\\rho_N = 1$. "
        "Neutral selection gives $i/N$; in a large population one coherent system "
        "fixes with probability $1 - 1/r$ when it is fitter, and $r > 1$ is the "
        "invasion condition.",
        assumptions=(
            r"g_c, g_o > 0,\ h_c, h_o, \ell \ge 0",
            r"N \ge 2,\ 0 \le i \le N,\ r > 0",
        ),
        objects=(
            "supercoherence.theory.selection.moran_fixation",
            "supercoherence.theory.selection.birth_death_fixation",
        ),
        family="selection",
        steps=(
            Step(
                Identity(down / up, 1 / r_model, name="T^-_i / T^+_i"),
                "Every event pairs a coherent and an optimizing system (the actor and the "
                "uniformly chosen other), so both rates carry $i(N-i)/(N-1)$ and their "
                "ratio is constant: a Moran process of relative fitness $r$.",
            ),
            Step(
                Identity(rho(_i + 1) + rho(_i - 1) / r - (1 + 1 / r) * rho(_i), 0),
                "First-step analysis: $\\rho_i (T^+ + T^-) = T^+ \\rho_{i+1} + T^- "
                "\\rho_{i-1}$, i.e. $\\rho_{i+1} + \\rho_{i-1}/r = (1 + 1/r)\\rho_i$.",
            ),
            Step(Identity(rho(0), 0), "Boundary: no coherent system left, no fixation."),
            Step(Identity(rho(N), 1), "Boundary: the coherent type has fixed."),
            Step(
                Cited(
                    r"\text{absorption probabilities of a finite birth-death chain are the "
                    r"unique solution of the first-step recursion with } "
                    r"\rho_0 = 0,\ \rho_N = 1",
                    "karlin-taylor",
                    "ch. 4, sec. 7 (gambler's ruin and birth-death chains)",
                ),
                "A second-order linear recursion with both boundary values has one "
                "solution (Nowak 2006, ch. 6, eq. 6.13 for the Moran process).",
            ),
            Step(
                Identity(
                    SEL.moran_fixation_derived().exact, rho(S.initial_count), name="\\rho_{i_0}"
                ),
                "The library's Moran formula is this solution.",
            ),
            Step(
                Identity(
                    SEL.birth_death_fixation([1 / r] * 4, 2),
                    rho(_i).subs(N, 5).subs(_i, 2),
                    name="\\rho_2\\ (N = 5)",
                ),
                "Cross-check with the library's general birth-death sum "
                "$\\sum_{k<i}\\prod_{j\\le k}\\gamma_j / \\sum_{k<N}\\prod_{j \\le k}\\gamma_j$ "
                "at $\\gamma_j = 1/r$, $N = 5$, $i = 2$.",
            ),
            Step(
                Limit(rho(_i), r, 1, _i / N),
                "Neutral selection: the fixation probability is the initial share.",
            ),
            Step(
                Limit(rho(1).subs(r, 1 + _u), N, sp.oo, _u / (1 + _u)),
                "A fitter type ($r = 1 + u > 1$) in a large population: $1 - 1/r$.",
            ),
            Step(
                Implication(
                    [_go + ell * _hc > 0],
                    sp.Equivalent(r_model > 1, _gc - ell * _hc > _go - ell * _ho),
                ),
                "$r > 1$ exactly when the coherent type's net growth $g - \\ell h$ is the "
                "larger: the invasion condition of `selection-invasion` ($h_c = 0$).",
            ),
        ),
        references=("moran", "nowak", "karlin-taylor"),
        establishes=(1, 2, 3, 4, 6, 7, 8, 9, 10),
    )


def _goodhart() -> Theorem:
    gumbel_cdf = sp.exp(-sp.exp(-(_x - _mu)))
    gumbel_tail = 1 - sp.exp(-sp.exp(-_s))
    gauss_density = sp.exp(-(_s**2) / 2)
    exact_two = TR.gumbel_best_of_n([1 - _w, _w], [0, sp.log(_A)], 2)[1]
    pm_gauss = sp.Limit(_P(_N), _N, sp.oo)
    return Theorem(
        name="goodhart",
        title="Goodhart: searching harder finds mesa-optimizers (for light-tailed noise)",
        statement=r"\text{Gumbel: } P_N(j) = E\Big[\tfrac{M_j A_j}{\sum_k M_k A_k}\Big] "
        r"\to \tfrac{w_j A_j}{\sum_k w_k A_k} < 1; \quad \text{Gaussian: } "
        r"\lim_{N \to \infty} P_N(\text{mesa}) = 1 \text{ if } \Delta > 0",
        plain="The base keeps the best of $N$ candidates by proxy score "
        "$\\mu_j + \\sigma\\varepsilon$.  With Gumbel noise the maximum of $M$ scores is "
        "Gumbel shifted by $\\sigma\\ln M$, so given the class counts the winner's class "
        "is a logit in the counts (exact), and as $N$ grows it tends to the logit "
        "$w_j A_j/\\sum_k w_k A_k$, $A_k = e^{\\mu_k/\\sigma}$, strictly below 1: "
        "searching harder saturates.  With Gaussian noise the tail ratio "
        "$\\bar F(s-\\delta)/\\bar F(s)$ diverges, the maxima of the classes concentrate "
        "at the same $\\sqrt{2\\ln N}$ and the class with the larger mean takes the top "
        "almost surely: $P_N(\\text{mesa}) \\to 1$ when the mesa-optimizers' proxy "
        "advantage net of the speed cost is positive (the complexity penalty, a prior "
        "weight, does not change the limit).",
        assumptions=(
            r"\text{i.i.d. candidates: class } j \text{ with probability } w_j > 0",
            r"\text{scores } \mu_j + \sigma \varepsilon,\ \sigma > 0",
            r"\Delta = \mu_\text{mesa} - \mu_\text{other} \text{ (net of } \theta_s T)",
        ),
        objects=(
            "supercoherence.theory.training.best_of_n",
            "supercoherence.theory.training.gumbel_best_of_n",
            "supercoherence.theory.training.best_of_n_limit",
            "supercoherence.theory.training.goodhart_limit",
        ),
        family="selection",
        steps=(
            Step(
                Identity(gumbel_cdf**_M, sp.exp(-sp.exp(-(_x - _mu - sp.log(_M))))),
                "Max-stability (Gumbel 1958, sec. 5.2): the maximum of $M$ i.i.d. "
                "Gumbel($\\mu$) scores is Gumbel($\\mu + \\ln M$) (unit scale shown).",
            ),
            Step(
                Integral(_A * sp.exp(-_v * (_A + _B)), _v, 0, sp.oo, _A / (_A + _B)),
                "Two Gumbel maxima with locations $\\ln A$, $\\ln B$: "
                "$P(\\text{first wins}) = \\int f_A F_B = \\int_0^\\infty A e^{-v(A+B)}dv$ "
                "($v = e^{-s}$), a logit; with $A = M_j e^{\\mu_j}$ this is "
                "$M_j A_j / \\sum_k M_k A_k$ given the counts.",
            ),
            Step(
                Identity(
                    exact_two,
                    2 * _w * (1 - _w) * _A / (1 + _A) + _w**2,
                    name="P_2(\\text{mesa})",
                ),
                "The library's exact finite sum over the binomial counts, at $N = 2$: "
                "one mesa candidate of two wins with the logit, two always.",
            ),
            Step(
                Cited(
                    r"E\Big[\tfrac{M_j A_j}{\sum_k M_k A_k}\Big] \to "
                    r"\tfrac{w_j A_j}{\sum_k w_k A_k} \quad (M_k / N \to w_k \text{ a.s.})",
                    "billingsley",
                    "sec. 6 (strong law of large numbers) and sec. 16 (bounded "
                    "convergence theorem)",
                ),
                "The integrand is a bounded continuous function of the class frequencies "
                "$M_k/N$, which converge to $w_k$.",
            ),
            Step(
                Limit(
                    (1 - sp.exp(-sp.exp(-(_s - _d)))) / gumbel_tail,
                    _s,
                    sp.oo,
                    sp.exp(_d),
                ),
                "Exponential tail: the Gumbel tail ratio tends to $e^{\\delta}$, finite, "
                "so a mean advantage $\\delta$ buys a fixed odds factor however deep the "
                "search.",
            ),
            Step(
                Limit(gauss_density.subs(_s, _s - _d) / gauss_density, _s, sp.oo, sp.oo),
                "Gaussian: by l'Hopital's rule (Rudin 1976, Theorem 5.13) the tail "
                "ratio $\\bar\\Phi(s-\\delta)/\\bar\\Phi(s)$ has the limit of the density "
                "ratio $e^{\\delta s - \\delta^2/2}$, which diverges.",
            ),
            Step(
                Limit(sp.sqrt(2 * sp.log(_c * _n)) - sp.sqrt(2 * sp.log(_e * _n)), _n, sp.oo, 0),
                "The Gaussian maxima of the two classes ($cN$ and $eN$ candidates) sit "
                "at $b_m \\sim \\sqrt{2\\ln m}$: their centres merge ...",
            ),
            Step(
                Limit(1 / sp.sqrt(2 * sp.log(_n)), _n, sp.oo, 0),
                "... and their spread $a_m = (2\\ln m)^{-1/2}$ vanishes.",
            ),
            Step(
                Cited(
                    sp.Implies(_d > 0, sp.Eq(pm_gauss, 1)),
                    "leadbetter",
                    "Theorem 1.5.3 (normal maxima: (M_n - b_n)/a_n tends to the Gumbel law)",
                    text=r"\Delta = \delta > 0 \Rightarrow "
                    r"\lim_{N\to\infty} P_N(\text{mesa}) = 1 \ \text{(Gaussian noise)}",
                ),
                "So the difference of the two class maxima tends to 0 in probability, and "
                "the class whose mean is $\\delta > 0$ higher holds the top score with "
                "probability tending to 1.",
            ),
        ),
        references=("gumbel", "leadbetter", "billingsley", "rudin", "hubinger"),
        notes="MODEL.md says the Gumbel case is a logit that does not depend on $N$; with "
        "i.i.d. classes it does depend on $N$ (through the class counts, exactly: "
        "`gumbel_best_of_n`), rising from the prior $w_j$ at $N = 1$ to the logit limit. "
        "Only the limit is $N$-free.  Heavier tails than exponential make the search "
        "strength matter even less (the tail ratio tends to 1 and the limit is the "
        "prior).",
        establishes=(1, 2, 3, 5, 6, 7, 8, 9),
    )


theorems = catalogue_order("selection", _invasion, _moran, _goodhart)
