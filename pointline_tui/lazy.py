"""Names a package exports but loads on first use, so that importing it stays cheap."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, modules: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` for ``package``: each name is loaded from its module on first use.

    Args:
        package: the package's ``__name__``.
        modules: exported name -> the package's module that defines it.
    """
    namespace: dict[str, Any] = vars(importlib.import_module(package))

    def load(name: str) -> object:
        module = modules.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value  # the next lookup is a plain one
        return value

    return load
