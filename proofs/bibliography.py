r"""The one bibliography of the proofs: every ``cited`` step names an entry here.

A :class:`~supercoherence.proofs.checkers.Cited` step is a classical result that no
engine of this package decides.  It is only as good as its reference, so a citation
is a *key* of :data:`BIBLIOGRAPHY` (author, title, year, publisher or journal) and a
*section* (chapter, section or theorem number) inside it.  A step that cites an
unknown key fails, and the exported proofs print the full entry beside the step.

Examples
--------
>>> ref = BIBLIOGRAPHY["knopp"]
>>> ref.author, ref.year
('K. Knopp', 1951)
>>> cite("knopp", "ch. VII, sec. 28").text()
'K. Knopp, Theory and Application of Infinite Series, Blackie (1951), ch. VII, sec. 28'
>>> cite("knop", "sec. 1")
Traceback (most recent call last):
...
supercoherence.errors.ProofError: unknown reference 'knop'... (did you mean 'knopp'?)
"""

from __future__ import annotations

from dataclasses import dataclass

from supercoherence.errors import ProofError, did_you_mean

__all__ = ["BIBLIOGRAPHY", "Citation", "Reference", "cite", "to_markdown"]


@dataclass(frozen=True)
class Reference:
    """One bibliography entry.

    Parameters
    ----------
    key : str
        Short name used by ``cite`` (``"knopp"``).
    author : str
        Authors, as printed.
    title : str
        Title of the book or article.
    year : int
        Year of the edition cited.
    where : str
        Publisher, or journal with volume and pages.

    Examples
    --------
    >>> Reference("x", "A. Author", "A Title", 2000, "Publisher").text()
    'A. Author, A Title, Publisher (2000)'
    """

    key: str
    author: str
    title: str
    year: int
    where: str

    def text(self) -> str:
        """The entry as one line."""
        return f"{self.author}, {self.title}, {self.where} ({self.year})"


@dataclass(frozen=True)
class Citation:
    """A reference and the section of it that proves the cited step.

    Examples
    --------
    >>> cite("rudin", "Theorem 3.23").reference.year
    1976
    """

    reference: Reference
    section: str

    @property
    def key(self) -> str:
        """The bibliography key."""
        return self.reference.key

    def text(self) -> str:
        """Author, title, where (year), section."""
        return f"{self.reference.text()}, {self.section}"


