r"""Interacting nested optimizers: the parameters and a mean-field approximation.

Seeds: 000 (critical moments; a winning mesa-optimizer is itself an optimizer whose
search spawns mesa-optimizers), 001 (optimizer-ness is a continuum), 002 (embedded
agency: a base that contains a model of a mesa-*sub*-optimizer can catch it) and 003
(CAIS services that develop services; pseudo-alignment, deception, corrigibility).

Parameters (:class:`NestedDynamics`)
------------------------------------
The companion of :class:`~supercoherence.theory.scenario.TakeoverScenario` for the
interacting nested model (:class:`~supercoherence.models.nested.NestedOptimizerModel`).
Node :math:`v` has capability :math:`c_v = \gamma^{n_v}`, own resources :math:`R_v`,
age :math:`\tau_v`, optimizer-ness :math:`o_v` and a disposition toward its parent
(aligned, dormant pseudo, dormant deceptive, active, corrigible).  Its power is

.. math:: P_v = c_v C_v^{\phi}, \qquad
          C_v = R_v + \sum_{u \text{ child, not rebelling}} \max(0, w_u \cdot w_v)^{\eta} C_u ,

so ``resource_elasticity`` :math:`\phi = 0` gives back the fixed capability ratio
:math:`\gamma` of the recursion.  Spawning runs at :math:`\lambda o_v`; a spawn
contests its parent at birth (the recursion's thinning, with
:math:`s(P_u/P_v)` in place of :math:`s(\gamma)`); the undetected losers persist
as children (``nesting``) with a disposition: active with probability
``active_share``, corrigible with probability ``corrigible_share``, otherwise dormant
(pseudo or deceptive, by the model's ``deceptive_share``).  Later:

* critical moments arrive as a Poisson process of rate :math:`\mu` (``shift_rate``)
  plus the given ``shift_times``; at each, a dormant pseudo-aligned node turns active
  with probability :math:`p` (``shift_probability``);
* a dormant deceptive node turns active once :math:`P_u / P_v > \theta`
  (``deceptive_threshold``, ``inf`` = never);
* an active (or corrigible) node challenges its parent with probability
  :math:`1 - e^{-\nu}` per unit step (``challenge_rate`` :math:`\nu`).  The parent
  detects it unless it escapes, with probability
  :math:`(1 - d_{n_v}) f_{n_v}(\tau_v)\, \min(1, P_u/P_v)^{k}` (:math:`f` the
  scenario's age factor of the hazard, :math:`k` = ``weak_detection``); a detected
  active node is removed (its resources and children pass to the parent), a detected
  corrigible one is corrected (it takes the parent's utility and turns aligned); an
  undetected one wins with :math:`s(P_u/P_v)` and otherwise stays and tries again;
* a winner takes the parent's place; toward its new parent it is active with
  probability :math:`(1 - w_u \cdot w_\text{parent})/2` (takeovers climb).

Mean field of the root's hazard (:func:`mean_field`)
----------------------------------------------------
In the step scheme of the model (births and birth contests over :math:`(k-1, k]`,
challenges at :math:`k` by children born before :math:`k`), the root's persisting
adversarial children form a multi-type immigration-death population (types: active,
dormant pseudo, dormant deceptive; cohorts by age).  Per step the root's birth
hazard is :math:`o\,\Delta\Lambda_0`; new persisting children arrive with mean
:math:`o\,\Delta\Lambda_0 (1-s)/s` (plus the detected ones,
:math:`\lambda(1-a)o - o\Delta\Lambda_0/s`, when they are kept); a child of age
:math:`j` is itself taken over with probability :math:`1 - e^{-o f_1 \Delta\Lambda_1(j)}`
(:math:`f_1` the skill schedule's factor at level 1, :meth:`NestedDynamics.skill_factor`) and
its successor is active with probability :math:`(1 - \rho^2)/2` (the mean of
:math:`(1 - w \cdot w_\text{root})/2`); pseudo children turn with probability
:math:`1 - e^{-\mu p}` per step; deceptive ones turn when :math:`\gamma > \theta`; an
active child challenges with probability :math:`p_c = 1 - e^{-\nu}` and wins with
:math:`e_k s` where :math:`e_k = (1 - d_0) f_0(k) \min(1, \gamma)^{k_w}`.  Because the
individuals are independent Poisson immigrants, the number of successful challengers
is Poisson and

.. math:: P(\text{no top-level takeover by } T) \approx \exp\Big(-\sum_{k \le T}
          \big[o\,\Delta\Lambda_0(k) + p_c\, e_k\, s\, \bar A_k\big]\Big),

with :math:`\bar A_k` the expected active children thinned by the earlier outcomes.
Assumptions of the mean field (each one a way it can break; the tests and the
``nested_interacting`` study measure where it does):

1. :math:`\phi = 0`: every power ratio is :math:`\gamma` (the subtree's resources do
   not enter; :func:`mean_field` refuses :math:`\phi > 0`);
2. only the root's own children challenge it; a child is replaced only through its own
   birth contests, so grandchildren that climb are left out and the hazard is
   *underestimated* when deep takeovers matter;
3. the children are independent Poisson immigrants, so the successful challengers are
   Poisson; with Poisson critical moments (:math:`\mu > 0`) the pseudo children turn
   together (a common shock): the survival is then :math:`E[e^{-H}] \ge e^{-E[H]}`
   (Jensen), so the mean field is a lower bound on :math:`P(\text{no takeover})`;
4. a successor's alignment with the root is taken at its first-replacement mean
   :math:`\rho^2` (active with probability :math:`(1 - \rho^2)/2`);
5. the root's own tenure is not reset by a takeover (the hazard is that of the first
   top-level optimizer, which is what :math:`P(\text{no top-level takeover by } T)`
   needs).

Stated accuracy: where 1-5 hold the prediction agrees with the simulation within its
Monte Carlo error (4 standard errors in the tests); the study reports the z where they
do not.

Stability boundary (theorem ``nested-stability-boundary`` in the catalogue): for the
constant hazard the steady-state root hazard is :func:`steady_state_hazard`
:math:`H = h + \alpha n\, e s/(1 - e(1-s))` (:math:`n = h(1-s)/s` the inflow of
persisting children, :math:`\alpha` its active share, :math:`e s/(1 - e(1-s))` the
chance that an active child, retrying until caught or winning, eventually wins), and

.. math:: H \ge 2h \iff (1 + \alpha)\, e\, (1 - s) \ge 1,

nesting at least doubles the root's hazard exactly then, whatever :math:`\nu > 0` and
the spawn rate.  The mean-field hazard grows with the challenger's power ratio
(``nested-monotone-power``), and at :math:`\phi = 0`, :math:`o = 1`, no skill schedule
the birth factor is 1 (``nested-reduction``).

The limit :math:`\phi = 0`, :math:`\nu = \mu = 0`, no shift times,
:math:`\theta = \infty`, no active or corrigible spawns, :math:`o = 1` and
:math:`\kappa_a = 0` is exactly the independent-contest model (the recursion at the
top level); :meth:`NestedDynamics.is_limit` tells it.

References
----------
.. [1] E. Hubinger et al., "Risks from Learned Optimization in Advanced Machine Learning
   Systems", arXiv:1906.01820 (2019).
.. [2] K. B. Athreya and P. E. Ney, *Branching Processes*, Springer (1972), ch. V
   (multi-type processes).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from supercoherence.checks import (
    check_known_keys,
    check_nonnegative,
    check_positive,
    check_positive_int,
    check_probability,
)
from supercoherence.errors import ParameterError
from supercoherence.theory.contest import success_numeric
from supercoherence.theory.scenario import TakeoverScenario

__all__ = ["MeanField", "NestedDynamics", "mean_field", "steady_state_hazard"]


def _number(name: str, value: Any, *, allow_inf: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(name, value, "a real number")
    x = float(value)
    if math.isnan(x) or (math.isinf(x) and not (allow_inf and x > 0)):
        raise ParameterError(name, value, "a finite real number" + (" or inf" if allow_inf else ""))
    return x


@dataclass(frozen=True)
class NestedDynamics:
    r"""Validated parameters of the interacting nested model (immutable, flat keywords).

    Parameters
    ----------
    resource_elasticity : float
        :math:`\phi \in [0, 1]`, elasticity of power in commanded resources.
    loyalty_exponent : float
        :math:`\eta > 0`, a child lends :math:`\max(0, w_u \cdot w_v)^\eta` of its
        commanded resources.
    challenge_rate : float
        :math:`\nu \ge 0`, rate of repeated challenges by active children.
    shift_rate : float
        :math:`\mu \ge 0`, rate of the Poisson process of critical moments.
    shift_times : tuple of float
        Given critical moments (times >= 0), in addition to the Poisson ones.
    shift_probability : float
        :math:`p \in [0, 1]`, chance a dormant pseudo-aligned node turns at a moment.
    deceptive_threshold : float
        :math:`\theta > 0` (``inf`` allowed: never), power ratio at which a deceptive
        node turns active.
    weak_detection : float
        :math:`k \ge 0`, escape of a weaker challenger is scaled by
        :math:`\min(1, P_u/P_v)^k` (0: the base gains nothing from modelling it).
    active_share, corrigible_share : float
        Probabilities in [0, 1] (sum <= 1) that a persisting adversarial spawn is active
        (challenging) or corrigible rather than dormant.
    optimizerness : float
        :math:`o \in [0, 1]` of the initial optimizers (inherited by their spawns);
        spawn rate :math:`\lambda o`.
    skill_scaling : float
        :math:`\kappa_a \ge 0`, the alignment-skill schedule in capability
        :math:`a(c) = \max(0, 1 - (1 - a) c^{-\kappa_a})` (seed 000: "AIs will also
        have to solve alignment"; 0: the scenario's constant skill :math:`a`).

    Raises
    ------
    ParameterError
        Naming the first field out of range, with its range.

    Examples
    --------
    >>> NestedDynamics().is_limit()
    True
    >>> NestedDynamics(challenge_rate=0.5, active_share=0.3).is_limit()
    False
    >>> NestedDynamics(resource_elasticity=1.5)
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: resource_elasticity = 1.5 is out of range: allowed [0, 1]
    >>> NestedDynamics(deceptive_threshold=0)
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: deceptive_threshold = 0.0 is out of range: allowed (0, oo)
    """

    resource_elasticity: float = 0.0
    loyalty_exponent: float = 1.0
    challenge_rate: float = 0.0
    shift_rate: float = 0.0
    shift_times: tuple[float, ...] = ()
    shift_probability: float = 0.5
    deceptive_threshold: float = math.inf
    weak_detection: float = 1.0
    active_share: float = 0.0
    corrigible_share: float = 0.0
    optimizerness: float = 1.0
    skill_scaling: float = 0.0

    def __post_init__(self) -> None:
        checks = {
            "resource_elasticity": check_probability,  # [0, 1]
            "loyalty_exponent": check_positive,
            "challenge_rate": check_nonnegative,
            "shift_rate": check_nonnegative,
            "shift_probability": check_probability,
            "deceptive_threshold": check_positive,
            "weak_detection": check_nonnegative,
            "active_share": check_probability,
            "corrigible_share": check_probability,
            "optimizerness": check_probability,
            "skill_scaling": check_nonnegative,
        }
        for name, check in checks.items():
            value = _number(name, getattr(self, name), allow_inf=name == "deceptive_threshold")
            check(name, value)
            object.__setattr__(self, name, value)
        if self.active_share + self.corrigible_share > 1:
            raise ParameterError(
                "corrigible_share",
                self.corrigible_share,
                f"[0, 1 - active_share] = [0, {1 - self.active_share:g}]",
                "active_share + corrigible_share must not exceed 1",
            )
        times = self.shift_times
        if isinstance(times, numbers.Real) and not isinstance(times, bool):
            times = (times,)
        if isinstance(times, str) or not hasattr(times, "__iter__"):
            raise ParameterError("shift_times", times, "a sequence of times >= 0")
        clean = tuple(sorted(_number("shift_times", t) for t in times))
        if clean and clean[0] < 0:
            raise ParameterError("shift_times", clean[0], "times >= 0")
        object.__setattr__(self, "shift_times", clean)

    @classmethod
    def parameter_names(cls) -> tuple[str, ...]:
        """The keyword names, in field order.

        Examples
        --------
        >>> NestedDynamics.parameter_names()[:2]
        ('resource_elasticity', 'loyalty_exponent')
        """
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> NestedDynamics:
        """Build from keys; missing keys take the defaults, unknown keys are refused.

        Examples
        --------
        >>> NestedDynamics.from_mapping({"challenge_rate": 2}).challenge_rate
        2.0
        >>> NestedDynamics.from_mapping({"challenge_rat": 2})
        Traceback (most recent call last):
        ...
        supercoherence.errors.ParameterError: unknown parameter 'challenge_rat'; did you mean ...
        """
        check_known_keys(mapping, cls.parameter_names())
        return cls(**dict(mapping))

    def to_mapping(self) -> dict[str, Any]:
        """The fields as a plain dict (inverse of :meth:`from_mapping`).

        Examples
        --------
        >>> d = NestedDynamics(shift_times=(3, 1))
        >>> d.shift_times, NestedDynamics.from_mapping(d.to_mapping()) == d
        ((1.0, 3.0), True)
        """
        return asdict(self)

    def is_limit(self) -> bool:
        """Whether these dynamics are the independent-contest limit (today's model).

        Examples
        --------
        >>> NestedDynamics(deceptive_threshold=1e9).is_limit()
        False
        """
        return (
            self.resource_elasticity == 0
            and self.challenge_rate == 0
            and self.shift_rate == 0
            and not self.shift_times
            and math.isinf(self.deceptive_threshold)
            and self.active_share == 0
            and self.corrigible_share == 0
            and self.optimizerness == 1
            and self.skill_scaling == 0
        )

    def skill_factor(self, scenario: TakeoverScenario, level: Any) -> np.ndarray:
        r""":math:`(1 - a(c_n)) / (1 - a)`, the schedule's scale of the level-``n`` hazard.

        With :math:`c_n = \gamma^n`: :math:`\min(c_n^{-\kappa_a}, 1/(1 - a))` (1 for
        :math:`\kappa_a = 0` or :math:`a = 1`, where the hazard is 0 anyway).

        Examples
        --------
        >>> sc = TakeoverScenario(alignment_skill=0.5, capability_ratio=2.0)
        >>> NestedDynamics(skill_scaling=1.0).skill_factor(sc, [0, 1, 2]).tolist()
        [1.0, 0.5, 0.25]
        >>> sc = TakeoverScenario(alignment_skill=0.5, capability_ratio=0.5)
        >>> NestedDynamics(skill_scaling=1.0).skill_factor(sc, [0, 1, 2]).tolist()
        [1.0, 2.0, 2.0]
        """
        n = np.asarray(level, dtype=float)
        a = float(scenario.alignment_skill)
        if self.skill_scaling == 0 or a >= 1:
            return np.ones(n.shape)
        log_c = math.log(float(scenario.capability_ratio))
        return np.exp(np.minimum(-self.skill_scaling * log_c * n, -math.log1p(-a)))


@dataclass(frozen=True)
class MeanField:
    """Output of :func:`mean_field` (arrays indexed by step ``k = 1 .. T``).

    Attributes
    ----------
    birth_hazard, nested_hazard : numpy.ndarray
        The root's hazard per step from its own spawns' birth contests and from its
        persisting children's challenges.
    active_children : numpy.ndarray
        Expected active children of the root eligible to challenge at step ``k``.
    survival : numpy.ndarray
        Predicted P(no top-level takeover by ``k``).
    """

    birth_hazard: np.ndarray
    nested_hazard: np.ndarray
    active_children: np.ndarray
    survival: np.ndarray

    @property
    def independent_survival(self) -> np.ndarray:
        """The same without the children's challenges (the independent-contest model)."""
        return np.exp(-np.cumsum(self.birth_hazard))


def mean_field(
    scenario: TakeoverScenario,
    dynamics: NestedDynamics,
    horizon: int,
    *,
    deceptive_share: float = 0.5,
    remove_detected: bool = True,
) -> MeanField:
    r"""Mean-field root hazard and survival of the interacting model (module docstring).

    Parameters
    ----------
    scenario : TakeoverScenario
    dynamics : NestedDynamics
        ``resource_elasticity`` must be 0 (the approximation fixes the power ratio at
        :math:`\gamma`).
    horizon : int
        Number of steps ``T``.
    deceptive_share, remove_detected
        As in the model.

    Returns
    -------
    MeanField

    Raises
    ------
    ParameterError
        For ``resource_elasticity > 0`` or a bad horizon.

    Examples
    --------
    >>> sc = TakeoverScenario(spawn_rate=2, alignment_skill=0.3, detection=0.3,
    ...                       hazard="constant")
    >>> mf = mean_field(sc, NestedDynamics(challenge_rate=2, active_share=1), 4)
    >>> float(mf.independent_survival[-1]).__round__(4), float(mf.survival[-1]) < 0.14
    (0.1409, True)
    >>> mean_field(sc, NestedDynamics(), 4).nested_hazard.tolist()
    [0.0, 0.0, 0.0, 0.0]
    """
    horizon = check_positive_int("horizon", horizon)
    check_probability("deceptive_share", deceptive_share)
    if dynamics.resource_elasticity != 0:
        raise ParameterError(
            "resource_elasticity",
            dynamics.resource_elasticity,
            "0 for the mean field",
            "the mean field fixes the power ratio at capability_ratio",
        )
    sc, dyn = scenario, dynamics
    o = dyn.optimizerness
    skill_1 = float(dyn.skill_factor(sc, 1))  # the level-1 children's schedule
    s = float(success_numeric(sc.capability_ratio, sc.sharpness))
    gamma = sc.capability_ratio
    steps = np.arange(horizon + 1, dtype=float)
    lam0 = np.asarray(sc.cumulative_hazard(np.zeros_like(steps), steps), dtype=float)
    lam1 = np.asarray(sc.cumulative_hazard(np.ones_like(steps), steps), dtype=float)
    d_lam0, d_lam1 = np.diff(lam0), np.diff(lam1)
    child_hazard = np.append(d_lam1, [d_lam1[-1], d_lam1[-1]])  # by age, clipped
    if sc.hazard == "constant":
        age_factor = np.ones(horizon + 1)
    elif sc.hazard == "entrenchment":
        age_factor = np.exp(-float(sc.entrenchment_at(0)) * steps)
    else:
        age_factor = (1.0 + steps) ** -float(sc.power_exponent)
    escape = (1.0 - float(sc.detection_at(0))) * age_factor
    escape = escape * min(1.0, gamma) ** dyn.weak_detection
    p_c = -math.expm1(-dyn.challenge_rate)
    rest = 1.0 - dyn.active_share - dyn.corrigible_share
    turn_active = dyn.active_share + dyn.corrigible_share
    share_dec = rest * deceptive_share
    share_pse = rest * (1.0 - deceptive_share)
    climb = (1.0 - sc.drift**2) / 2.0 if dyn.challenge_rate > 0 else 0.0
    shift_turn = -math.expm1(-dyn.shift_rate * dyn.shift_probability)
    times = np.asarray(dyn.shift_times)
    deceptive_turns = gamma > dyn.deceptive_threshold
    # cohorts by age: counts[type, age]; types 0 active, 1 pseudo, 2 deceptive
    counts = np.zeros((3, horizon + 2))
    birth = o * d_lam0
    nested = np.zeros(horizon)
    active_seen = np.zeros(horizon)
    undetected_per = (o / s) if s > 0 else 0.0
    for k in range(1, horizon + 1):
        # exposure over (k-1, k]: children are replaced through their own birth contests
        replaced = counts * -np.expm1(-o * skill_1 * child_hazard)
        moved = replaced.sum()
        counts = counts - replaced
        counts = np.roll(counts, 1, axis=1)  # everyone ages one step
        counts[:, 0] = 0.0
        counts[0, 1] += moved * climb  # successors (born within the step, eligible now)
        counts[1, 1] += moved * (1 - climb) * (1 - deceptive_share)
        counts[2, 1] += moved * (1 - climb) * deceptive_share
        new = d_lam0[k - 1] * undetected_per * (1.0 - s)
        if not remove_detected:
            new += max(
                sc.spawn_rate * (1 - sc.alignment_skill) * o - d_lam0[k - 1] * undetected_per, 0.0
            )
        counts[:, 0] = new * np.array([turn_active, share_pse, share_dec])
        moments_p = shift_turn
        given = int(np.count_nonzero((times > k - 1) & (times <= k)))
        if given:
            moments_p = 1.0 - (1.0 - shift_turn) * (1.0 - dyn.shift_probability) ** given
        flip = counts[1] * moments_p
        counts[1] -= flip
        counts[0] += flip
        if deceptive_turns:
            counts[0] += counts[2]
            counts[2] = 0.0
        eligible = counts[0, 1:].sum()  # born before k
        e = escape[k]
        nested[k - 1] = p_c * e * s * eligible
        active_seen[k - 1] = eligible
        counts[0, 1:] *= 1.0 - p_c * (1.0 - e) - p_c * e * s
    survival = np.exp(-np.cumsum(birth + nested))
    return MeanField(birth, nested, active_seen, survival)


def steady_state_hazard(scenario: TakeoverScenario, dynamics: NestedDynamics) -> float:
    r"""Mean-field long-run root hazard per step for the ``constant`` hazard family.

    :math:`h + \alpha n\, e s / (1 - e(1 - s))` with :math:`h = o h_0`, the inflow
    :math:`n = h (1 - s)/s` of persisting children, :math:`\alpha` the active share
    and :math:`e` the escape probability of a challenge; its second term is the inflow
    of active children times the chance that one eventually wins (climbing and
    grandchildren left out, see the module docstring).

    Examples
    --------
    >>> sc = TakeoverScenario(spawn_rate=1, alignment_skill=0, detection=0.5, hazard="constant")
    >>> round(steady_state_hazard(sc, NestedDynamics(challenge_rate=1, active_share=1)), 4)
    0.3333
    """
    if scenario.hazard != "constant":
        raise ParameterError("hazard", scenario.hazard, "constant for the steady state")
    s = float(success_numeric(scenario.capability_ratio, scenario.sharpness))
    h = dynamics.optimizerness * float(scenario.hazard_scale(0))
    if dynamics.challenge_rate == 0 or s == 0:
        return h
    e = (1 - float(scenario.detection_at(0))) * min(1.0, scenario.capability_ratio) ** (
        dynamics.weak_detection
    )
    inflow = h * (1 - s) / s
    alpha = dynamics.active_share + dynamics.corrigible_share
    return h + alpha * inflow * e * s / (1 - e * (1 - s))
