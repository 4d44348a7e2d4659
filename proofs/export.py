r"""The catalogue as a post-ready document: Markdown with TeX maths, or LaTeX.

Each theorem reads as a proof: title, statement (display math and plain words),
assumptions, the objects of :mod:`supercoherence.theory` it is about, the numbered
steps (claim, justification, and which engine verified it or what it cites; for a
step proved in Coq, the ``.v`` file and its theorems), the
Monte Carlo confirmation when one was run, and references.

Markdown flavours
-----------------
One convention by default: raw TeX between ``$...$`` (inline) and ``$$...$$`` (display,
on a line of its own), exactly as written.  That is what a Markdown renderer with a
dollar-math rule reads (LessWrong and the Alignment Forum: markdown-it with a rule that
hands the text between the dollars to MathJax; Jupyter, Obsidian, Quarto, pandoc,
mdit-py-plugins' ``dollarmath``).  Where a site differs, :data:`FLAVORS`:

``lesswrong`` (default)
    raw TeX in ``$...$`` / ``$$...$$``;
``github``
    GitHub's own math syntax, which no Markdown rule touches: inline ``$`...`$``,
    display in a fenced ``math`` block;
``commonmark``
    for a plain CommonMark renderer followed by MathJax on the HTML (no dollar-math
    rule): inside math every character Markdown treats specially is backslash-escaped
    (:func:`escape_math_for_markdown`) so the HTML carries the TeX as written.  Do not
    paste this flavour into a dollar-math renderer: it would show the escapes.

The LaTeX document (:func:`to_latex`) loads ``fontenc`` T1 and Latin Modern, writes
``<`` and ``>`` of prose in math mode, scales a display wider than the line down to the
line (``\resizebox``), sets file paths with ``\path`` and lets code break after
``.``, ``/``, ``_`` and ``=``, so it compiles with pdflatex (Debian's
``texlive-latex-base``) without overfull lines.

Examples
--------
>>> from supercoherence.proofs import catalogue
>>> text = to_markdown([catalogue["contest-tie"]])
>>> "**Proof.**" in text and "$$s(1) = \\frac{1}{2}$$" in text
True
>>> "```math" in to_markdown([catalogue["contest-tie"]], flavor="github")
True
>>> tex = to_latex([catalogue["contest-tie"]])
>>> tex.startswith("\\documentclass")
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import sympy as sp

from supercoherence.proofs.bibliography import BIBLIOGRAPHY
from supercoherence.proofs.theorem import Theorem, TheoremReport

__all__ = [
    "FLAVORS",
    "coq_source",
    "escape_math_for_markdown",
    "markdown_theorem",
    "to_latex",
    "to_markdown",
]

_MARKDOWN_SPECIAL = set("_*[]<>&`|")

#: The Markdown flavours of :func:`to_markdown` (the first is the default).
FLAVORS: tuple[str, ...] = ("lesswrong", "github", "commonmark")
_ENGINE_WORDS = {
    "sympy": "checked by sympy",
    "z3": "checked by z3",
    "coq": "checked by coq",
    "cited": "cited, not machine-checked",
}


def _reference_text(reference: str) -> str:
    """A bibliography key as its full entry (free text unchanged)."""
    entry = BIBLIOGRAPHY.get(reference)
    return entry.text() if entry is not None else reference


def _verdict(outcome) -> str:
    if outcome.status == "failed":
        return "FAILED"
    if outcome.status == "example":
        return "example, not proof"
    if outcome.status == "unavailable":
        return f"not checked ({outcome.engine} unavailable)"
    return _ENGINE_WORDS.get(outcome.engine, f"checked by {outcome.engine}")


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


def _check_flavor(flavor: str) -> str:
    if flavor not in FLAVORS:
        from supercoherence.errors import ParameterError

        raise ParameterError("flavor", flavor, ", ".join(FLAVORS))
    return flavor


def _md_inline(latex: str, flavor: str) -> str:
    """Inline math in the flavour's syntax."""
    if flavor == "github":
        return f"$`{latex}`$"
    if flavor == "commonmark":
        return f"${escape_math_for_markdown(latex)}$"
    return f"${latex}$"


def _md_text(text: str, flavor: str = "lesswrong") -> str:
    """Markdown prose with its inline math in the flavour's syntax."""
    return "".join(
        _md_inline(piece, flavor) if is_math else piece for is_math, piece in _split_math(text)
    )


