r"""The nested-optimizer agent-based model (Mesa).

State
-----
Optimizers are Mesa agents (:class:`~supercoherence.models.nested.agents.OptimizerAgent`)
and nodes of one ``networkx.DiGraph``, :attr:`NestedOptimizerModel.graph`, the single
source of truth for the nesting: an edge :math:`u \to v` means that :math:`v` was
created by :math:`u`'s search and is controlled by :math:`u`; the root is the top-level
optimizer.  Each optimizer has a capability level :math:`n` (capability
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
parent's place: its resources, its children and its parent's edge (the graph is
rewired), its level :math:`n + 1` and a drifted utility
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
depth level.  A spawn's birth contest uses :math:`s(P_u/P_v)` (the birth hazard is
scaled by :math:`o_v s(P_u/P_v)/s(\gamma)`, exact because :math:`\Lambda_n` is linear
in :math:`h_n`).  At the end of each step: critical moments turn dormant pseudo nodes,
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

from supercoherence.checks import check_positive_int, check_probability
from supercoherence.errors import ParameterError
from supercoherence.models.nested import reporters
from supercoherence.models.nested.agents import KIND_LABELS, OptimizerAgent
from supercoherence.models.nested.graphs import (
    GraphSpec,
    load_graphml,
    single_root,
    validate_nesting,
)
from supercoherence.randomness import Seed, as_generator
from supercoherence.theory.contest import success_numeric
from supercoherence.theory.nested import NestedDynamics
from supercoherence.theory.scenario import TakeoverScenario

__all__ = [
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

#: Takeovers one step may process before the run is stopped with an error.
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
    >>> sc = TakeoverScenario(hazard="power", power=3.0)
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
    scenario = replace(scenario, **own) if scenario is not None else TakeoverScenario(**own)
    dynamics = replace(dynamics, **mine) if dynamics is not None else NestedDynamics(**mine)
    return scenario, dynamics


def _tullock(ratio: np.ndarray, r: float) -> np.ndarray:
    """``ratio^r / (1 + ratio^r)`` with the limits 0 -> 0 and inf -> 1."""
    return np.asarray(success_numeric(np.asarray(ratio, dtype=float), r), dtype=float)


def _unit_orthogonal(rng: np.random.Generator, w: np.ndarray) -> np.ndarray:
    """Rows uniform on the unit vectors orthogonal to the rows of ``w``."""
    g = rng.standard_normal(w.shape)
    g -= np.sum(g * w, axis=1, keepdims=True) * w
    return g / np.linalg.norm(g, axis=1, keepdims=True)


def _drift(rng: np.random.Generator, w: np.ndarray, rho: float) -> np.ndarray:
    """``rho w + sqrt(1 - rho^2) u`` row-wise, renormalised against rounding."""
    out = rho * w + np.sqrt(1.0 - rho * rho) * _unit_orthogonal(rng, w)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


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
        Initial nesting: ``None`` for a single root, a graph (validated by
        :func:`~supercoherence.models.nested.graphs.validate_nesting`), a GraphML path,
        or a callable ``rng -> graph`` called with the model's generator.
    nesting : bool
        Keep undetected losing mesa-optimizers as children (and let them spawn).
    remove_detected : bool
        With nesting, discard detected mesa-optimizers (else they stay as children).
    resource_share : float
        Part of its resources an optimizer hands to each new child, in [0, 1].
    deceptive_share : float
        Probability that an adversarial mesa-optimizer is deceptive rather than pseudo.
    collect_agents : bool
        Also record per-agent data every step (memory grows with size x steps).
    collect_model : bool
        Record the model reporters every step (a few numbers per step); switch off for
        replicate runs that only need the final state.

    Attributes
    ----------
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
        nesting: bool = False,
        remove_detected: bool = True,
        resource_share: float = 0.1,
        deceptive_share: float = 0.5,
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
        self._agents: dict[int, OptimizerAgent] = {}  # unique_id -> live agent
        self._graph = nx.DiGraph()
        self.lineage = nx.DiGraph()
        self._place_initial(self._resolve_graph(graph))
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

    def _resolve_graph(self, spec: GraphSpec) -> nx.DiGraph:
        if spec is None:
            return validate_nesting(single_root())
        if isinstance(spec, nx.Graph):
            return validate_nesting(spec)
        if isinstance(spec, str | PathLike):
            return load_graphml(spec)
        if callable(spec):
            return validate_nesting(spec(self.rng), source="graph callable")
        raise ParameterError(
            "graph", spec, "None, a networkx DiGraph, a GraphML path or rng -> graph"
        )

    def _place_initial(self, nesting: nx.DiGraph) -> None:
        rng = self.rng
        w0 = rng.standard_normal((1, self._dimension))
        w0 /= np.linalg.norm(w0)
        self.original_utility = w0[0].copy()
        nodes = list(nesting.nodes)  # 0 .. m-1, breadth-first, root first
        slots = self.state.allocate(len(nodes))
        cosine = np.array([nesting.nodes[v]["alignment_with_original"] for v in nodes])
        across = _unit_orthogonal(rng, np.repeat(w0, len(nodes), axis=0))
        st = self.state
        st.utility[slots] = cosine[:, None] * w0 + np.sqrt(1 - cosine**2)[:, None] * across
        st.level[slots] = [nesting.nodes[v]["level"] for v in nodes]
        st.age[slots] = [nesting.nodes[v]["age"] for v in nodes]
        st.resources[slots] = [nesting.nodes[v]["resources"] for v in nodes]
        st.born[slots] = -st.age[slots]
        st.spent[slots] = self.hazards.cumulative(st.level[slots], st.age[slots])
        st.kind[slots] = _BASE
        depth = nx.single_source_shortest_path_length(nesting, 0)
        st.depth[slots] = [depth[v] for v in nodes]
        st.origin[slots] = st.depth[slots]
        st.parent[slots] = -1
        for u, v in nesting.edges:
            st.parent[slots[v]] = slots[u]
        st.disposition[slots] = _ALIGNED
        st.optimizerness[slots] = self.dynamics.optimizerness
        st.birth_factor[slots] = 1.0
        st.birth_success[slots] = self._success
        uid_of = {}
        for v, slot in zip(nodes, slots, strict=True):
            uid_of[v] = self._new_agent(int(slot))
        self._graph.add_edges_from((uid_of[u], uid_of[v]) for u, v in nesting.edges)
        self.root_uid = uid_of[0]
        self.lineage.add_node(self.root_uid)

    def _new_agent(self, slot: int) -> int:
        agent = OptimizerAgent(self, slot)
        self._agents[agent.unique_id] = agent
        self.state.uid[slot] = agent.unique_id
        self._graph.add_node(agent.unique_id)
        return agent.unique_id

    # ------------------------------------------------------------------ views

    @property
    def root_agent(self) -> OptimizerAgent:
        """The current top-level optimizer."""
        return self._agents[self.root_uid]

    @property
    def root_slot(self) -> int:
        """Row of the root in :attr:`state`."""
        return self._agents[self.root_uid].slot

    def agent(self, uid: int) -> OptimizerAgent:
        """The live optimizer whose ``unique_id`` (graph node) is ``uid``."""
        return self._agents[uid]

    @property
    def graph(self) -> nx.DiGraph:
        """The nesting, with the contract's node attributes brought up to date.

        Edge ``u -> v``: ``v`` was created by and is controlled by ``u``.  Nodes are the
        agents' ``unique_id``; attributes ``capability``, ``alignment_class``,
        ``resources``, ``age``, ``born``, ``level``, ``depth``,
        ``alignment_with_original``, ``alignment_with_root`` and ``utility`` (a tuple).
        The structure is maintained incrementally; the attributes are written on access.
        """
        st = self.state
        w_root = st.utility[self.root_slot]
        for uid, data in self._graph.nodes(data=True):
            slot = self._agents[uid].slot
            level = int(st.level[slot])
            w = st.utility[slot]
            data.update(
                capability=float(self._gamma**level),
                alignment_class=KIND_LABELS[int(st.kind[slot])],
                resources=float(st.resources[slot]),
                age=float(st.age[slot]),
                born=float(st.born[slot]),
                level=level,
                depth=int(st.depth[slot]),
                alignment_with_original=float(w @ self.original_utility),
                alignment_with_root=float(w @ w_root),
                utility=tuple(float(x) for x in w),
                disposition=DISPOSITION_LABELS[int(st.disposition[slot])],
                origin_depth=int(st.origin[slot]),
                optimizerness=float(st.optimizerness[slot]),
            )
        return self._graph

    # ------------------------------------------------------------------ dynamics

    def step(self) -> None:
        """Advance every optimizer from time ``k - 1`` to ``k`` (``k = self.steps``)."""
        if self._interacting:
            self._update_power()
        slots = self.state.live_slots()
        start = np.full(slots.size, float(self.steps - 1))
        length = np.ones(slots.size)
        events = 0
        while slots.size:
            slots, start, length = self._expose(slots, start, length)
            events += slots.size
            if events > MAX_EVENTS_PER_STEP or len(self._agents) > MAX_OPTIMIZERS:
                what = (
                    f"more than {MAX_EVENTS_PER_STEP} takeovers in step {self.steps}"
                    if events > MAX_EVENTS_PER_STEP
                    else f"more than {MAX_OPTIMIZERS} optimizers alive in step {self.steps}"
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
        if self._interacting:
            self._interact()
        self._maybe_compact()
        if self._collecting:
            self.datacollector.collect(self)
        if self.steps >= self.horizon or not self._contestable():
            self.running = False

    def _expose(
        self, slots: np.ndarray, start: np.ndarray, length: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Run optimizers ``slots`` over the windows ``[start, start + length]``.

        Returns the winners of the takeovers in these windows with the rest of their
        window, to be exposed in turn.
        """
        st, hz = self.state, self.hazards
        level, age, before = st.level[slots], st.age[slots], st.spent[slots]
        after = hz.cumulative(level, age + length)
        gain = after - before
        draw = self.rng.exponential(size=slots.size)
        active = length.copy()
        if self._interacting:
            # the birth hazard scaled by o_v s(P_child/P_v)/s(gamma) (Lambda is linear in h_n)
            factor = st.birth_factor[slots]
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
        st.spent[slots] = after  # only the survivors' rows stay alive
        if self.nesting:
            self._spawn_children(slots, exposed, active)
        if not won.any():
            return slots[:0], start[:0], length[:0]
        losers, at = slots[won], start[won] + active[won]
        winners = self._take_over(losers, at)
        return winners, at, length[won] - active[won]

    def _spawn_children(self, slots: np.ndarray, hazard: np.ndarray, active: np.ndarray) -> None:
        """Keep the losing (and, unless removed, the detected) mesa-optimizers as children.

        ``hazard`` is the cumulative hazard each parent was exposed to while in place and
        ``active`` the time it was in place.
        """
        rng, st = self.rng, self.state
        if self._interacting:
            # ``hazard`` is unscaled: undetected spawns o_v hazard / s(gamma), of which the
            # fraction 1 - s(P_child/P_v) lose their birth contest and stay
            o, won = st.optimizerness[slots], st.birth_success[slots]
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
        st = self.state
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
        edges = []
        for parent, child in zip(st.uid[parent_of].tolist(), children.tolist(), strict=True):
            edges.append((parent, self._new_agent(child)))
        self._graph.add_edges_from(edges)

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
            cos = np.sum(st.utility[winners[below]] * st.utility[par[below]], axis=1)
            turn = self.rng.random(below.size) < (1.0 - cos) / 2.0
            out[below[turn]] = _ACTIVE
        return out

    def _take_over(self, losers: np.ndarray, at: np.ndarray) -> np.ndarray:
        """Replace each optimizer in ``losers`` by its successful challenger at time ``at``."""
        st = self.state
        winners = st.allocate(losers.size)
        st.level[winners] = st.level[losers] + 1
        st.depth[winners] = st.depth[losers]
        st.resources[winners] = st.resources[losers]
        st.resources[losers] = 0.0
        st.age[winners] = 0.0
        st.spent[winners] = 0.0  # Lambda_n(0) = 0 for every family
        st.born[winners] = at
        st.kind[winners] = self._adversarial_kinds(losers.size)
        st.utility[winners] = _drift(self.rng, st.utility[losers], self._rho)
        st.origin[winners] = st.depth[losers] + 1  # a fresh spawn of the loser
        for name in ("optimizerness", "birth_factor", "birth_success", "parent"):
            getattr(st, name)[winners] = getattr(st, name)[losers]
        remap = np.arange(st.used)
        remap[losers] = winners
        par = st.parent[: st.used]
        par[par >= 0] = remap[par[par >= 0]]
        st.disposition[winners] = (
            self._climbing_dispositions(winners, st.kind[winners])
            if self._interacting
            else self._dormant(st.kind[winners])
        )
        for loser, winner, time in zip(losers.tolist(), winners.tolist(), at.tolist(), strict=True):
            self._rewire(loser, winner, time)
        return winners

    def _rewire(self, loser: int, winner: int, time: float) -> None:
        """The winner takes the loser's place in the graph: its parent edge and children."""
        graph, st = self._graph, self.state
        old = int(st.uid[loser])
        new = self._new_agent(winner)
        graph.add_edges_from((p, new) for p in graph.predecessors(old))
        graph.add_edges_from((new, c) for c in graph.successors(old))
        graph.remove_node(old)
        st.alive[loser] = False
        self._agents.pop(old).remove()
        self._count_takeover(old, new, winner, time)

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

    def _update_power(self) -> None:
        r"""Commanded resources :math:`C_v`, power :math:`P_v` and the birth factors.

        :math:`C` is accumulated bottom-up, one ``np.bincount`` per depth level over the
        parents' positions (the live rows sorted by depth, so a level's parents form the
        block of the level above): no Python loop over optimizers.
        """
        st = self.state
        slots = st.live_slots()
        n = slots.size
        ppos = self._positions(slots)
        resources = st.resources[slots]
        commanded = resources.copy()
        if self._phi > 0:
            w = st.utility[slots]
            cos = np.einsum("ij,ij->i", w, w[np.maximum(ppos, 0)])
            loyal = (ppos >= 0) & ~np.isin(st.disposition[slots], (_ACTIVE, _CORRIGIBLE))
            lend = np.where(loyal, np.maximum(cos, 0.0) ** self._eta, 0.0)
            depth = st.depth[slots]
            order = np.argsort(depth, kind="stable")
            rank = np.empty(n, dtype=np.int64)
            rank[order] = np.arange(n)
            top = int(depth.max(initial=0))
            bounds = np.searchsorted(depth[order], np.arange(top + 2))
            for k in range(top, 0, -1):
                rows = order[bounds[k] : bounds[k + 1]]
                lo, hi = bounds[k - 1], bounds[k]
                commanded[order[lo:hi]] += np.bincount(
                    rank[ppos[rows]] - lo, weights=lend[rows] * commanded[rows], minlength=hi - lo
                )
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
            st.disposition[pseudo[rng.random(pseudo.size) < turn]] = _ACTIVE
        if math.isinf(dyn.deceptive_threshold) and dyn.challenge_rate == 0:
            return
        self._update_power()
        if not math.isinf(dyn.deceptive_threshold):
            dec = slots[(st.disposition[slots] == _DORMANT_DECEPTIVE) & (st.parent[slots] >= 0)]
            ratio = st.power[dec] / st.power[st.parent[dec]]
            st.disposition[dec[ratio > dyn.deceptive_threshold]] = _ACTIVE
        if dyn.challenge_rate > 0:
            self._challenge(slots, now)

    def _challenge(self, slots: np.ndarray, now: float) -> None:
        """Active and corrigible children born before ``now`` challenge their parent."""
        st, hz, rng = self.state, self.hazards, self.rng
        ready = np.isin(st.disposition[slots], (_ACTIVE, _CORRIGIBLE))
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
        changed = False
        for u in cand[detected].tolist():
            if st.disposition[u] == _CORRIGIBLE:  # corrected, not removed
                st.disposition[u] = _ALIGNED
                st.kind[u] = _ROBUST
                st.utility[u] = st.utility[st.parent[u]]
            else:
                self._remove(u)
                changed = True
        touched: set[int] = set()
        pick = rng.permutation(np.flatnonzero(won))
        for u, v in zip(cand[pick].tolist(), par[pick].tolist(), strict=True):
            if st.parent[u] != v or not st.alive[v] or u in touched or v in touched:
                continue  # its target was removed or taken over earlier in this step
            touched.update((u, v))
            self._climb(u, v, now)
            changed = True
        if changed:
            self._recompute_depth()

    def _remove(self, x: int) -> None:
        """Remove the detected node ``x``: its resources and children pass to its parent."""
        st, graph = self.state, self._graph
        p = int(st.parent[x])
        old, boss = int(st.uid[x]), int(st.uid[p])
        for child in list(graph.successors(old)):
            graph.add_edge(boss, child)
            st.parent[self._agents[child].slot] = p
        graph.remove_node(old)
        st.resources[p] += st.resources[x]
        st.resources[x] = 0.0
        st.alive[x] = False
        self._agents.pop(old).remove()

    def _climb(self, u: int, v: int, time: float) -> None:
        """The child ``u`` overthrows its parent ``v`` and takes its place (and resources)."""
        st, graph = self.state, self._graph
        p = int(st.parent[v])
        new, old = int(st.uid[u]), int(st.uid[v])
        for child in list(graph.successors(old)):
            if child != new:
                graph.add_edge(new, child)
                st.parent[self._agents[child].slot] = u
        if p >= 0:
            graph.add_edge(int(st.uid[p]), new)
        graph.remove_node(old)
        st.parent[u] = p
        st.resources[u] += st.resources[v]
        st.resources[v] = 0.0
        st.alive[v] = False
        self._agents.pop(old).remove()
        st.age[u] = 0.0
        st.spent[u] = 0.0
        st.born[u] = time
        st.disposition[u] = self._climbing_dispositions(np.array([u]), st.kind[[u]])[0]
        self._count_takeover(old, new, u, time)

    def _recompute_depth(self) -> None:
        """Depths from the parent pointers by pointer doubling (log2(depth) passes)."""
        st = self.state
        slots = st.live_slots()
        anc = self._positions(slots)
        dist = (anc >= 0).astype(np.int64)
        while np.any(anc >= 0):
            has = anc >= 0
            up = np.maximum(anc, 0)
            dist = dist + np.where(has, dist[up], 0)
            anc = np.where(has, anc[up], -1)
        st.depth[slots] = dist

    def _maybe_compact(self) -> None:
        st = self.state
        live = len(self._agents)
        if st.used < 1024 or live > st.used // 2:
            return
        st.compact()
        for slot, uid in enumerate(st.uid[: st.used].tolist()):
            self._agents[uid].slot = slot

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
