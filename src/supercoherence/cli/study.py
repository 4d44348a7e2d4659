"""``supercoherence study``: (to be filled in by its issue)."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Attach the ``study`` command(s) to the root application."""
