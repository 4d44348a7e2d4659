r"""Post-ready figures of stored study results, each beside its closed form.

Every plot function takes tidy :mod:`pandas` results (the stored tables of a study:
``estimates.parquet``, ``boundary.parquet``, ``timeseries.parquet``, see
``docs/ARCHITECTURE.md``), an optional matplotlib ``ax``, draws, and returns the axes.
Without ``ax`` a new figure is made with :func:`new_axes` (no pyplot state is touched;
figures render with the Agg canvas).  :func:`save_figure` writes PNG (at twice the
screen resolution), SVG and PDF.

What each figure sets side by side
----------------------------------
* :func:`plot_phase_diagram`: the estimated :math:`P(\text{supercoherence by } T)` over two
  parameters, with the analytic boundary (where the classification of
  :math:`\sum_n q_n` changes) drawn over it as a contour.
* :func:`plot_no_takeover_by`: the Monte Carlo :math:`P(\text{no takeover by } t)` with
  its confidence band against the closed form :math:`\exp(-\Lambda_0(t))`.
* :func:`plot_law_of_n`: the histogram of the number of takeovers :math:`N` against the
  exact law :math:`P(N = k) = q_k \prod_{j<k} (1 - q_j)`.
* :func:`plot_value_drift`: the mean alignment :math:`w_n \cdot w_0` after :math:`n`
  takeovers against :math:`\rho^n`.
* :func:`plot_timeseries`: coherence, root tenure, size, ... of the Mesa model over time,
  mean and a quantile band over replicates.
* :func:`plot_phase_portrait`: the Lotka-Volterra competition between base and
  mesa-optimizer, with trajectories and equilibria marked by stability.
* :func:`plot_extinction`: the extinction probability :math:`q^*(m)` of the nested
  branching process, :math:`q^* = 1` for :math:`m \le 1` and :math:`q^* = -W(-m e^{-m})/m`
  above, with the critical point :math:`m = 1`.

Every figure draws inside the one theme of
:mod:`~supercoherence.simulations.presentation.style` (:func:`theme`, :func:`new_axes` and
:func:`save_figure` are re-exported here): the Okabe-Ito palette, the ``cividis`` colour
map, and axes labels that name the quantity, its symbol and its unit (model time units for
time, counts for numbers of takeovers).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from supercoherence.deprecation import renamed_function
from supercoherence.errors import ParameterError
from supercoherence.simulations.presentation.labels import (
    ESTIMATE_COLUMNS,
    estimand_name,
    point_labels,
    varied_parameters,
)
from supercoherence.simulations.presentation.style import (
    COLOR_MAP,
    EXACT_COLOR,
    PALETTE,
    PARAMETER_LABELS,
    new_axes,
    save_figure,
    theme,
)

__all__ = [
    "ESTIMATE_COLUMNS",
    "PALETTE",
    "PARAMETER_LABELS",
    "new_axes",
    "parameter_columns",
    "plot_extinction",
    "plot_law_of_n",
    "plot_phase_diagram",
    "plot_phase_portrait",
    "plot_no_takeover_by",
    "plot_timeseries",
    "plot_value_drift",
    "plot_verdict_phase",
    "save_figure",
    "theme",
]


def _series_labels() -> Mapping[str, str]:
    """The Mesa model's series labels, read from their one home (imports Mesa lazily)."""
    from supercoherence.models.nested.reporters import REPORTER_LABELS

    return REPORTER_LABELS


_TIME_LABEL = "time $t$ (model time units)"

#: Data columns of stored tables that are never parameters (never name a point).
_DATA_COLUMNS: frozenset[str] = frozenset(
    {
        "censored_share",
        "censored",
        "std_error",
        "alignment_with_original",
        "alignment_with_root",
        "nested_takeovers",
        "capability",
        "resources",
        "age",
        "born",
        "alignment_class",
        "classification",
        "estimand",
    }
)


# --------------------------------------------------------------------------- helpers


def parameter_columns(estimates: pd.DataFrame) -> list[str]:
    """The parameter columns of a tidy results table (everything but the fixed columns).

    Examples
    --------
    >>> df = pd.DataFrame({"point": [0], "detection": [0.5], "estimand": ["no_takeover_after"]})
    >>> parameter_columns(df)
    ['detection']
    """
    skip = {*ESTIMATE_COLUMNS, *_DATA_COLUMNS, "replicate", "step", *_series_labels()}
    return [c for c in estimates.columns if c not in skip]


def _label(name: str) -> str:
    return PARAMETER_LABELS.get(name, name.replace("_", " "))


def _format_value(value: object) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):.3g}"
    return str(value)


def _point_labels(rows: pd.DataFrame, labels: Mapping[int, str] | None = None) -> dict[int, str]:
    """Legend label of each point of ``rows``.

    ``labels`` (from the study's points table, :func:`~.labels.point_labels`) wins.
    Without it the points are named by the columns of ``rows`` that are study
    parameters: constant within each point and not a known data column.  A data column
    (``alignment_with_original`` of a time series, ``censored_share``) never names a
    point, and neither does a parameter the point's model ignores.
    """
    points = sorted(int(p) for p in rows["point"].unique())
    if labels is not None:
        return {p: labels.get(p, f"point {p}") for p in points}
    within = rows.groupby("point")
    params = [c for c in parameter_columns(rows) if within[c].nunique(dropna=False).max() <= 1]
    if not params:
        return {p: f"point {p}" for p in points}
    per_point = rows.groupby("point")[params].first().reset_index()
    return point_labels(per_point, varied_parameters(per_point))


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ParameterError(
            name,
            f"columns {list(frame.columns)}",
            f"a table with columns {list(columns)}",
            f"missing {missing}",
        )


