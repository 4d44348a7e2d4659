"""Issue 18: the exported maths renders where posts are written.

Markdown: raw TeX between dollars by default, rendered with markdown-it-py and the
dollar-math plugin of mdit-py-plugins (the LessWrong path: markdown-it hands the text
between the dollars to MathJax); the math text that reaches the TeX engine must be the
TeX the theorems hold.  LaTeX: compiled with pdflatex when it is installed (CI:
``apt-get install -y texlive-latex-base poppler-utils``), no overfull line, and the PDF's
text has no inverted ! or ? (text-mode < and > without T1 fonts).
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import sympy as sp
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from supercoherence.errors import ParameterError
from supercoherence.proofs import catalogue
from supercoherence.proofs.export import _split_math, to_latex, to_markdown


def _expected_math(theorem) -> list[str]:
    """The TeX of one theorem in document order, straight from the catalogue."""

    def inline(text: str) -> list[str]:
        return [piece for is_math, piece in _split_math(text) if is_math]

    out = [theorem.statement, *inline(theorem.plain)]
    if theorem.claim is not None:
        out.append(sp.latex(theorem.claim))
    out += list(theorem.assumptions)
    for step in theorem.steps:
        out += [*inline(step.justification), step.latex]
    out.append(r"\blacksquare")
    if theorem.monte_carlo is not None:
        out += inline(theorem.monte_carlo.description)
    return out


def _math_tokens(tokens) -> list[str]:
    found = []
    for token in tokens:
        if token.type in ("math_inline", "math_block"):
            found.append(token.content.strip())
        for child in token.children or ():
            if child.type == "math_inline":
                found.append(child.content.strip())
    return found


@pytest.mark.parametrize("name", ["dichotomy", "entrenchment", "contest-tie"])
def test_lesswrong_markdown_hands_the_tex_as_written_to_the_math_engine(name):
    theorem = catalogue[name]
    md = MarkdownIt("commonmark").use(dollarmath_plugin)
    tokens = md.parse(to_markdown([theorem]))
    assert _math_tokens(tokens) == [m.strip() for m in _expected_math(theorem)]
    # the default is the lesswrong flavour: no Markdown escapes inside math
    assert r"q\_n" not in to_markdown([theorem]) and r"\<" not in to_markdown([theorem])


def test_every_theorem_renders_through_dollar_math():
    md = MarkdownIt("commonmark").use(dollarmath_plugin)
    text = to_markdown(catalogue.values())
    found = _math_tokens(md.parse(text))
    expected = [m.strip() for t in catalogue.values() for m in _expected_math(t)]
    assert found == expected and len(found) > 100
    rendered = md.render(text)
    assert "\\_" not in "".join(re.findall(r'<span class="math inline">(.*?)</span>', rendered))


def test_github_flavour_uses_githubs_math_syntax():
    theorem = catalogue["dichotomy"]
    tokens = MarkdownIt("commonmark").parse(to_markdown([theorem], flavor="github"))
    fences = [t.content.strip() for t in tokens if t.type == "fence" and t.info == "math"]
    assert theorem.statement.strip() in fences
    assert len(fences) == 2 + len(theorem.steps)  # statement, formal statement, steps


def test_unknown_flavour_is_refused():
    with pytest.raises(ParameterError, match="flavor"):
        to_markdown([catalogue["contest-tie"]], flavor="mathjax")


@pytest.mark.skipif(
    shutil.which("pdflatex") is None or shutil.which("pdftotext") is None,
    reason="pdflatex/pdftotext not installed (apt-get install -y texlive-latex-base poppler-utils)",
)
def test_latex_compiles_without_overfull_lines_or_wrong_glyphs(tmp_path):
    theorems = list(catalogue.values())
    reports = [t.check(strict=False) for t in theorems]
    (tmp_path / "proofs.tex").write_text(to_latex(theorems, reports), encoding="utf-8")
    run = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "proofs.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    log = (tmp_path / "proofs.log").read_text(encoding="latin-1")
    assert run.returncode == 0, log[-3000:]
    assert "Overfull \\hbox" not in log, re.findall(r"Overfull \\hbox.*\n.*", log)[:5]
    text = subprocess.run(
        ["pdftotext", "proofs.pdf", "-"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    assert "¡" not in text and "¿" not in text
    assert "0 ≤ qn < 1" in text.replace("\n", " ") or "<" in text
