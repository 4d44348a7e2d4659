r"""Outcompeted?  Selection between coherent and internally-optimizing systems (seed 000).

Seed 000's last objection: coherent agents that do no internal optimization avoid
mesa takeovers but might be outcompeted by systems that do.  This module is the
closed-form side of that question; :mod:`supercoherence.models.selection` simulates it.

Types and rates
---------------
A population of top-level systems competes for one shared resource.  A system of type
:math:`i` has optimizer-ness :math:`o_i \in [0, 1]` (seed 001), so

* a growth advantage from internal search, :math:`g(o) = g_0 + b\,o` (``growth``
  :math:`g_0`, ``search_advantage`` :math:`b \ge 0`);
* a mesa-takeover hazard from the :class:`~supercoherence.theory.scenario.TakeoverScenario`
  of the type: its search spawns mesa-optimizers at rate :math:`\lambda o` (MODEL.md,
  "spawning at rate :math:`\lambda o_v`"), so at age :math:`t` its hazard is
  :math:`o\,(1 - \kappa_R)\,h_0(t)` with :math:`h_0(t)` the scenario's level-0 hazard;
* scenario 2 fed back: a mesa win need not be a full takeover.  If the resource
  competition between the level and its mesa-optimizer ends in stable Lotka-Volterra
  coexistence (:mod:`supercoherence.theory.competition`), the level keeps the share
  :math:`\kappa_R = x^*/(x^* + y^*)` for its goal (:func:`retained_share_from_competition`);
  only :math:`1 - \kappa_R` of the system changes goal.  :math:`\kappa_R = 0` is
  scenario 1.

A system that is taken over keeps growing but for another goal: it leaves the type.
A share :math:`\ell` (``takeover_loss``) of it leaves the competition (conflict
destroys it, or the new goal does not compete for this resource); the rest stays as a
*foreign-goal* system of the same optimizer-ness (and is itself taken over at the same
hazard).  With original-goal mass :math:`X_i`, foreign mass :math:`Y_i` and type mass
:math:`Z_i = X_i + Y_i`,

.. math::

    \dot X_i = (g_i - h_i(t)) X_i, \qquad
    \dot Y_i = (g_i - \ell h_i(t)) Y_i + (1 - \ell) h_i(t) X_i, \qquad
    \dot Z_i = (g_i - \ell h_i(t)) Z_i,

and the shares :math:`z_i = Z_i / \sum_j Z_j` follow the replicator equation
:math:`\dot z_i = z_i (f_i - \bar f)` (Taylor & Jonker 1978; Hofbauer & Sigmund 1998,
ch. 7) with fitness :math:`f_i(t) = g_i - \ell h_i(t)`.  It is linear before
normalisation, so it is solved exactly:

.. math::

    z_i(t) \propto z_i(0)\, e^{g_i t - \ell \Lambda_i(t)}, \qquad
    \text{original-goal share}(t) =
    \frac{\sum_i z_i(0)\, e^{g_i t - \Lambda_i(t)}}{\sum_i z_i(0)\, e^{g_i t - \ell\Lambda_i(t)}},

with :math:`\Lambda_i(t) = o_i (1 - \kappa_R) \Lambda_0(t)` (all resources start with
the original goal).

Long run and invasion
---------------------
Let :math:`\bar h = \lim_t \Lambda_0(t)/t` (the level-0 scale :math:`h_0` for the
``constant`` family; 0 for ``entrenchment`` and ``power``, whose hazards die out).  The
long-run fitness of type :math:`i` is :math:`g_i - \ell o_i (1 - \kappa_R) \bar h`.  The
coherent type (:math:`o = 0`, never taken over) invades, and survives against, a
resident of optimizer-ness :math:`o > 0` iff

.. math:: g(0) - \ell h(0) \ge g(o) - \ell h(o)
          \iff b \le b^* = \ell\,(1 - \kappa_R)\,\bar h

(:func:`invasion_condition`, :func:`critical_search_advantage`; strict for invasion of
a rare type, equality is neutral).  Two readings follow, and both are results:

* With ``takeover_loss = 1`` (MODEL.md's reading: the taken-over system leaves the
  type and the competition) the condition is MODEL.md's :math:`g(0) - h(0)` against
  :math:`g(o) - h(o)`: the coherent type survives iff the growth advantage of search is
  at most the takeover hazard it brings.
* With ``takeover_loss < 1`` hijacked systems keep competing, and the coherent type's
  survival needs :math:`b \le \ell (1 - \kappa_R) \bar h`: at :math:`\ell = 0`, takeovers
  do not protect the coherent type at all, they only change whose goal the winners carry.
  If the hazard is entrenched or decays (:math:`\bar h = 0`), any growth advantage
  :math:`b > 0` outcompetes the coherent type.

The share of resources still carrying the original goal tends to 0 when the optimizing
type wins and the hazard is not integrable, and to a positive value (for example
:math:`e^{-o(1 - \kappa_R)\Lambda_0(\infty)}` when the optimizing type wins alone and
:math:`\ell = 0`) when it is integrable (:func:`long_run_original_goal_share`).

Finite population: the Moran process
------------------------------------
:math:`N` systems; each reproduces at rate :math:`g_i` (its offspring replaces a
uniformly chosen other system: the resource is shared and full) and is taken over at
the constant rate :math:`h_i`; a taken-over system is, with probability :math:`\ell`,
removed and its place refilled by the offspring of a uniformly chosen other system,
otherwise it stays as a foreign-goal system of its type.  The number :math:`i` of
coherent-type systems is then a birth-death chain whose down/up rate ratio is the
constant :math:`(g_1 + \ell h_0)/(g_0 + \ell h_1)`, so it is a Moran process with
relative fitness

.. math:: r = \frac{g_0 + \ell h_1}{g_1 + \ell h_0}, \qquad
          \rho_i = \frac{1 - r^{-i}}{1 - r^{-N}} \ (r \ne 1), \qquad \rho_i = i/N \ (r = 1),

the fixation probability of the coherent type from :math:`i` systems (Moran 1958;
Nowak 2006, ch. 6, eq. 6.13); :math:`r > 1` iff the invasion condition holds.  As
:math:`N \to \infty` the shares of the process follow the replicator solution above
in the same time.

The lineage's long-run coherence
--------------------------------
In the recursion a level that ends in stable coexistence counts as "never overthrown",
with coherence 1.  Here it is computed: each mesa win keeps :math:`\kappa_R` of the
resources with the level's goal and gives :math:`1 - \kappa_R` to a mesa-optimizer whose
utility has expected cosine :math:`\omega` (the scenario's ``drift`` :math:`\rho`) with
it.  With wins a Poisson process of mean :math:`\Lambda_0(t)` and every part of the
lineage facing the same process, the pgf of the Poisson law gives the expected
resource-weighted alignment with the original goal

.. math:: C(t) = E\bigl[(\kappa_R + (1 - \kappa_R)\omega)^{N(t)}\bigr]
               = e^{-(1 - \kappa_R)(1 - \omega)\Lambda_0(t)}

(:func:`lineage_coherence`); its limit :math:`t \to \infty` is positive iff
:math:`\Lambda_0(\infty) < \infty`, :math:`\kappa_R = 1` or :math:`\omega = 1`.
:func:`lineage_coherence_from_competition` takes :math:`\kappa_R` from the Lotka-Volterra
outcome of each mesa win (scenario 2 fed back).

The answers of the studies
--------------------------
:func:`study_answer` states what a ``selection`` study (``studies/outcompeted.toml``)
or a ``chain`` study over training regimes (``studies/training_regimes.toml``) finds,
in sentences with numbers: the report's "The answer" section.

References
----------
.. [1] P. D. Taylor and L. B. Jonker, "Evolutionarily stable strategies and game
   dynamics", *Mathematical Biosciences* 40 (1978) 145-156.
.. [2] J. Hofbauer and K. Sigmund, *Evolutionary Games and Population Dynamics*,
   Cambridge University Press (1998).
.. [3] P. A. P. Moran, "Random processes in genetics", *Mathematical Proceedings of the
   Cambridge Philosophical Society* 54 (1958) 60-71.
.. [4] M. A. Nowak, *Evolutionary Dynamics: Exploring the Equations of Life*, Harvard
   University Press (2006), chapter 6.
.. [5] E. Hubinger, C. van Merwijk, V. Mikulik, J. Skalse and S. Garrabrant, "Risks
   from learned optimization in advanced machine learning systems", arXiv:1906.01820
   (2019).

Examples
--------
>>> from supercoherence.theory.scenario import TakeoverScenario
>>> sc = TakeoverScenario(hazard="constant")          # h_0 = 1 * 0.5 * 0.5 * 0.5 = 1/8
>>> critical_search_advantage(SelectionParams(scenario=sc))
1/8
>>> coherent_survives(SelectionParams(search_advantage=0.1, scenario=sc))
True
>>> coherent_survives(SelectionParams(search_advantage=0.2, scenario=sc))
False
>>> entrenched = TakeoverScenario()          # hazard h_0 e^{-delta t}: integrable
>>> coherent_survives(SelectionParams(search_advantage=0.1, scenario=entrenched))
False
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp
from scipy.special import logsumexp

from supercoherence.checks import (
    check_in_interval,
    check_known_keys,
    check_nonnegative,
    check_positive,
    check_positive_int,
    check_probability,
    check_real,
)
from supercoherence.errors import ParameterError
from supercoherence.theory import symbols as S
from supercoherence.theory.result import Derived, derived, sympify_param
from supercoherence.theory.scenario import TakeoverScenario

__all__ = [
    "SelectionParams",
    "birth_death_fixation",
    "coherent_fixation",
    "coherent_survives",
    "critical_search_advantage",
    "invasion_condition",
    "lineage_coherence",
    "lineage_coherence_from_competition",
    "outcompeted_answer",
    "long_run_original_goal_share",
    "long_run_shares",
    "moran_fixation",
    "moran_fixation_derived",
    "moran_fixation_numeric",
    "moran_relative_fitness",
    "original_goal_share",
    "replicator_rhs",
    "replicator_solution",
    "replicator_solution_derived",
    "retained_share_from_competition",
    "strategy_shares",
    "study_answer",
]

_TIE = 1e-12


def _default_scenario() -> TakeoverScenario:
    return TakeoverScenario(hazard="constant")


@dataclass(frozen=True)
class SelectionParams:
    r"""A validated parameter point of the selection model (immutable).

    Parameters
    ----------
    optimizer_ness : sequence of float
        :math:`o_i \in [0, 1]` of each type (default ``(0, 1)``: a coherent type and a
        full optimizer).  The coherent type is the one with :math:`o = 0`.
    initial_shares : sequence of float, optional
        :math:`z_i(0) \ge 0`, summing to 1 (default: equal shares).
    growth : float
        :math:`g_0 \ge 0`, growth rate of a coherent system.
    search_advantage : float
        :math:`b \ge 0`, :math:`g(o) = g_0 + b o`.
    takeover_loss : float
        :math:`\ell \in [0, 1]`, share of a taken-over system leaving the competition.
    retained_share : float
        :math:`\kappa_R \in [0, 1]`, share a level keeps for its goal after a mesa win
        (0: scenario 1; see :func:`retained_share_from_competition`).
    scenario : TakeoverScenario
        The mesa-takeover dynamics of a full optimizer (:math:`o = 1`); default
        ``TakeoverScenario(hazard="constant")``, :math:`h_0 = 1/8`.

    Raises
    ------
    ParameterError
        Naming the first parameter out of range.

    Examples
    --------
    >>> p = SelectionParams(search_advantage=0.5)
    >>> p.growth_rates().tolist(), p.hazard_rates().tolist()
    ([1.0, 1.5], [0.0, 0.125])
    >>> SelectionParams(initial_shares=(0.5, 0.6))
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: initial_shares = ... allowed shares summing to 1 ...
    >>> SelectionParams(takeover_loss=2)
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: takeover_loss = 2.0 is out of range: allowed [0, 1]
    """

    optimizer_ness: tuple[float, ...] = (0.0, 1.0)
    initial_shares: tuple[float, ...] | None = None
    growth: float = 1.0
    search_advantage: float = 0.1
    takeover_loss: float = 1.0
    retained_share: float = 0.0
    scenario: TakeoverScenario = field(default_factory=_default_scenario)

    def __post_init__(self) -> None:
        o = _tuple("optimizer_ness", self.optimizer_ness)
        if not o:
            raise ParameterError("optimizer_ness", self.optimizer_ness, "at least one type")
        for value in o:
            check_probability("optimizer_ness", value)
        object.__setattr__(self, "optimizer_ness", o)
        if self.initial_shares is None:
            z = tuple(1.0 / len(o) for _ in o)
        else:
            z = _tuple("initial_shares", self.initial_shares)
            if len(z) != len(o):
                raise ParameterError(
                    "initial_shares",
                    self.initial_shares,
                    f"{len(o)} shares, one per type of optimizer_ness",
                )
            for value in z:
                check_probability("initial_shares", value)
            if abs(sum(z) - 1.0) > 1e-9:
                raise ParameterError(
                    "initial_shares", self.initial_shares, "shares summing to 1", f"sum {sum(z):g}"
                )
        object.__setattr__(self, "initial_shares", z)
        for name, check in (
            ("growth", check_nonnegative),
            ("search_advantage", check_nonnegative),
            ("takeover_loss", check_probability),
            ("retained_share", check_probability),
        ):
            value = check_real(name, getattr(self, name))
            check(name, value)
            object.__setattr__(self, name, value)
        if not isinstance(self.scenario, TakeoverScenario):
            raise ParameterError("scenario", self.scenario, "a TakeoverScenario")

    # ------------------------------------------------------------------ construction

    @classmethod
    def parameter_names(cls) -> tuple[str, ...]:
        """Flat study-file keys: the selection fields (a two-type point) and the scenario's.

        Examples
        --------
        >>> SelectionParams.parameter_names()[:4]
        ('optimizer_ness', 'initial_coherent_share', 'growth', 'search_advantage')
        """
        from supercoherence.theory.training import TRAINING_PARAMETERS

        own = ("optimizer_ness", "initial_coherent_share", "growth", "search_advantage")
        own += ("takeover_loss", "retained_share")
        return own + TakeoverScenario.parameter_names() + TRAINING_PARAMETERS

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> SelectionParams:
        """A two-type point (coherent, optimizer) from flat study-file keys.

        ``optimizer_ness`` is that of the optimizing type (default 1),
        ``initial_coherent_share`` the coherent type's initial share (default 1/2); the
        other keys are the fields above and those of :class:`TakeoverScenario` (default
        family ``constant``), or of a training regime
        (:func:`supercoherence.theory.training.scenario_from_training`: ``search_strength``,
        ``complexity_penalty``, ``speed_penalty``, ...), which then sets the optimizing
        type's spawn rate and alignment skill.

        Raises
        ------
        ParameterError
            For an unknown key (with a did-you-mean) or a bad value.

        Examples
        --------
        >>> p = SelectionParams.from_mapping({"optimizer_ness": 0.5, "spawn_rate": 2})
        >>> p.optimizer_ness, p.scenario.spawn_rate, p.scenario.hazard
        ((0.0, 0.5), 2.0, 'constant')
        >>> SelectionParams.from_mapping({"search_advantge": 1})
        Traceback (most recent call last):
        ...
        supercoherence.errors.ParameterError: unknown parameter 'search_advantge'; did you mean ...
        """
        check_known_keys(mapping, cls.parameter_names())
        from supercoherence.theory.training import TRAINING_PARAMETERS

        # a training regime's keys set the optimizing type's spawn rate and alignment skill
        scen_names = set(TakeoverScenario.parameter_names()) | set(TRAINING_PARAMETERS)
        scen = {"hazard": "constant"} | {k: v for k, v in mapping.items() if k in scen_names}
        o1 = check_real("optimizer_ness", mapping.get("optimizer_ness", 1.0))
        z0 = check_real("initial_coherent_share", mapping.get("initial_coherent_share", 0.5))
        check_probability("initial_coherent_share", z0)
        own = {
            k: mapping[k]
            for k in ("growth", "search_advantage", "takeover_loss", "retained_share")
            if k in mapping
        }
        return cls(
            optimizer_ness=(0.0, o1),
            initial_shares=(z0, 1.0 - z0),
            scenario=TakeoverScenario.from_mapping(scen),
            **own,
        )

    # ------------------------------------------------------------------ rates

    @property
    def o(self) -> np.ndarray:
        """Optimizer-ness of the types as an array."""
        return np.asarray(self.optimizer_ness, dtype=float)

    @property
    def z0(self) -> np.ndarray:
        """Initial shares as an array."""
        return np.asarray(self.initial_shares, dtype=float)

    def growth_rates(self) -> np.ndarray:
        r""":math:`g_i = g_0 + b o_i`."""
        return self.growth + self.search_advantage * self.o

    def hazard_multipliers(self) -> np.ndarray:
        r""":math:`o_i (1 - \kappa_R)`: type i's hazard is this times :math:`h_0(t)`."""
        return self.o * (1.0 - self.retained_share)

    def hazard_rates(self) -> np.ndarray:
        r"""Age-0 hazards :math:`o_i (1 - \kappa_R) h_0` (constant rates of the Moran model)."""
        return self.hazard_multipliers() * float(self.scenario.hazard_scale(0))

    def cumulative_hazards(self, t: Any) -> np.ndarray:
        r""":math:`\Lambda_i(t) = o_i (1 - \kappa_R) \Lambda_0(t)`, shape ``t.shape + (types,)``.

        Examples
        --------
        >>> SelectionParams().cumulative_hazards(np.array([0.0, 8.0])).tolist()
        [[0.0, 0.0], [0.0, 1.0]]
        """
        t = np.asarray(check_nonnegative("t", t), dtype=float)
        lam0 = np.asarray(self.scenario.cumulative_hazard(np.zeros_like(t), t), dtype=float)
        mult = self.hazard_multipliers()
        with np.errstate(invalid="ignore"):
            out = lam0[..., None] * mult
        return np.where(mult == 0, 0.0, out)

    def long_run_hazard_exact(self) -> sp.Expr:
        r"""Exact :math:`\bar h = \lim_t \Lambda_0(t)/t` (:math:`h_0` if constant, else 0).

        Examples
        --------
        >>> SelectionParams().long_run_hazard_exact()
        1/8
        >>> SelectionParams(scenario=TakeoverScenario()).long_run_hazard_exact()
        0
        """
        if self.scenario.hazard == "constant":
            return sp.simplify(self.scenario.hazard_scale_expr().subs(S.n, 0))
        return sp.Integer(0)

    def _exact(self, name: str) -> sp.Expr:
        return sympify_param(name, getattr(self, name))

    def fitness_exact(self) -> list[sp.Expr]:
        r"""Exact long-run fitness :math:`g_i - \ell o_i (1 - \kappa_R)\bar h` of each type.

        Examples
        --------
        >>> SelectionParams(search_advantage=0.5).fitness_exact()
        [1, 11/8]
        """
        hbar = self.long_run_hazard_exact()
        g0, b = self._exact("growth"), self._exact("search_advantage")
        ell, kap = self._exact("takeover_loss"), self._exact("retained_share")
        out = []
        for o in self.optimizer_ness:
            oo = sympify_param("optimizer_ness", o)
            out.append(sp.simplify(g0 + b * oo - ell * oo * (1 - kap) * hbar))
        return out


