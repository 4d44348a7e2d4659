"""The presentation layer of studies: figures, graph files, formulas and the report.

Everything here reads what the pipeline (:mod:`supercoherence.simulations`) stored or
derived and renders it for a post; nothing here runs a simulation.  It is the only part of
the package that imports matplotlib, seaborn or markdown tooling (``tests/test_layers.py``
enforces it), so the pipeline, the models, the proofs and the theory load without them.

- :mod:`~supercoherence.simulations.presentation.style` -- the one theme (palette, colour
  map, axis labels), themed axes, writing PNG/SVG/PDF;
- :mod:`~supercoherence.simulations.presentation.figures` -- each figure beside its closed
  form (phase diagram, no-takeover curves, law of N, value drift, time series, phase
  portrait, extinction);
- :mod:`~supercoherence.simulations.presentation.graphs` -- the Mesa model's graphs as
  GraphML, GEXF, DOT, JSON and drawings;
- :mod:`~supercoherence.simulations.presentation.formulas` -- a study's derived conditions as
  LaTeX and MathJax-ready Markdown;
- :mod:`~supercoherence.simulations.presentation.report` -- ``report.md`` and ``report.html``.

Examples
--------
>>> from supercoherence.simulations.presentation.graphs import GRAPH_FORMATS
>>> sorted(GRAPH_FORMATS)[:3]
['cytoscape', 'dot', 'gexf']
"""