def coq_source(step) -> tuple[str, tuple[str, ...]] | None:
    """``(file, theorems)`` of a step proved in Coq, ``None`` for any other step.

    The file is named as in the repository (``proofs/coq/dichotomy.v``) when it is one
    of the package's developments.

    Examples
    --------
    >>> from supercoherence.proofs import catalogue
    >>> coq_source(catalogue["dichotomy"].steps[3])
    ('proofs/coq/dichotomy.v', ('dichotomy', 'dichotomy_iff', 'dichotomy_zero'))
    >>> coq_source(catalogue["dichotomy"].steps[0]) is None
    True
    """
    claim = getattr(step, "claim", step)
    if getattr(claim, "kind", "") != "coq":
        return None
    from supercoherence.proofs.coq_checker import COQ_DIR

    path = claim.path
    name = f"proofs/coq/{path.name}" if path.parent == COQ_DIR else str(path)
    return name, tuple(claim.theorems)


def _md_coq(step) -> str:
    source = coq_source(step)
    if source is None:
        return ""
    name, theorems = source
    names = ", ".join(f"`{t}`" for t in theorems)
    return f"   *Coq proof:* [`{name}`]({name}) (theorems {names})."


def _md_display(latex: str, flavor: str = "lesswrong", indent: str = "") -> str:
    """Display math on lines of its own, indented by ``indent`` (inside a list item)."""
    if flavor == "github":
        return f"```math\n{indent}{latex}\n{indent}```"
    if flavor == "commonmark":
        return f"$${escape_math_for_markdown(latex)}$$"
    return f"$${latex}$$"


def _step_status(report: TheoremReport | None, index: int, flavor: str = "lesswrong") -> str:
    if report is None:
        return ""
    outcome = report.steps[index].outcome
    if outcome.status == "failed":
        return f" **FAILED** ({outcome.engine}): `{outcome.detail}`"
    if outcome.status == "cited":
        return f" *Cited (not machine-checked):* {_md_text(outcome.detail, flavor)}."
    return f" *{_verdict(outcome).capitalize()}:* `{outcome.detail}`."


def markdown_theorem(
    theorem: Theorem,
    number: int,
    report: TheoremReport | None = None,
    *,
    flavor: str = "lesswrong",
) -> str:
    """One theorem as a Markdown section.

    Parameters
    ----------
    theorem : Theorem
    number : int
        Its number in the document.
    report : TheoremReport, optional
        The outcome of checking it; adds each step's verdict.
    flavor : {"lesswrong", "github", "commonmark"}
        How maths is written (module docstring, :data:`FLAVORS`).

    Raises
    ------
    ParameterError
        If ``flavor`` is not one of :data:`FLAVORS`.

    Returns
    -------
    str

    Examples
    --------
    >>> from supercoherence.proofs import catalogue
    >>> print(markdown_theorem(catalogue["contest-symmetry"], 3).splitlines()[0])
    ## Theorem 3 (`contest-symmetry`). The contest is symmetric between the two sides
    """
    _check_flavor(flavor)
    lines = [f"## Theorem {number} (`{theorem.name}`). {theorem.title}", ""]
    lines += [
        "**Statement.**",
        "",
        _md_display(theorem.statement, flavor),
        "",
        _md_text(theorem.plain, flavor),
        "",
    ]
    if theorem.claim is not None:
        lines += ["**Formal statement** (what the checker verifies).", ""]
        lines += [_md_display(sp.latex(theorem.claim), flavor), ""]
    lines += ["**Assumptions.**", ""]
    lines += [f"- {_md_inline(a, flavor)}" for a in theorem.assumptions]
    lines.append("")
    if theorem.objects:
        lines += ["**About.** " + ", ".join(f"`{o}`" for o in theorem.objects), ""]
    lines += ["**Proof.**", ""]
    for i, step in enumerate(theorem.steps):
        lines += [
            f"{i + 1}. {_md_text(step.justification, flavor)}",
            "",
            f"   {_md_display(step.latex, flavor, indent='   ')}",
            "",
            f"   {_step_status(report, i, flavor).strip()}".rstrip(),
            "",
        ]
        if coq_source(step) is not None:
            lines += [_md_coq(step), ""]
    lines += ["$\\blacksquare$", ""]
    if report is not None:
        cited = [s.number for s in report.cited]
        used = ", ".join(map(str, report.established_by)) or "none"
        lines += [
            f"*{report.status_line}. The statement follows from steps {used}; cited "
            f"steps: {', '.join(map(str, cited)) or 'none'}.*",
            "",
        ]
    mc = report.monte_carlo if report is not None else None
    if theorem.monte_carlo is not None:
        text = f"**Monte Carlo check.** {_md_text(theorem.monte_carlo.description, flavor)}"
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
        lines += [f"- {_md_text(_reference_text(r), flavor)}" for r in theorem.references]
        lines.append("")
    return "\n".join(lines)


