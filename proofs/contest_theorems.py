r"""Theorems about contests: the Tullock success function, the embedded-agency bound,
and the gambler's-ruin resource battle.

Every statement is about the real functions of :mod:`supercoherence.theory.contest`:
:func:`~supercoherence.theory.contest.success` :math:`s(\gamma) = \gamma^r/(1+\gamma^r)`,
:func:`~supercoherence.theory.contest.per_spawn_takeover`
:math:`\pi = (1-a)(1-d)s(\gamma)`, :func:`~supercoherence.theory.contest.success_limit`,
:func:`~supercoherence.theory.contest.ruin_probability` and
:func:`~supercoherence.theory.contest.expected_duration`.  The theorems call them
with symbolic arguments and check the expressions they return.

Examples
--------
>>> [thm.name for thm in theorems()][:3]
['contest-tie', 'contest-monotone', 'contest-symmetry']
"""

from __future__ import annotations

import sympy as sp

from supercoherence.proofs.checkers import Cited, Identity, Implication, Limit, Sign
from supercoherence.proofs.coq_checker import CoqProof, coq_step
from supercoherence.proofs.formal import eq, implies, lim
from supercoherence.proofs.theorem import Step, Theorem, catalogue_order
from supercoherence.theory import contest
from supercoherence.theory import symbols as S

__all__ = ["theorems"]

_HALF = sp.Rational(1, 2)
_u = sp.Symbol("u", positive=True)
_x = sp.Symbol("x", positive=True)
_c_mesa = sp.Symbol("c_mesa", positive=True)
_c_base = sp.Symbol("c_base", positive=True)
_scale = sp.Symbol("k", positive=True)
_p = sp.Symbol("p", positive=True)
_i = sp.Symbol("i", integer=True, positive=True)
_N = sp.Symbol("N", integer=True, positive=True)

_TULLOCK = "tullock"
_FELLER = "feller"
_OBJ_SUCCESS = "supercoherence.theory.contest.success"


def _at_tie() -> sp.Expr:
    r""":math:`s(1)` as an unevaluated substitution :math:`s(\gamma)|_{\gamma=1}`."""
    return sp.Subs(contest.success(S.gamma, S.r), S.gamma, 1)


def _contest_tie() -> Theorem:
    return Theorem(
        name="contest-tie",
        title="An even contest is a coin flip",
        statement=r"s(1) = \frac{1}{2} \quad\text{for every } r > 0",
        claim=eq(_at_tie(), _HALF),
        plain="A challenger exactly as capable as the incumbent wins with probability 1/2, "
        "whatever the sharpness of the contest.",
        assumptions=(r"r > 0",),
        objects=(_OBJ_SUCCESS,),
        family="contest",
        steps=(
            Step(
                Identity(_at_tie(), _HALF, name="s(1)"),
                "$1^r = 1$, so $s(1) = 1/(1+1)$.",
            ),
        ),
        references=(_TULLOCK,),
    )


def _contest_monotone() -> Theorem:
    s_expr = contest.success(S.gamma, S.r)
    derivative = S.r * S.gamma ** (S.r - 1) / (1 + S.gamma**S.r) ** 2
    return Theorem(
        name="contest-monotone",
        title="More capability wins more often",
        statement=r"\frac{\partial s}{\partial \gamma} = "
        r"\frac{r\gamma^{r-1}}{(1+\gamma^r)^2} > 0",
        claim=sp.And(
            eq(sp.Derivative(s_expr, S.gamma), derivative),
            sp.Gt(sp.Derivative(s_expr, S.gamma), 0, evaluate=False),
        ),
        plain="The challenger's winning probability strictly increases with its capability ratio.",
        assumptions=(r"\gamma > 0", r"r > 0"),
        objects=(_OBJ_SUCCESS,),
        family="contest",
        steps=(
            Step(
                Identity(sp.Derivative(s_expr, S.gamma), derivative),
                "Quotient rule applied to $\\gamma^r/(1+\\gamma^r)$.",
            ),
            Step(
                Sign(derivative, ">0"),
                "A product and quotient of positive factors, since $\\gamma, r > 0$.",
            ),
        ),
        references=(_TULLOCK,),
    )


