"""The widget: one self-contained HTML file whose numbers are the Python API's."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from supercoherence.cli import main
from supercoherence.simulations.presentation.widget import widget_html, write_widget
from supercoherence.theory.recursion import classify, count_probability
from supercoherence.theory.scenario import TakeoverScenario

FIGURES = Path(__file__).resolve().parents[2] / "docs" / "figures"

#: Slider positions (binary-exact decimals keep the exact classification fast).
POINTS = [
    {"entrenchment_weakening": 1.0},
    {"entrenchment_weakening": 1.0, "spawn_rate": 2.5, "detection": 0.25},
    {"entrenchment_weakening": 1.0, "capability_ratio": 1.5, "sharpness": 2.0},
    {"entrenchment_weakening": 0.0},
    {"hazard": "constant"},
    {"hazard": "power", "power": 3.0},
    {"hazard": "power", "power": 0.5},
    {"capability_ratio": 2.0, "detection_scaling": 0.5, "entrenchment_weakening": 1.0},
    {"spawn_rate": 0.0},
]


def _expected(point: dict, terms: int) -> dict:
    sc = TakeoverScenario(**point)
    c = classify(sc.q_expr())
    q = sc.q_expr()
    return {
        "recurrence": float(c.recurrence.value),
        "outcome": c.outcome.value,
        "q": [float(v) for v in sc.q([0, 1, 2])],
        "law": [float(v) for v in count_probability(q, range(terms))],
    }


def _close(a: float, b: float, rtol: float = 1e-12) -> bool:
    return a == b or abs(a - b) <= rtol * max(abs(a), abs(b))


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    return write_widget(tmp_path_factory.mktemp("w") / "widget.html")


def test_file_is_self_contained_and_small(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert page.stat().st_size < 1_000_000
    tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", text)
    assert tags and not [t for t in tags if re.search(r"\b(?:src|href)\s*=", t)]
    assert not re.search(r"https?://", text)
    assert "iframe-widget-resize" in text


def test_cli_writes_the_widget(tmp_path: Path) -> None:
    out = tmp_path / "w.html"
    assert main(["widget", "--scenario", "spawn_rate=2", "--out", str(out)]) == 0
    assert '"spawn_rate": 2.0' in out.read_text()
    assert main(["widget", "--scenario", "spawn_rat=2", "--out", str(out)]) == 2


def _node_results(html: str, points: list[dict], tmp_path: Path) -> list[dict]:
    script = tmp_path / "run.cjs"
    script.write_text(
        "const fs = require('fs');\n"
        "const html = fs.readFileSync(process.argv[2], 'utf8');\n"
        'const cfg = JSON.parse(html.match(/<script type="application\\/json" '
        'id="config">([\\s\\S]*?)<\\/script>/)[1]);\n'
        'const core = html.match(/<script id="core">([\\s\\S]*?)<\\/script>/)[1];\n'
        "const {evaluate} = new Function(core + '; return makeCore;')()(cfg);\n"
        "const pts = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));\n"
        "console.log(JSON.stringify(pts.map(evaluate)));\n"
    )
    (tmp_path / "w.html").write_text(html)
    (tmp_path / "p.json").write_text(json.dumps(points))
    out = subprocess.run(
        ["node", str(script), str(tmp_path / "w.html"), str(tmp_path / "p.json")],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
def test_generated_javascript_equals_python_in_node(tmp_path: Path) -> None:
    full = [TakeoverScenario(**p).to_mapping() for p in POINTS]
    for point, got in zip(POINTS, _node_results(widget_html(), full, tmp_path), strict=True):
        assert len(got["law"]) >= 10, point
        want = _expected(point, len(got["law"]))
        assert got["outcome"] == want["outcome"], point
        assert _close(got["recurrence"], want["recurrence"]), (point, got, want)
        assert all(map(_close, got["q"], want["q"])), point
        # P(N = n) beside q_n near 1 is ill-conditioned (1 - q_n cancels) in both codes:
        # equal to 1e-12 relative or 1e-15 absolute.
        assert all(
            _close(x, y) or abs(x - y) < 1e-15 for x, y in zip(got["law"], want["law"], strict=True)
        ), point


def test_page_in_chromium_shows_the_python_numbers(browser, page: Path) -> None:
    tab = browser.new_page()
    tab.goto(page.as_uri())
    for point in POINTS[:4]:
        values = {**TakeoverScenario().to_mapping(), **point}
        tab.select_option("#hazard", values["hazard"])
        for name, value in values.items():
            if tab.locator(f"#slider-{name}").count():
                tab.eval_on_selector(
                    f"#slider-{name}",
                    "(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }",
                    str(value),
                )
        want = _expected(point, 10)
        shown = float(tab.get_attribute("#recurrence", "data-value"))
        assert _close(shown, want["recurrence"]), (point, shown, want)
        assert tab.get_attribute("#classification", "data-value") == want["outcome"]
        q = json.loads(tab.get_attribute("#q", "data-value"))
        assert all(map(_close, q, want["q"]))
    tab.eval_on_selector(
        "#slider-entrenchment_weakening",
        "el => { el.value = 1; el.dispatchEvent(new Event('input')); }",
    )
    tab.wait_for_timeout(300)
    FIGURES.mkdir(parents=True, exist_ok=True)
    tab.set_viewport_size({"width": 800, "height": 900})
    tab.screenshot(path=str(FIGURES / "widget.png"), full_page=True)
    tab.close()
