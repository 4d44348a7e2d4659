r"""A self-contained interactive HTML widget of the takeover recursion, for posts.

:func:`write_widget` writes ONE HTML file with everything inlined (styles, script, data):
no URL is loaded, so the file works offline, in an ``<iframe srcdoc>`` (LessWrong's editor)
and on any static site.  Sliders move the scenario parameters; the page evaluates

- :math:`q_n` (never-overthrown probability of the :math:`n`-th dominant optimizer), from
  JavaScript *generated* by ``sympy.printing.jscode`` from the exact expression
  (:func:`q_expression`: the same :math:`h_n`, :math:`\delta_n` and hazard shapes as
  :meth:`~supercoherence.theory.scenario.TakeoverScenario.q_expr`, with the parameters left
  as symbols), so the page and the Python layer compute one function;
- the law of :math:`N`: :math:`P(N \ge n) = \prod_{k<n}(1 - q_k)`,
  :math:`P(N = n) = q_n P(N \ge n)`;
- :math:`P(\text{recur forever}) = \prod_{k \ge 0}(1 - q_k)`, an infinite product: the page
  multiplies partial products (as a sum of ``log1p(-q_k)``) until the terms no longer change
  the sum at the stated tolerance (:data:`JS_TOLERANCE`: :math:`q_k <` tolerance for
  :data:`JS_TAIL_RUN` consecutive terms with :math:`q` decreasing, and no probe at
  :math:`2k, 4k, \dots` back above it), the product underflows (reported as 0), the
  terms rise for :data:`JS_TAIL_RUN` consecutive terms (this family's :math:`q_n` is then
  monotone, does not tend to 0, and the product is 0 by the term test) or
  :data:`JS_MAX_TERMS` factors are used (reported as not converged);
- the classification (the dichotomy of :mod:`~supercoherence.theory.recursion`) from that
  product: 0 -> supercoherence almost surely, 1 with every :math:`q_n = 0` -> recursion
  forever almost surely, otherwise recursion forever with positive probability;
- a phase diagram of :math:`P(\text{recur forever})` over two of the parameters, with the
  boundary where it becomes positive;
- from a stored study (``STUDY_DIR``): the Monte Carlo estimates with their intervals at the
  grid point nearest to the sliders.

Every number shown carries its full double value in a ``data-value`` attribute, which the
browser tests read (``tests/app/``).  The page posts ``{type: 'iframe-widget-resize',
height}`` to its parent whenever its height changes (LessWrong's iframe widgets).

Examples
--------
>>> sorted(str(x) for x in q_expression("power").free_symbols)[:3]
['alignment_skill', 'capability_ratio', 'detection']
>>> html = widget_html(scenario={"hazard": "entrenchment"})
>>> html.startswith("<!DOCTYPE html>"), "http://" in html or "https://" in html
(True, False)
"""

from __future__ import annotations

import html as html_lib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp
from sympy.printing.jscode import jscode

from supercoherence.errors import ParameterError, StudyFileError
from supercoherence.theory.contest import success
from supercoherence.theory.scenario import HAZARD_SHAPES, TakeoverScenario

__all__ = [
    "JS_MAX_TERMS",
    "JS_TAIL_RUN",
    "JS_TOLERANCE",
    "SLIDER_RANGES",
    "check_expression",
    "javascript_functions",
    "q_expression",
    "study_payload",
    "widget_html",
    "write_widget",
]

#: Terms ``q_k`` below this (for :data:`JS_TAIL_RUN` consecutive, decreasing ``k``) end
#: the page's partial product: the neglected tail changes ``log P`` by about that much.
JS_TOLERANCE = 1e-17
#: Consecutive small, decreasing terms required before the product is declared converged.
JS_TAIL_RUN = 64
#: Largest number of factors the page multiplies before reporting "not converged".
JS_MAX_TERMS = 200_000

#: Default slider ranges (min, max, step) of the continuous scenario parameters.
SLIDER_RANGES: dict[str, tuple[float, float, float]] = {
    "spawn_rate": (0.0, 5.0, 0.05),
    "alignment_skill": (0.0, 1.0, 0.01),
    "detection": (0.0, 1.0, 0.01),
    "capability_ratio": (0.5, 3.0, 0.05),
    "sharpness": (0.1, 5.0, 0.05),
    "entrenchment": (0.05, 5.0, 0.05),
    "power": (0.1, 5.0, 0.05),
    "entrenchment_weakening": (0.0, 2.0, 0.05),
    "detection_scaling": (0.0, 2.0, 0.05),
}