def _contest_symmetry() -> Theorem:
    return Theorem(
        name="contest-symmetry",
        title="The contest is symmetric between the two sides",
        statement=r"s(\gamma) + s(1/\gamma) = 1",
        claim=eq(contest.success(S.gamma, S.r) + contest.success(1 / S.gamma, S.r), 1),
        plain="The challenger's chance at ratio $\\gamma$ equals the incumbent's chance "
        "seen from the other side, at ratio $1/\\gamma$: someone always wins.",
        assumptions=(r"\gamma > 0", r"r > 0"),
        objects=(_OBJ_SUCCESS,),
        family="contest",
        steps=(
            Step(
                Identity(
                    contest.success(S.gamma, S.r) + contest.success(1 / S.gamma, S.r),
                    1,
                    name=r"s(\gamma) + s(1/\gamma)",
                ),
                "Multiply numerator and denominator of $s(1/\\gamma)$ by $\\gamma^r$: "
                "$s(1/\\gamma) = 1/(1+\\gamma^r)$.",
            ),
        ),
        references=(_TULLOCK,),
    )


def _contest_scale_invariance() -> Theorem:
    shares = _c_mesa**S.r / (_c_mesa**S.r + _c_base**S.r)
    scaled = (_scale * _c_mesa) ** S.r / ((_scale * _c_mesa) ** S.r + (_scale * _c_base) ** S.r)
    return Theorem(
        name="contest-scale-invariance",
        title="Only the capability ratio matters",
        statement=r"\frac{c_m^r}{c_m^r + c_b^r} = s\!\left(\frac{c_m}{c_b}\right), \qquad "
        r"\frac{(k c_m)^r}{(k c_m)^r + (k c_b)^r} = \frac{c_m^r}{c_m^r + c_b^r}",
        claim=sp.And(eq(shares, contest.success(_c_mesa / _c_base, S.r)), eq(scaled, shares)),
        plain="The contest written with absolute capabilities depends on them only through "
        "their ratio, so multiplying both by the same factor changes nothing.",
        assumptions=(r"c_m, c_b > 0", r"k > 0", r"r > 0"),
        objects=(_OBJ_SUCCESS,),
        family="contest",
        steps=(
            Step(
                Identity(shares, contest.success(_c_mesa / _c_base, S.r)),
                "Divide numerator and denominator by $c_b^r$ ($c_b > 0$).",
            ),
            Step(
                Identity(scaled, shares),
                "$(k c)^r = k^r c^r$ for $k, c > 0$; the factor $k^r$ cancels.",
            ),
        ),
        references=(_TULLOCK,),
    )


def _contest_sharp_limit() -> Theorem:
    return Theorem(
        name="contest-sharp-limit",
        title="Infinitely sharp contests are won by the more capable side",
        statement=r"\lim_{r\to\infty} s(\gamma) = \mathbf 1[\gamma > 1] + "
        r"\tfrac12\,\mathbf 1[\gamma = 1]",
        claim=sp.And(
            eq(lim(contest.success(1 + _u, S.r), S.r, sp.oo), 1),
            eq(lim(contest.success(1 / (1 + _u), S.r), S.r, sp.oo), 0),
            eq(_at_tie(), _HALF),
        ),
        plain="As the contest becomes perfectly sharp the more capable side wins surely; an "
        "exact tie stays a coin flip.",
        assumptions=(
            r"\gamma > 0",
            r"u > 0 \text{ parametrises } \gamma = 1+u "
            r"\text{ and } \gamma = 1/(1+u)",
        ),
        objects=(_OBJ_SUCCESS, "supercoherence.theory.contest.success_limit"),
        family="contest",
        steps=(
            Step(
                Limit(contest.success(1 + _u, S.r), S.r, sp.oo, 1),
                "For $\\gamma = 1 + u > 1$, $\\gamma^r \\to \\infty$.",
            ),
            Step(
                Limit(contest.success(1 / (1 + _u), S.r), S.r, sp.oo, 0),
                "For $\\gamma = 1/(1+u) < 1$, $\\gamma^r \\to 0$.",
            ),
            Step(
                Identity(_at_tie(), _HALF, name="s(1)"),
                "At $\\gamma = 1$ the value is $1/2$ for every $r$ (theorem contest-tie).",
            ),
            Step(
                Identity(
                    sp.Matrix(
                        [
                            contest.success_limit(1 + _u),
                            contest.success_limit(1),
                            contest.success_limit(1 / (1 + _u)),
                        ]
                    ),
                    sp.Matrix([1, _HALF, 0]),
                    name=r"\lim_{r\to\infty} s \text{ at } \gamma = 1+u,\ 1,\ \tfrac{1}{1+u}",
                ),
                "The library's `success_limit` returns the same three values.",
            ),
        ),
        references=(_TULLOCK,),
    )


