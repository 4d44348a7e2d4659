r"""Theorems about scenario 2: Lotka-Volterra competition between base and mesa-optimizer.

.. math::

    x' = r_x x\Big(1 - \frac{x + \alpha y}{K_x}\Big), \qquad
    y' = r_y y\Big(1 - \frac{y + \beta x}{K_y}\Big).

The statements are about :func:`supercoherence.theory.competition.rhs`,
:func:`~supercoherence.theory.competition.jacobian`,
:func:`~supercoherence.theory.competition.equilibria` and
:func:`~supercoherence.theory.competition.outcome_conditions` (the invasion
conditions).  The outcome theorem is decided by z3 over the real parameters, with the
interior equilibrium and the Jacobian's determinant and trace as rational functions.

Examples
--------
>>> [thm.name for thm in theorems()]
['competition-equilibria', 'competition-outcomes']
"""

from __future__ import annotations

import sympy as sp

from supercoherence.proofs.checkers import (
    Cited,
    Eigenvalues,
    Identity,
    Implication,
    Sign,
    Solutions,
)
from supercoherence.proofs.theorem import Step, Theorem, catalogue_order
from supercoherence.theory import competition as C

__all__ = ["theorems"]

_MURRAY = "murray"
# The open positive quadrant, where the Dulac function 1/(xy) is defined.
_X = sp.Symbol("X", positive=True)
_Y = sp.Symbol("Y", positive=True)
_x_star = (C.K_x - C.alpha * C.K_y) / (1 - C.alpha * C.beta)
_y_star = (C.K_y - C.beta * C.K_x) / (1 - C.alpha * C.beta)
_det = C.r_x * C.r_y * _x_star * _y_star * (1 - C.alpha * C.beta) / (C.K_x * C.K_y)
_trace = -(C.r_x * _x_star / C.K_x + C.r_y * _y_star / C.K_y)
_mesa_growth_at_base = C.r_y * (1 - C.beta * C.K_x / C.K_y)
_base_growth_at_mesa = C.r_x * (1 - C.alpha * C.K_y / C.K_x)


def _at(point: tuple[sp.Expr, sp.Expr]) -> sp.Matrix:
    return C.jacobian().subs({C.x: point[0], C.y: point[1]})


def _equilibria() -> Theorem:
    jac = sp.Matrix(
        [
            [
                C.r_x - 2 * C.r_x * C.x / C.K_x - C.alpha * C.r_x * C.y / C.K_x,
                -C.alpha * C.r_x * C.x / C.K_x,
            ],
            [
                -C.beta * C.r_y * C.y / C.K_y,
                C.r_y - 2 * C.r_y * C.y / C.K_y - C.beta * C.r_y * C.x / C.K_y,
            ],
        ]
    )
    interior = sp.Matrix(
        [
            [-C.r_x * _x_star / C.K_x, -C.alpha * C.r_x * _x_star / C.K_x],
            [-C.beta * C.r_y * _y_star / C.K_y, -C.r_y * _y_star / C.K_y],
        ]
    )
    library = {e.name: (e.x, e.y) for e in C.equilibria()}
    return Theorem(
        name="competition-equilibria",
        title="Competition: the four equilibria and their eigenvalues",
        statement=r"E_0 = (0,0),\ E_x = (K_x, 0),\ E_y = (0, K_y),\ "
        r"E_* = \Big(\tfrac{K_x - \alpha K_y}{1 - \alpha\beta}, "
        r"\tfrac{K_y - \beta K_x}{1 - \alpha\beta}\Big); \quad "
        r"\operatorname{spec} J(E_x) = \{-r_x,\ r_y(1 - \beta K_x/K_y)\}, \ "
        r"\operatorname{spec} J(E_y) = \{-r_y,\ r_x(1 - \alpha K_y/K_x)\}",
        plain="The competition has four equilibria (none, base only, mesa only, both). "
        "At a single-species equilibrium one eigenvalue is the resident's own return "
        "rate and the other is the invader's growth rate: the invasion condition.",
        assumptions=(r"r_x, r_y, K_x, K_y, \alpha, \beta > 0", r"\alpha\beta \ne 1"),
        objects=(
            "supercoherence.theory.competition.rhs",
            "supercoherence.theory.competition.jacobian",
            "supercoherence.theory.competition.equilibria",
        ),
        family="competition",
        steps=(
            Step(
                Solutions(
                    C.rhs(), (C.x, C.y), ((0, 0), (C.K_x, 0), (0, C.K_y), (_x_star, _y_star))
                ),
                "Each factor of $x'$ and $y'$ vanishes: $x = 0$ or $x + \\alpha y = K_x$, "
                "and $y = 0$ or $y + \\beta x = K_y$.",
            ),
            Step(
                Identity(
                    sp.Matrix([*library["interior"], *library["base only"], *library["mesa only"]]),
                    sp.Matrix([_x_star, _y_star, C.K_x, 0, 0, C.K_y]),
                ),
                "The library's equilibria are these points.",
            ),
            Step(
                Identity(C.jacobian(), jac),
                "The library's Jacobian is the matrix of partial derivatives.",
            ),
            Step(
                Eigenvalues(_at((0, 0)), (C.r_x, C.r_y)),
                "$E_0$ is an unstable node: both species grow from rarity.",
            ),
            Step(
                Eigenvalues(_at((C.K_x, 0)), (-C.r_x, _mesa_growth_at_base)),
                "At $E_x$ the second eigenvalue is the mesa-optimizer's invasion rate.",
            ),
            Step(
                Eigenvalues(_at((0, C.K_y)), (-C.r_y, _base_growth_at_mesa)),
                "At $E_y$ the second eigenvalue is the base's invasion rate.",
            ),
            Step(
                Identity(_at((_x_star, _y_star)), interior),
                "At $E_*$ the Jacobian simplifies, using $x_* + \\alpha y_* = K_x$ and "
                "$y_* + \\beta x_* = K_y$.",
            ),
            Step(
                Identity(sp.Matrix([interior.det(), interior.trace()]), sp.Matrix([_det, _trace])),
                "Its determinant and trace, which decide the stability of $E_*$.",
            ),
        ),
        references=(_MURRAY,),
        establishes=(1, 2, 3, 4, 5, 6, 7, 8),
    )


