r"""The report's section on the nested model's predictions that are not exact (issue 10).

For the ``abm`` engine, ``estimates.parquet`` carries beside each estimate of
:math:`P(\text{no top-level takeover by } t)` two predictions:

* ``independent``: the independent-contest model at the same parameters (children
  contest once, at birth), :math:`e^{-\Lambda_0(t)}`;
* ``mean_field``: :func:`supercoherence.theory.nested.mean_field` (defined at
  :math:`\phi = 0` only).

This module says, in numbers, where nesting changes the estimate (its
:math:`z = (\hat p - p_\text{independent})/\mathrm{SE}` beyond the flag threshold) and
where the mean field holds or breaks (its :math:`z`).

Examples
--------
>>> rows = pd.DataFrame({"point": [0, 1], "estimand": "no_takeover_by", "at": 4.0,
...     "estimate": [0.06, 0.14], "std_error": [0.007, 0.01],
...     "independent": [0.14, 0.14], "mean_field": [0.058, float("nan")]})
>>> text = predictions_markdown(rows, [])
>>> "Nesting changes the estimate by more than 4 SE at 1 of 2" in text
True
>>> "mean field is within 4 SE at 1 of 1" in text
True
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["predictions_markdown"]

#: |z| beyond which a prediction is said to break (the studies' flag threshold).
THRESHOLD = 4.0
_ESTIMAND = "no_takeover_by"


def _fmt(value: float, digits: int = 3) -> str:
    return "" if value is None or math.isnan(value) else f"{value:.{digits}g}"


def _z(estimate: np.ndarray, predicted: np.ndarray, se: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return (estimate - predicted) / se


def _sentence(z: np.ndarray, rows: pd.DataFrame, what: str, holds: bool) -> str:
    have = ~np.isnan(z)
    if not have.any():
        return ""
    far = have & (np.abs(z) > THRESHOLD)
    worst = int(np.nanargmax(np.abs(np.where(have, z, np.nan))))
    where = f"point {int(rows['point'].iloc[worst])}, t = {_fmt(float(rows['at'].iloc[worst]))}"
    count = int((~far & have).sum()) if holds else int(far.sum())
    verb = f"is within {THRESHOLD:g} SE" if holds else f"by more than {THRESHOLD:g} SE"
    return (
        f"{what} {verb} at {count} of {int(have.sum())} (point, t) pairs "
        f"(largest |z| = {abs(z[worst]):.3g} at {where})."
    )


def predictions_markdown(estimates: pd.DataFrame, varied: list[str]) -> str:
    """The section's text and table ("" when the study has no such predictions)."""
    if "independent" not in estimates.columns:
        return ""
    rows = estimates[estimates["estimand"] == _ESTIMAND]
    if rows.empty or rows["independent"].isna().all():
        return ""
    rows = rows.reset_index(drop=True)
    est = rows["estimate"].to_numpy(float)
    se = rows["std_error"].to_numpy(float)
    ind = rows["independent"].to_numpy(float)
    mf = rows["mean_field"].to_numpy(float) if "mean_field" in rows else np.full(est.size, np.nan)
    z_ind, z_mf = _z(est, ind, se), _z(est, mf, se)
    text = [
        "P(no top-level takeover by $t$) estimated by the interacting model, beside the "
        "independent-contest model at the same parameters and the mean field "
        f"(theory.nested.mean_field, $\\phi = 0$ only); $z$ in standard errors, threshold "
        f"{THRESHOLD:g}.",
        _sentence(z_ind, rows, "Nesting changes the estimate", holds=False),
        _sentence(z_mf, rows, "The mean field", holds=True),
    ]
    header = ["point", *varied, "t", "estimate", "SE", "independent", "z", "mean field", "z"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for i, row in rows.iterrows():
        cells = [str(int(row["point"]))]
        cells += [_fmt(float(row[v])) if isinstance(row[v], float) else str(row[v]) for v in varied]
        cells += [_fmt(float(row["at"])), _fmt(est[i], 4), _fmt(se[i], 2), _fmt(ind[i], 4)]
        cells += [_fmt(z_ind[i], 3), _fmt(mf[i], 4), _fmt(z_mf[i], 3)]
        lines.append("| " + " | ".join(cells) + " |")
    sentences = " ".join(t for t in text if t)
    return sentences + "\n\n" + "\n".join(lines)
