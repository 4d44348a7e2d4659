"""The shipped study files (``*.toml``), runnable by name.

=========================  ==============================================================
study                      question
=========================  ==============================================================
``dichotomy``              constant hazard vs entrenchment vs weakening entrenchment:
                           does the recursion stop (supercoherence) or recur forever?
``escalation``             capability escalation: mesa-super- vs sub-optimizers, with
                           detection growing with capability
``nested``                 mesa-optimizers all the way down (the Mesa model with nesting)
``competition``            coexistence vs takeover under resource competition
``sensitivity``            which lever matters most (Sobol indices)
``nested_interacting``     interacting nested optimizers: where nesting changes the
                           outcome (loyal subtrees, repeated challenges), beside the
                           independent-contest model and the mean field
``treacherous_turn``       deceptive threshold and detection vs the root's survival
``distribution_shift``     pseudo-alignment and critical moments
``outcompeted``            for which search strengths does the coherent strategy
                           survive selection (Moran fixation beside the simulation)
``training_regimes``       which training regimes (search strength, complexity and
                           speed penalties) keep the base in control
=========================  ==============================================================

``tests/test_glossary.py`` checks that this table names exactly the shipped files.

Examples
--------
>>> "dichotomy" in list_studies()
True
>>> study_path("dichotomy").name
'dichotomy.toml'
"""

from __future__ import annotations

if __name__ != "supercoherence.studies":  # e.g. `import studies` from the repository root
    from supercoherence.lazy import bare_name_error

    raise bare_name_error(__name__, "studies")

from pathlib import Path

__all__ = ["list_studies", "study_path"]

_HERE = Path(__file__).resolve().parent


def list_studies() -> list[str]:
    """Names of the shipped studies, sorted.

    Examples
    --------
    >>> len(list_studies()) >= 4
    True
    """
    return sorted(path.stem for path in _HERE.glob("*.toml"))


def study_path(name: str) -> Path:
    """Path of the shipped study ``name``.

    Raises
    ------
    KeyError
        If there is no such study.

    Examples
    --------
    >>> study_path("nope")
    Traceback (most recent call last):
    ...
    KeyError: "no shipped study 'nope'"
    """
    path = _HERE / f"{name}.toml"
    if not path.is_file():
        raise KeyError(f"no shipped study {name!r}")
    return path
