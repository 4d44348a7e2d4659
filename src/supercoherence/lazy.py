"""Heavy libraries imported on first use, so importing a layer stays cheap.

``pd = lazy_module("pandas")`` binds a module-level name that imports pandas the first
time one of its attributes is read (``pd.DataFrame``); annotations (with
``from __future__ import annotations``) never touch it.  The pipeline uses this for
pandas and pyarrow: validating a study file, or importing
:mod:`supercoherence.simulations`, then loads neither.

:func:`bare_name_error` is the error each layer's ``__init__`` raises when it is imported
under its bare folder name (``import theory`` from the repository root), which would
load a second copy of every module and class.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

__all__ = ["bare_name_error", "lazy_module", "lazy_submodules"]


class _LazyModule:
    """A stand-in for a module, imported when an attribute is first read."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__") and attribute.endswith("__"):
            raise AttributeError(attribute)
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attribute)

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<lazy module {self._name!r} ({state})>"


def lazy_module(name: str) -> Any:
    """A stand-in for the module ``name`` that imports it on first attribute access.

    Examples
    --------
    >>> json = lazy_module("json")
    >>> json.dumps([1])
    '[1]'
    """
    return _LazyModule(name)


def lazy_submodules(package: str, names: list[str]) -> tuple[Any, Any]:
    """PEP 562 ``__getattr__`` and ``__dir__`` for a package whose submodules ``names``
    are imported on first access, so ``dir(package)`` lists them and importing the
    package stays cheap.

    Examples
    --------
    >>> getattr_, dir_ = lazy_submodules("json", ["decoder"])
    >>> getattr_("decoder").__name__, "decoder" in dir_()
    ('json.decoder', True)
    """

    def __getattr__(name: str) -> Any:
        if name in names:
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(vars(importlib.import_module(package))) | set(names))

    return __getattr__, __dir__


def bare_name_error(name: str, layer: str) -> ImportError:
    """The error for the layer folder ``layer`` imported as ``name`` instead of
    ``supercoherence.<layer>``: it would load a second copy of every module and class.

    Each layer's ``__init__`` raises it first thing::

        if __name__ != "supercoherence.theory":  # e.g. `import theory` from the repo root
            raise bare_name_error(__name__, "theory")

    Examples
    --------
    >>> print(bare_name_error("theory", "theory"))  # doctest: +NORMALIZE_WHITESPACE
    the folder theory/ is the package supercoherence.theory: import it by that name
    (`import supercoherence.theory...`), not as 'theory', which would load a second copy
    of every module and class
    """
    return ImportError(
        f"the folder {layer}/ is the package supercoherence.{layer}: import it by that name "
        f"(`import supercoherence.{layer}...`), not as {name!r}, which would load a second "
        "copy of every module and class"
    )
