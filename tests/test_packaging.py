"""The distribution installs one import root, ``supercoherence``, and nothing bare."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

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
