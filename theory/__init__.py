"""The symbolic layer: exact conditions for coherence versus mesa-optimizer recursion.

Every result is available three ways: an exact sympy expression (with its
assumptions declared on the symbols of :mod:`~supercoherence.theory.symbols`),
a numeric function vectorised over numpy arrays, and LaTeX
(:class:`~supercoherence.theory.result.Derived`).

Modules, one per concept (MODEL.md):

- :mod:`~supercoherence.theory.utility` -- utilities and their alignment.
- :mod:`~supercoherence.theory.optimizer` -- ``Optimizer``, ``MesaOptimizer``,
  alignment and capability classes.
- :mod:`~supercoherence.theory.contest` -- Tullock contest success, per-spawn
  takeover probability, gambler's ruin for a resource battle.
- :mod:`~supercoherence.theory.hazard` -- survival under a takeover hazard,
  never-overthrown probabilities, the named hazard families.
- :mod:`~supercoherence.theory.scenario` -- ``TakeoverScenario``, the one
  parameterisation of the recursion that the engines and studies share.
- :mod:`~supercoherence.theory.recursion` -- the dichotomy: ``P(N >= n)``, the
  probability that takeovers recur forever, classification, escalation.
- :mod:`~supercoherence.theory.drift` -- value drift of the dominant utility.
- :mod:`~supercoherence.theory.competition` -- Lotka-Volterra coexistence or takeover.
- :mod:`~supercoherence.theory.branching` -- mesa-optimizers all the way down.
- :mod:`~supercoherence.theory.markov` -- absorbing takeover chains.
- :mod:`~supercoherence.theory.training` -- the spawn rate from training pressure.

The subpackage imports nothing from simulations, plotting or I/O.
"""

if __name__ != "supercoherence.theory":  # e.g. `import theory` from the repository root
    from supercoherence.lazy import bare_name_error

    raise bare_name_error(__name__, "theory")


from supercoherence.lazy import lazy_submodules as _lazy_submodules

#: The submodules, imported on first access (``supercoherence.theory.recursion``) so that
#: importing the package stays cheap and ``dir()`` lists what is there.
__all__ = [
    "branching",
    "competition",
    "contest",
    "derivations",
    "drift",
    "expressions",
    "hazard",
    "markov",
    "nested",
    "optimizer",
    "recursion",
    "result",
    "scenario",
    "selection",
    "symbols",
    "training",
    "utility",
]

__getattr__, __dir__ = _lazy_submodules(__name__, __all__)
