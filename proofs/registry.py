r"""The registry of machine-checked theorems: the catalogue, by name.

The package attribute ``supercoherence.proofs.catalogue`` is the instance, built
lazily on first access by :func:`get_catalogue`; this module is
``supercoherence.proofs.registry``, so no submodule is shadowed.

============================  ==============================================================
family                        theorems
============================  ==============================================================
contest                       ``contest-tie``, ``contest-monotone``, ``contest-symmetry``,
                              ``contest-scale-invariance``, ``contest-sharp-limit``,
                              ``embedded-agency-bound``
hazard                        ``thinning``, ``entrenchment``, ``constant-hazard``,
                              ``power-decay``, ``critical-moments``
recursion                     ``dichotomy``, ``stationary-geometric``,
                              ``capability-escalation``
drift                         ``drift-alignment``, ``drift-final-alignment``
competition                   ``competition-equilibria``, ``competition-outcomes``
branching                     ``branching-criticality``, ``branching-lambert``,
                              ``branching-multitype``, ``nested-reduction``,
                              ``nested-monotone-power``, ``nested-stability-boundary``
ruin                          ``gamblers-ruin``, ``gamblers-ruin-duration``
selection                     ``selection-invasion``, ``moran-fixation``, ``goodhart``
============================  ==============================================================

Examples
--------
>>> from supercoherence.proofs import catalogue
>>> len(catalogue) >= 20, "dichotomy" in catalogue
(True, True)
>>> catalogue["dichotomy"].title
'The dichotomy: supercoherence or takeovers forever'
>>> catalogue["dichotomie"]
Traceback (most recent call last):
...
supercoherence.errors.ParameterError: theorem = 'dichotomie' ... (did you mean 'dichotomy'?)
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Mapping
from functools import cache

from supercoherence.errors import ParameterError, did_you_mean
from supercoherence.proofs.theorem import Theorem, TheoremReport

__all__ = ["THEOREM_MODULES", "Catalogue", "build_catalogue", "find_theorem", "get_catalogue"]

_FAMILY_ORDER = ("contest", "hazard", "recursion", "drift", "competition", "branching", "ruin")
_FAMILY_ORDER += ("selection",)


class Catalogue(Mapping[str, Theorem]):
    """Theorems by name, in a fixed reading order (by family).

    Parameters
    ----------
    theorems : iterable of Theorem
        The theorems; names must be unique.

    Raises
    ------
    ParameterError
        On a duplicate name, or (from ``catalogue[name]``) an unknown one.

    Examples
    --------
    >>> from supercoherence.proofs import catalogue
    >>> catalogue.families()[:3]
    ('contest', 'hazard', 'recursion')
    """

    def __init__(self, theorems: Iterable[Theorem]) -> None:
        ordered = sorted(theorems, key=lambda t: _FAMILY_ORDER.index(t.family))
        self._by_name: dict[str, Theorem] = {}
        for theorem in ordered:
            if theorem.name in self._by_name:
                raise ParameterError("theorem", theorem.name, "unique names", "duplicate")
            self._by_name[theorem.name] = theorem

    def __getitem__(self, name: str) -> Theorem:
        try:
            return self._by_name[name]
        except KeyError:
            hint = did_you_mean(str(name), self._by_name)
            raise ParameterError("theorem", name, "a catalogue name", hint) from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def families(self) -> tuple[str, ...]:
        """The families present, in reading order."""
        present = {t.family for t in self._by_name.values()}
        return tuple(f for f in _FAMILY_ORDER if f in present)

    def select(self, names: Iterable[str] | None = None) -> list[Theorem]:
        """The named theorems (all when ``names`` is empty or None), in catalogue order.

        Raises
        ------
        ParameterError
            If a name is unknown.
        """
        wanted = list(names or ())
        if not wanted:
            return list(self._by_name.values())
        return [self[name] for name in wanted]

    def check(
        self, names: Iterable[str] | None = None, *, monte_carlo: bool = False
    ) -> list[TheoremReport]:
        """Check the named theorems (all by default) without raising; one report each.

        The Coq developments they use are compiled in the background, two at a time,
        while the other steps are checked (:func:`~supercoherence.proofs.coq_checker.warming`).

        Examples
        --------
        >>> from supercoherence.proofs import catalogue
        >>> [r.status for r in catalogue.check(["contest-tie"])]
        ['checked']
        """
        from supercoherence.proofs.coq_checker import warming

        theorems = self.select(names)
        with warming(step.claim for t in theorems for step in t.steps):
            return [t.check(strict=False, monte_carlo=monte_carlo) for t in theorems]


#: The theorem modules of the package, in the order the catalogue is built from them.
THEOREM_MODULES = (
    "contest_theorems",
    "hazard_theorems",
    "recursion_theorems",
    "competition_theorems",
    "branching_theorems",
    "nested_theorems",
    "selection_theorems",
)


def _module_theorems(module: str) -> list[Theorem]:
    return importlib.import_module(f"supercoherence.proofs.{module}").theorems()


def build_catalogue() -> Catalogue:
    """Build the catalogue from the theorem modules.

    Examples
    --------
    >>> "gamblers-ruin" in build_catalogue()
    True
    """
    return Catalogue(t for module in THEOREM_MODULES for t in _module_theorems(module))


@cache
def find_theorem(name: str) -> Theorem:
    """One theorem by name, building only the modules up to the one that holds it.

    The whole catalogue takes seconds to build (29 theorems, their sympy claims); a
    report that quotes one theorem needs one module.  Once the catalogue is built its
    theorem is returned.

    Parameters
    ----------
    name : str
        Catalogue name (``supercoherence proofs list``).

    Returns
    -------
    Theorem

    Raises
    ------
    ParameterError
        If no module has a theorem of that name (with a did-you-mean).

    Examples
    --------
    >>> find_theorem("dichotomy").title
    'The dichotomy: supercoherence or takeovers forever'
    """
    if get_catalogue.cache_info().currsize:
        return get_catalogue()[name]
    for module in THEOREM_MODULES:
        for theorem in _module_theorems(module):
            if theorem.name == name:
                return theorem
    return get_catalogue()[name]  # raises, naming the closest names


@cache
def get_catalogue() -> Catalogue:
    """The catalogue, built on first use and cached (``supercoherence.proofs.catalogue``).

    Examples
    --------
    >>> get_catalogue() is get_catalogue()
    True
    """
    return build_catalogue()
