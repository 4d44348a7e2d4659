"""Issue 18: legends, panel titles and headers come from the study's parameters and
estimands, never from data columns; scattered designs are drawn as scatters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection, QuadMesh

from supercoherence.simulations import run_study
from supercoherence.simulations.presentation.figures import (
    plot_law_of_n,
    plot_no_takeover_by,
    plot_phase_diagram,
    plot_timeseries,
)
from supercoherence.simulations.presentation.labels import (
    ignored_parameters,
    point_labels,
)
from supercoherence.simulations.presentation.report import (
    _boundary_markdown,
    _survival_figure,
    write_report,
)
from supercoherence.theory.scenario import TakeoverScenario


def _from_file(spec: dict, folder):
    """The study written to a file and loaded (a report reads its study.toml back)."""
    from supercoherence.simulations import load_study

    path = folder / f"{spec['study']['name']}.toml"
    path.write_text(_toml(spec), encoding="utf-8")
    return load_study(str(path))


def _toml(data: dict, prefix: str = "") -> str:
    def value(v):
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return f'"{v}"'
        if isinstance(v, float) and v == float("inf"):
            return "inf"
        return repr(v)

    return "\n".join(
        f"[{table}]\n" + "\n".join(f"{k} = {value(v)}" for k, v in body.items()) + "\n"
        for table, body in data.items()
    )


def _legend(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_timeseries_legend_names_the_varied_parameter_not_a_data_column():
    # alignment_with_original differs between points by rounding (the bug of issue 18)
    rows = []
    for point in range(4):
        rows.append(
            pd.DataFrame(
                {
                    "point": point,
                    "replicate": np.repeat([0, 1], 3),
                    "step": np.tile(np.arange(3), 2),
                    "coherence": 0.9,
                    "alignment_with_original": 1.0 + point * 1e-16,
                }
            )
        )
    series = pd.concat(rows, ignore_index=True)
    points = pd.DataFrame({"point": range(4), "spawn_rate": [0.5, 1.0, 2.0, 4.0], "detection": 0.5})
    with_points = _legend(plot_timeseries(series, labels=point_labels(points)))
    assert with_points == [r"$\lambda$ = 0.5", r"$\lambda$ = 1", r"$\lambda$ = 2", r"$\lambda$ = 4"]
    fallback = _legend(plot_timeseries(series))
    assert not any("alignment" in label for label in fallback)


def test_a_parameter_the_model_ignores_is_not_in_the_label():
    assert "entrenchment_rate" in ignored_parameters({"hazard": "constant"})
    points = pd.DataFrame(
        {
            "point": [0, 1],
            "hazard": ["constant", "entrenchment"],
            "entrenchment_rate": [0.125, 0.125],
        }
    )
    labels = point_labels(points)
    assert labels[0] == "constant hazard"
    assert labels[1] == "entrenchment hazard"  # delta does not vary between the points


@pytest.fixture(scope="module")
def mixed(run_chain_study):
    """Constant and entrenchment hazards, each at two delta and two w (300 replicates)."""
    return run_chain_study(
        "mixed",
        {
            "hazard": {"values": ["constant", "entrenchment"]},
            "entrenchment_rate": {"values": [0.125, 0.5]},
            "entrenchment_weakening": {"values": [0.0, 1.0]},
        },
        times=[0.0, 1.0, 4.0],
        counts=[0, 1, 2, 5],
        replicates=300,
        seed=3,
        max_takeovers=100,
    )


def test_survival_legend_has_one_entry_per_curve_without_ignored_parameters(mixed):
    from supercoherence.simulations.presentation.labels import varied_parameters

    fig = _survival_figure(mixed.estimates, mixed.points, varied_parameters(mixed.points))
    labels = _legend(fig.axes[0])
    # the constant hazard is one curve whatever delta and w; entrenchment one per delta
    assert labels.count("constant hazard") == 1
    assert not any("constant" in label and "delta" in label for label in labels)
    assert sorted(x for x in labels if x.startswith("entrenchment")) == [
        r"entrenchment hazard, $\delta$ = 0.125",
        r"entrenchment hazard, $\delta$ = 0.5",
    ]
    # the closed form is drawn smoothly (a fine grid), exactly exp(-Lambda_0(t))
    dashed = [line for line in fig.axes[0].get_lines() if line.get_linestyle() == "--"]
    assert dashed and all(len(line.get_xdata()) >= 100 for line in dashed)
    t = np.asarray(dashed[-1].get_xdata(), dtype=float)
    curves = [
        np.exp(-TakeoverScenario(hazard=h, entrenchment_rate=e).cumulative_hazard(0, t))
        for h in ("constant", "entrenchment")
        for e in (0.125, 0.5)
    ]
    for line in dashed:
        y = np.asarray(line.get_ydata(), dtype=float)
        assert any(np.allclose(y, c, rtol=1e-12) for c in curves)


def test_boundary_header_comes_from_the_estimand():
    boundary = pd.DataFrame(
        {
            "point": [0, 1],
            "alpha": [0.5, 1.5],
            "classification": ["mesa disappears", "mesa takes over"],
            "estimand": "mesa_takes_over",
            "estimate": [0.0, 1.0],
            "ci_low": [0.0, 0.99],
            "ci_high": [0.01, 1.0],
        }
    )
    header = _boundary_markdown(boundary, ["alpha"]).splitlines()[0]
    assert "estimated P(mesa takes over)" in header
    assert "supercoherence" not in header


def test_law_of_n_exact_line_joins_only_consecutive_counts(mixed):
    point = int(mixed.estimates.query("estimand == 'law_of_n' and exact > 0")["point"].iloc[0])
    ax = plot_law_of_n(mixed.estimates, point=point)
    joined = [line for line in ax.get_lines() if line.get_linestyle() == "-"]
    for line in joined:
        k = np.asarray(line.get_xdata(), dtype=float)
        assert np.all(np.diff(k) == 1)  # never from k = 2 straight to k = 5
    assert sum(len(line.get_xdata()) for line in joined) == 3  # k = 0, 1, 2


def test_phase_diagram_of_a_latin_hypercube_is_a_scatter(tmp_path):
    study = {
        "study": {
            "name": "lhs",
            "engine": "chain",
            "replicates": 100,
            "seed": 4,
            "horizon": 2.0,  # P(supercoherence by T) < 1 and varies
            "design": "lhs",
            "samples": 30,
        },
        "parameters": {
            # w = 0 (q_n constant): the classification is immediate; float weakening
            # exponents make theory.recursion's certification slow (minutes a point)
            "spawn_rate": {"distribution": "loguniform", "low": 0.05, "high": 4.0},
            "entrenchment_rate": {"distribution": "uniform", "low": 0.1, "high": 2.0},
        },
        "outputs": {"estimands": ["supercoherence_by_horizon"], "boundary": True},
    }
    results = run_study(_from_file(study, tmp_path), tmp_path / "run", workers=1)
    ax = plot_phase_diagram(
        results.estimates, "spawn_rate", "entrenchment_rate", boundary=results.boundary
    )
    assert ax.get_xscale() == "log"  # a log-uniform range spanning a factor of 80
    assert not any(isinstance(c, QuadMesh) for c in ax.collections)
    offsets = np.concatenate(
        [c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)]
    )
    assert len(offsets) == 30
    assert len(ax.get_xticks()) < 15  # not one tick per sample
    report = write_report(results.directory)
    assert (report.parent / "figures" / "phase.png").stat().st_size > 1000


def test_sobol_indices_are_in_the_report(tmp_path):
    study = {
        "study": {
            "name": "sobol",
            "engine": "chain",
            "replicates": 100,
            "chunk": 100,
            "seed": 5,
            "horizon": float("inf"),
            "design": "saltelli",
            "samples": 16,
        },
        "parameters": {
            "detection": {"distribution": "uniform", "low": 0.0, "high": 0.9},
            "entrenchment_rate": {"distribution": "uniform", "low": 0.5, "high": 2.0},
        },
        "outputs": {"estimands": ["law_of_n"], "counts": [0], "sensitivity": ["law_of_n"]},
    }
    results = run_study(_from_file(study, tmp_path), tmp_path / "run", workers=1)
    text = write_report(results.directory).read_text(encoding="utf-8")
    section = text.split("## Sensitivity (Sobol indices)")[1].split("\n## ")[0]
    assert "| P(N = 0) | detection $d$ |" in section
    assert "| P(N = 0) | entrenchment $\\delta$ |" in section
    assert "figures/sensitivity.png" in text


def test_plot_survival_without_closed_forms_joins_the_exact_column():
    t = np.linspace(0, 4, 5)
    df = pd.DataFrame(
        {
            "point": 0,
            "estimand": "no_takeover_by",
            "at": t,
            "estimate": np.exp(-t),
            "exact": np.exp(-t),
        }
    )
    ax = plot_no_takeover_by(df)
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    np.testing.assert_allclose(dashed[0].get_ydata(), np.exp(-t))


def test_scattered_probability_axis_stays_linear_and_log_uniform_goes_log() -> None:
    # A probability sampled uniformly from [0.01, 0.9] spans > 20x but is not log-spread.
    import numpy as np
    import pandas as pd

    from supercoherence.simulations.presentation.figures import plot_phase_diagram

    rng = np.random.default_rng(4)
    n = 40
    df = pd.DataFrame(
        {
            "point": np.arange(n),
            "estimand": "supercoherence_by_horizon",
            "at": np.inf,
            "estimate": rng.uniform(0, 1, n),
            "detection": np.concatenate([[0.01], rng.uniform(0.01, 0.9, n - 1)]),
            "spawn_rate": np.exp(rng.uniform(np.log(0.1), np.log(10.0), n)),
        }
    )
    ax = plot_phase_diagram(df, "spawn_rate", "detection", estimand="supercoherence_by_horizon")
    assert ax.get_yscale() == "linear" and ax.get_xscale() == "log"
    assert len(ax.collections[0].get_offsets()) == n  # one marker per sampled point


def test_a_declared_phase_diagram_of_one_colour_is_still_drawn() -> None:
    # Every point supercoherent: the figure used to be dropped silently.
    import pandas as pd

    from supercoherence.simulations.presentation.report import _phase_figures

    grid = [(a, b) for a in (0.5, 1.0) for b in (0.1, 0.2)]
    points = pd.DataFrame(
        {
            "point": range(4),
            "entrenchment_rate": [a for a, _ in grid],
            "detection": [b for _, b in grid],
        }
    )
    estimates = points.assign(estimand="supercoherence_by_horizon", at=float("inf"), estimate=1.0)
    figures = _phase_figures(estimates, None, ["entrenchment_rate", "detection"], points)
    assert list(figures) == ["phase"]
