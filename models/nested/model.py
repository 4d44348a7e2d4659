r"""The nested-optimizer agent-based model (Mesa).

State
-----
Optimizers are rows of one struct-of-arrays store, :class:`OptimizerState` (alive,
parent pointer, level, age, resources, utility, ...), the single record of who is alive
and of the nesting; :attr:`NestedOptimizerModel.graph` (a ``networkx.DiGraph``) and the
Mesa agents (:class:`~supercoherence.models.nested.agents.OptimizerAgent`) are views of
it, made when read.  An edge :math:`u \to v` means that :math:`v` was created by
:math:`u`'s search and is controlled by :math:`u`; the root is the top-level optimizer.
Each optimizer has a capability level :math:`n` (capability
:math:`c_n = \gamma^n`), an age :math:`t` (time since it took its place: its hazard
clock), resources :math:`R \ge 0` and a utility, a unit vector :math:`w \in
\mathbb{R}^D`.  Its behaviour is that of the theory layer's level-:math:`n` optimizer of
a :class:`~supercoherence.theory.scenario.TakeoverScenario`: spawn rate
:math:`\lambda`, alignment skill :math:`a`, detection :math:`d_n`, contest
:math:`s(\gamma)` and the age-dependent entrenchment of its hazard,
:math:`h_n(t) = h_n f_n(t)` with :math:`h_n = \lambda \pi_n`,
:math:`\pi_n = (1 - a)(1 - d_n) s(\gamma)` and :math:`f_n \le 1`
(``constant``: 1, ``entrenchment``: :math:`e^{-\delta_n t}`, ``power``:
:math:`(1 + t)^{-\beta}`).  All hazards are evaluated through the scenario's
``cumulative_hazard(n, t)`` :math:`= \Lambda_n(t)` and ``inverse_cumulative_hazard``.

One step (time :math:`k \to k + 1`)
-----------------------------------
Every optimizer spawns mesa-optimizers as a Poisson process of rate :math:`\lambda`.  A
spawn at age :math:`t` is robust with probability :math:`a`; otherwise it is
adversarial (deceptive with probability ``deceptive_share``, else pseudo), escapes
detection with probability :math:`(1 - d_n) f_n(t)` (the parent's detection, improved by
its entrenchment with age) and, undetected, wins the contest with its parent with
probability :math:`s(\gamma)`.  By the colouring theorem the four kinds of spawns in the
window :math:`[t, t + L]` of an optimizer's age are independent Poisson counts:

==========================  =====================================================
successful challengers      :math:`\mathrm{Poisson}(\Lambda_n(t + L) - \Lambda_n(t))`
undetected, lost contest    mean :math:`(\Lambda_n(t + L) - \Lambda_n(t))(1 - s)/s`
detected                    mean :math:`\lambda (1 - a) L - (\Lambda_n(t+L) - \Lambda_n(t))/s`
robust                      mean :math:`\lambda a L`
==========================  =====================================================

This is exact for any time discretisation: with :math:`L = 1` the number of successful
adversarial spawns in a step is Poisson with mean :math:`\Lambda_n(t+1) - \Lambda_n(t)`.
The model draws one :math:`E \sim \mathrm{Exp}(1)` per optimizer and step; a takeover
happens iff :math:`E < \Lambda_n(t + L) - \Lambda_n(t)` (probability :math:`1 -
e^{-\Delta\Lambda}`, i.e. at least one successful challenger), at the exact age
:math:`\Lambda_n^{-1}(\Lambda_n(t) + E)` of the first one.  The winner takes the
parent's place, in the parent's row: its resources, its children and its parent
pointer (nothing is rewired), its level :math:`n + 1` and a drifted utility
:math:`w' = \rho w + \sqrt{1 - \rho^2}\, u`, :math:`u` uniform on the unit vectors
orthogonal to :math:`w`; its clock starts at the takeover and it is itself exposed for
the rest of the step (so several takeovers can happen in one step).  A takeover at the
root is a *top-level* takeover, any other a *nested* one.  Consequently, **with nesting
off and a single root the top-level process is exactly the recursion of the engine**
(:math:`P(\text{no top-level takeover by } T) = e^{-\Lambda_0(T)}`, the tenure of the
:math:`n`-th optimizer has survival :math:`e^{-\Lambda_n(\tau)}`, :math:`P(N \ge n) =
\prod_{k<n}(1 - q_k)` as the horizon grows, :math:`E[w_N \cdot w_0] = E[\rho^N]`),
observed at the integer times; takeover times are exact, not rounded to steps.

With ``nesting=True`` the undetected adversarial spawns that lose their contest stay on
as children of their parent (and, unless ``remove_detected``, so do the detected ones):
they are optimizers in their own right one level up, with the drifted utility, born at
the end of the step, each taking an equal part of the share
:math:`1 - (1 - \text{resource\_share})^k` of the parent's resources when the parent
keeps :math:`k` new children.  Robust spawns pursue their parent's goal and are not
tracked as separate optimizers.  Children contest their parent once, when spawned, so
(in the limit of no interaction, below) the top-level law is the same with nesting on;
nesting changes coherence, size and depth.
Resources are conserved by every operation.

Interaction (``dynamics``, :class:`~supercoherence.theory.nested.NestedDynamics`)
-------------------------------------------------------------------------------
The above is the limit of one interacting model (seeds 000-003; the mathematics and
the mean field are in :mod:`supercoherence.theory.nested`).  Away from it: each node
has a parent pointer, a disposition (aligned, dormant pseudo, dormant deceptive,
active, corrigible), optimizer-ness :math:`o_v` (birth hazard scaled by :math:`o_v`)
and power :math:`P_v = c_v C_v^\phi`, :math:`C_v = R_v + \sum_{u\ \text{loyal}}
\max(0, w_u \cdot w_v)^\eta C_u`, computed bottom-up with one ``np.bincount`` per
depth level, once per step (after the step's births and takeovers; the next step's
birth contests use it).  A spawn's birth contest uses :math:`s(P_u/P_v)` (the birth
hazard is scaled by :math:`o_v s(P_u/P_v)/s(\gamma)` and by the skill schedule's
:math:`(1 - a(c_n))/(1 - a)`, exact because :math:`\Lambda_n` is linear in
:math:`h_n`).  At the end of each step: critical moments turn dormant pseudo nodes,
deceptive ones with :math:`P_u/P_v > \theta` turn active, and active / corrigible
children born before the step's end challenge with probability :math:`1 - e^{-\nu}`
(escape :math:`(1 - d_n) f_n(\tau_v) \min(1, P_u/P_v)^k`; detected: removed, or
corrected if corrigible; undetected: win with :math:`s(P_u/P_v)`, else stay).  A
winner takes its parent's place and is active toward its new parent with probability
:math:`(1 - w \cdot w_\text{parent})/2`.  In the limit no extra random number is drawn,
so the trajectory is bitwise today's.  Top-level takeovers record the birth depth of
the challenger (:attr:`NestedOptimizerModel.top_level_depths`, lineage edge ``depth``).

Measured each step (:mod:`~supercoherence.models.nested.reporters`): top-level and
nested takeovers, root tenure, coherence :math:`\sum_v R_v\, w_v \cdot w_\text{root} /
\sum_v R_v`, the root's alignment with the original utility :math:`w_\text{root} \cdot
w_0`, size, depth and the root's id (the lineage of top-level optimizers is
:attr:`NestedOptimizerModel.lineage`).

The run stops at the horizon, or earlier when no adversarial mesa-optimizer can ever win
again: every optimizer's remaining hazard :math:`\Lambda_n(\infty) - \Lambda_n(t)` is 0
and no new optimizer can appear.

References
----------
.. [1] J. F. C. Kingman, *Poisson Processes*, Oxford University Press (1993), sec. 5.1
   (colouring and thinning).
.. [2] E. Hubinger et al., "Risks from Learned Optimization in Advanced Machine Learning
   Systems", arXiv:1906.01820 (2019).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from os import PathLike
from typing import Any

import mesa
import networkx as nx
import numpy as np
from scipy.special import expit

from supercoherence.checks import check_positive_int, check_probability
from supercoherence.errors import ParameterError
from supercoherence.models.nested import reporters
from supercoherence.models.nested.agents import KIND_LABELS, OptimizerAgent
from supercoherence.models.nested.graphs import (
    GraphSpec,
    Nesting,
    nesting_arrays,
    read_graphml,
    single_root,
)
from supercoherence.randomness import Seed, as_generator
from supercoherence.theory.contest import success_numeric
from supercoherence.theory.nested import NestedDynamics
from supercoherence.theory.scenario import TakeoverScenario
from supercoherence.theory.utility import drift_rows

__all__ = [
    "DEFAULT_OPTIONS",
    "DISPOSITION_LABELS",
    "MAX_EVENTS_PER_STEP",
    "MAX_OPTIMIZERS",
    "LevelHazards",
    "NestedOptimizerModel",
    "OptimizerState",
]

_BASE, _ROBUST, _PSEUDO, _DECEPTIVE = range(4)
_ALIGNED, _DORMANT_PSEUDO, _DORMANT_DECEPTIVE, _ACTIVE, _CORRIGIBLE = range(5)
#: Labels of the disposition codes (graph attribute ``disposition``).
DISPOSITION_LABELS = ("aligned", "pseudo", "deceptive", "active", "corrigible")

#: Takeovers one step may process, per 1000 live optimizers (at least this many), before
#: the run is stopped with an error.
MAX_EVENTS_PER_STEP = 2_000
#: Optimizers alive at once before the run is stopped with an error.
MAX_OPTIMIZERS = 10**5


@dataclass
class OptimizerState:
    """Struct-of-arrays store of every optimizer's numeric state (row = ``slot``).

    Rows of removed optimizers are marked dead and reclaimed by :meth:`compact`.

    Examples
    --------
    >>> store = OptimizerState(dimension=2)
    >>> store.allocate(3).tolist(), store.used, store.capacity >= 3
    ([0, 1, 2], 3, True)
    """

    dimension: int
    capacity: int = 64
    used: int = 0
    uid: np.ndarray = field(init=False)
    level: np.ndarray = field(init=False)
    age: np.ndarray = field(init=False)
    spent: np.ndarray = field(init=False)
    born: np.ndarray = field(init=False)
    resources: np.ndarray = field(init=False)
    depth: np.ndarray = field(init=False)
    kind: np.ndarray = field(init=False)
    alive: np.ndarray = field(init=False)
    parent: np.ndarray = field(init=False)
    disposition: np.ndarray = field(init=False)
    origin: np.ndarray = field(init=False)
    optimizerness: np.ndarray = field(init=False)
    commanded: np.ndarray = field(init=False)
    power: np.ndarray = field(init=False)
    birth_factor: np.ndarray = field(init=False)
    birth_success: np.ndarray = field(init=False)
    utility: np.ndarray = field(init=False)

    _COLUMNS = (
        "uid",
        "level",
        "age",
        "spent",
        "born",
        "resources",
        "depth",
        "kind",
        "alive",
        "parent",  # slot of the parent, -1 for the root
        "disposition",  # toward the parent: DISPOSITION_LABELS
        "origin",  # depth at which the optimizer was born (kept when it climbs)
        "optimizerness",
        "commanded",  # C_v at the last power update
        "power",  # P_v = c_v C_v^phi at the last power update
        "birth_factor",  # o_v s(P_child / P_v) / s(gamma): scale of the birth hazard
        "birth_success",  # s(P_child / P_v) of a fresh spawn
    )
    _DTYPES = (
        np.int64,
        np.int64,
        np.float64,
        np.float64,
        np.float64,
        np.float64,
        np.int64,
        np.int8,
        np.bool_,
        np.int64,
        np.int8,
        np.int64,
        np.float64,
        np.float64,
        np.float64,
        np.float64,
        np.float64,
    )

    def __post_init__(self) -> None:
        for name, dtype in zip(self._COLUMNS, self._DTYPES, strict=True):
            setattr(self, name, np.zeros(self.capacity, dtype=dtype))
        self.utility = np.zeros((self.capacity, self.dimension))

    def allocate(self, count: int) -> np.ndarray:
        """Reserve ``count`` fresh rows (marked alive) and return their slots."""
        needed = self.used + count
        if needed > self.capacity:
            self._grow(max(needed, 2 * self.capacity))
        slots = np.arange(self.used, needed)
        self.alive[slots] = True
        self.used = needed
        return slots

    def _grow(self, capacity: int) -> None:
        for name in (*self._COLUMNS, "utility"):
            old = getattr(self, name)
            new = np.zeros((capacity, *old.shape[1:]), dtype=old.dtype)
            new[: self.used] = old[: self.used]
            setattr(self, name, new)
        self.capacity = capacity

    def live_slots(self) -> np.ndarray:
        """Slots of the optimizers alive now."""
        return np.flatnonzero(self.alive[: self.used])

    def compact(self) -> np.ndarray:
        """Move the live rows to the front; return the old slot of each new row."""
        keep = self.live_slots()
        new_of = np.full(self.used, -1, dtype=np.int64)
        new_of[keep] = np.arange(keep.size)
        for name in (*self._COLUMNS, "utility"):
            column = getattr(self, name)
            column[: keep.size] = column[keep]
        par = self.parent[: keep.size]
        par[par >= 0] = new_of[par[par >= 0]]
        self.alive[keep.size : self.used] = False
        self.used = keep.size
        return keep


class LevelHazards:
    r"""The scenario's :math:`\Lambda_n(t)`, its inverse and :math:`\Lambda_n(\infty)` by level.

    The per-level scale and shape (``hazard_scale``, ``shape_at``) are read once per
    level and evaluated with the scenario's own ``cumulative_given`` / ``inverse_given``,
    so every value equals the scenario's (tested) without paying the scenario's
    argument checks on every step.

    Parameters
    ----------
    scenario : TakeoverScenario

    Examples
    --------
    >>> sc = TakeoverScenario(hazard="power", power_exponent=3.0)
    >>> cache = LevelHazards(sc)
    >>> n, t = np.array([0, 4]), np.array([1.5, 2.0])
    >>> bool(np.array_equal(cache.cumulative(n, t), sc.cumulative_hazard(n, t)))
    True
    """

    def __init__(self, scenario: TakeoverScenario) -> None:
        self.scenario = scenario
        self._scale = np.zeros(0)
        self._shape = np.zeros(0)
        self._total = np.zeros(0)
        self._escape = np.zeros(0)

    def _ensure(self, level: np.ndarray) -> None:
        top = int(level.max(initial=0)) + 1
        if top <= self._scale.size:
            return
        levels = np.arange(max(top, 2 * self._scale.size, 16))
        sc = self.scenario
        self._scale = np.asarray(sc.hazard_scale(levels), dtype=float)
        self._shape = np.asarray(sc.shape_at(levels), dtype=float)
        self._total = np.asarray(sc.total_hazard(levels), dtype=float)
        self._escape = 1.0 - np.asarray(sc.detection_at(levels), dtype=float)

    def cumulative(self, level: np.ndarray, t: np.ndarray) -> np.ndarray:
        r""":math:`\Lambda_n(t)` elementwise."""
        self._ensure(level)
        return np.asarray(self.scenario.cumulative_given(self._scale[level], self._shape[level], t))

    def inverse(self, level: np.ndarray, y: np.ndarray) -> np.ndarray:
        r""":math:`\Lambda_n^{-1}(y)` elementwise (``inf`` beyond :math:`\Lambda_n(\infty)`)."""
        self._ensure(level)
        return np.asarray(self.scenario.inverse_given(self._scale[level], self._shape[level], y))

    def escape(self, level: np.ndarray) -> np.ndarray:
        r""":math:`1 - d_n` elementwise (escape from a level-``n`` parent's detection)."""
        self._ensure(level)
        return self._escape[level]

    def age_factor(self, level: np.ndarray, t: np.ndarray) -> np.ndarray:
        r"""The entrenchment factor :math:`f_n(t) = h_n(t)/h_n \le 1` of the hazard family.

        ``constant``: 1, ``entrenchment``: :math:`e^{-\delta_n t}`, ``power``:
        :math:`(1 + t)^{-\beta}`.
        """
        self._ensure(level)
        family = self.scenario.hazard
        if family == "constant":
            return np.ones(np.shape(t))
        if family == "entrenchment":
            return np.exp(-self._shape[level] * t)
        return (1.0 + t) ** -self._shape[level]

    def total(self, level: np.ndarray) -> np.ndarray:
        r""":math:`\Lambda_n(\infty)` elementwise (``inf`` when not integrable)."""
        self._ensure(level)
        return self._total[level]


def resolve_parameters(
    scenario: TakeoverScenario | None,
    dynamics: NestedDynamics | None,
    parameters: dict[str, Any],
) -> tuple[TakeoverScenario, NestedDynamics]:
    """The scenario and dynamics of a model from objects and/or flat keywords.

    Flat keywords (``spawn_rate=2``, ``challenge_rate=0.5``, ...) override the fields
    of ``scenario`` / ``dynamics`` (their defaults when ``None``), so ``mesa.batch_run``
    and sliders can drive the model with plain numbers.  Everything is validated
    before a model exists.

    Raises
    ------
    ParameterError
        For a wrong type, an unknown keyword (with a did-you-mean) or a value out of range.

    Examples
    --------
    >>> sc, dyn = resolve_parameters(None, None, {"spawn_rate": 2, "challenge_rate": 1})
    >>> sc.spawn_rate, dyn.challenge_rate
    (2.0, 1.0)
    >>> resolve_parameters(None, None, {"chalenge_rate": 1})
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: unknown parameter 'chalenge_rate'; did you mean ...
    """
    if scenario is not None and not isinstance(scenario, TakeoverScenario):
        raise ParameterError("scenario", scenario, "a TakeoverScenario")
    if dynamics is not None and not isinstance(dynamics, NestedDynamics):
        raise ParameterError("dynamics", dynamics, "a NestedDynamics")
    scenario_names = TakeoverScenario.parameter_names()
    dynamics_names = NestedDynamics.parameter_names()
    for key, value in parameters.items():
        if key not in scenario_names and key not in dynamics_names:
            raise ParameterError.unknown(key, value, (*scenario_names, *dynamics_names))
    own = {k: v for k, v in parameters.items() if k in scenario_names}
    mine = {k: v for k, v in parameters.items() if k in dynamics_names}
    # a given object is frozen and was validated when made: rebuilt only to override fields
    if scenario is None or own:
        scenario = replace(scenario, **own) if scenario is not None else TakeoverScenario(**own)
    if dynamics is None or mine:
        dynamics = replace(dynamics, **mine) if dynamics is not None else NestedDynamics(**mine)
    return scenario, dynamics


def _tullock(ratio: np.ndarray, r: float) -> np.ndarray:
    """``ratio^r / (1 + ratio^r)`` with the limits 0 -> 0 and inf -> 1.

    The formula of :func:`~supercoherence.theory.contest.success_numeric`
    (``expit(r log ratio)``, a tie exactly 1/2) without its argument checks, which
    would run on every step.
    """
    g = np.asarray(ratio, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = r * np.log(g)
    return expit(np.where(g == 1.0, 0.0, x))


def _unit_orthogonal(rng: np.random.Generator, w: np.ndarray) -> np.ndarray:
    """Rows uniform on the unit vectors orthogonal to the rows of ``w``."""
    g = rng.standard_normal(w.shape)
    g -= np.einsum("ij,ij->i", g, w)[:, None] * w
    return g / np.sqrt(np.einsum("ij,ij->i", g, g))[:, None]


def _drift(rng: np.random.Generator, w: np.ndarray, rho: float) -> np.ndarray:
    """Row-wise value drift of unit rows: :func:`supercoherence.theory.utility.drift_rows`.

    The one implementation, the one :func:`~supercoherence.theory.utility.drift_step`
    uses after validating (rows here are unit vectors and ``rho`` was validated by the
    scenario).
    """
    return drift_rows(w, rho, rng)


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise ``a_i . b_i`` (or ``a_i . b`` for a vector ``b``) without a BLAS call."""
    return np.einsum("ij,ij->i", a, b) if b.ndim == 2 else np.einsum("ij,j->i", a, b)


#: Defaults of the model's options (one home: :func:`~.simulate.simulate_abm` reads them).
DEFAULT_OPTIONS: dict[str, Any] = {
    "nesting": False,
    "remove_detected": True,
    "resource_share": 0.1,
    "deceptive_share": 0.5,
}


class NestedOptimizerModel(mesa.Model):
    """Optimizers spawning mesa-optimizers in a nesting graph that takeovers rewire.

    Parameters
    ----------
    scenario : TakeoverScenario
        The parameter point (spawn rate, alignment skill, detection, capability ratio,
        sharpness, hazard family, drift, utility dimension).
    seed : int, Generator, SeedSequence or None
        Drives everything: Mesa's ``rng`` and ``random``, the initial utilities, every
        step's draws and a callable ``graph``.
    horizon : int
        Number of steps to run (>= 1); time ``k`` is the end of step ``k``.
    graph : None, networkx.DiGraph, str, path-like or callable
        Initial nesting: ``None`` for a single root, a graph (validated once, by the
        rules of :func:`~supercoherence.models.nested.graphs.validate_nesting`), a
        GraphML path, or a callable ``rng -> graph`` called with the model's generator.
    nesting : bool
        Keep undetected losing mesa-optimizers as children (and let them spawn).
    remove_detected : bool
        With nesting, discard detected mesa-optimizers (else they stay as children,
        up to :data:`MAX_OPTIMIZERS` alive at once).
    resource_share : float
        Part of its resources an optimizer hands to each new child, in [0, 1].
    deceptive_share : float
        Probability that an adversarial mesa-optimizer is deceptive rather than pseudo.
    collect_agents : bool
        Also record per-agent data every step (memory grows with size x steps).
    collect_model : bool
        Record the model reporters every step (a few numbers per step); switch off for
        replicate runs that only need the final state.
    dynamics : NestedDynamics or None
        The interaction (default: none, the independent-contest limit).
    **parameters
        Flat fields of the scenario or the dynamics (``spawn_rate=2``,
        ``challenge_rate=0.5``), so ``mesa.batch_run`` and sliders drive the model.

    Attributes
    ----------
    state : OptimizerState
        The one store of the optimizers (alive, parent pointers, numbers); the graph and
        the Mesa agents are views of it, made when read.
    top_level_takeovers, nested_takeovers : int
        Counts so far.
    last_takeover_time : float
        Time of the last top-level takeover (0 if none).
    first_takeover_time : float
        Time of the first top-level takeover (``inf`` if none so far).
    original_utility : numpy.ndarray
        ``w_0``, the utility of the optimizer that was top-level at time 0.
    datacollector : mesa.DataCollector
        Model reporters of :mod:`~supercoherence.models.nested.reporters` every step.

    Raises
    ------
    ParameterError
        If ``scenario`` is not a TakeoverScenario or an option is out of range.
    GraphError
        If the initial graph is not a valid nesting.

    Examples
    --------
    >>> from supercoherence.theory.scenario import TakeoverScenario
    >>> scenario = TakeoverScenario(spawn_rate=1.0, hazard="constant")
    >>> model = NestedOptimizerModel(scenario, seed=7, horizon=50)
    >>> model.run_model()
    >>> model.steps, model.top_level_takeovers == model.lineage.number_of_edges()
    (50, True)
    >>> nx.is_arborescence(model.graph)
    True
    """

    def __init__(
        self,
        scenario: TakeoverScenario | None = None,
        *,
        seed: Seed = None,
        horizon: int,
        graph: GraphSpec = None,
        nesting: bool = DEFAULT_OPTIONS["nesting"],
        remove_detected: bool = DEFAULT_OPTIONS["remove_detected"],
        resource_share: float = DEFAULT_OPTIONS["resource_share"],
        deceptive_share: float = DEFAULT_OPTIONS["deceptive_share"],
        collect_agents: bool = False,
        collect_model: bool = True,
        dynamics: NestedDynamics | None = None,
        **parameters: Any,
    ) -> None:
        scenario, dynamics = resolve_parameters(scenario, dynamics, parameters)
        self.horizon = check_positive_int("horizon", horizon)
        self.resource_share = float(check_probability("resource_share", resource_share))
        self.deceptive_share = float(check_probability("deceptive_share", deceptive_share))
        super().__init__(rng=as_generator(seed))
        self.takeover_scenario = scenario
        self.dynamics = dynamics
        self.nesting = bool(nesting)
        self.remove_detected = bool(remove_detected)
        self._read_scenario(scenario)
        self._read_dynamics(dynamics)
        self.state = OptimizerState(dimension=self._dimension)
        self.hazards = LevelHazards(scenario)
        self.top_level_takeovers = 0
        self.nested_takeovers = 0
        self.top_level_depths: list[int] = []
        self.last_takeover_time = 0.0
        self.first_takeover_time = np.inf
        self._next_uid = 1  # Mesa's first unique_id
        self._slot_of = np.full(64, -1, dtype=np.int64)  # unique_id -> row (an index)
        self._views: dict[int, OptimizerAgent] = {}  # Mesa agents made when read
        self.lineage = nx.DiGraph()
        self._place_initial(self._resolve_graph(graph))
        self._power_stale = True
        self._structure = 0  # bumped whenever the nesting (rows or parents) changes
        self._layout_cache: tuple | None = None
        if self._interacting:
            self._update_power()
        self.datacollector = mesa.DataCollector(
            model_reporters=dict(reporters.MODEL_REPORTERS) if collect_model else None,
            agent_reporters=dict(reporters.AGENT_REPORTERS) if collect_agents else None,
        )
        self._collecting = collect_model or collect_agents
        if self._collecting:
            self.datacollector.collect(self)

    # ------------------------------------------------------------------ set-up

    def _read_scenario(self, scenario: TakeoverScenario) -> None:
        self._spawn_rate = float(scenario.spawn_rate)
        self._skill = float(scenario.alignment_skill)
        self._gamma = float(scenario.capability_ratio)
        self._rho = float(scenario.drift)
        self._dimension = int(scenario.utility_dimension)
        self._success = float(success_numeric(self._gamma, float(scenario.sharpness)))
        # Undetected losers per successful challenger, (1 - s)/s, and per unit of hazard
        # the undetected spawns 1/s; s = 0 means no undetected spawn can ever matter.
        s = self._success
        self._losers_per_win = (1.0 - s) / s if s > 0 else 0.0
        self._undetected_per_hazard = 1.0 / s if s > 0 else 0.0

    def _read_dynamics(self, dynamics: NestedDynamics) -> None:
        self._interacting = not dynamics.is_limit()
        self._phi = dynamics.resource_elasticity
        self._eta = dynamics.loyalty_exponent
        self._sharpness = float(self.takeover_scenario.sharpness)
        self._challenge_p = -math.expm1(-dynamics.challenge_rate)
        self._shift_times = np.asarray(dynamics.shift_times, dtype=float)
        self._scheduled = dynamics.skill_scaling > 0

    def _skill_factor(self, level: np.ndarray) -> np.ndarray | float:
        """``(1 - a(c_n)) / (1 - a)`` by level (1.0 without a skill schedule)."""
        if not self._scheduled:
            return 1.0
        return self.dynamics.skill_factor(self.takeover_scenario, level)

    def _resolve_graph(self, spec: GraphSpec) -> Nesting:
        if spec is None:
            return nesting_arrays(single_root())
        if isinstance(spec, nx.Graph):
            return nesting_arrays(spec)
        if isinstance(spec, str | PathLike):
            return nesting_arrays(read_graphml(spec), source=str(spec))
        if callable(spec):
            return nesting_arrays(spec(self.rng), source="graph callable")
        raise ParameterError(
            "graph", spec, "None, a networkx DiGraph, a GraphML path or rng -> graph"
        )

    def _place_initial(self, nest: Nesting) -> None:
        """Rows for the validated initial nesting (vectorised: linear in its size)."""
        rng, st = self.rng, self.state
        w0 = rng.standard_normal((1, self._dimension))
        w0 /= np.sqrt(np.einsum("ij,ij->", w0, w0))
        self.original_utility = w0[0].copy()
        m = len(nest.labels)
        slots = st.allocate(m)  # rows 0 .. m-1 of a fresh store: slot = breadth-first index
        cosine = nest.alignment_with_original
        across = _unit_orthogonal(rng, np.repeat(w0, m, axis=0))
        st.utility[slots] = cosine[:, None] * w0 + np.sqrt(1 - cosine**2)[:, None] * across
        st.level[slots] = nest.level
        st.age[slots] = nest.age
        st.resources[slots] = nest.resources
        st.born[slots] = -st.age[slots]
        st.spent[slots] = self.hazards.cumulative(st.level[slots], st.age[slots])
        st.kind[slots] = _BASE
        st.depth[slots] = nest.depth
        st.origin[slots] = nest.depth
        st.parent[slots] = np.where(nest.parent >= 0, slots[np.maximum(nest.parent, 0)], -1)
        st.disposition[slots] = _ALIGNED
        st.optimizerness[slots] = self.dynamics.optimizerness
        st.birth_factor[slots] = 1.0
        st.birth_success[slots] = self._success
        self._new_uids(slots)
        self.root_uid = int(st.uid[slots[0]])
        self.lineage.add_node(self.root_uid)

    def _new_uids(self, slots: np.ndarray) -> np.ndarray:
        """Fresh ``unique_id`` values for the optimizers now in ``slots`` (in order)."""
        uids = np.arange(self._next_uid, self._next_uid + slots.size, dtype=np.int64)
        self._next_uid += slots.size
        if self._next_uid > self._slot_of.size:
            grown = np.full(max(self._next_uid, 2 * self._slot_of.size), -1, dtype=np.int64)
            grown[: self._slot_of.size] = self._slot_of
            self._slot_of = grown
        self.state.uid[slots] = uids
        self._slot_of[uids] = slots
        return uids

    def _retire(self, uids: np.ndarray) -> None:
        """Forget the Mesa views of optimizers that are gone (their rows are reused)."""
        if self._views:
            for uid in uids.tolist():
                view = self._views.pop(uid, None)
                if view is not None:
                    view.remove()

    # ------------------------------------------------------------------ views

    @property
    def agents(self) -> Any:
        """Mesa's registry of agents: one :class:`OptimizerAgent` view per live optimizer.

        The views are made (and registered with Mesa) when this is read and dropped
        when their optimizer goes; :attr:`state` is the one record of who is alive.
        """
        st = self.state
        live = st.uid[st.live_slots()].tolist()
        missing = [uid for uid in live if uid not in self._views]
        for uid in missing:
            self._views[uid] = OptimizerAgent(self, uid)
        return super().agents

    @property
    def size(self) -> int:
        """Number of live optimizers."""
        st = self.state
        return int(np.count_nonzero(st.alive[: st.used]))

    @property
    def root_agent(self) -> OptimizerAgent:
        """The current top-level optimizer."""
        return self.agent(self.root_uid)

    @property
    def root_slot(self) -> int:
        """Row of the root in :attr:`state`."""
        return int(self._slot_of[self.root_uid])

    def slot_of(self, uid: int) -> int:
        """Row of the live optimizer ``uid`` (``KeyError`` if there is none)."""
        st = self.state
        slot = int(self._slot_of[uid]) if 0 <= uid < self._slot_of.size else -1
        if slot < 0 or slot >= st.used or not st.alive[slot] or st.uid[slot] != uid:
            raise KeyError(uid)
        return slot

    def agent(self, uid: int) -> OptimizerAgent:
        """The live optimizer whose ``unique_id`` (graph node) is ``uid``."""
        self.slot_of(uid)
        view = self._views.get(uid)
        if view is None:
            view = self._views[uid] = OptimizerAgent(self, uid)
        return view

    @property
    def graph(self) -> nx.DiGraph:
        """The nesting now, built from :attr:`state` when read (a fresh snapshot).

        Edge ``u -> v``: ``v`` was created by and is controlled by ``u``.  Nodes are the
        agents' ``unique_id``; attributes ``capability``, ``alignment_class``,
        ``resources``, ``age``, ``born``, ``level``, ``depth``,
        ``alignment_with_original``, ``alignment_with_root``, ``utility`` (a tuple),
        ``disposition``, ``origin_depth`` and ``optimizerness``.  Changing the snapshot
        does not change the model.
        """
        st = self.state
        slots = st.live_slots()
        w = st.utility[slots]
        level = st.level[slots]
        with np.errstate(over="ignore"):
            capability = self._gamma ** level.astype(float)
        kinds = np.array(KIND_LABELS, dtype=object)[st.kind[slots]]
        dispositions = np.array(DISPOSITION_LABELS, dtype=object)[st.disposition[slots]]
        columns = zip(
            st.uid[slots].tolist(),
            capability.tolist(),
            kinds.tolist(),
            st.resources[slots].tolist(),
            st.age[slots].tolist(),
            st.born[slots].tolist(),
            level.tolist(),
            st.depth[slots].tolist(),
            _cosines(w, self.original_utility).tolist(),
            _cosines(w, st.utility[self.root_slot]).tolist(),
            map(tuple, w.tolist()),
            dispositions.tolist(),
            st.origin[slots].tolist(),
            st.optimizerness[slots].tolist(),
            strict=True,
        )
        names = (
            "capability",
            "alignment_class",
            "resources",
            "age",
            "born",
            "level",
            "depth",
            "alignment_with_original",
            "alignment_with_root",
            "utility",
            "disposition",
            "origin_depth",
            "optimizerness",
        )
        out = nx.DiGraph()
        out.add_nodes_from((row[0], dict(zip(names, row[1:], strict=True))) for row in columns)
        par = st.parent[slots]
        has = par >= 0
        out.add_edges_from(zip(st.uid[par[has]].tolist(), st.uid[slots[has]].tolist(), strict=True))
        return out

    # ------------------------------------------------------------------ dynamics

    def _event_limit(self, live: int) -> int:
        """Takeovers allowed in one step: MAX_EVENTS_PER_STEP per 1000 live optimizers."""
        return MAX_EVENTS_PER_STEP * max(1, -(-live // 1000))

    def step(self) -> None:
        """Advance every optimizer from time ``k - 1`` to ``k`` (``k = self.steps``).

        Births, birth contests and takeovers over ``(k - 1, k]`` use the power computed
        at the previous step's interaction (or at construction); then, at ``k``, power
        is updated once and the shifts, treachery and challenges run (:meth:`_interact`).
        """
        slots = self.state.live_slots()
        limit = self._event_limit(slots.size)
        start = np.full(slots.size, float(self.steps - 1))
        length = np.ones(slots.size)
        events = 0
        while slots.size:
            slots, start, length = self._expose(slots, start, length)
            events += slots.size
            if events > limit:
                self._stop(
                    f"more than {MAX_EVENTS_PER_STEP} takeovers per started 1000 optimizers "
                    f"({events} among {limit // MAX_EVENTS_PER_STEP * 1000} or fewer) in step "
                    f"{self.steps}"
                )
            if self.size > MAX_OPTIMIZERS:
                self._stop(f"more than {MAX_OPTIMIZERS} optimizers alive in step {self.steps}")
        if self._interacting:
            self._interact()
        self._maybe_compact()
        if self._collecting:
            self.datacollector.collect(self)
        if self.steps >= self.horizon or not self._contestable():
            self.running = False

    def _stop(self, what: str) -> None:
        """Stop the run with an error naming the parameter that made it explode."""
        if self.nesting and not self.remove_detected and "alive" in what:
            raise ParameterError(
                "remove_detected",
                False,
                "True, or a spawn rate whose kept children stay below MAX_OPTIMIZERS",
                message=f"the nested model stopped: {what} (remove_detected = False keeps "
                f"every detected mesa-optimizer; spawn_rate = {self._spawn_rate:g}, "
                f"cap MAX_OPTIMIZERS = {MAX_OPTIMIZERS}); set remove_detected = True, "
                "lower spawn_rate or shorten the horizon",
            )
        raise ParameterError(
            "spawn_rate",
            self._spawn_rate,
            "a rate the model can run step by step",
            message=f"the nested model stopped: {what} (spawn_rate = "
            f"{self._spawn_rate:g}); lower spawn_rate or raise entrenchment, keep "
            "remove_detected on, or use the chain engine, which draws takeovers "
            "without stepping",
        )

    def _expose(
        self, slots: np.ndarray, start: np.ndarray, length: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Run optimizers ``slots`` over the windows ``[start, start + length]``.

        Returns the winners of the takeovers in these windows (in the losers' rows) with
        the rest of their window, to be exposed in turn.
        """
        st, hz = self.state, self.hazards
        level, age, before = st.level[slots], st.age[slots], st.spent[slots]
        after = hz.cumulative(level, age + length)
        gain = after - before
        draw = self.rng.exponential(size=slots.size)
        active = length.copy()
        if self._interacting:
            # the birth hazard scaled by o_v s(P_child/P_v)/s(gamma) and the skill schedule
            # (1 - a(c_n))/(1 - a): exact, Lambda_n is linear in h_n
            factor = st.birth_factor[slots] * self._skill_factor(level)
            won = draw < factor * gain
            unscaled = np.divide(draw, factor, out=np.zeros_like(draw), where=won)
            if won.any():
                tenure = hz.inverse(level[won], before[won] + unscaled[won]) - age[won]
                active[won] = np.clip(tenure, 0.0, length[won])
            exposed = np.where(won, unscaled, gain)
        else:
            won = draw < gain
            if won.any():
                tenure = hz.inverse(level[won], before[won] + draw[won]) - age[won]
                active[won] = np.clip(tenure, 0.0, length[won])
            exposed = np.where(won, draw, gain)
        st.age[slots] = age + active
        st.spent[slots] = after  # only the survivors' values stay
        if self.nesting:
            self._spawn_children(slots, exposed, active)
        if not won.any():
            return slots[:0], start[:0], length[:0]
        losers, at = slots[won], start[won] + active[won]
        self._take_over(losers, at)
        return losers, at, length[won] - active[won]

    def _spawn_children(self, slots: np.ndarray, hazard: np.ndarray, active: np.ndarray) -> None:
        """Keep the losing (and, unless removed, the detected) mesa-optimizers as children.

        ``hazard`` is the cumulative hazard each parent was exposed to while in place and
        ``active`` the time it was in place.
        """
        rng, st = self.rng, self.state
        if self._interacting:
            # ``hazard`` is unscaled: undetected spawns o_v f_n hazard / s(gamma), of which
            # the fraction 1 - s(P_child/P_v) lose their birth contest and stay
            o = st.optimizerness[slots] * self._skill_factor(st.level[slots])
            won = st.birth_success[slots]
            per_hazard = np.where(
                won == self._success,
                self._losers_per_win,
                (1.0 - won) * self._undetected_per_hazard,
            )
            counts = rng.poisson(o * hazard * per_hazard)
            undetected = o * hazard * self._undetected_per_hazard
            spawned = self._spawn_rate * (1 - self._skill) * o * active
        else:
            counts = rng.poisson(hazard * self._losers_per_win)
            undetected = hazard * self._undetected_per_hazard
            spawned = self._spawn_rate * (1 - self._skill) * active
        if not self.remove_detected:
            counts += rng.poisson(np.maximum(spawned - undetected, 0))
        if not counts.any():
            return
        has = counts > 0
        parents, k = slots[has], counts[has]
        handed = st.resources[parents] * -np.expm1(k * np.log1p(-self.resource_share))
        st.resources[parents] -= handed
        parent_of = np.repeat(parents, k)
        children = st.allocate(parent_of.size)
        st.resources[children] = np.repeat(handed / k, k)
        st.level[children] = st.level[parent_of] + 1
        st.depth[children] = st.depth[parent_of] + 1
        st.age[children] = 0.0
        st.spent[children] = 0.0
        st.born[children] = float(self.steps)
        st.kind[children] = self._adversarial_kinds(children.size)
        st.utility[children] = _drift(rng, st.utility[parent_of], self._rho)
        st.parent[children] = parent_of
        st.origin[children] = st.depth[children]
        st.optimizerness[children] = st.optimizerness[parent_of]
        st.birth_factor[children] = st.birth_factor[parent_of]  # until the next update
        st.birth_success[children] = st.birth_success[parent_of]
        st.disposition[children] = self._spawn_dispositions(st.kind[children])
        self._new_uids(children)
        self._power_stale = True
        self._structure += 1

    def _adversarial_kinds(self, count: int) -> np.ndarray:
        deceptive = self.rng.random(count) < self.deceptive_share
        return np.where(deceptive, _DECEPTIVE, _PSEUDO).astype(np.int8)

    def _dormant(self, kind: np.ndarray) -> np.ndarray:
        """Dormant disposition of each alignment class (base and robust are aligned)."""
        table = np.array([_ALIGNED, _ALIGNED, _DORMANT_PSEUDO, _DORMANT_DECEPTIVE], np.int8)
        return table[kind]

    def _spawn_dispositions(self, kind: np.ndarray) -> np.ndarray:
        """Active / corrigible with the dynamics' shares, else dormant by class."""
        out = self._dormant(kind)
        dyn = self.dynamics
        if dyn.active_share > 0 or dyn.corrigible_share > 0:
            u = self.rng.random(kind.size)
            out = np.where(u < dyn.active_share, _ACTIVE, out)
            corr = (u >= dyn.active_share) & (u < dyn.active_share + dyn.corrigible_share)
            out = np.where(corr, _CORRIGIBLE, out).astype(np.int8)
        return out

    def _climbing_dispositions(self, winners: np.ndarray, kind: np.ndarray) -> np.ndarray:
        """A winner below the root is active toward its new parent w.p. (1 - w.w_p)/2."""
        st = self.state
        out = self._dormant(kind)
        par = st.parent[winners]
        out[par < 0] = _ALIGNED
        if self.dynamics.challenge_rate > 0 and np.any(par >= 0):
            below = np.flatnonzero(par >= 0)
            cos = _cosines(st.utility[winners[below]], st.utility[par[below]])
            turn = self.rng.random(below.size) < (1.0 - cos) / 2.0
            out[below[turn]] = _ACTIVE
        return out

    def _take_over(self, losers: np.ndarray, at: np.ndarray) -> None:
        """Each optimizer in ``losers`` is replaced, in its own row, by its challenger.

        The winner inherits the row: resources, parent pointer, children (their pointers
        are unchanged), depth, optimizer-ness; it is a fresh spawn of the loser (level
        ``n + 1``, drifted utility, its clock starting at ``at``) with a new
        ``unique_id``.
        """
        st = self.state
        old = st.uid[losers].copy()
        st.level[losers] += 1
        st.age[losers] = 0.0
        st.spent[losers] = 0.0  # Lambda_n(0) = 0 for every family
        st.born[losers] = at
        st.kind[losers] = self._adversarial_kinds(losers.size)
        st.utility[losers] = _drift(self.rng, st.utility[losers], self._rho)
        st.origin[losers] = st.depth[losers] + 1  # a fresh spawn of the loser
        st.disposition[losers] = (
            self._climbing_dispositions(losers, st.kind[losers])
            if self._interacting
            else self._dormant(st.kind[losers])
        )
        new = self._new_uids(losers)
        self._retire(old)
        for a, b, slot, time in zip(
            old.tolist(), new.tolist(), losers.tolist(), at.tolist(), strict=True
        ):
            self._count_takeover(a, b, slot, time)
        self._power_stale = True

    def _count_takeover(self, old: int, new: int, winner: int, time: float) -> None:
        """Book a takeover of node ``old`` by node ``new`` (row ``winner``) at ``time``."""
        st = self.state
        if old == self.root_uid:
            self.root_uid = new
            self.top_level_takeovers += 1
            self.last_takeover_time = time
            self.first_takeover_time = min(self.first_takeover_time, time)
            alignment = float(st.utility[winner] @ self.original_utility)
            depth = int(st.origin[winner])
            self.top_level_depths.append(depth)
            self.lineage.add_edge(old, new, time=time, alignment=alignment, depth=depth)
        else:
            self.nested_takeovers += 1

    # ------------------------------------------------------------------ interaction

    def _positions(self, slots: np.ndarray) -> np.ndarray:
        """Position in ``slots`` of each one's parent (-1 for the root)."""
        st = self.state
        pos = np.full(st.used, -1, dtype=np.int64)
        pos[slots] = np.arange(slots.size)
        par = st.parent[slots]
        return np.where(par >= 0, pos[np.maximum(par, 0)], -1)

    def _layout(self) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """Live rows sorted by depth, their parents' ranks in that order, level bounds.

        Level ``k`` is the block ``bounds[k]:bounds[k + 1]``; cached until the nesting
        changes (spawns, removals, climbs, compaction), so a step whose takeovers all
        happen in place reuses it.
        """
        cached = self._layout_cache
        if cached is not None and cached[0] == self._structure:
            return cached[1], cached[2], cached[4]
        st = self.state
        slots = st.live_slots()
        n = slots.size
        ppos = self._positions(slots)
        depth = st.depth[slots]
        top = int(depth.max(initial=0))
        key = depth.astype(np.int16) if top < 2**15 else depth
        order = np.argsort(key, kind="stable")  # radix sort for int16
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        bounds = np.searchsorted(depth[order], np.arange(top + 2))
        sorted_ppos = ppos[order]
        parent_rank = np.where(sorted_ppos >= 0, rank[np.maximum(sorted_ppos, 0)], -1)
        rel = np.maximum(parent_rank, 0) - bounds[np.maximum(depth[order] - 1, 0)]
        self._layout_cache = (self._structure, slots[order], parent_rank, rel, bounds.tolist())
        return slots[order], parent_rank, bounds.tolist()

    def _update_power(self) -> None:
        r"""Commanded resources :math:`C_v`, power :math:`P_v` and the birth factors.

        :math:`C` is accumulated bottom-up, one ``np.bincount`` per depth level over the
        parents' positions (the live rows sorted by depth with a stable radix sort, so a
        level's parents form the block of the level above): no Python loop over
        optimizers.
        """
        st = self.state
        self._power_stale = False
        slots, parent_rank, bounds = self._layout()  # live rows in depth order
        n = slots.size
        resources = st.resources[slots]
        commanded = resources.copy()
        if self._phi > 0:
            w = st.utility[slots]
            cos = _cosines(w, w[np.maximum(parent_rank, 0)])
            disp = st.disposition[slots]
            loyal = (parent_rank >= 0) & (disp != _ACTIVE) & (disp != _CORRIGIBLE)
            lend = np.where(loyal, np.maximum(cos, 0.0) ** self._eta, 0.0)
            # each row's parent as an offset into the block of the level above
            rel = self._layout_cache[3]
            c = commanded
            for k in range(len(bounds) - 2, 0, -1):
                a, b, lo = bounds[k], bounds[k + 1], bounds[k - 1]
                c[lo:a] += np.bincount(rel[a:b], weights=lend[a:b] * c[a:b], minlength=a - lo)
        with np.errstate(over="ignore"):
            capability = self._gamma ** st.level[slots].astype(float)
        power = capability * commanded**self._phi
        st.commanded[slots] = commanded
        st.power[slots] = power
        # a fresh spawn holds resource_share R_v: power ratio gamma (share R_v / C_v)^phi
        if self._phi > 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                frac = np.where(commanded > 0, self.resource_share * resources / commanded, 0.0)
            ratio = self._gamma * frac**self._phi
            success = _tullock(ratio, self._sharpness)
        else:
            success = np.full(n, self._success)
        st.birth_success[slots] = success
        scale = success / self._success if self._success > 0 else np.zeros(n)
        st.birth_factor[slots] = st.optimizerness[slots] * scale

    def _interact(self) -> None:
        """Critical moments, treachery and repeated challenges at the end of the step."""
        st, rng, dyn = self.state, self.rng, self.dynamics
        now = float(self.steps)
        moments = int(rng.poisson(dyn.shift_rate)) if dyn.shift_rate > 0 else 0
        if self._shift_times.size:
            times = self._shift_times
            moments += int(np.count_nonzero((times > now - 1) & (times <= now)))
        slots = st.live_slots()
        if moments and dyn.shift_probability > 0:
            pseudo = slots[st.disposition[slots] == _DORMANT_PSEUDO]
            turn = (
                -math.expm1(moments * math.log1p(-dyn.shift_probability))
                if (dyn.shift_probability < 1)
                else 1.0
            )
            turned = pseudo[rng.random(pseudo.size) < turn]
            st.disposition[turned] = _ACTIVE
            self._power_stale |= turned.size > 0
        acting = not math.isinf(dyn.deceptive_threshold) or dyn.challenge_rate > 0
        if self._power_stale and (acting or self._phi > 0):
            self._update_power()  # once per step: the next step's births use it too
        if not acting:
            return
        if not math.isinf(dyn.deceptive_threshold):
            dec = slots[(st.disposition[slots] == _DORMANT_DECEPTIVE) & (st.parent[slots] >= 0)]
            ratio = st.power[dec] / st.power[st.parent[dec]]
            turned = dec[ratio > dyn.deceptive_threshold]
            st.disposition[turned] = _ACTIVE
            self._power_stale |= turned.size > 0
        if dyn.challenge_rate > 0:
            self._challenge(slots, now)

    def _challenge(self, slots: np.ndarray, now: float) -> None:
        """Active and corrigible children born before ``now`` challenge their parent."""
        st, hz, rng = self.state, self.hazards, self.rng
        disp = st.disposition[slots]
        ready = (disp == _ACTIVE) | (disp == _CORRIGIBLE)
        ready &= (st.parent[slots] >= 0) & (st.born[slots] < now)
        cand = slots[ready]
        cand = cand[rng.random(cand.size) < self._challenge_p]
        if not cand.size:
            return
        par = st.parent[cand]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(st.power[par] > 0, st.power[cand] / st.power[par], np.inf)
        ratio = np.nan_to_num(ratio, nan=1.0)
        level, age = st.level[par], st.age[par]
        escape = hz.escape(level) * hz.age_factor(level, age)
        escape = escape * np.minimum(1.0, ratio) ** self.dynamics.weak_detection
        detected = rng.random(cand.size) >= escape
        won = ~detected & (rng.random(cand.size) < _tullock(ratio, self._sharpness))
        caught = cand[detected]
        corrigible = caught[st.disposition[caught] == _CORRIGIBLE]
        removed = caught[st.disposition[caught] != _CORRIGIBLE]
        if removed.size:
            self._remove(removed)
        if corrigible.size:  # corrected, not removed: the parent's goal, aligned
            st.disposition[corrigible] = _ALIGNED
            st.kind[corrigible] = _ROBUST
            st.utility[corrigible] = st.utility[st.parent[corrigible]]
        pick = rng.permutation(np.flatnonzero(won))
        pairs: list[tuple[int, int]] = []
        touched: set[int] = set()
        for u, v in zip(cand[pick].tolist(), par[pick].tolist(), strict=True):
            if st.parent[u] != v or not st.alive[v] or u in touched or v in touched:
                continue  # its target was removed or taken over earlier in this step
            touched.update((u, v))
            pairs.append((u, v))
        if pairs:
            self._climb(np.array(pairs, dtype=np.int64), now)
        if removed.size or corrigible.size or pairs:
            self._power_stale = True
            if removed.size or pairs:
                self._recompute_depth()

    def _reparent(self, moved: np.ndarray, target: np.ndarray) -> None:
        """Every parent pointer to a row in ``moved`` now points to the matching ``target``."""
        st = self.state
        self._structure += 1
        remap = np.arange(st.used)
        remap[moved] = target
        par = st.parent[: st.used]
        has = par >= 0
        par[has] = remap[par[has]]

    def _remove(self, xs: np.ndarray) -> None:
        """Remove the detected nodes ``xs``: resources and children pass up to a survivor."""
        st = self.state
        gone = np.zeros(st.used, dtype=bool)
        gone[xs] = True
        target = st.parent[xs].copy()
        while True:  # a removed node's parent may be removed too: climb to a survivor
            up = gone[target]
            if not up.any():
                break
            target[up] = st.parent[target[up]]
        np.add.at(st.resources, target, st.resources[xs])
        st.resources[xs] = 0.0
        self._reparent(xs, target)
        st.alive[xs] = False
        self._retire(st.uid[xs])

    def _climb(self, pairs: np.ndarray, time: float) -> None:
        """Each child ``u`` overthrows its parent ``v`` and takes its row (rows ``pairs``).

        ``u`` moves into ``v``'s row (keeping its ``unique_id``, level, utility, kind,
        optimizer-ness and birth depth), adds ``v``'s resources to its own, inherits
        ``v``'s parent pointer and children; ``u``'s own children follow it.  The pairs
        are disjoint (no row appears twice).
        """
        st = self.state
        u, v = pairs[:, 0], pairs[:, 1]
        old = st.uid[v].copy()
        for name in ("uid", "level", "kind", "origin", "optimizerness", "birth_factor"):
            column = getattr(st, name)
            column[v] = column[u]
        st.birth_success[v] = st.birth_success[u]
        st.utility[v] = st.utility[u]
        st.resources[v] += st.resources[u]
        st.resources[u] = 0.0
        st.alive[u] = False
        self._reparent(u, v)
        st.age[v] = 0.0
        st.spent[v] = 0.0
        st.born[v] = time
        st.disposition[v] = self._climbing_dispositions(v, st.kind[v])
        self._slot_of[st.uid[v]] = v
        self._retire(old)
        for a, b, slot in zip(old.tolist(), st.uid[v].tolist(), v.tolist(), strict=True):
            self._count_takeover(a, b, slot, time)

    def _recompute_depth(self) -> None:
        """Depths from the parent pointers by pointer doubling (log2(depth) passes).

        The root points to itself with distance 0, so each pass is two gathers and an
        add: ``dist += dist[anc]``, ``anc = anc[anc]``, until every pointer is the root.
        """
        st = self.state
        slots = st.live_slots()
        ppos = self._positions(slots)
        root = int(np.flatnonzero(ppos < 0)[0])
        anc = np.where(ppos >= 0, ppos, root)
        dist = (ppos >= 0).astype(np.int64)
        while not np.all(anc == root):
            dist += dist[anc]
            anc = anc[anc]
        st.depth[slots] = dist

    def _maybe_compact(self) -> None:
        st = self.state
        if st.used < 1024 or self.size > st.used // 2:
            return
        st.compact()
        self._slot_of[st.uid[: st.used]] = np.arange(st.used)
        self._structure += 1

    def remaining_hazard(self, slots: np.ndarray | None = None) -> np.ndarray:
        r"""``Lambda_n(oo) - Lambda_n(t)`` of live optimizers (``inf`` if not integrable).

        Zero means that no mesa-optimizer can ever overthrow that optimizer (or that the
        rest lies below floating-point resolution of :math:`\Lambda_n(\infty)`).
        """
        st = self.state
        slots = st.live_slots() if slots is None else slots
        with np.errstate(invalid="ignore"):
            rest = self.hazards.total(st.level[slots]) - st.spent[slots]
        return np.where(np.isnan(rest), np.inf, np.maximum(rest, 0.0))

    def _adversarial_children(self) -> bool:
        """Whether a live non-root optimizer is not aligned (it may still act)."""
        st = self.state
        slots = st.live_slots()
        return bool(np.any((st.disposition[slots] != _ALIGNED) & (st.parent[slots] >= 0)))

    def _contestable(self) -> bool:
        """Whether some adversarial mesa-optimizer may still win a contest in the future."""
        if self._interacting and self._adversarial_children():
            return True
        if self.nesting and not self.remove_detected and self._spawn_rate * (1 - self._skill) > 0:
            return True  # new detected children keep appearing, and their levels may be exposed
        return bool(np.any(self.remaining_hazard() > 0))

    def root_contestable(self) -> bool:
        """Whether the current top-level optimizer can still be overthrown."""
        if self._interacting and self._adversarial_children():
            return True
        return bool(self.remaining_hazard(np.array([self.root_slot]))[0] > 0)
