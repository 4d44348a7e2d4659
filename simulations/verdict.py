r"""The verdict from simulation: supercoherence or takeovers forever, with its uncertainty.

Input: an *event table* (:mod:`supercoherence.models.engine.events`), one row per
dominant optimizer :math:`O_n` of a replicate: ``replicate``, ``level`` :math:`n`,
``age`` (its tenure if ``observed``, else its age at the horizon: right-censored),
optionally ``entry`` (its age at time 0: left truncation).  Any engine that can say
when each top-level optimizer fell, or that it had not fallen by the horizon, can be
judged: the chain, the Mesa model, a user's engine.

**1. Per level, non-parametric.**  With :math:`d_i` events among :math:`Y_i` at risk
at the ordered event ages :math:`t_i`, the Nelson-Aalen estimator [1]_ [2]_
:math:`\hat\Lambda(t) = \sum_{t_i \le t} d_i / Y_i` and the Kaplan-Meier estimator
[3]_ :math:`\hat S(t) = \prod_{t_i \le t} (1 - d_i/Y_i)` of the takeover hazard in the
optimizer's age, both valid under independent right censoring (and left truncation).

**2. Per level, parametric.**  The families of :mod:`supercoherence.theory.hazard`,
:math:`h(t) = h\,f_\theta(t)`:

================  ==================================  ===============================
family            :math:`\Lambda(t)`                  :math:`\Lambda(\infty)`
================  ==================================  ===============================
``constant``      :math:`h t`                         :math:`\infty` (:math:`h > 0`)
``entrenchment``  :math:`h (1 - e^{-\delta t})/\delta`  :math:`h / \delta`
``power``         :math:`h ((1+t)^{1-\beta} - 1)/(1-\beta)`  :math:`h/(\beta - 1)` if
                  (:math:`h \log(1+t)` at :math:`\beta = 1`)  :math:`\beta > 1`, else
                                                      :math:`\infty`
================  ==================================  ===============================

fitted by maximum likelihood under right censoring and left truncation: with events
:math:`\delta_i`, ages :math:`t_i`, entries :math:`e_i` and (bootstrap) weights
:math:`w_i`, :math:`\ell = \sum_i w_i [\delta_i \log h(t_i) - (\Lambda(t_i) -
\Lambda(e_i))]`.  The scale profiles out, :math:`\hat h(\theta) = D / G(\theta)` with
:math:`D = \sum w_i \delta_i`, :math:`G = \sum w_i (\Lambda_1(t_i) - \Lambda_1(e_i))`
(unit scale), so each fit is a one-dimensional bounded maximisation of
:math:`D \log(D/G(\theta)) - D + \sum w_i\delta_i \log f_\theta(t_i)` (scipy's
bounded Brent on :math:`\log\theta`); standard errors from the observed information
(numerical Hessian in :math:`(\log h, \log\theta)`).  The family is chosen by AIC,
:math:`2k - 2\ell`, summed over the levels (the hazard family is a property of the
model, its parameters vary with :math:`n`); goodness of fit is the Kolmogorov
distance :math:`\sup_t |\hat S_{KM}(t) - e^{-\hat\Lambda(t)}|`.

**3. q_n and its trend.**  :math:`q_n = e^{-\Lambda_n(\infty)}` of the fitted family,
with percentile intervals from a bootstrap over *replicates* (a replicate's levels are
resampled together; multinomial weights, the whole pipeline refitted, seeded).  The
trend of :math:`L_n = \Lambda_n(\infty) = -\log q_n` in :math:`n` is fitted by
weighted least squares (weights from the delta-method standard errors): ``constant``
:math:`L_n = a` (:math:`q_n = e^{-a}`), ``power`` :math:`L_n = a + p \log(1 + n)`
(:math:`q_n = e^{-a} (1+n)^{-p}`) and ``exponential`` :math:`L_n = a + k n`
(:math:`q_n = e^{-a} e^{-kn}`).  A trend in :math:`n` replaces the constant only when
the likelihood-ratio (chi-square) test rejects constancy at level ``trend_alpha``
(default 0.001); between the two one-slope trends the better fit wins.

**4. The dichotomy** (Knopp [4]_, ch. VII; :mod:`supercoherence.theory.recursion`)
applied to the fitted trend: :math:`\prod(1 - q_n) > 0` iff :math:`\sum q_n < \infty`
(when no :math:`q_n = 1`), so: ``constant`` :math:`q > 0`, ``power`` with
:math:`p \le 1`, ``exponential`` with :math:`k \le 0` give *supercoherence almost
surely*; ``power`` with :math:`p > 1` and ``exponential`` with :math:`k > 0` give
*recursion forever with positive probability*, with :math:`\prod_n (1 - q_n)`
estimated from the fitted :math:`q_n` of the observed levels and the trend beyond;
a family with :math:`\Lambda_n(\infty) = \infty` at every level (:math:`q_n = 0`)
gives *recursion forever almost surely*.  With ``pooled=True`` (the user says the
levels are alike) one fit serves every level and :math:`q_n \equiv q`.  The verdict's
*support* is the share of bootstrap resamples giving each outcome; below
``support`` (default 0.95) the verdict is ``undecided``, as it is when too few
levels have enough takeovers to fit a trend, with why and what would decide it.

**Beside it: the rate within the horizon.**  The slope of
:math:`\log\hat\Lambda_n(t^*)` in :math:`n` at a common age :math:`t^*` (observed at
every fitted level) says whether takeovers *recur at a vanishing rate within the
horizon* (the capability-escalation case of MODEL.md, where :math:`q_n = 0` and yet
tenures grow), with its bootstrap support.

**Why lifelines and scipy.**  lifelines [5]_ is a maintained survival-analysis library
whose Kaplan-Meier and Nelson-Aalen fitters handle right censoring and left
truncation with Greenwood / Aalen variance; it gives the non-parametric curves.  Its
``ParametricUnivariateFitter`` would fit the families too (with autograd), but the
bootstrap refits every family at every level hundreds of times, and the profile
likelihood above reduces each fit to a one-dimensional scipy maximisation that is
exact and roughly a hundred times faster; the tests check the fits against lifelines'
own custom fitter.

References
----------
.. [1] W. Nelson, "Theory and applications of hazard plotting for censored failure
   data", *Technometrics* 14 (1972), 945-966.
.. [2] O. Aalen, "Nonparametric inference for a family of counting processes",
   *Annals of Statistics* 6 (1978), 701-726.
.. [3] E. L. Kaplan and P. Meier, "Nonparametric estimation from incomplete
   observations", *J. American Statistical Association* 53 (1958), 457-481.
.. [4] K. Knopp, *Theory and Application of Infinite Series*, Blackie (1951), ch. VII
   (infinite products, sec. 28).
.. [5] C. Davidson-Pilon, "lifelines: survival analysis in Python", *J. Open Source
   Software* 4(40) (2019), 1317.
.. [6] B. Efron and R. J. Tibshirani, *An Introduction to the Bootstrap*, Chapman &
   Hall (1993), ch. 13 (percentile intervals).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd
import scipy.optimize
import scipy.stats

from supercoherence.errors import ParameterError
from supercoherence.randomness import Seed, as_generator
from supercoherence.theory.recursion import Outcome

__all__ = [
    "FAMILIES",
    "TRENDS",
    "HazardFit",
    "Verdict",
    "estimate_verdict",
    "fit_hazard",
    "prepare_events",
]

FAMILIES = ("constant", "entrenchment", "power")
"""The parametric hazard families fitted (those of :mod:`supercoherence.theory.hazard`)."""

TRENDS = ("constant", "power", "exponential")
"""The trends of :math:`q_n` in :math:`n`."""

_SHAPE_NAME = {"constant": "", "entrenchment": "delta", "power": "beta"}
_N_PARAMS = {"constant": 1, "entrenchment": 2, "power": 2}
_PRODUCT_TERMS = 100_000


# --------------------------------------------------------------------------- input


def prepare_events(events: pd.DataFrame | str | PathLike[str]) -> pd.DataFrame:
    """Validate an event table and return its columns ``replicate, level, age, entry, observed``.

    Parameters
    ----------
    events : pandas.DataFrame, str or path-like
        A table (or a Parquet file) with ``replicate``, ``level``, ``age`` and either
        ``observed`` or ``censored`` (booleans); ``tenure`` is accepted for ``age`` and
        ``entry`` is optional (default 0).

    Raises
    ------
    ParameterError
        For a missing column, an empty table, a negative, infinite or missing age, an
        entry beyond the age, negative levels, or a table without a single observed
        takeover (nothing to fit: lengthen the horizon).

    Examples
    --------
    >>> t = prepare_events(pd.DataFrame({"replicate": [0, 0], "level": [0, 1],
    ...                                  "age": [1.0, 2.0], "censored": [False, True]}))
    >>> t["observed"].tolist(), t["entry"].tolist()
    ([True, False], [0.0, 0.0])
    >>> prepare_events(pd.DataFrame({"replicate": [0], "level": [0], "age": [-1.0],
    ...                              "observed": [True]}))
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: events = 'age' is out of range: allowed finite ages
    >= 0 (1 row(s) negative or not finite, e.g. -1.0)
    """
    if not isinstance(events, pd.DataFrame):
        events = pd.read_parquet(events)
    frame = events.rename(columns={"tenure": "age"}) if "age" not in events else events
    missing = [c for c in ("replicate", "level", "age") if c not in frame]
    if "observed" not in frame and "censored" not in frame:
        missing.append("observed (or censored)")
    if missing:
        raise ParameterError(
            "events",
            f"columns {sorted(map(str, frame.columns))}",
            "an event table with replicate, level, age and observed (or censored)",
            message=f"event table lacks column(s) {', '.join(missing)}",
        )
    if len(frame) == 0:
        raise ParameterError(
            "events",
            "an empty table",
            "at least one row",
            message="event table is empty: no optimizer was observed",
        )
    age = pd.to_numeric(frame["age"], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(age) | (age < 0)
    if bad.any():
        raise ParameterError(
            "events",
            "age",
            "finite ages >= 0",
            f"{int(bad.sum())} row(s) negative or not finite, e.g. {age[bad][0]}",
        )
    entry = (
        pd.to_numeric(frame["entry"], errors="coerce").to_numpy(float)
        if "entry" in frame
        else np.zeros(age.size)
    )
    if not np.all(np.isfinite(entry) & (entry >= 0) & (entry <= age)):
        raise ParameterError("events", "entry", "0 <= entry <= age in every row")
    if "observed" in frame:
        observed = frame["observed"].to_numpy(bool)
    else:
        observed = ~frame["censored"].to_numpy(bool)
    level = frame["level"].to_numpy()
    if np.any(level < 0) or not np.all(np.equal(np.mod(level, 1), 0)):
        raise ParameterError("events", "level", "integers >= 0")
    if not observed.any():
        raise ParameterError(
            "events",
            f"{len(frame)} rows, all censored",
            "at least one observed takeover",
            message=f"event table has no observed takeover ({len(frame)} rows, all censored "
            f"at ages up to {age.max():.4g}): no hazard can be fitted; lengthen the horizon",
        )
    return pd.DataFrame(
        {
            "replicate": frame["replicate"].to_numpy().astype(np.int64),
            "level": level.astype(np.int64),
            "age": age,
            "entry": entry,
            "observed": observed,
        }
    )


# --------------------------------------------------------------------------- families


def _unit_cumulative(family: str, theta: float, t: np.ndarray) -> np.ndarray:
    """:math:`\\Lambda_1(t)` of unit scale."""
    if family == "constant":
        return t
    if family == "entrenchment":
        return -np.expm1(-theta * t) / theta
    u = np.log1p(t)
    if abs(1.0 - theta) < 1e-9:
        return u
    return np.expm1((1.0 - theta) * u) / (1.0 - theta)


def _log_shape(family: str, theta: float, t: np.ndarray) -> np.ndarray:
    """:math:`\\log f_\\theta(t)`."""
    if family == "constant":
        return np.zeros_like(t)
    if family == "entrenchment":
        return -theta * t
    return -theta * np.log1p(t)


def _total(family: str, h: float, theta: float) -> float:
    r""":math:`\Lambda(\infty)` (``inf`` when not integrable; 0 when ``h = 0``)."""
    if h == 0:
        return 0.0
    if family == "constant":
        return math.inf
    if family == "entrenchment":
        return h / theta
    return h / (theta - 1.0) if theta > 1.0 else math.inf


@dataclass(frozen=True)
class _Data:
    """One level's (or the pooled) rows as arrays, for repeated weighted fits."""

    age: np.ndarray
    entry: np.ndarray
    event: np.ndarray  # float 0/1
    rep: np.ndarray  # index into the replicate universe
    scale: float  # a time scale for the shape bounds

    @property
    def truncated(self) -> bool:
        return bool(np.any(self.entry > 0))