def _tuple(name: str, value: Any) -> tuple[float, ...]:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        value = (value,)
    if isinstance(value, str) or not isinstance(value, Sequence | np.ndarray):
        raise ParameterError(name, value, "a sequence of numbers")
    return tuple(check_real(name, v) for v in value)


# ---------------------------------------------------------------------- replicator


def replicator_rhs(shares: Any, fitness: Any) -> np.ndarray:
    r"""The replicator field :math:`\dot z_i = z_i (f_i - \bar f)`, :math:`\bar f = z\cdot f`.

    Parameters
    ----------
    shares : array_like
        Shares :math:`z` (last axis: types).
    fitness : array_like
        Fitness :math:`f` (broadcast against ``shares``).

    Examples
    --------
    >>> replicator_rhs([0.5, 0.5], [1.0, 2.0]).tolist()
    [-0.25, 0.25]
    """
    z = np.asarray(check_probability("shares", shares), dtype=float)
    f = np.asarray(fitness, dtype=float)
    mean = np.sum(z * f, axis=-1, keepdims=True)
    return z * (f - mean)


def replicator_solution(t: Any, initial_shares: Any, fitness: Any) -> np.ndarray:
    r"""Exact solution of the replicator equation with constant fitness (Taylor & Jonker 1978).

    :math:`z_i(t) = z_i(0) e^{f_i t} / \sum_j z_j(0) e^{f_j t}`, computed in log space.

    Parameters
    ----------
    t : float or array_like
        Times :math:`\ge 0`.
    initial_shares : array_like
        :math:`z(0)`, summing to 1.
    fitness : array_like
        Constant fitness of each type.

    Returns
    -------
    numpy.ndarray
        Shape ``t.shape + (types,)``.

    Examples
    --------
    >>> replicator_solution(np.log(3.0), [0.5, 0.5], [0.0, 1.0]).round(6).tolist()
    [0.25, 0.75]
    """
    t = np.asarray(check_nonnegative("t", t), dtype=float)
    z0 = np.asarray(check_probability("initial_shares", initial_shares), dtype=float)
    f = np.asarray(fitness, dtype=float)
    with np.errstate(divide="ignore"):
        logw = np.log(z0) + t[..., None] * f
    return np.exp(logw - logsumexp(logw, axis=-1, keepdims=True))


