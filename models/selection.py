r"""A finite population of competing root systems under selection (Moran process), simulated.

:math:`N` top-level systems share one resource (the population is full: :math:`N` is
fixed).  Two types (:class:`~supercoherence.theory.selection.SelectionParams` with two
entries of ``optimizer_ness``; type 0 is the one tracked, normally the coherent type),
each system carrying either the original goal or a foreign one.  Each system runs its
own takeover dynamics: in continuous time

* it reproduces at rate :math:`g_i` (its growth rate); the offspring (same type, same
  goal) replaces a uniformly chosen other system;
* it is taken over at the constant rate :math:`h_i = o_i (1 - \kappa_R) h_0`; with
  probability :math:`\ell` (``takeover_loss``) it leaves the competition and its place is
  refilled by the offspring of a uniformly chosen other system, otherwise it stays with
  a foreign goal.

Events are drawn exactly (Gillespie: exponential waiting times, the event chosen with
probability proportional to its rate), vectorised over replicates with numpy.  The
count of type-0 systems is a birth-death chain with constant rate ratio, so its
fixation probability is the Moran closed form
:func:`~supercoherence.theory.selection.coherent_fixation`, and for large :math:`N` its
share follows the replicator solution :func:`~supercoherence.theory.selection.strategy_shares`
(Moran 1958; Nowak 2006, ch. 6; Taylor & Jonker 1978).

The table (one entry per replicate): ``fixed`` (type 0 took over the population),
``absorbed`` (one type took over before the horizon), ``time`` (absorption time, or the
horizon), ``share`` (final share of type 0), ``original_goal_share`` (final share of
systems carrying the original goal), ``events``.

Examples
--------
>>> from supercoherence.theory.selection import SelectionParams
>>> table = simulate_selection(SelectionParams(), 10, 200, seed=0)
>>> sorted(table)
['absorbed', 'events', 'fixed', 'original_goal_share', 'share', 'time']
>>> bool(table["absorbed"].all())
True
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from supercoherence.checks import check_positive, check_positive_int
from supercoherence.errors import ParameterError
from supercoherence.randomness import Seed, as_generator
from supercoherence.theory.selection import SelectionParams

__all__ = ["check_constant_hazard", "fixation_estimate", "simulate_selection"]

# classes: 0 = type-0 original goal, 1 = type-0 foreign, 2 = type-1 original, 3 = type-1 foreign
_TYPE = np.array([0, 0, 1, 1])
_ORIGINAL = np.array([True, False, True, False])


def check_constant_hazard(params: SelectionParams) -> None:
    """Refuse a hazard family other than ``constant``: the simulated systems (here and in
    the study engine ``selection``) are taken over at constant rates.

    Raises
    ------
    ParameterError
        Naming ``hazard``.

    Examples
    --------
    >>> from supercoherence.theory.scenario import TakeoverScenario
    >>> check_constant_hazard(SelectionParams(scenario=TakeoverScenario(hazard="power")))
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: hazard = 'power' is out of range: allowed 'constant' ...
    """
    if params.scenario.hazard != "constant":
        raise ParameterError(
            "hazard",
            params.scenario.hazard,
            "'constant'",
            "the simulated systems are taken over at constant rates",
        )


def simulate_selection(
    params: SelectionParams,
    population_size: int,
    replicates: int,
    *,
    seed: Seed = None,
    initial: int = 1,
    horizon: float = math.inf,
    max_events: int = 10**7,
) -> dict[str, np.ndarray]:
    r"""Simulate ``replicates`` independent Moran populations of ``population_size`` roots.

    Parameters
    ----------
    params : SelectionParams
        Two types; the scenario's hazard must be ``"constant"`` (the systems' hazards
        are constant rates here).
    population_size : int
        :math:`N \ge 2`.
    replicates : int
        Number of independent populations.
    seed : int, Generator, SeedSequence or None
        Randomness (:func:`supercoherence.randomness.as_generator`).
    initial : int
        Initial number :math:`1 \le i \le N - 1` of type-0 systems (all with the
        original goal, as are the others).
    horizon : float
        Stop at this time (default: run to absorption).
    max_events : int
        Safety cap on the number of event rounds.

    Raises
    ------
    ParameterError
        Naming the parameter: not two types, a non-constant hazard, :math:`N < 2`, ``initial``
        outside :math:`[1, N - 1]`, or all rates 0 (nothing would ever happen).

    Examples
    --------
    >>> from supercoherence.theory.selection import SelectionParams
    >>> t = simulate_selection(SelectionParams(search_advantage=0.0), 5, 4, seed=1,
    ...                        horizon=0.5)
    >>> bool(t["time"].max() <= 0.5), t["share"].shape
    (True, (4,))
    """
    if len(params.optimizer_ness) != 2:
        raise ParameterError("optimizer_ness", params.optimizer_ness, "exactly two types")
    check_constant_hazard(params)
    N = check_positive_int("population_size", population_size, minimum=2)
    reps = check_positive_int("replicates", replicates)
    i0 = check_positive_int("initial", initial)
    if i0 > N - 1:
        raise ParameterError("initial", initial, f"[1, population_size - 1] = [1, {N - 1}]")
    horizon = float(check_positive("horizon", horizon))
    g = params.growth_rates()[_TYPE]
    h = params.hazard_rates()[_TYPE]
    ell = params.takeover_loss
    if np.all(g + h == 0):
        raise ParameterError("growth", params.growth, "(0, oo) here", "every rate is 0")
    rng = as_generator(seed)

    counts = np.zeros((reps, 4), dtype=np.int64)
    counts[:, 0] = i0
    counts[:, 2] = N - i0
    time = np.zeros(reps)
    events = np.zeros(reps, dtype=np.int64)
    active = np.ones(reps, dtype=bool)
    rows = np.arange(reps)
    for _ in range(max_events):
        idx = rows[active]
        if idx.size == 0:
            break
        c = counts[idx]
        rates = np.concatenate([g * c, h * c], axis=1)  # 4 births, 4 takeovers
        total = rates.sum(axis=1)
        stuck = total <= 0
        wait = rng.exponential(size=idx.size) / np.where(stuck, 1.0, total)
        new_t = time[idx] + np.where(stuck, np.inf, wait)
        late = new_t > horizon
        time[idx] = np.minimum(new_t, horizon)
        go = ~late
        if not np.any(go):
            active[idx] = False
            break
        active[idx[late]] = False
        idx, c, rates, total = idx[go], c[go], rates[go], total[go]
        u = rng.random(idx.size) * total
        event = np.minimum((np.cumsum(rates, axis=1) < u[:, None]).sum(axis=1), 7)
        actor = event % 4
        birth = event < 4
        # the other system involved: uniformly among the N - 1 others
        others = c.copy()
        others[np.arange(idx.size), actor] -= 1
        w = rng.random(idx.size) * (N - 1)
        other = np.minimum((np.cumsum(others, axis=1) <= w[:, None]).sum(axis=1), 3)
        removed = rng.random(idx.size) < ell
        delta = np.zeros_like(c)
        r_ = np.arange(idx.size)
        # birth: actor +1, other -1
        b = birth
        np.add.at(delta, (r_[b], actor[b]), 1)
        np.add.at(delta, (r_[b], other[b]), -1)
        # takeover, removed and refilled by the other's offspring: actor -1, other +1
        tr = ~birth & removed
        np.add.at(delta, (r_[tr], actor[tr]), -1)
        np.add.at(delta, (r_[tr], other[tr]), 1)
        # takeover, kept with a foreign goal: original -> foreign of the same type
        tk = ~birth & ~removed & _ORIGINAL[actor]
        np.add.at(delta, (r_[tk], actor[tk]), -1)
        np.add.at(delta, (r_[tk], actor[tk] + 1), 1)
        counts[idx] = c + delta
        events[idx] += 1
        type0 = counts[idx, 0] + counts[idx, 1]
        done = (type0 == 0) | (type0 == N)
        active[idx[done]] = False
    else:
        raise ParameterError("max_events", max_events, "a larger cap", "runs did not finish")
    type0 = counts[:, 0] + counts[:, 1]
    return {
        "fixed": type0 == N,
        "absorbed": (type0 == 0) | (type0 == N),
        "time": time,
        "share": type0 / N,
        "original_goal_share": (counts[:, 0] + counts[:, 2]) / N,
        "events": events,
    }


def fixation_estimate(table: dict[str, Any]) -> tuple[float, float]:
    r"""Estimated fixation probability of type 0 and its standard error (absorbed runs).

    Examples
    --------
    >>> fixation_estimate({"fixed": np.array([True, False]), "absorbed": np.array([True, True])})
    (0.5, 0.3535533905932738)
    """
    absorbed = np.asarray(table["absorbed"], dtype=bool)
    n = int(absorbed.sum())
    if n == 0:
        raise ParameterError("table", "no absorbed run", "at least one absorbed replicate")
    p = float(np.asarray(table["fixed"])[absorbed].mean())
    return p, math.sqrt(p * (1 - p) / n)
