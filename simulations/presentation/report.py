r"""A post-ready report of a stored study: ``report.md`` and ``report.html``.

:func:`write_report` reads a study folder (``estimates.parquet``, ``boundary.parquet``,
``timeseries.parquet``, ``study.toml``; nothing is re-run) and writes beside it

* ``report.md``: the question (the study's description), the parameters (fixed and
  varied), the derived conditions
  (:mod:`~supercoherence.simulations.presentation.formulas`: the :math:`q_n` of every
  point, its classification and :math:`\prod_n (1 - q_n)`), the table of estimates
  beside their closed forms with the agreement :math:`z = (\hat\theta - \theta)/\mathrm{SE}`
  (flagged when :math:`|z| > 4`), the figures and links to any graph files in
  ``graphs/``.  Maths is written ``$...$`` / ``$$...$$`` so the Markdown pastes into a
  post that loads MathJax;
* ``report.html``: the same, rendered with markdown-it-py, loading MathJax 3;
* ``figures/*.png|svg|pdf`` (:func:`write_figures`): the phase diagram (two numeric
  varied parameters; one per value of any other varied parameter), survival curves
  :math:`P(\text{no takeover by } t)` against :math:`e^{-\Lambda_0(t)}`, the law of
  :math:`N` per point, and for Mesa studies coherence and root tenure over time.
"""

from __future__ import annotations

import functools
import html
import math
import re
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from markdown_it import MarkdownIt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from supercoherence.errors import ParameterError, SupercoherenceError
from supercoherence.simulations.presentation.labels import (
    estimand_name,
    group_label,
    ignored_parameters,
    point_labels,
    varied_parameters,
)
from supercoherence.theory.scenario import TakeoverScenario

__all__ = [
    "FIGURE_FORMATS",
    "PARAMETER_NAMES",
    "estimates_markdown",
    "markdown_to_html",
    "math_svg",
    "sensitivity_markdown",
    "write_figures",
    "write_report",
]

#: The formats :func:`write_figures` can write (``save_figure`` writes all three).
FIGURE_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")

_GRAPH_SUFFIXES = (".graphml", ".gexf", ".dot", ".json", ".cyjs", ".png", ".svg")

_MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+?\$", re.DOTALL)


# --------------------------------------------------------------------------- figures


def _varied(points: pd.DataFrame) -> list[str]:
    return varied_parameters(points)


def _numeric(points: pd.DataFrame, column: str) -> bool:
    return pd.api.types.is_numeric_dtype(points[column])


def _facet_name(values: dict[str, object]) -> str:
    return "_".join(f"{k}-{v}" for k, v in values.items()).replace(".", "p")


def _phase_figures(
    estimates: pd.DataFrame, boundary: pd.DataFrame | None, varied: list[str], points: pd.DataFrame
) -> dict[str, Figure]:
    """One phase diagram per combination of the varied parameters other than x, y."""
    from supercoherence.simulations.presentation.figures import plot_phase_diagram

    numeric = [v for v in varied if _numeric(points, v)]
    estimand = _phase_estimand(estimates, boundary)
    if len(numeric) != 2 or estimand is None:
        return {}
    x, y = numeric
    others = [v for v in varied if v not in numeric]
    combos = [()] if not others else sorted(set(map(tuple, points[others].to_numpy())))
    figures = {}
    uniform = []
    for combo in [*combos, None]:
        if combo is None:  # every facet was uniform: draw the first rather than none
            if figures or not uniform:
                break
            combo, forced = uniform[0], True
        else:
            forced = False
        chosen = dict(zip(others, combo, strict=True))
        mask_e = np.ones(len(estimates), dtype=bool)
        mask_b = None if boundary is None else np.ones(len(boundary), dtype=bool)
        for name, value in chosen.items():
            mask_e &= (estimates[name] == value).to_numpy()
            if boundary is not None:
                mask_b &= (boundary[name] == value).to_numpy()
        part = estimates[mask_e & (estimates["estimand"] == estimand).to_numpy()]
        if part.empty:
            continue
        if part["estimate"].nunique() < 2 and not forced:
            uniform.append(combo)  # a facet of one colour says less than the others
            continue
        ax = plot_phase_diagram(
            estimates[mask_e],
            x,
            y,
            estimand=estimand,
            boundary=None if boundary is None else boundary[mask_b],
        )
        if chosen:
            ax.set_title("Phase diagram: " + group_label([chosen], list(chosen)))
        figures["phase" + (f"_{_facet_name(chosen)}" if chosen else "")] = ax.figure
    return figures


def _phase_estimand(estimates: pd.DataFrame, boundary: pd.DataFrame | None) -> str | None:
    """The estimand of the phase diagram: P(supercoherence), else the boundary's."""
    present = set(estimates["estimand"])
    if "supercoherence_by_horizon" in present:
        return "supercoherence_by_horizon"
    if boundary is not None and "estimand" in boundary.columns and not boundary.empty:
        name = str(boundary["estimand"].iloc[0])
        return name if name in present else None
    return None


