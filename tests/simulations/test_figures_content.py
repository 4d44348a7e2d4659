"""Every figure of issue 6, drawn from real (small, seeded) results and checked for content.

Each test checks what a reader sees: axis labels, the number of series, and that the
analytic curve is drawn with the closed form's values (not merely that a file exists).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection, QuadMesh

from supercoherence.errors import ParameterError
from supercoherence.models.nested import simulate_abm
from supercoherence.simulations.presentation.figures import (
    plot_extinction,
    plot_law_of_n,
    plot_no_takeover_by,
    plot_phase_diagram,
    plot_phase_portrait,
    plot_timeseries,
    plot_value_drift,
    save_figure,
)
from supercoherence.theory import branching, recursion
from supercoherence.theory.scenario import TakeoverScenario
from supercoherence.theory.utility import drift_step, random_unit_vector

TIMES = [0.0, 1.0, 2.0, 4.0, 8.0]
FIXED = {"spawn_rate": 1.0, "alignment_skill": 0.5, "detection": 0.5, "drift": 0.8}


@pytest.fixture(scope="module")
def dichotomy(run_chain_study):
    """A 2 x 2 entrenchment study on the chain engine (2,000 replicates per point)."""
    return run_chain_study(
        "fig",
        {
            **FIXED,
            "hazard": "entrenchment",
            "entrenchment_rate": {"values": [0.25, 1.0]},
            "entrenchment_weakening": {"values": [0.0, 2.0]},
        },
        times=TIMES,
        counts=[0, 1, 2, 3],
        replicates=2000,
        seed=5,
        max_takeovers=200,
    )


def _scenario(row: pd.Series) -> TakeoverScenario:
    return TakeoverScenario(
        **FIXED,
        hazard="entrenchment",
        entrenchment_rate=row["entrenchment_rate"],
        entrenchment_weakening=row["entrenchment_weakening"],
    )


def test_survival_curves_draw_the_closed_form_exp_minus_cumulative_hazard(dichotomy):
    rows = dichotomy.estimates
    ax = plot_no_takeover_by(rows)
    assert ax.get_xlabel() == "time $t$ (model time units)"
    assert ax.get_ylabel() == "P(no top-level takeover by $t$)"
    lines = {line.get_label(): line for line in ax.get_lines()}
    points = rows[rows.estimand == "no_takeover_by"].groupby("point").first()
    monte_carlo = [
        label for label in lines if label not in {"closed form"} and not label.startswith("_")
    ]
    assert len(monte_carlo) == len(points) == 4
    # every dashed analytic curve is exp(-Lambda_0(t)) of one of the points
    expected = [
        np.exp(-_scenario(row).cumulative_hazard(0, np.array(TIMES)))
        for _, row in points.iterrows()
    ]
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert dashed
    for line in dashed:
        y = np.asarray(line.get_ydata(), dtype=float)
        assert any(np.allclose(y, e, rtol=1e-12) for e in expected)
    assert any(isinstance(c, PolyCollection) for c in ax.collections)  # confidence bands


def test_law_of_n_bars_against_the_exact_law(dichotomy):
    rows = dichotomy.estimates
    point = int(rows.point.min())
    ax = plot_law_of_n(rows, point=point)
    assert len(ax.patches) == 4  # one bar per k in counts
    exact = next(line for line in ax.get_lines() if line.get_label() == "exact law")
    q = _scenario(dichotomy.points.set_index("point").loc[point]).never_overthrown_numeric(
        np.arange(4)
    )
    np.testing.assert_allclose(
        exact.get_ydata(), recursion.count_probability(q, np.arange(4)), rtol=1e-9
    )
    assert ax.get_ylabel() == "P($N = k$)"
    with pytest.raises(ParameterError, match="point"):
        plot_law_of_n(rows)  # several points and none chosen


def test_phase_diagram_shows_estimate_and_analytic_boundary(dichotomy):
    ax = plot_phase_diagram(
        dichotomy.estimates,
        "entrenchment_rate",
        "entrenchment_weakening",
        boundary=dichotomy.boundary,
    )
    assert ax.get_xlabel().startswith("entrenchment rate")
    assert ax.get_ylabel().startswith("entrenchment weakening")
    mesh = next(c for c in ax.collections if isinstance(c, QuadMesh))
    assert mesh.get_array().size == 4
    # w = 0 is "supercoherence almost surely", w = 2 "recursion with positive probability":
    # the boundary runs between the two rows, across both columns.
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 2
    assert all(np.allclose(line.get_ydata(), 0.5) for line in dashed)
    legend = [t.get_text() for t in ax.figure.legends[0].get_texts()]
    assert "analytic boundary" in legend
    assert sum(label.startswith("theory:") for label in legend) == 2


def test_value_drift_against_rho_to_the_n():
    rho, rng = 0.7, np.random.default_rng(3)
    w0 = random_unit_vector(4, rng, size=500)
    w, rows = w0.copy(), []
    for n in range(6):
        rows.append(pd.DataFrame({"takeover": n, "alignment": np.sum(w * w0, axis=1)}))
        w = drift_step(w, rho, rng)
    ax = plot_value_drift(pd.concat(rows), rho=rho)
    exact = next(line for line in ax.get_lines() if line.get_label().startswith(r"$\rho^n$"))
    np.testing.assert_allclose(exact.get_ydata(), rho ** np.arange(6))
    mean = next(line for line in ax.get_lines() if line.get_label() == "Monte Carlo mean")
    assert np.max(np.abs(np.asarray(mean.get_ydata()) - rho ** np.arange(6))) < 0.1


def test_coherence_and_tenure_over_time_from_the_mesa_model():
    scenario = TakeoverScenario(
        spawn_rate=4.0, hazard="entrenchment", entrenchment_rate=0.5, drift=0.5
    )
    result = simulate_abm(scenario, 20, seed=4, horizon=10, nesting=True, timeseries=True)
    series = result.timeseries.assign(point=0)
    # drifted mesa-optimizers hold resources, so coherence falls below 1
    assert series.groupby("step")["coherence"].mean().iloc[-1] < 0.95
    for y, label in (("coherence", "coherence"), ("root_tenure", "root tenure")):
        ax = plot_timeseries(series, y)
        assert ax.get_xlabel() == "step (model time units)"
        assert ax.get_ylabel().startswith(label)
        assert len(ax.get_lines()) >= 1 and len(ax.collections) >= 1  # mean and band
        mean = ax.get_lines()[0]
        expected = series.groupby("step")[y].mean().to_numpy()
        np.testing.assert_allclose(mean.get_ydata(), expected)


def test_competition_phase_portrait_marks_equilibria_by_stability():
    ax = plot_phase_portrait({"alpha": 1.5, "beta": 1.5})  # bistable
    assert ax.get_title() == "Competition: bistable"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels.count("stable equilibrium") == 1 and "saddle" in labels
    stable = [
        line
        for line in ax.get_lines()
        if line.get_marker() == "o"
        and line.get_markerfacecolor() not in ("white", (1.0, 1.0, 1.0, 1.0))
        and line.get_markersize() == 10
    ]
    assert sorted((float(s.get_xdata()[0]), float(s.get_ydata()[0])) for s in stable) == [
        (0.0, 1.0),
        (1.0, 0.0),
    ]


def test_extinction_curve_with_critical_point_and_monte_carlo():
    rng = np.random.default_rng(8)
    m_values = np.array([0.5, 1.5, 2.5])
    estimates = []
    for m in m_values:  # seeded Galton-Watson runs, extinct if the line dies in 60 generations
        died = 0
        for _ in range(400):
            size = 1
            for _ in range(60):
                size = int(rng.poisson(m, size).sum()) if size < 500 else size
                if size == 0 or size >= 500:
                    break
            died += size == 0
        p = died / 400
        se = np.sqrt(p * (1 - p) / 400)
        estimates.append(
            {"mean_offspring": m, "estimate": p, "ci_low": p - 2 * se, "ci_high": p + 2 * se}
        )
    ax = plot_extinction(pd.DataFrame(estimates), m_max=3)
    curve = next(line for line in ax.get_lines() if line.get_label().startswith("closed form"))
    np.testing.assert_allclose(
        curve.get_ydata(), branching.poisson_extinction_numeric(curve.get_xdata())
    )
    critical = next(line for line in ax.get_lines() if "critical" in line.get_label())
    assert np.allclose(critical.get_xdata(), 1.0)
    closed = branching.poisson_extinction_numeric(m_values)
    assert np.all(np.abs(np.array([e["estimate"] for e in estimates]) - closed) < 0.1)


def test_figures_are_saved_as_png_at_twice_the_screen_resolution_svg_and_pdf(tmp_path, dichotomy):
    ax = plot_no_takeover_by(dichotomy.estimates)
    paths = save_figure(ax.figure, tmp_path / "survival")
    assert [p.suffix for p in paths] == [".png", ".svg", ".pdf"]
    from matplotlib.image import imread

    height, width = imread(paths[0]).shape[:2]
    inches = ax.figure.get_size_inches()
    assert width >= 1.5 * inches[0] * ax.figure.dpi  # 2x dpi, less the tight bbox trim
    assert paths[1].read_text().lstrip().startswith("<?xml")
    assert paths[2].read_bytes().startswith(b"%PDF")


def test_escalation_q_n_is_typeset_with_named_h_n_not_stacked_exponentials() -> None:
    import re

    from supercoherence.simulations.presentation.formulas import (
        conditions_markdown,
        derive_conditions,
    )
    from supercoherence.simulations.study import load_study

    study = load_study("escalation", check_points=False)
    points = [p for p in study.points if p["hazard"] == "entrenchment"][:2]
    conditions = derive_conditions(points, "chain")
    markdown = conditions_markdown(points, "chain", conditions=conditions)
    table = markdown[markdown.index("| points |") :]
    assert not re.search(r"\d{9,}", table), table  # no 17-digit binary fractions
    for condition in conditions:
        text = condition.q_display
        assert text.startswith(r"q_n = e^{-h_n/\delta_n}") and "h_n = " in text
        scenario = TakeoverScenario.from_mapping(points[condition.points[0]])
        h0 = float(re.search(r"h_n = ([0-9.]+)", text)[1])
        assert h0 == pytest.approx(float(scenario.hazard_scale(0)), rel=5e-4)
        kappa, gamma = re.search(r"e\^\{-([0-9.]+)\\,\(([0-9.]+)\^\{n\} - 1\)\}", text).groups()
        n = np.arange(6)
        expected = h0 * np.exp(-float(kappa) * (float(gamma) ** n - 1))
        np.testing.assert_allclose(scenario.hazard_scale(n), expected, rtol=5e-4)


def test_law_of_n_exact_law_is_drawn_at_every_count() -> None:
    # counts 0, 1, 2, 5 estimated: the exact law is drawn at 0..5, not joined 2 -> 5
    q = 0.4
    k = np.array([0.0, 1.0, 2.0, 5.0])
    law = q * (1 - q) ** k
    df = pd.DataFrame({"point": 0, "estimand": "law_of_n", "at": k, "estimate": law, "exact": law})
    ax = plot_law_of_n(df, exact_law=lambda kk: q * (1 - q) ** np.asarray(kk, dtype=float))
    line = next(line for line in ax.get_lines() if line.get_label() == "exact law")
    np.testing.assert_array_equal(line.get_xdata(), np.arange(6.0))
    np.testing.assert_allclose(line.get_ydata(), q * (1 - q) ** np.arange(6.0))
    # a callable that disagrees with the table's closed form is not drawn
    ax = plot_law_of_n(df, exact_law=lambda kk: np.zeros(len(kk)))
    line = next(line for line in ax.get_lines() if line.get_label() == "exact law")
    np.testing.assert_array_equal(line.get_xdata(), k)
