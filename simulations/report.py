r"""A post-ready report of a stored study: ``report.md`` and ``report.html``.

:func:`write_report` reads a study folder (``estimates.parquet``, ``boundary.parquet``,
``timeseries.parquet``, ``study.toml``; nothing is re-run) and writes beside it

* ``report.md``: the question (the study's description), the parameters (fixed and
  varied), the derived conditions (:mod:`~supercoherence.simulations.formulas`: the
  :math:`q_n` of every point, its classification and :math:`\prod_n (1 - q_n)`), the
  table of estimates beside their closed forms with the agreement
  :math:`z = (\hat\theta - \theta)/\mathrm{SE}` (flagged when :math:`|z| > 4`), the
  figures and links to any graph files in ``graphs/``.  Maths is written ``$...$`` /
  ``$$...$$`` so the Markdown pastes into a post that loads MathJax;
* ``report.html``: the same, rendered with markdown-it-py, loading MathJax 3;
* ``figures/*.png|svg|pdf`` (:func:`write_figures`): the phase diagram (two numeric
  varied parameters; one per value of any other varied parameter), survival curves
  :math:`P(\text{no takeover by } t)` against :math:`e^{-\Lambda_0(t)}`, the law of
  :math:`N` per point, and for Mesa studies coherence and root tenure over time.
"""

from __future__ import annotations

import html
import math
import re
import shutil
import tempfile
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from markdown_it import MarkdownIt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from supercoherence.errors import ParameterError

__all__ = [
    "FIGURE_FORMATS",
    "MATHJAX_URL",
    "estimates_markdown",
    "markdown_to_html",
    "write_figures",
    "write_report",
]

#: The formats :func:`write_figures` can write (``save_figure`` writes all three).
FIGURE_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")

#: MathJax 3 (TeX input, SVG output) as loaded by ``report.html``.
MATHJAX_URL = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-svg.js"

_GRAPH_SUFFIXES = (".graphml", ".gexf", ".dot", ".json", ".cyjs", ".png", ".svg")

_MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+?\$", re.DOTALL)


# --------------------------------------------------------------------------- figures


def _varied(points: pd.DataFrame) -> list[str]:
    return [c for c in points.columns if c != "point" and points[c].nunique() > 1]


def _numeric(points: pd.DataFrame, column: str) -> bool:
    return pd.api.types.is_numeric_dtype(points[column])


def _facet_name(values: dict[str, object]) -> str:
    return "_".join(f"{k}-{v}" for k, v in values.items()).replace(".", "p")


def _phase_figures(estimates: pd.DataFrame, boundary: pd.DataFrame | None,
                   varied: list[str], points: pd.DataFrame) -> dict[str, Figure]:
    """One phase diagram per combination of the varied parameters other than x, y."""
    from supercoherence.simulations.figures import plot_phase_diagram

    numeric = [v for v in varied if _numeric(points, v)]
    if len(numeric) != 2 or "supercoherence_by_horizon" not in set(estimates["estimand"]):
        return {}
    x, y = numeric
    others = [v for v in varied if v not in numeric]
    combos = [()] if not others else sorted(set(map(tuple, points[others].to_numpy())))
    figures = {}
    for combo in combos:
        chosen = dict(zip(others, combo, strict=True))
        mask_e = np.ones(len(estimates), dtype=bool)
        mask_b = None if boundary is None else np.ones(len(boundary), dtype=bool)
        for name, value in chosen.items():
            mask_e &= (estimates[name] == value).to_numpy()
            if boundary is not None:
                mask_b &= (boundary[name] == value).to_numpy()
        part = estimates[mask_e & (estimates["estimand"] == "supercoherence_by_horizon").to_numpy()]
        if part["estimate"].nunique() < 2:
            continue
        ax = plot_phase_diagram(estimates[mask_e], x, y,
                                boundary=None if boundary is None else boundary[mask_b])
        if chosen:
            ax.set_title("Phase diagram: " + ", ".join(f"{k} = {v}" for k, v in chosen.items()))
        figures["phase" + (f"_{_facet_name(chosen)}" if chosen else "")] = ax.figure
    return figures


def _survival_figure(estimates: pd.DataFrame) -> Figure | None:
    """``no_takeover_by`` is the survival of the first dominant optimizer (closed form)."""
    from supercoherence.simulations.figures import plot_survival

    rows = estimates[estimates["estimand"] == "no_takeover_by"]
    if rows.empty:
        return None
    # Points with the same closed-form curve (the same Lambda_0) are drawn once.
    curves = rows.groupby("point")["exact"].apply(lambda e: tuple(np.round(e.to_numpy(), 9)))
    keep = [int(group.index[0]) for _, group in curves.groupby(curves, sort=False)]
    ax = plot_survival(rows[rows["point"].isin(keep)])
    ax.set_title("First takeover: P(no top-level takeover by $t$)")
    return ax.figure


_MAX_LAW_PANELS = 4


