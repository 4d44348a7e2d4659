r"""The takeover scenario: the one parameterisation every layer shares.

A :class:`TakeoverScenario` is a point of parameter space for the recursion of
dominant optimizers :math:`O_0, O_1, \dots` (MODEL.md, docs/ARCHITECTURE.md).  Its
fields are the study-file parameter names.  The :math:`n`-th dominant optimizer has
capability :math:`c_n = \gamma^n` (winners escalate, :math:`c_0 = 1`), detection

.. math:: 1 - d_n = (1 - d)\, e^{-\kappa (c_n - c_0)},

per-spawn takeover probability :math:`\pi_n = (1 - a)(1 - d_n)\, s(\gamma)` with the
Tullock success :math:`s(\gamma) = \gamma^r/(1 + \gamma^r)`, and hazard scale
:math:`h_n = \lambda \pi_n`.  In its age :math:`t` its takeover hazard is

=================  ====================================  ===========================================
``hazard``         :math:`h_n(t)`                        :math:`q_n = e^{-\Lambda_n(\infty)}`
=================  ====================================  ===========================================
``constant``       :math:`h_n`                           0 (1 if :math:`h_n = 0`)
``entrenchment``   :math:`h_n e^{-\delta_n t}`           :math:`e^{-h_n/\delta_n}`
``power``          :math:`h_n (1 + t)^{-\beta}`          :math:`e^{-h_n/(\beta-1)}` if
                                                         :math:`\beta > 1`, else 0 (1 if
                                                         :math:`h_n = 0`)
=================  ====================================  ===========================================

with :math:`\delta_n = \delta / (1 + n)^w` (:math:`w` = ``entrenchment_weakening``).

The detection law is MODEL.md's :math:`1 - d(c) = A e^{-\kappa c}` normalised so that
:math:`d(c_0) = d`, i.e. :math:`A = (1 - d) e^{\kappa}`.  It is a probability law for
every capability :math:`c \ge 0` iff :math:`A \le 1`, i.e.
:math:`\kappa \le -\log(1 - d)`.  With escalating winners (:math:`\gamma \ge 1`)
only :math:`c_n \ge c_0` occurs and any :math:`\kappa \ge 0` keeps
:math:`d_n \in [d, 1]`; with mesa-sub-optimizers (:math:`\gamma < 1`) the capabilities
:math:`c_n = \gamma^n` fall to 0, :math:`\sup_n (1 - d_n) = (1 - d) e^{\kappa}`, and a
larger :math:`\kappa` would make :math:`d_n < 0` and :math:`\pi_n` exceed the
per-spawn bound (e.g. :math:`\gamma = 0.5, \kappa = 2, d = 0.5` gives
:math:`d_{20} = -2.69`).  That combination is refused with a
:class:`~supercoherence.errors.ParameterError` naming ``detection_scaling`` and its
allowed range :math:`[0, -\log(1 - d)]`.
The tenure :math:`\tau_n` of :math:`O_n` has survival :math:`e^{-\Lambda_n(\tau)}` and
is drawn exactly as :math:`\Lambda_n^{-1}(E)`, :math:`E \sim \mathrm{Exp}(1)`
(:meth:`TakeoverScenario.inverse_cumulative_hazard`; infinite with probability
:math:`q_n`).  At each takeover the utility drifts with correlation :math:`\rho`
(``drift``) in ``utility_dimension`` dimensions (:mod:`supercoherence.theory.drift`).

Numeric methods take numpy arrays of ``n`` (and ``t``/``y``) and broadcast; exact
ones return sympy expressions in :data:`~supercoherence.theory.symbols.n` (and
:data:`~supercoherence.theory.symbols.t`) with the parameter values as exact
rationals.  The recursion module builds :math:`P(N \ge n)` and the classification
from :meth:`TakeoverScenario.q_expr`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from functools import cached_property
from typing import Any

import numpy as np
import sympy as sp

from supercoherence.checks import (
    check_in_interval,
    check_nonnegative,
    check_positive,
    check_positive_int,
    check_probability,
)
from supercoherence.errors import ParameterError, did_you_mean
from supercoherence.theory import contest, hazard
from supercoherence.theory import symbols as S
from supercoherence.theory.optimizer import Optimizer
from supercoherence.theory.result import sympify_param

__all__ = ["HAZARD_SHAPES", "TakeoverScenario"]

HAZARD_SHAPES = ("constant", "entrenchment", "power")
"""The allowed values of :attr:`TakeoverScenario.hazard`."""


def _out(x: Any) -> Any:
    """A float for 0-d results, the array otherwise."""
    return float(x) if np.ndim(x) == 0 else np.asarray(x)


def _real(name: str, value: Any) -> float:
    """``value`` as a finite float, or a :class:`ParameterError` naming ``name``."""
    if isinstance(value, sp.Basic) and value.is_number:
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(name, value, "a real number")
    if not math.isfinite(float(value)):
        raise ParameterError(name, value, "a finite real number")
    return float(value)


def _first_negative_detection(gamma: float, kappa: float, d: float) -> int:
    """The first ``n`` with ``(1 - d) exp(kappa (1 - gamma^n)) > 1`` (given it exists)."""
    # 1 - gamma^n > -log(1 - d)/kappa  <=>  gamma^n < 1 + log(1 - d)/kappa
    threshold = 1.0 + math.log1p(-d) / kappa  # in (0, 1) here
    return max(1, math.floor(math.log(threshold) / math.log(gamma)) + 1)


@dataclass(frozen=True)
class TakeoverScenario:
    r"""A validated parameter point of the takeover recursion (immutable).

    Parameters
    ----------
    spawn_rate : float
        :math:`\lambda \ge 0`, Poisson intensity of mesa-optimizer spawns.
    alignment_skill : float
        :math:`a \in [0, 1]`, probability a spawned mesa-optimizer is robustly aligned.
    detection : float
        :math:`d \in [0, 1]`, detection probability of the first dominant optimizer.
    capability_ratio : float
        :math:`\gamma > 0`, challenger / incumbent capability; :math:`c_n = \gamma^n`.
    sharpness : float
        :math:`r > 0`, Tullock sharpness.
    hazard : {"constant", "entrenchment", "power"}
        Shape of the hazard in the optimizer's age.
    entrenchment : float
        :math:`\delta > 0` (used by ``"entrenchment"``).
    power : float
        :math:`\beta > 0` (used by ``"power"``).
    entrenchment_weakening : float
        :math:`w \ge 0`, :math:`\delta_n = \delta/(1 + n)^w`.
    detection_scaling : float
        :math:`\kappa \ge 0`, :math:`1 - d_n = (1 - d) e^{-\kappa(c_n - c_0)}`.
    drift : float
        :math:`\rho \in [-1, 1]`, utility correlation across a takeover.
    utility_dimension : int
        Dimension :math:`\ge 2` of the utility vectors.

    Raises
    ------
    ParameterError
        Naming the first field that is out of range or of the wrong type.

    Examples
    --------
    >>> sc = TakeoverScenario(spawn_rate=1.0, alignment_skill=0.5, detection=0.5,
    ...                       capability_ratio=1.0, entrenchment=0.25)
    >>> sc.hazard_scale(0)
    0.125
    >>> sc.q_expr()
    exp(-1/2)
    >>> sc.q(np.arange(3)).round(4).tolist()
    [0.6065, 0.6065, 0.6065]
    >>> TakeoverScenario(detection=1.2)
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: detection = 1.2 is out of range: allowed [0, 1]
    >>> TakeoverScenario(capability_ratio=0.5, detection_scaling=2, detection=0.5)
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: detection_scaling = 2.0 is out of range:
    allowed [0, -log(1 - detection)] = [0, 0.693147] when capability_ratio < 1 ...
    """

    spawn_rate: float = 1.0
    alignment_skill: float = 0.5
    detection: float = 0.5
    capability_ratio: float = 1.0
    sharpness: float = 1.0
    hazard: str = "entrenchment"
    entrenchment: float = 1.0
    power: float = 2.0
    entrenchment_weakening: float = 0.0
    detection_scaling: float = 0.0
    drift: float = 1.0
    utility_dimension: int = 3

    def __post_init__(self) -> None:
        checks = {
            "spawn_rate": check_nonnegative,
            "alignment_skill": check_probability,
            "detection": check_probability,
            "capability_ratio": check_positive,
            "sharpness": check_positive,
            "entrenchment": check_positive,
            "power": check_positive,
            "entrenchment_weakening": check_nonnegative,
            "detection_scaling": check_nonnegative,
            "drift": lambda name, v: check_in_interval(name, v, -1, 1),
        }
        for name, check in checks.items():
            value = _real(name, getattr(self, name))
            check(name, value)
            object.__setattr__(self, name, value)
        if not isinstance(self.hazard, str) or self.hazard not in HAZARD_SHAPES:
            hint = did_you_mean(str(self.hazard), HAZARD_SHAPES)
            raise ParameterError("hazard", self.hazard, ", ".join(HAZARD_SHAPES), hint)
        dim = check_positive_int("utility_dimension", self.utility_dimension, minimum=2)
        object.__setattr__(self, "utility_dimension", dim)
        self._check_detection_law()

    def _check_detection_law(self) -> None:
        r"""Refuse :math:`\gamma < 1` with :math:`\kappa > -\log(1 - d)` (module docstring).

        Then :math:`1 - d_n = (1 - d) e^{\kappa (1 - \gamma^n)}` would exceed 1 for large
        ``n``, i.e. detection would be negative.
        """
        kappa, d = self.detection_scaling, self.detection
        if self.capability_ratio >= 1 or kappa == 0 or d == 1:
            return
        limit = -math.log1p(-d)
        if kappa + math.log1p(-d) > 0:  # (1 - d) e^kappa > 1
            n_bad = _first_negative_detection(self.capability_ratio, kappa, d)
            raise ParameterError(
                "detection_scaling",
                kappa,
                f"[0, -log(1 - detection)] = [0, {limit:.6g}] when capability_ratio < 1 "
                f"(capability_ratio = {self.capability_ratio:g}, detection = {d:g})",
                f"detection d_n = 1 - (1 - d) exp(-kappa (c_n - 1)) would be negative "
                f"from n = {n_bad}",
            )

    # ------------------------------------------------------------------ construction

    @classmethod
    def parameter_names(cls) -> tuple[str, ...]:
        """The study-file parameter names, in field order.

        Examples
        --------
        >>> TakeoverScenario.parameter_names()[:3]
        ('spawn_rate', 'alignment_skill', 'detection')
        """
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> TakeoverScenario:
        """Build a scenario from study-file keys; missing keys take the defaults.

        Raises
        ------
        ParameterError
            For an unknown key (with a did-you-mean suggestion) or a bad value.

        Examples
        --------
        >>> TakeoverScenario.from_mapping({"spawn_rate": 2, "hazard": "power"}).hazard
        'power'
        >>> TakeoverScenario.from_mapping({"detecton": 0.5})
        Traceback (most recent call last):
        ...
        supercoherence.errors.ParameterError: unknown parameter 'detecton'; did you mean ...
        """
        names = cls.parameter_names()
        for key, value in mapping.items():
            if key not in names:
                raise ParameterError.unknown(str(key), value, names)
        return cls(**dict(mapping))

    def to_mapping(self) -> dict[str, Any]:
        """The fields as a plain dict (inverse of :meth:`from_mapping`).

        Examples
        --------
        >>> sc = TakeoverScenario(spawn_rate=3)
        >>> TakeoverScenario.from_mapping(sc.to_mapping()) == sc
        True
        """
        return asdict(self)

    # ------------------------------------------------------------------ exact parameters

    def _exact(self, name: str) -> sp.Expr:
        return sympify_param(name, getattr(self, name))

    def hazard_scale_expr(self) -> sp.Expr:
        r"""Exact :math:`h_n = \lambda (1 - a)(1 - d) e^{-\kappa(\gamma^n - 1)} s(\gamma)`.

        Examples
        --------
        >>> TakeoverScenario(spawn_rate=1, alignment_skill=0, detection=0,
        ...                  capability_ratio=2, detection_scaling=1).hazard_scale_expr()
        2*exp(1 - 2**n)/3
        """
        g, kap = self._exact("capability_ratio"), self._exact("detection_scaling")
        pi0 = contest.per_spawn_takeover(
            self._exact("alignment_skill"),
            self._exact("detection"),
            g,
            self._exact("sharpness"),
        )
        return self._exact("spawn_rate") * pi0 * sp.exp(-kap * (g**S.n - 1))

    def entrenchment_expr(self) -> sp.Expr:
        r"""Exact :math:`\delta_n = \delta / (1 + n)^w`.

        Examples
        --------
        >>> TakeoverScenario(entrenchment=2, entrenchment_weakening=1).entrenchment_expr()
        2/(n + 1)
        """
        return self._exact("entrenchment") / (1 + S.n) ** self._exact("entrenchment_weakening")

    def hazard_expr(self) -> sp.Expr:
        r"""Exact :math:`h_n(t)` in the symbols ``n`` and ``t``.

        Examples
        --------
        >>> TakeoverScenario(spawn_rate=2, alignment_skill=0, detection=0,
        ...                  hazard="power", power=3).hazard_expr()
        (t + 1)**(-3)
        """
        h = self.hazard_scale_expr()
        if self.hazard == "constant":
            return h
        if self.hazard == "entrenchment":
            return h * sp.exp(-self.entrenchment_expr() * S.t)
        return h / (1 + S.t) ** self._exact("power")

    def q_expr(self) -> sp.Expr:
        r"""Exact never-overthrown probability :math:`q_n` as an expression in ``n``.

        Examples
        --------
        >>> TakeoverScenario(hazard="constant").q_expr()
        0
        >>> TakeoverScenario(hazard="constant", spawn_rate=0).q_expr()
        1
        >>> TakeoverScenario(hazard="power", power=0.5).q_expr()
        0
        >>> TakeoverScenario(spawn_rate=1, alignment_skill=0, detection=0,
        ...                  entrenchment=1, entrenchment_weakening=1).q_expr()
        exp(-n/2 - 1/2)
        """
        h = self.hazard_scale_expr()
        if h == 0:
            return sp.Integer(1)
        if self.hazard == "constant":
            return sp.Integer(0)
        if self.hazard == "entrenchment":
            return sp.powsimp(sp.exp(sp.expand(-h / self.entrenchment_expr())))
        beta = self._exact("power")
        return sp.exp(-h / (beta - 1)) if beta > 1 else sp.Integer(0)

    # ------------------------------------------------------------------ numeric, vectorised

    def _n(self, n: Any) -> np.ndarray:
        arr = np.asarray(check_nonnegative("n", n), dtype=float)
        if np.any(arr != np.floor(arr)):
            raise ParameterError("n", n, "integers >= 0")
        return arr

    def capability(self, n: Any) -> Any:
        r"""Capability :math:`c_n = \gamma^n` of the n-th dominant optimizer.

        Examples
        --------
        >>> TakeoverScenario(capability_ratio=2).capability(np.arange(4)).tolist()
        [1.0, 2.0, 4.0, 8.0]
        """
        with np.errstate(over="ignore"):
            return _out(self.capability_ratio ** self._n(n))

    def detection_at(self, n: Any) -> Any:
        r"""Detection :math:`d_n = 1 - (1 - d) e^{-\kappa(c_n - 1)}`.

        Examples
        --------
        >>> sc = TakeoverScenario(detection=0.5, capability_ratio=2, detection_scaling=1)
        >>> sc.detection_at(np.array([0, 1])).round(4).tolist()
        [0.5, 0.8161]
        """
        return _out(1.0 - self._escape(self._n(n)))

    def _escape(self, n: np.ndarray) -> np.ndarray:
        """:math:`1 - d_n`, with :math:`\\kappa = 0` giving ``1 - d`` even where c_n = inf."""
        if self.detection_scaling == 0:
            return np.full_like(n, 1.0 - self.detection)
        with np.errstate(over="ignore"):
            c_n = self.capability_ratio**n
        return (1.0 - self.detection) * np.exp(-self.detection_scaling * (c_n - 1.0))

    def hazard_scale(self, n: Any) -> Any:
        r"""Hazard scale :math:`h_n = \lambda (1 - a)(1 - d_n) s(\gamma)` (vectorised).

        Examples
        --------
        >>> TakeoverScenario(spawn_rate=4, alignment_skill=0.5, detection=0.5).hazard_scale(
        ...     np.array([0, 5])).tolist()
        [0.5, 0.5]
        """
        n = self._n(n)
        pi = (1.0 - self.alignment_skill) * self._escape(n) * self._contest_success
        return _out(self.spawn_rate * pi)

    @cached_property
    def _contest_success(self) -> float:
        r""":math:`s(\gamma)`, computed once (the engines call :meth:`hazard_scale` per step)."""
        return float(contest.success_numeric(self.capability_ratio, self.sharpness))

    def entrenchment_at(self, n: Any) -> Any:
        r""":math:`\delta_n = \delta / (1 + n)^w` (vectorised).

        Examples
        --------
        >>> TakeoverScenario(entrenchment=1, entrenchment_weakening=1).entrenchment_at(
        ...     np.array([0, 1, 3])).tolist()
        [1.0, 0.5, 0.25]
        """
        return _out(self.entrenchment / (1.0 + self._n(n)) ** self.entrenchment_weakening)

    def cumulative_hazard(self, n: Any, t: Any) -> Any:
        r""":math:`\Lambda_n(t) = \int_0^t h_n` (vectorised over ``n`` and ``t``).

        Examples
        --------
        >>> sc = TakeoverScenario(spawn_rate=2, alignment_skill=0, detection=0,
        ...                       hazard="constant")
        >>> sc.cumulative_hazard(0, np.array([0.0, 1.0, 2.0])).tolist()
        [0.0, 1.0, 2.0]
        """
        return self.cumulative_given(self.hazard_scale(n), self.shape_at(n), t)

    def total_hazard(self, n: Any) -> Any:
        r""":math:`\Lambda_n(\infty)` (``inf`` when the hazard is not integrable).

        Examples
        --------
        >>> TakeoverScenario(entrenchment=0.25).total_hazard(0)
        0.5
        >>> TakeoverScenario(hazard="constant").total_hazard(0)
        inf
        """
        n = self._n(n)
        return self.cumulative_hazard(n, np.full_like(n, np.inf))

    def q(self, n: Any) -> Any:
        r"""Never-overthrown probability :math:`q_n = e^{-\Lambda_n(\infty)}` (vectorised).

        Examples
        --------
        >>> sc = TakeoverScenario(hazard="power", power=3, spawn_rate=1, alignment_skill=0,
        ...                       detection=0)
        >>> round(sc.q(0), 6)
        0.778801
        """
        return _out(np.exp(-np.asarray(self.total_hazard(n))))

    def inverse_cumulative_hazard(self, n: Any, y: Any) -> Any:
        r"""The ``t`` with :math:`\Lambda_n(t) = y`; ``inf`` where :math:`y \ge \Lambda_n(\infty)`.

        With ``y`` an Exp(1) draw this is an exact draw of the tenure :math:`\tau_n`.

        Examples
        --------
        >>> sc = TakeoverScenario(entrenchment=0.25)
        >>> t = sc.inverse_cumulative_hazard(0, 0.25)
        >>> round(float(sc.cumulative_hazard(0, t)), 12)
        0.25
        >>> sc.inverse_cumulative_hazard(np.array([0, 0]), np.array([0.4, 0.6])).tolist()[1]
        inf
        """
        return self.inverse_given(self.hazard_scale(n), self.shape_at(n), y)

    def shape_at(self, n: Any) -> Any:
        r"""The shape parameter of level ``n``'s hazard: :math:`\delta_n` (entrenchment),
        :math:`\beta` (power) or 0 (constant).

        With :meth:`hazard_scale` it is all a level needs; engines that cache both per
        level evaluate with :meth:`cumulative_given` and :meth:`inverse_given`.

        Examples
        --------
        >>> TakeoverScenario(entrenchment=1, entrenchment_weakening=1).shape_at(
        ...     np.array([0, 1])).tolist()
        [1.0, 0.5]
        >>> TakeoverScenario(hazard="power", power=3).shape_at(np.array([0, 4])).tolist()
        [3.0, 3.0]
        """
        if self.hazard == "entrenchment":
            return self.entrenchment_at(n)
        value = float(self.power) if self.hazard == "power" else 0.0
        return _out(np.full_like(self._n(n), value))

    def cumulative_given(self, h: Any, shape: Any, t: Any) -> Any:
        r""":math:`\Lambda(t)` of this scenario's hazard family for a given scale and shape.

        Examples
        --------
        >>> sc = TakeoverScenario(entrenchment=0.5)
        >>> n, t = np.array([0, 3]), np.array([1.0, 2.0])
        >>> bool(np.array_equal(sc.cumulative_given(sc.hazard_scale(n), sc.shape_at(n), t),
        ...                     sc.cumulative_hazard(n, t)))
        True
        """
        if self.hazard == "constant":
            return hazard.constant_cumulative(h, t)
        if self.hazard == "entrenchment":
            return hazard.entrenchment_cumulative(h, shape, t)
        return hazard.power_cumulative(h, shape, t)

    def inverse_given(self, h: Any, shape: Any, y: Any) -> Any:
        r""":math:`\Lambda^{-1}(y)` of this scenario's hazard family for a given scale and
        shape (``inf`` beyond the total hazard).

        Examples
        --------
        >>> sc = TakeoverScenario(hazard="power", power=3.0)
        >>> h, b = sc.hazard_scale(0), sc.shape_at(0)
        >>> round(float(sc.cumulative_given(h, b, sc.inverse_given(h, b, 0.05))), 12)
        0.05
        """
        if self.hazard == "constant":
            return hazard.constant_inverse(h, y)
        if self.hazard == "entrenchment":
            return hazard.entrenchment_inverse(h, shape, y)
        return hazard.power_inverse(h, shape, y)

    def level_optimizer(self, n: int) -> Optimizer:
        r"""The n-th dominant optimizer as an :class:`~supercoherence.theory.optimizer.Optimizer`.

        Its entrenchment is :math:`\delta_n` for the ``entrenchment`` hazard and 0
        otherwise; its utility is left unspecified (drift is a distribution, see
        :mod:`supercoherence.theory.drift`).

        Examples
        --------
        >>> opt = TakeoverScenario(capability_ratio=2).level_optimizer(3)
        >>> opt.capability, opt.detection
        (8.0, 0.5)
        """
        n = check_positive_int("n", n, minimum=0)
        entrenchment = self.entrenchment_at(n) if self.hazard == "entrenchment" else 0.0
        return Optimizer(
            capability=float(self.capability(n)),
            spawn_rate=self.spawn_rate,
            detection=float(self.detection_at(n)),
            alignment_skill=self.alignment_skill,
            entrenchment=float(entrenchment),
        )
