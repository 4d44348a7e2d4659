"""Shared fixtures of the app and widget tests: a headless Debian Chromium, when installed.

Every test that uses the ``browser`` fixture is marked ``browser`` (registered in
pyproject.toml): CI installs Debian's ``chromium`` (``.ci/run``) and runs them in the
default run; without ``/usr/bin/chromium`` they are skipped with the reason; the fast tier
can deselect them with ``-m "not slow and not browser"``.  Nothing is ever downloaded:
Playwright drives the system binary through ``executable_path``.
"""

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


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the ``browser`` fixture with ``@pytest.mark.browser``."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    """A Playwright Chromium on Debian's /usr/bin/chromium (nothing is downloaded)."""
    if not CHROMIUM.exists():
        pytest.skip(
            "no /usr/bin/chromium: install Debian's `chromium` (as .ci/run does) to run the "
            "browser tests; no browser is downloaded at run time"
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        yield chromium
        chromium.close()
