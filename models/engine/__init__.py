r"""The fast exact engine for the recursion of dominant optimizers (numpy).

Exact sampling, no time steps: the number of takeovers by inverse CDF (one uniform
per replicate), tenures by the inverse cumulative hazard, the value drift by its
exact one-dimensional reduction; replicates in fixed stream blocks, so memory stays
flat and results do not depend on the chunk size.

- :func:`simulate_chain` -- the replicate table of ``docs/ARCHITECTURE.md`` and a
  streaming :class:`ChainSummary`;
- :func:`estimate_tail_law` -- counts of :math:`N \ge n` only, the fastest path;
- :class:`ChainLaw` -- the normalised law (``q_n``, clock, drift) of a scenario,
  hazard family or ``q`` sequence;
- :mod:`~supercoherence.models.engine.sampling` -- the samplers and the stream rule.

Examples
--------
>>> from supercoherence.models.engine import simulate_chain
>>> res = simulate_chain(0.25, 100, seed=0, max_takeovers=20)
>>> res.table["n_takeovers"].shape
(100,)
"""

from supercoherence.models.engine.chain import (
    COLUMNS,
    ChainResult,
    ChainSummary,
    Estimate,
    estimate_tail_law,
    simulate_chain,
)
from supercoherence.models.engine.chain import (
    estimate_survival_law as estimate_survival_law,  # deprecated alias (issue 9)
)
from supercoherence.models.engine.law import ChainLaw
from supercoherence.models.engine.sampling import STREAM_BLOCK

__all__ = [
    "COLUMNS",
    "STREAM_BLOCK",
    "ChainLaw",
    "ChainResult",
    "ChainSummary",
    "Estimate",
    "estimate_tail_law",
    "simulate_chain",
]