def _rows(estimates: pd.DataFrame, estimand: str, point: int | None = None) -> pd.DataFrame:
    _require_columns(estimates, ["point", "estimand", "at", "estimate"], "estimates")
    rows = estimates[estimates["estimand"] == estimand]
    if point is not None:
        rows = rows[rows["point"] == point]
    if rows.empty:
        where = f" at point {point}" if point is not None else ""
        raise ParameterError(
            "estimand", estimand, "an estimand present in the table", f"no rows{where}"
        )
    return rows.sort_values(["point", "at"])


def _single_point(rows: pd.DataFrame, point: int | None, what: str) -> pd.DataFrame:
    points = sorted(int(p) for p in rows["point"].unique())
    if point is None and len(points) > 1:
        raise ParameterError(
            "point", None, f"one of {points}", f"the {what} figure shows one parameter point"
        )
    return rows


def _ax_or_new(ax: Axes | None) -> Axes:
    return new_axes() if ax is None else ax


def _has(frame: pd.DataFrame, column: str) -> bool:
    return column in frame.columns and bool(frame[column].notna().any())


def _error_bars(frame: pd.DataFrame) -> np.ndarray | None:
    """Error bars ``[estimate - ci_low, ci_high - estimate]`` (clipped at 0) for
    ``Axes.errorbar``, or ``None`` when the table has no interval."""
    if not (_has(frame, "ci_low") and _has(frame, "ci_high")):
        return None
    est = frame["estimate"].to_numpy(dtype=float)
    low = np.clip(est - frame["ci_low"].to_numpy(dtype=float), 0, None)
    high = np.clip(frame["ci_high"].to_numpy(dtype=float) - est, 0, None)
    return np.vstack([low, high])


def _check_axes(frame: pd.DataFrame, x: str, y: str, choices: Sequence[str]) -> None:
    """The two axes of a phase diagram: distinct columns of ``frame`` (else the error
    names the axis and ``choices``)."""
    if x == y:
        raise ParameterError("y", y, f"a parameter other than x = {x!r}")
    for name, column in (("x", x), ("y", y)):
        if column not in frame.columns:
            raise ParameterError(name, column, f"one of {choices}")


def _axis_labels(ax: Axes, x: str, y: str) -> None:
    """Both axes labelled by their parameters (words, symbol, unit)."""
    ax.set_xlabel(_label(x))
    ax.set_ylabel(_label(y))


def _index_ticks(ax: Axes, xs: np.ndarray, ys: np.ndarray) -> None:
    """Cells on the index grid: a tick per cell, labelled with its value, no grid lines."""
    ax.set_xticks(np.arange(xs.size), [_format_value(v) for v in xs])
    ax.set_yticks(np.arange(ys.size), [_format_value(v) for v in ys])
    ax.grid(False)


# --------------------------------------------------------------------------- figures


def plot_no_takeover_by(
    estimates: pd.DataFrame,
    *,
    estimand: str = "no_takeover_by",
    point: int | None = None,
    labels: Mapping[int, str] | None = None,
    closed_form: Mapping[int, Callable[[np.ndarray], np.ndarray]] | None = None,
    ax: Axes | None = None,
) -> Axes:
    r"""Monte Carlo survival :math:`P(\text{no top-level takeover by } t)` against the closed form.

    One coloured line with its confidence band per parameter point, and the closed form
    (column ``exact``) as a dashed black line over it.

    Parameters
    ----------
    estimates : pandas.DataFrame
        Tidy estimates (``estimates.parquet``); the rows of ``estimand`` are drawn,
        ``at`` being the time :math:`t`.
    estimand : str
        ``no_takeover_by`` (default): P(no top-level takeover by t), closed form
        :math:`e^{-\Lambda_0(t)}`; or ``no_takeover_after``: P(no top-level takeover after t).
    point : int, optional
        Draw only this parameter point (default: every point).
    labels : mapping of int to str, optional
        Legend label of each point (``labels.point_labels`` of the study's points);
        default: the study parameters among the table's columns.
    closed_form : mapping of int to callable, optional
        Per point, the closed form as a function of an array of times; it is drawn as
        a smooth curve on a fine grid.  Without it the column ``exact`` is joined
        through the estimated times.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new themed figure).

    Returns
    -------
    matplotlib.axes.Axes
        The axes with one curve and band per point and the closed form dashed over them.

    Raises
    ------
    ParameterError
        If the table has no survival rows (or not at ``point``).

    Examples
    --------
    >>> t = np.linspace(0, 4, 9)
    >>> df = pd.DataFrame({"point": 0, "estimand": "no_takeover_by", "at": t,
    ...                    "estimate": np.exp(-t), "ci_low": np.exp(-t) - 0.01,
    ...                    "ci_high": np.exp(-t) + 0.01, "exact": np.exp(-t)})
    >>> ax = plot_no_takeover_by(df)
    >>> [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    ['point 0', 'closed form']
    """
    rows = _rows(estimates, estimand, point)
    standalone = ax is None
    ax = _ax_or_new(ax)
    labels = _point_labels(rows, labels)
    t_low, t_high = float(rows["at"].min()), float(rows["at"].max())
    fine = np.linspace(t_low, t_high, 400)
    with theme():
        exact_drawn = False
        for i, (pt, group) in enumerate(rows.groupby("point", sort=True)):
            color = PALETTE[i % (len(PALETTE) - 1)]
            yerr = _error_bars(group)
            if yerr is not None:
                ax.fill_between(
                    group["at"],
                    group["ci_low"],
                    group["ci_high"],
                    color=color,
                    alpha=0.3,
                    linewidth=0,
                    step=None,
                )
                ax.errorbar(
                    group["at"],
                    group["estimate"],
                    yerr=yerr,
                    fmt="none",
                    ecolor=color,
                    elinewidth=1.2,
                    capsize=3,
                )
            ax.plot(
                group["at"],
                group["estimate"],
                color=color,
                marker="o",
                markersize=4,
                linewidth=1.2,
                label=labels[int(pt)],
            )
            curve = None if closed_form is None else closed_form.get(int(pt))
            if curve is not None:
                x, y = fine, np.asarray(curve(fine), dtype=float)
            elif _has(group, "exact"):
                x, y = group["at"], group["exact"]
            else:
                continue
            ax.plot(
                x,
                y,
                color=EXACT_COLOR,
                linestyle="--",
                linewidth=1.3,
                label=None if exact_drawn else "closed form",
            )
            exact_drawn = True
        ax.set_xlabel(_TIME_LABEL)
        ax.set_ylabel(
            "P(no top-level takeover by $t$)"
            if estimand == "no_takeover_by"
            else "P(no top-level takeover after $t$)"
        )
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlim(left=float(rows["at"].min()))
        ax.set_title("Survival of the first dominant optimizer")
        # Survival curves fill the axes from top left to bottom right: the legend goes
        # beside them (with several points "best" still covered a curve).
        outside = standalone and rows["point"].nunique() > 1
        if outside:  # widen the figure by the legend's column, keeping the axes' size
            width, height = ax.figure.get_size_inches()
            ax.figure.set_size_inches(width * 1.5, height)
        _legend(ax, band=_has(rows, "ci_low"), outside=outside)
    return ax