def _scenario_curve(point: dict) -> object | None:
    """``t -> exp(-Lambda_0(t))`` of a takeover-scenario point (None for other engines)."""
    from supercoherence.theory.scenario import TakeoverScenario

    try:
        scenario = TakeoverScenario.from_mapping(point)
    except SupercoherenceError:  # not a takeover scenario (competition, ...)
        return None
    return lambda t: np.exp(-np.asarray(scenario.cumulative_hazard(0, t), dtype=float))


def _survival_figure(
    estimates: pd.DataFrame, points: pd.DataFrame, varied: list[str]
) -> Figure | None:
    r"""``no_takeover_by`` is the survival of the first dominant optimizer (closed form).

    Points with the same curve (the same :math:`\Lambda_0`, e.g. every constant hazard
    whatever its :math:`\delta`) are drawn once, labelled by what they share; the closed
    form is drawn smoothly from :math:`e^{-\Lambda_0(t)}`.
    """
    from supercoherence.simulations.presentation.figures import plot_no_takeover_by

    rows = estimates[estimates["estimand"] == "no_takeover_by"]
    if rows.empty:
        rows = estimates[estimates["estimand"] == "no_takeover_after"]
        if rows["at"].nunique() < 3:  # two times are not a curve
            return None
        labels = point_labels(points, varied)
        ax = plot_no_takeover_by(rows, estimand="no_takeover_after", labels=labels)
        ax.set_title("P(no top-level takeover after $t$)")
        return ax.figure
    curves = rows.groupby("point")["exact"].apply(lambda e: tuple(np.round(e.to_numpy(), 9)))
    records = {
        int(r["point"]): {k: v for k, v in r.items() if k != "point"}
        for r in points.to_dict("records")
    }
    keep, labels, closed = [], {}, {}
    for _, group in curves.groupby(curves, sort=False):
        members = [int(p) for p in group.index]
        first = members[0]
        keep.append(first)
        labels[first] = (
            group_label([records[p] for p in members if p in records], varied) or f"point {first}"
        )
        if first in records:
            curve = _scenario_curve(records[first])
            if curve is not None:
                closed[first] = curve
    ax = plot_no_takeover_by(rows[rows["point"].isin(keep)], labels=labels, closed_form=closed)
    ax.set_title("First takeover: P(no top-level takeover by $t$)")
    return ax.figure


_MAX_LAW_PANELS = 4


def _scenario_law(point: dict) -> object | None:
    """``k -> P(N = k) = q_k prod_{j<k} (1 - q_j)`` of a takeover-scenario point."""
    from supercoherence.theory.scenario import TakeoverScenario

    try:
        scenario = TakeoverScenario.from_mapping(point)
    except SupercoherenceError:
        return None

    def law(k: np.ndarray) -> np.ndarray:
        q = np.asarray(scenario.never_overthrown_numeric(np.arange(int(np.max(k)) + 1)), float)
        before = np.concatenate([[1.0], np.cumprod(1.0 - q)[:-1]])
        return (q * before)[np.asarray(k, dtype=int)]

    return law


