"""Headless rendering of the app's components, as Mesa tests SolaraViz (``solara.render``)."""

from __future__ import annotations

import time

import ipyvuetify as vw
import numpy as np
import solara

from supercoherence.models.nested import app
from supercoherence.theory.nested import NestedDynamics, mean_field
from supercoherence.theory.scenario import TakeoverScenario


def _html(box) -> str:
    """The HTML every ``solara.HTML`` of the page shows, concatenated."""
    return "".join(w.unsafe_innerHTML or "" for w in box.find(solara.widgets.HTML).widgets)


def _sliders(box) -> dict[str, vw.Slider]:
    """The page's sliders by parameter name; each shows its human label, never the name."""
    by_label = {s.widget.label: s.widget for s in box.find(vw.Slider)}
    assert by_label and not any("_" in label for label in by_label), sorted(by_label)
    names = [*app.SCENARIO_SLIDERS, *app.DYNAMICS_SLIDERS, "resource_share"]
    return {n: by_label[app.slider_label(n)] for n in names if app.slider_label(n) in by_label}


def _wait_for(box, text: str, timeout: float = 60.0) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        shown = _html(box)
        if text in shown:
            return shown
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never shown")


def test_recursion_page_sliders_drive_the_numbers() -> None:
    _, rc = solara.render(app.RecursionPage(), handle_error=False)
    sliders = _sliders(rc)
    assert {"spawn_rate", "entrenchment_weakening", "entrenchment_rate"} <= set(sliders)
    before = _wait_for(rc, 'id="rec-recurrence"')
    want = app.closed_forms(TakeoverScenario().to_mapping())
    assert "supercoherence almost surely" in before and want["outcome"] in before
    sliders["entrenchment_weakening"].v_model = 1.0
    after = _wait_for(rc, "recursion forever with positive probability")
    forms = app.closed_forms({"entrenchment_weakening": 1.0})
    assert after != before
    assert f'data-value="{forms["recurrence"]!r}"' in after
    rc.close()


def test_model_page_sliders_reset_the_interacting_model() -> None:
    # The page as `solara run` hosts it: SolaraViz's inputs go to AppLayout's sidebar.
    _, rc = solara.render(solara.AppLayout(children=[app.ModelPage()]), handle_error=False)
    shown = _html(rc)
    assert 'class="nesting-tree"' in shown and 'id="model-outcome"' in shown
    assert "Interacting" in shown  # the app starts away from the independent-contest limit
    sliders = _sliders(rc)
    assert {"spawn_rate", "entrenchment_weakening", "challenge_rate", "active_share"} <= set(
        sliders
    )
    # Move a scenario slider and an interaction slider, then Reset: a new model with both.
    sliders["entrenchment_weakening"].v_model = 0.0
    sliders["challenge_rate"].v_model = 0.0
    sliders["active_share"].v_model = 0.0
    sliders["shift_rate"].v_model = 0.0
    rc.find(vw.Btn, children=["Reset"]).widget.click()
    shown = _wait_for(rc, "supercoherence almost surely")
    assert "Independent-contest limit" in shown
    forms = app.closed_forms({**app.MODEL_START, "entrenchment_weakening": 0.0})
    assert f'data-value="{forms["q"][:3]!r}"' in shown
    rc.find(vw.Btn, children=["Step"]).widget.click()
    assert 'data-step="1"' in _wait_for(rc, 'data-step="1"')
    rc.close()


def test_model_page_shows_an_invalid_point_instead_of_numbers() -> None:
    _, rc = solara.render(solara.AppLayout(children=[app.ModelPage()]), handle_error=False)
    sliders = _sliders(rc)
    sliders["capability_ratio"].v_model = 0.5
    sliders["detection_scaling"].v_model = 2.0  # above -log(1 - 0.5): detection < 0
    rc.find(vw.Btn, children=["Reset"]).widget.click()
    alert = rc.find(vw.Alert, class_="parameter-error")
    alert.wait_for(timeout=30)
    assert "detection_scaling = 2.0 is out of range" in str(alert.widget.children)
    assert 'id="model-outcome"' not in _html(rc)  # no number is shown
    sliders["detection_scaling"].v_model = 0.5
    rc.find(vw.Btn, children=["Reset"]).widget.click()
    assert 'id="model-outcome"' in _wait_for(rc, 'id="model-outcome"')
    rc.close()


def test_model_theory_beside_the_simulation() -> None:
    """The predicted survival is the theory layer's: e^-Lambda_0(t) and the mean field."""
    model = app.AppModel(horizon=12, seed=2, challenge_rate=1.0, active_share=0.5, nesting=True)
    theory = app.model_theory(model)
    sc = model.takeover_scenario
    t = np.arange(13.0)
    assert np.allclose(
        theory["independent"], np.exp(-sc.cumulative_hazard(np.zeros_like(t), t)), rtol=1e-15
    )
    mf = mean_field(sc, model.dynamics, 12, deceptive_share=model.deceptive_share)
    assert theory["mean_field"] == [1.0, *mf.survival.tolist()]
    assert theory["mean_field"][-1] < theory["independent"][-1]  # challengers add hazard
    assert not theory["limit"] and model.dynamics != NestedDynamics()
    limit = app.model_theory(app.AppModel(horizon=12, seed=2))
    assert limit["limit"] and np.allclose(limit["mean_field"], limit["independent"], rtol=1e-12)


def test_components_of_a_model() -> None:
    model = app.AppModel(horizon=20, seed=3, nesting=True, spawn_rate=1.5, drift=0.5)
    for _ in range(10):
        model.step()
    svg = app.tree_svg(model.graph)
    assert svg.count("<circle") == model.graph.number_of_nodes()
    big = app.tree_svg(model.graph, max_nodes=3)
    assert big.count("<circle") == min(3, model.graph.number_of_nodes())
    _, rc = solara.render(solara.Column(children=[app.SeriesView(model)]), handle_error=False)
    html = _html(rc)
    assert "coherence (resource-weighted alignment)" in html and "root tenure" in html
    assert "alignment_with_original" not in html  # a label in words, not the column name