def replicator_solution_derived() -> Derived:
    r"""Two types: :math:`z(t) = z_0 / (z_0 + (1 - z_0) e^{-(f_0 - f_1) t})` as a :class:`Derived`.

    Here :math:`f_0 - f_1 = -b + \ell h_0` for a coherent type against a full optimizer
    with constant hazard :math:`h_0`, symbols :data:`share` (``z``), :data:`search_advantage`
    (``b``), :data:`takeover_loss` (``ell``), :data:`h0` and ``t``.

    Examples
    --------
    >>> res = replicator_solution_derived()
    >>> res.argument_names
    ('z', 'b', 'ell', 'h0', 't')
    >>> round(res.numeric(z=0.5, b=1.0, ell=0.0, h0=0.0, t=np.log(3.0)), 12)
    0.25
    """
    diff = -S.search_advantage + S.takeover_loss * S.h0
    expr = S.share / (S.share + (1 - S.share) * sp.exp(-diff * S.t))
    return derived(
        "coherent share under replicator dynamics",
        expr,
        S.share,
        S.search_advantage,
        S.takeover_loss,
        S.h0,
        S.t,
    )


def strategy_shares(params: SelectionParams, t: Any) -> np.ndarray:
    r"""Exact type shares :math:`z_i(t) \propto z_i(0) e^{g_i t - \ell \Lambda_i(t)}`.

    Valid for every hazard family (the fitness is time-dependent for entrenchment and
    power); shape ``t.shape + (types,)``.

    Examples
    --------
    >>> p = SelectionParams(search_advantage=0.0)
    >>> strategy_shares(p, 8.0).round(6).tolist()     # h_0 t = 1: e^-1 against 1
    [0.731059, 0.268941]
    """
    t = np.asarray(check_nonnegative("t", t), dtype=float)
    lam = params.cumulative_hazards(t)
    with np.errstate(divide="ignore"):
        logw = np.log(params.z0) + t[..., None] * params.growth_rates()
    logw = logw - params.takeover_loss * lam
    return np.exp(logw - logsumexp(logw, axis=-1, keepdims=True))


