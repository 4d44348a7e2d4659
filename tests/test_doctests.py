"""Run every module's docstring examples as tests.

The modules are imported by their installed names (``supercoherence.theory...``),
never by file path, so the package's single import root is what gets tested.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import supercoherence

SUBPACKAGES = ("theory", "proofs", "models", "simulations", "studies")


def _all_modules() -> list[str]:
    # The mapped subpackages live outside src/, so walk each one from its own path.
    names = ["supercoherence"]
    roots = [("supercoherence.", supercoherence.__path__)]
    for sub in SUBPACKAGES:
        package = importlib.import_module(f"supercoherence.{sub}")
        names.append(package.__name__)
        roots.append((f"{package.__name__}.", package.__path__))
    for prefix, path in roots:
        names.extend(info.name for info in pkgutil.walk_packages(path, prefix))
    # ``__main__`` modules run the command line when imported.
    return sorted(name for name in set(names) if not name.endswith("__main__"))


@pytest.mark.parametrize("module_name", _all_modules())
def test_docstring_examples(module_name: str) -> None:
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, module_name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {module_name}"
