r"""Safe, exact parsing of user expressions: nothing a user types is ever executed.

Every string that reaches the symbolic layer -- a CLI parameter (``-p q=1/(n+2)**2``),
an expression in a study file, a string argument of the Python API -- is parsed here
and nowhere else.  :func:`sympy.sympify` is *not* used on strings: it calls
:func:`eval`, so ``__import__('os').system(...)`` inside a parameter would run.

How it works (and why this design)
----------------------------------
The text is parsed by Python's own parser into an abstract syntax tree
(:func:`ast.parse` builds a tree and executes nothing), and the tree is walked
against a whitelist before any sympy object is built:

* numbers: integer and decimal literals, read from the *source text* so that
  ``0.1`` is exactly :math:`1/10` and ``1e-300`` exactly :math:`10^{-300}`
  (Python's float literal would already have rounded them);
* names: the framework's symbols (:mod:`supercoherence.theory.symbols` and the
  caller's vocabulary), the constants ``pi``, ``E``, ``oo``/``inf``, ``True``/``False``,
  and -- only where the caller allows it -- new plain symbols;
* operators ``+ - * / **``, comparisons, tuples (for ``Piecewise``) and, where
  the caller allows it, lists (matrices);
* calls of whitelisted mathematical functions (``exp``, ``log``, ``sqrt``,
  ``factorial``, ``Piecewise``, ...) by a bare name, with positional arguments.

Attributes, subscripts, lambdas, comprehensions, keyword arguments, f-strings,
starred arguments, walrus, strings and every other node are refused, as are
names starting with an underscore.  A walk over an explicit whitelist was
preferred to :func:`sympy.parsing.sympy_parser.parse_expr` with a restricted
namespace because ``parse_expr`` still ends in :func:`eval` of generated code:
a restricted global namespace is a blacklist in disguise (``().__class__`` needs
no name at all), while a tree that contains only whitelisted nodes cannot reach
an attribute or a builtin.

Limits: at most :data:`MAX_EXPRESSION_LENGTH` characters and nesting depth
:data:`MAX_EXPRESSION_DEPTH` (long flat sums such as ``1+1+...+1`` are folded
without recursion).  Integer powers, factorials and binomials whose exact value
would exceed :data:`MAX_EXACT_DIGITS` digits are refused instead of hanging.

Examples
--------
>>> parse_expression("1/(n+2)**2", name="q")
(n + 2)**(-2)
>>> parse_expression("1e-17/(n+1)", name="q")
1/(100000000000000000*(n + 1))
>>> parse_expression("0.1", name="p")
1/10
>>> parse_expression("__import__('os').system('true')", name="q")
Traceback (most recent call last):
...
supercoherence.errors.ExpressionError: q = ... only calls of whitelisted functions ...
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import sympy as sp

from supercoherence.errors import ExpressionError, did_you_mean

__all__ = [
    "FUNCTIONS",
    "MAX_EXACT_DIGITS",
    "MAX_EXPRESSION_DEPTH",
    "MAX_EXPRESSION_LENGTH",
    "exact_number",
    "framework_symbols",
    "parse_expression",
]

#: Longest expression accepted, in characters.
MAX_EXPRESSION_LENGTH = 2000
#: Deepest nesting of the expression tree accepted (flat sums and products do not count).
MAX_EXPRESSION_DEPTH = 60
#: Largest exact integer (in decimal digits) an expression may ask for by ``**``, ``!``, ...
MAX_EXACT_DIGITS = 10_000

#: The mathematical functions an expression may call, by the name it uses.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "exp": sp.exp,
    "log": sp.log,
    "ln": sp.log,
    "sqrt": sp.sqrt,
    "root": sp.root,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "asin": sp.asin,
    "acos": sp.acos,
    "atan": sp.atan,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "abs": sp.Abs,
    "Abs": sp.Abs,
    "sign": sp.sign,
    "floor": sp.floor,
    "ceiling": sp.ceiling,
    "ceil": sp.ceiling,
    "Min": sp.Min,
    "Max": sp.Max,
    "min": sp.Min,
    "max": sp.Max,
    "factorial": sp.factorial,
    "binomial": sp.binomial,
    "gamma": sp.gamma,
    "loggamma": sp.loggamma,
    "beta": sp.beta,
    "zeta": sp.zeta,
    "harmonic": sp.harmonic,
    "erf": sp.erf,
    "erfc": sp.erfc,
    "LambertW": sp.LambertW,
    "Piecewise": sp.Piecewise,
    "KroneckerDelta": sp.KroneckerDelta,
    "Heaviside": sp.Heaviside,
    "Eq": sp.Eq,
    "Ne": sp.Ne,
    "Lt": sp.Lt,
    "Le": sp.Le,
    "Gt": sp.Gt,
    "Ge": sp.Ge,
    "And": sp.And,
    "Or": sp.Or,
    "Not": sp.Not,
    "Rational": sp.Rational,
}

_CONSTANTS: dict[str, sp.Basic] = {
    "pi": sp.pi,
    "E": sp.E,
    "oo": sp.oo,
    "inf": sp.oo,
    "Infinity": sp.oo,
    "True": sp.true,
    "False": sp.false,
}

_COMPARISONS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: sp.Eq,
    ast.NotEq: sp.Ne,
    ast.Lt: sp.Lt,
    ast.LtE: sp.Le,
    ast.Gt: sp.Gt,
    ast.GtE: sp.Ge,
}

#: Functions whose exact value at a large integer is astronomically long.
_GROWING = {"factorial", "gamma", "binomial"}


def framework_symbols() -> dict[str, sp.Basic]:
    """The framework's symbols by the names a user types (``lambda`` is :math:`\\lambda`).

    Examples
    --------
    >>> framework_symbols()["lambda"]
    lambda
    >>> framework_symbols()["n"].is_integer
    True
    """
    from supercoherence.theory import symbols as S

    # The recursion's symbols only: "x" in a utility stays the caller's own symbol.
    vocabulary: dict[str, sp.Basic] = {nm: getattr(S, nm) for nm in S.RECURSION}
    vocabulary["lambda"] = S.lam
    return vocabulary


def exact_number(name: str, value: Any) -> sp.Expr:
    """A Python or numpy number as the exact sympy number it denotes.

    A float is the binary number it is (``Rational(0.1)`` is
    ``3602879701896397/36028797018963968``): nothing is snapped to a "nearby
    simple" rational.  ``inf`` is :math:`\\infty`; ``nan`` is refused.

    Examples
    --------
    >>> exact_number("p", 0.25)
    1/4
    >>> exact_number("d", 1 - 1e-10) == 1
    False
    >>> exact_number("p", float("nan"))
    Traceback (most recent call last):
    ...
    supercoherence.errors.ExpressionError: p = nan is not a valid expression: not a number (NaN)
    """
    if isinstance(value, bool):
        return sp.Integer(int(value))
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if hasattr(value, "dtype") and getattr(value, "shape", None) == ():
        value = value.item()  # numpy scalar
        return exact_number(name, value)
    if isinstance(value, float):
        if math.isnan(value):
            raise ExpressionError(name, value, "not a number (NaN)")
        if math.isinf(value):
            return sp.oo if value > 0 else -sp.oo
        return sp.Rational(value)
    raise ExpressionError(name, value, f"not a number ({type(value).__name__})")


def parse_expression(
    text: str,
    *,
    name: str,
    symbols: Mapping[str, sp.Basic] | None = None,
    new_symbols: bool = False,
    lists: bool = False,
) -> Any:
    """Parse ``text`` into an exact sympy object without executing anything.

    Parameters
    ----------
    text : str
        The expression, in Python/sympy syntax (``**`` or ``^`` for powers).
    name : str
        The parameter the text is for; named in every error.
    symbols : mapping, optional
        Names the expression may use besides the functions and constants; default
        :func:`framework_symbols`.
    new_symbols : bool, default False
        Whether other identifiers become new plain symbols (for utilities over
        outcome variables); otherwise they are refused with a did-you-mean.
    lists : bool, default False
        Whether ``[...]`` lists (matrix rows) are allowed; they come back as lists.

    Returns
    -------
    sympy.Basic or list
        The parsed object, with every decimal literal exact.

    Raises
    ------
    ExpressionError
        If the text is too long, too deep, not an expression, or uses anything
        outside the whitelist; the message names the parameter and the reason.

    Examples
    --------
    >>> parse_expression("exp(-delta*(n+1))", name="q")
    exp(-delta*(n + 1))
    >>> parse_expression("x + 2*y", name="u", symbols={}, new_symbols=True)
    x + 2*y
    >>> parse_expression("n.__class__", name="q")
    Traceback (most recent call last):
    ...
    supercoherence.errors.ExpressionError: q = ... attribute access is not allowed ...
    """
    if not isinstance(text, str):
        raise ExpressionError(name, text, "not a string")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            name, text[:40] + "...", f"longer than {MAX_EXPRESSION_LENGTH} characters"
        )
    # ``lambda`` is a Python keyword but the framework's name for the spawn rate.
    source = _LAMBDA_WORD.sub("lam", text.strip().replace("^", "**"))
    if not source:
        raise ExpressionError(name, text, "empty expression")
    depth = _bracket_depth(source)
    if depth > MAX_EXPRESSION_DEPTH:
        raise ExpressionError(
            name, text, f"brackets nest {depth} deep (the limit is {MAX_EXPRESSION_DEPTH})"
        )
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        reason = exc.msg if isinstance(exc, SyntaxError) else "unparsable expression"
        raise ExpressionError(name, text, f"unparsable expression ({reason})") from None
    builder = _Builder(
        name=name,
        text=text,
        source=source,
        vocabulary=framework_symbols() if symbols is None else dict(symbols),
        new_symbols=new_symbols,
        lists=lists,
    )
    try:
        return builder.build(tree.body, 0)
    except ExpressionError:
        raise
    except (TypeError, ValueError, ArithmeticError, AttributeError, sp.SympifyError) as exc:
        raise ExpressionError(name, text, f"not a valid expression ({exc})") from None
    except RecursionError:
        raise ExpressionError(name, text, "expression too deeply nested") from None


_LAMBDA_WORD = re.compile(r"\blambda\b")


def _bracket_depth(source: str) -> int:
    depth = deepest = 0
    for char in source:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


class _Builder:
    """Walks a whitelisted tree and builds the sympy object bottom-up."""

    def __init__(
        self,
        *,
        name: str,
        text: str,
        source: str,
        vocabulary: dict[str, sp.Basic],
        new_symbols: bool,
        lists: bool,
    ) -> None:
        self.name = name
        self.text = text
        self.source = source
        self.vocabulary = vocabulary
        self.new_symbols = new_symbols
        self.lists = lists

    def fail(self, reason: str) -> ExpressionError:
        return ExpressionError(self.name, self.text, reason)

    def build(self, node: ast.AST, depth: int) -> Any:
        if depth > MAX_EXPRESSION_DEPTH:
            raise self.fail(f"expression nests deeper than {MAX_EXPRESSION_DEPTH} levels")
        if isinstance(node, ast.BinOp):
            return self._binary(node, depth)
        if isinstance(node, ast.UnaryOp):
            operand = self.build(node.operand, depth + 1)
            if isinstance(node.op, ast.USub):
                return -operand
            if isinstance(node.op, ast.UAdd):
                return operand
            if isinstance(node.op, ast.Not):
                return sp.Not(operand)
            raise self.fail(f"operator {type(node.op).__name__} is not allowed")
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        if isinstance(node, ast.Compare):
            return self._compare(node, depth)
        if isinstance(node, ast.BoolOp):
            values = [self.build(v, depth + 1) for v in node.values]
            return sp.And(*values) if isinstance(node.op, ast.And) else sp.Or(*values)
        if isinstance(node, ast.Tuple):
            return tuple(self.build(e, depth + 1) for e in node.elts)
        if isinstance(node, ast.List):
            if not self.lists:
                raise self.fail("lists are not allowed here")
            return [self.build(e, depth + 1) for e in node.elts]
        raise self.fail(f"{_describe(node)} is not allowed in an expression")

    def _binary(self, node: ast.BinOp, depth: int) -> Any:
        # Fold a left-leaning chain of + - (or * /) iteratively: ``1+1+...+1`` is flat.
        family = _family(node.op)
        if family is not None:
            chain: list[tuple[ast.operator, ast.AST]] = []
            left: ast.AST = node
            while isinstance(left, ast.BinOp) and _family(left.op) == family:
                chain.append((left.op, left.right))
                left = left.left
            value = self.build(left, depth + 1)
            for op, right in reversed(chain):
                value = self._apply(op, value, self.build(right, depth + 1))
            return value
        if isinstance(node.op, ast.Pow):
            base = self.build(node.left, depth + 1)
            exponent = self.build(node.right, depth + 1)
            self._check_power(base, exponent)
            return base**exponent
        raise self.fail(
            f"operator {_OPERATOR_TEXT.get(type(node.op), type(node.op).__name__)} is not allowed"
        )

    def _apply(self, op: ast.operator, left: Any, right: Any) -> Any:
        for value in (left, right):
            if not isinstance(value, sp.Basic):
                raise self.fail("arithmetic needs numbers or expressions on both sides")
        if isinstance(op, ast.Add):
            return left + right
        if isinstance(op, ast.Sub):
            return left - right
        if isinstance(op, ast.Mult):
            return left * right
        if right == 0:
            raise self.fail("division by zero")
        return left / right

    def _check_power(self, base: Any, exponent: Any) -> None:
        if not (isinstance(base, sp.Basic) and isinstance(exponent, sp.Basic)):
            raise self.fail("arithmetic needs numbers or expressions on both sides")
        if base.is_Number and exponent.is_Number and base not in (0, 1, -1):
            bits = abs(float(exponent)) * math.log10(max(abs(float(base)), 1 / abs(float(base))))
            if exponent.is_Integer and bits > MAX_EXACT_DIGITS:
                raise self.fail(
                    f"the power has about {bits:.3g} digits (the limit is {MAX_EXACT_DIGITS})"
                )
            if not exponent.is_Integer and abs(exponent) > MAX_EXACT_DIGITS:
                raise self.fail(f"exponent {exponent} too large (the limit is {MAX_EXACT_DIGITS})")

    def _constant(self, node: ast.Constant) -> sp.Basic:
        value = node.value
        if isinstance(value, bool):
            return sp.true if value else sp.false
        if isinstance(value, int):
            return sp.Integer(value)
        if isinstance(value, float):
            literal = ast.get_source_segment(self.source, node)
            if literal is None:  # pragma: no cover - the parser always records positions
                raise self.fail("a decimal literal without its text")
            literal = literal.replace("_", "")
            if literal.lower() in ("inf", "infinity"):
                return sp.oo
            exponent = literal.lower().partition("e")[2]
            if exponent and abs(int(exponent)) > MAX_EXACT_DIGITS:
                raise self.fail(f"exponent of {literal} beyond +-{MAX_EXACT_DIGITS}")
            return sp.Rational(literal)
        if isinstance(value, complex):
            raise self.fail("complex numbers are not allowed")
        raise self.fail(f"{type(value).__name__} literals are not allowed")

    def _name(self, identifier: str) -> sp.Basic:
        if identifier.startswith("_"):
            raise self.fail(f"name {identifier!r} is not allowed (names may not start with '_')")
        if identifier in self.vocabulary:
            return self.vocabulary[identifier]
        if identifier in _CONSTANTS:
            return _CONSTANTS[identifier]
        if identifier in FUNCTIONS:
            raise self.fail(f"{identifier!r} is a function: call it, e.g. {identifier}(...)")
        if self.new_symbols:
            return sp.Symbol(identifier)
        known = sorted(set(self.vocabulary) | set(_CONSTANTS))
        hint = did_you_mean(identifier, known)
        hint = f" ({hint})" if hint else ""
        raise self.fail(f"unknown name {identifier!r}{hint}; known names: {', '.join(known)}")

    def _call(self, node: ast.Call, depth: int) -> Any:
        if not isinstance(node.func, ast.Name):
            raise self.fail("only calls of whitelisted functions by name are allowed")
        function_name = node.func.id
        if function_name not in FUNCTIONS or function_name.startswith("_"):
            hint = did_you_mean(function_name, sorted(FUNCTIONS))
            hint = f" ({hint})" if hint else ""
            raise self.fail(f"function {function_name!r} is not allowed{hint}")
        if node.keywords:
            raise self.fail(f"keyword arguments are not allowed (in {function_name}(...))")
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            raise self.fail(f"starred arguments are not allowed (in {function_name}(...))")
        args = [self.build(arg, depth + 1) for arg in node.args]
        if function_name in _GROWING:
            self._check_growth(function_name, args)
        return FUNCTIONS[function_name](*args)

    def _check_growth(self, function_name: str, args: list[Any]) -> None:
        for arg in args:
            if isinstance(arg, sp.Basic) and arg.is_Number and abs(arg) > 3000:
                raise self.fail(
                    f"{function_name} of {arg} is too large to compute exactly "
                    "(arguments up to 3000)"
                )

    def _compare(self, node: ast.Compare, depth: int) -> Any:
        left = self.build(node.left, depth + 1)
        relations = []
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.build(comparator, depth + 1)
            relation = _COMPARISONS.get(type(op))
            if relation is None:
                raise self.fail(f"comparison {type(op).__name__} is not allowed")
            relations.append(relation(left, right))
            left = right
        return relations[0] if len(relations) == 1 else sp.And(*relations)


_OPERATOR_TEXT = {
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^ (bitwise)",
    ast.LShift: "<<",
    ast.RShift: ">>",
}


def _family(op: ast.operator) -> str | None:
    if isinstance(op, (ast.Add, ast.Sub)):
        return "sum"
    if isinstance(op, (ast.Mult, ast.Div)):
        return "product"
    return None


def _describe(node: ast.AST) -> str:
    names = {
        ast.Attribute: "attribute access",
        ast.Subscript: "subscripting",
        ast.Lambda: "a lambda",
        ast.ListComp: "a comprehension",
        ast.SetComp: "a comprehension",
        ast.DictComp: "a comprehension",
        ast.GeneratorExp: "a generator",
        ast.JoinedStr: "a format string",
        ast.NamedExpr: "an assignment",
        ast.IfExp: "a conditional expression (use Piecewise)",
        ast.Dict: "a dict",
        ast.Set: "a set",
        ast.Await: "await",
        ast.Yield: "yield",
        ast.Starred: "unpacking",
        ast.Slice: "a slice",
    }
    return names.get(type(node), type(node).__name__)