def _embedded_agency_bound() -> Theorem:
    pi = contest.per_spawn_takeover(S.a, S.d, S.gamma, S.r)
    bound = (1 - S.a) * (1 - S.d) / 2
    power = S.gamma**S.r
    shares = (1 - S.a) * (1 - S.d) * power / (1 + power)
    hypotheses = [S.a <= 1, S.d <= 1]
    return Theorem(
        name="embedded-agency-bound",
        title="Embedded-agency bound: mesa-suboptimizers win at most half the time",
        statement=r"\gamma \le 1 \;\Longrightarrow\; \pi = (1-a)(1-d)\,s(\gamma) "
        r"\le \frac{(1-a)(1-d)}{2}",
        claim=sp.And(
            implies([*hypotheses, S.gamma <= 1], sp.Le(pi, bound, evaluate=False)),
            eq(sp.Subs(pi, S.gamma, 1), bound),
        ),
        plain="If the base optimizer must contain a model of any mesa-optimizer it creates, "
        "every mesa-optimizer is at most as capable as its base ($\\gamma \\le 1$), and then "
        "a spawn takes over with probability at most half of $(1-a)(1-d)$. The bound is "
        "attained at $\\gamma = 1$.",
        assumptions=(r"0 \le a \le 1", r"0 \le d \le 1", r"0 < \gamma \le 1", r"r > 0"),
        objects=("supercoherence.theory.contest.per_spawn_takeover", _OBJ_SUCCESS),
        family="contest",
        steps=(
            Step(
                Identity(pi, shares, name=r"\pi(a, d, \gamma, r)"),
                "The library's $\\pi$ is $(1-a)(1-d)\\,x/(1+x)$ with $x = \\gamma^r > 0$.",
            ),
            Step(
                Sign(sp.diff(power, S.gamma), ">0"),
                "$\\frac{d}{d\\gamma}\\gamma^r = r\\gamma^{r-1} > 0$: $\\gamma^r$ increases "
                "in $\\gamma$.",
            ),
            Step(
                Cited(
                    implies([S.gamma <= 1], sp.Le(power, 1, evaluate=False)),
                    "rudin",
                    "Theorem 5.11 (a function with positive derivative is increasing)",
                    text=r"\gamma \le 1 \Rightarrow \gamma^r \le 1^r = 1",
                ),
                "An increasing function: $\\gamma \\le 1$ gives $\\gamma^r \\le 1^r = 1$.",
            ),
            Step(
                Implication([*hypotheses, power <= 1], shares <= bound, atoms=(power,)),
                "Real arithmetic with $x = \\gamma^r > 0$ as an opaque positive number: "
                "$x/(1+x) \\le 1/2 \\iff x \\le 1$, and $(1-a)(1-d) \\ge 0$.",
            ),
            Step(
                Identity(sp.Subs(pi, S.gamma, 1), bound, name=r"\pi(a, d, 1, r)"),
                "At $\\gamma = 1$ the bound is attained, so it cannot be improved.",
            ),
        ),
        references=("demski-garrabrant", _TULLOCK, "rudin"),
    )


def _ruin_branches() -> tuple[sp.Expr, sp.Expr]:
    """(unfair, fair) ruin probability of the library, for start ``i`` of ``N``."""
    general = contest.ruin_probability(_p, _i, _N)
    unfair = general.args[-1].expr if isinstance(general, sp.Piecewise) else general
    return unfair, contest.ruin_probability(_HALF, _i, _N)


def _duration_branches() -> tuple[sp.Expr, sp.Expr]:
    general = contest.expected_duration(_p, _i, _N)
    unfair = general.args[-1].expr if isinstance(general, sp.Piecewise) else general
    return unfair, contest.expected_duration(_HALF, _i, _N)


#: The ruin probability and the expected duration as unknown functions of (p, i, N).
_RUIN = sp.Function("P_ruin", real=True)
_DURATION = sp.Function("D", real=True)


