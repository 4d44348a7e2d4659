"""Parameter checks shared by every layer (sympy's style).

A check raises :class:`~supercoherence.errors.ParameterError` only when the
condition is *provably* false: a number outside its range, or a sympy expression
whose assumptions contradict the range.  Symbolic parameters that might be valid
pass unchanged, so ``check_probability("a", Symbol("a"))`` is accepted and
``check_probability("a", Rational(3, 2))`` is refused.  NaN is always refused.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping

import numpy as np
import sympy as sp

from supercoherence.errors import ParameterError

__all__ = [
    "check_in_interval",
    "check_known_keys",
    "check_nonnegative",
    "check_positive",
    "check_probability",
    "check_positive_int",
    "check_real",
]


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real | np.integer | np.floating) and not isinstance(
        value, bool
    )


def _provably(condition: object) -> bool | None:
    """True/False if sympy can decide ``condition``, else None."""
    if condition is sp.true or condition is True:
        return True
    if condition is sp.false or condition is False:
        return False
    return None


def check_in_interval(
    name: str,
    value,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
):
    """Check ``low <(=) value <(=) high``; return ``value`` unchanged.

    Works element-wise on numpy arrays and on sympy expressions (which are
    refused only when provably outside the interval).

    Parameters
    ----------
    name : str
        Name used in the error message.
    value : float, array_like or sympy.Expr
        The value to check.
    low, high : float or None
        Bounds; ``None`` means unbounded.
    low_open, high_open : bool
        Whether the bound itself is excluded.

    Raises
    ------
    ParameterError
        If the value is NaN, not a real number, or provably outside the interval.

    Examples
    --------
    >>> check_in_interval("rho", 0.5, -1, 1)
    0.5
    >>> check_in_interval("rho", 2, -1, 1)
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: rho = 2 is out of range: allowed [-1, 1]
    """
    left = "(" if low_open or low is None else "["
    right = ")" if high_open or high is None else "]"
    allowed = f"{left}{'-oo' if low is None else low}, {'oo' if high is None else high}{right}"
    if isinstance(value, sp.Basic):
        if value in (sp.oo, -sp.oo):  # infinite horizons and bounds: compare, don't refuse
            if (value == sp.oo and high is None) or (value == -sp.oo and low is None):
                return value
            raise ParameterError(name, value, allowed)
        if value.is_real is False:
            raise ParameterError(name, value, allowed, "not a real number")
        if value.has(sp.nan):
            raise ParameterError(name, value, allowed)
        for bound, op_ok in (
            (low, sp.Gt if low_open else sp.Ge),
            (high, sp.Lt if high_open else sp.Le),
        ):
            if bound is None:
                continue
            rel = op_ok(value, bound)
            if _provably(rel) is False:
                raise ParameterError(name, value, allowed)
        return value
    if _is_number(value):
        x = float(value)
        bad = math.isnan(x)
        if low is not None:
            bad |= x <= low if low_open else x < low
        if high is not None:
            bad |= x >= high if high_open else x > high
        if bad:
            raise ParameterError(name, value, allowed)
        return value
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(name, value, allowed, "not a real number") from None
    bad = np.isnan(arr)
    if low is not None:
        bad |= arr <= low if low_open else arr < low
    if high is not None:
        bad |= arr >= high if high_open else arr > high
    if np.any(bad):
        first = arr[bad].flat[0]
        raise ParameterError(name, float(first), allowed)
    return value


def check_probability(name: str, value):
    """Check that ``value`` lies in [0, 1].

    Examples
    --------
    >>> check_probability("a", 0.25)
    0.25
    >>> import sympy as sp
    >>> check_probability("a", sp.Symbol("a"))
    a
    >>> check_probability("a", sp.Rational(3, 2))
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: a = 3/2 is out of range: allowed [0, 1]
    """
    return check_in_interval(name, value, 0, 1)


def check_nonnegative(name: str, value):
    """Check that ``value >= 0`` (rates, intensities, times).

    Examples
    --------
    >>> check_nonnegative("spawn_rate", -0.1)
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: spawn_rate = -0.1 is out of range: allowed [0, oo)
    """
    return check_in_interval(name, value, 0, None)


def check_positive(name: str, value):
    """Check that ``value > 0`` (capabilities, sharpness).

    Examples
    --------
    >>> check_positive("r", 0)
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: r = 0 is out of range: allowed (0, oo)
    """
    return check_in_interval(name, value, 0, None, low_open=True)


def check_positive_int(name: str, value, *, minimum: int = 1) -> int:
    """Check that ``value`` is an integer ``>= minimum`` and return it as ``int``.

    Examples
    --------
    >>> check_positive_int("replicates", 10)
    10
    >>> check_positive_int("replicates", 2.5)
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: replicates = 2.5 is out of range: allowed integers >= 1
    """
    allowed = f"integers >= {minimum}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral | np.integer):
        if isinstance(value, float) and value.is_integer() and value >= minimum:
            return int(value)
        raise ParameterError(name, value, allowed)
    if value < minimum:
        raise ParameterError(name, value, allowed)
    return int(value)


def check_real(name: str, value) -> float:
    """``value`` as a finite ``float`` (a real number or a numeric sympy expression).

    Examples
    --------
    >>> check_real("drift", sp.Rational(1, 2))
    0.5
    >>> check_real("drift", "0.5")
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: drift = '0.5' is out of range: allowed a real number
    >>> check_real("drift", float("inf"))
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: drift = inf is out of range: allowed a finite real number
    """
    if isinstance(value, sp.Basic) and value.is_number:
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(name, value, "a real number")
    if not math.isfinite(float(value)):
        raise ParameterError(name, value, "a finite real number")
    return float(value)


def check_known_keys(
    mapping: Mapping[str, object], names: Iterable[str], *, also: Iterable[str] = ()
) -> None:
    """Refuse the first key of ``mapping`` that is not one of ``names`` (nor ``also``).

    The error suggests the nearest of ``names`` (``also`` holds keys accepted but not
    suggested, e.g. deprecated names).

    Examples
    --------
    >>> check_known_keys({"detection": 0.5}, ["detection", "drift"])
    >>> check_known_keys({"detecton": 0.5}, ["detection", "drift"])
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: unknown parameter 'detecton'; did you mean 'detection'?
    """
    names = tuple(names)
    accepted = {*names, *also}
    for key, value in mapping.items():
        if key not in accepted:
            raise ParameterError.unknown(str(key), value, names)