def _law_of_n_figure(
    estimates: pd.DataFrame, labels: dict[int, str], table: pd.DataFrame | None = None
) -> Figure | None:
    """Small multiples: the law of N at (up to four, evenly spread) points.

    With the study's points, the exact law is drawn at every count from 0 to the
    largest estimated one (not only at the estimated counts), where it matches the
    table's closed form.
    """
    from supercoherence.simulations.presentation.figures import plot_law_of_n
    from supercoherence.simulations.presentation.style import theme

    rows = estimates[estimates["estimand"] == "law_of_n"]
    # Points where N is (numerically) never finite at the listed k show empty panels.
    shown = rows.groupby("point")[["estimate", "exact"]].max().max(axis=1) > 0
    rows = rows[rows["point"].isin(shown.index[shown])]
    if rows.empty:
        return None
    points = sorted(int(p) for p in rows["point"].unique())
    if len(points) > _MAX_LAW_PANELS:  # a post shows a few panels: spread them evenly
        picks = np.linspace(0, len(points) - 1, _MAX_LAW_PANELS).round().astype(int)
        points = [points[i] for i in picks]
    ncols = min(4, len(points))
    nrows = math.ceil(len(points) / ncols)
    with theme():
        fig = Figure(figsize=(3.2 * ncols, 2.8 * nrows + 0.4), layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        records = (
            {}
            if table is None
            else {
                int(r["point"]): {k: v for k, v in r.items() if k != "point"}
                for r in table.to_dict("records")
            }
        )
        for ax, point in zip(axes, points, strict=False):
            law = _scenario_law(records[point]) if point in records else None
            plot_law_of_n(rows, point=point, exact_law=law, ax=ax)
            ax.set_title(_wrap_terms(labels.get(point, f"point {point}")), fontsize=10)
            ax.set_ylim(0, 1.05)
            if ax is not axes[0] and ax.get_legend() is not None:
                ax.get_legend().remove()
            ax.set_xlabel("$k$ (count)")
        for ax in axes[len(points) :]:
            ax.set_visible(False)
        fig.suptitle("Law of the number of takeovers $N$: Monte Carlo (bars) vs exact (dots)")
    return fig


def _wrap_terms(label: str, width: int = 34) -> str:
    """Break a label between its ``name = value`` terms, never inside one."""
    lines: list[str] = []
    for term in label.split(", "):
        if lines and len(lines[-1]) + 2 + len(term) <= width:
            lines[-1] += ", " + term
        else:
            lines.append(term)
    return ",\n".join(lines)


def _timeseries_figures(
    timeseries: pd.DataFrame | None, labels: dict[int, str]
) -> dict[str, Figure]:
    from supercoherence.simulations.presentation.figures import plot_timeseries

    if timeseries is None or timeseries.empty:
        return {}
    return {
        f"timeseries_{y}": plot_timeseries(timeseries, y, labels=labels).figure
        for y in ("coherence", "root_tenure")
        if y in timeseries.columns
    }


def _sobol_figure(sensitivity: pd.DataFrame | None) -> Figure | None:
    """First- and total-order Sobol indices, one panel per (estimand, at)."""
    from supercoherence.simulations.presentation.style import PALETTE, theme

    if sensitivity is None or sensitivity.empty:
        return None
    groups = list(sensitivity.groupby(["estimand", "at"], dropna=False, sort=False))
    with theme():
        fig = Figure(figsize=(4.2 * len(groups), 3.6), layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(1, len(groups), squeeze=False).ravel()
        for ax, ((estimand, at), group) in zip(axes, groups, strict=True):
            names = [PARAMETER_NAMES.get(p, p.replace("_", " ")) for p in group["parameter"]]
            y = np.arange(len(names))
            for offset, (column, label, color) in enumerate(
                (("S1", "first order $S_1$", PALETTE[0]), ("ST", "total order $S_T$", PALETTE[1]))
            ):
                ax.barh(
                    y + (offset - 0.5) * 0.38,
                    group[column],
                    height=0.36,
                    color=color,
                    xerr=group[f"{column}_conf"],
                    label=label,
                    error_kw={"ecolor": "#333333", "capsize": 2, "elinewidth": 1},
                )
            ax.set_yticks(y, names)
            ax.invert_yaxis()
            ax.set_xlabel("Sobol index (share of variance)")
            ax.set_title(textwrap.fill(_estimand_at(str(estimand), at), 34), fontsize=11)
        axes[0].legend(loc="lower right", fontsize=9)
        fig.suptitle("Sensitivity: which parameter moves the estimate (95% bootstrap bars)")
    return fig


def _save(fig: Figure, stem: Path, formats: Sequence[str]) -> list[Path]:
    """``save_figure`` in the requested formats only (each is a full rendering)."""
    from supercoherence.simulations.presentation.style import save_figure

    return save_figure(fig, stem, [fmt for fmt in FIGURE_FORMATS if fmt in formats])


def write_figures(
    study_dir: str | Path, formats: Iterable[str] = FIGURE_FORMATS
) -> dict[str, list[Path]]:
    r"""Draw the figures of a stored study into ``study_dir/figures``.

    Parameters
    ----------
    study_dir : str or Path
        A study's output folder (``supercoherence study run``).
    formats : iterable of str
        Any of ``png``, ``svg``, ``pdf``.

    Returns
    -------
    dict of str to list of Path
        Figure name (``phase_hazard-constant``, ``survival``, ``law_of_n``,
        ``timeseries_coherence``, ...) to the files written.

    Raises
    ------
    ParameterError
        If a format is unknown.
    StudyFileError
        If the folder holds no study results.

    Examples
    --------
    >>> write_figures(".", ["gif"])
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: formats = 'gif' ...
    """
    from supercoherence.simulations import load_results

    formats = _check_formats(formats)
    figures = _draw_figures(load_results(study_dir))
    out = Path(study_dir) / "figures"
    return {name: _save(fig, out / name, formats) for name, fig in figures.items()}


def _check_formats(formats: Iterable[str]) -> list[str]:
    formats = list(formats)
    for fmt in formats:
        if fmt not in FIGURE_FORMATS:
            raise ParameterError("formats", fmt, f"one of {list(FIGURE_FORMATS)}")
    return formats


def _draw_figures(results: object) -> dict[str, Figure]:
    varied = _varied(results.points)
    figures: dict[str, Figure] = {}
    figures.update(_phase_figures(results.estimates, results.boundary, varied, results.points))
    from supercoherence.simulations.presentation.verdict_section import verdict_figures

    figures.update(verdict_figures(results, varied))
    survival = _survival_figure(results.estimates, results.points, varied)
    if survival is not None:
        figures["survival"] = survival
    labels = point_labels(results.points, varied)
    law = _law_of_n_figure(results.estimates, labels, results.points)
    if law is not None:
        figures["law_of_n"] = law
    figures.update(_timeseries_figures(results.timeseries, labels))
    sobol = _sobol_figure(getattr(results, "sensitivity", None))
    if sobol is not None:
        figures["sensitivity"] = sobol
    return figures


def _caption(fig: Figure) -> str:
    """The figure's own title (suptitle, else the first axes' title)."""
    title = fig.get_suptitle() or fig.axes[0].get_title()
    return title.replace("$", "")


# --------------------------------------------------------------------------- tables


def _fmt(value: object, digits: int = 4) -> str:
    if isinstance(value, bool | np.bool_):
        return "yes" if value else ""
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        value = float(value)
        if math.isnan(value):
            return ""
        if math.isinf(value):
            return "$\\infty$" if value > 0 else "$-\\infty$"
        if value == int(value) and abs(value) < 1e6:
            return str(int(value))
        return f"{value:.{digits}g}"
    return str(value)


def estimates_markdown(estimates: pd.DataFrame, varied: Sequence[str]) -> str:
    r"""The estimates as a Markdown table beside their closed forms and agreement.

    Columns: the point, its varied parameters, the estimand, ``at``, the estimate with
    its 95% interval, the closed form, :math:`z` and a flag (:math:`|z| > 4`).  Rows with
    no replicates (an estimand undefined at a point) are left out.

    Parameters
    ----------
    estimates : pandas.DataFrame
        ``estimates.parquet``.
    varied : sequence of str
        The varied parameter columns to show.

    Returns
    -------
    str

    Examples
    --------
    >>> df = pd.DataFrame({"point": [0], "d": [0.5], "estimand": ["law_of_n"], "at": [1.0],
    ...     "estimate": [0.251], "ci_low": [0.24], "ci_high": [0.26], "exact": [0.25],
    ...     "z": [0.2], "flag": [False], "replicates": [1000]})
    >>> print(estimates_markdown(df, ["d"]).splitlines()[2])
    | 0 | 0.5 | law_of_n | 1 | 0.251 | [0.24, 0.26] | 0.25 | 0.2 |  |
    """
    censoring = "censored_share" in estimates.columns and bool(
        (estimates["censored_share"] > 0).any()
    )
    header = [
        "point",
        *varied,
        "estimand",
        "at",
        "estimate",
        "95% interval",
        "closed form",
        "$z$",
        "flag",
    ] + (["censored"] if censoring else [])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    rows = estimates
    if "replicates" in rows.columns:
        rows = rows[rows["replicates"] > 0]
    for row in rows.itertuples(index=False):
        values = row._asdict()
        interval = f"[{_fmt(values['ci_low'])}, {_fmt(values['ci_high'])}]"
        share = float(values.get("censored_share", 0.0) or 0.0)
        estimate = _fmt(values["estimate"]) + (" (capped)" if share > 0 else "")
        cells = [
            _fmt(values["point"]),
            *(_fmt(values[v]) for v in varied),
            str(values["estimand"]),
            _fmt(values["at"]),
            estimate,
            interval,
            _fmt(values["exact"]),
            _fmt(values["z"], 2),
            "**\\|z\\| > 4**" if values["flag"] else "",
        ]
        if censoring:
            cells.append(f"{share:.1%}" if share > 0 else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _parameters_markdown(study: object, varied: list[str], points: pd.DataFrame) -> str:
    fixed = [c for c in points.columns if c != "point" and c not in varied]
    lines = ["| parameter | value(s) |", "|---|---|"]
    for name in fixed:
        lines.append(f"| `{name}` | {_fmt(points[name].iloc[0])} |")
    for name in varied:
        distinct = pd.unique(points[name])
        if len(distinct) > 8 and _numeric(points, name):  # a sampled design: its range
            values = (
                f"{_fmt(points[name].min())} to {_fmt(points[name].max())} "
                f"({len(distinct)} sampled values)"
            )
        else:
            values = ", ".join(_fmt(v) for v in distinct)
        lines.append(f"| `{name}` (varied) | {values} |")
    run = (
        f"Engine `{study.engine}`, {study.replicates} replicates per point, "
        f"{len(points)} points, horizon {_fmt(float(study.horizon))}, seed {study.seed}."
    )
    return run + "\n\n" + "\n".join(lines)


def _agreement_summary(estimates: pd.DataFrame, manifest: dict | None = None) -> str:
    checked = estimates[estimates["exact"].notna() & (estimates["replicates"] > 0)]
    flagged = int(checked["flag"].sum())
    worst = float(checked["z"].abs().max()) if not checked.empty else float("nan")
    text = (
        f"{len(checked)} of {len(estimates)} estimates have a closed form; "
        f"{flagged} disagree with it by more than 4 standard errors "
        f"(largest $|z|$ = {_fmt(worst, 3)})."
    )
    if manifest is not None:
        from supercoherence.simulations.analysis import censoring_sentence

        sentence = censoring_sentence(estimates, manifest)
        if sentence:
            text += "\n\n**Censored estimates.** " + sentence.replace("[engine]", "`[engine]`")
    return text


def _capped(values: dict) -> str:
    """An estimate, marked when censored: the capped quantity is not the long-run one."""
    share = float(values.get("censored_share", 0.0) or 0.0)
    if share <= 0:
        return _fmt(values["estimate"])
    return (
        f"{_fmt(values['estimate'])} (censored in {share:.1%} of replicates: "
        "P(N < max_takeovers), not the long-run probability)"
    )


def _estimand_at(estimand: str, at: object) -> str:
    name = estimand_name(estimand)
    if isinstance(at, float | np.floating) and not math.isnan(float(at)):
        symbol = "t" if "t)" in name or "by t" in name else "k"
        name = name.replace(f" {symbol})", f" {_fmt(at)})").replace(
            f"= {symbol})", f"= {_fmt(at)})"
        )
    return name


def _boundary_markdown(
    boundary: pd.DataFrame | None, varied: list[str], limit: int | None = None
) -> str:
    """Theory beside simulation: one row per point (per distinct model with ``limit``).

    The estimate's column is named by the estimand stored in the table (``estimand``),
    never by a fixed phrase: in the competition study it holds P(mesa takes over).  With
    ``limit``, points that differ only in parameters their model ignores are one row
    and at most ``limit`` rows, evenly spread, are kept.
    """
    if boundary is None or boundary.empty:
        return ""
    estimand = (
        str(boundary["estimand"].iloc[0])
        if "estimand" in boundary.columns
        else "supercoherence_by_horizon"
    )
    rows = boundary
    if limit is not None:
        rows = _distinct_models(rows, varied)
        if len(rows) > limit:
            rows = rows.iloc[np.linspace(0, len(rows) - 1, limit).round().astype(int)]
    header = [
        "point" if limit is None else "points",
        *varied,
        "theory",
        f"estimated {estimand_name(estimand)}",
        "95% interval",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for values in rows.to_dict("records"):
        ignored = ignored_parameters(values)
        lines.append(
            "| "
            + " | ".join(
                [
                    str(values.get("_members", _fmt(values["point"]))),
                    *("any" if v in ignored else _fmt(values[v]) for v in varied),
                    str(values["classification"]),
                    _capped(values),
                    f"[{_fmt(values['ci_low'])}, {_fmt(values['ci_high'])}]",
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def _distinct_models(boundary: pd.DataFrame, varied: list[str]) -> pd.DataFrame:
    """One row per distinct model (ignored parameters do not distinguish points)."""
    keys, firsts, members = [], {}, {}
    for index, values in zip(boundary.index, boundary.to_dict("records"), strict=True):
        ignored = ignored_parameters(values)
        key = tuple("any" if v in ignored else _fmt(values[v]) for v in varied)
        if key not in firsts:
            firsts[key] = index
            keys.append(key)
        members.setdefault(key, []).append(int(values["point"]))
    out = boundary.loc[[firsts[k] for k in keys]].copy()
    out["_members"] = [_point_range(members[k]) for k in keys]
    return out


def _point_range(points: list[int]) -> str:
    if len(points) <= 3:
        return ", ".join(map(str, points))
    return f"{points[0]}, ..., {points[-1]} ({len(points)} points)"


def sensitivity_markdown(sensitivity: pd.DataFrame | None) -> str:
    r"""The Sobol indices of a sensitivity study as a Markdown table.

    Parameters
    ----------
    sensitivity : pandas.DataFrame or None
        ``sensitivity.parquet``: ``estimand``, ``at``, ``parameter``, ``S1``,
        ``S1_conf``, ``ST``, ``ST_conf``.

    Returns
    -------
    str
        Empty when there are no indices.

    Examples
    --------
    >>> df = pd.DataFrame({"estimand": ["law_of_n"], "at": [0.0], "parameter": ["detection"],
    ...                    "S1": [0.31], "S1_conf": [0.05], "ST": [0.4], "ST_conf": [0.06]})
    >>> print(sensitivity_markdown(df).splitlines()[2])
    | P(N = 0) | detection $d$ | 0.31 ± 0.05 | 0.4 ± 0.06 |
    """
    if sensitivity is None or sensitivity.empty:
        return ""
    lines = [
        "| estimate | parameter | first order $S_1$ | total order $S_T$ |",
        "|---|---|---|---|",
    ]
    for values in sensitivity.to_dict("records"):
        lines.append(
            f"| {_estimand_at(str(values['estimand']), values['at'])} "
            f"| {PARAMETER_NAMES.get(values['parameter'], values['parameter'])} "
            f"| {_fmt(values['S1'], 2)} ± {_fmt(values['S1_conf'], 2)} "
            f"| {_fmt(values['ST'], 2)} ± {_fmt(values['ST_conf'], 2)} |"
        )
    return "\n".join(lines)


#: Parameters in words with their symbol, for tables (the scenario's field metadata).
PARAMETER_NAMES: dict[str, str] = {
    name: info.table_name
    for name, info in TakeoverScenario.parameters().items()
    if info.kind != "choice"
}


# --------------------------------------------------------------------------- report


def _figures_markdown(figures: dict[str, tuple[str, list[Path]]], root: Path) -> str:
    parts = []
    for caption, paths in figures.values():
        png = next((p for p in paths if p.suffix == ".png"), paths[0])
        others = " · ".join(
            f"[{p.suffix.lstrip('.').upper()}]({p.relative_to(root).as_posix()})"
            for p in paths
            if p is not png
        )
        parts.append(f"![{caption}]({png.relative_to(root).as_posix()})\n\n*{caption}.* {others}")
    return "\n\n".join(parts) if parts else "No figures for this study's outputs."


def _graphs_markdown(root: Path) -> str:
    folder = root / "graphs"
    files = (
        sorted(p for p in folder.glob("*") if p.suffix in _GRAPH_SUFFIXES)
        if folder.is_dir()
        else []
    )
    if not files:
        return ""
    return "\n".join(f"- [{p.name}]({p.relative_to(root).as_posix()})" for p in files)


def _stored_conditions(root: Path, manifest: dict, points: list[dict], engine: str) -> list:
    """The run's ``conditions.json`` if it verifies, else the conditions computed here.

    The file is used only if its SHA-256 is the one ``manifest.json`` recorded and it
    holds the classification of these very points
    (:func:`~supercoherence.simulations.presentation.formulas.conditions_from_json`); a
    file that does not match is reported (:class:`StudyFileError`), never merged.  A
    file the manifest does not list (a run stopped before its manifest) is ignored.
    """
    from supercoherence.simulations.presentation.formulas import (
        CONDITIONS_FILE,
        conditions_from_json,
        derive_conditions,
        q_keys,
    )
    from supercoherence.simulations.store import check_recorded

    path = root / CONDITIONS_FILE
    recorded = manifest.get("files") or {}
    if not path.exists() or CONDITIONS_FILE not in recorded:
        return derive_conditions(points, engine)
    check_recorded(path, recorded)
    return conditions_from_json(path.read_text(encoding="utf-8"), q_keys(points, engine), path)


def write_report(study_dir: str | Path, *, formats: Iterable[str] = FIGURE_FORMATS) -> Path:
    r"""Write ``report.md``, ``report.html`` and the figures beside a study's results.

    Parameters
    ----------
    study_dir : str or Path
        A study's output folder (``supercoherence study run``).
    formats : iterable of str
        Figure formats (``png`` is always written: the report embeds it).

    Returns
    -------
    Path
        The path of ``report.md`` (a post-sized summary: the question, the derived
        conditions, one table of the headline points, the figures); the full tables are
        in ``report-appendix.md`` beside it, and ``report.html`` is both in one
        self-contained page (figures and typeset maths inlined).

    Raises
    ------
    StudyFileError
        If the folder holds no study results (no ``estimates.parquet``), or a stored
        table does not match the SHA-256 recorded in ``manifest.json``.

    Examples
    --------
    >>> write_report("/nonexistent-study")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    supercoherence.errors.StudyFileError: ...
    """
    from supercoherence.simulations import load_results, load_study
    from supercoherence.simulations.presentation.formulas import conditions_markdown

    root = Path(study_dir)
    results = load_results(root)
    study = load_study(root / "study.toml", check_points=False)
    varied = _varied(results.points)
    points = [
        {k: v for k, v in row.items() if k != "point"} for row in results.points.to_dict("records")
    ]
    formats = _check_formats({"png", *formats})
    figures = {
        name: (_caption(fig), _save(fig, root / "figures" / name, formats))
        for name, fig in _draw_figures(results).items()
    }
    title = f"Study `{study.name}`"
    estimates = results.estimates
    conditions = _stored_conditions(root, results.manifest, points, study.engine)
    sections = [
        f"# {title}",
        f"## The question\n\n{study.description or study.name}",
        *_answer_section(study, results),
        f"## Parameters\n\n{_parameters_markdown(study, varied, results.points)}",
        "## Derived conditions\n\n"
        + conditions_markdown(points, study.engine, conditions=conditions, limit=_HEADLINE_ROWS),
    ]
    appendix = [
        f"# {title}: appendix (full tables)",
        "The complete tables behind [report.md](report.md).",
    ]
    if len(conditions) > _HEADLINE_ROWS:
        appendix.append(
            "## Derived conditions\n\n"
            + conditions_markdown(points, study.engine, conditions=conditions)
        )
    boundary = _boundary_markdown(results.boundary, varied, limit=_HEADLINE_ROWS)
    if boundary:
        shown = boundary.count("\n") - 1
        note = (
            f"One row per distinct model ({shown} shown of {len(results.boundary)} "
            "points"
            + ("; `any`: the model ignores the parameter" if "| any |" in boundary else "")
            + "); every point is in the [appendix](report-appendix.md)."
        )
        sections.append(f"## Theory against simulation\n\n{note}\n\n{boundary}")
        appendix.append(
            f"## Theory against simulation\n\n{_boundary_markdown(results.boundary, varied)}"
        )
    from supercoherence.simulations.presentation.predictions_section import (
        predictions_markdown,
    )
    from supercoherence.simulations.presentation.verdict_section import verdict_sections

    predictions = predictions_markdown(estimates, varied)
    if predictions:  # the nested model's independent-contest and mean-field predictions
        sections.append(f"## Nesting and the mean field\n\n{predictions}")
    verdict_summary, verdict_appendix = verdict_sections(results, varied, limit=_HEADLINE_ROWS)
    if verdict_summary:
        sections.append(verdict_summary)
        appendix.append(verdict_appendix)
    sobol = sensitivity_markdown(getattr(results, "sensitivity", None))
    if sobol:
        sections.append(
            "## Sensitivity (Sobol indices)\n\nShare of the variance of each "
            "estimate over the sampled box explained by one parameter alone "
            "($S_1$) and with its interactions ($S_T$), with SALib's 95% "
            f"bootstrap half-widths.\n\n{sobol}"
        )
    on_grid = estimates["estimand"].isin(["no_takeover_after", "no_takeover_by"]).to_numpy()
    agreement = (
        f"{_agreement_summary(estimates, results.manifest)} "
        "$z = (\\hat\\theta - \\theta) / \\mathrm{SE}$; the interval is 95% "
        "(Wilson for probabilities)."
    )
    sections.append(
        f"## Estimates and closed forms\n\n{agreement} Every estimate, its "
        "interval, closed form and $z$: [appendix](report-appendix.md)."
    )
    appendix.append(
        f"## Estimates and closed forms\n\n{agreement}\n\n"
        f"{estimates_markdown(estimates[~on_grid], varied)}"
    )
    if on_grid.any():
        appendix.append(
            f"### Curves on the time grid\n\n{estimates_markdown(estimates[on_grid], varied)}"
        )
    sections.append(f"## Figures\n\n{_figures_markdown(figures, root)}")
    graphs = _graphs_markdown(root)
    if graphs:
        sections.append(f"## Graphs\n\n{graphs}")
    manifest = results.manifest
    sections.append(
        "## Reproduce\n\n"
        f"`supercoherence study run study.toml --out DIR` (fingerprint "
        f"`{str(manifest.get('fingerprint', ''))[:12]}`, supercoherence "
        f"{manifest.get('versions', {}).get('supercoherence', '?')}, backend "
        f"{manifest.get('backend', '?')}, "
        f"{_fmt(float(manifest.get('timings', {}).get('total_seconds', float('nan'))), 3)} s)."
    )
    markdown = "\n\n".join(sections) + "\n"
    appendix_markdown = "\n\n".join(appendix) + "\n"
    path = root / "report.md"
    path.write_text(markdown, encoding="utf-8")
    (root / "report-appendix.md").write_text(appendix_markdown, encoding="utf-8")
    # One self-contained page: the summary, then the appendix (links point inside it).
    page = (
        markdown.replace("](report-appendix.md)", "](#appendix)")
        + '\n<a id="appendix"></a>\n\n'
        + appendix_markdown.replace("](report.md)", "](#)")
    )
    (root / "report.html").write_text(
        markdown_to_html(page, title=study.name, base=root), encoding="utf-8"
    )
    return path


def _answer_section(study: object, results: object) -> list[str]:
    """``["## The answer ..."]`` in sentences with numbers, where the theory has one.

    The sentences come from :func:`supercoherence.theory.selection.study_answer` (the
    selection engine, and chain studies over training regimes); other studies: ``[]``.
    """
    from supercoherence.theory.selection import study_answer

    text = study_answer(
        study.engine,
        results.points.to_dict("records"),
        results.estimates.to_dict("records"),
        study.engine_options,
    )
    return [f"## The answer\n\n{text}"] if text else []


#: Rows of the headline table of report.md (the appendix has every point).
_HEADLINE_ROWS = 16


def markdown_to_html(
    markdown: str, *, title: str = "report", base: str | Path | None = None
) -> str:
    r"""Render report Markdown to one self-contained HTML page (no network needed).

    ``$...$`` and ``$$...$$`` spans are kept away from Markdown (its backslashes and
    underscores untouched) and typeset at build time by :mod:`matplotlib.mathtext` into
    SVG images inlined as ``data:`` URIs, whose ``alt`` text is the TeX; a formula
    mathtext cannot typeset is shown as its TeX in ``<code class="math-tex">``.  Local
    images (relative paths, resolved against ``base``) are inlined as base64 ``data:``
    URIs.  The page loads no script, style sheet or font from anywhere.

    Parameters
    ----------
    markdown : str
    title : str
        The page title.
    base : str or Path, optional
        Folder that relative image paths are resolved against (default: images are
        inlined only if the path exists relative to the working directory).

    Returns
    -------
    str

    Examples
    --------
    >>> page = markdown_to_html(r"Let $q_n = e^{-h_n}$ and *x*.")
    >>> 'alt="q_n = e^{-h_n}"' in page, "<em>x</em>" in page, "http" in page
    (True, True, False)
    """
    spans: list[str] = []

    def stash(match: re.Match[str]) -> str:
        spans.append(match.group(0))
        return f"MATHSPAN{len(spans) - 1}END"

    body = MarkdownIt("commonmark").enable("table").render(_MATH.sub(stash, markdown))
    body = re.sub(
        r"(<p>)?MATHSPAN(\d+)END(</p>)?",
        lambda m: _math_html(spans[int(m.group(2))], m.group(1), m.group(3)),
        body,
    )
    body = re.sub(
        r'<img src="([^"]+)"', lambda m: f'<img src="{_inline_image(m.group(1), base)}"', body
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<style>body{max-width:60rem;margin:2rem auto;padding:0 1rem;font-family:"
        "system-ui,sans-serif;line-height:1.5}table{border-collapse:collapse;font-size:.85rem}"
        "td,th{border:1px solid #ccc;padding:.2rem .4rem;text-align:right}"
        "img{max-width:100%}img.math{max-width:none}div.math{text-align:center;"
        "overflow-x:auto;margin:1rem 0}code.math-tex{white-space:pre-wrap}</style>\n"
        f"</head>\n<body>\n{body}</body>\n</html>\n"
    )


#: TeX commands mathtext spells differently (or ignores) -> what it reads.
_MATHTEXT_SPELLINGS = (
    (r"\\iff(?![A-Za-z])", r"\\Leftrightarrow"),
    (r"\\implies(?![A-Za-z])", r"\\Rightarrow"),
    (r"\\le(?![A-Za-z])", r"\\leq"),
    (r"\\ge(?![A-Za-z])", r"\\geq"),
    (r"\\ne(?![A-Za-z])", r"\\neq"),
    (r"\\[td]?frac\s*(\d)\s*(\d)", r"\\frac{\1}{\2}"),
    (r"\\[td]frac(?![A-Za-z])", r"\\frac"),
    (r"\\displaystyle(?![A-Za-z])|\\limits(?![A-Za-z])", ""),
    (r"\\lvert(?![A-Za-z])|\\rvert(?![A-Za-z])", "|"),
)


def _math_html(span: str, before: str | None, after: str | None) -> str:
    display = span.startswith("$$")
    tex = span[2:-2].strip() if display else span[1:-1]
    rendered = math_svg(tex, display=display)
    if rendered is None:
        inner = f'<code class="math-tex">{html.escape(span)}</code>'
    else:
        data, depth = rendered
        inner = (
            f'<img class="math" alt="{html.escape(tex, quote=True)}" '
            f'style="vertical-align:-{depth:.2f}pt" src="data:image/svg+xml;base64,'
            f'{data}">'
        )
    if display:
        return f'<div class="math">{inner}</div>'
    return f"{before or ''}{inner}{after or ''}"


@functools.lru_cache(maxsize=1024)
def math_svg(tex: str, *, display: bool = False) -> tuple[str, float] | None:
    r"""Typeset TeX with :mod:`matplotlib.mathtext` into a base64 SVG (glyphs as paths).

    Parameters
    ----------
    tex : str
        Math without ``$`` delimiters.
    display : bool
        Display size (larger) rather than inline.

    Returns
    -------
    (str, float) or None
        The base64 SVG and the depth below the baseline in points; ``None`` when
        mathtext cannot typeset the formula (environments such as ``cases``).  Cached
        (a pure function of its arguments): a report typesets each formula of its
        summary again in its appendix.

    Examples
    --------
    >>> data, depth = math_svg(r"\prod_{n} (1 - q_n) > 0")
    >>> data[:8], depth > 0
    ('PD94bWwg', True)
    >>> math_svg(r"\begin{cases} 1 \end{cases}") is None
    True
    """
    import base64
    import io

    import matplotlib as mpl
    from matplotlib import mathtext
    from matplotlib.font_manager import FontProperties

    text = tex.strip()
    for pattern, replacement in _MATHTEXT_SPELLINGS:
        text = re.sub(pattern, replacement, text)
    buffer = io.BytesIO()
    try:
        with mpl.rc_context(
            {"svg.fonttype": "path", "svg.hashsalt": "supercoherence", "mathtext.fontset": "cm"}
        ):
            depth = mathtext.math_to_image(
                f"${text}$", buffer, format="svg", prop=FontProperties(size=14 if display else 12)
            )
    except (ValueError, RuntimeError):
        return None
    return base64.b64encode(buffer.getvalue()).decode("ascii"), float(depth)


def _inline_image(src: str, base: str | Path | None) -> str:
    """A local image as a base64 ``data:`` URI (other sources unchanged)."""
    import base64

    if re.match(r"^[a-z]+:", src):
        return src
    path = (Path(base) if base is not None else Path()) / src
    kinds = {
        ".png": "image/png",
        ".svg": "image/svg+xml",
        ".jpg": "image/jpeg",
        ".jpeg": "image/jpeg",
        ".gif": "image/gif",
    }
    if not path.is_file() or path.suffix.lower() not in kinds:
        return src
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:{kinds[path.suffix.lower()]};base64,{data}"