def _boundary_value_problem(
    unknown: sp.Function, p: sp.Expr, start: int, constant: int
) -> list[sp.Basic]:
    """``U_0 = start``, ``U_N = 0``, ``U_i = constant + p U_{i+1} + (1 - p) U_{i-1}``."""
    at = lambda j: unknown(p, j, _N)  # noqa: E731
    return [
        eq(at(0), start),
        eq(at(_N), 0),
        eq(at(_i), constant + p * at(_i + 1) + (1 - p) * at(_i - 1)),
    ]


def _uniqueness(
    unknown: sp.Function,
    checks: tuple[Identity, ...],
    unfair: sp.Expr,
    fair: sp.Expr,
    *,
    start: int,
    constant: int,
    solves: tuple[str, str],
    coq_theorems: str,
) -> tuple[Cited, CoqProof, sp.Basic]:
    """The two halves of the classical argument, and the statement they give.

    ``Cited`` (Feller): the unknown solves the boundary-value problem (first-step
    analysis).  ``coq`` (``gamblers_ruin.v``): a solution is unique on ``0..N``, so the
    unknown equals any closed form that solves the problem too (steps 1-4, sympy).
    """
    general_problem = _boundary_value_problem(unknown, _p, start, constant)
    fair_problem = _boundary_value_problem(unknown, _HALF, start, constant)
    cited = Cited(
        sp.And(*general_problem, *fair_problem),
        _FELLER,
        solves[0],
        text=solves[1],
    )
    general = implies(
        [sp.Ne(_p, _HALF), *general_problem, checks[0].conclusion, checks[1].conclusion],
        eq(unknown(_p, _i, _N), unfair),
    )
    special = implies(
        [*fair_problem, checks[2].conclusion, checks[3].conclusion],
        eq(unknown(_HALF, _i, _N), fair),
    )
    coq = coq_step("gamblers-ruin").establishing(
        sp.And(general, special),
        statement=r"\text{the recurrence with its boundary values has at most one solution "
        r"on } \{0, \dots, N\}\ (" + coq_theorems + ")",
    )
    statement = sp.And(
        implies([sp.Ne(_p, _HALF)], eq(unknown(_p, _i, _N), unfair)),
        eq(unknown(_HALF, _i, _N), fair),
    )
    return cited, coq, statement


def _gamblers_ruin() -> Theorem:
    unfair, fair = _ruin_branches()
    q = 1 - _p

    def at(expr: sp.Expr, j: sp.Expr) -> sp.Expr:
        return expr.subs(_i, j)

    checks = (
        Identity(_p * at(unfair, _i + 1) + q * at(unfair, _i - 1), unfair),
        Identity(sp.Matrix([at(unfair, 0), at(unfair, _N)]), sp.Matrix([1, 0])),
        Identity(_HALF * at(fair, _i + 1) + _HALF * at(fair, _i - 1), fair),
        Identity(sp.Matrix([at(fair, 0), at(fair, _N)]), sp.Matrix([1, 0])),
    )
    cited, coq, statement = _uniqueness(
        _RUIN,
        checks,
        unfair,
        fair,
        start=1,
        constant=0,
        solves=(
            "ch. XIV.2 (first-step analysis: the ruin probability satisfies the difference "
            "equation and its boundary values)",
            r"P_0 = 1,\ P_N = 0,\ P_i = p P_{i+1} + q P_{i-1}\ (0 < i < N)",
        ),
        coq_theorems=r"\texttt{ruin\_unique}",
    )
    return Theorem(
        claim=statement,
        name="gamblers-ruin",
        title="The resource battle: probability that the base is ruined",
        statement=r"P_i = \frac{q^i p^{N-i} - q^N}{p^N - q^N}\ (p \ne \tfrac12), \qquad "
        r"P_i = 1 - \frac{i}{N}\ (p = \tfrac12)",
        plain="A base holding $i$ of $N$ resource units, winning each unit-round with "
        "probability $p$, loses everything with probability $P_i$ above.",
        assumptions=(r"0 < p < 1,\ q = 1 - p", r"i, N \in \mathbb Z,\ 0 \le i \le N"),
        objects=("supercoherence.theory.contest.ruin_probability",),
        family="ruin",
        steps=(
            Step(
                checks[0],
                "First-step analysis: $P_i = p P_{i+1} + q P_{i-1}$ for $0 < i < N$; the "
                "closed form ($p \\ne 1/2$) satisfies it.",
            ),
            Step(
                checks[1],
                "Boundary values: ruined at $i = 0$, safe at $i = N$.",
            ),
            Step(
                checks[2],
                "The fair case $p = 1/2$: $1 - i/N$ is linear, so it satisfies the recurrence.",
            ),
            Step(checks[3], "Fair boundary values."),
            Step(
                Limit(unfair.subs({_i: 3, _N: 10}), _p, _HALF, fair.subs({_i: 3, _N: 10})),
                "Continuity at $p = 1/2$ (checked at $i = 3$, $N = 10$): the two forms join.",
            ),
            Step(
                cited,
                "First-step analysis: after one round the base holds $i \\pm 1$ units; "
                "ruin occurs with probability one, so $P_i$ solves the recurrence.",
            ),
            Step(
                coq,
                "A second-order linear difference equation is fixed by its two boundary "
                "values: two solutions differ by a solution of the homogeneous problem with "
                "zero boundary values, which vanishes (proved in Coq, "
                "`proofs/coq/gamblers_ruin.v`). So $P_i$ is the closed form of steps 1-4.",
            ),
        ),
        references=(_FELLER,),
    )


