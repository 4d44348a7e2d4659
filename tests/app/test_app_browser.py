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


def test_recursion_page_in_chromium(browser, server: str) -> None:
    tab = browser.new_page(viewport={"width": 1280, "height": 1000})
    tab.goto(server)
    tab.wait_for_selector("#rec-recurrence", timeout=90_000)
    want = app.closed_forms({})
    assert tab.get_attribute("#rec-outcome", "data-value") == repr(want["outcome"])
    # Click the middle of the entrenchment-weakening slider (range 0..2, step 0.25) -> 1.
    track = tab.locator(".v-input", has_text="entrenchment_weakening").locator(".v-slider")
    box = track.bounding_box()
    tab.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    forms = app.closed_forms({"entrenchment_weakening": 1.0})
    tab.wait_for_function(
        "o => document.querySelector('#rec-outcome')?.dataset.value === o",
        arg=repr(forms["outcome"]),
        timeout=90_000,
    )
    shown = float(tab.get_attribute("#rec-recurrence", "data-value"))
    assert shown == forms["recurrence"]
    FIGURES.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(FIGURES / "app_recursion.png"), full_page=True)
    tab.goto(server + "model")
    tab.wait_for_selector("#model-outcome", timeout=90_000)
    tab.get_by_role("button", name="Step").click()
    tab.wait_for_selector("#sim-numbers[data-step='1']", timeout=60_000)
    tab.wait_for_timeout(500)
    tab.screenshot(path=str(FIGURES / "app_model.png"), full_page=True)
    tab.close()
