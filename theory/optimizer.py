r"""Optimizers and mesa-optimizers as immutable parameter records.

An :class:`Optimizer` carries the parameters of MODEL.md: a utility, capability
:math:`c > 0`, mesa spawn intensity :math:`\lambda \ge 0`, detection
:math:`d \in [0, 1]`, alignment skill :math:`a \in [0, 1]` (probability that a
spawned mesa-optimizer is robustly aligned), entrenchment rate :math:`\delta \ge 0`
and optimizer-ness :math:`o \in [0, 1]`.

A :class:`MesaOptimizer` is an optimizer with a ``parent`` and an
:class:`AlignmentClass` (seed 003): *robust* (shares the parent's goal), *pseudo*
(a proxy goal that coincides with it on the training distribution) or *deceptive*
(models the parent's goal and pursues its own).  Its capability ratio
:math:`\gamma = c / c_\text{parent}` gives its :class:`CapabilityClass` (seed 002):
*super* if :math:`\gamma > 1`, *sub* if :math:`\gamma < 1` and *trans* near
:math:`\gamma = 1`, taken here as :math:`|\log\gamma| \le \log(1 + \varepsilon)`
with the tolerance :math:`\varepsilon` = :data:`TRANS_TOLERANCE` = 0.05 by default
(symmetric in :math:`\gamma \leftrightarrow 1/\gamma`, as the contest is).

Its takeover probability, given its class, is 0 for a robust mesa-optimizer and
:math:`(1 - d_\text{parent})\, s(\gamma)` for an adversarial one; averaged over the
class (adversarial with probability :math:`1 - a`) it is the per-spawn probability
:math:`\pi = (1 - a)(1 - d) s(\gamma)` of :mod:`supercoherence.theory.contest`.
Parameters may be numbers or sympy expressions; checks refuse only provably bad
values.

What the capability classes do (seed 002)
-----------------------------------------
A label that changes nothing would be decoration, so each class has its own effect:

* **super** (:math:`\gamma > 1`): it wins the contest with :math:`s(\gamma) > 1/2`, and a
  base that cannot contain a model of it cannot use the embedded-agency bound
  :math:`\pi \le (1-a)(1-d)/2` (:mod:`supercoherence.theory.contest`): the classic
  runaway case, already in every hazard through :math:`s(\gamma)`.
* **sub** (:math:`\gamma < 1`): it uses a simpler model than the base and hits a
  Goodhart failure the base would have avoided.  At a regime change (a critical moment,
  a distribution shift) the factors its model holds constant change with probability
  :math:`p_\text{shift}`, and a model with the share :math:`\gamma` of the base's
  optimization power omits the share :math:`1 - \gamma` of them, so
  :meth:`MesaOptimizer.regime_failure_probability` is :math:`p_\text{shift}(1-\gamma)`.
  A mesa-suboptimizer that took over therefore carries an extra hazard
  :math:`\mu\,p_\text{shift}(1-\gamma)` at shift rate :math:`\mu`
  (:meth:`MesaOptimizer.regime_failure_hazard`): its own tenure ends at the next regime
  change that breaks its model, a failure of the mesa-optimizer itself, not of its base.
* **trans** (:math:`\gamma \approx 1`): capability decides nothing (:math:`s \approx 1/2`);
  what makes it a *trans*-optimizer is a different goal or world model at similar
  capability (a principal-agent failure).  Its effect is on the utility that takes over:
  :meth:`MesaOptimizer.goal_alignment` is the cosine of its utility with its parent's
  (when both are vectors), and it replaces the scenario's drift :math:`\rho` for that
  takeover (:meth:`MesaOptimizer.drift_after_takeover`), so a trans-optimizer with an
  orthogonal goal wipes out the alignment with the original goal in one step, whatever
  :math:`\rho`.  A robust mesa-optimizer of any class keeps the parent's goal (cosine 1).

Consequences for the recursion: a level held by a mesa-suboptimizer facing regime changes
that never stop has a hazard bounded below by the constant
:math:`\mu p_\text{shift}(1-\gamma) > 0`, so it is overthrown almost surely
(theorem ``constant-hazard``): mesa-suboptimizers are never the optimizer that never
loses, whatever their base's entrenchment.  A chain of trans-optimizer takeovers with goal
cosine :math:`\omega` has the drift formulas of :mod:`supercoherence.theory.drift` with
:math:`\rho` replaced by :math:`\omega`, e.g. :math:`E[\omega^N] = q/(1-(1-q)\omega)`.

The recursion and the models still draw :math:`\gamma` from the scenario only; these
methods are the per-class laws a model can use (the sub-class failure is a critical-moment
hazard of :mod:`supercoherence.theory.hazard`, the trans-class drift a per-takeover
alignment of :mod:`supercoherence.theory.drift`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from supercoherence.checks import (
    check_in_interval,
    check_nonnegative,
    check_positive,
    check_probability,
)
from supercoherence.errors import ParameterError
from supercoherence.theory import contest
from supercoherence.theory.result import sympify_param

__all__ = [
    "TRANS_TOLERANCE",
    "AlignmentClass",
    "CapabilityClass",
    "MesaOptimizer",
    "Optimizer",
    "capability_class",
]

#: Exactly 1/20: band edges are compared exactly (a float such as 1.05 is the binary
#: number 1.0500000000000000444..., just above 1 + 1/20; pass "1.05" for the decimal).
TRANS_TOLERANCE = sp.Rational(1, 20)
"""Default relative tolerance around :math:`\\gamma = 1` for the *trans* class."""


class AlignmentClass(enum.Enum):
    """Inner-alignment class of a mesa-optimizer (seed 003).

    Examples
    --------
    >>> AlignmentClass("deceptive").is_adversarial
    True
    >>> AlignmentClass.ROBUST.value
    'robust'
    """

    ROBUST = "robust"
    PSEUDO = "pseudo"
    DECEPTIVE = "deceptive"

    @property
    def is_adversarial(self) -> bool:
        """Whether its goal differs from the parent's (pseudo or deceptive)."""
        return self is not AlignmentClass.ROBUST


