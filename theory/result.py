"""Every result three ways: exact expression, numeric function, LaTeX.

:class:`Derived` wraps a sympy expression together with the free symbols it is
a function of.  ``.exact`` is the expression, ``.numeric`` a vectorised numpy
function of those symbols (keyword arguments by symbol name), ``.latex`` its
LaTeX, and ``.to_json()`` the ``{"exact", "value", "latex"}`` record the command
line prints.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import sympy as sp

from supercoherence.errors import ParameterError

__all__ = ["Derived", "derived", "sympify_param"]


def _arg_name(symbol: sp.Symbol) -> str:
    """The keyword a numeric function expects for ``symbol`` (``h_0`` -> ``h0``)."""
    return symbol.name.replace("_", "").replace("lambda", "lam")


@dataclass(frozen=True)
class Derived:
    """An exact result with its numeric function and LaTeX.

    Parameters
    ----------
    name : str
        What the result is (``"survival"``, ``"extinction probability"``).
    exact : sympy.Expr
        The exact expression.
    symbols : tuple of sympy.Symbol, optional
        Arguments of the numeric function, in order; default: the free symbols,
        sorted by name.

    Examples
    --------
    >>> from supercoherence.theory.symbols import h0, delta
    >>> res = Derived("never overthrown", sp.exp(-h0 / delta))
    >>> res.latex
    'e^{- \\\\frac{h_{0}}{\\\\delta}}'
    >>> round(float(res.numeric(delta=2.0, h0=1.0)), 6)
    0.606531
    >>> res.numeric(delta=1.0, h0=np.array([0.0, 1.0])).round(4).tolist()
    [1.0, 0.3679]
    >>> res.subs(h0=1, delta=2).exact
    exp(-1/2)
    """

    name: str
    exact: sp.Expr
    symbols: tuple[sp.Symbol, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "exact", sp.sympify(self.exact))
        if not self.symbols:
            free = sorted(self.exact.free_symbols, key=lambda s: s.name)
            object.__setattr__(self, "symbols", tuple(free))

    @cached_property
    def _lambdified(self) -> Callable[..., Any]:
        return sp.lambdify(self.symbols, self.exact, modules=["scipy", "numpy"])

    @property
    def argument_names(self) -> tuple[str, ...]:
        """Keyword names of :meth:`numeric` (``lambda`` is ``lam``, ``h_0`` is ``h0``)."""
        return tuple(_arg_name(s) for s in self.symbols)

    def numeric(self, **values: Any) -> Any:
        """Evaluate the result for numbers or numpy arrays (broadcast).

        Raises
        ------
        ParameterError
            If an argument is missing or unknown.
        """
        names = self.argument_names
        unknown = set(values) - set(names)
        if unknown:
            raise ParameterError(
                sorted(unknown)[0], values[sorted(unknown)[0]], f"one of {list(names)}",
                "unknown argument",
            )
        missing = [nm for nm in names if nm not in values]
        if missing:
            raise ParameterError(missing[0], None, "a number or array", "missing argument")
        args = [np.asarray(values[nm], dtype=float) for nm in names]
        with np.errstate(all="ignore"):
            out = np.real_if_close(self._lambdified(*args))  # Lambert W & co. are complex-typed
        if np.ndim(out) == 0:
            return float(out)
        return np.broadcast_to(out, np.broadcast_shapes(*(np.shape(x) for x in args))).copy()

    @property
    def latex(self) -> str:
        """LaTeX of the exact expression."""
        return sp.latex(self.exact)

    def subs(self, **values: Any) -> Derived:
        """Substitute values (by keyword name) and return a new :class:`Derived`."""
        by_name = {_arg_name(s): s for s in self.symbols}
        mapping = {}
        for key, val in values.items():
            if key not in by_name:
                raise ParameterError(key, val, f"one of {list(by_name)}", "unknown argument")
            mapping[by_name[key]] = sp.nsimplify(val) if isinstance(val, float) else val
        return Derived(self.name, self.exact.subs(mapping))

    def value(self) -> float:
        """The float value of a result with no free symbols (NaN if undefined)."""
        if self.exact.free_symbols:
            raise ParameterError(
                str(sorted(self.exact.free_symbols, key=str)[0]), None, "a value",
                "free symbol left; pass it with subs()",
            )
        try:
            return float(sp.N(self.exact, 17))
        except TypeError:
            return math.nan

    def to_json(self) -> dict[str, Any]:
        """``{"exact": str, "value": float | None, "latex": str}``."""
        value = None if self.exact.free_symbols else self.value()
        return {"name": self.name, "exact": sp.sstr(self.exact), "value": value,
                "latex": self.latex}

    def __str__(self) -> str:
        return f"{self.name}: {sp.sstr(self.exact)}"


def derived(name: str, exact: Any, *symbols: sp.Symbol) -> Derived:
    """Factory for :class:`Derived` (sympifies ``exact``).

    Examples
    --------
    >>> from supercoherence.theory.symbols import q
    >>> derived("mean number of takeovers", (1 - q) / q).latex
    '\\\\frac{1 - q}{q}'
    """
    return Derived(name, sp.sympify(exact), tuple(symbols))


def sympify_param(name: str, value: Any) -> sp.Expr:
    """Sympify a user parameter, turning floats into exact rationals where exact.

    Raises
    ------
    ExpressionError
        If ``value`` is a string sympy cannot parse.

    Examples
    --------
    >>> sympify_param("q", "1/(n+2)**2")
    (n + 2)**(-2)
    >>> sympify_param("p", 0.25)
    1/4
    """
    from supercoherence.errors import ExpressionError
    from supercoherence.theory import symbols as S

    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, float):
        return sp.nsimplify(value, rational=True) if math.isfinite(value) else sp.Float(value)
    if isinstance(value, str):
        local = {name_: getattr(S, name_) for name_ in S.__all__}
        local["lambda"] = S.lam
        local["h0"] = S.h0
        try:
            return sp.sympify(value, locals=local)
        except (sp.SympifyError, SyntaxError, TypeError) as exc:
            raise ExpressionError(name, value, "unparsable expression") from exc
    try:
        return sp.sympify(value)
    except (sp.SympifyError, TypeError) as exc:
        raise ExpressionError(name, value, "not a number or expression") from exc