_LABELS = {
    "spawn_rate": "spawn rate λ",
    "alignment_skill": "alignment skill a",
    "detection": "detection d",
    "capability_ratio": "capability ratio γ",
    "sharpness": "sharpness r",
    "entrenchment": "entrenchment δ",
    "power": "power β",
    "entrenchment_weakening": "entrenchment weakening w",
    "detection_scaling": "detection scaling κ",
}

_N = sp.Symbol("n", integer=True, nonnegative=True)


_POSITIVE = ("capability_ratio", "sharpness", "entrenchment", "power")


def _symbols() -> dict[str, sp.Symbol]:
    # Nonnegative, not positive, where 0 is allowed: Eq(kappa, 0) must stay undecided.
    return {
        name: sp.Symbol(name, positive=True)
        if name in _POSITIVE
        else sp.Symbol(name, nonnegative=True)
        for name in SLIDER_RANGES
    }


def q_expression(hazard: str) -> sp.Expr:
    r"""Exact :math:`q_n` of a hazard shape with every continuous parameter a symbol.

    The same formulas as :meth:`TakeoverScenario.q_expr`:
    :math:`h_n = \lambda (1 - a)(1 - d)\, s(\gamma)\, e^{-\kappa(\gamma^n - 1)}`,
    :math:`s(\gamma) = \gamma^r / (1 + \gamma^r)`; ``entrenchment``:
    :math:`q_n = e^{-h_n (1 + n)^w / \delta}`; ``power``: :math:`e^{-h_n/(\beta - 1)}` if
    :math:`\beta > 1`, else 0; ``constant``: 1 if :math:`h_n = 0`, else 0.  The symbols are
    named by the scenario's field names (so the generated JavaScript reads them by name)
    and ``n``.

    Parameters
    ----------
    hazard : {"constant", "entrenchment", "power"}

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ParameterError
        For an unknown hazard shape.

    Examples
    --------
    >>> q_expression("entrenchment").free_symbols >= {sp.Symbol("n", integer=True,
    ...                                                nonnegative=True)}
    True
    >>> q_expression("constant")
    Piecewise((1, Eq(spawn_rate*(1 - alignment_skill)*(1 - detection), 0)), (0, True))
    """
    if hazard not in HAZARD_SHAPES:
        raise ParameterError("hazard", hazard, ", ".join(HAZARD_SHAPES))
    s = _symbols()
    lam, a, d = s["spawn_rate"], s["alignment_skill"], s["detection"]
    g, r, kappa = s["capability_ratio"], s["sharpness"], s["detection_scaling"]
    # Positive symbols make sympy drop the factor 1 - a etc. only where provable: it never is.
    # exp(-kappa (gamma^n - 1)) is 1 at kappa = 0 even where gamma^n overflows a double.
    escape = sp.Piecewise((1, sp.Eq(kappa, 0)), (sp.exp(-kappa * (g**_N - 1)), True))
    h = lam * (1 - a) * (1 - d) * success(g, r) * escape
    if hazard == "constant":
        # h_n = 0 iff lambda (1 - a)(1 - d) = 0 (the other factors are positive).
        return sp.Piecewise((1, sp.Eq(lam * (1 - a) * (1 - d), 0)), (0, True))
    if hazard == "entrenchment":
        delta_n = s["entrenchment"] / (1 + _N) ** s["entrenchment_weakening"]
        return sp.exp(-h / delta_n)
    beta = s["power"]
    return sp.Piecewise((sp.exp(-h / (beta - 1)), beta > 1), (0, True))


def check_expression(scenario: TakeoverScenario, n: Sequence[int] = range(8)) -> float:
    r"""Largest relative difference between :func:`q_expression` and ``scenario.q(n)``.

    The generator calls it at the widget's starting point: the expression the JavaScript is
    printed from must be the theory layer's :math:`q_n`.

    Examples
    --------
    >>> check_expression(TakeoverScenario(entrenchment_weakening=1, capability_ratio=2,
    ...                                   detection_scaling=0.3)) < 1e-13
    True
    """
    symbols = _symbols()
    values = {symbols[k]: v for k, v in scenario.to_mapping().items() if k in symbols}
    expr = q_expression(scenario.hazard).subs(values)
    mine = np.array([float(expr.subs(_N, k)) for k in n])
    theirs = np.asarray(scenario.q(np.asarray(list(n))), dtype=float)
    scale = np.maximum(np.abs(theirs), np.finfo(float).tiny)
    return float(np.max(np.abs(mine - theirs) / scale))


