r"""The optimizer agent of the nested-optimizer model.

An :class:`OptimizerAgent` is a Mesa agent standing for one optimizer in the nesting.
Its numeric state (level :math:`n`, capability :math:`c = \gamma^n`, age, birth time,
resources, utility vector :math:`w`) lives in the model's struct-of-arrays store, so a
step can update every optimizer with a few numpy operations; the agent reads its row.
Its behavioural parameters (spawn rate, alignment skill, detection, entrenchment) are
those of the theory layer's level-:math:`n` optimizer,
``scenario.level_optimizer(n)``, so the model and the recursion cannot disagree on
their meaning.

Alignment classes (seed 003) are those of :class:`supercoherence.theory.optimizer.
AlignmentClass`: a mesa-optimizer is robust with probability :math:`a`, otherwise
adversarial, deceptive with probability ``deceptive_share`` and pseudo-aligned otherwise.
The original optimizer and the initial services have no class (``None``, labelled
``"base"`` in the graph).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from supercoherence.theory.optimizer import AlignmentClass

if TYPE_CHECKING:
    from supercoherence.models.nested.model import NestedOptimizerModel

__all__ = ["KIND_CLASSES", "KIND_LABELS", "OptimizerAgent"]


#: Alignment class of each code stored in the model's ``kind`` array (0 = the original
#: optimizer or an initial service, which has no creator in the model).
KIND_CLASSES: tuple[AlignmentClass | None, ...] = (
    None,
    AlignmentClass.ROBUST,
    AlignmentClass.PSEUDO,
    AlignmentClass.DECEPTIVE,
)
#: The contract's labels of the codes (graph attribute ``alignment_class``).
KIND_LABELS: tuple[str, ...] = ("base", "robust", "pseudo", "deceptive")


class OptimizerAgent(mesa.Agent):
    """A view of one optimizer of the nesting: row :attr:`slot` of the model's arrays.

    The model's :class:`~supercoherence.models.nested.model.OptimizerState` is the one
    record of the optimizers; views are made by the model when they are read
    (``model.agents``, ``model.agent(uid)``, ``model.root_agent``), registered with Mesa,
    and dropped when their optimizer goes.  ``unique_id`` is the optimizer's node in
    ``model.graph``; user code reads views, never creates them.

    Parameters
    ----------
    model : NestedOptimizerModel
        The model; registers the view.
    uid : int
        The optimizer's ``unique_id``.

    Examples
    --------
    >>> from supercoherence.models.nested.model import NestedOptimizerModel
    >>> from supercoherence.theory.scenario import TakeoverScenario
    >>> model = NestedOptimizerModel(TakeoverScenario(), seed=1, horizon=5)
    >>> root = model.root_agent
    >>> root.alignment_class is None, root.alignment_label, root.level, root.capability
    (True, 'base', 0, 1.0)
    >>> float(root.alignment_with_original)
    1.0
    """

    def __init__(self, model: NestedOptimizerModel, uid: int) -> None:
        super().__init__(model)
        self.unique_id = uid  # the optimizer's id, not Mesa's counter

    @property
    def slot(self) -> int:
        """Row of this optimizer in the model's arrays (it may move at compaction)."""
        return self.model.slot_of(self.unique_id)

    @property
    def level(self) -> int:
        """Capability level ``n`` (``c = gamma^n``)."""
        return int(self.model.state.level[self.slot])

    @property
    def capability(self) -> float:
        """Capability ``c_n = gamma^n`` (``c_0 = 1``)."""
        return float(self.model.takeover_scenario.capability(self.level))

    @property
    def age(self) -> float:
        """Time since this optimizer took its place (the clock of its hazard)."""
        return float(self.model.state.age[self.slot])

    @property
    def born(self) -> float:
        """Model time at which it took its place."""
        return float(self.model.state.born[self.slot])

    @property
    def resources(self) -> float:
        """Resources it controls directly."""
        return float(self.model.state.resources[self.slot])

    @property
    def utility(self) -> np.ndarray:
        """Its utility, a unit vector (a read-only view)."""
        view = self.model.state.utility[self.slot].view()
        view.flags.writeable = False
        return view

    @property
    def alignment_class(self) -> AlignmentClass | None:
        """Robust, pseudo or deceptive; ``None`` for an original (base) optimizer."""
        return KIND_CLASSES[int(self.model.state.kind[self.slot])]

    @property
    def alignment_label(self) -> str:
        """``"base"``, ``"robust"``, ``"pseudo"`` or ``"deceptive"``."""
        return KIND_LABELS[int(self.model.state.kind[self.slot])]

    @property
    def alignment_with_original(self) -> float:
        """``w . w_0``, alignment with the original top-level utility."""
        return float(self.model.state.utility[self.slot] @ self.model.original_utility)

    @property
    def optimizer(self):
        """The theory layer's optimizer at this level (spawn rate, skill, detection, ...)."""
        return self.model.takeover_scenario.level_optimizer(self.level)
