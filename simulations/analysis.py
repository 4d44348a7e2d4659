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

Censoring.  An engine may stop a replicate early (the chain engine at ``max_takeovers``
takeovers).  ``censored_share`` is the share of the point's replicates whose value the
cap may have changed; a row with ``censored_share > 0`` (``censored``) estimates the
*capped* quantity (``E[min(N, M)]``, not ``E[N]``).  It keeps a closed form only when
that closed form is of the same capped quantity
(:meth:`~supercoherence.simulations.engines.Engine.exact_accounts_for_cap`); otherwise
``exact`` and ``z`` are NaN (not compared).

Comparing runs.  :func:`align_points` matches two runs' points by their parameter values;
:func:`compare_estimates` joins their estimates on (point, estimand, at) with the
difference in pooled standard errors, :math:`z = (\hat\theta_1 - \hat\theta_2) /
\sqrt{\mathrm{SE}_1^2 + \mathrm{SE}_2^2}` (``study compare`` flags :math:`|z| >`
:data:`FLAG_THRESHOLD`).

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

from supercoherence.moments import mean_and_error

__all__ = [
    "FLAG_THRESHOLD",
    "align_points",
    "compare_estimates",
    "censoring_sentence",
    "summary_columns",
    "boundary_table",
    "estimate_table",
    "verdict_table",
    "verdict_row",
    "mean_interval",
    "sobol_indices",
    "wilson_interval",
    "z_scores",
]

FLAG_THRESHOLD = 4.0


#: Two-sided normal quantiles by confidence level: ``scipy.special.ndtri(0.5 + level/2)``
#: to the last bit (``scipy.stats.norm.ppf`` is ``ndtri``), so the usual level needs no
#: scipy import.
_Z_BY_LEVEL = {0.95: 1.959963984540054}


def _z(level: float) -> float:
    if level in _Z_BY_LEVEL:
        return _Z_BY_LEVEL[level]
    from scipy.special import ndtri  # what scipy.stats.norm.ppf computes

    return float(ndtri(0.5 + level / 2))


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
    mean, se = mean_and_error(n, total, total_sq)
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


def summary_columns(merged: pd.DataFrame, replicates: int, level: float = 0.95) -> pd.DataFrame:
    """Estimate, standard error, interval, replicates and censored share of merged units.

    These columns depend on the unit statistics alone (no closed form), so
    ``study verify`` recomputes them from the unit files.

    Parameters
    ----------
    merged : pandas.DataFrame
        Columns ``estimand``, ``n``, ``sum``, ``sum_sq``, ``censored``.
    replicates : int
        Replicates per point (the denominator of ``censored_share``).
    level : float
        Confidence level of the intervals.

    Examples
    --------
    >>> m = pd.DataFrame({"estimand": ["law_of_n"], "n": [10], "sum": [5.0],
    ...                   "sum_sq": [5.0], "censored": [0]})
    >>> row = summary_columns(m, 10).iloc[0]
    >>> float(row["estimate"]), int(row["replicates"]), float(row["censored_share"])
    (0.5, 10, 0.0)
    """
    from supercoherence.simulations.estimands import ESTIMANDS

    kind = merged["estimand"].map(lambda name: ESTIMANDS[name].kind).to_numpy()
    n = merged["n"].to_numpy()
    is_prob = kind == "probability"
    p = np.where(is_prob, merged["sum"].to_numpy() / np.maximum(n, 1), 0.0)
    w_low, w_high = wilson_interval(p * np.maximum(n, 1), np.maximum(n, 1), level)
    mean, m_se, m_low, m_high = mean_interval(n, merged["sum"], merged["sum_sq"], level)
    censored = (
        merged["censored"].to_numpy(dtype=float)
        if "censored" in merged.columns
        else np.zeros(len(merged))
    )
    return pd.DataFrame(
        {
            "estimate": np.where(is_prob, p, mean),
            "std_error": np.where(is_prob, np.sqrt(p * (1 - p) / np.maximum(n, 1)), m_se),
            "ci_low": np.where(is_prob, w_low, m_low),
            "ci_high": np.where(is_prob, w_high, m_high),
            "replicates": n.astype(np.int64),
            "censored_share": censored / max(int(replicates), 1),
        }
    )


