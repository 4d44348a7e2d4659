r"""One optimizer's survival: takeover hazards and never-overthrown probabilities.

Mesa-optimizers spawn as a Poisson process of intensity :math:`\lambda(t)` in the
incumbent's age :math:`t`; each independently takes over with probability
:math:`\pi(t)`.  By the thinning theorem the takeovers form a Poisson process of
intensity :math:`h(t) = \lambda(t)\pi(t)`, so with the cumulative hazard
:math:`\Lambda(T) = \int_0^T h`

.. math::

    P(\text{no takeover by } T) = e^{-\Lambda(T)}, \qquad
    q = P(\text{never overthrown}) = e^{-\Lambda(\infty)}.

Named families (``h0 >= 0``):

=====================  =============================  ==================================
family                 :math:`h(t)`                   :math:`q`
=====================  =============================  ==================================
constant               :math:`h_0`                    0 if :math:`h_0 > 0`, else 1
entrenchment           :math:`h_0 e^{-\delta t}`      :math:`e^{-h_0/\delta}`
power decay            :math:`h_0 (1 + t)^{-\beta}`   :math:`e^{-h_0/(\beta - 1)}` if
                                                      :math:`\beta > 1`, else 0
critical moments       atoms :math:`p_k` at           :math:`\prod_k (1 - p_k)`
                       times :math:`t_k`
=====================  =============================  ==================================

As :math:`\delta \to 0` entrenchment becomes the constant hazard and :math:`q \to 0`;
at :math:`\beta \le 1` the power-decay hazard is not integrable and :math:`q = 0`.

Every family offers exact expressions (``.expr``, ``.cumulative(T)``,
``.never_overthrown()``) and vectorised numerics (``.cumulative_numeric(t)``,
``.total_numeric()``, ``.inverse_cumulative_numeric(y)``).  The numerics are also
module functions of array-valued parameters (``entrenchment_cumulative(h, delta, t)``
...), which :class:`~supercoherence.theory.scenario.TakeoverScenario` uses for whole
chains of optimizers at once: its ``hazard`` string is the key of a family class in
:data:`HAZARD_FAMILIES`, and the class's ``hazard_of``, ``never_overthrown_of``,
``cumulative_kernel`` and ``inverse_kernel`` evaluate a level from its scale and shape.
The inverse is the generalised inverse
:math:`\Lambda^{-1}(y) = \inf\{t : \Lambda(t) \ge y\}`, infinite where
:math:`y \ge \Lambda(\infty)` for the continuous families; so
:math:`\Lambda^{-1}(E)`, :math:`E \sim \mathrm{Exp}(1)`, is an exact draw of the tenure.

References
----------
.. [1] J. F. C. Kingman, *Poisson Processes*, Oxford University Press (1993), sec. 5.1
   (colouring/thinning theorem).
.. [2] D. R. Cox and D. Oakes, *Analysis of Survival Data*, Chapman & Hall (1984), ch. 2
   (hazard, cumulative hazard and survival).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import sympy as sp

from supercoherence.checks import check_nonnegative, check_positive, check_probability
from supercoherence.errors import ExpressionError, ParameterError
from supercoherence.theory import symbols as S
from supercoherence.theory.result import sympify_param

__all__ = [
    "HAZARD_FAMILIES",
    "ConstantHazard",
    "CriticalMoments",
    "EntrenchmentHazard",
    "HazardFamily",
    "PowerHazard",
    "constant_cumulative",
    "constant_inverse",
    "cumulative_hazard",
    "entrenchment_cumulative",
    "entrenchment_inverse",
    "never_overthrown",
    "power_cumulative",
    "power_inverse",
    "survival",
    "thinned_hazard",
]


# --------------------------------------------------------------------------- general hazards


def _horizon(value: Any) -> sp.Expr:
    """Sympify and check a horizon ``T >= 0``; ``oo`` (and ``inf``) allowed.

    ``supercoherence.checks`` refuses ``sympy.oo`` (it is not ``is_real``), so
    infinity is let through here before the check.
    """
    T = _exact("horizon", value)
    if T in (sp.oo, sp.Float("inf")):
        return sp.oo
    return check_nonnegative("horizon", T)


def _exact(name: str, value: Any) -> sp.Expr:
    """A user number as the exact sympy number it denotes (a float is its binary value)."""
    if isinstance(value, float) and math.isfinite(value):
        return sp.Rational(value)
    return sympify_param(name, value)


#: Ages at which a hazard in ``t`` alone is checked for negative values (plus 0).
_SIGN_CHECK_AGES = (0, 1e-6, 1e-3, 0.1, 0.5, 1, 2, 5, 10, 100, 1e3, 1e4, 1e6, 1e9)


def _hazard_expr(h: Any, t: sp.Symbol = S.t) -> sp.Expr:
    r"""Parse a hazard and refuse it where it is provably or numerically negative.

    A hazard is an intensity: :math:`h(t) \ge 0` for :math:`t \ge 0`.  A number is
    checked exactly; an expression is refused if sympy proves it negative, and an
    expression in ``t`` alone is also evaluated at the ages :data:`_SIGN_CHECK_AGES`.
    """
    expr = _exact("h", h)
    if not isinstance(expr, sp.Expr):
        raise ExpressionError("h", h, "not an expression")
    if expr.has(sp.nan, sp.zoo):
        raise ParameterError("h", sp.sstr(expr), "hazards h(t) >= 0 for t >= 0", "undefined")
    if expr.is_number:
        return check_nonnegative("h", expr)
    if expr.is_extended_negative:
        raise ParameterError("h", sp.sstr(expr), "hazards h(t) >= 0 for t >= 0")
    if expr.free_symbols == {t}:
        for age in _SIGN_CHECK_AGES:
            try:
                value = complex(sp.N(expr.subs(t, sp.Float(age)), 20))
            except (TypeError, ValueError, ZeroDivisionError):
                continue
            if value.real < 0 and abs(value.imag) <= 1e-12 * max(1.0, abs(value.real)):
                raise ParameterError(
                    "h",
                    sp.sstr(expr),
                    "hazards h(t) >= 0 for t >= 0",
                    f"h({age:g}) = {value.real:.6g}",
                )
    return expr


def cumulative_hazard(h: Any, horizon: Any = sp.oo, t: sp.Symbol = S.t) -> sp.Expr:
    r"""Cumulative hazard :math:`\Lambda(T) = \int_0^T h(t)\,dt`, exactly.

    Parameters
    ----------
    h : sympy.Expr or str
        The hazard as a function of ``t``.
    horizon : number, sympy.Expr or ``sympy.oo``
        The upper limit :math:`T` (default: infinity).
    t : sympy.Symbol
        The time variable of ``h`` (default :data:`~supercoherence.theory.symbols.t`).

    Raises
    ------
    ParameterError
        If ``horizon`` is provably negative, or ``h`` is negative (a number, provably,
        or at one of the checked ages), or the integral is undefined or negative.

    Examples
    --------
    >>> cumulative_hazard(3 * S.t**2, 2)
    8
    >>> cumulative_hazard(S.h0 * sp.exp(-S.delta * S.t))
    h_0/delta
    >>> cumulative_hazard(-1)
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: h = -1 is out of range: allowed [0, oo)
    """
    T = _horizon(horizon)
    value = sp.simplify(sp.integrate(_hazard_expr(h, t), (t, 0, T)))
    if value in (sp.nan, sp.zoo) or value.is_extended_negative:
        raise ParameterError(
            "h", sp.sstr(h), "hazards h(t) >= 0 for t >= 0", f"integral {sp.sstr(value)}"
        )
    return value


def survival(h: Any, horizon: Any = sp.oo, t: sp.Symbol = S.t) -> sp.Expr:
    r"""Survival :math:`\exp(-\int_0^T h)`: the probability of no takeover by ``horizon``.

    Parameters are those of :func:`cumulative_hazard`.

    Examples
    --------
    >>> survival(sp.Rational(1, 2), 4)
    exp(-2)
    >>> T = sp.Symbol("T", nonnegative=True)
    >>> survival(S.h0 * sp.exp(-S.delta * S.t), T)
    exp(-h_0/delta + h_0*exp(-T*delta)/delta)
    >>> survival("1 - t", 5)
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: h = '1 - t' is out of range:
    allowed hazards h(t) >= 0 for t >= 0 (h(2) = -1)
    """
    return sp.exp(-cumulative_hazard(h, horizon, t))


def never_overthrown(h: Any, t: sp.Symbol = S.t) -> sp.Expr:
    r"""Probability of never being overthrown, :math:`q = \exp(-\int_0^\infty h)`.

    A divergent integral gives 0; where sympy cannot decide convergence the result
    keeps the unevaluated ``Integral`` or a ``Piecewise`` on the parameters.

    Examples
    --------
    >>> never_overthrown(2 * sp.exp(-S.t))
    exp(-2)
    >>> never_overthrown(sp.Rational(1, 100))
    0
    >>> never_overthrown(1 / (1 + S.t) ** 3)
    exp(-1/2)
    """
    return survival(h, sp.oo, t)


def thinned_hazard(spawn_rate: Any, takeover_probability: Any) -> sp.Expr:
    r"""Takeover hazard :math:`h(t) = \lambda(t)\pi(t)` of a Poisson spawn process thinned
    by the per-spawn takeover probability.

    Parameters
    ----------
    spawn_rate : number, sympy.Expr or str
        Spawn intensity :math:`\lambda(t) \ge 0` (may depend on ``t``).
    takeover_probability : number, sympy.Expr or str
        Per-spawn takeover probability :math:`\pi(t) \in [0, 1]`.

    Raises
    ------
    ParameterError
        If ``spawn_rate`` is provably negative or ``takeover_probability`` provably
        outside [0, 1].

    Examples
    --------
    >>> thinned_hazard(4, sp.Rational(1, 8))
    1/2
    >>> thinned_hazard(S.lam, sp.exp(-S.delta * S.t))
    lambda*exp(-delta*t)

    References
    ----------
    .. [1] J. F. C. Kingman, *Poisson Processes* (1993), sec. 5.1.
    """
    lam = check_nonnegative("spawn_rate", _exact("spawn_rate", spawn_rate))
    pi = check_probability(
        "takeover_probability", _exact("takeover_probability", takeover_probability)
    )
    return lam * pi


# --------------------------------------------------------------------------- vectorised kernels


def _floats(*values: Any) -> list[np.ndarray]:
    return [np.asarray(v, dtype=float) for v in values]


def _out(x: np.ndarray) -> Any:
    return float(x) if np.ndim(x) == 0 else x


def constant_cumulative(h: Any, t: Any) -> Any:
    r""":math:`\Lambda(t) = h t` (0 where ``h = 0``, also at ``t = inf``).

    Examples
    --------
    >>> constant_cumulative(0.5, np.array([0.0, 2.0, np.inf])).tolist()
    [0.0, 1.0, inf]
    >>> constant_cumulative(0.0, np.inf)
    0.0
    """
    h, t = _floats(h, t)
    with np.errstate(invalid="ignore"):
        return _out(np.where(h == 0, 0.0, h * t))


def constant_inverse(h: Any, y: Any) -> Any:
    r""":math:`\Lambda^{-1}(y) = y / h`; infinite where ``h = 0``.

    Examples
    --------
    >>> constant_inverse(0.5, 1.0)
    2.0
    >>> constant_inverse(0.0, 1.0)
    inf
    """
    h, y = _floats(h, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _out(np.where(h == 0, np.inf, y / h))


def entrenchment_cumulative(h: Any, delta: Any, t: Any) -> Any:
    r""":math:`\Lambda(t) = h (1 - e^{-\delta t}) / \delta`.

    Examples
    --------
    >>> round(entrenchment_cumulative(1.0, 2.0, 1.0), 6)
    0.432332
    >>> entrenchment_cumulative(1.0, 2.0, np.inf)
    0.5
    """
    h, delta, t = _floats(h, delta, t)
    with np.errstate(invalid="ignore"):
        out = h * -np.expm1(-delta * t) / delta
    return _out(np.where(h == 0, 0.0, out))


def entrenchment_inverse(h: Any, delta: Any, y: Any) -> Any:
    r""":math:`\Lambda^{-1}(y) = -\log(1 - y\delta/h)/\delta`, infinite for
    :math:`y \ge h/\delta`.

    Examples
    --------
    >>> t = entrenchment_inverse(1.0, 2.0, 0.25)
    >>> round(entrenchment_cumulative(1.0, 2.0, t), 12)
    0.25
    >>> entrenchment_inverse(1.0, 2.0, np.array([0.5, 3.0])).tolist()
    [inf, inf]
    """
    h, delta, y = _floats(h, delta, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = y * delta / h
        out = -np.log1p(-x) / delta
    return _out(np.where((h == 0) | (x >= 1), np.inf, out))


def power_cumulative(h: Any, beta: Any, t: Any) -> Any:
    r""":math:`\Lambda(t) = h((1+t)^{1-\beta} - 1)/(1-\beta)`, :math:`h\log(1+t)` at
    :math:`\beta = 1`.

    Examples
    --------
    >>> power_cumulative(1.0, 2.0, np.array([1.0, np.inf])).tolist()
    [0.5, 1.0]
    >>> round(power_cumulative(1.0, 1.0, np.e - 1), 12)
    1.0
    >>> power_cumulative(1.0, 0.5, np.inf)
    inf
    """
    h, beta, t = _floats(h, beta, t)
    with np.errstate(divide="ignore", invalid="ignore"):
        log1t = np.log1p(t)
        one_minus = 1.0 - beta
        general = h * np.expm1(one_minus * log1t) / one_minus
        out = np.where(beta == 1, h * log1t, general)
    return _out(np.where(h == 0, 0.0, out))


def power_inverse(h: Any, beta: Any, y: Any) -> Any:
    r"""Inverse of :func:`power_cumulative`; infinite for :math:`y \ge h/(\beta-1)`
    when :math:`\beta > 1`.

    Examples
    --------
    >>> power_inverse(1.0, 2.0, 0.5)
    1.0
    >>> power_inverse(1.0, 2.0, 1.0)
    inf
    >>> round(power_inverse(1.0, 1.0, 1.0), 12) == round(np.e - 1, 12)
    True
    """
    h, beta, y = _floats(h, beta, y)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        one_minus = 1.0 - beta
        x = y * one_minus / h  # (1 + t)^(1 - beta) = 1 + x
        general = np.expm1(np.log1p(x) / one_minus)
        out = np.where(beta == 1, np.expm1(y / h), general)
        out = np.where(x <= -1, np.inf, out)
    return _out(np.where(h == 0, np.inf, out))


# --------------------------------------------------------------------------- named families


def _float_param(name: str, value: sp.Expr) -> float:
    if not value.is_number:
        raise ParameterError(name, value, "a number", "numeric evaluation needs numbers")
    return float(value)


class HazardFamily:
    r"""Common interface of the named hazard families (see the module docstring).

    Subclasses are frozen dataclasses of sympified parameters and provide ``expr``,
    ``cumulative``, ``cumulative_numeric``, ``total_numeric`` and
    ``inverse_cumulative_numeric``.  A family of a scale ``h0`` and at most one shape
    parameter names that field in :attr:`shape_field` and inherits the validation,
    ``expr`` and the numeric methods written here once; it writes only its formulas
    (the kernels, :meth:`hazard_of`, :meth:`never_overthrown_of`, ``cumulative``).

    The three one-level families (constant, entrenchment, power) are also the hazard
    families of :class:`~supercoherence.theory.scenario.TakeoverScenario`: its
    ``hazard`` string is the family's :attr:`key` (:data:`HAZARD_FAMILIES`), and it hands
    the family a level's scale :math:`h_n` and *shape* (:math:`\delta_n`, :math:`\beta`,
    unused by the constant hazard) through the class-level methods :meth:`hazard_of`,
    :meth:`never_overthrown_of`, :meth:`cumulative_kernel` and :meth:`inverse_kernel`,
    which work on numpy arrays of levels at once.
    """

    #: The name of the family, the value of ``TakeoverScenario.hazard``.
    key: ClassVar[str] = ""
    #: The field holding the family's shape parameter (``""``: it has none).
    shape_field: ClassVar[str] = ""

    @staticmethod
    def cumulative_kernel(h: Any, shape: Any, t: Any) -> Any:  # pragma: no cover
        r"""Vectorised :math:`\Lambda(t)` for arrays of scales ``h`` and shapes."""
        raise NotImplementedError

    @staticmethod
    def inverse_kernel(h: Any, shape: Any, y: Any) -> Any:  # pragma: no cover
        r"""Vectorised :math:`\Lambda^{-1}(y)` (``inf`` beyond the total hazard)."""
        raise NotImplementedError

    @classmethod
    def hazard_of(cls, h: sp.Expr, shape: sp.Expr) -> sp.Expr:  # pragma: no cover
        """Exact :math:`h(t)` in :data:`~supercoherence.theory.symbols.t` for a scale and
        shape (expressions, e.g. in the level ``n``); no validation."""
        raise NotImplementedError

    @classmethod
    def never_overthrown_of(cls, h: sp.Expr, shape: sp.Expr) -> sp.Expr:  # pragma: no cover
        """Exact :math:`q` for a scale ``h`` not identically 0 and a shape as above."""
        raise NotImplementedError

    @classmethod
    def entrenchment_rate_of(cls, shape: Any) -> Any:
        r"""The exponential entrenchment rate a level of this family has: 0 (its shape is
        not an entrenchment rate) except for :class:`EntrenchmentHazard`."""
        return 0.0

    def __post_init__(self) -> None:
        """The scale ``h0 >= 0`` and the shape (if any) ``> 0``, made exact."""
        object.__setattr__(self, "h0", check_nonnegative("h0", _exact("h0", self.h0)))
        if self.shape_field:
            name = self.shape_field
            value = check_positive(name, _exact(name, getattr(self, name)))
            object.__setattr__(self, name, value)

    @property
    def shape_parameter(self) -> sp.Expr:
        """The shape parameter (:math:`\\delta`, :math:`\\beta`; 0 if the family has none)."""
        return getattr(self, self.shape_field) if self.shape_field else sp.S.Zero

    @property
    def expr(self) -> sp.Expr:
        """:math:`h(t)` in :data:`~supercoherence.theory.symbols.t`."""
        return self.hazard_of(self.h0, self.shape_parameter)

    def _float_scale_shape(self) -> tuple[float, float]:
        """``(h0, shape)`` as floats for the numeric kernels (the scale checked first)."""
        h = _float_param("h0", self.h0)
        if not self.shape_field:
            return h, 0.0
        return h, _float_param(self.shape_field, self.shape_parameter)

    def cumulative_numeric(self, t: Any) -> Any:
        """Vectorised :math:`\\Lambda(t)`."""
        return self.cumulative_kernel(*self._float_scale_shape(), t)

    def inverse_cumulative_numeric(self, y: Any) -> Any:
        """Vectorised :math:`\\Lambda^{-1}(y)` (``inf`` beyond :math:`\\Lambda(\\infty)`)."""
        return self.inverse_kernel(*self._float_scale_shape(), y)

    def cumulative(self, horizon: Any = S.t) -> sp.Expr:  # pragma: no cover - overridden
        raise NotImplementedError

    def never_overthrown(self) -> sp.Expr:
        r"""Exact :math:`q = e^{-\Lambda(\infty)}`."""
        return sp.piecewise_fold(sp.exp(-self.cumulative(sp.oo)))

    def survival(self, horizon: Any = S.t) -> sp.Expr:
        r"""Exact :math:`e^{-\Lambda(T)}`."""
        return sp.piecewise_fold(sp.exp(-self.cumulative(horizon)))

    def total_numeric(self) -> float:
        r""":math:`\Lambda(\infty)` as a float (may be ``inf``)."""
        return float(self.cumulative_numeric(np.inf))

    def never_overthrown_numeric(self) -> float:
        r""":math:`q` as a float."""
        return float(np.exp(-self.total_numeric()))


@dataclass(frozen=True)
class ConstantHazard(HazardFamily):
    r"""Constant hazard :math:`h(t) = h_0`: overthrown almost surely if :math:`h_0 > 0`.

    Examples
    --------
    >>> hz = ConstantHazard(sp.Rational(1, 4))
    >>> hz.cumulative(8), hz.never_overthrown()
    (2, 0)
    >>> ConstantHazard(0).never_overthrown()
    1
    >>> ConstantHazard(S.h0).never_overthrown()
    Piecewise((1, Eq(h_0, 0)), (0, True))
    >>> ConstantHazard(0.5).inverse_cumulative_numeric(np.array([1.0, 2.0])).tolist()
    [2.0, 4.0]
    """

    h0: Any

    key: ClassVar[str] = "constant"

    @staticmethod
    def cumulative_kernel(h: Any, shape: Any, t: Any) -> Any:
        """:func:`constant_cumulative` (the shape is unused)."""
        return constant_cumulative(h, t)

    @staticmethod
    def inverse_kernel(h: Any, shape: Any, y: Any) -> Any:
        """:func:`constant_inverse` (the shape is unused)."""
        return constant_inverse(h, y)

    @classmethod
    def hazard_of(cls, h: sp.Expr, shape: sp.Expr) -> sp.Expr:
        """:math:`h(t) = h`."""
        return h

    @classmethod
    def never_overthrown_of(cls, h: sp.Expr, shape: sp.Expr) -> sp.Expr:
        """0: a constant hazard :math:`h \\ne 0` overthrows surely."""
        return sp.Integer(0)

    def cumulative(self, horizon: Any = S.t) -> sp.Expr:
        r"""Exact :math:`\Lambda(T) = h_0 T` (0 at :math:`T = \infty` if :math:`h_0 = 0`)."""
        T = _horizon(horizon)
        if T is sp.oo:
            return sp.Piecewise((0, sp.Eq(self.h0, 0)), (sp.oo, True))
        return self.h0 * T


@dataclass(frozen=True)
class EntrenchmentHazard(HazardFamily):
    r"""Exponential entrenchment :math:`h(t) = h_0 e^{-\delta t}`, :math:`q = e^{-h_0/\delta}`.

    Examples
    --------
    >>> hz = EntrenchmentHazard(1, 2)
    >>> hz.never_overthrown()
    exp(-1/2)
    >>> hz.cumulative(S.t)
    1/2 - exp(-2*t)/2
    >>> round(hz.never_overthrown_numeric(), 6)
    0.606531
    >>> sp.limit(EntrenchmentHazard(1, S.delta).never_overthrown(), S.delta, 0)
    0
    """

    h0: Any
    delta: Any

    key: ClassVar[str] = "entrenchment"
    shape_field: ClassVar[str] = "delta"

    @staticmethod
    def cumulative_kernel(h: Any, shape: Any, t: Any) -> Any:
        """:func:`entrenchment_cumulative` with :math:`\\delta` = ``shape``."""
        return entrenchment_cumulative(h, shape, t)

    @staticmethod
    def inverse_kernel(h: Any, shape: Any, y: Any) -> Any:
        """:func:`entrenchment_inverse` with :math:`\\delta` = ``shape``."""
        return entrenchment_inverse(h, shape, y)

    @classmethod
    def hazard_of(cls, h: sp.Expr, shape: sp.Expr) -> sp.Expr:
        """:math:`h(t) = h e^{-\\delta t}`, :math:`\\delta` = ``shape``."""
        return h * sp.exp(-shape * S.t)

    @classmethod
    def never_overthrown_of(cls, h: sp.Expr, shape: sp.Expr) -> sp.Expr:
        """:math:`q = e^{-h/\\delta}` (exponent expanded, powers collected).

        Examples
        --------
        >>> EntrenchmentHazard.never_overthrown_of(S.h0, S.delta / (1 + S.n))
        exp(-h_0*n/delta - h_0/delta)
        """
        return sp.powsimp(sp.exp(sp.expand(-h / shape)))

    @classmethod
    def entrenchment_rate_of(cls, shape: Any) -> Any:
        """The shape :math:`\\delta` itself."""
        return shape

    def cumulative(self, horizon: Any = S.t) -> sp.Expr:
        r"""Exact :math:`\Lambda(T) = h_0(1 - e^{-\delta T})/\delta`."""
        T = _horizon(horizon)
        return sp.expand(self.h0 * (1 - sp.exp(-self.delta * T)) / self.delta)


@dataclass(frozen=True)
class PowerHazard(HazardFamily):
    r"""Power decay :math:`h(t) = h_0 (1 + t)^{-\beta}`.

    :math:`q = e^{-h_0/(\beta - 1)}` for :math:`\beta > 1`, else 0.

    Examples
    --------
    >>> PowerHazard(1, 3).never_overthrown()
    exp(-1/2)
    >>> PowerHazard(1, 1).never_overthrown(), PowerHazard(1, sp.Rational(1, 2)).never_overthrown()
    (0, 0)
    >>> PowerHazard(1, S.beta).never_overthrown()
    Piecewise((exp(-1/(beta - 1)), beta > 1), (0, True))
    >>> PowerHazard(S.h0, S.beta).never_overthrown()  # no hazard: never overthrown
    Piecewise((exp(-h_0/(beta - 1)), beta > 1), (1, Eq(h_0, 0)), (0, True))
    >>> PowerHazard(2, 2).cumulative(3)
    3/2
    """

    h0: Any
    beta: Any

    key: ClassVar[str] = "power"
    shape_field: ClassVar[str] = "beta"

    @staticmethod
    def cumulative_kernel(h: Any, shape: Any, t: Any) -> Any:
        """:func:`power_cumulative` with :math:`\\beta` = ``shape``."""
        return power_cumulative(h, shape, t)

    @staticmethod
    def inverse_kernel(h: Any, shape: Any, y: Any) -> Any:
        """:func:`power_inverse` with :math:`\\beta` = ``shape``."""
        return power_inverse(h, shape, y)

    @classmethod
    def hazard_of(cls, h: sp.Expr, shape: sp.Expr) -> sp.Expr:
        """:math:`h(t) = h (1 + t)^{-\\beta}`, :math:`\\beta` = ``shape``."""
        return h / (1 + S.t) ** shape

    @classmethod
    def never_overthrown_of(cls, h: sp.Expr, shape: sp.Expr) -> sp.Expr:
        """:math:`q = e^{-h/(\\beta - 1)}` for a numeric :math:`\\beta > 1`, else 0.

        Examples
        --------
        >>> PowerHazard.never_overthrown_of(S.h0, 3), PowerHazard.never_overthrown_of(1, 1)
        (exp(-h_0/2), 0)
        """
        return sp.exp(-h / (shape - 1)) if shape > 1 else sp.Integer(0)

    def cumulative(self, horizon: Any = S.t) -> sp.Expr:
        r"""Exact :math:`\Lambda(T)` (a ``Piecewise`` in :math:`\beta` when symbolic)."""
        T = _horizon(horizon)
        h, b = self.h0, self.beta
        if T is sp.oo:
            finite = h / (b - 1)
            diverges = sp.Piecewise((0, sp.Eq(h, 0)), (sp.oo, True))
            return sp.piecewise_fold(sp.Piecewise((finite, b > 1), (diverges, True)))
        general = h * ((1 + T) ** (1 - b) - 1) / (1 - b)
        return sp.Piecewise((h * sp.log(1 + T), sp.Eq(b, 1)), (general, True))

    def never_overthrown(self) -> sp.Expr:
        r"""Exact :math:`q`: 1 if :math:`h_0 = 0`, else 0 for :math:`\beta \le 1`."""
        h, b = self.h0, self.beta
        if h == 0:
            return sp.Integer(1)
        return sp.Piecewise((sp.exp(-h / (b - 1)), b > 1), (1, sp.Eq(h, 0)), (0, True))


@dataclass(frozen=True)
class CriticalMoments(HazardFamily):
    r"""Takeover chances :math:`p_k` at isolated critical moments :math:`t_k` (seed 000).

    The hazard is a sum of atoms, :math:`\Lambda(T) = -\sum_{t_k \le T} \log(1 - p_k)`,
    so :math:`q = \prod_k (1 - p_k)` and the survival to :math:`T` is the product over
    the moments up to and including :math:`T`.

    Parameters
    ----------
    times : sequence of numbers
        The moments :math:`t_k \ge 0`.
    probabilities : sequence of numbers
        The takeover chances :math:`p_k \in [0, 1]`, one per moment.

    Examples
    --------
    >>> cm = CriticalMoments([1, 2], [sp.Rational(1, 2), sp.Rational(1, 3)])
    >>> cm.never_overthrown()
    1/3
    >>> cm.survival(1), cm.survival(sp.Rational(3, 2))
    (1/2, 1/2)
    >>> cm.inverse_cumulative_numeric(np.array([0.5, 1.0, 2.0])).tolist()
    [1.0, 2.0, inf]
    """

    times: Sequence[Any]
    probabilities: Sequence[Any]

    def __post_init__(self) -> None:
        times = tuple(check_nonnegative("times", _exact("times", x)) for x in self.times)
        probs = tuple(
            check_probability("probabilities", _exact("probabilities", x))
            for x in self.probabilities
        )
        if len(times) != len(probs):
            raise ParameterError(
                "probabilities", len(probs), f"one per moment ({len(times)} times)"
            )
        object.__setattr__(self, "times", times)
        object.__setattr__(self, "probabilities", probs)

    @property
    def expr(self) -> sp.Expr:
        r""":math:`h(t) = \sum_k -\log(1 - p_k)\,\delta(t - t_k)` (Dirac atoms)."""
        return sp.Add(
            *(
                -sp.log(1 - p) * sp.DiracDelta(S.t - tk)
                for tk, p in zip(self.times, self.probabilities, strict=True)
            )
        )

    def cumulative(self, horizon: Any = S.t) -> sp.Expr:
        r"""Exact :math:`\Lambda(T) = -\sum_{t_k \le T}\log(1 - p_k)` (right-continuous)."""
        T = _horizon(horizon)
        terms = []
        for tk, p in zip(self.times, self.probabilities, strict=True):
            weight = -sp.log(1 - p)
            terms.append(weight if T is sp.oo else weight * sp.Heaviside(T - tk, 1))
        return sp.Add(*terms)

    def never_overthrown(self) -> sp.Expr:
        r"""Exact :math:`q = \prod_k (1 - p_k)`."""
        return sp.Mul(*(1 - p for p in self.probabilities))

    def _numeric_steps(self) -> tuple[np.ndarray, np.ndarray]:
        times = np.array([_float_param("times", x) for x in self.times], dtype=float)
        probs = np.array([_float_param("probabilities", x) for x in self.probabilities])
        order = np.argsort(times, kind="stable")
        with np.errstate(divide="ignore"):
            return times[order], np.cumsum(-np.log1p(-probs[order]))

    def cumulative_numeric(self, t: Any) -> Any:
        """Vectorised :math:`\\Lambda(t)` (a step function)."""
        times, steps = self._numeric_steps()
        idx = np.searchsorted(times, np.asarray(t, dtype=float), side="right")
        return _out(np.concatenate([[0.0], steps])[idx])

    def inverse_cumulative_numeric(self, y: Any) -> Any:
        r"""Vectorised :math:`\inf\{t : \Lambda(t) \ge y\}` (``inf`` if none)."""
        times, steps = self._numeric_steps()
        y = np.asarray(y, dtype=float)
        idx = np.searchsorted(steps, y, side="left")
        padded = np.concatenate([times, [np.inf]])
        return _out(np.where(y <= 0, 0.0, padded[idx]))


#: The hazard families of :class:`~supercoherence.theory.scenario.TakeoverScenario`, by
#: :attr:`HazardFamily.key` (the user-facing ``hazard`` string).
HAZARD_FAMILIES: dict[str, type[HazardFamily]] = {
    family.key: family for family in (ConstantHazard, EntrenchmentHazard, PowerHazard)
}