def plot_law_of_n(
    estimates: pd.DataFrame,
    *,
    point: int | None = None,
    exact_law: Callable[[np.ndarray], np.ndarray] | None = None,
    ax: Axes | None = None,
) -> Axes:
    r"""Histogram of the number of takeovers :math:`N` against its exact law.

    Bars: the estimated :math:`P(N = k)` with confidence intervals; black dots joined by a
    thin line: the exact law (column ``exact``).  The last bar is :math:`P(N \ge k)` when
    the study capped :math:`N`.

    Parameters
    ----------
    estimates : pandas.DataFrame
        Tidy estimates; the rows with ``estimand == "law_of_n"``, ``at`` being :math:`k`.
    point : int, optional
        The parameter point (required when the table holds several).
    exact_law : callable, optional
        ``k -> P(N = k)`` on an integer array: the exact law is then drawn at *every*
        count from 0 to the largest estimated one (dots joined by a line), not only at
        the estimated counts.  Ignored unless it agrees with the table's ``exact``
        column at the estimated counts (to 1e-9).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The axes with the estimated bars and the exact law's dots.

    Raises
    ------
    ParameterError
        If the table has no ``law_of_n`` rows, or several points and no ``point``.

    Examples
    --------
    >>> k = np.arange(6.0)
    >>> law = 0.5 ** (k + 1)
    >>> df = pd.DataFrame({"point": 0, "estimand": "law_of_n", "at": k,
    ...                    "estimate": law, "exact": law})
    >>> ax = plot_law_of_n(df)
    >>> len(ax.patches), ax.get_lines()[0].get_label()
    (6, 'exact law')
    """
    rows = _single_point(_rows(estimates, "law_of_n", point), point, "law of N")
    ax = _ax_or_new(ax)
    with theme():
        k = rows["at"].to_numpy(dtype=float)
        est = rows["estimate"].to_numpy(dtype=float)
        yerr = _error_bars(rows)
        ax.bar(
            k,
            est,
            width=0.8,
            color=PALETTE[0],
            alpha=0.85,
            label="Monte Carlo",
            yerr=yerr,
            error_kw={"ecolor": "#333333", "capsize": 2, "elinewidth": 1},
        )
        full = _full_law(exact_law, k, rows) if _has(rows, "exact") else None
        if full is not None:
            every, law = full
            ax.plot(
                every,
                law,
                color=EXACT_COLOR,
                marker="o",
                markersize=5,
                linewidth=1,
                label="exact law",
            )
            k = every  # ticks at every count
        elif _has(rows, "exact"):
            # Dots at every plotted k; the thin line joins only consecutive counts (it
            # must not run straight past counts that were not estimated).
            exact = rows["exact"].to_numpy(dtype=float)
            ax.plot(
                k,
                exact,
                color=EXACT_COLOR,
                marker="o",
                markersize=5,
                linestyle="",
                label="exact law",
            )
            breaks = np.flatnonzero(np.diff(k) != 1) + 1
            for run_k, run_p in zip(np.split(k, breaks), np.split(exact, breaks), strict=True):
                if run_k.size > 1:
                    ax.plot(run_k, run_p, color=EXACT_COLOR, linewidth=1)
        ax.set_xlabel("number of top-level takeovers $k$ (count)")
        ax.set_ylabel("P($N = k$)")
        ax.set_ylim(bottom=0)
        if len(k) <= 20:
            ax.set_xticks(k)
            ax.set_xticklabels([f"{int(v)}" for v in k])
        ax.set_title("Law of the number of takeovers $N$")
        _legend(ax)
    return ax


def _full_law(
    exact_law: Callable[[np.ndarray], np.ndarray] | None, k: np.ndarray, rows: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray] | None:
    """The exact law at every count ``0..max(k)`` if ``exact_law`` matches the table."""
    if exact_law is None or k.size == 0 or not np.all(k == np.round(k)) or k.max() > 200:
        return None
    every = np.arange(0, int(k.max()) + 1, dtype=float)
    try:
        law = np.asarray(exact_law(every.astype(int)), dtype=float)
    except Exception:  # a scenario without a numeric law: keep the table's values
        return None
    table = rows["exact"].to_numpy(dtype=float)
    at = law[k.astype(int)]
    if law.shape != every.shape or not np.allclose(at, table, rtol=0, atol=1e-9):
        return None
    return every, law