def original_goal_share(params: SelectionParams, t: Any) -> Any:
    r"""Exact share of the competing resources still carrying the original goal at ``t``.

    With ``takeover_loss = 1`` every taken-over system leaves the competition, so every
    resource still competing carries the original goal (the share is 1); the loss then
    shows in the type shares (:func:`strategy_shares`).

    :math:`\sum_i z_i(0) e^{g_i t - \Lambda_i(t)} / \sum_i z_i(0) e^{g_i t - \ell\Lambda_i(t)}`.

    Examples
    --------
    >>> p = SelectionParams(search_advantage=0.0, takeover_loss=0.0)
    >>> round(original_goal_share(p, 8.0), 6)     # (1 + e^-1)/2
    0.68394
    >>> original_goal_share(SelectionParams(), np.array([0.0, 1.0])).tolist()   # l = 1
    [1.0, 1.0]
    """
    t = np.asarray(check_nonnegative("t", t), dtype=float)
    lam = params.cumulative_hazards(t)
    with np.errstate(divide="ignore"):
        base = np.log(params.z0) + t[..., None] * params.growth_rates()
    num = logsumexp(base - lam, axis=-1)
    den = logsumexp(base - params.takeover_loss * lam, axis=-1)
    out = np.exp(num - den)
    return float(out) if np.ndim(out) == 0 else out


# ---------------------------------------------------------------------- long run


def _asymptotics(params: SelectionParams, loss: float) -> list[tuple[float, float, float]]:
    r"""Per type: (exponential rate, sub-exponential order, prefactor) of
    :math:`z_i(0) e^{g_i t - c_i \Lambda_0(t)}` with :math:`c_i = loss \cdot o_i(1-\kappa_R)`."""
    sc = params.scenario
    hbar = float(params.long_run_hazard_exact())
    total = float(sc.total_hazard(0))
    divergent_subexp = sc.hazard != "constant" and math.isinf(total)  # power, beta <= 1
    out = []
    for g, c, z in zip(
        params.growth_rates(), loss * params.hazard_multipliers(), params.z0, strict=True
    ):
        if z == 0:
            out.append((-math.inf, 0.0, 0.0))
            continue
        if c == 0:
            out.append((float(g), 0.0, float(z)))
        elif sc.hazard == "constant":
            out.append((float(g - c * hbar), 0.0, float(z)))
        elif divergent_subexp:
            out.append((float(g), -float(c), float(z)))
        else:
            out.append((float(g), 0.0, float(z * math.exp(-c * total))))
    return out


