r"""Estimands: what a study estimates from a replicate table, and their closed forms.

Every estimand is a probability (the mean of an indicator) or a mean of a column, so a
chunk of replicates is summarised by mergeable sufficient statistics
``(n, sum, sum of squares)`` per ``(estimand, at)``.  Merging the chunks of a point in
chunk order gives the same floating-point sums whatever the number of workers.

Estimands on the replicate table of :mod:`supercoherence.models` (``N`` =
``n_takeovers``, ``T`` = the horizon, ``L`` = ``last_takeover_time``, ``F`` =
``first_takeover_time``, ``inf`` when there is no top-level takeover by ``T``):

==============================  ===========  =================================================
name                            kind         indicator / value per replicate
==============================  ===========  =================================================
``no_takeover_after`` (at t)    probability  no top-level takeover in ``(t, T]``: ``L <= t``
                                             (and not censored when ``T = oo``)
``no_takeover_by`` (at t)       probability  no top-level takeover in ``[0, t]``: ``F > t``
``supercoherence_by_horizon``   probability  a never-overthrown optimizer reached by ``T``:
                                             not censored and ``N = takeovers_by_horizon``
``law_of_n`` (at k)             probability  ``N = k``
``mean_takeovers``              mean         ``takeovers_by_horizon``
``last_takeover_time``          mean         ``L`` (finite values)
``final_alignment``             mean         ``w . w_0`` at the horizon
``coherence``, ``size``,        mean         the ABM's columns
``depth``, ``nested_takeovers``,
``deep_takeovers``,
``challenger_depth``
``fixation``                    probability  selection engine: the coherent type fixed
``coherent_share``,             mean         selection engine: shares at the horizon
``original_goal_share``
``mesa_takes_over``,            probability  competition engine: the final state
``mesa_disappears``,
``coexistence``
==============================  ===========  =================================================

Closed forms (both engines, every hazard family).  The first top-level takeover is the
end of the first tenure :math:`\tau_0`, which has survival :math:`e^{-\Lambda_0(t)}`, so
``no_takeover_by`` at :math:`t \le T` is :math:`e^{-\Lambda_0(t)}`
(``TakeoverScenario.cumulative_hazard(0, t)``); the chain engine's cap M does not touch
:math:`\tau_0`.  The tables observe takeovers only up to T, so at :math:`t > T` the
estimand is :math:`P(F > T) = e^{-\Lambda_0(T)}`.  For the abm engine this needs the
root to start at level 0 and age 0, as every abm closed form below.

Closed forms (chain engine).  With :math:`q_n` the never-overthrown probabilities and
:math:`S_k = \prod_{j<k}(1 - q_j)`, the engine caps N at ``M = max_takeovers``, so for
``T = oo``: :math:`P(N = k) = S_k q_k` (k < M), :math:`P(\text{not censored}) = 1 - S_M`,
:math:`E[\min(N, M)] = \sum_{n=1}^{M} S_n` and
:math:`E[\rho^{\min(N,M)}] = \sum_{k<M} S_k q_k \rho^k + S_M \rho^M` (value drift,
:math:`E[w_n \cdot w_0] = \rho^n`).  For a constant hazard with the same scale
:math:`h` at every level, takeovers are a Poisson process of rate h, so for finite T:
``no_takeover_after`` :math:`e^{-h(T - t)}`, :math:`E[N_T] = hT`,
:math:`E[\rho^{N_T}] = e^{-hT(1-\rho)}`, :math:`E[L] = T - (1 - e^{-hT})/h`,
P(supercoherence by T) = 0 (if h > 0).

Closed forms (abm engine).  The Mesa model's top-level process is the same recursion,
observed to a finite horizon T of steps, and its ``N`` is :math:`N_T` (it cannot look
past T).  With :math:`\Lambda_n` the cumulative hazards: ``no_takeover_after`` at t = 0
and the law of N at k = 0 are :math:`P(N_T = 0) = e^{-\Lambda_0(T)}`; the law at k = 1 is

.. math:: P(N_T = 1) = \int_0^T e^{-\Lambda_1(T - s)}\, dF_0(s)
          = \int_0^{F_0(T)} e^{-\Lambda_1(T - \Lambda_0^{-1}(-\log(1 - u)))}\, du,

:math:`F_0(s) = 1 - e^{-\Lambda_0(s)}` (first takeover at s, none in the next
:math:`T - s` of the new optimizer's age), by quadrature; for a constant hazard with the
same scale h at every level :math:`N_T \sim \mathrm{Poisson}(hT)` and the Poisson forms
above hold (no cap).  The model counts the top level as still contestable while the
root's remaining hazard :math:`\Lambda_n(\infty) - \Lambda_n(\text{age})` is positive,
which for every hazard family here holds whenever :math:`h_n > 0`, so
P(supercoherence by T) is 0 when every level has :math:`h_n > 0` and 1 when
:math:`h_0 = 0`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from supercoherence.moments import Moments

__all__ = [
    "DEPRECATED_ESTIMANDS",
    "COLUMNS_READ",
    "ESTIMANDS",
    "Estimand",
    "StatisticsAccumulator",
    "abm_closed_form",
    "chain_closed_form",
    "columns_read",
    "statistics_from_counts",
    "statistics",
]


#: Old estimand name -> new name (issue 9: ``survival`` is :math:`e^{-\Lambda(t)}` only).
#: Study files naming the old one are read with a deprecation warning; stored results
#: with it are renamed when read (:func:`supercoherence.simulations.store.upgrade_names`).
DEPRECATED_ESTIMANDS = {"survival": "no_takeover_after"}


@dataclass(frozen=True)
class Estimand:
    """An estimand: its kind, what ``at`` means, and its per-replicate values.

    Parameters
    ----------
    name : str
        Its name in study files and tables.
    kind : {"probability", "mean"}
        Probabilities get Wilson intervals; means CLT intervals.
    at : {"time", "count", None}
        What the ``at`` column holds (``outputs.times``, ``outputs.counts``) or nothing.
    values : callable
        ``values(table, at, horizon) -> 1-d array`` (booleans for probabilities; NaN
        entries of a mean are left out).
    description : str
        One line for tables and reports.
    value_range : (float, float), optional
        Bounds of a mean's per-replicate values, when known.  The agreement test then
        uses a standard error of at least ``(high - low) / n``: when rare replicates
        carry the variance (all 1000 replicates at ``w . w_0 = 1``, say) the sample
        standard error is near 0 although a mass of order ``1/n`` elsewhere is still
        plausible (the rule of three gives up to ``3/n``).

    Examples
    --------
    >>> ESTIMANDS["law_of_n"].kind, ESTIMANDS["law_of_n"].at
    ('probability', 'count')
    >>> ESTIMANDS["final_alignment"].value_range
    (-1.0, 1.0)
    """

    name: str
    kind: str
    at: str | None
    values: Callable[[Mapping[str, np.ndarray], float, float], np.ndarray]
    description: str
    value_range: tuple[float, float] | None = None


def _no_takeover_after(table, t, horizon):
    ok = table["last_takeover_time"] <= t
    if math.isinf(horizon):
        ok &= ~table["censored"]
    return ok


def _no_takeover_by(table, t, _horizon):
    return table["first_takeover_time"] > t


def _supercoherence(table, _at, _horizon):
    return ~table["censored"] & (table["n_takeovers"] == table["takeovers_by_horizon"])


def _column(name: str):
    def values(table, _at, _horizon):
        return np.asarray(table[name], dtype=float)

    return values


def _last_time(table, _at, horizon):
    times = np.asarray(table["last_takeover_time"], dtype=float)
    if math.isinf(horizon):
        return np.where(table["censored"], np.nan, times)
    return times


def _outcome(code: str):
    def values(table, _at, _horizon):
        return table["outcome"] == code

    return values


ESTIMANDS: dict[str, Estimand] = {
    e.name: e
    for e in (
        Estimand(
            "no_takeover_after",
            "probability",
            "time",
            _no_takeover_after,
            "P(no top-level takeover after time t)",
        ),
        Estimand(
            "no_takeover_by",
            "probability",
            "time",
            _no_takeover_by,
            "P(no top-level takeover by time t)",
        ),
        Estimand(
            "supercoherence_by_horizon",
            "probability",
            None,
            _supercoherence,
            "P(a never-overthrown optimizer is reached by the horizon)",
        ),
        Estimand(
            "law_of_n",
            "probability",
            "count",
            lambda table, k, _h: table["n_takeovers"] == k,
            "P(N = k)",
        ),
        Estimand(
            "mean_takeovers",
            "mean",
            None,
            _column("takeovers_by_horizon"),
            "E[number of top-level takeovers by the horizon]",
        ),
        Estimand(
            "last_takeover_time",
            "mean",
            None,
            _last_time,
            "E[time of the last top-level takeover by the horizon]",
        ),
        Estimand(
            "final_alignment",
            "mean",
            None,
            _column("final_alignment"),
            "E[w . w_0] of the dominant utility at the horizon",
            value_range=(-1.0, 1.0),
        ),
        Estimand(
            "coherence",
            "mean",
            None,
            _column("coherence"),
            "E[coherence] at the horizon",
            value_range=(-1.0, 1.0),
        ),
        Estimand("size", "mean", None, _column("size"), "E[number of optimizers]"),
        Estimand("depth", "mean", None, _column("depth"), "E[depth of the nesting]"),
        Estimand(
            "nested_takeovers",
            "mean",
            None,
            _column("nested_takeovers"),
            "E[number of takeovers below the top level]",
        ),
        Estimand(
            "deep_takeovers",
            "mean",
            None,
            _column("deep_takeovers"),
            "E[top-level takeovers by a challenger born at depth >= 2 (one that climbed)]",
        ),
        Estimand(
            "challenger_depth",
            "mean",
            None,
            _column("challenger_depth"),
            "E[mean birth depth of the successful top-level challengers] (runs with one)",
        ),
        Estimand(
            "fixation",
            "probability",
            None,
            lambda table, _at, _h: np.asarray(table["fixed"], dtype=bool),
            "P(the coherent type takes over the whole population by the horizon)",
        ),
        Estimand(
            "coherent_share",
            "mean",
            None,
            _column("share"),
            "E[share of the population of the coherent type] at the horizon",
            value_range=(0.0, 1.0),
        ),
        Estimand(
            "original_goal_share",
            "mean",
            None,
            _column("original_goal_share"),
            "E[share of the population still carrying the original goal] at the horizon",
            value_range=(0.0, 1.0),
        ),
        Estimand(
            "mesa_takes_over",
            "probability",
            None,
            _outcome("mesa takes over"),
            "P(the mesa-optimizer excludes the base)",
        ),
        Estimand(
            "mesa_disappears",
            "probability",
            None,
            _outcome("mesa disappears"),
            "P(the base excludes the mesa-optimizer)",
        ),
        Estimand(
            "coexistence",
            "probability",
            None,
            _outcome("stable coexistence"),
            "P(base and mesa-optimizer coexist)",
        ),
    )
}


def statistics(
    table: Mapping[str, np.ndarray], requests: list[tuple[str, float]], horizon: float
) -> dict[str, np.ndarray]:
    """Sufficient statistics of a replicate table for each ``(estimand, at)`` request.

    Parameters
    ----------
    table : mapping of str to numpy.ndarray
        One entry per replicate.
    requests : list of (str, float)
        Estimand names and their ``at`` (NaN when not applicable).
    horizon : float
        The study horizon.

    Returns
    -------
    dict
        Columns ``estimand``, ``at``, ``n`` (values used), ``sum``, ``sum_sq`` and
        ``censored``: the replicates whose value the cap ``max_takeovers`` may have
        changed (a ``capped`` column of the table marks the replicates stopped there).

    Examples
    --------
    >>> table = {"n_takeovers": np.array([0, 1, 1, 3])}
    >>> stats = statistics(table, [("law_of_n", 1.0)], float("inf"))
    >>> stats["n"].tolist(), stats["sum"].tolist(), stats["censored"].tolist()
    ([4], [2.0], [0])
    """
    accumulator = StatisticsAccumulator(requests, horizon)
    accumulator.add(table)
    return accumulator.result()


class StatisticsAccumulator:
    """The statistics of :func:`statistics`, accumulated over chunks of a table.

    The one accumulator of a study unit: an engine that streams its replicates
    (the chain engine) adds each chunk as it is made, and nothing per replicate is
    kept; for a table given in one chunk the result is :func:`statistics`'s, bit for
    bit.  Each request keeps a :class:`~supercoherence.moments.Moments`.

    Parameters
    ----------
    requests : list of (str, float)
        Estimand names and their ``at``.
    horizon : float
        The study horizon.

    Examples
    --------
    >>> acc = StatisticsAccumulator([("law_of_n", 1.0)], float("inf"))
    >>> acc.add({"n_takeovers": np.array([0, 1])})
    >>> acc.add({"n_takeovers": np.array([1, 3])})
    >>> acc.result()["sum"].tolist(), acc.result()["n"].tolist()
    ([2.0], [4])
    """

    def __init__(self, requests: list[tuple[str, float]], horizon: float) -> None:
        self.requests = list(requests)
        self.horizon = horizon
        self.moments = [Moments() for _ in self.requests]
        self.censored = [0] * len(self.requests)

    def add(self, table: Mapping[str, np.ndarray]) -> None:
        """Add the replicates of a chunk (a dict of equal-length columns)."""
        capped = table.get("capped")
        for i, (name, at) in enumerate(self.requests):
            values = np.asarray(ESTIMANDS[name].values(table, at, self.horizon))
            if values.dtype != np.bool_:
                values = values.astype(float, copy=False)
            if capped is not None and name in _CAP_AFFECTS:
                self.censored[i] += int(np.count_nonzero(_CAP_AFFECTS[name](table, capped, at)))
            self.moments[i].add(values)  # NaN left out; einsum: no BLAS threads

    def result(self) -> dict[str, np.ndarray]:
        """The columns of :func:`statistics`."""
        return {
            "estimand": np.array([r[0] for r in self.requests], dtype=object),
            "at": np.array([r[1] for r in self.requests], dtype=float),
            "n": np.array([m.n for m in self.moments], dtype=np.int64),
            "sum": np.array([m.total for m in self.moments], dtype=float),
            "sum_sq": np.array([m.total_sq for m in self.moments], dtype=float),
            "censored": np.array(self.censored, dtype=np.int64),
        }


#: The columns of the chain engine's replicate table each estimand reads (with the
#: ``capped`` rule of :data:`_CAP_AFFECTS`): the engine computes only these.
COLUMNS_READ: dict[str, tuple[str, ...]] = {
    "no_takeover_after": ("last_takeover_time", "censored"),
    "no_takeover_by": ("first_takeover_time",),
    "supercoherence_by_horizon": ("censored", "n_takeovers", "takeovers_by_horizon"),
    "law_of_n": ("n_takeovers",),
    "mean_takeovers": ("takeovers_by_horizon",),
    "last_takeover_time": ("last_takeover_time", "censored"),
    "final_alignment": ("final_alignment",),
}


#: Estimands that at an infinite horizon are functions of :math:`\min(N, M)` alone.
COUNT_ESTIMANDS = ("law_of_n", "supercoherence_by_horizon", "mean_takeovers")


def statistics_from_counts(
    counts: np.ndarray, requests: list[tuple[str, float]]
) -> dict[str, np.ndarray] | None:
    r"""The :func:`statistics` of a chain table at an infinite horizon, from the counts of
    :math:`\min(N, M) = k` alone (``counts[k]``, :math:`k = 0, \dots, M`), or None.

    At :math:`T = \infty` the takeovers by the horizon are all of them and a replicate is
    capped exactly when :math:`N \ge M`, so ``law_of_n``, ``supercoherence_by_horizon``
    and ``mean_takeovers`` (:data:`COUNT_ESTIMANDS`) are functions of the histogram.
    Their per-replicate values are whole numbers, so the sums are exact integers, and
    equal to the floating-point sums over the table bit for bit as long as every
    partial sum is below :math:`2^{53}`; otherwise (or for another estimand) this
    returns None and the table must be summarised.

    Examples
    --------
    >>> stats = statistics_from_counts(np.array([2, 1, 1]), [("law_of_n", 1.0),
    ...     ("mean_takeovers", float("nan")), ("supercoherence_by_horizon", float("nan"))])
    >>> stats["sum"].tolist(), stats["sum_sq"].tolist(), stats["censored"].tolist()
    ([1.0, 3.0, 3.0], [1.0, 5.0, 3.0], [0, 1, 1])
    """
    counts = np.asarray(counts, dtype=np.int64)
    cap = counts.size - 1
    replicates = int(counts.sum())
    if any(DEPRECATED_ESTIMANDS.get(n, n) not in COUNT_ESTIMANDS for n, _ in requests):
        return None
    if replicates * cap * cap >= 2**53:
        return None
    k = np.arange(counts.size, dtype=np.int64)
    n, total, total_sq, censored = [], [], [], []
    for name, at in requests:
        name = DEPRECATED_ESTIMANDS.get(name, name)
        if name == "law_of_n":
            hits = int(counts[int(at)]) if 0 <= at <= cap and at == int(at) else 0
            sums = (hits, hits)
            capped = hits if at == cap else 0
        elif name == "supercoherence_by_horizon":
            hits = replicates - int(counts[cap])
            sums, capped = (hits, hits), int(counts[cap])
        else:  # mean_takeovers: E[min(N, M)]
            sums = (int(np.sum(counts * k)), int(np.sum(counts * k * k)))  # exact integers
            capped = int(counts[cap])
        n.append(replicates)
        total.append(float(sums[0]))
        total_sq.append(float(sums[1]))
        censored.append(capped)
    return {
        "estimand": np.array([r[0] for r in requests], dtype=object),
        "at": np.array([r[1] for r in requests], dtype=float),
        "n": np.array(n, dtype=np.int64),
        "sum": np.array(total, dtype=float),
        "sum_sq": np.array(total_sq, dtype=float),
        "censored": np.array(censored, dtype=np.int64),
    }


def columns_read(requests: list[tuple[str, float]]) -> frozenset[str]:
    """The replicate-table columns the requests read (see :data:`COLUMNS_READ`).

    Examples
    --------
    >>> sorted(columns_read([("law_of_n", 1.0), ("final_alignment", float("nan"))]))
    ['final_alignment', 'n_takeovers']
    """
    out: set[str] = set()
    for name, _ in requests:
        out.update(COLUMNS_READ.get(DEPRECATED_ESTIMANDS.get(name, name), ()))
    return frozenset(out)


def _capped(table, capped, _at):
    return np.asarray(capped, dtype=bool)


#: For each estimand, which capped replicates (stopped at ``max_takeovers`` before the
#: horizon, column ``capped``) have a value the cap may have changed.  ``no_takeover_after``
#: at t is unknown only if the M-th takeover came by t; ``law_of_n`` at k only if k = M.
_CAP_AFFECTS = {
    "no_takeover_after": lambda t, c, at: c & (np.asarray(t["last_takeover_time"]) <= at),
    "supercoherence_by_horizon": _capped,
    "law_of_n": lambda t, c, at: c & (np.asarray(t["n_takeovers"]) == at),
    "mean_takeovers": _capped,
    "last_takeover_time": _capped,
    "final_alignment": _capped,
}


def chain_closed_form(
    scenario: Any, estimand: str, at: float, *, horizon: float, max_takeovers: int
) -> float:
    """The exact value of an estimand for the chain engine, or NaN when none is known.

    Parameters
    ----------
    scenario : TakeoverScenario
        The parameter point (needs ``q(n)``, ``hazard_scale(n)``, ``hazard``, ``drift``).
    estimand : str
        Estimand name.
    at : float
        Its ``at`` value (time or count; NaN when not applicable).
    horizon : float
        The horizon T (``inf`` allowed).
    max_takeovers : int
        The engine's cap M on N.

    Returns
    -------
    float

    Examples
    --------
    >>> from supercoherence.theory.scenario import TakeoverScenario
    >>> sc = TakeoverScenario(spawn_rate=1.0, alignment_skill=0.5, detection=0.5,
    ...                       entrenchment_rate=0.25)
    >>> q = float(sc.never_overthrown_numeric(0))
    >>> exact = chain_closed_form(sc, "mean_takeovers", math.nan, horizon=math.inf,
    ...                           max_takeovers=1000)
    >>> bool(abs(exact - (1 - q) / q) < 1e-9)
    True
    >>> p = chain_closed_form(sc, "no_takeover_by", 2.0, horizon=math.inf, max_takeovers=1000)
    >>> bool(abs(p - math.exp(-float(sc.cumulative_hazard(0, 2.0)))) < 1e-15)
    True
    """
    if estimand == "no_takeover_by":
        return _no_takeover_by_exact(scenario, at, horizon)
    levels = np.arange(max_takeovers + 1)
    if math.isinf(horizon) or estimand == "law_of_n":  # N is counted to the end of the chain
        return _infinite_horizon(scenario, estimand, at, levels, max_takeovers)
    if estimand == "supercoherence_by_horizon":
        q = np.asarray(scenario.never_overthrown_numeric(levels[:-1]), dtype=float)
        if not np.any(q > 0):
            return 0.0  # no optimizer is ever safe, so none is reached by any horizon
    return _poisson(scenario, estimand, at, horizon, levels)


def _no_takeover_by_exact(scenario, t: float, horizon: float) -> float:
    r""":math:`P(F > t) = e^{-\Lambda_0(\min(t, T))}` (F is observed up to the horizon)."""
    return math.exp(-float(scenario.cumulative_hazard(0, min(t, horizon))))


def _infinite_horizon(scenario, estimand, at, levels, cap) -> float:
    from supercoherence.theory.recursion import count_probability, tail_probability

    q = np.clip(np.asarray(scenario.never_overthrown_numeric(levels[:-1]), dtype=float), 0.0, 1.0)
    survive = tail_probability(q, levels)  # S_0 .. S_M: the theory's law of N
    law = count_probability(q, levels[:-1])  # P(N = k), k < M
    if estimand == "law_of_n":
        k = int(at)
        return float(law[k]) if k < cap else float(survive[cap]) if k == cap else 0.0
    if estimand == "supercoherence_by_horizon":
        return float(1.0 - survive[cap])
    if estimand == "mean_takeovers":
        return float(survive[1:].sum())
    if estimand == "final_alignment":
        rho = float(scenario.drift)
        powers = rho ** levels.astype(float)
        return float(np.dot(law, powers[:-1]) + survive[cap] * powers[cap])
    return math.nan


def _poisson(scenario, estimand, at, horizon, levels, *, capped: bool = True) -> float:
    if scenario.hazard != "constant":
        return math.nan
    scales = np.asarray(scenario.hazard_scale(levels), dtype=float)
    if not np.all(scales == scales[0]):
        return math.nan
    h = float(scales[0])
    mean = h * horizon
    if capped and mean > 0.01 * (levels.size - 1):  # the cap M could bind; no closed form then
        return math.nan
    if estimand == "no_takeover_after":
        return math.exp(-h * (horizon - at))
    if estimand == "mean_takeovers":
        return mean
    if estimand == "supercoherence_by_horizon":
        return 0.0 if h > 0 else 1.0
    if estimand == "final_alignment":
        return math.exp(-mean * (1.0 - float(scenario.drift)))
    if estimand == "last_takeover_time":
        return 0.0 if h == 0 else horizon - (1.0 - math.exp(-mean)) / h
    if estimand == "law_of_n":
        k = int(at)
        if mean == 0:
            return float(k == 0)
        return math.exp(k * math.log(mean) - mean - math.lgamma(k + 1))
    return math.nan


def abm_closed_form(scenario: Any, estimand: str, at: float, *, horizon: float) -> float:
    """The exact value of an estimand for the abm engine (top level), or NaN when none is known.

    Valid for an initial nesting whose root starts at level 0 and age 0 (a single root,
    a balanced tree or a CAIS chain); the top-level law does not depend on nesting.

    Parameters
    ----------
    scenario, estimand, at
        As in :func:`chain_closed_form`.
    horizon : float
        The horizon T (a whole number of steps).

    Returns
    -------
    float

    Examples
    --------
    >>> from supercoherence.theory.scenario import TakeoverScenario
    >>> sc = TakeoverScenario(spawn_rate=1.0, alignment_skill=0.5, detection=0.5,
    ...                       hazard="entrenchment", entrenchment_rate=0.5)
    >>> p0 = abm_closed_form(sc, "law_of_n", 0.0, horizon=10.0)
    >>> bool(abs(p0 - math.exp(-float(sc.cumulative_hazard(0, 10.0)))) < 1e-15)
    True
    >>> flat = TakeoverScenario(spawn_rate=1.0, alignment_skill=0.5, detection=0.5,
    ...                         hazard="constant")
    >>> p1 = abm_closed_form(flat, "law_of_n", 1.0, horizon=8.0)  # h = 1/8: Poisson(1) at 1
    >>> bool(abs(p1 - math.exp(-1.0)) < 1e-12)
    True
    >>> abm_closed_form(flat, "no_takeover_by", 4.0, horizon=8.0) == math.exp(-0.5)
    True
    """
    if estimand == "no_takeover_by":
        return _no_takeover_by_exact(scenario, at, horizon)
    h0 = float(scenario.hazard_scale(0))
    reach = max(1000, math.ceil(h0 * horizon + 10 * math.sqrt(h0 * horizon) + 10))
    levels = np.arange(reach + 1)
    if estimand == "supercoherence_by_horizon":
        scales = np.asarray(scenario.hazard_scale(levels), dtype=float)
        return 1.0 if scales[0] == 0 else 0.0 if np.all(scales > 0) else math.nan
    if (estimand == "no_takeover_after" and at == 0) or (estimand == "law_of_n" and at == 0):
        return math.exp(-float(scenario.cumulative_hazard(0, horizon)))
    if estimand == "no_takeover_after" and at >= horizon:
        return 1.0
    poisson = _poisson(scenario, estimand, at, horizon, levels, capped=False)
    if math.isnan(poisson) and estimand == "law_of_n" and at == 1:
        return _one_takeover(scenario, horizon)
    return poisson


def _one_takeover(scenario, horizon: float) -> float:
    from scipy.integrate import quad

    reached = -math.expm1(-float(scenario.cumulative_hazard(0, horizon)))  # F_0(T)
    if reached == 0:
        return 0.0

    def after_first(u: float) -> float:
        s = min(float(scenario.inverse_cumulative_hazard(0, -math.log1p(-u))), horizon)
        return math.exp(-float(scenario.cumulative_hazard(1, horizon - s)))

    value, _ = quad(after_first, 0.0, reached, epsabs=1e-12, epsrel=1e-10, limit=200)
    return float(value)
