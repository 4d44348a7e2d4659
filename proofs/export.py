r"""The catalogue as a post-ready document: MathJax-compatible Markdown, or LaTeX.

Each theorem reads as a proof: title, statement (display math and plain words),
assumptions, the objects of :mod:`supercoherence.theory` it is about, the numbered
steps (claim, justification, and which engine verified it or what it cites), the
Monte Carlo confirmation when one was run, and references.

Markdown and MathJax
--------------------
Inline math is written ``$...$`` and display math ``$$...$$`` on a line of its own.
A CommonMark renderer would otherwise eat part of the LaTeX before MathJax sees it
(``\{`` is a Markdown escape for ``{``, ``a_1 ... b_1`` may become emphasis), so
inside math every character Markdown treats specially (``\`` before punctuation,
``_``, ``*``, ``[``, ``]``, ``<``, ``>``, ``&``, backtick, ``|``) is backslash-escaped:
the rendered HTML then carries the LaTeX exactly as written, for MathJax to typeset.

Examples
--------
>>> from supercoherence.proofs import catalogue
>>> text = to_markdown([catalogue["contest-tie"]])
>>> "**Proof.**" in text and "$$s(1) = \\frac{1}{2}$$" in text
True
>>> tex = to_latex([catalogue["contest-tie"]])
>>> tex.startswith("\\documentclass")
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from supercoherence.proofs.theorem import Theorem, TheoremReport

__all__ = ["escape_math_for_markdown", "markdown_theorem", "to_latex", "to_markdown"]

_MARKDOWN_SPECIAL = set("_*[]<>&`|")
_ENGINE_WORDS = {
    "sympy": "checked by sympy",
    "z3": "checked by z3",
    "cited": "cited, not machine-checked",
}


def escape_math_for_markdown(latex: str) -> str:
    r"""Escape LaTeX so that a CommonMark renderer passes it through unchanged.

    Parameters
    ----------
    latex : str
        The math, without ``$`` delimiters.

    Returns
    -------
    str

    Examples
    --------
    >>> escape_math_for_markdown(r"\{a_1, b^*\}")
    '\\\\{a\\_1, b^\\*\\\\}'
    """
    out = []
    for i, char in enumerate(latex):
        following = latex[i + 1] if i + 1 < len(latex) else ""
        if char == "\\" and following and not following.isalnum():
            out.append("\\\\")
        elif char in _MARKDOWN_SPECIAL:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def _split_math(text: str) -> list[tuple[bool, str]]:
    """``[(is_math, piece), ...]`` for text with ``$...$`` inline math."""
    pieces = re.split(r"(?<!\\)\$", text)
    return [(i % 2 == 1, piece) for i, piece in enumerate(pieces)]


def _md_text(text: str) -> str:
    """Markdown prose with its inline math escaped."""
    return "".join(
        f"${escape_math_for_markdown(piece)}$" if is_math else piece
        for is_math, piece in _split_math(text)
    )


def _md_display(latex: str) -> str:
    return f"$${escape_math_for_markdown(latex)}$$"


def _step_status(report: TheoremReport | None, index: int) -> str:
    if report is None:
        return ""
    outcome = report.steps[index].outcome
    if outcome.status == "failed":
        return f" **FAILED** ({outcome.engine}): `{outcome.detail}`"
    if outcome.status == "cited":
        return f" *Cited:* {_md_text(outcome.detail)}."
    return f" *{_ENGINE_WORDS[outcome.engine].capitalize()}:* `{outcome.detail}`."


def markdown_theorem(theorem: Theorem, number: int, report: TheoremReport | None = None) -> str:
    """One theorem as a Markdown section.

    Parameters
    ----------
    theorem : Theorem
    number : int
        Its number in the document.
    report : TheoremReport, optional
        The outcome of checking it; adds each step's verdict.

    Returns
    -------
    str

    Examples
    --------
    >>> from supercoherence.proofs import catalogue
    >>> print(markdown_theorem(catalogue["contest-symmetry"], 3).splitlines()[0])
    ## Theorem 3 (`contest-symmetry`). The contest is symmetric between the two sides
    """
    lines = [f"## Theorem {number} (`{theorem.name}`). {theorem.title}", ""]
    lines += ["**Statement.**", "", _md_display(theorem.statement), "", _md_text(theorem.plain), ""]
    lines += ["**Assumptions.**", ""]
    lines += [f"- ${escape_math_for_markdown(a)}$" for a in theorem.assumptions]
    lines.append("")
    if theorem.objects:
        lines += ["**About.** " + ", ".join(f"`{o}`" for o in theorem.objects), ""]
    lines += ["**Proof.**", ""]
    for i, step in enumerate(theorem.steps):
        lines += [
            f"{i + 1}. {_md_text(step.justification)}",
            "",
            f"   {_md_display(step.latex)}",
            "",
            f"   {_step_status(report, i).strip()}".rstrip(),
            "",
        ]
    lines += ["$\\blacksquare$", ""]
    mc = report.monte_carlo if report is not None else None
    if theorem.monte_carlo is not None:
        text = f"**Monte Carlo check.** {_md_text(theorem.monte_carlo.description)}"
        if mc is not None and mc.status != "unavailable":
            text += (
                f": estimate {mc.estimate:.5g} ± {mc.std_error:.2g} against the exact "
                f"{mc.exact:.5g} (z = {mc.z:.2f}, {mc.replicates} replicates, tolerance "
                f"{mc.tolerance:g} standard errors): **{mc.status}**."
            )
        else:
            text += " (run with `supercoherence proofs check --monte-carlo`)."
        lines += [text, ""]
    if theorem.references:
        lines += ["**References.**", ""]
        lines += [f"- {_md_text(r)}" for r in theorem.references]
        lines.append("")
    return "\n".join(lines)


def _summary_table(reports: Sequence[TheoremReport]) -> list[str]:
    lines = ["| theorem | steps | checked by | status |", "|---|---|---|---|"]
    for r in reports:
        engines = ", ".join(f"{k} {v}" for k, v in sorted(r.counts().items()))
        lines.append(f"| `{r.name}` | {len(r.steps)} | {engines} | {r.status} |")
    return lines + [""]


def to_markdown(theorems: Iterable[Theorem], reports: Sequence[TheoremReport] | None = None) -> str:
    """The theorems as one Markdown document (MathJax math).

    Parameters
    ----------
    theorems : iterable of Theorem
    reports : sequence of TheoremReport, optional
        Their check reports, in the same order; without them the steps carry no
        verdicts.

    Returns
    -------
    str

    Examples
    --------
    >>> from supercoherence.proofs import catalogue
    >>> to_markdown([catalogue["contest-tie"]]).splitlines()[0]
    '# Machine-checked theorems of supercoherence'
    """
    theorems = list(theorems)
    lines = [
        "# Machine-checked theorems of supercoherence",
        "",
        "Each step below is verified by sympy (identities, signs, limits, integrals, "
        "series and products with the convergence criterion named) or by z3 (real "
        "arithmetic: the negation of the claim is unsatisfiable). Steps marked *cited* "
        "are classical results that no engine here decides; they are not counted as "
        "checked.",
        "",
    ]
    if reports is not None:
        lines += _summary_table(reports)
    for number, theorem in enumerate(theorems, start=1):
        report = reports[number - 1] if reports is not None else None
        lines.append(markdown_theorem(theorem, number, report))
    return "\n".join(lines)


# --------------------------------------------------------------------------- LaTeX

_TEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "_": r"\_",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "{": r"\{",
    "}": r"\}",
    "^": r"\^{}",
    "~": r"\~{}",
    "$": r"\$",
}


def _tex_plain(text: str) -> str:
    out = "".join(_TEX_SPECIAL.get(ch, ch) for ch in text)
    out = re.sub(r"\*\*(.+?)\*\*", r"\\textbf{\1}", out)
    return re.sub(r"`(.+?)`", r"\\texttt{\1}", out)


def _tex_text(text: str) -> str:
    """Markdown prose with ``$...$`` math as LaTeX."""
    return "".join(
        f"${piece}$" if is_math else _tex_plain(piece) for is_math, piece in _split_math(text)
    )


def _tex_theorem(theorem: Theorem, report: TheoremReport | None) -> list[str]:
    lines = [
        rf"\section{{{_tex_text(theorem.title)}}}\label{{thm:{theorem.name}}}",
        rf"\begin{{theorem}}[\texttt{{{_tex_plain(theorem.name)}}}]",
        rf"\[ {theorem.statement} \]",
        _tex_text(theorem.plain),
        r"\end{theorem}",
        r"\paragraph{Assumptions.}",
        r"\begin{itemize}",
        *(rf"\item ${a}$" for a in theorem.assumptions),
        r"\end{itemize}",
    ]
    if theorem.objects:
        objects = ", ".join(rf"\texttt{{{_tex_plain(o)}}}" for o in theorem.objects)
        lines.append(rf"\paragraph{{About.}} {objects}.")
    lines += [r"\begin{proof}", r"\begin{enumerate}"]
    for i, step in enumerate(theorem.steps):
        lines += [rf"\item {_tex_text(step.justification)}", rf"\[ {step.latex} \]"]
        if report is not None:
            outcome = report.steps[i].outcome
            verdict = _ENGINE_WORDS[outcome.engine] if outcome.ok else "FAILED"
            lines.append(rf"\emph{{{verdict}:}} {_tex_text(outcome.detail)}.")
    lines += [r"\end{enumerate}", r"\end{proof}"]
    if theorem.monte_carlo is not None:
        description = _tex_text(theorem.monte_carlo.description)
        lines.append(rf"\paragraph{{Monte Carlo check.}} {description}.")
    if theorem.references:
        lines += [r"\paragraph{References.}", r"\begin{itemize}"]
        lines += [rf"\item {_tex_text(r)}" for r in theorem.references]
        lines.append(r"\end{itemize}")
    return lines


def to_latex(theorems: Iterable[Theorem], reports: Sequence[TheoremReport] | None = None) -> str:
    """The theorems as a standalone LaTeX document (amsmath, amsthm).

    Parameters are those of :func:`to_markdown`.

    Returns
    -------
    str

    Examples
    --------
    >>> from supercoherence.proofs import catalogue
    >>> r"\\begin{proof}" in to_latex([catalogue["contest-tie"]])
    True
    """
    lines = [
        r"\documentclass{article}",
        r"\usepackage{amsmath,amssymb,amsthm}",
        r"\newtheorem{theorem}{Theorem}",
        r"\title{Machine-checked theorems of supercoherence}",
        r"\begin{document}",
        r"\maketitle",
        "Each step is verified by sympy or z3; steps marked \\emph{cited} are classical "
        "results no engine here decides, and are not counted as checked.",
    ]
    theorems = list(theorems)
    for i, theorem in enumerate(theorems):
        lines += _tex_theorem(theorem, reports[i] if reports is not None else None)
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"
