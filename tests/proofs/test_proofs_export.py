"""The exported documents render their math and read as proofs."""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt

from supercoherence.proofs import catalogue
from supercoherence.proofs.export import escape_math_for_markdown, to_latex, to_markdown


@pytest.fixture(scope="module")
def reports():
    return catalogue.check()


@pytest.fixture(scope="module")
def markdown(reports):
    return to_markdown(catalogue.values(), reports)


def _math_spans(text: str) -> list[str]:
    """Display ($$...$$) and inline ($...$) math of rendered text, in order."""
    return re.findall(r"\$\$(.+?)\$\$|\$(.+?)\$", text, flags=re.S)


def _unescape_markdown_math(source_math: str) -> str:
    """What a CommonMark renderer shows for escaped math source."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", source_math)


def test_dollar_delimiters_are_balanced(markdown):
    for line in markdown.splitlines():
        unescaped = re.sub(r"\\\$", "", line)
        assert unescaped.count("$") % 2 == 0, line
        assert unescaped.count("$$") % 2 == 0, line


def test_math_survives_markdown_rendering_intact(reports):
    # The escaped flavour is for a plain CommonMark renderer + MathJax on the HTML (the
    # default, raw TeX for dollar-math renderers, is tested in test_proofs_export_render).
    markdown = to_markdown(catalogue.values(), reports, flavor="commonmark")
    rendered = MarkdownIt("commonmark").render(markdown)
    source_spans = _math_spans(markdown)
    rendered_spans = _math_spans(html.unescape(re.sub(r"<[^>]+>", "", rendered)))
    assert len(source_spans) == len(rendered_spans) > 100
    for (src_display, src_inline), (out_display, out_inline) in zip(
        source_spans, rendered_spans, strict=True
    ):
        assert bool(src_display) == bool(out_display)
        source = src_display or src_inline
        assert (out_display or out_inline) == _unescape_markdown_math(source)


def test_escaping_keeps_latex_exactly():
    latex = r"\{a_1 < b^*\} \\ c_{[k]} \, d & e"
    rendered = MarkdownIt("commonmark").render(f"${escape_math_for_markdown(latex)}$")
    assert html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip() == f"${latex}$"


def test_markdown_reads_as_a_proof(markdown):
    sections = markdown.split("\n## Theorem ")[1:]
    assert len(sections) == len(catalogue)
    for section in sections:
        for heading in ("**Statement.**", "**Assumptions.**", "**Proof.**", "$\\blacksquare$"):
            assert heading in section
        proof = section.split("**Proof.**")[1]
        numbers = [int(n) for n in re.findall(r"^(\d+)\. ", proof, flags=re.M)]
        assert numbers == list(range(1, len(numbers) + 1)) and numbers
        assert re.search(r"\*(Checked by (sympy|z3)|Cited):\*", proof)


def test_markdown_renders_numbered_steps_as_ordered_lists(markdown):
    tokens = MarkdownIt("commonmark").parse(markdown)
    ordered = [t for t in tokens if t.type == "ordered_list_open"]
    assert len(ordered) == len(catalogue)


def test_latex_document_is_balanced(reports):
    tex = to_latex(catalogue.values(), reports)
    assert tex.startswith(r"\documentclass") and tex.rstrip().endswith(r"\end{document}")
    for env in ("theorem", "proof", "enumerate", "itemize"):
        assert tex.count(rf"\begin{{{env}}}") == tex.count(rf"\end{{{env}}}") > 0
    assert tex.count(r"\[") == tex.count(r"\]")
    for line in tex.splitlines():
        assert re.sub(r"\\\$", "", line).count("$") % 2 == 0, line
