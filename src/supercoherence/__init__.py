"""supercoherence: coherence versus mesa-optimizer recursion.

Can a coherent optimizer stay in control of the mesa-optimizers its own search
creates, or do mesa-optimizer takeovers recur forever?  This package turns the
question into exact conditions (:mod:`supercoherence.theory`), machine-checked
theorems (:mod:`supercoherence.proofs`), simulations
(:mod:`supercoherence.models`) and Monte Carlo stability studies
(:mod:`supercoherence.simulations`).

The subpackages live in the repository's top-level folders ``theory/``,
``proofs/``, ``models/``, ``simulations/`` and ``studies/``; the build backend
installs them under this single import root.
"""

# A literal (equal to pyproject's version, a test checks), not importlib.metadata: the
# metadata machinery costs ~70 ms of every start-up, several times `python -c pass`.
from supercoherence._version import __version__
from supercoherence.errors import (
    ExpressionError,
    GraphError,
    ParameterError,
    StudyFileError,
    SupercoherenceError,
)

__all__ = [
    "ExpressionError",
    "GraphError",
    "ParameterError",
    "StudyFileError",
    "SupercoherenceError",
    "__version__",
]
