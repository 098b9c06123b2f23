"""Start-up loads what the first screen needs: no polars to paint, and over a cached lake no
delta-rs at all.

Each check runs the real app headless in a fresh interpreter, where ``sys.modules`` says what
was imported; the first run over a lake fills the cache, the second must be served by it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.lake.conftest import write_trades

REPO = Path(__file__).resolve().parents[1]

FIRST_SCREEN = textwrap.dedent(
    """
    import asyncio, json, sys
    from pathlib import Path

    from pointline_tui.app import build_app

    root, cache = Path(sys.argv[1]), Path(sys.argv[2])
    heavy = ("deltalake", "polars")  # the first paint needs neither
    built = any(name in sys.modules for name in heavy)
    if sys.argv[3] == "build":
        app = build_app(root, cache_folder=cache)
        built = built or any(name in sys.modules for name in heavy)
        print(json.dumps({"built": built}))
        raise SystemExit(0)
    from pointline_tui.cli.console import console_app  # as the command line opens it

    app = console_app(root, read_only=False, cache_folder=cache)

    from tests.pilot import settle
    from pointline_tui.widgets.lake_tree import LakeTree

    async def main() -> dict[str, object]:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            tree = app.screen.query_one(LakeTree)
            labels = [str(node.label) for node in tree.root.children[0].children]
            return {
                "shown": "deltalake" in sys.modules,
                "loads": app.reader.last_load("trades"),
                "opened": app.reader.tables_opened,
                "health": [f.kind for f in app.reader.health("trades", scan_files=False)],
                "labels": labels,
            }

    print(json.dumps(asyncio.run(main())))
    """
)


@pytest.fixture
def silver(tmp_path: Path) -> Path:
    root = tmp_path / "silver"
    write_trades(root)
    return root


def first_screen(root: Path, cache: Path, what: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", FIRST_SCREEN, str(root), str(cache), what],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def test_importing_and_building_the_app_loads_neither_delta_rs_nor_polars(
    silver: Path, tmp_path: Path
) -> None:
    assert first_screen(silver, tmp_path / "cache", "build") == {"built": False}


def test_the_first_screen_of_a_cached_lake_loads_no_delta_rs(silver: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold = first_screen(silver, cache, "show")
    # One load (begun before the app's imports): the files, whose replay also answers the
    # log's check; both are cached.
    assert (cold["shown"], cold["loads"], cold["opened"]) == (True, "full", 1)
    warm = first_screen(silver, cache, "show")
    assert warm == cold | {"shown": False, "loads": "cache", "opened": 0}
    assert warm["health"] == []
    assert warm["labels"], "the table's node shows what it holds"
