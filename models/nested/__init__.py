"""The nested-optimizer agent-based model on Mesa (see :mod:`.model` for the mathematics).

Public entry points: :class:`NestedOptimizerModel`, :func:`simulate_abm` /
:class:`AbmResult`, the initial-graph builders of :mod:`.graphs` and the reporters of
:mod:`.reporters`.
"""

from supercoherence.models.nested.agents import OptimizerAgent
from supercoherence.models.nested.graphs import (
    balanced_tree,
    cais_chain,
    load_graphml,
    random_tree,
    single_root,
    validate_nesting,
)
from supercoherence.models.nested.model import LevelHazards, NestedOptimizerModel
from supercoherence.models.nested.simulate import AbmResult, simulate_abm

__all__ = [
    "AbmResult",
    "LevelHazards",
    "NestedOptimizerModel",
    "OptimizerAgent",
    "balanced_tree",
    "cais_chain",
    "load_graphml",
    "random_tree",
    "simulate_abm",
    "single_root",
    "validate_nesting",
]
