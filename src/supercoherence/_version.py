"""The package version, importable without :mod:`importlib.metadata`.

``supercoherence --version`` prints it without loading the metadata machinery
(about 70 ms of start-up, several times ``python -c pass``).  It must equal
``[project] version`` of ``pyproject.toml`` (a test checks).
"""

__version__ = "0.1.0"
