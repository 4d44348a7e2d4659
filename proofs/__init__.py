"""Machine-checked theorems about coherence versus mesa-optimizer recursion.

Each :class:`~supercoherence.proofs.theorem.Theorem` states a result about the
objects of :mod:`supercoherence.theory`, in LaTeX and in words, with its
assumptions and a proof whose steps are verified by sympy (identities, signs,
limits, integrals, series and products with a named convergence criterion) or by
z3 (real-arithmetic implications: the negation is unsatisfiable).  Steps no engine
decides are ``cited`` with their reference and never counted as checked.

- :data:`catalogue` -- every theorem by name (:mod:`~supercoherence.proofs.catalogue`);
- :mod:`~supercoherence.proofs.checkers` -- the claims and their engines;
- :mod:`~supercoherence.proofs.export` -- the catalogue as Markdown or LaTeX.

Examples
--------
>>> from supercoherence.proofs import catalogue
>>> catalogue["dichotomy"].check().status
'holds, cites'
"""

from supercoherence.proofs.catalogue import Catalogue, build_catalogue
from supercoherence.proofs.theorem import MonteCarloCheck, Step, Theorem, TheoremReport

__all__ = ["Catalogue", "MonteCarloCheck", "Step", "Theorem", "TheoremReport", "catalogue"]

#: Every theorem of the package, by name.
catalogue: Catalogue = build_catalogue()