def javascript_functions() -> str:
    """JavaScript source of ``Q[hazard](p, n)`` for every hazard shape, from sympy's printer.

    ``p`` is an object with the scenario's continuous fields; ``n`` the level.

    Examples
    --------
    >>> src = javascript_functions()
    >>> "Math.exp" in src and "entrenchment" in src
    True
    """
    lines = ["const Q = {};"]
    names = list(SLIDER_RANGES)
    for hazard in HAZARD_SHAPES:
        body = jscode(q_expression(hazard))
        lines.append(
            f"Q[{json.dumps(hazard)}] = function (p, n) {{\n"
            f"  const {{{', '.join(names)}}} = p;\n"
            f"  return {body};\n}};"
        )
    return "\n".join(lines)


def _floats(values: Any) -> list[float]:
    return [float(v) for v in values]


def study_payload(study_dir: str | Path) -> dict[str, Any]:
    """The points, the varied parameters and the Monte Carlo estimates of a stored study.

    Reads ``points.parquet`` and, when present, ``estimates.parquet`` (rows with
    ``estimate`` and, if stored, ``ci_low``/``ci_high``) of a study folder.

    Returns
    -------
    dict
        ``{"name", "fixed": {param: value}, "varied": {param: [min, max]},
        "points": [{param: value}], "estimates": {point: [{"estimand", "estimate",
        "ci_low", "ci_high", ...}]}}``.

    Raises
    ------
    StudyFileError
        If the folder has no ``points.parquet``.
    """
    import pandas as pd

    folder = Path(study_dir)
    path = folder / "points.parquet"
    if not path.exists():
        raise StudyFileError(path, "", "no points.parquet: run `supercoherence study run` first")
    points = pd.read_parquet(path)
    names = TakeoverScenario.parameter_names()
    fixed: dict[str, Any] = {}
    varied: dict[str, list[float]] = {}
    for name in names:
        if name not in points.columns:
            continue
        distinct = points[name].dropna().unique()
        if len(distinct) == 1:
            value = distinct[0]
            fixed[name] = value.item() if hasattr(value, "item") else value
        elif name in SLIDER_RANGES:
            varied[name] = [float(np.min(distinct)), float(np.max(distinct))]
    index = points["point"] if "point" in points.columns else points.index
    rows = []
    for _, row in points.iterrows():
        rows.append({k: float(row[k]) for k in varied})
    estimates: dict[str, list[dict[str, Any]]] = {}
    path = folder / "estimates.parquet"
    if path.exists():
        table = pd.read_parquet(path)
        keep = [
            c
            for c in ("estimand", "time", "n", "estimate", "ci_low", "ci_high", "replicates")
            if c in table.columns
        ]
        if "point" in table.columns and "estimate" in table.columns:
            for point, group in table.groupby("point"):
                records = group[keep].head(12).to_dict("records")
                estimates[str(int(point))] = [
                    {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
                    for r in records
                ]
    return {
        "name": folder.name,
        "fixed": fixed,
        "varied": varied,
        "points": rows,
        "point_ids": [int(i) for i in index],
        "estimates": estimates,
    }


def _start(scenario: Mapping[str, Any] | None, study: dict[str, Any] | None) -> dict[str, Any]:
    names = TakeoverScenario.parameter_names()
    values = {k: v for k, v in (study["fixed"] if study else {}).items() if k in names}
    values.update(scenario or {})  # unknown keys typed by the user are refused below
    if study:
        for name, (lo, hi) in study["varied"].items():
            values.setdefault(name, (lo + hi) / 2)
    return TakeoverScenario.from_mapping(values).to_mapping()


def _sliders(start: Mapping[str, Any], study: dict[str, Any] | None) -> list[dict[str, Any]]:
    out = []
    names = list(study["varied"]) if study and study["varied"] else list(SLIDER_RANGES)
    for name in names:
        lo, hi, step = SLIDER_RANGES[name]
        if study and name in study["varied"]:
            lo, hi = study["varied"][name]
            step = (hi - lo) / 100 if hi > lo else step
        value = float(start[name])
        lo, hi = min(lo, value), max(hi, value)
        out.append(
            {
                "name": name,
                "label": _LABELS[name],
                "min": lo,
                "max": hi,
                "step": step,
                "value": value,
            }
        )
    return out


def _phase_axes(study: dict[str, Any] | None) -> list[str]:
    """The phase diagram's axes: a study's first two varied parameters, else gamma x kappa."""
    if study and len(study["varied"]) >= 2:
        return list(study["varied"])[:2]
    return ["capability_ratio", "detection_scaling"]


def widget_html(
    *,
    scenario: Mapping[str, Any] | None = None,
    study_dir: str | Path | None = None,
    title: str = "Coherence or takeovers forever?",
) -> str:
    """The widget as one HTML string (see the module docstring).

    Parameters
    ----------
    scenario : mapping, optional
        Study-file parameter names -> starting values (the rest take the defaults, or the
        study's fixed values).
    study_dir : path, optional
        A stored study folder: sliders over its varied parameters, its Monte Carlo
        estimates at the nearest grid point.
    title : str
        Heading of the page.

    Returns
    -------
    str

    Raises
    ------
    ParameterError
        For an unknown or out-of-range scenario parameter.
    ExpressionError
        If the printed expression disagrees with the theory layer at the starting point.
    """
    study = study_payload(study_dir) if study_dir is not None else None
    start = _start(scenario, study)
    error = check_expression(TakeoverScenario.from_mapping(start))
    if not error < 1e-12:
        from supercoherence.errors import ExpressionError

        raise ExpressionError(f"generated q_n differs from TakeoverScenario.q by {error:g}")
    config = {
        "start": start,
        "sliders": _sliders(start, study),
        "hazards": list(HAZARD_SHAPES),
        "study": study,
        "tolerance": JS_TOLERANCE,
        "tailRun": JS_TAIL_RUN,
        "maxTerms": JS_MAX_TERMS,
        "lawTerms": 40,
        "phase": _phase_axes(study),
    }
    data = json.dumps(config, allow_nan=False).replace("</", "<\\/")
    page = _TEMPLATE.replace("__TITLE__", html_lib.escape(title))
    page = page.replace("__CSS__", _CSS).replace("__DATA__", data)
    core = _CORE.replace("__Q__", javascript_functions())
    return page.replace("__CORE__", core).replace("__JS__", _JS)


def write_widget(
    out: str | Path,
    *,
    scenario: Mapping[str, Any] | None = None,
    study_dir: str | Path | None = None,
) -> Path:
    """Write :func:`widget_html` to ``out`` (UTF-8) and return its path.

    Examples
    --------
    >>> import tempfile
    >>> path = write_widget(Path(tempfile.mkdtemp()) / "w.html", scenario={"spawn_rate": 2})
    >>> path.stat().st_size < 1_000_000
    True
    """
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(widget_html(scenario=scenario, study_dir=study_dir), encoding="utf-8")
    return path


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>__CSS__</style></head>
<body><main id="widget">
<h2>__TITLE__</h2>
<p class="lead">Each dominant optimizer is never overthrown with probability
<i>q<sub>n</sub></i>; takeovers recur forever with probability
&prod;<sub>n&ge;0</sub>(1 &minus; <i>q<sub>n</sub></i>).</p>
<div class="grid">
<section id="controls"><label>hazard <select id="hazard"></select></label>
<div id="sliders"></div></section>
<section id="results">
<div class="verdict" id="classification" data-value=""></div>
<table class="numbers"><tbody>
<tr><th>P(recur forever)</th><td id="recurrence" data-value=""></td></tr>
<tr><th>P(supercoherence)</th><td id="supercoherence" data-value=""></td></tr>
<tr><th><i>q</i><sub>0</sub>, <i>q</i><sub>1</sub>, <i>q</i><sub>2</sub></th>
<td id="q" data-value=""></td></tr>
<tr><th>terms used</th><td id="terms" data-value=""></td></tr>
</tbody></table>
<div id="mc"></div>
</section></div>
<div class="grid">
<figure><svg id="law" viewBox="0 0 420 220" role="img"></svg>
<figcaption>Law of N: P(N = n) (bars) and P(N &ge; n) (line)</figcaption></figure>
<figure><canvas id="phase" width="220" height="220"></canvas>
<figcaption id="phase-caption">Phase diagram</figcaption></figure>
</div>
<p class="note">Closed forms evaluated in this page from JavaScript generated by sympy;
infinite products to tolerance <span id="tol"></span> per term. Self-contained: no network.</p>
</main>
<script type="application/json" id="config">__DATA__</script>
<script id="core">
"use strict";
__CORE__
</script>
<script>
"use strict";
__JS__
</script></body></html>
"""

_CORE = r"""
function makeCore(CFG) {
__Q__
const OUT = {
  SUP: "supercoherence almost surely",
  POS: "recursion forever with positive probability",
  REC: "recursion forever almost surely",
  UND: "undecided (product not converged)"
};

function riseLater(q, k) {
  // Probe q at 2k, 4k, ... up to maxTerms: a tail that rises again (q_n -> 1 when
  // capability escalates and detection scales) is not converged.
  for (let j = 2 * (k + 1); j < CFG.maxTerms; j *= 2) if (!(q(j) < CFG.tolerance)) return true;
  return false;
}

function evaluate(p) {
  // The law of N and the infinite product prod (1 - q_k), to the stated tolerance.
  const q = (k) => Q[p.hazard](p, k);
  const law = [], survival = [1];
  let logS = 0, run = 0, up = 0, allZero = true, prev = Infinity, k = 0, status = "converged";
  for (k = 0; k < CFG.maxTerms; k++) {
    const qk = q(k);
    if (k < CFG.lawTerms) law.push(qk * Math.exp(logS));
    if (qk !== 0) allZero = false;
    if (qk >= 1) { logS = -Infinity; status = "q_k = 1"; k++; break; }
    logS += Math.log1p(-qk);
    if (k + 1 <= CFG.lawTerms) survival.push(Math.exp(logS));
    if (logS < -745.2) { logS = -Infinity; status = "underflow"; k++; break; }
    run = (qk < CFG.tolerance && qk <= prev) ? run + 1 : 0;
    up = (qk > 0 && qk >= prev) ? up + 1 : 0;
    prev = qk;
    if (run >= CFG.tailRun && k + 1 >= CFG.lawTerms && !riseLater(q, k)) { k++; break; }
    if (up >= CFG.tailRun && k + 1 >= CFG.lawTerms) {
      // q_n of this family is monotone once it has risen for tailRun terms: the terms do
      // not tend to 0, so sum q_n diverges and the product is 0 (term test).
      logS = -Infinity; status = "terms do not decrease"; k++; break;
    }
  }
  if (k >= CFG.maxTerms) status = "not converged";
  while (law.length < CFG.lawTerms) {
    const j = law.length;
    law.push(logS === -Infinity && survival.length <= j ? 0 : q(j) * (survival[j] ?? 0));
    if (survival.length <= j + 1) survival.push(survival[survival.length - 1] * (1 - q(j)));
  }
  const value = Math.exp(logS);
  let outcome;
  if (status === "not converged") outcome = OUT.UND;
  else if (value === 0) outcome = OUT.SUP;
  else if (allZero) outcome = OUT.REC;
  else outcome = OUT.POS;
  return {recurrence: value, supercoherence: 1 - value, outcome: outcome, terms: k,
          status: status, q: [q(0), q(1), q(2)], law: law, survival: survival};
}

return {Q: Q, evaluate: evaluate, OUT: OUT};
}
"""

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;
background:#fff}
#widget{max-width:760px;margin:0 auto;padding:12px}
h2{font-size:1.2em;margin:0 0 4px}.lead,.note{font-size:.85em;color:#555;margin:4px 0}
.grid{display:flex;flex-wrap:wrap;gap:12px}.grid>*{flex:1 1 300px;margin:0}
#sliders label,#controls>label{display:block;font-size:.85em;margin:4px 0}
#sliders input{width:100%}.val{float:right;font-variant-numeric:tabular-nums}
.verdict{font-weight:600;padding:6px 8px;border-radius:4px;margin:6px 0;background:#eef}
.verdict.sup{background:#e3f4e1}.verdict.pos{background:#fff2d6}.verdict.rec{background:#fbe0e0}
.numbers{border-collapse:collapse;font-size:.9em;width:100%}
.numbers th{text-align:left;font-weight:normal;color:#444;padding:2px 6px 2px 0}
.numbers td{font-variant-numeric:tabular-nums;text-align:right}
figcaption{font-size:.8em;color:#555}canvas,svg{max-width:100%;height:auto}
#mc{font-size:.85em;margin-top:6px}#mc table{border-collapse:collapse}
#mc td,#mc th{padding:1px 6px;text-align:right}
"""

_JS = r"""
const CFG = JSON.parse(document.getElementById("config").textContent);
const {evaluate, OUT} = makeCore(CFG);
const state = Object.assign({}, CFG.start);
function fmt(x) {
  if (!isFinite(x)) return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  return (a < 1e-4 || a >= 1e5) ? x.toExponential(4) : String(Number(x.toPrecision(6)));
}
function show(id, value, text) {
  const el = document.getElementById(id);
  el.dataset.value = Array.isArray(value) ? JSON.stringify(value) : String(value);
  el.textContent = text ?? fmt(value);
}

function buildControls() {
  const sel = document.getElementById("hazard");
  for (const h of CFG.hazards) {
    const o = document.createElement("option"); o.value = h; o.textContent = h;
    if (h === state.hazard) o.selected = true; sel.appendChild(o);
  }
  sel.addEventListener("change", () => { state.hazard = sel.value; update(true); });
  const box = document.getElementById("sliders");
  for (const s of CFG.sliders) {
    const lab = document.createElement("label");
    const val = document.createElement("span"); val.className = "val";
    val.id = "val-" + s.name;
    const inp = document.createElement("input");
    Object.assign(inp, {type: "range", min: s.min, max: s.max, step: s.step, value: s.value,
                        id: "slider-" + s.name, name: s.name});
    lab.append(s.label + " ", val, inp); box.appendChild(lab);
    val.textContent = fmt(s.value);
    inp.addEventListener("input", () => {
      state[s.name] = parseFloat(inp.value); val.textContent = fmt(state[s.name]);
      update(false);
    });
  }
  document.getElementById("tol").textContent = CFG.tolerance.toExponential(0);
}

function drawLaw(r) {
  const svg = document.getElementById("law"), W = 420, H = 220, L = 36, B = 24;
  const n = r.law.length, bw = (W - L - 8) / n;
  let s = `<line x1="${L}" y1="${H - B}" x2="${W - 4}" y2="${H - B}" stroke="#888"/>` +
          `<line x1="${L}" y1="8" x2="${L}" y2="${H - B}" stroke="#888"/>` +
          `<text x="4" y="14" font-size="10">1</text><text x="4" y="${H - B}" font-size="10">0</text>`;
  const y = (v) => (H - B) - v * (H - B - 8);
  r.law.forEach((v, i) => {
    s += `<rect x="${L + i * bw + 1}" y="${y(v)}" width="${Math.max(bw - 2, 1)}" ` +
         `height="${(H - B) - y(v)}" fill="#4c72b0"><title>P(N=${i}) = ${fmt(v)}</title></rect>`;
  });
  const pts = r.survival.slice(0, n).map((v, i) => `${L + (i + 0.5) * bw},${y(v)}`).join(" ");
  s += `<polyline points="${pts}" fill="none" stroke="#dd8452" stroke-width="2"/>`;
  for (let i = 0; i < n; i += 5) {
    s += `<text x="${L + (i + 0.5) * bw}" y="${H - 8}" font-size="10" text-anchor="middle">${i}</text>`;
  }
  s += `<text x="${W - 4}" y="${H - 8}" font-size="10" text-anchor="end">n</text>`;
  svg.innerHTML = s;
}

function drawPhase() {
  const c = document.getElementById("phase"), ctx = c.getContext("2d");
  const G = 44, W = c.width, H = c.height;
  const sl = CFG.phase.map((name) => CFG.sliders.find((s) => s.name === name));
  if (sl.length < 2 || !sl[0] || !sl[1]) return;
  const sx = sl[0], sy = sl[1], cell = W / G, grid = [];
  for (let i = 0; i < G; i++) {
    grid.push([]);
    for (let j = 0; j < G; j++) {
      const p = Object.assign({}, state);
      p[sx.name] = sx.min + (sx.max - sx.min) * (i + 0.5) / G;
      p[sy.name] = sy.min + (sy.max - sy.min) * (j + 0.5) / G;
      const v = evaluate(Object.assign(p, {})).recurrence;
      grid[i].push(v);
      const t = Math.min(1, Math.max(0, v));
      ctx.fillStyle = v === 0 ? "#e3f4e1" : `rgb(${255 - 80 * t},${220 - 150 * t},${180 - 120 * t})`;
      ctx.fillRect(i * cell, H - (j + 1) * cell, cell + 1, cell + 1);
    }
  }
  ctx.strokeStyle = "#000"; ctx.lineWidth = 1.5; ctx.beginPath();
  for (let i = 0; i < G; i++) for (let j = 0; j < G; j++) {
    const z = grid[i][j] > 0;
    if (i + 1 < G && z !== (grid[i + 1][j] > 0)) {
      ctx.moveTo((i + 1) * cell, H - j * cell); ctx.lineTo((i + 1) * cell, H - (j + 1) * cell);
    }
    if (j + 1 < G && z !== (grid[i][j + 1] > 0)) {
      ctx.moveTo(i * cell, H - (j + 1) * cell); ctx.lineTo((i + 1) * cell, H - (j + 1) * cell);
    }
  }
  ctx.stroke();
  const px = (state[sx.name] - sx.min) / (sx.max - sx.min) * W;
  const py = H - (state[sy.name] - sy.min) / (sy.max - sy.min) * H;
  ctx.fillStyle = "#000"; ctx.beginPath(); ctx.arc(px, py, 4, 0, 2 * Math.PI); ctx.fill();
  document.getElementById("phase-caption").textContent =
    `P(recur forever) over ${sx.label} (x, ${fmt(sx.min)}..${fmt(sx.max)}) and ${sy.label} ` +
    `(y, ${fmt(sy.min)}..${fmt(sy.max)}); green: 0; black line: the boundary; dot: sliders`;
}

function nearestPoint() {
  const st = CFG.study;
  if (!st || !st.points.length) return null;
  let best = -1, bestD = Infinity;
  st.points.forEach((pt, i) => {
    let d = 0;
    for (const [name, [lo, hi]] of Object.entries(st.varied)) {
      const span = hi > lo ? hi - lo : 1;
      d += ((pt[name] - state[name]) / span) ** 2;
    }
    if (d < bestD) { bestD = d; best = i; }
  });
  return best;
}

function drawStudy() {
  const box = document.getElementById("mc"), i = nearestPoint();
  if (i === null) { box.textContent = ""; return; }
  const st = CFG.study, id = st.point_ids[i], rows = st.estimates[String(id)] || [];
  const where = Object.entries(st.points[i]).map(([k, v]) => `${k} = ${fmt(v)}`).join(", ");
  let s = `<b>Monte Carlo (${st.name}), nearest grid point ${id}</b>: ${where}`;
  if (rows.length) {
    s += "<table><tr><th>estimand</th><th>estimate</th><th>95% interval</th></tr>";
    for (const r of rows) {
      const label = [r.estimand, r.time != null ? "t=" + r.time : "", r.n != null ? "n=" + r.n : ""]
        .filter(Boolean).join(" ");
      const ci = r.ci_low != null ? `[${fmt(r.ci_low)}, ${fmt(r.ci_high)}]` : "";
      s += `<tr><td>${label}</td><td>${fmt(r.estimate)}</td><td>${ci}</td></tr>`;
    }
    s += "</table>";
  }
  box.innerHTML = s;
  box.dataset.point = String(id);
}

let phaseTimer = null;
function update(now) {
  const r = evaluate(state);
  const cls = document.getElementById("classification");
  cls.className = "verdict " + (r.outcome === OUT.SUP ? "sup" : r.outcome === OUT.REC ? "rec" : "pos");
  show("classification", r.outcome, r.outcome);
  show("recurrence", r.recurrence); show("supercoherence", r.supercoherence);
  show("q", r.q, r.q.map(fmt).join(", "));
  show("terms", r.terms, `${r.terms} (${r.status})`);
  drawLaw(r); drawStudy();
  clearTimeout(phaseTimer);
  if (now) drawPhase(); else phaseTimer = setTimeout(drawPhase, 60);
  window.widgetResult = r;
  resize();
}

function resize() {
  const height = document.documentElement.scrollHeight;
  if (window.parent !== window) {
    window.parent.postMessage({type: "iframe-widget-resize", height: height}, "*");
  }
}

window.supercoherenceWidget = {evaluate: evaluate, state: state, update: update};
buildControls();
update(true);
if (window.ResizeObserver) new ResizeObserver(resize).observe(document.body);
"""
