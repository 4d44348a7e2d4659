"""The post-ready theme every figure and drawing shares, and how figures are written.

One theme (:func:`theme`): seaborn's white grid at a size readable at blog width
(6.4 x 4 inches, text 11-13 pt), the Okabe-Ito colour-blind-safe palette [1]_ (black kept
for closed forms), the ``cividis`` colour map, and axes labels that name the quantity, its
symbol and its unit (:data:`PARAMETER_LABELS`).  :func:`new_axes` makes a themed figure
rendered by the Agg canvas (no pyplot state is touched); :func:`save_figure` writes PNG
(at twice the screen resolution), SVG and PDF.

References
----------
.. [1] M. Okabe and K. Ito, "Color Universal Design (CUD): how to make figures and
   presentations that are friendly to colorblind people" (2008).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib as mpl
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from supercoherence.theory.scenario import TakeoverScenario

__all__ = [
    "COLOR_MAP",
    "EXACT_COLOR",
    "FIGSIZE",
    "PALETTE",
    "PARAMETER_LABELS",
    "SCREEN_DPI",
    "new_axes",
    "save_figure",
    "theme",
]

#: Okabe-Ito colour-blind-safe palette (black last: it is kept for closed forms).
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
#: Colour of closed forms and analytic boundaries.
EXACT_COLOR = "#000000"
#: Colour map of phase diagrams (perceptually uniform, colour-blind safe).
COLOR_MAP = "cividis"
#: Figure size in inches: readable at blog width.
FIGSIZE: tuple[float, float] = (6.4, 4.0)
#: Screen resolution; PNG files are written at twice this.
SCREEN_DPI = 100

#: Axis labels of the study-file parameters: name, symbol and unit (the scenario's from
#: its field metadata, :meth:`TakeoverScenario.parameters`).
PARAMETER_LABELS: dict[str, str] = {
    **{
        name: info.axis_label
        for name, info in TakeoverScenario.parameters().items()
        if info.kind != "choice"
    },
    "mean_offspring": r"mean offspring $m$ (count)",
    # Lotka-Volterra competition (studies/competition.toml): dimensionless coefficients
    "alpha": r"$\alpha$ (mesa on base)",
    "beta": r"$\beta$ (base on mesa)",
    "initial_mesa": r"initial mesa share $y_0$",
}


def _theme_rc() -> dict[str, object]:
    rc: dict[str, object] = {}
    rc.update(sns.axes_style("whitegrid"))
    rc.update(sns.plotting_context("notebook", font_scale=1.05))
    rc.update(
        {
            "figure.figsize": FIGSIZE,
            "figure.dpi": SCREEN_DPI,
            "figure.constrained_layout.use": True,
            "axes.prop_cycle": mpl.cycler(color=list(PALETTE)),
            "axes.titlesize": 13,
            "axes.labelsize": 12,
            "legend.fontsize": 10,
            "legend.frameon": True,
            "legend.framealpha": 0.9,
            "image.cmap": COLOR_MAP,
            "lines.linewidth": 2.0,
            "savefig.bbox": "tight",
            "svg.fonttype": "none",
            "pdf.fonttype": 42,
        }
    )
    return rc


@contextmanager
def theme() -> Iterator[None]:
    """Apply the post-ready theme inside a ``with`` block (restored afterwards).

    The plot functions draw inside it already; use it for axes you make yourself.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> with theme():
    ...     mpl.rcParams["axes.prop_cycle"].by_key()["color"][0]
    '#0072B2'
    """
    with mpl.rc_context(_theme_rc()):
        yield


def new_axes(figsize: tuple[float, float] = FIGSIZE) -> Axes:
    """A fresh themed figure with one axes, rendered by the Agg canvas (no pyplot).

    Examples
    --------
    >>> ax = new_axes()
    >>> ax.figure.get_size_inches().tolist()
    [6.4, 4.0]
    """
    with theme():
        fig = Figure(figsize=figsize, dpi=SCREEN_DPI)
        FigureCanvasAgg(fig)
        return fig.add_subplot()


#: The formats :func:`save_figure` writes, with their ``savefig`` options (no dates, so
#: the files are reproducible).
_SAVE_OPTIONS = {
    "png": {"dpi": 2 * SCREEN_DPI, "metadata": {"Software": None}},
    "svg": {"metadata": {"Date": None}},
    "pdf": {"metadata": {"CreationDate": None}},
}


def save_figure(
    fig: Figure, path_stem: str | Path, formats: Sequence[str] = ("png", "svg", "pdf")
) -> list[Path]:
    """Write ``fig`` as PNG (at 2x the screen dpi), SVG and PDF; return the paths.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure (``ax.figure`` of a plot function's result).
    path_stem : str or Path
        Path without suffix; parent folders are created.
    formats : sequence of str, optional
        Which of ``png``, ``svg``, ``pdf`` to write (all three by default; each is a
        full rendering, the PDF's font subsetting the dearest).

    Returns
    -------
    list of Path
        ``[stem.png, stem.svg, stem.pdf]`` (those asked for, in that order).

    Raises
    ------
    ParameterError
        If a format is not one of the three.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> ax = new_axes()
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [p.suffix for p in save_figure(ax.figure, pathlib.Path(tmp) / "f")]
    ...     [p.suffix for p in save_figure(ax.figure, pathlib.Path(tmp) / "g", ["png"])]
    ['.png', '.svg', '.pdf']
    ['.png']
    """
    from supercoherence.errors import ParameterError

    for fmt in formats:
        if fmt not in _SAVE_OPTIONS:
            raise ParameterError("formats", fmt, f"one of {list(_SAVE_OPTIONS)}")
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    if fig.canvas is None or not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    paths = []
    with theme():
        for fmt, options in _SAVE_OPTIONS.items():
            if fmt in formats:
                path = stem.with_name(f"{stem.name}.{fmt}")
                fig.savefig(path, **options)
                paths.append(path)
    return paths
