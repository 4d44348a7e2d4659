"""Simulation models of the recursion.

- :mod:`~supercoherence.models.engine` -- a fast, exact, vectorised numpy engine
  for the recursion of dominant optimizers (inverse-CDF sampling, no time steps).
- :mod:`~supercoherence.models.nested` -- the agent-based model on Mesa: optimizers
  spawn mesa-optimizers in a nested optimizer graph (networkx) and takeovers
  rewire it.

Both take a :class:`~supercoherence.theory.scenario.TakeoverScenario`, so the
two layers cannot disagree on what a parameter means, and both return a table
with one row per replicate (see ``docs/ARCHITECTURE.md``).  This subpackage
imports no plotting code.
"""
