"""Demo lakes for the tests: built once per session, copied for every test that writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pointline_tui.demo import build_demo_lake


@pytest.fixture(autouse=True)
def private_cache_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The user cache folder of every test (and of the processes it starts): never ~/.cache.

    The command line keeps tables' statistics in ``$XDG_CACHE_HOME/pointline-tui`` by default;
    ``LakeReader`` and ``build_app`` keep none unless given a cache.
    """
    home = tmp_path_factory.mktemp("cache-home")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def demo_lake_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo lake's silver root, built once; never write to it (copy it: ``demo_lake``)."""
    return build_demo_lake(tmp_path_factory.mktemp("demo-template") / "silver")


@pytest.fixture
def demo_lake(demo_lake_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo lake; returns its silver root."""
    return Path(shutil.copytree(demo_lake_template, tmp_path / "silver"))