def _loglik(family: str, h: float, theta: float, d: _Data, w: np.ndarray) -> float:
    if h <= 0:
        return 0.0 if not np.any(w * d.event) else -math.inf
    big = _unit_cumulative(family, theta, d.age)
    if d.truncated:
        big = big - _unit_cumulative(family, theta, d.entry)
    ev = w * d.event
    return float(ev.sum() * math.log(h) + ev @ _log_shape(family, theta, d.age) - h * (w @ big))


def _profile_fit(family: str, d: _Data, w: np.ndarray) -> tuple[float, float, float]:
    """``(loglik, h, theta)`` maximising the weighted likelihood."""
    ev = w * d.event
    D = float(ev.sum())
    if D == 0:
        return 0.0, 0.0, (0.0 if family == "constant" else math.nan)
    if family == "constant":
        G = float(w @ (d.age - d.entry))
        return D * math.log(D / G) - D, D / G, 0.0

    def negative(x: float) -> float:
        theta = math.exp(x)
        big = _unit_cumulative(family, theta, d.age)
        if d.truncated:
            big = big - _unit_cumulative(family, theta, d.entry)
        G = float(w @ big)
        if not G > 0:
            return math.inf
        return -(D * math.log(D / G) - D + float(ev @ _log_shape(family, theta, d.age)))

    if family == "entrenchment":
        lo, hi = math.log(1e-7 / d.scale), math.log(1e4 / d.scale)
    else:
        lo, hi = math.log(1e-6), math.log(1e3)
    res = scipy.optimize.minimize_scalar(
        negative, bounds=(lo, hi), method="bounded", options={"xatol": 1e-7, "maxiter": 500}
    )
    theta = math.exp(float(res.x))
    big = _unit_cumulative(family, theta, d.age)
    if d.truncated:
        big = big - _unit_cumulative(family, theta, d.entry)
    return -float(res.fun), D / float(w @ big), theta


