"""The widget: one self-contained HTML file whose numbers are the Python API's.

Parity: the generated JavaScript (run in Node, and in Chromium through the page's DOM)
gives q_n, the law of N, P(recur forever) and the classification equal to the Python
layer's (``TakeoverScenario.never_overthrown_numeric``, ``ChainLaw.tail_law``,
``theory.recursion.classify``) to 1e-12 relative, over a grid of slider positions of
every hazard shape, and over the grid of a study run here (tiny, fixed seed) for the
``STUDY_DIR`` widget, whose Monte Carlo rows, nearest grid point and lineage are checked
against the stored Parquet tables.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from supercoherence.cli import main
from supercoherence.models.engine.law import ChainLaw
from supercoherence.simulations.presentation.widget import (
    LINEAGE_LEVELS,
    LINEAGE_REPLICATES,
    nearest_point,
    study_payload,
    widget_html,
    write_widget,
)
from supercoherence.theory.recursion import classify
from supercoherence.theory.scenario import TakeoverScenario

FIGURES = Path(__file__).resolve().parents[2] / "docs" / "figures"
LAW_TERMS = 40
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")

#: Slider positions whose exact classification is fast (binary-exact decimals, kappa = 0).
POINTS = [
    {"entrenchment_weakening": 1.0},
    {"entrenchment_weakening": 1.0, "spawn_rate": 2.5, "detection": 0.25},
    {"entrenchment_weakening": 1.0, "capability_ratio": 1.5, "sharpness": 2.0},
    {"entrenchment_weakening": 2.0, "capability_ratio": 0.5},
    {"entrenchment_weakening": 0.0},
    {"hazard": "constant"},
    {"hazard": "constant", "detection": 1.0},
    {"hazard": "power", "power_exponent": 3.0},
    {"hazard": "power", "power_exponent": 0.5},
    {"hazard": "power", "power_exponent": 0.5, "spawn_rate": 0.0},
    {"capability_ratio": 2.0, "detection_scaling": 0.5, "entrenchment_weakening": 1.0},
    {"spawn_rate": 0.0},
]


def grid_points() -> list[dict]:
    """A grid of slider positions over every hazard shape (57 points)."""
    out = []
    for lam, g, w, k in itertools.product(
        [0.5, 2.5], [0.5, 1.0, 2.0], [0.0, 1.0, 2.0], [0.0, 0.25]
    ):
        out.append(
            dict(
                hazard="entrenchment",
                spawn_rate=lam,
                capability_ratio=g,
                entrenchment_weakening=w,
                detection_scaling=k,
            )
        )
    for b, g, k in itertools.product([0.5, 1.5, 3.0], [0.5, 1.0, 2.0], [0.0, 0.25]):
        if b <= 1 and g > 1 and k > 0:
            # Exact q_n = 0 for every n; the numeric q_n of the Python layer is 1 from the n
            # where exp(-kappa (gamma^n - 1)) underflows to 0 (the exact h_n > 0): skipped.
            continue
        out.append(dict(hazard="power", power_exponent=b, capability_ratio=g, detection_scaling=k))
    for lam, d in itertools.product([0.0, 1.0], [0.5, 1.0]):
        out.append(dict(hazard="constant", spawn_rate=lam, detection=d))
    return out


def _close(a: float, b: float, rtol: float = 1e-12) -> bool:
    return a == b or abs(a - b) <= rtol * max(abs(a), abs(b))


def _python_law(point: dict, terms: int = LAW_TERMS) -> dict:
    """q_0..q_2 and P(N = n), n < terms, from the Python layer (numeric, fast)."""
    sc = TakeoverScenario.from_mapping(point)
    law = ChainLaw.from_scenario(sc, terms)
    tail = law.tail_law()
    return {
        "q": [float(v) for v in law.q[:3]],
        "law": [float(q) * float(s) for q, s in zip(law.q, tail[:-1], strict=True)],
        "tail": [float(v) for v in tail],
    }


def _python_verdict(point: dict) -> dict:
    c = classify(TakeoverScenario.from_mapping(point).never_overthrown())
    r = c.recurrence
    return {
        "recurrence": float(r.value),
        "ball": (float(r.lower), float(r.upper)),
        "outcome": c.outcome.value,
    }


def _recurrence_agrees(got: float, want: dict, rtol: float = 1e-12) -> bool:
    """Equal to 1e-12 relative, or inside Python's certified ball widened by 1e-12.

    (``classify`` reports the midpoint of a ball whose width can exceed 1e-12 relative,
    e.g. [0.002062664937709439, 0.002062664937714673] for q_n = exp(-5(n+1)/24), where
    the true value, 0.00206266493770943915..., sits at the lower end.)
    """
    lo, hi = want["ball"]
    return _close(got, want["recurrence"], rtol) or lo * (1 - rtol) <= got <= hi * (1 + rtol)


def _undecided_ok(point: dict) -> bool:
    """The page may leave the verdict undecided (its product not converged in
    ``JS_MAX_TERMS`` terms) only where P(recur forever) is below 1e-300: Python's partial
    product over 2000 terms is, and the partial products decrease."""
    return _python_law(point, 2000)["tail"][-1] < 1e-300


def _assert_law(point: dict, got: dict) -> None:
    want = _python_law(point, len(got["law"]))
    assert all(map(_close, got["q"], want["q"])), (point, got["q"], want["q"])
    # P(N = n) beside q_n near 1 is ill-conditioned (1 - q_n cancels) in both codes:
    # equal to 1e-12 relative or 1e-15 absolute.
    bad = [
        (n, x, y)
        for n, (x, y) in enumerate(zip(got["law"], want["law"], strict=True))
        if not (_close(x, y) or abs(x - y) < 1e-15)
    ]
    assert not bad, (point, bad[:3])


def _assert_verdict(point: dict, got: dict) -> None:
    want = _python_verdict(point)
    assert got["outcome"] == want["outcome"], (point, got, want)
    if not math.isnan(want["recurrence"]):  # NaN: positive, no certified value
        assert _recurrence_agrees(got["recurrence"], want), (point, got, want)


def _config(html: str) -> dict:
    return json.loads(
        re.search(r'<script type="application/json" id="config">(.*?)</script>', html, re.S)[1]
    )


def _node_results(html: str, points: list[dict], tmp_path: Path) -> list[dict]:
    """Run the page's generated core (makeCore) in Node at full parameter points."""
    script = tmp_path / "run.cjs"
    script.write_text(
        "const fs = require('fs');\n"
        "const html = fs.readFileSync(process.argv[2], 'utf8');\n"
        'const cfg = JSON.parse(html.match(/<script type="application\\/json" '
        'id="config">([\\s\\S]*?)<\\/script>/)[1]);\n'
        'const core = html.match(/<script id="core">([\\s\\S]*?)<\\/script>/)[1];\n'
        "const {evaluate} = new Function(core + '; return makeCore;')()(cfg);\n"
        "const pts = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));\n"
        "console.log(JSON.stringify(pts.map((p) => evaluate(p))));\n"
    )
    (tmp_path / "w.html").write_text(html)
    (tmp_path / "p.json").write_text(json.dumps(points))
    out = subprocess.run(
        ["node", str(script), str(tmp_path / "w.html"), str(tmp_path / "p.json")],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout, parse_constant=float)


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    return write_widget(tmp_path_factory.mktemp("w") / "widget.html")


