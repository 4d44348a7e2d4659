"""The distribution installs one import root, ``supercoherence``, and nothing bare."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_no_bare_top_level_packages(tmp_path: Path) -> None:
    code = (
        "import importlib.util as u\n"
        "bare = [m for m in ('theory', 'models', 'proofs', 'simulations', 'studies')"
        " if u.find_spec(m) is not None]\n"
        "import supercoherence.theory, supercoherence.models, supercoherence.proofs\n"
        "import supercoherence.simulations, supercoherence.studies\n"
        "print(','.join(bare))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def test_every_package_folder_is_declared() -> None:
    """Each folder with an ``__init__.py`` under a mapped root is listed in pyproject.toml."""
    config = _pyproject()["tool"]["setuptools"]
    declared = set(config["packages"])
    for package, folder in config["package-dir"].items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder)
            name = ".".join([package, *relative.parts]) if relative.parts else package
            assert name in declared, f"{name} ({init.parent}) is missing from pyproject packages"


def test_console_script_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "supercoherence.cli", "--version"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr


LAYERS = ("theory", "proofs", "models", "simulations", "studies")


def _source_modules() -> list[tuple[str, Path]]:
    """Every module of a declared package, with its file in the repository."""
    config = _pyproject()["tool"]["setuptools"]
    declared = set(config["packages"])
    modules = []
    for package, folder in config["package-dir"].items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            parent = ".".join([package, *parts[:-1]])
            if parent in declared and "__pycache__" not in parts:
                modules.append((".".join([package, *parts]).removesuffix(".__init__"), path))
    return modules


def test_every_module_is_at_a_static_path_tools_resolve(tmp_path: Path) -> None:
    """IDEs and type checkers follow ``sys.path`` entries, not import hooks: each module
    must be a file under one entry (the strict editable link tree or site-packages).

    A module missing here was added after the editable install was built: run
    ``uv sync --reinstall-package supercoherence``.
    """
    code = "import json, sys; print(json.dumps([p for p in sys.path if p]))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    entries = [Path(p) for p in json.loads(out.stdout)]
    missing = []
    for name, source in _source_modules():
        relative = Path(*name.split("."))
        candidates = [relative.with_suffix(".py"), relative / "__init__.py"]
        if source.name != "__init__.py":
            candidates = candidates[:1]
        if not any((entry / c).is_file() for entry in entries for c in candidates):
            missing.append(name)
    assert not missing, (
        f"not at a static path (stale editable install? run "
        f"`uv sync --reinstall-package supercoherence`): {missing}"
    )


def test_py_typed_marker_is_shipped() -> None:
    data = _pyproject()["tool"]["setuptools"]["package-data"]
    assert "py.typed" in data["supercoherence"]
    assert (ROOT / "src" / "supercoherence" / "py.typed").is_file()


def test_editable_install_is_strict() -> None:
    settings = _pyproject()["tool"]["uv"]["config-settings"]
    assert settings["editable_mode"] == "strict"


@pytest.mark.parametrize("layer", LAYERS)
def test_bare_layer_name_fails_loudly(layer: str) -> None:
    """``import theory`` from the repository root must not load a second copy."""
    init = ROOT / layer / "__init__.py"
    assert f'__name__ != "supercoherence.{layer}"' in init.read_text(), (
        f"{layer}/__init__.py has no bare-name guard (copy the block of theory/__init__.py)"
    )
    out = subprocess.run(
        [sys.executable, "-c", f"import {layer}"], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode != 0
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError:") and f"supercoherence.{layer}" in last
