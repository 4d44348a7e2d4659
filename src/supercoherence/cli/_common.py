"""What the command groups share: the sub-application factory and ``KEY=VALUE`` options.

Importing this module loads Typer (the command modules need it anyway) and nothing
heavier.
"""

from __future__ import annotations

import typer

from supercoherence.errors import ParameterError

__all__ = ["command_group", "key_values"]


def command_group(name: str, help: str) -> typer.Typer:
    """A Typer sub-application ``supercoherence NAME ...`` (help when called bare).

    Examples
    --------
    >>> command_group("study", "Monte Carlo stability studies.").info.name
    'study'
    """
    return typer.Typer(
        name=name,
        help=help,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )


def key_values(pairs: list[str]) -> dict[str, object]:
    """``["KEY=VALUE", ...]`` as a dict; a value that reads as a number is a float.

    Raises
    ------
    ParameterError
        Naming ``param`` for a pair without ``=`` or without a key.

    Examples
    --------
    >>> key_values(["spawn_rate=2", "hazard = power"])
    {'spawn_rate': 2.0, 'hazard': 'power'}
    >>> key_values(["spawn_rate"])
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: param = 'spawn_rate' is out of range: ...
    """
    values: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ParameterError("param", pair, "KEY=VALUE, e.g. spawn_rate=2.0")
        text = value.strip()
        try:
            values[key.strip()] = float(text)
        except ValueError:
            values[key.strip()] = text
    return values
