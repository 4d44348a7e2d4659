"""The presentation boundary: only ``simulations/presentation/`` imports plotting or Markdown.

The theory, the proofs, the models and the study pipeline must load (and run) without
matplotlib, seaborn or markdown-it-py: a study on a headless worker, a proof check or a
model run never pays for them, and drawing code cannot leak into the layers below it.
"""

from __future__ import annotations

import ast
import functools
import json
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Top-level packages only the presentation layer may import.
PRESENTATION_ONLY = ("matplotlib", "seaborn", "markdown_it")

PRESENTATION = ROOT / "simulations" / "presentation"
CLI = ROOT / "src" / "supercoherence" / "cli"

#: Every non-presentation layer, imported in full in a fresh interpreter.
LAYERS = ("theory", "proofs", "models", "simulations", "studies")


def _is_presentation_only(module: str) -> bool:
    return module.split(".")[0] in PRESENTATION_ONLY


def _source_files() -> list[Path]:
    """Every Python file of the packages pyproject.toml maps (the installed code)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    files: set[Path] = set()
    for folder in config["package-dir"].values():
        files.update(p for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)
    return sorted(files)


def _imported_modules(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module]
    return []


def _top_level_imports(tree: ast.Module) -> list[tuple[int, str]]:
    """Imports executed when the module is imported: module level, including inside
    ``if`` / ``try`` / ``with`` blocks, but not inside function or class bodies."""
    found: list[tuple[int, str]] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        found.extend((node.lineno, name) for name in _imported_modules(node))
        for field in ("body", "orelse", "finalbody", "handlers"):
            pending.extend(getattr(node, field, []))
    return found


def _all_imports(tree: ast.Module) -> list[tuple[int, str]]:
    return [
        (node.lineno, name)
        for node in ast.walk(tree)
        if isinstance(node, ast.stmt)
        for name in _imported_modules(node)
    ]


def test_the_scan_sees_top_level_and_lazy_imports() -> None:
    tree = ast.parse(
        "import matplotlib.pyplot as plt\n"
        "try:\n    from seaborn import axes_style\nexcept ImportError:\n    pass\n"
        "def f():\n    from markdown_it import MarkdownIt\n"
    )
    assert sorted(name for _, name in _top_level_imports(tree)) == [
        "matplotlib.pyplot",
        "seaborn",
    ]
    assert "markdown_it" in [name for _, name in _all_imports(tree)]


@functools.cache
def _parsed_sources() -> tuple[tuple[Path, ast.Module], ...]:
    """Every installed source file and its syntax tree (parsed once for all the scans)."""
    return tuple(
        (path, ast.parse(path.read_text(), filename=str(path))) for path in _source_files()
    )


def _offenders(
    imports: Callable[[ast.Module], list[tuple[int, str]]],
    wanted: Callable[[str], bool],
    *,
    outside: tuple[Path, ...] = (PRESENTATION,),
) -> list[str]:
    """``path:line: import name`` for each import (found by ``imports``) that ``wanted``
    accepts, in every source file not under one of the ``outside`` folders."""
    return [
        f"{path.relative_to(ROOT)}:{line}: import {name}"
        for path, tree in _parsed_sources()
        if not any(folder in path.parents for folder in outside)
        for line, name in imports(tree)
        if wanted(name)
    ]


def test_only_presentation_imports_plotting_or_markdown_at_top_level() -> None:
    offenders = _offenders(_top_level_imports, _is_presentation_only)
    assert not offenders, "\n".join(offenders)


def test_below_the_cli_nothing_imports_plotting_or_markdown_even_lazily() -> None:
    """The layers under the command line never draw: not even inside a function."""
    offenders = _offenders(_all_imports, _is_presentation_only, outside=(PRESENTATION, CLI))
    assert not offenders, "\n".join(offenders)


def test_pipeline_does_not_import_presentation_at_top_level() -> None:
    offenders = _offenders(
        _top_level_imports, lambda name: name.startswith("supercoherence.simulations.presentation")
    )
    assert not offenders, "\n".join(offenders)


_LOAD_EVERYTHING_BUT_PRESENTATION = """
import importlib, json, pkgutil, sys
names = []
for layer in {layers!r}:
    package = importlib.import_module("supercoherence." + layer)
    names.append(package.__name__)
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if ".presentation" in info.name or info.name.endswith("__main__"):
            continue
        importlib.import_module(info.name)
        names.append(info.name)
loaded = sorted(
    m for m in sys.modules if m.split(".")[0] in {forbidden!r}
)
print(json.dumps({{"imported": names, "loaded": loaded}}))
"""


@pytest.fixture(scope="module")
def fresh_import(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    code = _LOAD_EVERYTHING_BUT_PRESENTATION.format(layers=LAYERS, forbidden=PRESENTATION_ONLY)
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path_factory.mktemp("layers"),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_layers_import_without_plotting_or_markdown(fresh_import: dict[str, list[str]]) -> None:
    """Importing theory, proofs, models and every pipeline module loads none of them."""
    assert "supercoherence.simulations.runner" in fresh_import["imported"]
    assert "supercoherence.models.competition" in fresh_import["imported"]
    assert fresh_import["loaded"] == []


def test_presentation_is_where_plotting_lives() -> None:
    """The check above is not vacuous: the presentation package does load matplotlib."""
    code = (
        "import sys, supercoherence.simulations.presentation.figures\n"
        "print('matplotlib' in sys.modules and 'seaborn' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
