"""Deprecated names: the old name keeps working and warns, naming the new one.

Issue 9 renamed the quantities of the recursion to one family of names per concept
(docs/GLOSSARY.md): ``survival`` now means :math:`e^{-\\Lambda(t)}` only, the law
:math:`P(N \\ge n)` is a ``tail_law``, :math:`q_n` is ``never_overthrown`` and the
hazard parameters are ``entrenchment_rate`` and ``power_exponent``.  Each old name is
kept as an alias that emits a :class:`SupercoherenceDeprecationWarning` (a
:class:`DeprecationWarning`) whose message names the replacement.

Deprecation warnings are hidden by Python's default filters unless triggered from
``__main__``; a study file with an old key is user input, not code, so this module
turns the project's own deprecation warnings on (``"default"``: once per location).

Examples
--------
>>> import warnings
>>> def tail_law(x):
...     return x + 1
>>> survival_law = renamed_function(tail_law, "survival_law")
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     survival_law(1)
2
>>> print(caught[0].message)
survival_law is deprecated; use tail_law
"""

from __future__ import annotations

import functools
import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "SupercoherenceDeprecationWarning",
    "module_aliases",
    "renamed_function",
    "warn_renamed",
]


class SupercoherenceDeprecationWarning(DeprecationWarning):
    """An old name of this package was used; the message names the new one."""


warnings.filterwarnings("default", category=SupercoherenceDeprecationWarning)


def warn_renamed(old: str, new: str, *, what: str = "", stacklevel: int = 3) -> None:
    """Warn that ``old`` is deprecated in favour of ``new``.

    Parameters
    ----------
    old, new : str
        The old and the new name.
    what : str, optional
        What the name is (``"study key"``, ``"estimand"``), put before it.
    stacklevel : int
        Passed to :func:`warnings.warn` (3: the caller of the deprecated function).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_renamed("power", "power_exponent", what="parameter")
    >>> str(caught[0].message)
    'parameter power is deprecated; use power_exponent'
    """
    prefix = f"{what} " if what else ""
    warnings.warn(
        f"{prefix}{old} is deprecated; use {new}",
        SupercoherenceDeprecationWarning,
        stacklevel=stacklevel,
    )


def renamed_function(new: Callable[..., Any], old: str) -> Callable[..., Any]:
    """A deprecated alias ``old`` of the function (or method) ``new``.

    The alias calls ``new`` with the same arguments after warning; its docstring says
    which name to use.

    Examples
    --------
    >>> import warnings
    >>> def tail(n):
    ...     return n + 1
    >>> old = renamed_function(tail, "survival")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     value = old(1)
    >>> value, old.__name__, caught[0].category.__name__
    (2, 'survival', 'SupercoherenceDeprecationWarning')
    """

    @functools.wraps(new)
    def alias(*args: Any, **kwargs: Any) -> Any:
        warn_renamed(old, new.__name__)
        return new(*args, **kwargs)

    alias.__name__ = old
    owner, _, _ = new.__qualname__.rpartition(".")
    alias.__qualname__ = f"{owner}.{old}" if owner else old
    alias.__doc__ = f"Deprecated alias of :func:`{new.__name__}` (issue 9)."
    alias.__wrapped__ = new  # type: ignore[attr-defined]
    return alias


def module_aliases(module: str, aliases: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` serving deprecated names (PEP 562).

    Parameters
    ----------
    module : str
        The module's ``__name__``.
    aliases : mapping
        Old name -> new name (an attribute of the same module).

    Examples
    --------
    >>> import warnings
    >>> getattr_ = module_aliases("supercoherence.theory.recursion", {"Outcome": "Dichotomy"})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     getattr_("Outcome").__name__
    'Dichotomy'
    >>> str(caught[0].message)
    'supercoherence.theory.recursion.Outcome is deprecated; use Dichotomy'
    """

    def __getattr__(name: str) -> Any:
        if name in aliases:
            warn_renamed(f"{module}.{name}", aliases[name])
            return getattr(importlib.import_module(module), aliases[name])
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