def _close(u: float, v: float) -> bool:
    return abs(u - v) <= _TIE * max(1.0, abs(u), abs(v))


def _dominant(terms: list[tuple[float, float, float]]) -> tuple[float, float]:
    best = max(terms, key=lambda x: (x[0], x[1]))
    rate = max(x[0] for x in terms)
    order = max(x[1] for x in terms if _close(x[0], rate))
    return (best[0] if not _close(best[0], rate) else rate, order)


def _limit(num: list, den: list) -> float:
    rate, order = _dominant(den)
    top = sum(x[2] for x in den if _close(x[0], rate) and _close(x[1], order))
    part = sum(x[2] for x in num if _close(x[0], rate) and _close(x[1], order))
    return part / top


def long_run_shares(params: SelectionParams) -> np.ndarray:
    r"""The limits :math:`\lim_{t\to\infty} z_i(t)` of the type shares.

    Types are ranked by long-run fitness :math:`g_i - \ell o_i (1-\kappa_R)\bar h`; ties
    are split by the prefactors :math:`z_i(0) e^{-\ell\Lambda_i(\infty)}` (integrable
    hazards) or, for a non-integrable sub-exponential one (power, :math:`\beta \le 1`), by
    the smaller hazard multiplier.

    Examples
    --------
    >>> long_run_shares(SelectionParams(search_advantage=0.1)).tolist()
    [1.0, 0.0]
    >>> long_run_shares(SelectionParams(search_advantage=0.125)).tolist()    # neutral
    [0.5, 0.5]
    >>> p = SelectionParams(search_advantage=0.0, scenario=TakeoverScenario(entrenchment_rate=0.25))
    >>> long_run_shares(p).round(6).tolist()   # 1 against e^{-1/2}
    [0.622459, 0.377541]
    """
    terms = _asymptotics(params, params.takeover_loss)
    return np.array([_limit([terms[i]], terms) for i in range(len(terms))])


def long_run_original_goal_share(params: SelectionParams) -> float:
    r""":math:`\lim_{t\to\infty}` of :func:`original_goal_share`.

    Examples
    --------
    >>> long_run_original_goal_share(SelectionParams(search_advantage=0.1))
    1.0
    >>> long_run_original_goal_share(SelectionParams(search_advantage=0.5, takeover_loss=0.0))
    0.0
    >>> p = SelectionParams(search_advantage=0.5, takeover_loss=0.0,
    ...                     scenario=TakeoverScenario(entrenchment_rate=0.25))
    >>> round(long_run_original_goal_share(p), 6)   # the optimizer wins; e^{-1/2} kept
    0.606531
    """
    num = _asymptotics(params, 1.0)
    den = _asymptotics(params, params.takeover_loss)
    return float(_limit(num, den))


def critical_search_advantage(params: SelectionParams) -> sp.Expr:
    r"""Exact :math:`b^* = \ell (1 - \kappa_R) \bar h`: the coherent type survives iff
    :math:`b \le b^*`.

    Examples
    --------
    >>> critical_search_advantage(SelectionParams(takeover_loss=0.5, retained_share=0.5))
    1/32
    """
    ell, kap = params._exact("takeover_loss"), params._exact("retained_share")
    return sp.simplify(ell * (1 - kap) * params.long_run_hazard_exact())


def invasion_condition(symbolic: bool = False, params: SelectionParams | None = None) -> Any:
    r"""Coherent type invades an optimizing resident: :math:`g(0) - \ell h(0) > g(o) - \ell h(o)`.

    Parameters
    ----------
    symbolic : bool
        Return the sympy relation in :data:`search_advantage`, :data:`takeover_loss`,
        :data:`retained_share` and :data:`h0` (for :math:`o > 0`).
    params : SelectionParams, optional
        A point: return ``True``/``False`` (exact comparison of rationals) for each
        optimizing type of the point (a list, one per type with :math:`o > 0`).

    Examples
    --------
    >>> invasion_condition(symbolic=True)
    b < ell*h_0*(1 - kappa_R)
    >>> invasion_condition(params=SelectionParams(search_advantage=0.1))
    [True]
    >>> invasion_condition(params=SelectionParams(search_advantage=0.125))   # neutral
    [False]
    """
    if symbolic:
        return sp.StrictLessThan(
            S.search_advantage, S.takeover_loss * (1 - S.retained_share) * S.h0
        )
    if params is None:
        raise ParameterError("params", None, "a SelectionParams (or symbolic=True)")
    f = params.fitness_exact()
    coherent = _coherent_index(params)
    return [
        bool(sp.simplify(f[coherent] - f[i]) > 0)
        for i, o in enumerate(params.optimizer_ness)
        if o > 0
    ]


def _coherent_index(params: SelectionParams) -> int:
    for i, o in enumerate(params.optimizer_ness):
        if o == 0:
            return i
    raise ParameterError("optimizer_ness", params.optimizer_ness, "a type with o = 0 (coherent)")


def coherent_survives(params: SelectionParams) -> bool:
    r"""Whether the coherent type's long-run share is positive (exact comparison).

    True iff no type present has a larger long-run fitness (ties keep a positive share:
    the coherent type is never taken over).

    Examples
    --------
    >>> coherent_survives(SelectionParams(search_advantage=0.125))
    True
    """
    f = params.fitness_exact()
    i0 = _coherent_index(params)
    if params.initial_shares[i0] == 0:
        return False
    return all(
        bool(sp.simplify(f[i0] - f[i]) >= 0) for i in range(len(f)) if params.initial_shares[i] > 0
    )


# ---------------------------------------------------------------------- Moran