def _dulac_steps() -> tuple[Step, ...]:
    """No periodic orbit in the open quadrant: the Dulac function ``B = 1/(xy)``."""
    fx, fy = C.rhs()
    dulac = 1 / (C.x * C.y)
    divergence = sp.diff(dulac * fx, C.x) + sp.diff(dulac * fy, C.y)
    closed = -C.r_x / (C.K_x * C.y) - C.r_y / (C.K_y * C.x)
    return (
        Step(
            Identity(divergence, closed, name=r"\nabla\cdot(B F),\ B = 1/(xy)"),
            "Dulac's function $B = 1/(xy)$: the divergence of $B(x', y')$ is "
            "$-r_x/(K_x y) - r_y/(K_y x)$.",
        ),
        Step(
            Sign(closed.subs({C.x: _X, C.y: _Y}), "<0"),
            "It is negative throughout the open quadrant $x = X > 0$, $y = Y > 0$.",
        ),
        Step(
            Cited(
                r"\nabla\cdot(BF) < 0 \text{ on the simply connected quadrant} "
                r"\Rightarrow \text{no periodic orbit and no cycle of orbits there}",
                "perko",
                "sec. 3.9, Theorem 2 (Dulac's criterion)",
            ),
            "Bendixson-Dulac: no closed orbit, and no closed chain of orbits, lies in the "
            "open quadrant.",
        ),
        Step(
            Cited(
                r"\text{every orbit with } x_0, y_0 > 0 \text{ converges to an equilibrium}",
                "hirsch",
                "the planar case of its limit-set theorems (a bounded forward orbit of a "
                "2-dimensional competitive system converges to an equilibrium); with Dulac, "
                "equally Perko (2001), sec. 3.7 (Poincare-Bendixson)",
            ),
            "The system is competitive ($\\partial x'/\\partial y, \\partial y'/\\partial x "
            "\\le 0$) and its orbits are bounded (each species is below its carrying "
            "capacity eventually), so each orbit converges to one of the four equilibria; "
            "with the local analysis above, the stable one (or, in the bistable case, the "
            "one on the side of the saddle's stable manifold) is the outcome.",
        ),
    )


