r"""The report's section on the verdict estimated from simulation (issue 11).

For every point of a study run with ``[outputs] verdict``, ``verdict.parquet`` holds
the outcome of the dichotomy estimated from the per-level event table alone
(:func:`supercoherence.simulations.verdict.estimate_verdict`): *supercoherence almost
surely* (:math:`\sum q_n = \infty`), *recursion forever with positive probability*
(:math:`\sum q_n < \infty`, with :math:`\prod_n (1 - q_n)` estimated) or *recursion
forever almost surely* (:math:`q_n = 0`), its bootstrap support, or *undecided* with
why.  ``boundary.parquet`` holds the analytic classification
(:func:`supercoherence.theory.recursion.classify`) where a closed form exists.  This
module sets the two side by side, one row per distinct model, and counts agreements
among the points the data decide (an undecided point is neither an agreement nor a
disagreement: it is what the data can say).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from supercoherence.simulations.presentation.labels import ignored_parameters

__all__ = ["verdict_agreement", "verdict_figures", "verdict_markdown", "verdict_sections"]

_NO_CLOSED_FORM = "no closed form"


def _fmt(value: object, digits: int = 3) -> str:
    if value is None:
        return ""
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        return f"{float(value):.{digits}g}"
    return str(value)


def _merged(verdict: pd.DataFrame, boundary: pd.DataFrame | None) -> pd.DataFrame:
    """``verdict.parquet`` with the analytic ``classification`` of ``boundary.parquet``."""
    table = verdict.copy()
    if boundary is not None and "classification" in boundary.columns:
        table = table.merge(
            boundary[["point", "classification"]], on="point", how="left", sort=False
        )
    if "classification" not in table.columns:
        table["classification"] = _NO_CLOSED_FORM
    table["classification"] = table["classification"].fillna(_NO_CLOSED_FORM)
    return table


def verdict_agreement(verdict: pd.DataFrame, boundary: pd.DataFrame | None) -> dict[str, int]:
    """Counts: points, with a closed form, decided, agreeing, disagreeing, undecided.

    Parameters
    ----------
    verdict : pandas.DataFrame
        ``verdict.parquet`` (``point``, ``estimated_outcome``).
    boundary : pandas.DataFrame or None
        ``boundary.parquet`` (``point``, ``classification``).

    Examples
    --------
    >>> v = pd.DataFrame({"point": [0, 1, 2], "estimated_outcome": [
    ...     "supercoherence almost surely", "undecided", "recursion forever almost surely"]})
    >>> b = pd.DataFrame({"point": [0, 1, 2], "classification": [
    ...     "supercoherence almost surely", "supercoherence almost surely", "no closed form"]})
    >>> verdict_agreement(v, b)
    {'points': 3, 'closed_form': 2, 'decided': 2, 'agree': 1, 'disagree': 0, 'undecided': 1}
    """
    table = _merged(verdict, boundary)
    closed = table["classification"] != _NO_CLOSED_FORM
    decided = table["estimated_outcome"] != "undecided"
    agree = closed & decided & (table["classification"] == table["estimated_outcome"])
    return {
        "points": len(table),
        "closed_form": int(closed.sum()),
        "decided": int(decided.sum()),
        "agree": int(agree.sum()),
        "disagree": int((closed & decided & ~agree).sum()),
        "undecided": int((~decided).sum()),
    }


def _distinct(table: pd.DataFrame, varied: list[str]) -> pd.DataFrame:
    """One row per distinct verdict row (points sharing a model share their verdict)."""
    keys = ["classification", "estimated_outcome", "support", "recurrence", "reason"]
    keys += [v for v in varied if v in table.columns]
    # parameters a point's model ignores do not distinguish it
    keys = [k for k in keys if k in table.columns]
    sig = pd.Series(
        [
            "|".join("any" if k in ignored_parameters(row) else str(row[k]) for k in keys)
            for row in table.to_dict("records")
        ],
        index=table.index,
    )
    first = ~sig.duplicated()
    members = table.groupby(sig, sort=False)["point"].apply(list)
    out = table[first].copy()
    out["_members"] = [_points(members[s]) for s in sig[first]]
    return out


def _points(points: list[int]) -> str:
    if len(points) <= 3:
        return ", ".join(map(str, points))
    return f"{points[0]}..{points[-1]} ({len(points)})"


def verdict_markdown(
    verdict: pd.DataFrame,
    boundary: pd.DataFrame | None,
    varied: list[str],
    *,
    limit: int | None = None,
    reasons: bool = False,
) -> str:
    r"""The estimated verdict beside the analytic one, as a Markdown table.

    Parameters
    ----------
    verdict, boundary : pandas.DataFrame
        ``verdict.parquet`` and ``boundary.parquet`` (or None: no closed forms).
    varied : list of str
        The varied parameters (columns shown).
    limit : int, optional
        Show one row per distinct verdict, at most ``limit`` rows evenly spread.
    reasons : bool, optional
        Add the estimator's reason (family, trend, or why undecided) per row.

    Examples
    --------
    >>> v = pd.DataFrame({"point": [0], "hazard": ["constant"],
    ...     "estimated_outcome": ["recursion forever almost surely"], "support": [1.0],
    ...     "recurrence": [1.0], "recurrence_low": [1.0], "recurrence_high": [1.0],
    ...     "reason": ["constant hazard: q_n = 0"]})
    >>> print(verdict_markdown(v, None, ["hazard"]))  # doctest: +NORMALIZE_WHITESPACE
    | point | hazard | theory | estimated verdict | support | P(recur forever), estimated |
    |---|---|---|---|---|---|
    | 0 | constant | no closed form | recursion forever almost surely | 1 | 1 [1, 1] |
    """
    if verdict is None or verdict.empty:
        return ""
    table = _merged(verdict, boundary)
    if limit is not None:
        table = _distinct(table, varied)
        if len(table) > limit:
            table = table.iloc[np.linspace(0, len(table) - 1, limit).round().astype(int)]
    header = [
        "points" if limit is not None else "point",
        *varied,
        "theory",
        "estimated verdict",
        "support",
        "P(recur forever), estimated",
    ]
    if reasons:
        header.append("why")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in table.to_dict("records"):
        est = row.get("recurrence", math.nan)
        interval = (
            f"{_fmt(est)} [{_fmt(row.get('recurrence_low'))}, {_fmt(row.get('recurrence_high'))}]"
            if isinstance(est, float) and math.isfinite(est)
            else ""
        )
        outcome = str(row["estimated_outcome"])
        if outcome != "undecided" and row["classification"] not in (
            _NO_CLOSED_FORM,
            outcome,
        ):
            outcome = f"**{outcome}** (disagrees)"
        leaning = str(row.get("point_outcome", "") or "")
        if outcome == "undecided" and leaning and leaning != "undecided":
            # the support shown is then the point estimate's, below the threshold
            outcome = f"undecided (point estimate: {leaning})"
        ignored = ignored_parameters(row)
        cells = [
            str(row.get("_members", row["point"])),
            *("any" if v in ignored else _fmt(row.get(v)) for v in varied),
            str(row["classification"]),
            outcome,
            _fmt(row.get("support")),
            interval,
        ]
        if reasons:
            cells.append(str(row.get("reason", "")).replace("|", "/"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdict_sections(results: object, varied: list[str], *, limit: int = 12) -> tuple[str, str]:
    r"""The report's verdict section and its appendix (``("", "")`` without a verdict).

    Parameters
    ----------
    results : StudyResults
        From :func:`supercoherence.simulations.load_results` (``verdict``, ``boundary``).
    varied : list of str
        The varied parameters.
    limit : int, optional
        Rows of the summary table (one per distinct verdict).

    Returns
    -------
    tuple of str
        The summary section and the appendix section (every point, with reasons).

    Examples
    --------
    >>> class R:
    ...     verdict = None
    ...     boundary = None
    >>> verdict_sections(R(), [])
    ('', '')
    """
    verdict = getattr(results, "verdict", None)
    if verdict is None or verdict.empty:
        return "", ""
    boundary = getattr(results, "boundary", None)
    counts = verdict_agreement(verdict, boundary)
    intro = (
        "The dichotomy's outcome estimated from the per-level event table alone "
        "(each dominant optimizer's tenure, or its age when still in place at the horizon): "
        "per level, the takeover hazard fitted by maximum likelihood under censoring "
        "(constant, entrenchment, power decay; BIC), $q_n = e^{-\\Lambda_n(\\infty)}$, "
        "its trend in $n$ and the test of $\\sum q_n$; *support* is the share of "
        "bootstrap resamples (over replicates) giving the verdict, and a verdict below "
        "0.95 support, or one the observed levels cannot settle, is *undecided*, with why "
        "and what would decide it."
    )
    if counts["closed_form"]:
        tally = (
            f"Of {counts['points']} points, {counts['decided']} are decided by the data; "
            f"where a closed form exists the estimate agrees with it at {counts['agree']} "
            f"and disagrees at {counts['disagree']}; {counts['undecided']} undecided."
        )
    else:
        tally = (
            f"No point has a closed-form classification: the verdict comes from "
            f"simulation alone ({counts['decided']} of {counts['points']} decided)."
        )
    summary = (
        f"## The verdict from simulation\n\n{intro}\n\n{tally} Every point, with the "
        f"reason, is in the [appendix](report-appendix.md).\n\n"
        f"{verdict_markdown(verdict, boundary, varied, limit=limit)}"
    )
    appendix = (
        "## The verdict from simulation\n\n"
        f"{tally}\n\n{verdict_markdown(verdict, boundary, varied, reasons=True)}"
    )
    return summary, appendix


def verdict_figures(results: object, varied: list[str]) -> dict[str, object]:
    r"""The phase diagram of the estimated verdict, per combination of other parameters.

    Drawn when the study has a verdict and exactly two numeric varied parameters; the
    analytic boundary is overlaid where ``boundary.parquet`` has a classification.
    Returns ``{"verdict_phase[_facet]": Figure}`` (empty otherwise).

    Examples
    --------
    >>> class R:
    ...     verdict = None
    >>> verdict_figures(R(), ["x", "y"])
    {}
    """
    verdict = getattr(results, "verdict", None)
    if verdict is None or verdict.empty:
        return {}
    from supercoherence.simulations.presentation.figures import plot_verdict_phase

    numeric = [
        v for v in varied if v in verdict.columns and pd.api.types.is_numeric_dtype(verdict[v])
    ]
    if len(numeric) != 2:
        return {}
    x, y = numeric
    others = [v for v in varied if v not in numeric and v in verdict.columns]
    boundary = getattr(results, "boundary", None)
    combos = [()] if not others else sorted(set(map(tuple, verdict[others].astype(str).to_numpy())))
    figures = {}
    for combo in combos:
        chosen = dict(zip(others, combo, strict=True))
        mask = np.ones(len(verdict), dtype=bool)
        for name, value in chosen.items():
            mask &= (verdict[name].astype(str) == value).to_numpy()
        part = verdict[mask]
        if part.empty:
            continue
        b = None
        if boundary is not None and "classification" in boundary.columns:
            b = boundary[boundary["point"].isin(part["point"])]
        ax = plot_verdict_phase(part, x, y, boundary=b)
        if chosen:
            ax.set_title("Estimated verdict: " + ", ".join(f"{k} = {v}" for k, v in chosen.items()))
        name = "verdict_phase" + ("_" + "_".join(map(str, chosen.values())) if chosen else "")
        figures[name] = ax.figure
    return figures