def _summary_table(reports: Sequence[TheoremReport]) -> list[str]:
    lines = ["| theorem | steps | checked by | cited steps | status |", "|---|---|---|---|---|"]
    for r in reports:
        engines = ", ".join(f"{k} {v}" for k, v in sorted(r.counts().items()))
        cited = ", ".join(str(s.number) for s in r.cited) or "-"
        lines.append(f"| `{r.name}` | {len(r.steps)} | {engines} | {cited} | {r.status} |")
    return lines + [""]


def to_markdown(
    theorems: Iterable[Theorem],
    reports: Sequence[TheoremReport] | None = None,
    *,
    flavor: str = "lesswrong",
) -> str:
    """The theorems as one Markdown document (raw TeX maths by default).

    Parameters
    ----------
    theorems : iterable of Theorem
    reports : sequence of TheoremReport, optional
        Their check reports, in the same order; without them the steps carry no
        verdicts.
    flavor : {"lesswrong", "github", "commonmark"}
        How maths is written (module docstring): raw TeX in ``$...$`` / ``$$...$$``
        (default), GitHub's math syntax, or escaped for plain CommonMark + MathJax.

    Raises
    ------
    ParameterError
        If ``flavor`` is not one of :data:`FLAVORS`.

    Returns
    -------
    str

    Examples
    --------
    >>> from supercoherence.proofs import catalogue
    >>> to_markdown([catalogue["contest-tie"]]).splitlines()[0]
    '# Machine-checked theorems of supercoherence'
    """
    _check_flavor(flavor)
    theorems = list(theorems)
    lines = [
        "# Machine-checked theorems of supercoherence",
        "",
        "Each step below is verified by sympy (identities, signs, limits, integrals, "
        "series and products with the convergence criterion named) or by z3 (real "
        "arithmetic: the negation of the claim is unsatisfiable) or by the Coq proof "
        "assistant (`coqc` compiles the development named under the step, which may "
        "rest only on the axioms of Coq's real numbers). Steps marked *cited* are "
        "classical results that no engine here decides; they are not counted as "
        "checked.",
        "",
    ]
    if reports is not None:
        lines += _summary_table(reports)
    for number, theorem in enumerate(theorems, start=1):
        report = reports[number - 1] if reports is not None else None
        lines.append(markdown_theorem(theorem, number, report, flavor=flavor))
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
    # Text-mode < > | are other glyphs in some font encodings (OT1: inverted ! and ?, an
    # em dash): write them in math mode.
    "<": r"$<$",
    ">": r"$>$",
    "|": r"$|$",
}

#: Characters after which a code span may break across lines.
_CODE_BREAKS = set("./_-=,:(")


def _tex_escape(text: str) -> str:
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in text)


def _tex_code(text: str) -> str:
    r"""Code in ``\texttt`` that may break after ``.``, ``/``, ``_``, ``=`` ... .

    Examples
    --------
    >>> _tex_code("a.b_c")
    '\\texttt{a.\\allowbreak{}b\\_\\allowbreak{}c}'
    """
    parts = []
    for ch in text:
        parts.append(_TEX_SPECIAL.get(ch, ch))
        if ch in _CODE_BREAKS:
            parts.append(r"\allowbreak{}")
    return r"\texttt{" + "".join(parts) + "}"


def _tex_detail(text: str) -> str:
    r"""An engine's report: small typewriter whose spaces stretch, breakable like code."""
    body = _tex_code(text)[len(r"\texttt{") : -1]
    return r"{\ttfamily\small\spaceskip=.5em plus .5em minus .1em\relax " + body + "}"


def _tex_path(path: str) -> str:
    r"""A file path, breakable at ``/`` and ``.`` (``\path`` of the url package)."""
    if re.fullmatch(r"[A-Za-z0-9_./-]+", path):
        return rf"\path{{{path}}}"
    return _tex_code(path)