def _gamblers_ruin_duration() -> Theorem:
    unfair, fair = _duration_branches()
    q = 1 - _p

    def at(expr: sp.Expr, j: sp.Expr) -> sp.Expr:
        return expr.subs(_i, j)

    checks = (
        Identity(1 + _p * at(unfair, _i + 1) + q * at(unfair, _i - 1), unfair),
        Identity(sp.Matrix([at(unfair, 0), at(unfair, _N)]), sp.Matrix([0, 0])),
        Identity(1 + _HALF * at(fair, _i + 1) + _HALF * at(fair, _i - 1), fair),
        Identity(sp.Matrix([at(fair, 0), at(fair, _N)]), sp.Matrix([0, 0])),
    )
    cited, coq, statement = _uniqueness(
        _DURATION,
        checks,
        unfair,
        fair,
        start=0,
        constant=1,
        solves=(
            "ch. XIV.3 (the expected duration is finite and satisfies the difference "
            "equation and its boundary values)",
            r"D_0 = D_N = 0,\ D_i = 1 + p D_{i+1} + q D_{i-1}\ (0 < i < N)",
        ),
        coq_theorems=r"\texttt{duration\_unique}",
    )
    return Theorem(
        claim=statement,
        name="gamblers-ruin-duration",
        title="The resource battle: expected duration",
        statement=r"D_i = \frac{i}{q-p} - \frac{N}{q-p}\,(1 - P_i)\ (p \ne \tfrac12), \qquad "
        r"D_i = i(N-i)\ (p = \tfrac12)",
        plain="The expected number of unit-rounds until one side holds everything.",
        assumptions=(r"0 < p < 1,\ q = 1 - p", r"i, N \in \mathbb Z,\ 0 \le i \le N"),
        objects=("supercoherence.theory.contest.expected_duration",),
        family="ruin",
        steps=(
            Step(
                checks[0],
                "First-step analysis: $D_i = 1 + p D_{i+1} + q D_{i-1}$ ($p \\ne 1/2$).",
            ),
            Step(
                checks[1],
                "No rounds are played from either boundary.",
            ),
            Step(
                checks[2],
                "The fair case: $i(N-i)$ satisfies $D_i = 1 + (D_{i+1} + D_{i-1})/2$.",
            ),
            Step(checks[3], "Fair boundary values."),
            Step(
                cited,
                "The game ends in finite expected time, so $D_i$ solves the recurrence.",
            ),
            Step(
                coq,
                "The problem has at most one solution (proved in Coq, "
                "`proofs/coq/gamblers_ruin.v`), so $D_i$ is the closed form of steps 1-4.",
            ),
        ),
        references=(_FELLER,),
    )


theorems = catalogue_order(
    "contest and resource-battle",
    _contest_tie,
    _contest_monotone,
    _contest_symmetry,
    _contest_scale_invariance,
    _contest_sharp_limit,
    _embedded_agency_bound,
    _gamblers_ruin,
    _gamblers_ruin_duration,
)
