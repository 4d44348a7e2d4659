"""Headless rendering of the app's components, as Mesa tests SolaraViz (``solara.render``)."""

from __future__ import annotations

import time

import ipyvuetify as vw
import solara

from supercoherence.models.nested import app
from supercoherence.theory.scenario import TakeoverScenario


def _html(box) -> str:
    """The HTML every ``solara.HTML`` of the page shows, concatenated."""
    return "".join(w.unsafe_innerHTML or "" for w in box.find(solara.widgets.HTML).widgets)


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
    sliders = {s.widget.label: s.widget for s in rc.find(vw.Slider)}
    assert {"spawn_rate", "entrenchment_weakening", "detection"} <= set(sliders)
    before = _wait_for(rc, 'id="rec-recurrence"')
    want = app.closed_forms(TakeoverScenario().to_mapping())
    assert "supercoherence almost surely" in before and want["outcome"] in before
    sliders["entrenchment_weakening"].v_model = 1.0
    after = _wait_for(rc, "recursion forever with positive probability")
    forms = app.closed_forms({"entrenchment_weakening": 1.0})
    assert after != before
    assert f'data-value="{forms["recurrence"]!r}"' in after
    rc.close()


def test_model_page_sliders_reset_the_model() -> None:
    model = app.AppModel(
        **{
            k: (v["value"] if isinstance(v, dict) else v)
            for k, v in app.model_params(horizon=30).items()
        }
    )
    from mesa.visualization import SolaraViz

    page = SolaraViz(
        model,
        components=[(app.TreeView, 0), (app.SeriesView, 0), (app.TheoryView, 0)],
        model_params=app.model_params(horizon=30),
    )
    # SolaraViz puts its inputs in a Sidebar, which an AppLayout hosts (as `solara run` does).
    _, rc = solara.render(solara.AppLayout(children=[page]), handle_error=False)
    assert 'class="nesting-tree"' in _html(rc) and 'id="model-outcome"' in _html(rc)
    sliders = {s.widget.label: s.widget for s in rc.find(vw.Slider)}
    assert "spawn_rate" in sliders and "entrenchment_weakening" in sliders
    sliders["entrenchment_weakening"].v_model = 1.0
    rc.find(vw.Btn, children=["Reset"]).widget.click()
    shown = _wait_for(rc, "recursion forever with positive probability")
    assert 'id="model-recurrence"' in shown
    rc.find(vw.Btn, children=["Step"]).widget.click()
    assert 'data-step="1"' in _html(rc)
    rc.close()


def test_components_of_a_model() -> None:
    model = app.AppModel(horizon=20, seed=3, nesting=True, spawn_rate=1.5, drift=0.5)
    for _ in range(10):
        model.step()
    svg = app.tree_svg(model.graph)
    assert svg.count("<circle") == model.graph.number_of_nodes()
    _, rc = solara.render(solara.Column(children=[app.SeriesView(model)]), handle_error=False)
    assert "coherence" in _html(rc)
