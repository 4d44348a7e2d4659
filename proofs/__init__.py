"""Machine-checked theorems about coherence versus mesa-optimizer recursion.

Each :class:`~supercoherence.proofs.theorem.Theorem` states a result about the
objects of :mod:`supercoherence.theory`, in LaTeX and in words, with its
assumptions and a proof whose steps are verified by sympy (identities, signs,
limits, integrals, series and products with a named convergence criterion) or by
z3 (real-arithmetic implications: the negation is unsatisfiable) or by the Coq proof
assistant (:mod:`~supercoherence.proofs.coq_checker`: ``coqc`` compiles a development
of ``proofs/coq/``; without ``coqc`` such a step is ``not checked (coq unavailable)``).
Steps no engine decides are ``cited`` with their reference and never counted as
checked.

- :data:`catalogue` -- every theorem by name, built lazily on first access
  (:mod:`~supercoherence.proofs.registry`);
- :mod:`~supercoherence.proofs.theorem` -- statements as formulas, and what it takes
  for a proof to establish one;
- :mod:`~supercoherence.proofs.checkers` -- the claims and their engines;
- :mod:`~supercoherence.proofs.coq_checker` -- steps proved in Coq, and their cache;
- :mod:`~supercoherence.proofs.logic` -- equivalence and entailment of formulas;
- :mod:`~supercoherence.proofs.bibliography` -- the references every cited step names;
- :mod:`~supercoherence.proofs.export` -- the catalogue as Markdown or LaTeX.

Examples
--------
>>> from supercoherence.proofs import catalogue
>>> catalogue["thinning"].check().status
'holds, cites'
"""

if __name__ != "supercoherence.proofs":  # e.g. `import proofs` from the repository root
    from supercoherence.lazy import bare_name_error

    raise bare_name_error(__name__, "proofs")

from typing import Any

from supercoherence.proofs.registry import Catalogue, build_catalogue, get_catalogue
from supercoherence.proofs.theorem import MonteCarloCheck, Step, Theorem, TheoremReport

__all__ = [
    "Catalogue",
    "MonteCarloCheck",
    "Step",
    "Theorem",
    "TheoremReport",
    "build_catalogue",
    "catalogue",
    "get_catalogue",
]


def __getattr__(name: str) -> Any:
    """``catalogue``: every theorem of the package, by name (built on first access)."""
    if name == "catalogue":
        return get_catalogue()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