def plot_value_drift(
    results: pd.DataFrame,
    *,
    rho: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    r"""Alignment :math:`w_n \cdot w_0` with the original utility after :math:`n` takeovers.

    The Monte Carlo mean with its 95% interval (and, from raw samples, the 10-90%
    quantile band) against the exact mean :math:`\rho^n`.

    Parameters
    ----------
    results : pandas.DataFrame
        Either raw samples with columns ``takeover`` (:math:`n`) and ``alignment`` (one
        row per replicate and takeover, e.g. read off lineage graphs), or estimates with
        columns ``at`` (:math:`n`), ``estimate`` and optionally ``ci_low``/``ci_high``.
    rho : float, optional
        The drift correlation; :math:`\rho^n` is drawn when given.  Without it the
        column ``exact`` is used if present.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The axes with the Monte Carlo mean, its bands and the exact mean.

    Raises
    ------
    ParameterError
        If ``rho`` is outside [-1, 1] or the table has neither layout.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> n = np.repeat(np.arange(5), 200)
    >>> samples = pd.DataFrame({"takeover": n,
    ...                         "alignment": 0.8**n + rng.normal(0, 0.05, n.size)})
    >>> ax = plot_value_drift(samples, rho=0.8)
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['10-90% of replicates', '95% interval of the mean', 'Monte Carlo mean',
     '$\\rho^n$ ($\\rho$ = 0.8)']
    """
    from supercoherence.checks import check_in_interval

    if rho is not None:
        check_in_interval("rho", rho, -1, 1)
    if {"takeover", "alignment"} <= set(results.columns):
        summary = _summarise_samples(results, "takeover", "alignment")
    elif {"at", "estimate"} <= set(results.columns):
        summary = results.rename(columns={"at": "x", "estimate": "mean"}).sort_values("x")
    else:
        raise ParameterError(
            "results",
            f"columns {list(results.columns)}",
            "columns (takeover, alignment) or (at, estimate)",
        )
    ax = _ax_or_new(ax)
    with theme():
        x = summary["x"].to_numpy(dtype=float)
        bands = (("q", 0.15, "10-90% of replicates"), ("ci", 0.35, "95% interval of the mean"))
        for prefix, alpha, label in bands:
            if _has(summary, f"{prefix}_low"):
                ax.fill_between(
                    x,
                    summary[f"{prefix}_low"],
                    summary[f"{prefix}_high"],
                    color=PALETTE[0],
                    alpha=alpha,
                    linewidth=0,
                    label=label,
                )
        ax.plot(
            x, summary["mean"], color=PALETTE[0], marker="o", markersize=4, label="Monte Carlo mean"
        )
        grid = np.arange(0, max(x.max(), 0) + 1)
        if rho is not None:
            ax.plot(
                grid,
                float(rho) ** grid,
                color=EXACT_COLOR,
                linestyle="--",
                linewidth=1.3,
                label=rf"$\rho^n$ ($\rho$ = {_format_value(float(rho))})",
            )
        elif _has(summary, "exact"):
            ax.plot(
                x,
                summary["exact"],
                color=EXACT_COLOR,
                linestyle="--",
                linewidth=1.3,
                label=r"closed form $\rho^n$",
            )
        ax.axhline(0, color="#888888", linewidth=0.8, zorder=0)
        ax.set_xlabel("takeovers $n$ (count)")
        ax.set_ylabel(r"alignment $w_n \cdot w_0$ (cosine)")
        ax.set_title("Value drift over takeovers")
        _legend(ax)
    return ax


def _summarise_samples(
    frame: pd.DataFrame,
    x: str,
    y: str,
    by: str | None = None,
    quantiles: tuple[float, float] = (0.1, 0.9),
) -> pd.DataFrame:
    """Per ``x`` (and ``by``): mean, 95% CLT interval of the mean, quantile band."""
    keys = [by, x] if by else [x]
    grouped = frame.groupby(keys, sort=True)[y]
    out = grouped.agg(mean="mean", sd="std", count="count").reset_index()
    out["q_low"] = grouped.quantile(quantiles[0]).to_numpy()
    out["q_high"] = grouped.quantile(quantiles[1]).to_numpy()
    half = 1.959963984540054 * out["sd"].fillna(0.0) / np.sqrt(out["count"])
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out.rename(columns={x: "x"})


def plot_timeseries(
    timeseries: pd.DataFrame,
    y: str = "coherence",
    *,
    quantiles: tuple[float, float] = (0.1, 0.9),
    labels: Mapping[int, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """A Mesa-model series over time: mean and quantile band over replicates, per point.

    Parameters
    ----------
    timeseries : pandas.DataFrame
        ``timeseries.parquet``: columns ``point``, ``replicate``, ``step`` and the series.
    y : str
        The series: ``coherence``, ``root_tenure``, ``size``, ``depth`` or
        ``top_level_takeovers``.
    quantiles : (float, float)
        Lower and upper quantile of the band.
    labels : mapping of int to str, optional
        Legend label of each point (``labels.point_labels`` of the study's varied
        parameters); default: the study parameters among the table's columns, never
        its data columns.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The axes with a mean line and quantile band per point.

    Raises
    ------
    ParameterError
        If ``y`` is not a column or the quantiles are not ``0 <= low < high <= 1``.

    Examples
    --------
    >>> ts = pd.DataFrame({"point": 0, "replicate": np.repeat([0, 1, 2], 4),
    ...                    "step": np.tile(np.arange(4), 3), "coherence": np.linspace(1, 0.5, 12)})
    >>> ax = plot_timeseries(ts, "coherence")
    >>> ax.get_ylabel()
    'coherence (resource-weighted alignment)'
    """
    _require_columns(timeseries, ["point", "step", y], "timeseries")
    low, high = quantiles
    if not 0 <= low < high <= 1:
        raise ParameterError("quantiles", quantiles, "0 <= low < high <= 1")
    summary = _summarise_samples(timeseries, "step", y, by="point", quantiles=quantiles)
    labels = _point_labels(timeseries, labels)
    ax = _ax_or_new(ax)
    with theme():
        for i, (pt, group) in enumerate(summary.groupby("point", sort=True)):
            color = PALETTE[i % (len(PALETTE) - 1)]
            ax.fill_between(
                group["x"], group["q_low"], group["q_high"], color=color, alpha=0.2, linewidth=0
            )
            ax.plot(group["x"], group["mean"], color=color, label=labels[int(pt)])
        ax.set_xlabel("step (model time units)")
        series_label = _series_labels().get(y, y.replace("_", " "))
        ax.set_ylabel(series_label)
        ax.set_title(
            f"{series_label.split(' (')[0].capitalize()} over time "
            f"(mean, {low:.0%}-{high:.0%} band)"
        )
        _legend(ax)
    return ax


def plot_phase_diagram(
    estimates: pd.DataFrame,
    x: str,
    y: str,
    *,
    estimand: str = "supercoherence_by_horizon",
    boundary: pd.DataFrame | None = None,
    ax: Axes | None = None,
) -> Axes:
    r"""Estimated :math:`P(\text{supercoherence by horizon})` over two parameters.

    A colour map of the estimate on the grid of ``x`` and ``y`` (averaged over any other
    varying parameter), with the analytic boundary overlaid: the contour where the
    analytic classification changes (e.g. between "supercoherence almost surely" and
    "takeovers recur with positive probability").

    Parameters
    ----------
    estimates : pandas.DataFrame
        Tidy estimates with columns ``x`` and ``y``.
    x, y : str
        The two parameter columns.
    estimand : str
        Which estimand to map (default ``supercoherence_by_horizon``).
    boundary : pandas.DataFrame, optional
        Columns ``x``, ``y`` and ``classification`` (``boundary.parquet``, or a finer grid
        computed from the theory).  The contour between classes is drawn; each class
        region is named in the legend.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The axes with the colour map (or the scatter) and the analytic boundary.

    Raises
    ------
    ParameterError
        If ``x`` or ``y`` is not a column of the table, or they are equal.

    Examples
    --------
    >>> g = np.linspace(0, 1, 5)
    >>> xx, yy = np.meshgrid(g, g)
    >>> df = pd.DataFrame({"point": range(25), "estimand": "supercoherence_by_horizon",
    ...                    "at": np.nan, "detection": xx.ravel(), "drift": yy.ravel(),
    ...                    "estimate": xx.ravel()})
    >>> b = df.assign(classification=np.where(xx.ravel() > 0.5, "stable", "recurs"))
    >>> ax = plot_phase_diagram(df, "detection", "drift", boundary=b)
    >>> ax.get_xlabel()
    'detection $d$ (probability)'
    """
    _check_axes(estimates, x, y, parameter_columns(estimates))
    rows = _rows(estimates, estimand)
    grid = rows.pivot_table(index=y, columns=x, values="estimate", aggfunc="mean")
    ax = _ax_or_new(ax)
    if _is_scattered(grid):
        return _scatter_phase(ax, rows, x, y, estimand, boundary)
    with theme():
        # Cells on the index grid, ticks labelled with the values: grids are often
        # irregular (log-spaced, a few hand-picked values) and equal cells read better.
        xs = grid.columns.to_numpy(dtype=float)
        ys = grid.index.to_numpy(dtype=float)
        mesh = ax.pcolormesh(
            np.arange(xs.size + 1) - 0.5,
            np.arange(ys.size + 1) - 0.5,
            grid.to_numpy(dtype=float),
            cmap=COLOR_MAP,
            shading="flat",
            **({"vmin": 0, "vmax": 1} if _is_probability(estimand) else {}),
        )
        _index_ticks(ax, xs, ys)
        colorbar = ax.figure.colorbar(mesh, ax=ax)
        colorbar.set_label(_ESTIMAND_LABELS.get(estimand, estimand_name(estimand)))
        if boundary is not None:
            _draw_boundary(ax, boundary, x, y, xs, ys)
        _axis_labels(ax, x, y)
        ax.set_title("Phase diagram: estimate and analytic boundary")
    return ax


def _is_scattered(grid: pd.DataFrame) -> bool:
    """A design is scattered (Latin hypercube, random, Sobol) when most cells are empty."""
    cells = grid.to_numpy(dtype=float)
    return cells.size > 4 and float(np.isfinite(cells).mean()) < 0.5


def _log_spread(values: np.ndarray) -> bool:
    """Whether sampled values read better on a log axis.

    Positive, spanning more than a factor of 20, and with the median nearer the middle
    of the range in the logarithm than linearly (log-uniform samples: the median is
    near the geometric mean); a probability sampled uniformly from 0.01 to 0.9 stays
    linear.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> _log_spread(np.exp(rng.uniform(np.log(0.25), np.log(20), 50)))
    True
    >>> _log_spread(rng.uniform(0.01, 0.9, 50))
    False
    """
    values = values[np.isfinite(values)]
    if values.size < 2 or values.min() <= 0 or values.max() / values.min() <= 20:
        return False
    low, high, mid = values.min(), values.max(), np.median(values)
    linear = (mid - low) / (high - low)  # where the median sits: 1/2 for even spreads
    logarithmic = (np.log(mid) - np.log(low)) / (np.log(high) - np.log(low))
    return bool(abs(logarithmic - 0.5) < abs(linear - 0.5))


def _scatter_phase(
    ax: Axes, rows: pd.DataFrame, x: str, y: str, estimand: str, boundary: pd.DataFrame | None
) -> Axes:
    """A scattered design: one marker per sampled point, coloured by the estimate.

    With ``boundary`` the marker's shape is the point's analytic class.  An axis whose
    values are positive, span more than a factor of 20 and are spread evenly in the
    logarithm (:func:`_log_spread`) is drawn on a log scale.
    """
    means = rows.groupby([x, y], as_index=False)["estimate"].mean()
    with theme():
        norm = {"vmin": 0.0, "vmax": 1.0} if _is_probability(estimand) else {}
        handles = []
        if boundary is not None:
            _require_columns(boundary, [x, y, "classification"], "boundary")
            merged = means.merge(
                boundary[[x, y, "classification"]].drop_duplicates([x, y]), on=[x, y], how="left"
            )
            merged["classification"] = merged["classification"].fillna("unknown").astype(str)
            classes = sorted(merged["classification"].unique())
        else:
            merged = means.assign(classification="")
            classes = [""]
        artist = None
        for code, cls in enumerate(classes):
            part = merged[merged["classification"] == cls]
            artist = ax.scatter(
                part[x],
                part[y],
                c=part["estimate"],
                cmap=COLOR_MAP,
                s=36,
                marker=_class_marker(code),
                edgecolor=EXACT_COLOR,
                linewidth=0.5,
                zorder=3,
                **norm,
            )
            if cls:
                handles.append(_class_handle(code, cls))
        colorbar = ax.figure.colorbar(artist, ax=ax)
        colorbar.set_label(_ESTIMAND_LABELS.get(estimand, estimand_name(estimand)))
        for column, set_scale in ((x, ax.set_xscale), (y, ax.set_yscale)):
            if _log_spread(merged[column].to_numpy(dtype=float)):
                set_scale("log")
        _axis_labels(ax, x, y)
        ax.set_title(f"Phase diagram: {len(merged)} sampled points and their estimate")
        if handles:
            ax.figure.legend(handles=handles, loc="outside lower center", ncol=1, frameon=False)
    return ax


def _is_probability(estimand: str) -> bool:
    try:
        from supercoherence.simulations.estimands import ESTIMANDS
    except ImportError:  # pragma: no cover - the pipeline is part of the package
        return True
    spec = ESTIMANDS.get(estimand)
    return spec is None or spec.kind == "probability"


_ESTIMAND_LABELS = {
    "supercoherence_by_horizon": "P(supercoherence by horizon)",
    "mean_takeovers": "mean number of takeovers",
    "final_alignment": r"final alignment $w \cdot w_0$",
    "coherence": "coherence",
}


#: Marker of each analytic class on a phase diagram, by the class's index (cycled).
_CLASS_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def _class_marker(code: int) -> str:
    return _CLASS_MARKERS[code % len(_CLASS_MARKERS)]


def _class_handle(code: int, cls: str) -> Line2D:
    """Legend entry of analytic class ``cls``: its hollow marker and its name."""
    return Line2D(
        [],
        [],
        marker=_class_marker(code),
        linestyle="",
        markerfacecolor="white",
        markeredgecolor=EXACT_COLOR,
        label=f"theory: {cls.replace('_', ' ')}",
    )


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around sorted centres (midpoints; half a step beyond the ends)."""
    if centres.size == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mids = (centres[1:] + centres[:-1]) / 2
    return np.concatenate([[2 * centres[0] - mids[0]], mids, [2 * centres[-1] - mids[-1]]])


def _draw_boundary(
    ax: Axes, boundary: pd.DataFrame, x: str, y: str, xs: np.ndarray, ys: np.ndarray
) -> None:
    """The analytic classification on the phase diagram's index grid.

    Each cell gets the marker of its class; the boundary is drawn along every cell edge
    that separates two classes (exact on the grid, no interpolation across classes).
    """
    _require_columns(boundary, [x, y, "classification"], "boundary")
    classes = sorted(boundary["classification"].astype(str).unique())
    table = boundary.assign(
        code=boundary["classification"].astype(str).map({c: i for i, c in enumerate(classes)}),
        i=boundary[x].map({v: i for i, v in enumerate(xs)}),
        j=boundary[y].map({v: j for j, v in enumerate(ys)}),
    ).dropna(subset=["i", "j"])
    grid = table.pivot_table(index="j", columns="i", values="code", aggfunc="first")
    grid = grid.reindex(index=range(ys.size), columns=range(xs.size)).to_numpy(dtype=float)
    segments = []
    for j in range(ys.size):
        for i in range(xs.size):
            if i + 1 < xs.size and grid[j, i] != grid[j, i + 1]:
                segments.append(([i + 0.5, i + 0.5], [j - 0.5, j + 0.5]))
            if j + 1 < ys.size and grid[j, i] != grid[j + 1, i]:
                segments.append(([i - 0.5, i + 0.5], [j + 0.5, j + 0.5]))
    handles = []
    for seg_x, seg_y in segments:
        ax.plot(seg_x, seg_y, color="white", linewidth=3.5, solid_capstyle="butt")
        ax.plot(seg_x, seg_y, color=EXACT_COLOR, linewidth=1.5, linestyle="--")
    if segments:
        handles.append(
            Line2D(
                [], [], color=EXACT_COLOR, linestyle="--", linewidth=1.5, label="analytic boundary"
            )
        )
    for code, cls in enumerate(classes):
        part = table[table["code"] == code]
        ax.scatter(
            part["i"],
            part["j"],
            marker=_class_marker(code),
            s=22,
            facecolor="white",
            edgecolor=EXACT_COLOR,
            linewidth=0.8,
            zorder=3,
        )
        handles.append(_class_handle(code, cls))
    # Outside the axes, below: "outside" legends take part in the constrained layout.
    ax.figure.legend(handles=handles, loc="outside lower center", ncol=1, frameon=False)


#: Colours of the estimated verdicts (the dichotomy's outcomes, then undecided).
VERDICT_COLORS: dict[str, str] = {
    "supercoherence almost surely": "#4c9f70",
    "recursion forever with positive probability": "#e0a030",
    "recursion forever almost surely": "#c8553d",
    "undecided": "#d9d9d9",
}


def plot_verdict_phase(
    verdict: pd.DataFrame,
    x: str,
    y: str,
    *,
    boundary: pd.DataFrame | None = None,
    ax: Axes | None = None,
) -> Axes:
    r"""Phase diagram of the verdict estimated from simulation, analytic boundary overlaid.

    Each cell of the ``x`` by ``y`` grid is coloured by the outcome estimated from the
    event table alone (``verdict.parquet``; the most frequent one over any other varied
    parameter), lighter where its bootstrap support is lower, grey where undecided.  It
    needs no closed form (the interacting nested model, a user's engine); where
    ``boundary`` holds the analytic classification, its boundary and class markers are
    drawn on top (points with ``no closed form`` are left out of the overlay).

    Parameters
    ----------
    verdict : pandas.DataFrame
        Columns ``x``, ``y``, ``estimated_outcome`` and optionally ``support``.
    x, y : str
        The two parameter columns.
    boundary : pandas.DataFrame, optional
        ``boundary.parquet`` (columns ``x``, ``y``, ``classification``).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The axes with the verdict's cells; the legend is the figure's.

    Raises
    ------
    ParameterError
        If ``x`` or ``y`` is not a column of ``verdict``, or they are equal.

    Examples
    --------
    >>> v = pd.DataFrame({"detection": [0.1, 0.1, 0.9, 0.9], "drift": [0.0, 1.0, 0.0, 1.0],
    ...     "estimated_outcome": ["supercoherence almost surely", "undecided",
    ...     "recursion forever almost surely", "recursion forever almost surely"],
    ...     "support": [1.0, 0.6, 0.97, 1.0]})
    >>> b = v.assign(classification=["supercoherence almost surely"] * 2
    ...     + ["recursion forever almost surely"] * 2)
    >>> ax = plot_verdict_phase(v, "detection", "drift", boundary=b)
    >>> ax.get_title()
    'Phase diagram: the verdict estimated from simulation'
    """
    _check_axes(verdict, x, y, sorted(map(str, verdict.columns)))
    _require_columns(verdict, [x, y, "estimated_outcome"], "verdict")
    table = verdict.assign(
        support=verdict["support"] if "support" in verdict.columns else 1.0
    ).fillna({"support": 0.0})
    cells = (
        table.groupby([y, x])
        .agg(
            outcome=("estimated_outcome", lambda s: s.value_counts().index[0]),
            support=("support", "mean"),
        )
        .reset_index()
    )
    xs = np.sort(cells[x].unique().astype(float))
    ys = np.sort(cells[y].unique().astype(float))
    ax = _ax_or_new(ax)
    with theme():
        from matplotlib.colors import to_rgb

        image = np.ones((ys.size, xs.size, 3))
        for row in cells.to_dict("records"):
            i = int(np.searchsorted(xs, float(row[x])))
            j = int(np.searchsorted(ys, float(row[y])))
            rgb = np.array(to_rgb(VERDICT_COLORS.get(str(row["outcome"]), "#ffffff")))
            shade = 0.35 + 0.65 * float(np.clip(row["support"], 0.0, 1.0))
            if row["outcome"] != "undecided":
                rgb = 1.0 - shade * (1.0 - rgb)
            image[j, i] = rgb
        ax.imshow(image, origin="lower", aspect="auto", interpolation="nearest")
        _index_ticks(ax, xs, ys)
        shown = set(cells["outcome"].astype(str))
        handles = [
            Patch(facecolor=color, edgecolor="none", label=f"estimated: {name}")
            for name, color in VERDICT_COLORS.items()
            if name in shown
        ]
        ax.figure.legend(handles=handles, loc="outside upper center", ncol=2, frameon=False)
        if boundary is not None and "classification" in boundary.columns:
            known = boundary[boundary["classification"].astype(str) != "no closed form"]
            if not known.empty:
                _draw_boundary(ax, known, x, y, xs, ys)
        _axis_labels(ax, x, y)
        ax.set_title("Phase diagram: the verdict estimated from simulation")
    return ax


def plot_extinction(
    estimates: pd.DataFrame | None = None,
    *,
    m_max: float = 3.0,
    ax: Axes | None = None,
) -> Axes:
    r"""Extinction probability of the nested branching process against the mean offspring.

    The closed form :math:`q^*(m)` (least root of :math:`s = e^{m(s-1)}`: 1 for
    :math:`m \le 1`, :math:`-W(-m e^{-m})/m` above) with the critical point :math:`m = 1`
    marked, and Monte Carlo estimates with intervals when given.

    Parameters
    ----------
    estimates : pandas.DataFrame, optional
        Columns ``mean_offspring``, ``estimate`` and optionally ``ci_low``/``ci_high``.
    m_max : float
        Right end of the :math:`m` axis.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The axes with the closed form, the critical point and the estimates.

    Raises
    ------
    ParameterError
        If ``m_max <= 1`` (the critical point must be on the axis).

    Examples
    --------
    >>> ax = plot_extinction(m_max=3)
    >>> line = ax.get_lines()[0]
    >>> line.get_label(), float(line.get_ydata()[0])
    ('closed form $q^*(m)$', 1.0)
    """
    from supercoherence.checks import check_in_interval

    check_in_interval("m_max", m_max, 1, None, low_open=True)
    upper = m_max
    if estimates is not None:
        _require_columns(estimates, ["mean_offspring", "estimate"], "estimates")
        upper = max(upper, float(estimates["mean_offspring"].max()))
    m_grid = np.union1d(np.linspace(0, upper, 401), [1.0])
    ax = _ax_or_new(ax)
    with theme():
        ax.plot(
            m_grid, extinction_probability(m_grid), color=EXACT_COLOR, label="closed form $q^*(m)$"
        )
        ax.axvline(
            1.0, color=PALETTE[5], linestyle=":", linewidth=1.5, label="critical point $m = 1$"
        )
        if estimates is not None:
            est = estimates.sort_values("mean_offspring")
            ax.errorbar(
                est["mean_offspring"],
                est["estimate"],
                yerr=_error_bars(est),
                fmt="o",
                color=PALETTE[0],
                markersize=5,
                capsize=2,
                label="Monte Carlo",
            )
        ax.set_xlabel(PARAMETER_LABELS["mean_offspring"])
        ax.set_ylabel("extinction probability $q^*$")
        ax.set_ylim(-0.02, 1.05)
        ax.set_xlim(0, upper)
        ax.set_title("Nested mesa-optimizers: extinction of the lineage")
        _legend(ax)
    return ax


def extinction_probability(m: np.ndarray) -> np.ndarray:
    """Numeric :math:`q^*(m)` from :mod:`supercoherence.theory.branching` (vectorised)."""
    from supercoherence.theory import branching

    return np.asarray(branching.poisson_extinction_numeric(np.asarray(m, dtype=float)), dtype=float)


def plot_phase_portrait(
    parameters: Mapping[str, float] | object,
    *,
    starts: Sequence[tuple[float, float]] | None = None,
    t_max: float = 60.0,
    ax: Axes | None = None,
) -> Axes:
    r"""Lotka-Volterra competition of base ``x`` and mesa-optimizer ``y``: a phase portrait.

    Streamlines of the vector field (grey), the two nullclines
    :math:`x + \alpha y = K_x` and :math:`y + \beta x = K_y` (dotted), trajectories from
    ``starts`` with their starting points, and the equilibria from
    :func:`supercoherence.theory.competition.equilibria`: filled discs when stable, hollow
    circles when unstable, crosses for saddles.  The title names the outcome of
    :func:`~supercoherence.theory.competition.outcome`.

    Parameters
    ----------
    parameters : mapping or CompetitionParams
        ``alpha``, ``beta`` and optionally ``K_x``, ``K_y``, ``r_x``, ``r_y``.
    starts : sequence of (x, y), optional
        Initial shares of the trajectories (default: six points around the box).
    t_max : float
        Integration time of each trajectory (model time units).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The axes with the streamlines, nullclines, trajectories and equilibria.

    Raises
    ------
    ParameterError
        For invalid competition parameters (from the theory layer).

    Examples
    --------
    >>> ax = plot_phase_portrait({"alpha": 0.5, "beta": 0.5})
    >>> ax.get_title()
    'Competition: stable coexistence'
    >>> labels = [t.get_text() for t in ax.get_legend().get_texts()]
    >>> "stable equilibrium" in labels and "saddle" in labels
    True
    """
    from supercoherence.theory import competition

    params = competition._as_params(parameters)
    alpha, beta, k_x, k_y, _, _ = params.floats()
    # Every feasible equilibrium satisfies x <= K_x and y <= K_y (it lies on a nullcline).
    top_x = top_y = 1.2 * max(k_x, k_y)
    if starts is None:
        starts = [
            (0.05 * top_x, 0.9 * top_y),
            (0.9 * top_x, 0.05 * top_y),
            (0.9 * top_x, 0.9 * top_y),
            (0.05 * top_x, 0.3 * top_y),
            (0.3 * top_x, 0.05 * top_y),
            (0.5 * top_x, 0.6 * top_y),
        ]
    ax = _ax_or_new(ax)
    with theme():
        gx, gy = np.meshgrid(np.linspace(0, top_x, 40), np.linspace(0, top_y, 40))
        dx, dy = competition.vector_field(params, gx, gy)
        ax.streamplot(gx, gy, dx, dy, color="#BBBBBB", density=1.0, linewidth=0.7, arrowsize=0.8)
        xs = np.linspace(0, top_x, 200)
        if alpha > 0:
            ax.plot(
                xs,
                (k_x - xs) / alpha,
                color=PALETTE[0],
                linestyle=":",
                linewidth=1.4,
                label="base nullcline $\\dot x = 0$",
            )
        else:
            ax.axvline(
                k_x,
                color=PALETTE[0],
                linestyle=":",
                linewidth=1.4,
                label="base nullcline $\\dot x = 0$",
            )
        ax.plot(
            xs,
            k_y - beta * xs,
            color=PALETTE[1],
            linestyle=":",
            linewidth=1.4,
            label="mesa nullcline $\\dot y = 0$",
        )
        for i, (x0, y0) in enumerate(starts):
            orbit = competition.trajectory(params, x0, y0, t_max=t_max, n_points=400)
            ax.plot(
                orbit.x,
                orbit.y,
                color=PALETTE[2],
                linewidth=1.6,
                label="trajectories" if i == 0 else None,
            )
            ax.plot([x0], [y0], marker="o", markersize=3, color=PALETTE[2])
        _draw_equilibria(ax, competition.equilibria(params), competition.Stability)
        ax.set_xlim(0, top_x)
        ax.set_ylim(0, top_y)
        ax.set_xlabel("base optimizer's resource share $x$")
        ax.set_ylabel("mesa-optimizer's resource share $y$")
        ax.set_title(f"Competition: {competition.outcome(params).value}")
        ax.legend(loc="upper right", fontsize=9)
    return ax


def _draw_equilibria(ax: Axes, equilibria: Sequence[object], stability: type) -> None:
    styles = {
        stability.STABLE: ({"marker": "o", "markerfacecolor": EXACT_COLOR}, "stable equilibrium"),
        stability.SADDLE: ({"marker": "X", "markerfacecolor": PALETTE[5]}, "saddle"),
    }
    unstable = ({"marker": "o", "markerfacecolor": "white"}, "unstable equilibrium")
    seen = set()
    for eq in equilibria:
        if eq.feasible is False:
            continue
        style, label = styles.get(eq.stability, unstable)
        ax.plot(
            [float(eq.x)],
            [float(eq.y)],
            linestyle="",
            markersize=10,
            markeredgecolor=EXACT_COLOR,
            markeredgewidth=1.5,
            zorder=5,
            label=None if label in seen else label,
            clip_on=False,
            **style,
        )
        seen.add(label)


def _legend(ax: Axes, *, band: bool = False, outside: bool = False) -> None:
    """Legend with the closed forms last; ``outside``: right of the axes (never on data)."""
    handles, labels = ax.get_legend_handles_labels()
    # Closed forms last, after the per-point entries.
    order = sorted(range(len(labels)), key=lambda i: labels[i] == "closed form")
    handles, labels = [handles[i] for i in order], [labels[i] for i in order]
    if band:
        handles.append(Patch(color="#999999", alpha=0.4, linewidth=0))
        labels.append("95% confidence band")
    if handles and outside:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    elif handles:
        ax.legend(handles, labels, loc="best")


#: Deprecated alias of :func:`plot_no_takeover_by` (issue 9).
plot_survival = renamed_function(plot_no_takeover_by, "plot_survival")