def moran_fixation(fitness_ratio: Any, population_size: Any, initial: Any = 1) -> sp.Expr:
    r"""Exact Moran fixation probability :math:`\rho_i = (1 - r^{-i})/(1 - r^{-N})` (Moran 1958).

    Parameters
    ----------
    fitness_ratio : number or sympy.Expr
        Relative fitness :math:`r > 0` of the mutant.
    population_size : int or sympy.Expr
        :math:`N \ge 1`.
    initial : int or sympy.Expr
        Initial number :math:`1 \le i \le N` of mutants.

    Returns
    -------
    sympy.Expr
        :math:`i/N` at :math:`r = 1`; a ``Piecewise`` for a symbolic :math:`r`.

    Raises
    ------
    ParameterError
        If :math:`r \le 0`, :math:`N < 1` or :math:`i \notin [1, N]`.

    Examples
    --------
    >>> moran_fixation(2, 3)
    4/7
    >>> moran_fixation(1, 10, 3)
    3/10
    >>> moran_fixation(S.fitness_ratio, S.population_size)
    Piecewise((1/N_pop, Eq(r_M, 1)), ((1 - 1/r_M)/(1 - 1/r_M**N_pop), True))
    >>> moran_fixation(2, 0)
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: population_size = 0 is out of range: ...
    """
    r = check_positive("fitness_ratio", sympify_param("fitness_ratio", fitness_ratio))
    N = _int_or_symbol("population_size", population_size, 1)
    i = _int_or_symbol("initial_count", initial, 1)
    if isinstance(N, int) and isinstance(i, int) and i > N:
        raise ParameterError("initial_count", i, f"[1, population_size] = [1, {N}]")
    if r.is_number:
        if r == 1:
            return sp.Rational(i, N) if isinstance(N, int) and isinstance(i, int) else i / N
        return sp.simplify((1 - r ** (-i)) / (1 - r ** (-N)))
    return sp.Piecewise((i / N, sp.Eq(r, 1)), ((1 - r ** (-i)) / (1 - r ** (-N)), True))


def _int_or_symbol(name: str, value: Any, minimum: int) -> Any:
    if isinstance(value, sp.Symbol):
        return value
    if isinstance(value, sp.Integer):
        value = int(value)
    try:
        return check_positive_int(name, value, minimum=minimum)
    except ParameterError:
        raise ParameterError(name, value, f"integers >= {minimum}") from None


def moran_fixation_numeric(fitness_ratio: Any, population_size: Any, initial: Any = 1) -> Any:
    r"""Vectorised Moran fixation probability, stable for large :math:`N` and any :math:`r`.

    With :math:`x = \log r`: :math:`\rho_i = \operatorname{expm1}(-i x)/\operatorname{expm1}(-N x)`
    for :math:`x > 0` and :math:`e^{(N - i)x}\operatorname{expm1}(i x)/\operatorname{expm1}(N x)`
    for :math:`x < 0`.

    Examples
    --------
    >>> round(moran_fixation_numeric(2.0, 3), 12)
    0.571428571429
    >>> moran_fixation_numeric(np.array([0.5, 1.0, 2.0]), 10).round(6).tolist()
    [0.000978, 0.1, 0.500489]
    >>> float(moran_fixation_numeric(1.01, 10**6))
    0.009900990099009...
    """
    r = np.asarray(check_positive("fitness_ratio", fitness_ratio), dtype=float)
    N = np.asarray(population_size, dtype=float)
    i = np.asarray(initial, dtype=float)
    if np.any(N < 1) or np.any(N != np.floor(N)):
        raise ParameterError("population_size", population_size, "integers >= 1")
    if np.any(i < 1) or np.any(i > N) or np.any(i != np.floor(i)):
        raise ParameterError("initial_count", initial, "integers in [1, population_size]")
    x = np.log(r)
    with np.errstate(all="ignore"):
        pos = np.expm1(-i * x) / np.expm1(-N * x)
        neg = np.exp((N - i) * x) * np.expm1(i * x) / np.expm1(N * x)
        out = np.where(x > 0, pos, np.where(x < 0, neg, i / N))
    out = np.clip(out, 0.0, 1.0)
    return float(out) if np.ndim(out) == 0 else out


def moran_fixation_derived() -> Derived:
    r"""The Moran fixation probability (:math:`r \ne 1`) as a :class:`Derived`.

    Examples
    --------
    >>> res = moran_fixation_derived()
    >>> res.argument_names
    ('rM', 'Npop', 'i0')
    >>> round(res.numeric(rM=2.0, Npop=3, i0=1), 12)
    0.571428571429
    """
    r, N, i = S.fitness_ratio, S.population_size, S.initial_count
    return derived("Moran fixation probability", (1 - r ** (-i)) / (1 - r ** (-N)), r, N, i)


def birth_death_fixation(ratios: Sequence[Any], initial: int = 1) -> sp.Expr:
    r"""Exact fixation probability of a birth-death chain on :math:`\{0, \dots, N\}` (Nowak 2006).

    With :math:`\gamma_j = T^-_j / T^+_j` for :math:`j = 1, \dots, N - 1`,
    :math:`\rho_i = \sum_{k=0}^{i-1}\prod_{j=1}^k \gamma_j \big/
    \sum_{k=0}^{N-1}\prod_{j=1}^k\gamma_j`.

    Examples
    --------
    >>> birth_death_fixation([sp.Rational(1, 2)] * 2)      # Moran, r = 2, N = 3
    4/7
    """
    gam = [sympify_param("ratios", g) for g in ratios]
    for g in gam:
        check_nonnegative("ratios", g)
    n_states = len(gam) + 1
    i = check_positive_int("initial_count", initial)
    if i > n_states:
        raise ParameterError("initial_count", i, f"[1, {n_states}]")
    prods = [sp.Integer(1)]
    for g in gam:
        prods.append(prods[-1] * g)
    return sp.simplify(sum(prods[:i]) / sum(prods))


def moran_relative_fitness(params: SelectionParams, mutant: int, resident: int) -> float:
    r"""Relative fitness :math:`r = (g_m + \ell h_r)/(g_r + \ell h_m)` of type ``mutant``.

    The constant rates are the age-0 hazards (the Moran model has constant hazards; for
    the ``entrenchment`` and ``power`` families this is the young-system approximation).

    Raises
    ------
    ParameterError
        If the resident's rates are all 0 (nothing happens) or the index is bad.

    Examples
    --------
    >>> moran_relative_fitness(SelectionParams(search_advantage=0.5), 0, 1)   # (1 + 1/8)/1.5
    0.75
    """
    g, h, ell = params.growth_rates(), params.hazard_rates(), params.takeover_loss
    for name, idx in (("mutant", mutant), ("resident", resident)):
        if not isinstance(idx, int | np.integer) or not 0 <= idx < len(g):
            raise ParameterError(name, idx, f"a type index in [0, {len(g) - 1}]")
    num, den = g[mutant] + ell * h[resident], g[resident] + ell * h[mutant]
    if den <= 0 or num <= 0:
        raise ParameterError(
            "growth", params.growth, "(0, oo) here", "the Moran process needs positive rates"
        )
    return float(num / den)