STUDY = """
[study]
name = "tiny"
engine = "chain"
replicates = 100
chunk = 100
horizon = inf
seed = 7

[engine]
max_takeovers = 200

[parameters]
spawn_rate = 1.0
alignment_skill = 0.5
detection = 0.5
hazard = "entrenchment"
capability_ratio = { values = [0.75, 1.5] }
entrenchment_weakening = { values = [0.0, 1.0] }
drift = 0.9

[outputs]
estimands = ["supercoherence_by_horizon", "law_of_n", "mean_takeovers", "no_takeover_by"]
times = [1.0, 5.0]
counts = [0, 1, 2]
events = true
events_horizon = 20.0
"""


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory) -> Path:
    """A 4-point chain study (100 replicates, seed 7) run here, with its event table."""
    from supercoherence.simulations import run_study

    folder = tmp_path_factory.mktemp("study")
    (folder / "tiny.toml").write_text(STUDY)
    run_study(folder / "tiny.toml", folder / "out", workers=1)
    return folder / "out"


@pytest.fixture(scope="module")
def study_page(study_dir: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ws") / "widget.html"
    assert main(["widget", str(study_dir), "--out", str(out)]) == 0
    return out


# --------------------------------------------------------------------------- the file


def test_file_is_self_contained_and_small(page: Path, study_page: Path) -> None:
    for path in (page, study_page):
        text = path.read_text(encoding="utf-8")
        assert path.stat().st_size < 1_000_000
        tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", text)
        assert tags and not [t for t in tags if re.search(r"\b(?:src|href)\s*=", t)]
        assert not re.search(r"https?://", text)
        assert "iframe-widget-resize" in text


def test_cli_writes_the_widget(tmp_path: Path) -> None:
    out = tmp_path / "w.html"
    assert main(["widget", "--scenario", "spawn_rate=2", "--out", str(out)]) == 0
    assert _config(out.read_text())["start"]["spawn_rate"] == 2.0
    assert main(["widget", "--scenario", "spawn_rat=2", "--out", str(out)]) == 2
    assert main(["widget", str(tmp_path / "no-study"), "--out", str(out)]) != 0


def test_study_payload_matches_the_stored_tables(study_dir: Path, study_page: Path) -> None:
    cfg = _config(study_page.read_text())
    st = cfg["study"]
    assert st == study_payload(study_dir)
    assert st["varied"] == {"capability_ratio": [0.75, 1.5], "entrenchment_weakening": [0.0, 1.0]}
    assert [s["name"] for s in cfg["sliders"]] == list(st["varied"])
    # the sliders land on every grid value, and start on a grid point
    for s in cfg["sliders"]:
        for v in st["grid"][s["name"]]:
            k = (v - s["min"]) / s["step"]
            assert abs(k - round(k)) < 1e-9, (s, v)
    assert {k: cfg["start"][k] for k in st["varied"]} in st["points"]
    estimates = pd.read_parquet(study_dir / "estimates.parquet")
    for pid in st["point_ids"]:
        rows = estimates[estimates["point"] == pid]
        got = st["estimates"][str(pid)]
        assert [r["estimate"] for r in got] == rows["estimate"].tolist()[: len(got)]
        assert [r["ci_low"] for r in got] == rows["ci_low"].tolist()[: len(got)]
    events = pd.read_parquet(study_dir / "events.parquet")
    for pid in st["point_ids"]:
        mine = events[(events["point"] == pid) & (events["replicate"] < LINEAGE_REPLICATES)]
        counts = mine.groupby("replicate").size().tolist()
        assert st["levels"][str(pid)] == counts
        drawn = sum(min(c, LINEAGE_LEVELS) for c in counts)
        assert sum(len(rep) for rep in st["lineages"][str(pid)]) == drawn


# --------------------------------------------------------------------------- parity (Node)


@needs_node
def test_generated_javascript_equals_python_on_a_grid(tmp_path: Path) -> None:
    """q_n and the law of N at 58 slider positions of the three hazard shapes."""
    points = [TakeoverScenario.from_mapping(p).to_mapping() for p in grid_points()]
    for point, got in zip(points, _node_results(widget_html(), points, tmp_path), strict=True):
        assert len(got["law"]) == LAW_TERMS
        _assert_law(point, got)
        if got["outcome"].startswith("undecided"):
            assert _undecided_ok(point), point


@needs_node
def test_generated_javascript_equals_python_verdicts(tmp_path: Path) -> None:
    """P(recur forever) and the classification where the exact classification is fast."""
    points = [TakeoverScenario.from_mapping(p).to_mapping() for p in POINTS]
    for point, got in zip(points, _node_results(widget_html(), points, tmp_path), strict=True):
        _assert_law(point, got)
        _assert_verdict(point, got)


@pytest.mark.slow
@needs_node
def test_generated_javascript_equals_python_verdicts_on_the_grid(tmp_path: Path) -> None:
    """The same over the whole grid (the exact classification takes about two minutes)."""
    points = [TakeoverScenario.from_mapping(p).to_mapping() for p in grid_points()]
    for point, got in zip(points, _node_results(widget_html(), points, tmp_path), strict=True):
        _assert_verdict(point, got)


@needs_node
def test_study_widget_equals_python_at_the_grid_points(study_page: Path, tmp_path: Path) -> None:
    cfg = _config(study_page.read_text())
    st = cfg["study"]
    points = [{**cfg["start"], **pt} for pt in st["points"]]
    for point, got in zip(
        points, _node_results(study_page.read_text(), points, tmp_path), strict=True
    ):
        _assert_law(point, got)
        _assert_verdict(point, got)


# --------------------------------------------------------------------------- in Chromium


def _set(tab, values: dict) -> None:
    if "hazard" in values:
        tab.select_option("#hazard", values["hazard"])
    for name, value in values.items():
        if tab.locator(f"#slider-{name}").count():
            tab.eval_on_selector(
                f"#slider-{name}",
                "(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }",
                str(value),
            )


def test_page_in_chromium_shows_the_python_numbers(browser, page: Path) -> None:
    tab = browser.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(page.as_uri())
    for point in POINTS[:6]:
        values = {**TakeoverScenario().to_mapping(), **point}
        _set(tab, values)
        want = _python_verdict(values)
        shown = float(tab.get_attribute("#recurrence", "data-value"))
        assert _recurrence_agrees(shown, want), (point, shown, want)
        assert tab.get_attribute("#classification", "data-value") == want["outcome"]
        q = json.loads(tab.get_attribute("#q", "data-value"))
        assert all(map(_close, q, _python_law(values)["q"]))
    # the lineage sampled in the page: spawn_rate 0 gives q_0 = 1, so every chain stops at 0
    _set(tab, {"spawn_rate": 0.0})
    assert json.loads(tab.get_attribute("#lineage", "data-levels")) == [0] * LINEAGE_REPLICATES
    _set(tab, {"hazard": "constant", "spawn_rate": 1.0})  # q_n = 0: every chain goes on
    assert (
        json.loads(tab.get_attribute("#lineage", "data-levels"))
        == [LINEAGE_LEVELS] * LINEAGE_REPLICATES
    )
    assert not errors
    _set(tab, {**TakeoverScenario().to_mapping(), "entrenchment_weakening": 1.0})
    tab.wait_for_timeout(300)
    FIGURES.mkdir(parents=True, exist_ok=True)
    tab.set_viewport_size({"width": 800, "height": 900})
    tab.screenshot(path=str(FIGURES / "widget.png"), full_page=True)
    tab.close()


def test_study_page_in_chromium_shows_the_stored_estimates(
    browser, study_page: Path, study_dir: Path
) -> None:
    cfg = _config(study_page.read_text())
    st = cfg["study"]
    estimates = pd.read_parquet(study_dir / "estimates.parquet")
    tab = browser.new_page(viewport={"width": 800, "height": 900})
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(study_page.as_uri())
    # off-grid slider positions (binary-exact, so the exact classification stays fast):
    # the page picks the nearest grid point as Python does
    positions = [(0.875, 1.0), (1.375, 0.25), (0.875, 0.75), (1.25, 0.5), (1.375, 1.0)]
    for gamma, w in positions:
        values = {"capability_ratio": gamma, "entrenchment_weakening": w}
        _set(tab, values)
        state = tab.evaluate("() => window.supercoherenceWidget.state")
        assert {k: state[k] for k in values} == values  # the sliders land on these values
        want = st["point_ids"][nearest_point(st, state)]
        assert tab.get_attribute("#mc", "data-point") == str(want)
        rows = tab.eval_on_selector_all(
            "#mc tr.mc-row", "rs => rs.map(r => [r.dataset.estimand, r.dataset.estimate])"
        )
        stored = estimates[estimates["point"] == want]
        assert [(e, float(v)) for e, v in rows] == list(
            zip(stored["estimand"], stored["estimate"], strict=True)
        )
        assert tab.get_attribute("#lineage", "data-source") == "study"
        assert json.loads(tab.get_attribute("#lineage", "data-levels")) == st["levels"][str(want)]
        nodes = tab.locator("#lineage circle.lineage-node").count()
        assert nodes == sum(len(rep) for rep in st["lineages"][str(want)])
        # and the closed forms at the slider position are Python's (the exact
        # classification takes seconds where w is not whole: checked where it is)
        shown = tab.get_attribute("#classification", "data-value")
        if w != 1.0:
            continue
        if shown.startswith("undecided"):
            assert _undecided_ok(state), state
        else:
            assert shown == _python_verdict(state)["outcome"]
    assert not errors
    _set(tab, {"capability_ratio": 0.75, "entrenchment_weakening": 1.0})
    tab.wait_for_timeout(300)
    tab.screenshot(path=str(FIGURES / "widget_study.png"), full_page=True)
    tab.close()


def test_iframe_srcdoc_resize_message(browser, tmp_path: Path) -> None:
    """Embedded as LessWrong does (an iframe ``srcdoc``), the page posts its height."""
    snippet = tmp_path / "snippet.html"
    assert main(["widget", "--out", str(tmp_path / "w.html"), "--iframe", str(snippet)]) == 0
    host = tmp_path / "host.html"
    host.write_text(
        "<!DOCTYPE html><html><body><script>window.heights = [];"
        "window.addEventListener('message', (e) => { if (e.data && e.data.type === "
        "'iframe-widget-resize') window.heights.push(e.data.height); });</script>"
        + snippet.read_text(encoding="utf-8").replace("height:900px", "height:200px")
        + "</body></html>",
        encoding="utf-8",
    )
    tab = browser.new_page()
    tab.goto(host.as_uri())
    tab.wait_for_function("() => window.heights.length > 0", timeout=30_000)
    heights = tab.evaluate("() => window.heights")
    assert max(heights) > 600  # the whole widget, not the iframe's initial 200 px
    # the snippet's own listener resized the frame to the posted height
    frame = tab.locator("iframe.supercoherence-widget")
    tab.wait_for_function(
        "h => document.querySelector('iframe.supercoherence-widget').offsetHeight === h",
        arg=heights[-1],
        timeout=10_000,
    )
    assert frame.get_attribute("sandbox") == "allow-scripts"
    # the framed widget computes (scripts allowed, no same-origin): its verdict is shown
    inner = tab.frame_locator("iframe.supercoherence-widget").locator("#classification")
    assert (
        inner.get_attribute("data-value")
        == _python_verdict(TakeoverScenario().to_mapping())["outcome"]
    )
    tab.close()
