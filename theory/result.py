"""Every result three ways: exact expression, numeric function, LaTeX.

:class:`Derived` wraps a sympy expression together with the free symbols it is
a function of.  ``.exact`` is the expression, ``.numeric`` a vectorised numpy
function of those symbols (keyword arguments by symbol name), ``.latex`` its
LaTeX, and ``.to_json()`` the ``{"exact", "value", "latex"}`` record the command
line prints.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
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
        exact = sympify_param(self.name, self.exact) if isinstance(self.exact, str) else self.exact
        # strings went through the safe parser above; strict sympify refuses any string or
        # object without an explicit sympy conversion, so nothing here evaluates text
        object.__setattr__(self, "exact", sp.sympify(exact, strict=True))
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
                sorted(unknown)[0],
                values[sorted(unknown)[0]],
                f"one of {list(names)}",
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
            mapping[by_name[key]] = sympify_param(key, val)
        return Derived(self.name, self.exact.subs(mapping))

    def value(self) -> float:
        """The float value of a result with no free symbols (NaN if undefined)."""
        if self.exact.free_symbols:
            raise ParameterError(
                str(sorted(self.exact.free_symbols, key=str)[0]),
                None,
                "a value",
                "free symbol left; pass it with subs()",
            )
        try:
            return float(sp.N(self.exact, 17))
        except TypeError:
            return math.nan

    def to_json(self) -> dict[str, Any]:
        """``{"exact": str, "value": float | None, "latex": str}``."""
        value = None if self.exact.free_symbols else self.value()
        return {
            "name": self.name,
            "exact": sp.sstr(self.exact),
            "value": value,
            "latex": self.latex,
        }

    def __str__(self) -> str:
        return f"{self.name}: {sp.sstr(self.exact)}"

    def _value_text(self) -> str | None:
        """``"= 0.50443"`` when the result has no free symbol and is not a plain number."""
        if self.exact.free_symbols or self.exact.is_Integer:
            return None
        value = self.value()
        return None if math.isnan(value) else f"{value:.6g}"

    def _repr_latex_(self) -> str:
        r"""Notebook display: the name and the exact result in display maths.

        Examples
        --------
        >>> from supercoherence.theory.symbols import q
        >>> Derived("mean takeovers", (1 - q) / q)._repr_latex_()
        '$\\displaystyle \\text{mean takeovers:}\\quad \\frac{1 - q}{q}$'
        >>> Derived("half", sp.Rational(1, 2))._repr_latex_()
        '$\\displaystyle \\text{half:}\\quad \\frac{1}{2} \\approx 0.5$'
        """
        value = self._value_text()
        tail = "" if value is None else rf" \approx {value}"
        name = self.name.replace("\\", "").replace("{", "(").replace("}", ")")
        return rf"$\displaystyle \text{{{name}:}}\quad {self.latex}{tail}$"

    def _repr_markdown_(self) -> str:
        r"""Notebook display as Markdown: the name in bold, the result as raw TeX.

        Examples
        --------
        >>> from supercoherence.theory.symbols import q
        >>> print(Derived("mean takeovers", (1 - q) / q)._repr_markdown_())
        **mean takeovers**
        <BLANKLINE>
        $$\frac{1 - q}{q}$$
        """
        value = self._value_text()
        tail = "" if value is None else f"\n\nnumerically {value}"
        return f"**{self.name}**\n\n$${self.latex}$${tail}"

    def _repr_html_(self) -> str:
        r"""Notebook display as HTML (for front ends without a TeX renderer).

        The TeX is kept between ``$$`` for a page that typesets it (Jupyter does) and
        escaped for HTML.

        Examples
        --------
        >>> from supercoherence.theory.symbols import q
        >>> Derived("P(N < 2)", q)._repr_html_()
        '<div><strong>P(N &lt; 2)</strong>: $$q$$</div>'
        """
        import html

        value = self._value_text()
        tail = "" if value is None else f" &asymp; {html.escape(value)}"
        return (
            f"<div><strong>{html.escape(self.name)}</strong>: "
            f"$${html.escape(self.latex)}$${tail}</div>"
        )


def derived(name: str, exact: Any, *symbols: sp.Symbol) -> Derived:
    """Factory for :class:`Derived` (sympifies ``exact``).

    Examples
    --------
    >>> from supercoherence.theory.symbols import q
    >>> derived("mean number of takeovers", (1 - q) / q).latex
    '\\\\frac{1 - q}{q}'
    """
    if isinstance(exact, str):
        exact = sympify_param(name, exact)
    return Derived(name, sp.sympify(exact, strict=True), tuple(symbols))


def sympify_param(
    name: str,
    value: Any,
    *,
    symbols: Mapping[str, sp.Basic] | None = None,
    new_symbols: bool = False,
) -> sp.Expr:
    """A user parameter as the exact sympy object it denotes; nothing is executed or rounded.

    A float is the binary number it is (``sympy.Rational(float)``), a decimal
    string is the decimal it spells (``"0.1"`` is exactly 1/10), and a string is
    parsed by :func:`supercoherence.theory.expressions.parse_expression` (a
    whitelist walk of the syntax tree: no ``eval``).

    Parameters
    ----------
    name : str
        The parameter's name, used in errors.
    value : number, str or sympy object
        The value.
    symbols : mapping, optional
        Vocabulary of names for strings (default: the framework's symbols).
    new_symbols : bool, default False
        Whether unknown names in a string become new plain symbols.

    Raises
    ------
    ExpressionError
        If ``value`` is a string outside the expression whitelist, NaN, or not a number.

    Examples
    --------
    >>> sympify_param("q", "1/(n+2)**2")
    (n + 2)**(-2)
    >>> sympify_param("p", 0.25)
    1/4
    >>> sympify_param("d", 1 - 1e-10) < 1
    True
    >>> sympify_param("p", "0.1")
    1/10
    """
    from supercoherence.theory.expressions import exact_number, parse_expression

    if isinstance(value, sp.Basic):
        floats = value.atoms(sp.Float) if isinstance(value, sp.Expr) else set()
        if floats:
            # A sympy Float is a binary number too: make it exact, never "nearby simple".
            return value.xreplace({f: _exact_float(name, f) for f in floats})
        return value
    if isinstance(value, str):
        return parse_expression(value, name=name, symbols=symbols, new_symbols=new_symbols)
    return exact_number(name, value)


def _exact_float(name: str, value: sp.Float) -> sp.Expr:
    from supercoherence.theory.expressions import exact_number

    if value.is_finite:
        return sp.Rational(value)
    return exact_number(name, float(value))