def coherent_fixation(
    params: SelectionParams, population_size: int, initial: int = 1, resident: int | None = None
) -> float:
    r"""P(the coherent type takes over a population of ``population_size`` systems).

    The coherent type starts with ``initial`` systems among a resident type (default: the
    first type with :math:`o > 0`); :func:`moran_fixation_numeric` of
    :func:`moran_relative_fitness`.

    Examples
    --------
    >>> round(coherent_fixation(SelectionParams(search_advantage=0.0), 10), 6)
    0.160553
    >>> coherent_fixation(SelectionParams(search_advantage=0.125), 10)   # neutral: 1/N
    0.1
    """
    i0 = _coherent_index(params)
    if resident is None:
        resident = next(i for i, o in enumerate(params.optimizer_ness) if o > 0)
    r = moran_relative_fitness(params, i0, resident)
    return float(moran_fixation_numeric(r, population_size, initial))


# ---------------------------------------------------------------------- scenario 2 feedback


def retained_share_from_competition(competition: Any, incumbent: str = "base") -> sp.Expr:
    r"""The share :math:`\kappa_R` a level keeps for its goal after its mesa-optimizer wins.

    From the Lotka-Volterra outcome (:func:`supercoherence.theory.competition.outcome`):
    mesa disappears -> 1; stable coexistence -> :math:`x^*/(x^* + y^*)`; mesa takes over
    -> 0; bistable -> incumbency decides (``incumbent="base"``: 1, ``"mesa"``: 0).

    Raises
    ------
    ParameterError
        On the degenerate boundary (the outcome depends on the initial state) or for a
        bad ``incumbent``.

    Examples
    --------
    >>> retained_share_from_competition({"alpha": "1/2", "beta": "1/2"})
    1/2
    >>> retained_share_from_competition({"alpha": "1/3", "beta": "2/3"})
    2/3
    >>> retained_share_from_competition({"alpha": 2, "beta": "1/2"})
    0
    """
    from supercoherence.theory import competition as C

    if incumbent not in ("base", "mesa"):
        raise ParameterError("incumbent", incumbent, "'base' or 'mesa'")
    result = C.outcome(competition)
    if result is C.CompetitionOutcome.MESA_DISAPPEARS:
        return sp.Integer(1)
    if result is C.CompetitionOutcome.MESA_TAKES_OVER:
        return sp.Integer(0)
    if result is C.CompetitionOutcome.BISTABLE:
        return sp.Integer(1 if incumbent == "base" else 0)
    if result is C.CompetitionOutcome.DEGENERATE:
        raise ParameterError(
            "competition",
            competition,
            "a non-degenerate point",
            "on the degenerate boundary the final shares depend on the initial state",
        )
    interior = [
        e for e in C.equilibria(competition) if e.feasible and e.stability is C.Stability.STABLE
    ]
    xs, ys = interior[0].x, interior[0].y
    return sp.simplify(xs / (xs + ys))


def lineage_coherence(
    scenario: TakeoverScenario,
    retained: Any,
    alignment: Any = None,
    t: Any = sp.oo,
) -> sp.Expr:
    r"""Exact expected resource-weighted alignment of a lineage with its original goal.

    :math:`C(t) = e^{-(1 - \kappa_R)(1 - \omega)\Lambda_0(t)}` (module docstring); ``t``
    defaults to :math:`\infty`, ``alignment`` :math:`\omega` to the scenario's ``drift``.
    With ``alignment=0`` it is the share still carrying the original goal.

    Examples
    --------
    >>> sc = TakeoverScenario(entrenchment_rate=0.25, drift=0.0)   # Lambda_0(oo) = 1/2
    >>> lineage_coherence(sc, 0)                    # scenario 1: the recursion's q_0
    exp(-1/2)
    >>> lineage_coherence(sc, sp.Rational(1, 2))    # coexistence keeps half per win
    exp(-1/4)
    >>> lineage_coherence(TakeoverScenario(hazard="constant"), sp.Rational(1, 2), alignment=0)
    0
    >>> lineage_coherence(TakeoverScenario(hazard="constant"), 1, alignment=0)
    1
    """
    kap = check_probability("retained_share", sympify_param("retained_share", retained))
    omega = scenario.drift if alignment is None else alignment
    w = check_in_interval("alignment", sympify_param("alignment", omega), -1, 1)
    factor = sp.simplify((1 - kap) * (1 - w))
    if factor == 0:
        return sp.Integer(1)
    t_ = sympify_param("t", t)
    check_nonnegative("t", t_)
    if t_ == sp.oo:
        q0 = scenario.never_overthrown().subs(S.n, 0)
        if q0 == 0:
            return sp.Integer(0)
        total = sp.simplify(-sp.log(q0))
    else:
        total = sp.simplify(sp.integrate(scenario.hazard_expr().subs(S.n, 0), (S.t, 0, t_)))
    return sp.simplify(sp.exp(-factor * total))


def lineage_coherence_from_competition(
    scenario: TakeoverScenario,
    competition: Any,
    alignment: Any = None,
    t: Any = sp.oo,
    incumbent: str = "base",
) -> sp.Expr:
    r"""Scenario 2 fed back: the lineage's coherence when every mesa win ends in the
    Lotka-Volterra ``competition`` outcome.

    :func:`lineage_coherence` at :math:`\kappa_R` =
    :func:`retained_share_from_competition`: a level in stable coexistence keeps
    :math:`x^*/(x^* + y^*)` of its resources for its goal at each win, so the long-run
    coherence is :math:`e^{-(1-\kappa_R)(1-\omega)\Lambda_0(\infty)}`, computed rather
    than assumed to be 1.

    Examples
    --------
    >>> sc = TakeoverScenario(entrenchment_rate=0.25, drift=0.0)   # Lambda_0(oo) = 1/2
    >>> lineage_coherence_from_competition(sc, {"alpha": "1/2", "beta": "1/2"})
    exp(-1/4)
    >>> lineage_coherence_from_competition(sc, {"alpha": 2, "beta": "1/2"})    # scenario 1
    exp(-1/2)
    >>> lineage_coherence_from_competition(sc, {"alpha": "1/2", "beta": 2})    # mesa excluded
    1
    """
    kappa = retained_share_from_competition(competition, incumbent)
    return lineage_coherence(scenario, kappa, alignment, t)


# ---------------------------------------------------------------------- study answers


