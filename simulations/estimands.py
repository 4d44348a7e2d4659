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
``survival`` (at t)             probability  no top-level takeover in ``(t, T]``: ``L <= t``
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
survival :math:`e^{-h(T - t)}`, :math:`E[N_T] = hT`,
:math:`E[\rho^{N_T}] = e^{-hT(1-\rho)}`, :math:`E[L] = T - (1 - e^{-hT})/h`,
P(supercoherence by T) = 0 (if h > 0).

Closed forms (abm engine).  The Mesa model's top-level process is the same recursion,
observed to a finite horizon T of steps, and its ``N`` is :math:`N_T` (it cannot look
past T).  With :math:`\Lambda_n` the cumulative hazards: survival at t = 0 and the law
of N at k = 0 are :math:`P(N_T = 0) = e^{-\Lambda_0(T)}`; the law at k = 1 is

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

__all__ = [
    "ESTIMANDS",
    "Estimand",
    "abm_closed_form",
    "chain_closed_form",
    "statistics",
]


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


def _survival(table, t, horizon):
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
            "survival", "probability", "time", _survival, "P(no top-level takeover after time t)"
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
    n, total, total_sq, censored = [], [], [], []
    capped = table.get("capped")
    for name, at in requests:
        values = np.asarray(ESTIMANDS[name].values(table, at, horizon), dtype=float)
        if capped is not None and name in _CAP_AFFECTS:
            censored.append(int(np.count_nonzero(_CAP_AFFECTS[name](table, capped, at))))
        else:
            censored.append(0)
        values = values[~np.isnan(values)]
        n.append(values.size)
        total.append(float(values.sum()))
        total_sq.append(float(np.einsum("i,i->", values, values)))  # no BLAS threads
    return {
        "estimand": np.array([r[0] for r in requests], dtype=object),
        "at": np.array([r[1] for r in requests], dtype=float),
        "n": np.array(n, dtype=np.int64),
        "sum": np.array(total, dtype=float),
        "sum_sq": np.array(total_sq, dtype=float),
        "censored": np.array(censored, dtype=np.int64),
    }


def _capped(table, capped, _at):
    return np.asarray(capped, dtype=bool)


#: For each estimand, which capped replicates (stopped at ``max_takeovers`` before the
#: horizon, column ``capped``) have a value the cap may have changed.  ``survival`` at t
#: is unknown only if the M-th takeover came by t; ``law_of_n`` at k only if k = M.
_CAP_AFFECTS = {
    "survival": lambda t, c, at: c & (np.asarray(t["last_takeover_time"]) <= at),
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
    ...                       entrenchment=0.25)
    >>> q = float(sc.q(0))
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
    if estimand == "supercoherence_by_horizon" and not np.any(scenario.q(levels[:-1]) > 0):
        return 0.0  # no optimizer is ever safe, so none is reached by any horizon
    return _poisson(scenario, estimand, at, horizon, levels)


def _no_takeover_by_exact(scenario, t: float, horizon: float) -> float:
    r""":math:`P(F > t) = e^{-\Lambda_0(\min(t, T))}` (F is observed up to the horizon)."""
    return math.exp(-float(scenario.cumulative_hazard(0, min(t, horizon))))


def _infinite_horizon(scenario, estimand, at, levels, cap) -> float:
    q = np.clip(np.asarray(scenario.q(levels[:-1]), dtype=float), 0.0, 1.0)
    survive = np.concatenate(([1.0], np.cumprod(1.0 - q)))  # S_0 .. S_M
    law = survive[:-1] * q  # P(N = k), k < M
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
    if estimand == "survival":
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
    scenario : TakeoverScenario
        The parameter point.
    estimand : str
        Estimand name.
    at : float
        Its ``at`` value (time or count; NaN when not applicable).
    horizon : float
        The horizon T (a whole number of steps).

    Returns
    -------
    float

    Examples
    --------
    >>> from supercoherence.theory.scenario import TakeoverScenario
    >>> sc = TakeoverScenario(spawn_rate=1.0, alignment_skill=0.5, detection=0.5,
    ...                       hazard="entrenchment", entrenchment=0.5)
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
    if (estimand == "survival" and at == 0) or (estimand == "law_of_n" and at == 0):
        return math.exp(-float(scenario.cumulative_hazard(0, horizon)))
    if estimand == "survival" and at >= horizon:
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
