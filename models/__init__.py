"""Simulation models of the recursion.

- :mod:`~supercoherence.models.engine` -- a fast, exact, vectorised numpy engine
  for the recursion of dominant optimizers (inverse-CDF sampling, no time steps).
- :mod:`~supercoherence.models.nested` -- the agent-based model on Mesa: optimizers
  spawn mesa-optimizers in a nested optimizer graph (networkx) and takeovers
  rewire it.
- :mod:`~supercoherence.models.competition` -- Lotka-Volterra competition between a
  base and a mesa-optimizer from random initial states (fixed-step Runge-Kutta).

Both take a :class:`~supercoherence.theory.scenario.TakeoverScenario`, so the
two layers cannot disagree on what a parameter means, and both return a table
with one row per replicate (see ``docs/ARCHITECTURE.md``).  This subpackage
imports no plotting code.
"""

if __name__ != "supercoherence.models":  # e.g. `import models` from the repository root
    from supercoherence.lazy import bare_name_error

    raise bare_name_error(__name__, "models")

from supercoherence.lazy import lazy_submodules as _lazy_submodules

#: The submodules, imported on first access (``supercoherence.models.recursion``) so that
#: importing the package stays cheap and ``dir()`` lists what is there.
__all__ = ["competition", "engine", "nested", "selection"]

__getattr__, __dir__ = _lazy_submodules(__name__, __all__)