def _g(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f"{x:.3g}"


def _range(values: Sequence[float]) -> str:
    lo, hi = min(values), max(values)
    return _g(lo) if _close(lo, hi) else f"{_g(lo)}-{_g(hi)}"


def _max_hazard(params: SelectionParams, candidate_rate: float) -> float:
    r""":math:`\nu (1 - d) s(\gamma)`: the largest hazard a training regime can give a full
    optimizer (every kept model an unaligned mesa-optimizer)."""
    from supercoherence.theory import contest

    sc = params.scenario
    return float(candidate_rate * (1 - sc.detection)) * float(
        contest.success(sc.capability_ratio, sc.sharpness)
    )


def outcompeted_answer(
    points: Sequence[Mapping[str, Any]],
    estimates: Sequence[Mapping[str, Any]],
    engine_options: Mapping[str, Any] | None = None,
) -> str:
    r"""The answer of a selection study in sentences with numbers (for its report).

    Parameters
    ----------
    points : sequence of dict
        The study's points: :meth:`SelectionParams.from_mapping` keys (``point``, the
        point's number, is ignored).
    estimates : sequence of dict
        Rows with ``point``, ``estimand``, ``estimate``, ``std_error``.
    engine_options : dict, optional
        ``population_size`` (default 20) and ``initial`` (default 1).

    Examples
    --------
    >>> pts = [{"search_advantage": b, "point": i} for i, b in enumerate((0.0, 0.5))]
    >>> rows = [{"point": i, "estimand": "fixation", "estimate": e, "std_error": 0.01}
    ...         for i, e in enumerate((0.11, 0.0015))]
    >>> print(outcompeted_answer(pts, rows))  # doctest: +ELLIPSIS
    The coherent type survives selection iff the search advantage b <= b* = ...
    """
    opts = {"population_size": 20, "initial": 1, **dict(engine_options or {})}
    size, initial = int(opts["population_size"]), int(opts["initial"])
    params = []
    for p in points:
        mapping = {k: v for k, v in p.items() if k != "point"}
        params.append(SelectionParams.from_mapping(mapping))
    if not params:
        return ""
    fixation: dict[int, Mapping[str, Any]] = {}
    for row in estimates:
        if row.get("estimand") == "fixation":
            fixation[int(row["point"])] = row
    # b* is the same for every point that differs only in search_advantage
    keys = [{k: v for k, v in p.items() if k not in ("point", "search_advantage")} for p in points]
    varied = [
        k
        for k in dict.fromkeys(k for d in keys for k in d)
        if len({str(d.get(k)) for d in keys}) > 1
    ]
    groups: dict[str, SelectionParams] = {}
    for d, p in zip(keys, params, strict=True):
        label = ", ".join(f"{k} = {_g(float(d[k]))}" for k in varied if k in d)
        groups.setdefault(label, p)
    crit = ", ".join(
        f"{_g(float(critical_search_advantage(p)))}" + (f" at {label}" if label else "")
        for label, p in groups.items()
    )
    out = [
        f"The coherent type survives selection iff the search advantage b <= b* = "
        f"takeover_loss (1 - retained_share) h_bar: b* = {crit}."
    ]
    from supercoherence.theory.training import TRAINING_PARAMETERS

    if any(k in TRAINING_PARAMETERS for k in varied):
        from supercoherence.theory.training import TrainingRegime

        default_rate = TrainingRegime().candidate_rate
        bound = max(
            p.takeover_loss
            * (1 - p.retained_share)
            * _max_hazard(p, float(d.get("candidate_rate", default_rate)))
            for d, p in zip(keys, params, strict=True)
        )
        out.append(
            f"A harder search raises b* (more, and less aligned, mesa-optimizers take over "
            f"the optimizing systems), but b* never exceeds takeover_loss (1 - retained_share) "
            f"candidate_rate (1 - detection) s(gamma) = {_g(bound)}: a growth advantage that "
            f"keeps growing with the search strength eventually outcompetes the coherent type."
        )
    survives = [coherent_survives(p) for p in params]
    out.append(f"{sum(survives)} of {len(params)} points keep it (long-run replicator share > 0).")
    try:
        rho = [coherent_fixation(p, size, initial) for p in params]
    except ParameterError:
        rho = []
    if rho:
        lo, hi = int(np.argmax(rho)), int(np.argmin(rho))

        def shown(i: int) -> str:
            text = f"{_g(rho[i])} at b = {_g(params[i].search_advantage)}"
            row = fixation.get(i)
            if row is not None:
                text += f" (simulated {_g(row['estimate'])} +- {_g(row['std_error'])})"
            return text

        out.append(
            f"In a population of {size} systems, {initial} coherent system(s) take over with "
            f"probability from {shown(lo)} down to {shown(hi)}, against the neutral "
            f"{_g(initial / size)}."
        )
    kept = [long_run_original_goal_share(p) for p in params]
    lost = [k for k, ok in zip(kept, survives, strict=True) if not ok]
    won = [k for k, ok in zip(kept, survives, strict=True) if ok]
    if all(p.takeover_loss == 1 for p in params):
        goal = (
            "Taken-over systems leave the competition here (takeover_loss = 1), so every "
            "competitor still carries the original goal; with takeover_loss < 1 hijacked "
            "systems keep competing and the original goal's share tends to 0 wherever the "
            "coherent type is outcompeted"
        )
    else:
        goal = "The long-run share of competing resources still carrying the original goal is "
        goal += (
            f"{_range(won)} where the coherent type survives (below 1 only at the neutral b = b*)"
            if won
            else "never kept by the coherent type"
        )
        if lost:
            goal += f" and {_range(lost)} where it is outcompeted"
    out.append(goal + "; with an entrenching hazard (h_bar = 0) any b > 0 outcompetes it.")
    return " ".join(out)


def study_answer(
    engine: str,
    points: Sequence[Mapping[str, Any]],
    estimates: Sequence[Mapping[str, Any]],
    engine_options: Mapping[str, Any] | None = None,
) -> str:
    r"""The answer of a selection or training study in sentences with numbers, or ``""``.

    The ``selection`` engine gets :func:`outcompeted_answer`; a ``chain`` study whose
    points carry a training regime gets
    :func:`supercoherence.theory.training.training_answer`; other studies ``""``.

    Examples
    --------
    >>> study_answer("chain", [{"spawn_rate": 1.0}], [])
    ''
    """
    if engine == "selection":
        return outcompeted_answer(points, estimates, engine_options)
    if engine == "chain":
        from supercoherence.theory.training import training_answer

        return training_answer(points, estimates)
    return ""