def _tex_plain(text: str) -> str:
    pieces = re.split(r"`(.+?)`", text)
    out = []
    for i, piece in enumerate(pieces):
        if i % 2:
            out.append(_tex_code(piece))
            continue
        # A file path in prose (tests/models/test_x.py) cannot break: set it as \path.
        for j, part in enumerate(_PROSE_PATH.split(piece)):
            if j % 2:
                out.append(_tex_path(part))
            else:
                escaped = _tex_escape(part)
                out.append(re.sub(r"\*\*(.+?)\*\*", r"\\textbf{\1}", escaped))
    return "".join(out)


_PROSE_PATH = re.compile(r"((?<![\w/])[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+\.[A-Za-z]+)")


def _tex_display(latex: str) -> str:
    r"""A display formula, scaled down to the line width when wider (never overfull)."""
    return rf"\[ \fitdisplay{{{latex}}} \]"


def _tex_text(text: str) -> str:
    """Markdown prose with ``$...$`` math as LaTeX."""
    return "".join(
        f"${piece}$" if is_math else _tex_plain(piece) for is_math, piece in _split_math(text)
    )


def _tex_theorem(theorem: Theorem, report: TheoremReport | None) -> list[str]:
    lines = [
        rf"\section{{{_tex_text(theorem.title)}}}\label{{thm:{theorem.name}}}",
        rf"\begin{{theorem}}[{_tex_code(theorem.name)}]",
        _tex_display(theorem.statement),
        _tex_text(theorem.plain),
        r"\end{theorem}",
        r"\paragraph{Assumptions.}",
        r"\begin{itemize}",
        *(rf"\item ${a}$" for a in theorem.assumptions),
        r"\end{itemize}",
    ]
    if theorem.objects:
        objects = ", ".join(_tex_code(o) for o in theorem.objects)
        lines.append(rf"\paragraph{{About.}} {objects}.")
    lines += [r"\begin{proof}", r"\begin{enumerate}"]
    for i, step in enumerate(theorem.steps):
        lines += [rf"\item {_tex_text(step.justification)}", _tex_display(step.latex)]
        source = coq_source(step)
        if source is not None:
            names = ", ".join(_tex_code(t) for t in source[1])
            lines.append(rf"\emph{{Coq proof:}} {_tex_path(source[0])} ({names}).")
        if report is not None:
            outcome = report.steps[i].outcome
            detail = (
                _tex_plain(outcome.detail)
                if outcome.status == "cited"
                else _tex_detail(outcome.detail)
            )
            lines.append(rf"\emph{{{_verdict(outcome)}:}} {detail}.")
    lines += [r"\end{enumerate}", r"\end{proof}"]
    if theorem.monte_carlo is not None:
        description = _tex_text(theorem.monte_carlo.description)
        lines.append(rf"\paragraph{{Monte Carlo check.}} {description}.")
    if theorem.references:
        lines += [r"\paragraph{References.}", r"\begin{itemize}"]
        lines += [rf"\item {_tex_plain(_reference_text(r))}" for r in theorem.references]
        lines.append(r"\end{itemize}")
    return lines


def to_latex(theorems: Iterable[Theorem], reports: Sequence[TheoremReport] | None = None) -> str:
    """The theorems as a standalone LaTeX document (amsmath, amsthm; pdflatex-ready).

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
        r"\usepackage[T1]{fontenc}",
        r"\usepackage{lmodern}",
        r"\usepackage[margin=1in]{geometry}",
        r"\usepackage{amsmath,amssymb,amsthm}",
        r"\usepackage{graphicx}",
        r"\usepackage{url}",
        r"\newtheorem{theorem}{Theorem}",
        # A display wider than the line is scaled down to it (never overfull).
        r"\newcommand{\fitdisplay}[1]{\resizebox{\ifdim\width>\linewidth\linewidth"
        r"\else\width\fi}{!}{$\displaystyle #1$}}",
        r"\setlength{\emergencystretch}{3em}",
        r"\title{Machine-checked theorems of supercoherence}",
        r"\begin{document}",
        r"\maketitle",
        "Each step is verified by sympy, z3 or the Coq proof assistant (the Coq source "
        "is named under the step); steps marked \\emph{cited} are classical "
        "results no engine here decides, and are not counted as checked.",
    ]
    theorems = list(theorems)
    for i, theorem in enumerate(theorems):
        lines += _tex_theorem(theorem, reports[i] if reports is not None else None)
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"
