"""The expression parser executes nothing and rounds nothing (issues 16 and 17).

Every string a user types reaches sympy through
:func:`supercoherence.theory.expressions.parse_expression`; these tests try to make it
run code (a gallery of injection attempts and a hypothesis fuzz over arbitrary text)
and check that decimal literals are exact.
"""

from __future__ import annotations

import string
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supercoherence.errors import ExpressionError
from supercoherence.theory import symbols as S
from supercoherence.theory.expressions import (
    MAX_EXPRESSION_DEPTH,
    MAX_EXPRESSION_LENGTH,
    exact_number,
    framework_symbols,
    parse_expression,
)
from supercoherence.theory.result import sympify_param

#: Injection attempts: each would execute code (or read state) under ``sympy.sympify``.
INJECTIONS = [
    "__import__('os').system('touch {marker}')",
    "__import__('os').system('touch {marker}') or 1/(n+2)",
    "1/(n+2) if __import__('os').system('touch {marker}') else 0",
    "().__class__.__base__.__subclasses__()",
    "(1).__class__.__mro__[-1].__subclasses__()",
    "getattr(__builtins__, 'exec')('open(\"{marker}\", \"w\")')",
    "getattr(getattr(n, '__class__'), '__init__')",
    'exec(\'open("{marker}", "w")\')',
    "eval('1')",
    "open('{marker}', 'w')",
    "(lambda: __import__('os').system('touch {marker}'))()",
    "[__import__('os').system('touch {marker}') for _ in (1,)][0]",
    "{{x: 1 for x in (1,)}}",
    "(x for x in (1,))",
    'f\'{{__import__("os").system("touch {marker}")}}\'',
    "'{{0.__class__}}'.format(1)",
    "n.__class__",
    "exp.__globals__",
    "Symbol('x')",
    "sympify('__import__(\"os\")')",
    "Function('f')(n)",
    "(y := 3)",
    "exp(*[1])",
    "exp(x=1)",
    "n[0]",
    "n @ n",
    "n % 2",
    "n // 2",
    "~n",
    "None",
    "'text'",
    "b'bytes'",
    "1j",
    "...",
    "print(1)",
    "q; import os",
    "import os",
    "globals()",
    "vars()",
    "_",
    "exp(" * 200 + "1" + ")" * 200,
    "(" * 10_000 + "1" + ")" * 10_000,
    "-" * 5000 + "1",
    "1" + "+1" * 3000,
    "9" * 5000,
    "10**10**10",
    "factorial(10**6)",
    "2**(2**64)",
    "1e999999999",
]


@pytest.mark.parametrize("template", INJECTIONS)
def test_injection_attempts_execute_nothing(template: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = template.format(marker=marker) if "{marker}" in template else template
    text = text.replace("{{", "{").replace("}}", "}") if "{marker}" not in template else text
    with pytest.raises(ExpressionError) as info:
        sympify_param("q", text)
    assert info.value.name == "q"
    assert not marker.exists()


def test_cli_injection_executes_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    for payload in (
        f"q=__import__('os').system('touch {marker}')",
        f"q=__import__('os').system('touch {marker}') or 1/(n+2)",
    ):
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "supercoherence.cli",
                "derive",
                "recurrence-probability",
                "-p",
                payload,
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        assert out.returncode == 2, out.stdout
        assert "not a valid expression" in out.stderr
        assert "Traceback" not in out.stderr
    assert not marker.exists()


@pytest.mark.parametrize(
    "name, payload",
    [("gamma", "__import__('os').getcwd()"), ("h", "exp.__globals__"), ("pgf", "(lambda s: s)(s)")],
)
def test_cli_other_parameters_execute_nothing(name: str, payload: str) -> None:
    result = {"gamma": "success", "h": "survival", "pgf": "extinction"}[name]
    out = subprocess.run(
        [sys.executable, "-m", "supercoherence.cli", "derive", result, "-p", f"{name}={payload}"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert f"{name} = " in out.stderr and "Traceback" not in out.stderr


#: Characters from which the fuzz builds texts: operators, brackets, quotes, dunders.
ALPHABET = string.ascii_letters + string.digits + "_.,()[]{}+-*/^%@!<>=:;'\" \\"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_fuzz_every_text_parses_or_is_refused(text: str) -> None:
    """Every string is an expression over the vocabulary or an ExpressionError."""
    try:
        value = parse_expression(text, name="q")
    except ExpressionError as exc:
        assert exc.name == "q"
        return
    allowed = set(framework_symbols().values())
    if isinstance(value, sp.Basic):
        assert value.free_symbols <= allowed


_NAMES = st.sampled_from(["n", "k", "delta", "h0", "__class__", "_x", "os", "exp", "q"])
_ATOMS = st.one_of(
    st.integers(-1000, 1000).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=6).map(str),
    _NAMES,
)


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/", "**", ".", "%"]), children)
    call = st.tuples(st.sampled_from(["exp", "log", "getattr", "__import__", "floor"]), children)
    return st.one_of(
        binary.map(lambda t: f"({t[0]}{t[1]}{t[2]})"),
        call.map(lambda t: f"{t[0]}({t[1]})"),
        children.map(lambda c: f"-{c}"),
    )


@settings(max_examples=300, deadline=None)
@given(st.recursive(_ATOMS, _combine, max_leaves=12))
def test_fuzz_structured_expressions(text: str) -> None:
    """Grammar-shaped fuzz: vocabulary-only texts parse; anything else is refused."""
    try:
        value = parse_expression(text, name="q")
    except ExpressionError:
        return
    assert isinstance(value, sp.Basic)
    assert "__" not in text and "getattr" not in text and "os" not in text
    assert not any(sym.name in {"__class__", "_x", "os"} for sym in value.free_symbols)


@settings(max_examples=200, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False, places=12))
def test_decimal_literals_are_exact(value) -> None:
    text = str(value)
    assert parse_expression(text, name="p") == sp.Rational(text)


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_are_the_binary_numbers_they_are(value: float) -> None:
    """No float is snapped to a 'nearby simple' rational."""
    exact = sympify_param("p", value)
    assert exact == sp.Rational(value)
    assert float(exact) == value


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1e-17/(n+1)", sp.Rational(1, 10**17) / (S.n + 1)),
        ("1e-300", sp.Rational(1, 10**300)),
        ("0.1", sp.Rational(1, 10)),
        ("0.9999999999", sp.Rational(9999999999, 10**10)),
        ("2^3", sp.Integer(8)),
        ("1_000", sp.Integer(1000)),
        ("exp(-delta*(n+1))", sp.exp(-S.delta * (S.n + 1))),
        ("Piecewise((1, Eq(n, 3)), (0, True))", sp.Piecewise((1, sp.Eq(S.n, 3)), (0, True))),
        ("KroneckerDelta(n, 0)/2", sp.KroneckerDelta(S.n, 0) / 2),
        ("1/factorial(n+2)", 1 / sp.factorial(S.n + 2)),
        ("lambda*t", S.lam * S.t),
        ("1" + "+1" * 900, sp.Integer(901)),
    ],
)
def test_valid_expressions(text: str, expected: sp.Basic) -> None:
    assert parse_expression(text, name="q") == expected


