r"""Reporters of the nested-optimizer model: module-level functions of the model.

With :math:`V` the live optimizers, :math:`R_v` their resources, :math:`w_v` their
utilities, :math:`w_\text{root}` the top-level optimizer's and :math:`w_0` the original
top-level utility:

* ``coherence`` :math:`= \sum_{v \in V} R_v\, (w_v \cdot w_\text{root}) / \sum_v R_v`
  (NaN when no optimizer holds resources), 1 for a single root;
* ``alignment_with_original`` :math:`= w_\text{root} \cdot w_0`;
* ``root_tenure``: time since the current top-level optimizer took over (or since the
  start, for the original one);
* ``size`` :math:`= |V|`, ``depth``: the longest control chain below the root;
* ``top_level_takeovers``, ``nested_takeovers``: counts so far; ``root``: the root's
  node id, so the lineage of top-level optimizers can be read from a time series.

Each is O(|V|) numpy work at most (``einsum``, never a BLAS call), so collecting every
step costs little beside the step.
:data:`MODEL_REPORTERS` is what :class:`~supercoherence.models.nested.model.
NestedOptimizerModel` hands to ``mesa.DataCollector``; :data:`AGENT_REPORTERS` is used only
when per-agent history is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from supercoherence.models.nested.model import NestedOptimizerModel

__all__ = [
    "AGENT_REPORTERS",
    "MODEL_REPORTERS",
    "REPORTER_LABELS",
    "alignment_with_original",
    "coherence",
    "depth",
    "nested_takeovers",
    "root",
    "root_tenure",
    "size",
    "top_level_lineage",
    "top_level_takeovers",
]


def top_level_takeovers(model: NestedOptimizerModel) -> int:
    """Number of takeovers of the top-level optimizer so far.

    Examples
    --------
    >>> from supercoherence.models.nested.model import NestedOptimizerModel
    >>> from supercoherence.theory.scenario import TakeoverScenario
    >>> model = NestedOptimizerModel(TakeoverScenario(hazard="constant"), seed=1, horizon=3)
    >>> model.run_model()
    >>> top_level_takeovers(model), nested_takeovers(model), root_tenure(model)
    (1, 0, 0.76...)
    """
    return model.top_level_takeovers


def nested_takeovers(model: NestedOptimizerModel) -> int:
    """Number of takeovers below the root so far (see :func:`top_level_takeovers`)."""
    return model.nested_takeovers


def root_tenure(model: NestedOptimizerModel) -> float:
    """Age of the current top-level optimizer (see :func:`top_level_takeovers`)."""
    return float(model.state.age[model.root_slot])


def coherence(model: NestedOptimizerModel) -> float:
    """Resource-weighted alignment of all optimizers with the root's utility.

    Examples
    --------
    >>> from supercoherence.models.nested.graphs import cais_chain
    >>> from supercoherence.models.nested.model import NestedOptimizerModel
    >>> from supercoherence.theory.scenario import TakeoverScenario
    >>> model = NestedOptimizerModel(TakeoverScenario(), seed=1, horizon=3, graph=cais_chain(4))
    >>> round(coherence(model), 12), size(model), depth(model)
    (1.0, 4, 3)
    """
    st = model.state
    slots = st.live_slots()
    weights = st.resources[slots]
    total = weights.sum()
    if total <= 0:
        return float("nan")
    cosines = np.einsum("ij,j->i", st.utility[slots], st.utility[model.root_slot])  # no BLAS
    return float(np.einsum("i,i->", weights, cosines) / total)


def alignment_with_original(model: NestedOptimizerModel) -> float:
    """``w_root . w_0`` (1 until the first top-level takeover when ``rho < 1``).

    Examples
    --------
    >>> from supercoherence.models.nested.model import NestedOptimizerModel
    >>> from supercoherence.theory.scenario import TakeoverScenario
    >>> model = NestedOptimizerModel(TakeoverScenario(), seed=1, horizon=3)
    >>> round(alignment_with_original(model), 12)
    1.0
    """
    st = model.state
    return float(np.einsum("i,i->", st.utility[model.root_slot], model.original_utility))


def size(model: NestedOptimizerModel) -> int:
    """Number of live optimizers (see :func:`coherence`).

    Examples
    --------
    >>> from supercoherence.models.nested.model import NestedOptimizerModel
    >>> from supercoherence.theory.scenario import TakeoverScenario
    >>> size(NestedOptimizerModel(TakeoverScenario(), seed=1, horizon=3))  # the root alone
    1
    """
    return model.size


def depth(model: NestedOptimizerModel) -> int:
    """Length of the longest control chain below the root (see :func:`coherence`)."""
    st = model.state
    return int(st.depth[st.live_slots()].max())


def root(model: NestedOptimizerModel) -> int:
    """Node id of the current top-level optimizer (see :func:`top_level_lineage`)."""
    return model.root_uid


def top_level_lineage(model: NestedOptimizerModel) -> list[int]:
    """Node ids of every top-level optimizer so far, oldest first.

    Examples
    --------
    >>> from supercoherence.models.nested.model import NestedOptimizerModel
    >>> from supercoherence.theory.scenario import TakeoverScenario
    >>> model = NestedOptimizerModel(TakeoverScenario(), seed=2, horizon=20)
    >>> model.run_model()
    >>> lineage = top_level_lineage(model)
    >>> lineage[-1] == root(model), len(lineage) == top_level_takeovers(model) + 1
    (True, True)
    """
    lineage = model.lineage
    first = next(v for v, deg in lineage.in_degree() if deg == 0)
    order = [first]
    while True:
        after = list(lineage.successors(order[-1]))
        if not after:
            return order
        order.append(after[0])


#: Model-level reporters collected every step.
MODEL_REPORTERS = {
    "top_level_takeovers": top_level_takeovers,
    "nested_takeovers": nested_takeovers,
    "root_tenure": root_tenure,
    "coherence": coherence,
    "alignment_with_original": alignment_with_original,
    "size": size,
    "depth": depth,
    "root": root,
}

#: What each model-level series is, in words with its unit: the one home of these labels
#: (the figures' axes and the app's charts read them).
REPORTER_LABELS = {
    "top_level_takeovers": "top-level takeovers (count)",
    "nested_takeovers": "nested takeovers (count)",
    "root_tenure": "root tenure (time units)",
    "coherence": "coherence (resource-weighted alignment)",
    "alignment_with_original": "root's alignment with the original utility",
    "size": "graph size (optimizers)",
    "depth": "nesting depth (levels)",
    "root": "top-level optimizer (node id)",
}

#: Per-agent reporters (attribute names), collected only with ``collect_agents=True``.
AGENT_REPORTERS = {
    "level": "level",
    "resources": "resources",
    "age": "age",
    "alignment_class": "alignment_label",
    "alignment_with_original": "alignment_with_original",
}