@dataclass(frozen=True)
class HazardFit:
    r"""A maximum-likelihood fit of one hazard family to one level's events.

    Attributes
    ----------
    family : str
        One of :data:`FAMILIES`.
    h, shape : float
        Scale :math:`h` and shape (:math:`\delta`, :math:`\beta`; 0 for constant).
    h_se, shape_se : float
        Standard errors from the observed information (NaN if singular).
    loglik, aic : float
        Maximised log-likelihood and :math:`2k - 2\ell`.
    total_hazard : float
        :math:`\Lambda(\infty)` (``inf`` when not integrable).
    total_se : float
        Delta-method standard error of :math:`\Lambda(\infty)` (NaN if infinite).
    ks : float
        :math:`\sup_t |\hat S_{KM}(t) - \hat S_\text{fit}(t)|` (NaN if not computed).
    """

    family: str
    h: float
    shape: float
    h_se: float
    shape_se: float
    loglik: float
    aic: float
    total_hazard: float
    total_se: float
    ks: float = math.nan

    @property
    def q(self) -> float:
        r""":math:`e^{-\Lambda(\infty)}`."""
        return math.exp(-self.total_hazard)

    def cumulative(self, t: Any) -> np.ndarray:
        r"""The fitted :math:`\Lambda(t)`.

        Examples
        --------
        >>> fit = HazardFit("constant", 2.0, 0.0, 0.1, 0.0, -1.0, 4.0, math.inf, math.nan)
        >>> fit.cumulative([0.0, 1.5]).tolist()
        [0.0, 3.0]
        """
        return self.h * _unit_cumulative(self.family, self.shape, np.asarray(t, float))


