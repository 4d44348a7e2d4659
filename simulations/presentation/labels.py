r"""Names of parameter points for legends, panel titles and table headers.

Every label comes from the study's parameters (``points.parquet``: one row per point, one
column per parameter), never from data columns of a results table: a column such as
``alignment_with_original`` in a time series is data, and a data column that happens to
differ between points by rounding (1e-16) must not name them.

A parameter that a point's model ignores is not shown for that point
(:func:`ignored_parameters`): ``entrenchment_rate`` (:math:`\delta`) means nothing for a
constant hazard, nor ``power_exponent`` (:math:`\beta`) for entrenchment.  Points that differ only
in ignored parameters are the same model and get the same label.

Examples
--------
>>> import pandas as pd
>>> points = pd.DataFrame({"point": [0, 1, 2],
...                        "hazard": ["constant", "constant", "entrenchment"],
...                        "entrenchment_rate": [0.125, 0.5, 0.5]})
>>> point_labels(points)
{0: 'constant hazard', 1: 'constant hazard', 2: 'entrenchment hazard, $\\delta$ = 0.5'}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from supercoherence.theory.scenario import HAZARD_SHAPES, TakeoverScenario

__all__ = [
    "ESTIMAND_NAMES",
    "ESTIMATE_COLUMNS",
    "SYMBOLS",
    "estimand_name",
    "format_value",
    "group_label",
    "ignored_parameters",
    "point_labels",
    "relevant_parameters",
    "varied_parameters",
]

#: Legend symbols of the study-file parameters (mathtext/MathJax); the scenario's from
#: its field metadata (:meth:`TakeoverScenario.parameters`).
SYMBOLS: dict[str, str] = {
    **{
        name: info.legend_symbol
        for name, info in TakeoverScenario.parameters().items()
        if info.kind != "choice"
    },
    "mean_offspring": "$m$",
    "alpha": r"$\alpha$",
    "beta": r"$\beta$",
    "alignment": "alignment",
    "initial_mesa": "$y_0$",
}

#: The columns of ``estimates.parquet`` that are not parameters, in the stored order
#: (docs/ARCHITECTURE.md): the key (``point``, ``estimand``, ``at``), the estimate with its
#: interval and sample size, the closed form and its ``z``-score and flag.
ESTIMATE_COLUMNS: tuple[str, ...] = (
    "point",
    "estimand",
    "at",
    "estimate",
    "std_error",
    "ci_low",
    "ci_high",
    "replicates",
    "exact",
    "z",
    "flag",
)

#: What each stored estimand is, in words, for table headers and colour bars.
ESTIMAND_NAMES: dict[str, str] = {
    "no_takeover_after": "P(no top-level takeover after t)",
    "no_takeover_by": "P(no top-level takeover by t)",
    "supercoherence_by_horizon": "P(supercoherence by the horizon)",
    "law_of_n": "P(N = k)",
    "mean_takeovers": "E[takeovers by the horizon]",
    "last_takeover_time": "E[time of the last takeover]",
    "final_alignment": "E[final alignment w . w_0]",
    "coherence": "E[coherence]",
    "size": "E[number of optimizers]",
    "depth": "E[nesting depth]",
    "nested_takeovers": "E[takeovers below the top level]",
    "mesa_takes_over": "P(mesa takes over)",
    "mesa_disappears": "P(mesa disappears)",
    "coexistence": "P(coexistence)",
}

#: Per hazard family, the parameters only another family reads (field metadata).
_HAZARD_PARAMETERS = {
    family: tuple(
        name
        for name, info in TakeoverScenario.parameters().items()
        if info.family and info.family != family
    )
    for family in HAZARD_SHAPES
}


def estimand_name(estimand: str) -> str:
    """What an estimand is, in words (its name with spaces when unknown).

    Examples
    --------
    >>> estimand_name("mesa_takes_over")
    'P(mesa takes over)'
    >>> estimand_name("my_statistic")
    'my statistic'
    """
    return ESTIMAND_NAMES.get(estimand, estimand.replace("_", " "))


def ignored_parameters(point: Mapping[str, object]) -> set[str]:
    r"""The parameters of a takeover-scenario point that its model does not use.

    ``entrenchment_rate`` and ``entrenchment_weakening`` for a constant or power-law hazard,
    ``power_exponent`` unless the hazard is a power law; with capability ratio
    :math:`\gamma = 1` every challenger has the incumbent's capability, so the contest
    sharpness (:math:`s(1) = 1/2` for every :math:`r`) and the detection scaling
    (:math:`c_n - c_0 = 0`) do not matter either.  Points of other engines (no ``hazard``
    key) ignore nothing.

    Parameters
    ----------
    point : mapping
        Study-file parameter names to values.

    Returns
    -------
    set of str

    Examples
    --------
    >>> sorted(ignored_parameters({"hazard": "constant", "capability_ratio": 2.0}))
    ['entrenchment_rate', 'entrenchment_weakening', 'power_exponent']
    >>> sorted(ignored_parameters({"hazard": "entrenchment", "capability_ratio": 1.0}))
    ['detection_scaling', 'power_exponent', 'sharpness']
    >>> ignored_parameters({"alpha": 0.5})
    set()
    """
    hazard = point.get("hazard")
    if hazard is None:
        return set()
    ignored = set(_HAZARD_PARAMETERS.get(str(hazard), ()))
    ratio = point.get("capability_ratio", 1.0)
    try:
        if float(ratio) == 1.0:
            ignored |= {"sharpness", "detection_scaling"}
    except (TypeError, ValueError):
        pass
    return ignored


def relevant_parameters(point: Mapping[str, object], names: Iterable[str]) -> list[str]:
    """The names, in order, that the point's model uses.

    Examples
    --------
    >>> relevant_parameters({"hazard": "constant"}, ["hazard", "entrenchment_rate", "drift"])
    ['hazard', 'drift']
    """
    ignored = ignored_parameters(point)
    return [n for n in names if n not in ignored]


def varied_parameters(points: pd.DataFrame) -> list[str]:
    """The parameter columns of a points table that take more than one value.

    Examples
    --------
    >>> varied_parameters(pd.DataFrame({"point": [0, 1], "a": [1, 2], "b": [3, 3]}))
    ['a']
    """
    return [c for c in points.columns if c != "point" and points[c].nunique(dropna=False) > 1]


def format_value(value: object) -> str:
    """A parameter value for a label: 3 significant digits for floats.

    Examples
    --------
    >>> format_value(0.125), format_value(2.0), format_value("power")
    ('0.125', '2', 'power')
    """
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, float | np.floating):
        return f"{float(value):.3g}"
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def _term(name: str, value: object) -> str:
    if name == "hazard":
        return f"{value} hazard"
    return f"{SYMBOLS.get(name, name.replace('_', ' '))} = {format_value(value)}"


def group_label(rows: Sequence[Mapping[str, object]], varied: Sequence[str]) -> str:
    """The label of points drawn as one line: the varied values they all share.

    A parameter that one of the points ignores, or whose value differs between them, is
    left out: the line stands for all of them.

    Examples
    --------
    >>> group_label([{"hazard": "entrenchment", "entrenchment_rate": 0.25, "w": 0.0},
    ...              {"hazard": "entrenchment", "entrenchment_rate": 0.25, "w": 2.0}],
    ...             ["hazard", "entrenchment_rate", "w"])
    'entrenchment hazard, $\\\\delta$ = 0.25'
    """
    rows = list(rows)
    if not rows:
        return ""
    terms = []
    for name in varied:
        if any(name in ignored_parameters(r) for r in rows):
            continue
        values = {format_value(r.get(name)) for r in rows}
        if len(values) == 1:
            terms.append(_term(name, rows[0].get(name)))
    return ", ".join(terms)


def point_labels(points: pd.DataFrame, varied: Sequence[str] | None = None) -> dict[int, str]:
    """Label of each point: its varied parameters that its model uses.

    Parameters
    ----------
    points : pandas.DataFrame
        ``points.parquet``: column ``point`` and one column per parameter.
    varied : sequence of str, optional
        The parameters to name (default: :func:`varied_parameters`).

    Returns
    -------
    dict of int to str
        ``"point N"`` for a point with nothing to name.

    Examples
    --------
    >>> pts = pd.DataFrame({"point": [0, 1], "spawn_rate": [0.5, 1.0], "drift": 0.8})
    >>> point_labels(pts)
    {0: '$\\\\lambda$ = 0.5', 1: '$\\\\lambda$ = 1'}
    """
    varied = varied_parameters(points) if varied is None else list(varied)
    labels = {}
    for row in points.to_dict("records"):
        point = int(row["point"])
        text = ", ".join(_term(n, row[n]) for n in relevant_parameters(row, varied))
        labels[point] = text or f"point {point}"
    return labels
