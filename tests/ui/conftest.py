"""Fixtures for the Pilot tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pointline_tui.demo import build_demo_lake


@pytest.fixture(scope="session")
def shared_demo_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo lake, built once per session: tests that only read it share it."""
    return build_demo_lake(tmp_path_factory.mktemp("demo") / "silver")


@pytest.fixture
def demo_lake(shared_demo_lake: Path, tmp_path: Path) -> Path:
    """A private copy of the demo lake for one test, which may write to it."""
    return Path(shutil.copytree(shared_demo_lake, tmp_path / "silver"))