_ENTRIES = (
    Reference("knopp", "K. Knopp", "Theory and Application of Infinite Series", 1951, "Blackie"),
    Reference("billingsley", "P. Billingsley", "Probability and Measure, 3rd ed.", 1995, "Wiley"),
    Reference(
        "feller",
        "W. Feller",
        "An Introduction to Probability Theory and Its Applications, vol. I, 3rd ed.",
        1968,
        "Wiley",
    ),
    Reference("kingman", "J. F. C. Kingman", "Poisson Processes", 1993, "Oxford University Press"),
    Reference(
        "cox-oakes", "D. R. Cox and D. Oakes", "Analysis of Survival Data", 1984, "Chapman & Hall"
    ),
    Reference("murray", "J. D. Murray", "Mathematical Biology I, 3rd ed.", 2002, "Springer"),
    Reference(
        "hirsch",
        "M. W. Hirsch",
        "Systems of differential equations which are competitive or cooperative. I: Limit sets",
        1982,
        "SIAM J. Math. Anal. 13, 167-179",
    ),
    Reference(
        "smith",
        "H. L. Smith",
        "Monotone Dynamical Systems: An Introduction to the Theory of Competitive and "
        "Cooperative Systems",
        1995,
        "American Mathematical Society, Math. Surveys and Monographs 41",
    ),
    Reference(
        "perko",
        "L. Perko",
        "Differential Equations and Dynamical Systems, 3rd ed.",
        2001,
        "Springer",
    ),
    Reference(
        "athreya-ney", "K. B. Athreya and P. E. Ney", "Branching Processes", 1972, "Springer"
    ),
    Reference("harris", "T. E. Harris", "The Theory of Branching Processes", 1963, "Springer"),
    Reference(
        "corless",
        "R. M. Corless, G. H. Gonnet, D. E. G. Hare, D. J. Jeffrey and D. E. Knuth",
        "On the Lambert W function",
        1996,
        "Adv. Comput. Math. 5, 329-359",
    ),
    Reference(
        "rudin",
        "W. Rudin",
        "Principles of Mathematical Analysis, 3rd ed.",
        1976,
        "McGraw-Hill",
    ),
    Reference(
        "williams",
        "D. Williams",
        "Probability with Martingales",
        1991,
        "Cambridge University Press",
    ),
    Reference(
        "muirhead",
        "R. J. Muirhead",
        "Aspects of Multivariate Statistical Theory",
        1982,
        "Wiley",
    ),
    Reference(
        "tullock",
        "G. Tullock",
        "Efficient rent seeking, in Toward a Theory of the Rent-Seeking Society",
        1980,
        "Texas A&M University Press",
    ),
    Reference(
        "skaperdas", "S. Skaperdas", "Contest success functions", 1996, "Economic Theory 7, 283-290"
    ),
    Reference(
        "demski-garrabrant",
        "A. Demski and S. Garrabrant",
        "Embedded Agency",
        2019,
        "arXiv:1902.09469",
    ),
    # selection and training (proofs/selection_theorems.py)
    Reference(
        "nowak",
        "M. A. Nowak",
        "Evolutionary Dynamics: Exploring the Equations of Life",
        2006,
        "Harvard University Press",
    ),
    Reference(
        "hofbauer-sigmund",
        "J. Hofbauer and K. Sigmund",
        "Evolutionary Games and Population Dynamics",
        1998,
        "Cambridge University Press",
    ),
    Reference(
        "moran",
        "P. A. P. Moran",
        "Random processes in genetics",
        1958,
        "Math. Proc. Cambridge Philos. Soc. 54, 60-71",
    ),
    Reference(
        "taylor-jonker",
        "P. D. Taylor and L. B. Jonker",
        "Evolutionarily stable strategies and game dynamics",
        1978,
        "Math. Biosci. 40, 145-156",
    ),
    Reference(
        "karlin-taylor",
        "S. Karlin and H. M. Taylor",
        "A First Course in Stochastic Processes, 2nd ed.",
        1975,
        "Academic Press",
    ),
    Reference(
        "gumbel", "E. J. Gumbel", "Statistics of Extremes", 1958, "Columbia University Press"
    ),
    Reference(
        "leadbetter",
        "M. R. Leadbetter, G. Lindgren and H. Rootzen",
        "Extremes and Related Properties of Random Sequences and Processes",
        1983,
        "Springer",
    ),
    Reference(
        "hubinger",
        "E. Hubinger, C. van Merwijk, V. Mikulik, J. Skalse and S. Garrabrant",
        "Risks from learned optimization in advanced machine learning systems",
        2019,
        "arXiv:1906.01820",
    ),
)

#: Every reference the proofs may cite, by key.
BIBLIOGRAPHY: dict[str, Reference] = {ref.key: ref for ref in _ENTRIES}


def cite(key: str, section: str) -> Citation:
    """The citation of ``section`` of the bibliography entry ``key``.

    Parameters
    ----------
    key : str
        A key of :data:`BIBLIOGRAPHY`.
    section : str
        Chapter, section or theorem (must not be empty).

    Returns
    -------
    Citation

    Raises
    ------
    ProofError
        If the key is unknown or the section empty.
    """
    if key not in BIBLIOGRAPHY:
        hint = did_you_mean(str(key), BIBLIOGRAPHY)
        suffix = f" ({hint})" if hint else ""
        raise ProofError(f"unknown reference {key!r}: not in the bibliography{suffix}")
    if not str(section).strip():
        raise ProofError(f"citation of {key!r} names no section, chapter or theorem")
    return Citation(BIBLIOGRAPHY[key], str(section))


def to_markdown() -> str:
    """The bibliography as a Markdown list, sorted by key.

    Examples
    --------
    >>> to_markdown().splitlines()[0]
    '# Bibliography of the machine-checked theorems'
    """
    lines = ["# Bibliography of the machine-checked theorems", ""]
    lines += [f"- `{key}`: {BIBLIOGRAPHY[key].text()}" for key in sorted(BIBLIOGRAPHY)]
    return "\n".join(lines) + "\n"
