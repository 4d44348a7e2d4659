"""The project's error types.

Every error a user can cause by bad input is a :class:`SupercoherenceError`.
Errors name the offending parameter (or file, key, node) and the allowed range,
so that the command line can print them as one line and exit with status 2.

The parameter errors also derive from :class:`ValueError`, so code that already
catches ``ValueError`` keeps working.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "did_you_mean",
    "ExpressionError",
    "GraphError",
    "ParameterError",
    "ProofError",
    "StudyFileError",
    "SupercoherenceError",
]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"did you mean 'x'?"`` for the closest of ``choices`` (difflib), or ``""``.

    Examples
    --------
    >>> did_you_mean("detecton", ["detection", "drift"])
    "did you mean 'detection'?"
    >>> did_you_mean("zzz", ["detection"])
    ''
    """
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f"did you mean {close[0]!r}?" if close else ""


class SupercoherenceError(Exception):
    """Base class of every error raised on purpose by this package."""


class ParameterError(SupercoherenceError, ValueError):
    """A parameter is outside its allowed range or of the wrong kind.

    Parameters
    ----------
    name : str
        The parameter's name as the user wrote it (``"detection"``, ``"q"``).
    value : object
        The offending value.
    allowed : str
        The allowed range in words or interval notation (``"[0, 1]"``).
    reason : str, optional
        Extra explanation appended to the message.

    Examples
    --------
    >>> err = ParameterError("detection", 1.5, "[0, 1]")
    >>> str(err)
    'detection = 1.5 is out of range: allowed [0, 1]'
    >>> err.name, err.allowed
    ('detection', '[0, 1]')
    """

    def __init__(
        self, name: str, value: object, allowed: str, reason: str = "", *, message: str = ""
    ) -> None:
        self.name = name
        self.value = value
        self.allowed = allowed
        self.reason = reason
        if not message:
            shown = value if isinstance(value, float | int) else repr(value)
            message = f"{name} = {shown} is out of range: allowed {allowed}"
            if reason:
                message += f" ({reason})"
        super().__init__(message)

    @classmethod
    def unknown(cls, name: str, value: object, choices: Iterable[str]) -> ParameterError:
        """An error for a parameter name that is not one of ``choices``.

        Examples
        --------
        >>> str(ParameterError.unknown("detecton", 0.5, ["detection", "drift"]))
        "unknown parameter 'detecton'; did you mean 'detection'?"
        """
        choices = list(choices)
        hint = did_you_mean(name, choices) or f"allowed: {', '.join(choices)}"
        return cls(name, value, f"one of {choices}", message=f"unknown parameter {name!r}; {hint}")


class ExpressionError(SupercoherenceError, ValueError):
    """A symbolic expression cannot be parsed or has the wrong form.

    Examples
    --------
    >>> str(ExpressionError("q", "1/(n+", "unparsable expression"))
    "q = '1/(n+' is not a valid expression: unparsable expression"
    """

    def __init__(self, name: str, text: object, reason: str) -> None:
        self.name = name
        self.text = text
        self.reason = reason
        super().__init__(f"{name} = {text!r} is not a valid expression: {reason}")


class GraphError(SupercoherenceError, ValueError):
    """An optimizer graph is malformed (a cycle, a missing attribute, ...)."""


class StudyFileError(SupercoherenceError, ValueError):
    """A study file is invalid; the message names the file, the key and the problem.

    Examples
    --------
    >>> str(StudyFileError("study.toml", "parameters.detection", "must lie in [0, 1]"))
    'study.toml: parameters.detection: must lie in [0, 1]'
    """

    def __init__(self, path: object, key: str, problem: str) -> None:
        self.path = str(path)
        self.key = key
        self.problem = problem
        location = f"{self.path}: {key}" if key else self.path
        super().__init__(f"{location}: {problem}")


class ProofError(SupercoherenceError):
    """A theorem's proof failed to check (a step is false or undecided)."""
