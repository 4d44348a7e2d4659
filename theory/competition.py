r"""Scenario 2: Lotka-Volterra competition between a base optimizer and a mesa-optimizer.

The base optimizer's share of a resource is :math:`x`, the mesa-optimizer's :math:`y`:

.. math::

    \dot x = r_x\, x \Bigl(1 - \frac{x + \alpha y}{K_x}\Bigr), \qquad
    \dot y = r_y\, y \Bigl(1 - \frac{y + \beta x}{K_y}\Bigr),

with growth rates :math:`r_x, r_y > 0`, carrying capacities :math:`K_x, K_y > 0` and
competition coefficients :math:`\alpha, \beta \ge 0` (the effect of the mesa-optimizer on
the base and of the base on the mesa-optimizer).  The parameters keep their names
(``CompetitionParams(alpha=..., beta=...)``); the symbol of :math:`\beta` is
:data:`beta_lv` (sympy name ``beta_LV``), distinct from the hazard exponent
:data:`supercoherence.theory.symbols.beta` (``competition.beta`` is a deprecated alias).

Equilibria and their Jacobian eigenvalues
------------------------------------------
* :math:`(0, 0)`: eigenvalues :math:`r_x, r_y` (always unstable);
* :math:`(K_x, 0)`: :math:`-r_x` and :math:`r_y (1 - \beta K_x / K_y)`;
* :math:`(0, K_y)`: :math:`-r_y` and :math:`r_x (1 - \alpha K_y / K_x)`;
* interior, when :math:`\alpha\beta \ne 1`:
  :math:`x^* = (K_x - \alpha K_y)/(1 - \alpha\beta)`,
  :math:`y^* = (K_y - \beta K_x)/(1 - \alpha\beta)`; it is feasible (both positive)
  exactly when both invasion conditions below hold or both fail, and then it is a stable
  node/focus if :math:`\alpha\beta < 1` (trace :math:`< 0`, determinant
  :math:`r_x r_y x^* y^* (1 - \alpha\beta)/(K_x K_y) > 0`) and a saddle otherwise.

Outcomes (invasion analysis)
----------------------------
The mesa-optimizer can invade the base's equilibrium iff :math:`\beta < K_y/K_x`; the
base can invade the mesa-optimizer's iff :math:`\alpha < K_x/K_y`.  For every initial
state with :math:`x_0, y_0 > 0`:

==========================  =========================================  =========================
outcome                     condition                                  attractor
==========================  =========================================  =========================
``MESA_DISAPPEARS``         :math:`\alpha < K_x/K_y,\ \beta > K_y/K_x`  :math:`(K_x, 0)`
``MESA_TAKES_OVER``         :math:`\alpha > K_x/K_y,\ \beta < K_y/K_x`  :math:`(0, K_y)`
``STABLE_COEXISTENCE``      :math:`\alpha < K_x/K_y,\ \beta < K_y/K_x`  :math:`(x^*, y^*)`
``BISTABLE``                :math:`\alpha > K_x/K_y,\ \beta > K_y/K_x`  both axes; incumbency
                                                                       (the saddle's stable
                                                                       manifold) decides
``DEGENERATE``              :math:`\alpha = K_x/K_y` or
                            :math:`\beta = K_y/K_x`
==========================  =========================================  =========================

Degenerate boundary.  On :math:`\alpha = K_x/K_y` (or :math:`\beta = K_y/K_x`) an
eigenvalue at :math:`(0, K_y)` (or :math:`(K_x, 0)`) is zero and the interior
equilibrium merges with that boundary point (a transcritical bifurcation), so the
linearisation decides nothing.  If both equalities hold, :math:`\alpha\beta = 1` and
the nullclines coincide: a whole segment of neutrally stable equilibria, and the
final shares depend on the initial state.  If only one holds, the nonlinear dynamics
converge algebraically (not exponentially) to the outcome of the neighbouring open
region, or, in the bistable-side case, to a saddle-node.  :func:`outcome` returns
``CompetitionOutcome.DEGENERATE`` for all these cases rather than guessing; compare exactly
(floats are converted to exact rationals first, so ``alpha=0.5`` with ``K_x/K_y = 1/2``
is degenerate).

Coherence
---------
With the mesa-optimizer's utility at cosine :math:`\omega = w_x \cdot w_y` from the
base's, the system's coherence at a state with shares :math:`(x, y)` is the
share-weighted alignment with the base's utility,
:math:`C = (x \cdot 1 + y\,\omega)/(x + y)` (undefined at :math:`(0, 0)`).

References
----------
.. [1] J. D. Murray, *Mathematical Biology I: An Introduction*, 3rd ed., Springer
   (2002), section 3.5 (competition models, principle of competitive exclusion).
.. [2] J. Hofbauer and K. Sigmund, *Evolutionary Games and Population Dynamics*,
   Cambridge University Press (1998), chapter 3 (Lotka-Volterra equations).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

from supercoherence.checks import (
    check_in_interval,
    check_nonnegative,
    check_positive,
    check_positive_int,
)
from supercoherence.deprecation import module_aliases
from supercoherence.errors import ParameterError
from supercoherence.theory import symbols as S
from supercoherence.theory.result import Derived, sympify_param

__all__ = [
    "K_x",
    "K_y",
    "CompetitionParams",
    "Equilibrium",
    "CompetitionOutcome",
    "Stability",
    "Trajectory",
    "alpha",
    "beta",
    "beta_lv",
    "coherence",
    "coherence_derived",
    "equilibria",
    "jacobian",
    "omega",
    "outcome",
    "outcome_conditions",
    "r_x",
    "r_y",
    "rhs",
    "stable_equilibria",
    "trajectory",
    "vector_field",
    "x",
    "y",
]

# The module's symbols live in :mod:`.symbols`; re-exported here under their names.
#: State variables: the base optimizer's share ``x`` and the mesa-optimizer's ``y``.
x, y = S.x, S.y
#: Competition coefficients: effect of the mesa on the base, of the base on the mesa.
alpha, beta_lv = S.alpha, S.beta_lv
#: Deprecated alias of :data:`beta_lv` (it was the hazard's exponent ``symbols.beta``).
beta = beta_lv
#: Carrying capacities and growth rates.
K_x, K_y, r_x, r_y = S.K_x, S.K_y, S.r_x, S.r_y
#: Cosine alignment of the mesa-optimizer's utility with the base's.
omega = S.omega


class CompetitionOutcome(enum.Enum):
    """Long-run outcome of the competition for initial states with ``x0, y0 > 0``.

    Examples
    --------
    >>> CompetitionOutcome("stable coexistence") is CompetitionOutcome.STABLE_COEXISTENCE
    True
    """

    MESA_DISAPPEARS = "mesa disappears"
    MESA_TAKES_OVER = "mesa takes over"
    STABLE_COEXISTENCE = "stable coexistence"
    BISTABLE = "bistable"
    DEGENERATE = "degenerate"


class Stability(enum.Enum):
    """Linear stability of an equilibrium, read off its Jacobian eigenvalues."""

    STABLE = "stable"
    UNSTABLE = "unstable"
    SADDLE = "saddle"
    NON_HYPERBOLIC = "non-hyperbolic"
    UNDETERMINED = "undetermined"


@dataclass(frozen=True)
class CompetitionParams:
    """A parameter point of the competition model (exact sympy numbers or symbols).

    Parameters
    ----------
    alpha, beta : number, str or sympy.Expr
        Competition coefficients, ``>= 0``.
    K_x, K_y : number, str or sympy.Expr, optional
        Carrying capacities, ``> 0`` (default 1).
    r_x, r_y : number, str or sympy.Expr, optional
        Intrinsic growth rates, ``> 0`` (default 1).

    Raises
    ------
    ParameterError
        If a value is provably out of range.
    ExpressionError
        If a string cannot be parsed.

    Examples
    --------
    >>> p = CompetitionParams(alpha=0.5, beta="1/3")
    >>> p.alpha, p.beta, p.K_x
    (1/2, 1/3, 1)
    >>> CompetitionParams(alpha=-1, beta=0)
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: alpha = -1 is out of range: allowed [0, oo)
    """

    alpha: Any
    beta: Any
    K_x: Any = 1
    K_y: Any = 1
    r_x: Any = 1
    r_y: Any = 1

    def __post_init__(self) -> None:
        for name in ("alpha", "beta"):
            value = sympify_param(name, getattr(self, name))
            object.__setattr__(self, name, check_nonnegative(name, value))
        for name in ("K_x", "K_y", "r_x", "r_y"):
            value = sympify_param(name, getattr(self, name))
            object.__setattr__(self, name, check_positive(name, value))

    @classmethod
    def symbolic(cls) -> CompetitionParams:
        """All six parameters as the module's symbols.

        Examples
        --------
        >>> CompetitionParams.symbolic().K_x
        K_x
        """
        return cls(alpha, beta_lv, K_x, K_y, r_x, r_y)

    def substitutions(self) -> dict[sp.Symbol, sp.Expr]:
        """Map from the module's symbols to this point's values."""
        return {
            alpha: self.alpha,
            beta_lv: self.beta,
            K_x: self.K_x,
            K_y: self.K_y,
            r_x: self.r_x,
            r_y: self.r_y,
        }

    def floats(self) -> tuple[float, float, float, float, float, float]:
        """``(alpha, beta, K_x, K_y, r_x, r_y)`` as floats (all must be numbers)."""
        values = (self.alpha, self.beta, self.K_x, self.K_y, self.r_x, self.r_y)
        names = ("alpha", "beta", "K_x", "K_y", "r_x", "r_y")
        for name, value in zip(names, values, strict=True):
            if value.free_symbols:
                raise ParameterError(name, value, "a number", "numeric value needed")
        return tuple(float(v) for v in values)


def _as_params(params: CompetitionParams | Mapping[str, Any] | None) -> CompetitionParams:
    if params is None:
        return CompetitionParams.symbolic()
    if isinstance(params, CompetitionParams):
        return params
    allowed = ("alpha", "beta", "K_x", "K_y", "r_x", "r_y")
    for key in params:
        if key not in allowed:
            raise ParameterError(key, params[key], f"one of {list(allowed)}", "unknown parameter")
    return CompetitionParams(**params)


@dataclass(frozen=True)
class Equilibrium:
    """An equilibrium of the competition model with its linearisation.

    Attributes
    ----------
    name : str
        ``"extinction"``, ``"base only"``, ``"mesa only"`` or ``"interior"``.
    x, y : sympy.Expr
        Its coordinates (exact).
    jacobian : sympy.Matrix
        The Jacobian of the vector field there.
    eigenvalues : tuple of sympy.Expr
        Eigenvalues with multiplicity (exact).
    stability : Stability
        Read off the eigenvalues' real parts (``UNDETERMINED`` when symbolic).
    feasible : bool or None
        Whether both coordinates are ``>= 0`` (``None`` when undecidable).
    """

    name: str
    x: sp.Expr
    y: sp.Expr
    jacobian: sp.Matrix
    eigenvalues: tuple[sp.Expr, ...]
    stability: Stability
    feasible: bool | None


def rhs(params: CompetitionParams | Mapping[str, Any] | None = None) -> tuple[sp.Expr, sp.Expr]:
    """The vector field ``(x', y')`` as sympy expressions in :data:`x`, :data:`y`.

    Parameters
    ----------
    params : CompetitionParams or mapping, optional
        Values to substitute; default: fully symbolic.

    Returns
    -------
    tuple of sympy.Expr

    Examples
    --------
    >>> rhs({"alpha": 1, "beta": 1})[0]
    x*(-x - y + 1)
    """
    p = _as_params(params)
    dx = p.r_x * x * (1 - (x + p.alpha * y) / p.K_x)
    dy = p.r_y * y * (1 - (y + p.beta * x) / p.K_y)
    return dx, dy


def jacobian(params: CompetitionParams | Mapping[str, Any] | None = None) -> sp.Matrix:
    """The Jacobian matrix of the vector field as a function of ``x``, ``y``.

    Examples
    --------
    >>> jacobian({"alpha": 1, "beta": 2})
    Matrix([
    [-2*x - y + 1,           -x],
    [        -2*y, -2*x - 2*y + 1]])
    """
    dx, dy = rhs(params)
    return sp.Matrix([dx, dy]).jacobian([x, y]).applyfunc(sp.expand)


def _stability(eigenvalues: tuple[sp.Expr, ...]) -> Stability:
    signs = []
    for ev in eigenvalues:
        real = sp.re(ev)
        if real.is_negative:
            signs.append(-1)
        elif real.is_positive:
            signs.append(1)
        elif real.is_zero:
            signs.append(0)
        else:
            return Stability.UNDETERMINED
    if 0 in signs:
        return Stability.NON_HYPERBOLIC
    if all(v < 0 for v in signs):
        return Stability.STABLE
    if all(v > 0 for v in signs):
        return Stability.UNSTABLE
    return Stability.SADDLE


def _equilibrium(name: str, point: tuple[sp.Expr, sp.Expr], jac: sp.Matrix) -> Equilibrium:
    at = jac.subs({x: point[0], y: point[1]}).applyfunc(sp.simplify)
    if at[0, 1] == 0 or at[1, 0] == 0:  # triangular: the x-direction's eigenvalue first
        eigenvalues = [sp.simplify(at[0, 0]), sp.simplify(at[1, 1])]
    else:
        eigenvalues = []
        for ev, mult in at.eigenvals().items():
            eigenvalues.extend([ev if ev.free_symbols else sp.simplify(ev)] * mult)
        eigenvalues.sort(key=sp.default_sort_key)
    nonneg = [sp.Ge(coord, 0) for coord in point]
    decided = [c if c in (sp.true, sp.false) else None for c in nonneg]
    feasible = None if None in decided else all(c is sp.true for c in decided)
    return Equilibrium(
        name, point[0], point[1], at, tuple(eigenvalues), _stability(tuple(eigenvalues)), feasible
    )


def equilibria(params: CompetitionParams | Mapping[str, Any] | None = None) -> list[Equilibrium]:
    """Every equilibrium with its Jacobian and exact eigenvalues.

    The interior equilibrium is included whenever it is isolated (``alpha*beta != 1``,
    or undecidable), feasible or not; check :attr:`Equilibrium.feasible`.  When
    ``alpha*beta == 1`` it is omitted: there is either no interior equilibrium or
    (degenerate case) a whole segment of them.

    Parameters
    ----------
    params : CompetitionParams or mapping, optional
        Default: fully symbolic.

    Returns
    -------
    list of Equilibrium
        ``extinction``, ``base only``, ``mesa only`` and possibly ``interior``.

    Examples
    --------
    >>> eqs = equilibria({"alpha": "1/2", "beta": "1/2"})
    >>> [(e.name, e.x, e.y, e.stability.value) for e in eqs]  # doctest: +NORMALIZE_WHITESPACE
    [('extinction', 0, 0, 'unstable'), ('base only', 1, 0, 'saddle'),
     ('mesa only', 0, 1, 'saddle'), ('interior', 2/3, 2/3, 'stable')]
    >>> sorted(eqs[3].eigenvalues)
    [-1, -1/3]
    >>> equilibria()[1].eigenvalues
    (-r_x, r_y*(-K_x*beta_LV + K_y)/K_y)
    """
    p = _as_params(params)
    jac = jacobian(p)
    result = [
        _equilibrium("extinction", (sp.S.Zero, sp.S.Zero), jac),
        _equilibrium("base only", (p.K_x, sp.S.Zero), jac),
        _equilibrium("mesa only", (sp.S.Zero, p.K_y), jac),
    ]
    det = 1 - p.alpha * p.beta
    if det.is_zero:
        return result
    interior = (
        sp.simplify((p.K_x - p.alpha * p.K_y) / det),
        sp.simplify((p.K_y - p.beta * p.K_x) / det),
    )
    result.append(_equilibrium("interior", interior, jac))
    return result


def outcome_conditions() -> dict[CompetitionOutcome, sp.Basic]:
    r"""The outcome conditions as sympy relationals in ``alpha, beta_lv, K_x, K_y``.

    Returns
    -------
    dict
        ``CompetitionOutcome -> condition``; the conditions are mutually exclusive and cover
        every positive parameter point.

    Examples
    --------
    >>> cond = outcome_conditions()
    >>> cond[CompetitionOutcome.STABLE_COEXISTENCE]
    (alpha < K_x/K_y) & (beta_LV < K_y/K_x)
    >>> cond[CompetitionOutcome.STABLE_COEXISTENCE].subs({alpha: 1, beta_lv: 1, K_x: 2, K_y: 1})
    False

    References
    ----------
    .. [1] J. D. Murray, *Mathematical Biology I*, 3rd ed., Springer (2002), section 3.5.
    """
    base_invades = alpha < K_x / K_y
    mesa_invades = beta_lv < K_y / K_x
    base_resists = beta_lv > K_y / K_x
    mesa_resists = alpha > K_x / K_y
    return {
        CompetitionOutcome.MESA_DISAPPEARS: sp.And(base_invades, base_resists),
        CompetitionOutcome.MESA_TAKES_OVER: sp.And(mesa_resists, mesa_invades),
        CompetitionOutcome.STABLE_COEXISTENCE: sp.And(base_invades, mesa_invades),
        CompetitionOutcome.BISTABLE: sp.And(mesa_resists, base_resists),
        CompetitionOutcome.DEGENERATE: sp.Or(sp.Eq(alpha, K_x / K_y), sp.Eq(beta_lv, K_y / K_x)),
    }


def outcome(params: CompetitionParams | Mapping[str, Any]) -> CompetitionOutcome:
    """The long-run outcome at a numeric parameter point (exact comparisons).

    Parameters
    ----------
    params : CompetitionParams or mapping
        ``alpha``, ``beta`` and optionally ``K_x``, ``K_y`` must be numbers (the
        growth rates do not affect the outcome).

    Returns
    -------
    CompetitionOutcome

    Raises
    ------
    ParameterError
        If a parameter the outcome depends on is symbolic.

    Examples
    --------
    >>> outcome({"alpha": 0.5, "beta": 0.5}).name
    'STABLE_COEXISTENCE'
    >>> outcome({"alpha": 0.5, "beta": 2}).name
    'MESA_DISAPPEARS'
    >>> outcome({"alpha": 2, "beta": 0.5}).name
    'MESA_TAKES_OVER'
    >>> outcome({"alpha": 2, "beta": 2}).name
    'BISTABLE'
    >>> outcome({"alpha": 1, "beta": "1/2"}).name
    'DEGENERATE'
    """
    p = _as_params(params)
    for name in ("alpha", "beta", "K_x", "K_y"):
        value = getattr(p, name)
        if value.free_symbols:
            raise ParameterError(name, value, "a number", "the outcome needs numeric values")
    subs = {alpha: p.alpha, beta_lv: p.beta, K_x: p.K_x, K_y: p.K_y}
    degenerate = CompetitionOutcome.DEGENERATE
    for result in (degenerate, *[o for o in CompetitionOutcome if o is not degenerate]):
        if outcome_conditions()[result].subs(subs) is sp.true:
            return result
    raise AssertionError("outcome conditions do not cover the parameter point")  # unreachable


def stable_equilibria(params: CompetitionParams | Mapping[str, Any]) -> list[Equilibrium]:
    """The feasible, linearly stable equilibria (the attractors of the outcome).

    Empty in the degenerate case (no hyperbolic attractor).

    Examples
    --------
    >>> [(e.name, e.x, e.y) for e in stable_equilibria({"alpha": 2, "beta": 2})]
    [('base only', 1, 0), ('mesa only', 0, 1)]
    """
    return [e for e in equilibria(params) if e.feasible and e.stability is Stability.STABLE]


def coherence(x_share: Any, y_share: Any, alignment: Any) -> Any:
    """Share-weighted alignment with the base's utility, ``(x + y*omega)/(x + y)``.

    Parameters
    ----------
    x_share, y_share : float, array_like or sympy.Expr
        Resource shares of the base and the mesa-optimizer (``>= 0``).
    alignment : float, array_like or sympy.Expr
        Cosine of the mesa-optimizer's utility with the base's, in ``[-1, 1]``.

    Returns
    -------
    float, numpy.ndarray or sympy.Expr
        ``nan`` where ``x + y = 0`` for numbers.

    Examples
    --------
    >>> coherence(sp.Rational(2, 3), sp.Rational(2, 3), sp.Rational(1, 2))
    3/4
    >>> coherence(1.0, 0.0, -1.0)
    1.0
    """
    check_nonnegative("x", x_share)
    check_nonnegative("y", y_share)
    check_in_interval("alignment", alignment, -1, 1)
    if any(isinstance(v, sp.Basic) for v in (x_share, y_share, alignment)):
        return sp.simplify((x_share + y_share * alignment) / (x_share + y_share))
    xs, ys, al = (np.asarray(v, dtype=float) for v in (x_share, y_share, alignment))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (xs + ys * al) / (xs + ys)
    return float(out) if np.ndim(out) == 0 else out


def coherence_derived(params: CompetitionParams | Mapping[str, Any] | None = None) -> Derived:
    r"""Coherence at the interior equilibrium as a :class:`Derived` in ``omega``.

    .. math:: C^* = \frac{x^* + y^* \omega}{x^* + y^*}
              = \frac{K_x - \alpha K_y + (K_y - \beta K_x)\,\omega}
                     {K_x + K_y - \alpha K_y - \beta K_x}

    Meaningful where the interior equilibrium is the attractor (stable coexistence).

    Examples
    --------
    >>> res = coherence_derived({"alpha": "1/2", "beta": "1/2"})
    >>> res.exact
    omega/2 + 1/2
    >>> res.numeric(omega=0.0)
    0.5
    """
    p = _as_params(params)
    det = 1 - p.alpha * p.beta
    xs = (p.K_x - p.alpha * p.K_y) / det
    ys = (p.K_y - p.beta * p.K_x) / det
    exact = sp.simplify((xs + ys * omega) / (xs + ys))
    return Derived("coherence at coexistence", exact)


class Trajectory(NamedTuple):
    """A numerically integrated orbit: times and the two shares."""

    t: np.ndarray
    x: np.ndarray
    y: np.ndarray


def vector_field(params: CompetitionParams | Mapping[str, Any], xs: Any, ys: Any):
    """The vector field ``(x', y')`` on numpy arrays (broadcast), for phase portraits.

    Parameters
    ----------
    params : CompetitionParams or mapping
        Numeric parameter point.
    xs, ys : array_like
        Shares where the field is evaluated (e.g. from :func:`numpy.meshgrid`).

    Returns
    -------
    tuple of numpy.ndarray
        ``(dx, dy)`` with the broadcast shape of ``xs`` and ``ys``.

    Examples
    --------
    >>> dx, dy = vector_field({"alpha": 0.5, "beta": 0.5}, [2 / 3, 1.0], [2 / 3, 0.0])
    >>> np.round(dx, 12).tolist(), np.round(dy, 12).tolist()
    ([0.0, 0.0], [0.0, 0.0])
    """
    xs, ys = np.broadcast_arrays(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
    return _field(_as_params(params).floats(), xs, ys)


def _field(values: tuple[float, ...], xs: Any, ys: Any) -> tuple[Any, Any]:
    a_, b_, kx, ky, rx, ry = values
    return rx * xs * (1.0 - (xs + a_ * ys) / kx), ry * ys * (1.0 - (ys + b_ * xs) / ky)


def trajectory(
    params: CompetitionParams | Mapping[str, Any],
    x0: float,
    y0: float,
    t_max: float,
    n_points: int = 200,
    *,
    rtol: float = 1e-8,
    atol: float = 1e-10,
) -> Trajectory:
    """Integrate the competition ODE from ``(x0, y0)`` with :func:`scipy.integrate.solve_ivp`.

    Parameters
    ----------
    params : CompetitionParams or mapping
        Numeric parameter point.
    x0, y0 : float
        Initial shares, ``>= 0``.
    t_max : float
        Final time, ``> 0``.
    n_points : int, optional
        Number of equally spaced output times in ``[0, t_max]`` (default 200).
    rtol, atol : float, optional
        Tolerances of the integrator (LSODA, which copes with the stiff approach to
        the axes).

    Returns
    -------
    Trajectory
        Named tuple ``(t, x, y)`` of arrays of length ``n_points``.

    Raises
    ------
    ParameterError
        For negative initial shares, a non-positive ``t_max`` or ``n_points < 2``.

    Examples
    --------
    >>> tr = trajectory({"alpha": 0.5, "beta": 0.5}, 0.1, 0.9, t_max=80.0, n_points=5)
    >>> tr.t.tolist()
    [0.0, 20.0, 40.0, 60.0, 80.0]
    >>> round(float(tr.x[-1]), 6), round(float(tr.y[-1]), 6)
    (0.666667, 0.666667)
    """
    p = _as_params(params)
    check_nonnegative("x0", x0)
    check_nonnegative("y0", y0)
    check_positive("t_max", t_max)
    n_points = check_positive_int("n_points", n_points, minimum=2)

    values = p.floats()

    def field(_t: float, state: np.ndarray) -> list[float]:
        return list(_field(values, state[0], state[1]))

    t_eval = np.linspace(0.0, float(t_max), n_points)
    sol = solve_ivp(
        field,
        (0.0, float(t_max)),
        [float(x0), float(y0)],
        method="LSODA",
        t_eval=t_eval,
        rtol=rtol,
        atol=atol,
    )
    if not sol.success:  # pragma: no cover - LSODA does not fail on this smooth system
        raise RuntimeError(f"integration failed: {sol.message}")
    return Trajectory(sol.t, sol.y[0], sol.y[1])


#: Deprecated alias (issue 9): three classes were called ``Outcome``.
__getattr__ = module_aliases(__name__, {"Outcome": "CompetitionOutcome"})
