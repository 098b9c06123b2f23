"""Screens never import one another: they navigate through the app (``navigator(self)``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pointline_tui.screens

SCREENS = Path(pointline_tui.screens.__file__).parent
PACKAGE = "pointline_tui.screens"
SHARED_SCREEN_MODULES = frozenset(
    {
        "dialogs",  # the yes/no and typed-name confirmations
        "export",  # the export dialog (and copying over OSC 52)
        "paged_list",  # the base class of the manifest and quarantine lists
    }
)
"""Modules defining a screen class that any screen may import: dialogs and a base class."""


def defines_a_screen(path: Path) -> bool:
    """Whether the module at ``path`` defines a class whose base is a screen (``...Screen``)."""
    for node in ast.parse(path.read_text(), filename=str(path)).body:
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                if isinstance(base, ast.Subscript):  # Screen[None]
                    base = base.value
                name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
                if name.endswith("Screen"):
                    return True
    return False


def screen_modules() -> set[str]:
    """The modules under ``screens/`` that define a screen, but the shared dialogs and bases.

    Every other module there (``errors``, ``forms``, ``lake_detail``, ``compact_request``, ...)
    holds building blocks, which any screen may import.
    """
    return {
        path.stem
        for path in SCREENS.glob("*.py")
        if path.stem not in SHARED_SCREEN_MODULES and defines_a_screen(path)
    }


def screen_modules_imported(path: Path) -> set[str]:
    """The modules under ``screens/`` that the module at ``path`` imports (by name, anywhere)."""
    imported: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: ``from . import x``, ``from .x import y``
                base = node.module
                names = [base] if base else [alias.name for alias in node.names]
                names = [f"{PACKAGE}.{name}" for name in names]
            elif node.module == PACKAGE:  # ``from pointline_tui.screens import x``
                names = [f"{PACKAGE}.{alias.name}" for alias in node.names]
            else:
                names = [node.module or ""]
        else:
            continue
        imported.update(
            name.removeprefix(PACKAGE + ".").split(".")[0]
            for name in names
            if name.startswith(PACKAGE + ".")
        )
    return imported


def test_no_screen_module_imports_another_screen_module() -> None:
    screens = screen_modules()
    found = {
        path.stem: sorted((screen_modules_imported(path) & screens) - {path.stem})
        for path in sorted(SCREENS.glob("*.py"))
    }
    offending = {module: imports for module, imports in found.items() if imports}
    assert not offending, f"screens importing other screens (use navigator(self)): {offending}"


def test_screens_are_told_from_building_blocks() -> None:
    screens = screen_modules()
    assert {"lake", "manifest", "quarantine", "compact", "compact_progress", "hot"} <= screens
    assert not {"errors", "forms", "lake_detail", "lake_scope", "compact_request"} & screens
    assert all((SCREENS / f"{name}.py").is_file() for name in SHARED_SCREEN_MODULES)
    assert all(defines_a_screen(SCREENS / f"{name}.py") for name in SHARED_SCREEN_MODULES)


def test_the_check_sees_every_way_of_importing(tmp_path: Path) -> None:
    module = tmp_path / "probe.py"
    module.write_text(
        "import pointline_tui.screens.history\n"
        "from pointline_tui.screens import manifest as m\n"
        "from pointline_tui.screens.quarantine import QuarantineScreen\n"
        "from . import vacuum\n"
        "from .orphans import OrphansScreen\n"
        "def later():\n"
        "    from pointline_tui.screens.help import HelpScreen\n"
        "from pointline_tui.context import navigator\n"
    )
    assert screen_modules_imported(module) == {
        "history",
        "manifest",
        "quarantine",
        "vacuum",
        "orphans",
        "help",
    }
