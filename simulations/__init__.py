"""Monte Carlo stability studies: from a study file to stored, checked results.

A study is a pipeline of separate stages (SALib / EMA Workbench style):

1. *sample* (:mod:`~supercoherence.simulations.sampling`): parameter points from grids
   and distributions (factorial, Latin hypercube, Sobol', Saltelli designs);
2. *evaluate* (:mod:`~supercoherence.simulations.engines`,
   :mod:`~supercoherence.simulations.backends`): replicates of an engine on every
   point, in (point, chunk) units seeded by ``SeedSequence(seed, spawn_key=(point,
   chunk))``, on a process pool, in-process or on Dask;
3. *analyse* (:mod:`~supercoherence.simulations.analysis`): estimates with Wilson / CLT
   intervals beside the closed forms (z-scores, flagged when ``|z| > 4``), the
   stability boundary against :func:`supercoherence.theory.recursion.classify`, and
   Sobol indices.

Results stream to a study folder (:mod:`~supercoherence.simulations.store`) and a rerun
computes only what is missing.

Presenting the results (figures, graph files, formulas, the report) is
:mod:`supercoherence.simulations.presentation`, the only part of the package that imports
matplotlib, seaborn or markdown tooling; the pipeline modules here import none of them.

Examples
--------
>>> from supercoherence.simulations import load_study
>>> load_study("dichotomy").engine
'chain'
"""

if __name__ != "supercoherence.simulations":  # e.g. `import simulations` from the repo root
    from supercoherence.lazy import bare_name_error

    raise bare_name_error(__name__, "simulations")

from supercoherence.simulations.runner import (
    StudyResults,
    VerifyReport,
    load_results,
    run_study,
    verify_study,
)
from supercoherence.simulations.study import Study, load_study, parse_study

__all__ = [
    "Study",
    "StudyResults",
    "VerifyReport",
    "load_results",
    "load_study",
    "parse_study",
    "run_study",
    "verify_study",
]