def estimate_table(study, merged: pd.DataFrame, engine, level: float = 0.95) -> pd.DataFrame:
    """The tidy ``estimates`` table from merged sufficient statistics.

    Parameters
    ----------
    study : Study
        The study (points, horizon, engine options).
    merged : pandas.DataFrame
        Columns ``point``, ``estimand``, ``at``, ``n``, ``sum``, ``sum_sq``, ``censored``.
    engine : Engine
        Supplies the closed forms.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        Columns of ``docs/ARCHITECTURE.md``: ``point``, the parameters, ``estimand``,
        ``at``, ``estimate``, ``std_error``, ``ci_low``, ``ci_high``, ``replicates``,
        ``exact``, ``z``, ``flag``, and ``censored_share``, ``censored`` (see the
        module docstring: a censored row is compared only with the closed form of the
        same capped quantity, else not at all), then one column per
        ``engine.comparisons`` (predictions that are not exact, e.g. ``mean_field``;
        never flagged).
    """
    from supercoherence.simulations.estimands import ESTIMANDS

    kind = merged["estimand"].map(lambda name: ESTIMANDS[name].kind).to_numpy()
    n = merged["n"].to_numpy()
    columns = summary_columns(merged, study.replicates, level)
    censored = columns["censored_share"].to_numpy() > 0
    exact = np.array(
        [
            engine.exact(
                study.points[pt], name, at, horizon=study.horizon, options=study.engine_options
            )
            if not (cut and not engine.exact_accounts_for_cap(name, study.horizon))
            else math.nan
            for pt, name, at, cut in zip(
                merged["point"], merged["estimand"], merged["at"], censored, strict=True
            )
        ],
        dtype=float,
    )
    width = (
        merged["estimand"]
        .map(lambda name: np.diff(ESTIMANDS[name].value_range or (0.0, 0.0))[0])
        .to_numpy(dtype=float)
    )
    estimate = columns["estimate"].to_numpy()
    z = z_scores(estimate, exact, columns["std_error"], kind, n, se_floor=width / np.maximum(n, 1))
    params = pd.DataFrame([study.points[pt] for pt in merged["point"]])
    table = pd.concat(
        [merged[["point"]].reset_index(drop=True), params.reset_index(drop=True)], axis=1
    )
    table["estimand"] = merged["estimand"].astype(str).to_numpy()
    table["at"] = merged["at"].to_numpy(dtype=float)
    for name in ("estimate", "std_error", "ci_low", "ci_high", "replicates"):
        table[name] = columns[name].to_numpy()
    table["exact"] = exact
    table["z"] = z
    table["flag"] = np.abs(np.nan_to_num(z, nan=0.0)) > FLAG_THRESHOLD
    table["censored_share"] = columns["censored_share"].to_numpy()
    table["censored"] = censored
    if engine.comparisons:
        predictions = [
            engine.compare(
                study.points[pt], name, at, horizon=study.horizon, options=study.engine_options
            )
            for pt, name, at in zip(merged["point"], merged["estimand"], merged["at"], strict=True)
        ]
        for name in engine.comparisons:
            table[name] = np.array([p[name] for p in predictions], dtype=float)
    return table


def censoring_sentence(estimates: pd.DataFrame, manifest: dict) -> str:
    """Words about the censored rows of an estimate table ("" when there are none).

    Examples
    --------
    >>> e = pd.DataFrame({"censored_share": [1.0, 0.0], "exact": [1000.0, 0.5]})
    >>> censoring_sentence(e, {"engine_options": {"max_takeovers": 1000}})[:40]
    '1 of 2 estimates are censored: in up to '
    """
    if "censored_share" not in estimates.columns:
        return ""
    cut = estimates[estimates["censored_share"] > 0]
    if cut.empty:
        return ""
    from supercoherence.models.engine.chain import DEFAULT_MAX_TAKEOVERS

    cap = (manifest.get("engine_options") or {}).get("max_takeovers", DEFAULT_MAX_TAKEOVERS)
    compared = int(cut["exact"].notna().sum())
    return (
        f"{len(cut)} of {len(estimates)} estimates are censored: in up to "
        f"{cut['censored_share'].max():.1%} of replicates the chain stopped at "
        f"max_takeovers = {cap} before the horizon, so these rows estimate the capped "
        f"quantity (takeovers counted up to {cap}, e.g. E[min(N, {cap})]), not the "
        f"uncensored value, which may be far larger (E[N] may be infinite); {compared} of "
        "them are compared with the closed form of the same capped quantity, the others "
        "with none. Raise [engine] max_takeovers or shorten the horizon to reduce this."
    )


