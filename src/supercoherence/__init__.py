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

from importlib.metadata import PackageNotFoundError, version

from supercoherence.errors import (
    ExpressionError,
    GraphError,
    ParameterError,
    StudyFileError,
    SupercoherenceError,
)

try:
    __version__ = version("supercoherence")
except PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
    __version__ = "0.0.0"

__all__ = [
    "ExpressionError",
    "GraphError",
    "ParameterError",
    "StudyFileError",
    "SupercoherenceError",
    "__version__",
]
