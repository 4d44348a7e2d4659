"""End to end: the app's server in headless Chromium; a slider moves the page's numbers."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from supercoherence.cli.interactive import solara_command
from supercoherence.models.nested import app

FIGURES = Path(__file__).resolve().parents[2] / "docs" / "figures"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    env = dict(os.environ, SOLARA_CHECK_VERSION="False")
    proc = subprocess.Popen(
        solara_command("127.0.0.1", port),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        end = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > end:
                    pytest.fail("the app server did not start")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _click_slider(tab, label: str, fraction: float) -> None:
    """Click a Vuetify slider (found by its label) at ``fraction`` of its track."""
    track = tab.locator(".v-input", has_text=label).locator(".v-slider").first
    box = track.bounding_box()
    tab.mouse.click(box["x"] + fraction * box["width"], box["y"] + box["height"] / 2)


def _thumb_value(tab, label: str) -> str:
    """The value shown above a slider's thumb (visible without hovering)."""
    thumb = tab.locator(".v-input", has_text=label).locator(".v-slider__thumb-label").first
    assert thumb.is_visible()
    return thumb.inner_text().strip()


def test_recursion_page_in_chromium(browser, server: str) -> None:
    tab = browser.new_page(viewport={"width": 1280, "height": 1000})
    tab.goto(server)
    tab.wait_for_selector("#rec-recurrence", timeout=90_000)
    tabs = [t.strip() for t in tab.locator(".v-tab").all_inner_texts()]
    assert [t.lower() for t in tabs] == ["recursion", "nested model"]  # labels, not paths
    want = app.closed_forms({})
    assert tab.get_attribute("#rec-outcome", "data-value") == repr(want["outcome"])
    weakening = app.slider_label("entrenchment_weakening")  # what the slider shows
    assert _thumb_value(tab, weakening) == "0"
    # Click the middle of the entrenchment-weakening slider (range 0..2, step 0.25) -> 1.
    _click_slider(tab, weakening, 0.5)
    forms = app.closed_forms({"entrenchment_weakening": 1.0})
    tab.wait_for_function(
        "o => document.querySelector('#rec-outcome')?.dataset.value === o",
        arg=repr(forms["outcome"]),
        timeout=90_000,
    )
    assert _thumb_value(tab, weakening) == "1"
    shown = float(tab.get_attribute("#rec-recurrence", "data-value"))
    assert shown == forms["recurrence"]
    assert tab.get_attribute("#rec-q", "data-value") == repr(forms["q"][:3])
    # The charts fit their card (no SVG wider than its container).
    overflow = tab.evaluate(
        "() => [...document.querySelectorAll('svg.chart')].filter("
        "s => s.getBoundingClientRect().right > s.parentElement.getBoundingClientRect().right + 1"
        ").length"
    )
    assert overflow == 0
    FIGURES.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(FIGURES / "app_recursion.png"), full_page=True)
    tab.close()


def test_model_page_in_chromium(browser, server: str) -> None:
    tab = browser.new_page(viewport={"width": 1280, "height": 1500})
    tab.goto(server + "model")
    tab.wait_for_selector("#model-outcome", timeout=90_000)
    start = {**app.MODEL_START}
    forms = app.closed_forms(start)
    assert tab.get_attribute("#model-q", "data-value") == repr(forms["q"][:3])
    # entrenchment_weakening 1 -> 2 (its slider's right end), then Reset: a new model.
    _click_slider(tab, app.slider_label("entrenchment_weakening"), 0.999)
    tab.get_by_role("button", name="Reset").click()
    forms = app.closed_forms({**start, "entrenchment_weakening": 2.0})
    tab.wait_for_function(
        "v => document.querySelector('#model-q')?.dataset.value === v",
        arg=repr(forms["q"][:3]),
        timeout=60_000,
    )
    assert float(tab.get_attribute("#model-recurrence", "data-value")) == forms["recurrence"]
    step = tab.get_by_role("button", name="Step")
    for k in range(1, 41):
        step.click()
        tab.wait_for_selector(f"#sim-numbers[data-step='{k}']", timeout=60_000)
    # The page's simulation is the Python model's with the same keywords and seed.
    params = {k: (v["value"] if isinstance(v, dict) else v) for k, v in app.model_params().items()}
    model = app.AppModel(**{**params, "entrenchment_weakening": 2.0})
    for _ in range(40):
        model.step()
    numbers = tab.locator("#sim-numbers")
    assert numbers.get_attribute("data-takeovers") == str(model.top_level_takeovers)
    theory = app.model_theory(model)
    shown = float(tab.get_attribute("#model-mean-field-now", "data-value"))
    assert shown == theory["mean_field"][40]
    nodes = int(tab.get_attribute("svg.nesting-tree", "data-nodes"))
    assert nodes == min(model.graph.number_of_nodes(), app.TREE_NODES)
    tab.wait_for_timeout(500)
    tab.screenshot(path=str(FIGURES / "app_model.png"), full_page=True)
    tab.close()