def _hessian_se(family: str, h: float, theta: float, d: _Data) -> tuple[float, float, float]:
    """SEs of ``h``, ``theta`` and ``Lambda(oo)`` from a numerical Hessian in log space."""
    w = np.ones(d.age.size)
    D = float(d.event.sum())
    if family == "constant" or D == 0:
        return (h / math.sqrt(D) if D else math.nan), math.nan, math.nan

    def ll(x: np.ndarray) -> float:
        return _loglik(family, math.exp(x[0]), math.exp(x[1]), d, w)

    x0, eps = np.array([math.log(h), math.log(theta)]), 1e-4
    hess = np.empty((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * eps, np.eye(2)[j] * eps
            hess[i, j] = (
                ll(x0 + ei + ej) - ll(x0 + ei - ej) - ll(x0 - ei + ej) + ll(x0 - ei - ej)
            ) / (4 * eps * eps)
    try:
        cov = np.linalg.inv(-hess)
    except np.linalg.LinAlgError:
        return math.nan, math.nan, math.nan
    if not (cov[0, 0] > 0 and cov[1, 1] > 0):
        return math.nan, math.nan, math.nan
    h_se, th_se = h * math.sqrt(cov[0, 0]), theta * math.sqrt(cov[1, 1])
    total = _total(family, h, theta)
    if not math.isfinite(total) or total == 0:
        return h_se, th_se, math.nan
    # log Lambda(oo) = log h - log(theta) [entrenchment], - log(theta - 1) [power]
    g = np.array([1.0, -1.0 if family == "entrenchment" else -theta / (theta - 1.0)])
    var = float(g @ cov @ g)
    return h_se, th_se, (total * math.sqrt(var) if var > 0 else math.nan)


def _data(frame: pd.DataFrame, rep: np.ndarray) -> _Data:
    observed = frame["observed"].to_numpy(bool)
    ages = frame["age"].to_numpy(float)
    scale = float(np.mean(ages[observed])) if observed.any() else float(ages.max())
    return _Data(
        ages, frame["entry"].to_numpy(float), observed.astype(float), rep, max(scale, 1e-12)
    )


def fit_hazard(events: pd.DataFrame, family: str) -> HazardFit:
    r"""Fit one hazard family to the rows of ``events`` (all levels together).

    Parameters
    ----------
    events : pandas.DataFrame
        An event table (see :func:`prepare_events`).
    family : {"constant", "entrenchment", "power"}

    Returns
    -------
    HazardFit

    Raises
    ------
    ParameterError
        For an unknown family or an invalid table.

    Examples
    --------
    >>> from supercoherence.models.engine.events import event_table
    >>> from supercoherence.theory.hazard import EntrenchmentHazard
    >>> table = event_table(EntrenchmentHazard(1.0, 0.5), 3000, seed=0, horizon=20.0)
    >>> fit = fit_hazard(table.query("level == 0"), "entrenchment")
    >>> abs(fit.h - 1.0) < 4 * fit.h_se, abs(fit.shape - 0.5) < 4 * fit.shape_se
    (True, True)
    >>> bool(abs(fit.q - np.exp(-2.0)) < 0.05)  # exact q = exp(-h/delta) = exp(-2)
    True
    """
    if family not in FAMILIES:
        raise ParameterError("family", family, ", ".join(FAMILIES))
    frame = prepare_events(events)
    d = _data(frame, np.zeros(len(frame), np.int64))
    return _full_fit(family, d, frame)


def _full_fit(family: str, d: _Data, frame: pd.DataFrame, km: Any = None) -> HazardFit:
    ll, h, theta = _profile_fit(family, d, np.ones(d.age.size))
    h_se, th_se, total_se = _hessian_se(family, h, theta, d)
    ks = math.nan
    if km is not None:
        times = km.survival_function_.index.to_numpy(float)
        s_km = km.survival_function_.iloc[:, 0].to_numpy(float)
        base = h * _unit_cumulative(family, theta, np.array([float(d.entry.min())]))[0]
        s_fit = np.exp(-(h * _unit_cumulative(family, theta, times) - base))
        ks = float(np.max(np.abs(s_km - s_fit)))
    return HazardFit(
        family,
        h,
        theta if family != "constant" else 0.0,
        h_se,
        th_se if family != "constant" else math.nan,
        ll,
        2 * _N_PARAMS[family] - 2 * ll,
        _total(family, h, theta),
        total_se,
        ks,
    )


# --------------------------------------------------------------------------- trend, dichotomy


def _wls(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, float]:
    """Weighted least squares ``y ~ X``; returns coefficients and chi-square."""
    sw = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(x * sw[:, None], y * sw, rcond=None)
    resid = (y - x @ coef) * sw
    return coef, float(resid @ resid)


def _fit_trend(
    n: np.ndarray, lam: np.ndarray, w: np.ndarray, alpha: float
) -> tuple[str, np.ndarray, dict[str, float]]:
    """The trend of ``Lambda_n(oo)`` in ``n``: name, coefficients, chi-square per trend."""
    one = np.ones(n.size)
    c_coef, c_chi = _wls(one[:, None], lam, w)
    chi = {"constant": c_chi}
    coefs = {"constant": c_coef}
    if n.size >= 3:
        for name, x in (("power", np.log1p(n)), ("exponential", n.astype(float))):
            coefs[name], chi[name] = _wls(np.column_stack([one, x]), lam, w)
        best = min(("power", "exponential"), key=lambda k: chi[k])
        if c_chi - chi[best] > scipy.stats.chi2.isf(alpha, 1):
            return best, coefs[best], chi
    return "constant", coefs["constant"], chi


def _trend_q(name: str, coef: np.ndarray, n: np.ndarray) -> np.ndarray:
    x = np.log1p(n) if name == "power" else n.astype(float)
    lam = coef[0] + (coef[1] * x if name != "constant" else 0.0)
    return np.exp(-np.maximum(lam, 0.0))


def _trend_outcome(name: str, coef: np.ndarray) -> Outcome:
    if name == "constant" or coef[0] <= 0:
        return Outcome.SUPERCOHERENCE_ALMOST_SURELY
    slope = coef[1]
    summable = slope > 1 if name == "power" else slope > 0
    return (
        Outcome.RECURSION_WITH_POSITIVE_PROBABILITY
        if summable
        else Outcome.SUPERCOHERENCE_ALMOST_SURELY
    )


def _product(q_levels: np.ndarray, name: str, coef: np.ndarray) -> float:
    r""":math:`\prod (1 - q_n)`: fitted ``q_n`` on the observed levels, the trend beyond."""
    if np.any(q_levels >= 1):
        return 0.0
    m = q_levels.size
    n = np.arange(m, _PRODUCT_TERMS, dtype=float)
    q = _trend_q(name, coef, n)
    if np.any(q >= 1):
        return 0.0
    log_p = float(np.sum(np.log1p(-q_levels)) + np.sum(np.log1p(-q)))
    if name == "power":
        a, p = coef
        log_p -= math.exp(-a) * (1 + _PRODUCT_TERMS) ** (1 - p) / (p - 1)
    elif name == "exponential":
        a, k = coef
        log_p -= math.exp(-a - k * _PRODUCT_TERMS) / -math.expm1(-k)
    return math.exp(log_p)


@dataclass(frozen=True)
class _Pass:
    """The pipeline's result on one (re)sample."""

    family: str
    q: np.ndarray
    lam: np.ndarray
    rate: np.ndarray  # fitted Lambda_n(t*)
    outcome: Outcome
    trend: str
    coef: np.ndarray
    product: float


_LAMBDA_CAP = 50.0  # q below e^-50 is 0 for every purpose; caps a resample's runaway fit


def _decide(
    family: str,
    q: np.ndarray,
    lam: np.ndarray,
    resolved: np.ndarray,
    weights: np.ndarray,
    pooled: bool,
    alpha: float,
    share: float,
    determined: np.ndarray,
) -> tuple[Outcome, str, np.ndarray, float]:
    """Outcome, trend name, trend coefficients and :math:`\\prod(1 - q_n)` of one pass."""
    if np.any(q >= 1):
        return Outcome.SUPERCOHERENCE_ALMOST_SURELY, "some q_n = 1", np.array([0.0]), 0.0
    if np.all(~np.isfinite(lam)):
        return Outcome.RECURSION_ALMOST_SURELY, "zero", np.array([math.inf]), 1.0
    use = np.isfinite(lam) & (resolved >= share) & determined
    if not use.any():
        return Outcome.UNDECIDED, "unresolved", np.array([math.nan]), math.nan
    n = np.flatnonzero(use)
    y = np.minimum(lam[use], _LAMBDA_CAP)
    q_used = np.where(use, q, 0.0)  # unresolved levels: no never-overthrown mass counted
    if pooled or n.size < 3:
        coef = np.array([float(np.average(y, weights=weights[use]))])
        return Outcome.SUPERCOHERENCE_ALMOST_SURELY, "constant", coef, 0.0
    name, coef, _ = _fit_trend(n, y, weights[use], alpha)
    outcome = _trend_outcome(name, coef)
    product = (
        _product(q_used, name, coef)
        if outcome is Outcome.RECURSION_WITH_POSITIVE_PROBABILITY
        else 0.0
    )
    return outcome, name, coef, product


# --------------------------------------------------------------------------- the verdict


@dataclass
class Verdict:
    r"""The estimated verdict and everything behind it (see the module docstring).

    Attributes
    ----------
    outcome : Outcome
        The verdict: the point outcome if its bootstrap support reaches ``threshold``,
        else ``Outcome.UNDECIDED``.
    point_outcome : Outcome
        The outcome of the full-data fit, whatever its support.
    reason : str
        Why (the family, the trend and its test, or why undecided and what would decide).
    support : dict
        Outcome value -> share of bootstrap resamples giving it.
    family : str
        The hazard family chosen (summed AIC over the fitted levels).
    family_support : dict
        Family -> share of resamples choosing it.
    levels : pandas.DataFrame
        One row per fitted level (``level`` = -1 for the pooled fit): ``at_risk``,
        ``events``, ``max_age``, the AIC of each family, the chosen family's ``h``,
        ``shape`` (with SEs), ``total_hazard``, ``q`` and its bootstrap ``q_low``,
        ``q_high``, ``ks``, the Kaplan-Meier survival ``km_last`` and Nelson-Aalen
        cumulative hazard ``na_last`` at the level's largest age.
    trend : dict
        ``name``, ``coefficients`` (of :math:`\Lambda_n(\infty)`) and the meaning.
    recurrence : tuple of float
        :math:`\prod (1 - q_n)`: estimate and bootstrap percentile interval.
    vanishing : dict
        The rate within the horizon: per-level factor of :math:`\Lambda_n(t^*)`, the
        age :math:`t^*`, the share of resamples with a decreasing rate, and the flag.
    fits : dict
        ``fits[level][family]`` -> :class:`HazardFit` on the full data.
    nonparametric : dict
        ``nonparametric[level]`` -> ``(KaplanMeierFitter, NelsonAalenFitter)``.
    """

    outcome: Outcome
    point_outcome: Outcome
    reason: str
    support: dict[str, float]
    family: str
    family_support: dict[str, float]
    levels: pd.DataFrame
    trend: dict[str, Any]
    recurrence: tuple[float, float, float]
    vanishing: dict[str, Any]
    replicates: int
    bootstrap: int
    pooled: bool
    threshold: float
    fits: dict[int, dict[str, HazardFit]] = field(repr=False, default_factory=dict)
    nonparametric: dict[int, tuple[Any, Any]] = field(repr=False, default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (no fitter objects).

        Examples
        --------
        >>> from supercoherence.models.engine.events import event_table
        >>> from supercoherence.theory.hazard import ConstantHazard
        >>> v = estimate_verdict(event_table(ConstantHazard(1.0), 300, seed=0, horizon=5.0),
        ...                      pooled=True, bootstrap=20, seed=1)
        >>> d = v.to_dict()
        >>> d["outcome"], d["support"]["recursion forever almost surely"]
        ('recursion forever almost surely', 1.0)
        """

        def clean(x: Any) -> Any:
            if isinstance(x, float | np.floating):
                x = float(x)
                return x if math.isfinite(x) else (None if math.isnan(x) else str(x))
            if isinstance(x, np.integer):
                return int(x)
            if isinstance(x, dict):
                return {str(k): clean(v) for k, v in x.items()}
            if isinstance(x, list | tuple | np.ndarray):
                return [clean(v) for v in x]
            return x

        return clean(
            {
                "outcome": self.outcome.value,
                "point_outcome": self.point_outcome.value,
                "reason": self.reason,
                "support": self.support,
                "family": self.family,
                "family_support": self.family_support,
                "trend": self.trend,
                "recurrence": list(self.recurrence),
                "vanishing": self.vanishing,
                "replicates": self.replicates,
                "bootstrap": self.bootstrap,
                "pooled": self.pooled,
                "threshold": self.threshold,
                "levels": self.levels.to_dict(orient="list"),
            }
        )

    def __str__(self) -> str:
        lines = [f"verdict: {self.outcome.value} ({self.reason})"]
        lines.append("support: " + ", ".join(f"{k} {v:.3f}" for k, v in self.support.items()))
        est, lo, hi = self.recurrence
        lines.append(f"prod (1 - q_n) = {est:.4g} [{lo:.4g}, {hi:.4g}]")
        return "\n".join(lines)


@dataclass(frozen=True)
class _Stacked:
    """The fitted levels' rows stacked, with each row's level index (for bincount)."""

    age: np.ndarray
    entry: np.ndarray
    event: np.ndarray
    rep: np.ndarray
    lev: np.ndarray
    n_levels: int
    scale: np.ndarray  # per level
    max_age: np.ndarray  # per level
    log_age: np.ndarray = field(default=None)  # type: ignore[assignment]
    log_entry: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        object.__setattr__(self, "log_age", np.log1p(self.age))
        object.__setattr__(self, "log_entry", np.log1p(self.entry))

    @classmethod
    def of(cls, datas: list[_Data]) -> _Stacked:
        lev = np.concatenate([np.full(d.age.size, i) for i, d in enumerate(datas)])
        cat = {
            k: np.concatenate([getattr(d, k) for d in datas])
            for k in ("age", "entry", "event", "rep")
        }
        return cls(
            **cat,
            lev=lev,
            n_levels=len(datas),
            scale=np.array([d.scale for d in datas]),
            max_age=np.array([float(d.age.max()) for d in datas]),
        )


def _unit_rows(
    family: str, theta: np.ndarray, t: np.ndarray, log_t: np.ndarray | None = None
) -> np.ndarray:
    """:math:`\\Lambda_1(t)` with one shape per row (``log_t = log1p(t)`` if known)."""
    if family == "entrenchment":
        return -np.expm1(-theta * t) / theta
    u = np.log1p(t) if log_t is None else log_t
    one = np.abs(1.0 - theta) < 1e-9
    safe = np.where(one, 0.5, 1.0 - theta)
    return np.where(one, u, np.expm1(safe * u) / safe)


_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0
_GOLDEN_STEPS = 40


def _fit_stacked(
    family: str, st: _Stacked, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted profile-likelihood fits of every level at once: ``loglik, h, theta``.

    A golden-section search on :math:`\\log\\theta` per level, vectorised over the levels
    (each step evaluates all levels' profiles in one pass over the rows).
    """
    L, lev = st.n_levels, st.lev
    ev = w * st.event
    D = np.bincount(lev, ev, L)
    has = D > 0
    safe_d = np.where(has, D, 1.0)
    if family == "constant":
        G = np.bincount(lev, w * (st.age - st.entry), L)
        G = np.where(G > 0, G, 1.0)
        h = np.where(has, D / G, 0.0)
        ll = np.where(has, D * np.log(safe_d / G) - D, 0.0)
        return ll, h, np.zeros(L)
    truncated = bool(np.any(st.entry > 0))
    log_age = st.log_age if family == "power" else st.age

    def profile(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        theta = np.exp(x)[lev]
        big = _unit_rows(family, theta, st.age, st.log_age)
        if truncated:
            big = big - _unit_rows(family, theta, st.entry, st.log_entry)
        G = np.bincount(lev, w * big, L)
        G = np.where(G > 0, G, np.nan)
        S = np.bincount(lev, ev * theta * log_age, L)
        value = D * np.log(safe_d / G) - D - S
        return np.where(np.isfinite(value), value, -np.inf), G

    if family == "entrenchment":
        a, b = np.log(1e-7 / st.scale), np.log(1e4 / st.scale)
    else:
        a, b = np.full(L, math.log(1e-6)), np.full(L, math.log(1e3))
    c, d = b - _GOLDEN * (b - a), a + _GOLDEN * (b - a)
    fc, fd = profile(c)[0], profile(d)[0]
    for _ in range(_GOLDEN_STEPS):
        left = fc >= fd  # the maximum lies in [a, d]: drop (d, b]; else drop [a, c)
        a, b = np.where(left, a, c), np.where(left, d, b)
        new = np.where(left, b - _GOLDEN * (b - a), a + _GOLDEN * (b - a))
        f_new = profile(new)[0]
        c, d, fc, fd = (
            np.where(left, new, d),
            np.where(left, c, new),
            np.where(left, f_new, fd),
            np.where(left, fc, f_new),
        )
    x = np.where(fc >= fd, c, d)
    ll, G = profile(x)
    theta = np.exp(x)
    h = np.where(has, D / np.where(np.isfinite(G), G, np.inf), 0.0)
    return np.where(has, ll, 0.0), h, np.where(has, theta, np.nan)


def _totals(family: str, h: np.ndarray, theta: np.ndarray) -> np.ndarray:
    return np.array([_total(family, float(a), float(b)) for a, b in zip(h, theta, strict=True)])


def _resolved(family: str, theta: np.ndarray, max_age: np.ndarray) -> np.ndarray:
    """Share of the fitted total hazard spent by the level's largest observed age."""
    if family == "constant":
        return np.zeros(theta.size)
    if family == "entrenchment":
        return -np.expm1(-theta * max_age)
    with np.errstate(over="ignore", invalid="ignore"):
        share = 1.0 - (1.0 + max_age) ** (1.0 - theta)
    return np.where(theta > 1.0, share, 0.0)


def _penalty(criterion: str, events: np.ndarray) -> np.ndarray:
    """Per-parameter penalty of each level's information criterion."""
    if criterion == "aic":
        return np.full(events.size, 2.0)
    return np.log(np.maximum(events, 2.0))


def _fit_levels(
    st: _Stacked, w_rep: np.ndarray | None, t_star: float, criterion: str
) -> tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fit every family at every level; choose the family by the summed criterion.

    Returns the family, ``q_n``, ``Lambda_n(oo)``, ``Lambda_n(t*)`` and the resolved share.
    """
    w = np.ones(st.age.size) if w_rep is None else w_rep[st.rep].astype(float)
    events = np.bincount(st.lev, w * st.event, st.n_levels)
    penalty = _penalty(criterion, events)
    fits = {f: _fit_stacked(f, st, w) for f in FAMILIES}
    score = {f: float(np.sum(_N_PARAMS[f] * penalty - 2 * fits[f][0])) for f in FAMILIES}
    family = min(FAMILIES, key=lambda f: score[f])
    _, h, theta = fits[family]
    lam = _totals(family, h, theta)
    if family == "constant":
        rate = h * t_star
    else:
        rate = h * _unit_rows(
            family, np.where(np.isfinite(theta), theta, 1.0), np.full(h.size, t_star)
        )
    return family, np.exp(-lam), lam, rate, _resolved(family, theta, st.max_age)


def _slope(n: np.ndarray, y: np.ndarray) -> float:
    ok = np.isfinite(y) & (y > 0)
    if ok.sum() < 2:
        return math.nan
    return float(np.polyfit(n[ok], np.log(y[ok]), 1)[0])


def estimate_verdict(
    events: pd.DataFrame | str | PathLike[str],
    *,
    pooled: bool = False,
    bootstrap: int = 200,
    seed: Seed = 0,
    criterion: str = "bic",
    min_events: int = 10,
    min_levels: int = 3,
    max_levels: int = 25,
    resolved: float = 0.5,
    max_rel_se: float = 0.5,
    threshold: float = 0.95,
    trend_alpha: float = 0.001,
    confidence: float = 0.95,
) -> Verdict:
    r"""Estimate the verdict of the dichotomy from an event table, with its support.

    Parameters
    ----------
    events : pandas.DataFrame, str or path-like
        The event table (or its Parquet file); see :func:`prepare_events`.
    pooled : bool, optional
        Treat the levels as alike: one fit for all of them, :math:`q_n \equiv q`.
    bootstrap : int, optional
        Resamples over replicates (>= 10; default 200).
    seed : int, Generator, SeedSequence or None, optional
        Seed of the resampling (same seed, same verdict).
    criterion : {"bic", "aic"}, optional
        Information criterion choosing the hazard family, summed over the levels.  Both
        are reported per level; ``"bic"`` (penalty :math:`\log D_n` per parameter,
        :math:`D_n` the level's takeovers) is the default because it is consistent: under
        a constant hazard AIC keeps choosing a decaying family in a fixed share of
        resamples however many replicates are run, which caps the verdict's support.
    min_events : int, optional
        Takeovers a level needs to be fitted (levels are fitted from 0 up while they
        have that many, at most ``max_levels`` of them).
    min_levels : int, optional
        Resolved levels needed to fit a trend in :math:`n` (without ``pooled``).
    max_levels : int, optional
        Largest number of levels fitted.
    resolved : float, optional
        A level's :math:`\Lambda_n(\infty)` counts (enters the trend) only if at least
        this share of the fitted total hazard falls within its largest observed age;
        otherwise the horizon has not shown whether its hazard integrates.
    max_rel_se : float, optional
        A level enters the trend only if its :math:`\Lambda_n(\infty)` has a relative
        standard error of at most this (deep levels with few takeovers are reported but
        would let single resamples swing the trend).
    threshold : float, optional
        Bootstrap support the point outcome needs to be the verdict.
    trend_alpha : float, optional
        Level of the likelihood-ratio test of a trend in :math:`n` against constancy.
    confidence : float, optional
        Level of the bootstrap percentile intervals.

    Returns
    -------
    Verdict

    Raises
    ------
    ParameterError
        For an invalid table (see :func:`prepare_events`) or option.

    Examples
    --------
    >>> from supercoherence.models.engine.events import event_table
    >>> from supercoherence.theory.hazard import ConstantHazard, EntrenchmentHazard
    >>> v = estimate_verdict(event_table(ConstantHazard(1.0), 400, seed=0, horizon=5.0),
    ...                      pooled=True, bootstrap=50, seed=1)
    >>> v.outcome.value, v.family
    ('recursion forever almost surely', 'constant')
    >>> v = estimate_verdict(event_table(EntrenchmentHazard(1.0, 1.0), 400, seed=0,
    ...                      horizon=10.0), pooled=True, bootstrap=50, seed=1)
    >>> v.outcome.value, round(float(v.levels["q"].iloc[0]), 1)  # exact q = exp(-1)
    ('supercoherence almost surely', 0.4)
    """
    checks = (
        ("bootstrap", bootstrap, isinstance(bootstrap, int) and bootstrap >= 10, "integers >= 10"),
        ("criterion", criterion, criterion in ("aic", "bic"), "aic, bic"),
        (
            "min_events",
            min_events,
            isinstance(min_events, int) and min_events >= 1,
            "integers >= 1",
        ),
        (
            "min_levels",
            min_levels,
            isinstance(min_levels, int) and min_levels >= 1,
            "integers >= 1",
        ),
        (
            "max_levels",
            max_levels,
            isinstance(max_levels, int) and max_levels >= 1,
            "integers >= 1",
        ),
        ("resolved", resolved, 0 <= resolved < 1, "[0, 1)"),
        ("max_rel_se", max_rel_se, max_rel_se > 0, "(0, oo)"),
        ("threshold", threshold, 0.5 < threshold <= 1, "(0.5, 1]"),
        ("trend_alpha", trend_alpha, 0 < trend_alpha < 1, "(0, 1)"),
        ("confidence", confidence, 0 < confidence < 1, "(0, 1)"),
    )
    for name, value, ok, allowed in checks:
        if not ok:
            raise ParameterError(name, value, allowed)
    frame = prepare_events(events)
    replicate_ids, rep_index = np.unique(frame["replicate"].to_numpy(), return_inverse=True)
    frame = frame.assign(_rep=rep_index)
    n_rep = replicate_ids.size
    events_by_level = frame.groupby("level")["observed"].sum()
    horizon_age = float(frame["age"].max())

    if pooled:
        labels, subsets = [-1], [frame]
    else:
        labels, subsets = [], []
        for level in range(min(int(frame["level"].max()) + 1, max_levels)):
            if int(events_by_level.get(level, 0)) < min_events:
                break
            labels.append(level)
            subsets.append(frame[frame["level"] == level])
    if not labels:
        most = int(events_by_level.max())
        why = (
            f"too few takeovers: level 0 has {int(events_by_level.get(0, 0))}, a fit "
            f"needs {min_events}; lengthen the horizon beyond {horizon_age:.3g} or run "
            f"about {math.ceil(n_rep * min_events / max(most, 1))} replicates"
        )
        return _undecided_verdict(why, n_rep, bootstrap, pooled, threshold)

    datas = [_data(sub, sub["_rep"].to_numpy()) for sub in subsets]
    stacked = _Stacked.of(datas)
    t_star = float(min(np.quantile(d.age, 0.9) for d in datas))
    from lifelines import KaplanMeierFitter, NelsonAalenFitter

    nonparametric, fits = {}, {}
    for label, d in zip(labels, datas, strict=True):
        entry = d.entry if d.truncated else None
        km = KaplanMeierFitter().fit(d.age, d.event, entry=entry)
        na = NelsonAalenFitter().fit(d.age, d.event, entry=entry)
        nonparametric[label] = (km, na)
        fits[label] = {f: _full_fit(f, d, None, km) for f in FAMILIES}

    events_n = np.array([d.event.sum() for d in datas])
    penalty = _penalty(criterion, events_n)
    score = {
        f: float(
            sum(
                _N_PARAMS[f] * pen - 2 * fits[lb][f].loglik
                for lb, pen in zip(labels, penalty, strict=True)
            )
        )
        for f in FAMILIES
    }
    family = min(FAMILIES, key=lambda f: score[f])
    chosen = [fits[lb][family] for lb in labels]
    lam = np.array([c.total_hazard for c in chosen])
    q = np.exp(-lam)
    shape = np.array([c.shape for c in chosen])
    share = _resolved(family, shape, stacked.max_age)
    rate = np.array([float(c.cumulative(t_star)) for c in chosen])
    se = np.array([c.total_se for c in chosen])
    fallback = lam / np.sqrt(np.maximum(events_n, 1))
    se = np.where(np.isfinite(se) & (se > 0), se, fallback)
    weights = np.where(np.isfinite(lam), 1.0 / np.maximum(se, 1e-12) ** 2, np.nan)
    # A level with q_n = 0 on the full data may have q_n > 0 in a resample: give it a
    # typical weight.
    typical = float(np.nanmedian(weights)) if np.isfinite(weights).any() else 1.0
    weights = np.where(np.isfinite(weights), weights, typical)
    rel_se = np.where(
        np.isfinite(lam) & (lam > 0),
        np.array([c.total_se for c in chosen]) / np.where(lam > 0, lam, 1.0),
        np.inf,
    )
    determined = np.isfinite(lam) & (rel_se <= max_rel_se)
    if not determined.any() and np.isfinite(lam).any():
        determined = np.isfinite(lam) & (rel_se == np.nanmin(rel_se))  # the best one, if any
    outcome, trend, coef, product = _decide(
        family, q, lam, share, weights, pooled, trend_alpha, resolved, determined
    )
    level_n = np.array(labels, float)
    slope = _slope(level_n, rate) if not pooled else math.nan

    # A resample that picks another family than the full data has no full-data precision
    # for it: every level with a finite total counts there.
    determined_b = determined if determined.any() else np.ones(len(labels), bool)
    rng = as_generator(seed)
    boot: list[_Pass] = []
    for _ in range(bootstrap):
        counts = rng.multinomial(n_rep, np.full(n_rep, 1.0 / n_rep))
        fam_b, q_b, lam_b, rate_b, share_b = _fit_levels(stacked, counts, t_star, criterion)
        out_b, trend_b, coef_b, prod_b = _decide(
            fam_b, q_b, lam_b, share_b, weights, pooled, trend_alpha, resolved, determined_b
        )
        boot.append(_Pass(fam_b, q_b, lam_b, rate_b, out_b, trend_b, coef_b, prod_b))

    support = {o.value: sum(b.outcome is o for b in boot) / bootstrap for o in Outcome}
    family_support = {f: sum(b.family == f for b in boot) / bootstrap for f in FAMILIES}
    tail = (1 - confidence) / 2
    q_boot = np.array([b.q for b in boot])
    q_low, q_high = np.quantile(q_boot, [tail, 1 - tail], axis=0)
    products = np.array([b.product for b in boot])
    products = products[np.isfinite(products)]
    bounds = (
        np.quantile(products, [tail, 1 - tail]) if products.size else np.array([math.nan, math.nan])
    )
    recurrence = (product, float(bounds[0]), float(bounds[1]))

    slopes = np.array([_slope(level_n, b.rate) for b in boot]) if not pooled else np.array([])
    finite_slopes = slopes[np.isfinite(slopes)]
    falling = float(np.mean(finite_slopes < 0)) if finite_slopes.size else math.nan
    vanishing = {
        "age": t_star,
        "factor_per_level": math.exp(slope) if math.isfinite(slope) else math.nan,
        "support": falling,
        "vanishing": bool(math.isfinite(slope) and slope < 0 and falling >= threshold),
    }

    levels = pd.DataFrame(
        {
            "level": labels,
            "at_risk": [d.age.size for d in datas],
            "events": events_n.astype(np.int64),
            "max_age": stacked.max_age,
            **{f"aic_{f}": [fits[lb][f].aic for lb in labels] for f in FAMILIES},
            "best_family": [min(FAMILIES, key=lambda f, lb=lb: fits[lb][f].aic) for lb in labels],
            "family": family,
            "h": [c.h for c in chosen],
            "h_se": [c.h_se for c in chosen],
            "shape": shape,
            "shape_se": [c.shape_se for c in chosen],
            "total_hazard": lam,
            "total_se": [c.total_se for c in chosen],
            "resolved": share,
            "in_trend": determined & (share >= resolved),
            "q": q,
            "q_low": q_low,
            "q_high": q_high,
            "ks": [c.ks for c in chosen],
            "km_last": [
                float(nonparametric[lb][0].survival_function_.iloc[-1, 0]) for lb in labels
            ],
            "na_last": [
                float(nonparametric[lb][1].cumulative_hazard_.iloc[-1, 0]) for lb in labels
            ],
        }
    )
    trend_info = {
        "name": trend,
        "coefficients": [float(c) for c in coef],
        "meaning": _trend_meaning(trend, coef),
    }
    n_resolved = int(np.sum(determined & (share >= resolved)))
    reason = _reason(outcome, family, trend, coef, labels, pooled, criterion)
    final = outcome
    if outcome is Outcome.UNDECIDED:
        reason = (
            f"censoring too heavy: the fitted {family} hazard spends less than "
            f"{resolved:.0%} of its total within the observed ages at every level; "
            f"lengthen the horizon (now {horizon_age:.3g}) several-fold"
        )
    elif not pooled and outcome is not Outcome.RECURSION_ALMOST_SURELY and n_resolved < min_levels:
        final = Outcome.UNDECIDED
        reason = (
            f"too few levels observed: {n_resolved} resolved level(s) with >= "
            f"{min_events} takeovers, a trend in n needs {min_levels}; a horizon of "
            f"about {horizon_age * min_levels / max(n_resolved, 1) * 1.5:.3g} (now "
            f"{horizon_age:.3g}), or pooled levels if they are alike, would decide it"
        )
    elif support[outcome.value] < threshold:
        final = Outcome.UNDECIDED
        reason = (
            f"point estimate '{outcome.value}' has bootstrap support "
            f"{support[outcome.value]:.2f} < {threshold}; {reason}; about "
            f"{4 * n_rep} replicates (halving the standard errors) or a longer horizon "
            f"may decide it"
        )
    return Verdict(
        final,
        outcome,
        reason,
        support,
        family,
        family_support,
        levels,
        trend_info,
        recurrence,
        vanishing,
        n_rep,
        bootstrap,
        pooled,
        threshold,
        fits,
        nonparametric,
    )


def _trend_meaning(trend: str, coef: np.ndarray) -> str:
    if trend == "zero":
        return "q_n = 0"
    if trend == "some q_n = 1":
        return trend
    a = coef[0]
    if trend == "constant":
        return f"q_n = {math.exp(-max(a, 0)):.4g}"
    if trend == "power":
        return f"q_n = {math.exp(-a):.4g} (1 + n)^-{coef[1]:.4g}"
    return f"q_n = {math.exp(-a):.4g} exp(-{coef[1]:.4g} n)"


def _reason(
    outcome: Outcome,
    family: str,
    trend: str,
    coef: np.ndarray,
    labels: list[int],
    pooled: bool,
    criterion: str,
) -> str:
    where = f"{criterion.upper()}, " + ("levels pooled" if pooled else f"levels 0..{labels[-1]}")
    if outcome is Outcome.RECURSION_ALMOST_SURELY:
        return f"{family} hazard ({where}) has Lambda_n(oo) = oo: q_n = 0"
    if trend == "some q_n = 1":
        return f"{family} hazard: a fitted level has no takeover hazard (q_n = 1)"
    meaning = _trend_meaning(trend, coef)
    if outcome is Outcome.SUPERCOHERENCE_ALMOST_SURELY:
        return f"{family} hazard ({where}), trend {trend}: {meaning}, sum q_n = oo"
    return f"{family} hazard ({where}), trend {trend}: {meaning}, sum q_n < oo"


def _undecided_verdict(
    reason: str, n_rep: int, bootstrap: int, pooled: bool, threshold: float
) -> Verdict:
    return Verdict(
        Outcome.UNDECIDED,
        Outcome.UNDECIDED,
        reason,
        {},
        "",
        {},
        pd.DataFrame(),
        {"name": "", "coefficients": [], "meaning": ""},
        (math.nan, math.nan, math.nan),
        {},
        n_rep,
        bootstrap,
        pooled,
        threshold,
    )
