"""Imports point down: the lake and storage layers load no Textual, screens no deltalake."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pointline_tui

PACKAGE = Path(pointline_tui.__file__).parent

HEADLESS_CHECK = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys

    loaded = []
    for name in (
        "pointline_tui.storage",
        "pointline_tui.storage.delta",
        "pointline_tui.lake",
        "pointline_tui.cli",  # and the subcommands cron runs: no Textual needed there either
    ):
        package = importlib.import_module(name)
        loaded.append(name)
        for info in pkgutil.walk_packages(package.__path__, prefix=name + "."):
            importlib.import_module(info.name)
            loaded.append(info.name)
    for name in ("pointline_tui.maintenance", "pointline_tui.demo", "pointline_tui.formatting"):
        importlib.import_module(name)
        loaded.append(name)
    ui = sorted(
        m for m in sys.modules if m.split(".")[0] in ("textual", "rich")
    )
    print(json.dumps({"loaded": loaded, "ui": ui}))
    """
)


def test_headless_layers_import_no_textual_or_rich() -> None:
    done = subprocess.run(
        [sys.executable, "-c", HEADLESS_CHECK],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["ui"] == []
    loaded = set(result["loaded"])
    on_disk = {
        ".".join(("pointline_tui", *path.relative_to(PACKAGE).with_suffix("").parts))
        for layer in ("storage", "lake", "cli")
        for path in (PACKAGE / layer).rglob("*.py")
        if path.name != "__init__.py"
    }
    assert on_disk <= loaded, "every module of the layers was imported"
    assert {"pointline_tui.lake.reader", "pointline_tui.storage.delta.event_store"} <= loaded


ENTRY_POINT_CHECK = textwrap.dedent(
    """
    import contextlib, io, json, sys

    from pointline_tui.cli import main

    codes = []
    for argv in (["--help"], ["--version"], ["stats", "--help"], []):
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            try:
                codes.append(main(argv))
            except SystemExit as exit_:
                codes.append(exit_.code)
    heavy = {"polars", "deltalake", "pyarrow", "textual", "rich"}
    loaded = {m.split(".")[0] for m in sys.modules}
    print(json.dumps({"codes": codes, "heavy": sorted(loaded & heavy)}))
    """
)


def test_help_and_a_missing_lake_load_no_heavy_library() -> None:
    # main imports every subcommand module to dispatch: each keeps its heavy imports in run.
    done = subprocess.run(
        [sys.executable, "-c", ENTRY_POINT_CHECK],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("POINTLINE_")},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"codes": [0, 0, 0, 2], "heavy": []}


def imported_modules(source: str, package: str) -> set[str]:
    """The modules ``source`` imports, at any depth; relative imports resolved in ``package``."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            found.add(".".join(part for part in (base, node.module) if part))
    return found


def test_the_import_scan_sees_every_form() -> None:
    source = textwrap.dedent(
        """
        import os, deltalake as dl
        from . import frame_table
        from ..lake import reader

        def later():
            from deltalake.exceptions import DeltaError
        """
    )
    assert imported_modules(source, "pointline_tui.screens") == {
        "os",
        "deltalake",
        "deltalake.exceptions",
        "pointline_tui.screens",
        "pointline_tui.lake",
    }


def test_screens_and_widgets_never_touch_deltalake() -> None:
    sources = sorted((PACKAGE / "screens").rglob("*.py")) + sorted(
        (PACKAGE / "widgets").rglob("*.py")
    )
    assert len(sources) > 4
    offenders = {}
    for path in sources:
        package = ".".join(("pointline_tui", *path.relative_to(PACKAGE).parent.parts))
        modules = imported_modules(path.read_text(), package)
        bad = sorted(m for m in modules if m == "deltalake" or m.startswith("deltalake."))
        if bad:
            offenders[str(path.relative_to(PACKAGE))] = bad
    assert offenders == {}