class CapabilityClass(enum.Enum):
    """Capability of a mesa-optimizer relative to its parent (seed 002).

    Examples
    --------
    >>> CapabilityClass.SUPER.value
    'super'
    """

    SUPER = "super"
    SUB = "sub"
    TRANS = "trans"


def capability_class(gamma: Any, tolerance: Any = TRANS_TOLERANCE) -> CapabilityClass:
    r"""Classify a capability ratio :math:`\gamma` as super, sub or trans.

    Parameters
    ----------
    gamma : number or sympy number
        Capability ratio mesa / parent, :math:`\gamma > 0`.
    tolerance : float, optional
        Trans if :math:`1/(1 + \varepsilon) \le \gamma \le 1 + \varepsilon`.

    Raises
    ------
    ParameterError
        If ``gamma`` is not a positive number or ``tolerance`` is negative.

    Examples
    --------
    >>> capability_class(2).value, capability_class(0.5).value, capability_class(1.01).value
    ('super', 'sub', 'trans')
    >>> capability_class(1.01, tolerance=0).value
    'super'
    """
    check_nonnegative("tolerance", tolerance)
    value = sympify_param("gamma", gamma)
    if not value.is_number:
        raise ParameterError("gamma", gamma, "a positive number", "class of a symbolic ratio")
    g = check_positive("gamma", value)
    upper = 1 + sympify_param("tolerance", tolerance)  # exact: no float rounding at the edges
    if 1 / upper <= g <= upper:
        return CapabilityClass.TRANS
    return CapabilityClass.SUPER if g > 1 else CapabilityClass.SUB


def _as_utility(value: Any) -> Any:
    """``None``, a sympy expression, or a vector stored as a tuple of floats."""
    if value is None or isinstance(value, sp.Basic | str):
        return None if value is None else sympify_param("utility", value)
    vec = np.asarray(value, dtype=float)
    if vec.ndim != 1 or vec.size < 1 or not np.all(np.isfinite(vec)):
        raise ParameterError("utility", value, "a sympy expression or a finite 1-d vector")
    return tuple(float(x) for x in vec)


