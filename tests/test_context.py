"""Screens take the lake from ``lake_context`` and open others through the app's navigation."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

import pointline_tui.screens
from pointline_tui.app import build_app
from pointline_tui.context import LakeContext, LakeNavigator, lake_context, navigator

SCREENS = Path(pointline_tui.screens.__file__).parent
LAKE_PARTS = {"errors", "keys", "lake_detail", "lake_messages", "lake_scope"}
"""The lake screen's own modules and the shared error report: nothing else of ``screens``."""


def screen_imports(module: Path) -> set[str]:
    """The ``pointline_tui.screens`` modules that ``module`` imports, by name."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "pointline_tui.screens":
                names.update(alias.name for alias in node.names)
            elif node.module.startswith("pointline_tui.screens."):
                names.add(node.module.rsplit(".", 1)[1])
    return names


def test_no_screen_casts_the_app_or_imports_it() -> None:
    for module in sorted(SCREENS.glob("*.py")):
        text = module.read_text()
        assert "from pointline_tui.app import" not in text, module.name
        assert "self.app  # type: ignore" not in text, module.name


def test_the_lake_screen_opens_other_screens_through_the_app() -> None:
    assert screen_imports(SCREENS / "lake.py") <= LAKE_PARTS


def test_the_app_holds_the_context_and_is_the_navigator(demo_lake: Path) -> None:
    app = build_app(demo_lake, read_only=True)
    assert isinstance(app.context, LakeContext)
    assert app.context.read_only
    assert app.context.reader.silver_root == demo_lake
    assert isinstance(app, LakeNavigator)
    with pytest.raises(AttributeError):
        app.context.read_only = False  # type: ignore[misc]  # frozen


async def test_a_foreign_app_has_no_lake() -> None:
    class Plain(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("x")

    app = Plain()
    async with app.run_test():
        widget = app.screen.query_one(Static)
        with pytest.raises(TypeError, match="holds no LakeContext"):
            lake_context(widget)
        with pytest.raises(TypeError, match="does not open"):
            navigator(widget)