def _law_of_n_figure(estimates: pd.DataFrame, labels: dict[int, str]) -> Figure | None:
    """Small multiples: the law of N at (up to four, evenly spread) points."""
    from supercoherence.simulations.figures import plot_law_of_n, theme

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
        for ax, point in zip(axes, points, strict=False):
            plot_law_of_n(rows, point=point, ax=ax)
            ax.set_title(textwrap.fill(f"point {point}: {labels.get(point, '')}", 40),
                         fontsize=9)
            ax.set_ylim(0, 1.05)
            if ax is not axes[0] and ax.get_legend() is not None:
                ax.get_legend().remove()
            ax.set_xlabel("$k$ (count)")
        for ax in axes[len(points):]:
            ax.set_visible(False)
        fig.suptitle("Law of the number of takeovers $N$: Monte Carlo (bars) vs exact (dots)")
    return fig


def _timeseries_figures(timeseries: pd.DataFrame | None) -> dict[str, Figure]:
    from supercoherence.simulations.figures import plot_timeseries

    if timeseries is None or timeseries.empty:
        return {}
    return {f"timeseries_{y}": plot_timeseries(timeseries, y).figure
            for y in ("coherence", "root_tenure") if y in timeseries.columns}


def _point_labels(points: pd.DataFrame, varied: list[str]) -> dict[int, str]:
    return {int(row["point"]): ", ".join(f"{v} = {_fmt(row[v])}" for v in varied)
            for _, row in points.iterrows()}


