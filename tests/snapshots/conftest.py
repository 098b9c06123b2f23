"""Snapshot fixtures: one frozen demo lake per session, copied into each test's tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.snapshots.frozen import build_frozen_demo_lake, place


@pytest.fixture(scope="session")
def frozen_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_frozen_demo_lake(tmp_path_factory.mktemp("frozen") / "silver")


@pytest.fixture
def frozen_lake(frozen_template: Path, tmp_path: Path) -> Path:
    return place(frozen_template, tmp_path / "silver")
