"""``python -m supercoherence``: the same as the ``supercoherence`` command."""

from supercoherence.cli import _entry

_entry()