def test_symbols_carry_the_framework_assumptions() -> None:
    assert parse_expression("n", name="q") is S.n
    assert parse_expression("n", name="q").is_integer


def test_unknown_name_is_refused_with_a_suggestion() -> None:
    with pytest.raises(ExpressionError, match="did you mean 'delta'"):
        parse_expression("exp(-detla*n)", name="q")


def test_new_symbols_only_where_allowed() -> None:
    x = parse_expression("x**2", name="u", symbols={}, new_symbols=True)
    assert x == sp.Symbol("x") ** 2
    with pytest.raises(ExpressionError, match="names may not start"):
        parse_expression("__class__", name="u", symbols={}, new_symbols=True)


def test_limits_are_named() -> None:
    with pytest.raises(ExpressionError, match=str(MAX_EXPRESSION_LENGTH)):
        parse_expression("n+" * MAX_EXPRESSION_LENGTH + "1", name="q")
    with pytest.raises(ExpressionError, match=str(MAX_EXPRESSION_DEPTH)):
        parse_expression("(" * 100 + "n" + ")" * 100, name="q")


def test_lists_only_where_allowed() -> None:
    assert parse_expression("[[1, 0.5], [0, 2]]", name="matrix", lists=True) == [
        [1, sp.Rational(1, 2)],
        [0, 2],
    ]
    with pytest.raises(ExpressionError, match="lists"):
        parse_expression("[1, 2]", name="q")


def test_exact_number_refuses_nan_and_objects() -> None:
    with pytest.raises(ExpressionError, match="NaN"):
        exact_number("p", float("nan"))
    with pytest.raises(ExpressionError, match="not a number"):
        exact_number("p", object())
    assert exact_number("p", float("inf")) == sp.oo


def test_sympy_floats_become_exact() -> None:
    assert sympify_param("d", sp.Float(0.1)) == sp.Rational(0.1)
    assert sympify_param("q", sp.Float(0.5) * S.n) == S.n / 2


def test_cli_and_api_parse_alike() -> None:
    """The CLI's parser is the API's parser: the same text gives the same object."""
    from supercoherence.cli.derive import _parse

    for text in ("1e-17/(n+1)", "1e-300", "0.5 + 5e-10", "exp(-(n+1)/1000)"):
        assert _parse("q", text) == sympify_param("q", text)


def test_strict_sympify_sites_never_evaluate_text() -> None:
    """``Derived`` and ``derived`` parse strings with the whitelist parser and pass only
    sympy objects to ``sympify(strict=True)``, which itself refuses text."""
    import sympy as sp

    from supercoherence.errors import ExpressionError
    from supercoherence.theory.result import Derived, derived

    for build in (lambda t: Derived("x", t), lambda t: derived("x", t)):
        with pytest.raises(ExpressionError):
            build("__import__('os').system('echo pwned')")
    with pytest.raises(sp.SympifyError):
        sp.sympify("__import__('os')", strict=True)

    class Sneaky:
        def __str__(self) -> str:
            return "__import__('os').system('echo pwned')"

    with pytest.raises(sp.SympifyError):
        Derived("x", Sneaky())
