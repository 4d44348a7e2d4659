r"""The *analyse* stage: estimates, intervals, closed forms, boundary, sensitivity.

Probabilities.  With x successes in n replicates, :math:`\hat p = x/n`, standard error
:math:`\sqrt{\hat p(1-\hat p)/n}` and the Wilson score interval [1]_

.. math:: \frac{\hat p + z^2/2n \pm z\sqrt{\hat p(1-\hat p)/n + z^2/4n^2}}{1 + z^2/n},

which stays inside [0, 1] and keeps its coverage near 0 and 1.  The agreement with an
exact value p is the score statistic :math:`z = (\hat p - p)/\sqrt{p(1-p)/n}` (the
statistic the Wilson interval inverts; defined even when :math:`\hat p \in \{0, 1\}`).

Means.  Sample mean, unbiased variance :math:`s^2`, standard error :math:`s/\sqrt n`,
and the CLT interval :math:`\bar x \pm z\, s/\sqrt n`; the agreement with an exact
value is :math:`(\bar x - \mu)/(s/\sqrt n)`.

A row is flagged when :math:`|z| > 4` (a two-sided p-value below 6.3e-5 per row).

Sobol indices.  For a Saltelli design the first- and total-order indices of an
estimand over the sampled parameters come from :func:`SALib.analyze.sobol.analyze`.

References
----------
.. [1] E. B. Wilson, Probable inference, the law of succession, and statistical
   inference, J. Amer. Statist. Assoc. 22 (1927) 209-212.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "FLAG_THRESHOLD",
    "boundary_table",
    "estimate_table",
    "mean_interval",
    "sobol_indices",
    "wilson_interval",
    "z_scores",
]

FLAG_THRESHOLD = 4.0


def _z(level: float) -> float:
    return float(stats.norm.ppf(0.5 + level / 2))


def wilson_interval(successes, n, level: float = 0.95):
    """Wilson score interval of a binomial proportion (vectorised).

    Parameters
    ----------
    successes, n : array_like
        Successes and trials (``n >= 1``).
    level : float
        Confidence level.

    Returns
    -------
    (low, high) : tuple of numpy.ndarray

    Examples
    --------
    >>> low, high = wilson_interval(0, 10)
    >>> float(low), round(float(high), 4)
    (0.0, 0.2775)
    >>> [round(float(v), 4) for v in wilson_interval(50, 100)]
    [0.4038, 0.5962]
    """
    x = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    z = _z(level)
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = np.where(x <= 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(x >= n, 1.0, np.clip(centre + half, 0.0, 1.0))
    return low, high


def mean_interval(n, total, total_sq, level: float = 0.95):
    """Mean, standard error and CLT interval from ``(n, sum, sum of squares)``.

    Returns
    -------
    (mean, std_error, low, high) : tuple of numpy.ndarray
        NaN standard error when ``n < 2``.

    Examples
    --------
    >>> x = np.array([1.0, 2.0, 3.0, 4.0])
    >>> mean, se, low, high = mean_interval(4, x.sum(), (x * x).sum())
    >>> float(mean), round(float(se), 6), round(float(se) ** 2 * 4, 6)
    (2.5, 0.645497, 1.666667)
    """
    n = np.asarray(n, dtype=float)
    total = np.asarray(total, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
        variance = np.maximum(np.asarray(total_sq, dtype=float) - n * mean * mean, 0.0) / (n - 1)
        se = np.where(n >= 2, np.sqrt(variance / n), np.nan)
    z = _z(level)
    return mean, se, mean - z * se, mean + z * se


def z_scores(estimate, exact, std_error, kind, n, se_floor=0.0):
    """Agreement of estimates with exact values in standard errors (NaN without exact).

    For probabilities the standard error under the exact value is used (score test);
    for means the sample standard error, but at least ``se_floor`` (see
    ``Estimand.value_range``).  A zero standard error gives 0 on agreement and
    infinity otherwise.

    Examples
    --------
    >>> z = z_scores(np.array([0.5]), np.array([0.4]), np.array([0.05]), np.array(["mean"]),
    ...              np.array([100]))
    >>> z.round(12).tolist()
    [2.0]
    >>> z_scores(np.array([0.0]), np.array([0.0]), np.array([0.0]),
    ...          np.array(["probability"]), np.array([10])).tolist()
    [0.0]
    """
    estimate = np.asarray(estimate, dtype=float)
    exact = np.asarray(exact, dtype=float)
    n = np.asarray(n, dtype=float)
    null_se = np.sqrt(np.clip(exact * (1 - exact), 0.0, None) / n)
    mean_se = np.fmax(np.asarray(std_error, dtype=float), np.asarray(se_floor, dtype=float))
    se = np.where(np.asarray(kind) == "probability", null_se, mean_se)
    diff = estimate - exact
    with np.errstate(invalid="ignore", divide="ignore"):
        z = diff / se
    z = np.where((se == 0) & (diff == 0), 0.0, z)
    z = np.where((se == 0) & (diff != 0), np.copysign(np.inf, diff), z)
    return np.where(np.isnan(exact), np.nan, z)


def estimate_table(study, merged: pd.DataFrame, engine, level: float = 0.95) -> pd.DataFrame:
    """The tidy ``estimates`` table from merged sufficient statistics.

    Parameters
    ----------
    study : Study
        The study (points, horizon, engine options).
    merged : pandas.DataFrame
        Columns ``point``, ``estimand``, ``at``, ``n``, ``sum``, ``sum_sq``.
    engine : Engine
        Supplies the closed forms.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        Columns of ``docs/ARCHITECTURE.md``: ``point``, the parameters, ``estimand``,
        ``at``, ``estimate``, ``std_error``, ``ci_low``, ``ci_high``, ``replicates``,
        ``exact``, ``z``, ``flag``.
    """
    from supercoherence.simulations.estimands import ESTIMANDS

    kind = merged["estimand"].map(lambda name: ESTIMANDS[name].kind).to_numpy()
    n = merged["n"].to_numpy()
    is_prob = kind == "probability"
    p = np.where(is_prob, merged["sum"].to_numpy() / np.maximum(n, 1), 0.0)
    w_low, w_high = wilson_interval(p * np.maximum(n, 1), np.maximum(n, 1), level)
    mean, m_se, m_low, m_high = mean_interval(n, merged["sum"], merged["sum_sq"], level)
    estimate = np.where(is_prob, p, mean)
    std_error = np.where(is_prob, np.sqrt(p * (1 - p) / np.maximum(n, 1)), m_se)
    exact = np.array(
        [
            engine.exact(
                study.points[pt], name, at, horizon=study.horizon, options=study.engine_options
            )
            for pt, name, at in zip(merged["point"], merged["estimand"], merged["at"], strict=True)
        ],
        dtype=float,
    )
    width = merged["estimand"].map(
        lambda name: np.diff(ESTIMANDS[name].value_range or (0.0, 0.0))[0]
    ).to_numpy(dtype=float)
    z = z_scores(estimate, exact, std_error, kind, n, se_floor=width / np.maximum(n, 1))
    params = pd.DataFrame([study.points[pt] for pt in merged["point"]])
    table = pd.concat(
        [merged[["point"]].reset_index(drop=True), params.reset_index(drop=True)], axis=1
    )
    table["estimand"] = merged["estimand"].astype(str).to_numpy()
    table["at"] = merged["at"].to_numpy(dtype=float)
    table["estimate"] = estimate
    table["std_error"] = std_error
    table["ci_low"] = np.where(is_prob, w_low, m_low)
    table["ci_high"] = np.where(is_prob, w_high, m_high)
    table["replicates"] = n.astype(np.int64)
    table["exact"] = exact
    table["z"] = z
    table["flag"] = np.abs(np.nan_to_num(z, nan=0.0)) > FLAG_THRESHOLD
    return table


def boundary_table(study, estimates: pd.DataFrame, engine, estimand: str) -> pd.DataFrame:
    """Per point: the analytic classification beside the estimate of ``estimand``.

    Parameters
    ----------
    study : Study
    estimates : pandas.DataFrame
        The table of :func:`estimate_table`.
    engine : Engine
        Supplies ``classify``.
    estimand : str
        The estimated probability shown beside it (``supercoherence_by_horizon``).

    Returns
    -------
    pandas.DataFrame
        ``point``, the parameters, ``classification``, ``estimand``, ``estimate``,
        ``ci_low``, ``ci_high``.
    """
    rows = estimates[estimates["estimand"] == estimand].copy()
    rows["classification"] = [
        engine.classify(study.points[pt], options=study.engine_options) for pt in rows["point"]
    ]
    keep = [
        "point",
        *study.parameters,
        "classification",
        "estimand",
        "estimate",
        "ci_low",
        "ci_high",
    ]
    return rows[keep].reset_index(drop=True)


def sobol_indices(study, estimates: pd.DataFrame, estimands) -> pd.DataFrame:
    """First- and total-order Sobol indices of estimands over the sampled parameters.

    Needs ``design = "saltelli"`` without grids (the points are then SALib's sample in
    order).  Confidence intervals are SALib's bootstrap, seeded from the study seed.

    Returns
    -------
    pandas.DataFrame
        ``estimand``, ``at``, ``parameter``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``.
    """
    from SALib.analyze import sobol

    names = [n for n, s in study.parameters.items() if s.kind == "distribution"]
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    rows = []
    for name in estimands:
        subset = estimates[estimates["estimand"] == name]
        for at, group in subset.groupby("at", dropna=False, sort=True):
            y = group.sort_values("point")["estimate"].to_numpy(dtype=float)
            result = sobol.analyze(
                problem, y, calc_second_order=False, print_to_console=False, seed=study.seed
            )
            for i, param in enumerate(names):
                rows.append(
                    {
                        "estimand": name,
                        "at": float(at) if not _isnan(at) else math.nan,
                        "parameter": param,
                        "S1": float(result["S1"][i]),
                        "S1_conf": float(result["S1_conf"][i]),
                        "ST": float(result["ST"][i]),
                        "ST_conf": float(result["ST_conf"][i]),
                    }
                )
    return pd.DataFrame(rows)


def _isnan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)