@dataclass(frozen=True, kw_only=True)
class Optimizer:
    r"""An optimizer with the parameters of MODEL.md (immutable).

    Parameters
    ----------
    capability : number or sympy.Expr
        Optimization power :math:`c > 0`.
    spawn_rate : number or sympy.Expr
        Poisson intensity :math:`\lambda \ge 0` of its mesa-optimizer spawns.
    detection : number or sympy.Expr
        Probability :math:`d \in [0, 1]` that it detects an adversarial mesa-optimizer.
    alignment_skill : number or sympy.Expr
        Probability :math:`a \in [0, 1]` that a spawned mesa-optimizer is robust.
    entrenchment : number or sympy.Expr
        Entrenchment rate :math:`\delta \ge 0` (0: none).
    optimizerness : number or sympy.Expr
        Degree :math:`o \in [0, 1]` to which it is an optimizer (seed 001).
    utility : sympy.Expr, str, sequence of float or None
        Its utility: an expression over outcome variables, a vector ``w`` (stored as
        a tuple), or ``None`` when unspecified.

    Raises
    ------
    ParameterError
        Naming the first parameter that is provably out of range.

    Examples
    --------
    >>> base = Optimizer(capability=1, spawn_rate=2, detection=0.5, alignment_skill=0.5)
    >>> base.per_spawn_takeover(gamma=1)
    1/8
    >>> base.hazard_scale(gamma=1)
    1/4
    >>> Optimizer(capability=1, detection=1.5)
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: detection = 1.5 is out of range: allowed [0, 1]
    """

    capability: Any = 1
    spawn_rate: Any = 0
    detection: Any = 0
    alignment_skill: Any = 0
    entrenchment: Any = 0
    optimizerness: Any = 1
    utility: Any = None

    def __post_init__(self) -> None:
        check_positive("capability", self.capability)
        check_nonnegative("spawn_rate", self.spawn_rate)
        check_probability("detection", self.detection)
        check_probability("alignment_skill", self.alignment_skill)
        check_nonnegative("entrenchment", self.entrenchment)
        check_in_interval("optimizerness", self.optimizerness, 0, 1)
        object.__setattr__(self, "utility", _as_utility(self.utility))

    def per_spawn_takeover(self, gamma: Any, sharpness: Any = 1) -> sp.Expr:
        r"""Per-spawn takeover probability :math:`(1 - a)(1 - d) s(\gamma)` against it.

        Examples
        --------
        >>> Optimizer(alignment_skill=0, detection=0).per_spawn_takeover(3)
        3/4
        """
        return contest.per_spawn_takeover(self.alignment_skill, self.detection, gamma, sharpness)

    def hazard_scale(self, gamma: Any, sharpness: Any = 1) -> sp.Expr:
        r"""Takeover hazard :math:`h = \lambda \pi` by Poisson thinning.

        Examples
        --------
        >>> Optimizer(spawn_rate=4, alignment_skill=0.5, detection=0).hazard_scale(1)
        1
        """
        lam = sympify_param("spawn_rate", self.spawn_rate)
        return lam * self.per_spawn_takeover(gamma, sharpness)