def boundary_table(
    study, estimates: pd.DataFrame, engine, estimand: str, verdicts: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per point: the analytic classification beside the estimate of ``estimand``.

    Parameters
    ----------
    study : Study
    estimates : pandas.DataFrame
        The table of :func:`estimate_table`.
    engine : Engine
        Supplies ``classify`` (``"no closed form"`` where there is none).
    estimand : str
        The estimated probability shown beside it (``supercoherence_by_horizon``).
    verdicts : pandas.DataFrame, optional
        The table of :func:`verdict_table`: its ``estimated_outcome``, ``support``,
        ``recurrence`` and interval are added beside the classification.

    Returns
    -------
    pandas.DataFrame
        ``point``, the parameters, ``classification``, ``estimand``, ``estimate``,
        ``ci_low``, ``ci_high`` (and ``censored_share``), then with verdicts
        ``estimated_outcome``, ``support``, ``recurrence``, ``recurrence_low``,
        ``recurrence_high``.
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
    if "censored_share" in rows.columns:
        keep.append("censored_share")
    table = rows[keep].reset_index(drop=True)
    if verdicts is not None:
        table = table.merge(
            verdicts[["point", *VERDICT_BOUNDARY_COLUMNS]], on="point", how="left", sort=False
        )
    return table


#: Columns of :func:`verdict_table` copied into ``boundary.parquet``.
VERDICT_BOUNDARY_COLUMNS = (
    "estimated_outcome",
    "support",
    "recurrence",
    "recurrence_low",
    "recurrence_high",
)


def verdict_table(study, read_events, *, judge=None) -> pd.DataFrame:
    r"""Per point, the verdict estimated from its event table (``verdict.parquet``).

    :func:`supercoherence.simulations.verdict.estimate_verdict` with the study's
    ``outputs.verdict`` options (``pooled``, ``bootstrap``) and seed; points that share
    a model (:meth:`Study.shared_points`) share its verdict.  A point whose table
    cannot be judged (no takeover at all, every optimizer censored) is ``undecided``
    with the reason.

    Parameters
    ----------
    study : Study
    read_events : callable
        ``read_events(point) -> pandas.DataFrame``, the point's event table.
    judge : callable, optional
        ``judge(points, options) -> {point: row}``: the rows of :func:`verdict_row` for
        the points that need a verdict, computed elsewhere (the runner's worker pool:
        every point's verdict has its own seed, so where it is computed never changes
        it); default: :func:`verdict_row` on each, in this process.

    Returns
    -------
    pandas.DataFrame
        ``point``, the parameters, ``estimated_outcome``, ``point_outcome``,
        ``support`` (bootstrap share of the estimated outcome; of the point outcome when
        undecided), ``recurrence`` (the estimated :math:`\prod_n (1 - q_n)`),
        ``recurrence_low``, ``recurrence_high``, ``family``, ``trend``, ``levels``
        (levels fitted), ``replicates`` and ``reason``.

    Examples
    --------
    >>> from supercoherence.models.engine.events import event_table
    >>> from supercoherence.simulations.study import parse_study
    >>> from supercoherence.theory.hazard import ConstantHazard
    >>> study = parse_study({"study": {"name": "v", "engine": "chain", "horizon": 5.0,
    ...     "replicates": 300, "seed": 0}, "parameters": {"hazard": "constant"},
    ...     "outputs": {"estimands": ["mean_takeovers"], "verdict": {"pooled": True,
    ...     "bootstrap": 20}}})
    >>> table = event_table(ConstantHazard(1.0), 300, seed=0, horizon=5.0)
    >>> row = verdict_table(study, lambda point: table).iloc[0]
    >>> row["estimated_outcome"], float(row["support"])
    ('recursion forever almost surely', 1.0)
    """
    shared = study.shared_points()
    firsts = list(dict.fromkeys(shared.get(index, index) for index in range(len(study.points))))
    options = (study.outputs.verdict_pooled, study.outputs.verdict_bootstrap, study.seed)
    if judge is None:
        done = {first: verdict_row(read_events(first), *options) for first in firsts}
    else:
        done = judge(firsts, options)
    rows = []
    for index, point in enumerate(study.points):
        first = shared.get(index, index)
        rows.append({"point": index, **point, **done[first]})
    return pd.DataFrame(rows)


def verdict_row(events: pd.DataFrame, pooled: bool, bootstrap: int, seed) -> dict:
    """One point's columns of :func:`verdict_table`, from its event table.

    A table that cannot be judged (no takeover at all, every optimizer censored) and a
    failure of the estimator itself are ``undecided`` with the reason, so the study's
    other results are never lost.

    Examples
    --------
    >>> from supercoherence.models.engine.events import event_table
    >>> from supercoherence.theory.hazard import ConstantHazard
    >>> table = event_table(ConstantHazard(1.0), 300, seed=0, horizon=5.0)
    >>> row = verdict_row(table, True, 20, 0)
    >>> row["estimated_outcome"], row["support"]
    ('recursion forever almost surely', 1.0)
    """
    from supercoherence.errors import ParameterError
    from supercoherence.simulations.verdict import estimate_verdict

    events = events.drop(columns=[c for c in ("point",) if c in events.columns])
    try:
        verdict = estimate_verdict(events, pooled=pooled, bootstrap=bootstrap, seed=seed)
    except (ParameterError, IndexError, ValueError) as exc:
        # ParameterError: a table that cannot be judged; the others: a failure of
        # the estimator itself, reported rather than losing the study's results
        what = "cannot be judged" if isinstance(exc, ParameterError) else "failed"
        return {
            "estimated_outcome": "undecided",
            "point_outcome": "undecided",
            "support": math.nan,
            "recurrence": math.nan,
            "recurrence_low": math.nan,
            "recurrence_high": math.nan,
            "family": "",
            "trend": "",
            "levels": 0,
            "replicates": int(events["replicate"].nunique()) if len(events) else 0,
            "reason": f"the verdict estimate {what}: {type(exc).__name__}: {exc}",
        }
    shown = verdict.outcome if verdict.outcome.value != "undecided" else None
    key = (shown or verdict.point_outcome).value
    est, low, high = verdict.recurrence
    return {
        "estimated_outcome": verdict.outcome.value,
        "point_outcome": verdict.point_outcome.value,
        "support": float(verdict.support.get(key, math.nan)),
        "recurrence": float(est),
        "recurrence_low": float(low),
        "recurrence_high": float(high),
        "family": verdict.family,
        "trend": str(verdict.trend.get("name", "")),
        "levels": int((verdict.levels.get("level", pd.Series([])) >= 0).sum()),
        "replicates": int(verdict.replicates),
        "reason": verdict.reason,
    }


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


# --------------------------------------------------------------------------- comparing runs


def align_points(
    first: pd.DataFrame, first_points: pd.DataFrame, second: pd.DataFrame, second_points
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Renumber the second run's points by the first's parameter values.

    Returns both estimate tables (the second with the first's point numbers, its
    points without a match dropped) and a sentence saying how the points differ ("" when
    they are the same).

    Examples
    --------
    >>> pa = pd.DataFrame({"point": [0, 1], "s": [1.0, 2.0]})
    >>> pb = pd.DataFrame({"point": [0, 1], "s": [2.0, 3.0]})
    >>> ea = pd.DataFrame({"point": [0, 1], "estimand": ["x", "x"]})
    >>> eb = pd.DataFrame({"point": [0, 1], "estimand": ["x", "x"]})
    >>> _, b, note = align_points(ea, pa, eb, pb)
    >>> b["point"].tolist(), note.split(":")[0]
    ([1], 'the two studies have different parameter points')
    """
    names = [c for c in first_points.columns if c != "point"]
    other = [c for c in second_points.columns if c != "point"]
    if names == other and first_points[names].equals(second_points[other]):
        return first, second, ""
    common = [c for c in names if c in other]
    key = {
        tuple(_key_value(v) for v in row): int(point)
        for point, row in zip(first_points["point"], first_points[common].to_numpy(), strict=True)
    }
    mapping = {}
    if names == other:
        for point, row in zip(
            second_points["point"], second_points[common].to_numpy(), strict=True
        ):
            match = key.get(tuple(_key_value(v) for v in row))
            if match is not None:
                mapping[int(point)] = match
    renumbered = second[second["point"].isin(mapping)].copy()
    renumbered["point"] = renumbered["point"].map(mapping)
    changed = [
        c for c in names if c not in other or set(first_points[c]) != set(second_points[c])
    ] + [c for c in other if c not in names]
    note = (
        f"the two studies have different parameter points: {len(first_points)} vs "
        f"{len(second_points)} points, differing in {', '.join(changed) or 'their order'}; "
        f"{len(mapping)} point(s) with the same parameter values are compared (numbered as "
        "in the first), the others are left out"
    )
    return first, renumbered, note


def compare_estimates(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """Join two estimate tables on (point, estimand, at); z of the difference.

    Examples
    --------
    >>> a = pd.DataFrame({"point": [0], "estimand": ["x"], "at": [float("nan")],
    ...                   "estimate": [0.5], "std_error": [0.03]})
    >>> b = a.assign(estimate=[0.4], std_error=[0.04])
    >>> round(float(compare_estimates(a, b)["z"].iloc[0]), 6)
    2.0
    """
    keys = ["point", "estimand", "at"]
    left = first[[*keys, "estimate", "std_error"]].fillna({"at": -1.0})
    right = second[[*keys, "estimate", "std_error"]].fillna({"at": -1.0})
    joined = left.merge(right, on=keys, suffixes=("_1", "_2"))
    joined["at"] = joined["at"].where(joined["at"] != -1.0, np.nan)
    joined["difference"] = joined["estimate_1"] - joined["estimate_2"]
    pooled = np.hypot(joined["std_error_1"], joined["std_error_2"])
    with np.errstate(divide="ignore", invalid="ignore"):
        z = joined["difference"] / pooled
    joined["z"] = np.where((pooled == 0) & (joined["difference"] == 0), 0.0, z)
    return joined


def _key_value(value: object) -> object:
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return float(value)
    return value