def _outcomes() -> Theorem:
    cond = C.outcome_conditions()
    O = C.CompetitionOutcome
    positive = [C.r_x > 0, C.r_y > 0]
    no_interior = sp.Or(sp.Eq(C.alpha * C.beta, 1), sp.Not(sp.And(_x_star > 0, _y_star > 0)))
    feasible_interior = sp.And(sp.Ne(C.alpha * C.beta, 1), _x_star > 0, _y_star > 0)
    generic = [
        cond[O.MESA_DISAPPEARS],
        cond[O.MESA_TAKES_OVER],
        cond[O.STABLE_COEXISTENCE],
        cond[O.BISTABLE],
    ]
    exclusive = sp.And(
        *(sp.Not(sp.And(a, b)) for i, a in enumerate(generic) for b in generic[i + 1 :])
    )
    return Theorem(
        name="competition-outcomes",
        title="Competition: the four outcomes from the invasion conditions",
        statement=r"\begin{array}{lll} \beta K_x > K_y,\ K_x > \alpha K_y & \Rightarrow & "
        r"\text{mesa disappears} \\ \beta K_x < K_y,\ K_x < \alpha K_y & \Rightarrow & "
        r"\text{mesa takes over} \\ \beta K_x < K_y,\ K_x > \alpha K_y & \Rightarrow & "
        r"\text{stable coexistence} \\ \beta K_x > K_y,\ K_x < \alpha K_y & \Rightarrow & "
        r"\text{bistability} \end{array}",
        plain="Whether the mesa-optimizer can invade the base's equilibrium, and whether "
        "the base can invade the mesa-optimizer's, decides everything: mesa disappears "
        "(only the base invades), mesa takes over (only the mesa-optimizer invades), "
        "stable coexistence at partial coherence (both invade), or bistability where "
        "incumbency decides (neither invades).",
        assumptions=(
            r"r_x, r_y, K_x, K_y, \alpha, \beta > 0",
            r"\text{generic: } \beta K_x \ne K_y,\ \alpha K_y \ne K_x",
        ),
        objects=(
            "supercoherence.theory.competition.outcome_conditions",
            "supercoherence.theory.competition.outcome",
        ),
        family="competition",
        steps=(
            Step(
                Implication(
                    [*positive, cond[O.MESA_DISAPPEARS]],
                    sp.And(_mesa_growth_at_base < 0, _base_growth_at_mesa > 0, no_interior),
                ),
                "Mesa disappears: $E_x$ is stable, $E_y$ is a saddle the base invades, "
                "and no interior equilibrium is feasible.",
            ),
            Step(
                Implication(
                    [*positive, cond[O.MESA_TAKES_OVER]],
                    sp.And(_mesa_growth_at_base > 0, _base_growth_at_mesa < 0, no_interior),
                ),
                "Mesa takes over: the mirror image; $E_y$ is stable (scenario 1).",
            ),
            Step(
                Implication(
                    [*positive, cond[O.STABLE_COEXISTENCE]],
                    sp.And(
                        _mesa_growth_at_base > 0,
                        _base_growth_at_mesa > 0,
                        C.alpha * C.beta < 1,
                        feasible_interior,
                        _det > 0,
                        _trace < 0,
                    ),
                ),
                "Stable coexistence: both boundary equilibria are invadable, "
                "$\\alpha\\beta < 1$, $E_*$ is feasible with $\\det J > 0$, "
                "$\\operatorname{tr} J < 0$: both eigenvalues have negative real part.",
            ),
            Step(
                Implication(
                    [*positive, cond[O.BISTABLE]],
                    sp.And(
                        _mesa_growth_at_base < 0,
                        _base_growth_at_mesa < 0,
                        C.alpha * C.beta > 1,
                        feasible_interior,
                        _det < 0,
                    ),
                ),
                "Bistability: both boundary equilibria are stable and $E_*$ is a saddle "
                "($\\det J < 0$) whose stable manifold separates their basins.",
            ),
            Step(
                Implication(positive, sp.And(sp.Or(*generic, cond[O.DEGENERATE]), exclusive)),
                "The four generic cases and the degenerate boundary cover every parameter "
                "point, and the four generic cases exclude one another.",
            ),
            *_dulac_steps(),
        ),
        references=(_MURRAY, "hirsch", "perko"),
        establishes=(1, 2, 3, 4, 5, 6, 7),
    )


theorems = catalogue_order("competition", _equilibria, _outcomes)