@dataclass(frozen=True, kw_only=True)
class MesaOptimizer(Optimizer):
    r"""A mesa-optimizer: an :class:`Optimizer` created by a ``parent``'s search.

    Parameters
    ----------
    parent : Optimizer
        The optimizer whose search created it.
    alignment_class : AlignmentClass or str
        ``"robust"``, ``"pseudo"`` or ``"deceptive"``.
    **optimizer_parameters
        Those of :class:`Optimizer`.

    Examples
    --------
    >>> base = Optimizer(capability=2, detection=0.5)
    >>> mesa = MesaOptimizer(parent=base, alignment_class="deceptive", capability=4)
    >>> mesa.gamma, mesa.capability_class().value
    (2, 'super')
    >>> mesa.takeover_probability()
    1/3
    >>> MesaOptimizer(parent=base, alignment_class="robust", capability=4).takeover_probability()
    0
    """

    parent: Optimizer
    alignment_class: AlignmentClass | str = AlignmentClass.PSEUDO

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.parent, Optimizer):
            raise ParameterError("parent", self.parent, "an Optimizer")
        try:
            cls = AlignmentClass(self.alignment_class)
        except ValueError:
            allowed = ", ".join(c.value for c in AlignmentClass)
            raise ParameterError("alignment_class", self.alignment_class, allowed) from None
        object.__setattr__(self, "alignment_class", cls)

    @property
    def gamma(self) -> sp.Expr:
        r"""Capability ratio :math:`\gamma = c / c_\text{parent}` (exact)."""
        return sympify_param("capability", self.capability) / sympify_param(
            "capability", self.parent.capability
        )

    def capability_class(self, tolerance: Any = TRANS_TOLERANCE) -> CapabilityClass:
        """Super, sub or trans (see :func:`capability_class`)."""
        return capability_class(self.gamma, tolerance)

    def takeover_probability(self, sharpness: Any = 1) -> sp.Expr:
        r"""Probability that it takes over its parent, given its alignment class.

        0 if robust; otherwise it must escape the parent's detection and win the
        contest: :math:`(1 - d_\text{parent})\, s(\gamma)`.

        Examples
        --------
        >>> base = Optimizer(detection=0)
        >>> MesaOptimizer(parent=base, capability=1).takeover_probability(sharpness=7)
        1/2
        """
        if not self.alignment_class.is_adversarial:
            return sp.Integer(0)
        d = sympify_param("detection", self.parent.detection)
        return (1 - d) * contest.success(self.gamma, sharpness)

    def regime_failure_probability(self, shift_probability: Any) -> sp.Expr:
        r"""P(its own model breaks at one regime change): :math:`p_\text{shift}(1 - \gamma)`
        for a mesa-suboptimizer, 0 for the other classes (module docstring).

        Parameters
        ----------
        shift_probability : number or sympy.Expr
            :math:`p_\text{shift} \in [0, 1]`: chance that a regime change moves the
            factors a simpler model holds constant.

        Examples
        --------
        >>> base = Optimizer(capability=4)
        >>> MesaOptimizer(parent=base, capability=1).regime_failure_probability(sp.Rational(1, 2))
        3/8
        >>> MesaOptimizer(parent=base, capability=8).regime_failure_probability(1)
        0
        >>> MesaOptimizer(parent=base, capability=1).regime_failure_probability(2)
        Traceback (most recent call last):
        ...
        supercoherence.errors.ParameterError: shift_probability = 2 is out of range: allowed [0, 1]
        """
        p = check_probability(
            "shift_probability", sympify_param("shift_probability", shift_probability)
        )
        if self.capability_class() is not CapabilityClass.SUB:
            return sp.Integer(0)
        return sp.simplify(p * (1 - self.gamma))

    def regime_failure_hazard(self, shift_rate: Any, shift_probability: Any) -> sp.Expr:
        r"""Extra hazard :math:`\mu\,p_\text{shift}(1-\gamma)` of a mesa-suboptimizer in
        control (regime changes at rate :math:`\mu`, thinned by the failure chance).

        Examples
        --------
        >>> base = Optimizer(capability=2)
        >>> MesaOptimizer(parent=base, capability=1).regime_failure_hazard(4, sp.Rational(1, 2))
        1
        """
        mu = check_nonnegative("shift_rate", sympify_param("shift_rate", shift_rate))
        return sp.simplify(mu * self.regime_failure_probability(shift_probability))

    def goal_alignment(self) -> sp.Expr | None:
        r"""Cosine of its utility vector with its parent's (1 if robust; None if unknown).

        Examples
        --------
        >>> base = Optimizer(utility=(1.0, 0.0))
        >>> MesaOptimizer(parent=base, capability=1, utility=(0.0, 2.0)).goal_alignment()
        0.0
        >>> MesaOptimizer(parent=base, alignment_class="robust").goal_alignment()
        1
        """
        if not self.alignment_class.is_adversarial:
            return sp.Integer(1)
        mine, theirs = self.utility, self.parent.utility
        if not isinstance(mine, tuple) or not isinstance(theirs, tuple):
            return None
        a, b = np.asarray(mine), np.asarray(theirs)
        if a.shape != b.shape:
            raise ParameterError("utility", mine, f"a vector of dimension {b.size}")
        norm = float(np.linalg.norm(a) * np.linalg.norm(b))
        if norm == 0:
            raise ParameterError("utility", mine, "a non-zero vector")
        return float(np.clip(a @ b / norm, -1.0, 1.0))

    def drift_after_takeover(self, drift: Any) -> Any:
        r"""The alignment :math:`w_{n+1}\cdot w_n` its takeover brings.

        A trans-optimizer with a known utility brings its own :meth:`goal_alignment` (a
        different goal at similar capability); every other class the scenario's ``drift``
        :math:`\rho`.

        Examples
        --------
        >>> base = Optimizer(utility=(1.0, 0.0))
        >>> trans = MesaOptimizer(parent=base, capability=1, utility=(0.0, 1.0))
        >>> trans.drift_after_takeover(0.9)
        0.0
        >>> MesaOptimizer(parent=base, capability=3, utility=(0.0, 1.0)).drift_after_takeover(0.9)
        0.9
        """
        rho = check_in_interval("drift", sympify_param("drift", drift), -1, 1)
        if self.capability_class() is CapabilityClass.TRANS:
            own = self.goal_alignment()
            if own is not None:
                return own
        return float(rho) if isinstance(drift, float) else rho
