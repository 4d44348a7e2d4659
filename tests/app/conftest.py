"""Shared fixtures of the app and widget tests: a headless Debian Chromium, when installed."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """A Playwright Chromium on Debian's /usr/bin/chromium (nothing is downloaded)."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium missing: apt-get install -y chromium chromium-driver")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        yield chromium
        chromium.close()