def _save(fig: Figure, stem: Path, formats: Sequence[str]) -> list[Path]:
    """``save_figure`` writes PNG, SVG and PDF; keep only the requested ones."""
    from supercoherence.simulations.figures import save_figure

    if set(formats) == set(FIGURE_FORMATS):
        return save_figure(fig, stem)
    kept = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in save_figure(fig, Path(tmp) / stem.name):
            if path.suffix.lstrip(".") in formats:
                target = stem.with_name(path.name)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(path, target)
                kept.append(target)
    return kept


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
    survival = _survival_figure(results.estimates)
    if survival is not None:
        figures["survival"] = survival
    law = _law_of_n_figure(results.estimates, _point_labels(results.points, varied))
    if law is not None:
        figures["law_of_n"] = law
    figures.update(_timeseries_figures(results.timeseries))
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
    header = ["point", *varied, "estimand", "at", "estimate", "95% interval", "closed form",
              "$z$", "flag"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    rows = estimates
    if "replicates" in rows.columns:
        rows = rows[rows["replicates"] > 0]
    for row in rows.itertuples(index=False):
        values = row._asdict()
        interval = f"[{_fmt(values['ci_low'])}, {_fmt(values['ci_high'])}]"
        cells = [_fmt(values["point"]), *(_fmt(values[v]) for v in varied),
                 str(values["estimand"]), _fmt(values["at"]), _fmt(values["estimate"]),
                 interval, _fmt(values["exact"]), _fmt(values["z"], 2),
                 "**\\|z\\| > 4**" if values["flag"] else ""]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _parameters_markdown(study: object, varied: list[str], points: pd.DataFrame) -> str:
    fixed = [c for c in points.columns if c != "point" and c not in varied]
    lines = ["| parameter | value(s) |", "|---|---|"]
    for name in fixed:
        lines.append(f"| `{name}` | {_fmt(points[name].iloc[0])} |")
    for name in varied:
        values = ", ".join(_fmt(v) for v in pd.unique(points[name]))
        lines.append(f"| `{name}` (varied) | {values} |")
    run = (f"Engine `{study.engine}`, {study.replicates} replicates per point, "
           f"{len(points)} points, horizon {_fmt(float(study.horizon))}, seed {study.seed}.")
    return run + "\n\n" + "\n".join(lines)


def _agreement_summary(estimates: pd.DataFrame) -> str:
    checked = estimates[estimates["exact"].notna() & (estimates["replicates"] > 0)]
    flagged = int(checked["flag"].sum())
    worst = float(checked["z"].abs().max()) if not checked.empty else float("nan")
    return (f"{len(checked)} of {len(estimates)} estimates have a closed form; "
            f"{flagged} disagree with it by more than 4 standard errors "
            f"(largest $|z|$ = {_fmt(worst, 3)}).")


def _boundary_markdown(boundary: pd.DataFrame | None, varied: list[str]) -> str:
    if boundary is None:
        return ""
    lines = ["| point | " + " | ".join(varied) + " | theory | estimated P(supercoherence) |",
             "|" + "---|" * (len(varied) + 3)]
    for row in boundary.itertuples(index=False):
        values = row._asdict()
        lines.append("| " + " | ".join([_fmt(values["point"]),
                                         *(_fmt(values[v]) for v in varied),
                                         str(values["classification"]),
                                         _fmt(values["estimate"])]) + " |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- report


def _figures_markdown(figures: dict[str, tuple[str, list[Path]]], root: Path) -> str:
    parts = []
    for caption, paths in figures.values():
        png = next((p for p in paths if p.suffix == ".png"), paths[0])
        others = " · ".join(f"[{p.suffix.lstrip('.').upper()}]({p.relative_to(root).as_posix()})"
                            for p in paths if p is not png)
        parts.append(f"![{caption}]({png.relative_to(root).as_posix()})\n\n"
                     f"*{caption}.* {others}")
    return "\n\n".join(parts) if parts else "No figures for this study's outputs."


def _graphs_markdown(root: Path) -> str:
    folder = root / "graphs"
    files = sorted(p for p in folder.glob("*") if p.suffix in _GRAPH_SUFFIXES) \
        if folder.is_dir() else []
    if not files:
        return ""
    return "\n".join(f"- [{p.name}]({p.relative_to(root).as_posix()})" for p in files)


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
        The path of ``report.md``.

    Raises
    ------
    StudyFileError
        If the folder holds no study results.

    Examples
    --------
    >>> write_report("/nonexistent-study")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    supercoherence.errors.StudyFileError: ...
    """
    from supercoherence.simulations import load_results, load_study
    from supercoherence.simulations.formulas import conditions_markdown

    root = Path(study_dir)
    results = load_results(root)
    study = load_study(root / "study.toml", check_points=False)
    varied = _varied(results.points)
    points = [{k: v for k, v in row.items() if k != "point"}
              for row in results.points.to_dict("records")]
    formats = _check_formats({"png", *formats})
    figures = {name: (_caption(fig), _save(fig, root / "figures" / name, formats))
               for name, fig in _draw_figures(results).items()}
    title = f"Study `{study.name}`"
    sections = [
        f"# {title}",
        f"## The question\n\n{study.description or study.name}",
        f"## Parameters\n\n{_parameters_markdown(study, varied, results.points)}",
        f"## Derived conditions\n\n{conditions_markdown(points, study.engine)}",
    ]
    boundary = _boundary_markdown(results.boundary, varied)
    if boundary:
        sections.append(f"## Theory against simulation\n\n{boundary}")
    on_grid = results.estimates["estimand"].isin(["survival", "no_takeover_by"]).to_numpy()
    sections.append("## Estimates and closed forms\n\n"
                    f"{_agreement_summary(results.estimates)} "
                    "$z = (\\hat\\theta - \\theta) / \\mathrm{SE}$; the interval is 95% "
                    "(Wilson for probabilities).\n\n"
                    f"{estimates_markdown(results.estimates[~on_grid], varied)}")
    if on_grid.any():
        sections.append("### Curves on the time grid\n\n"
                        f"{estimates_markdown(results.estimates[on_grid], varied)}")
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
        f"{_fmt(float(manifest.get('timings', {}).get('total_seconds', float('nan'))), 3)} s).")
    markdown = "\n\n".join(sections) + "\n"
    path = root / "report.md"
    path.write_text(markdown, encoding="utf-8")
    (root / "report.html").write_text(markdown_to_html(markdown, title=study.name),
                                      encoding="utf-8")
    return path


def markdown_to_html(markdown: str, *, title: str = "report") -> str:
    r"""Render report Markdown to a standalone HTML page that typesets its maths.

    ``$...$`` and ``$$...$$`` spans are kept verbatim (HTML-escaped) so that Markdown
    does not touch their backslashes and underscores; MathJax 3 typesets them.

    Parameters
    ----------
    markdown : str
    title : str
        The page title.

    Returns
    -------
    str

    Examples
    --------
    >>> page = markdown_to_html(r"Let $q_n = e^{-h_n}$ and *x*.")
    >>> "$q_n = e^{-h_n}$" in page, "<em>x</em>" in page, "mathjax@3" in page
    (True, True, True)
    """
    spans: list[str] = []

    def stash(match: re.Match[str]) -> str:
        spans.append(html.escape(match.group(0), quote=False))
        return f"MATHSPAN{len(spans) - 1}END"

    body = MarkdownIt("commonmark").enable("table").render(_MATH.sub(stash, markdown))
    body = re.sub(r"MATHSPAN(\d+)END", lambda m: spans[int(m.group(1))], body)
    config = ("window.MathJax = {tex: {inlineMath: [['$', '$']], displayMath: [['$$', '$$']],"
              " processEscapes: true}};")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<style>body{max-width:60rem;margin:2rem auto;padding:0 1rem;font-family:"
        "system-ui,sans-serif;line-height:1.5}table{border-collapse:collapse;font-size:.85rem}"
        "td,th{border:1px solid #ccc;padding:.2rem .4rem;text-align:right}"
        "img{max-width:100%}</style>\n"
        f"<script>{config}</script>\n"
        f"<script id=\"MathJax-script\" async src=\"{MATHJAX_URL}\"></script>\n"
        f"</head>\n<body>\n{body}</body>\n</html>\n"
    )

