"""Every Pilot test runs with its own home and current folder inside tmp_path.

An app under test writes where an operator's would: exports go to ``~/pointline-exports``.
Keys that reach a binding by mistake must write into the test's tmp_path, never into the
repository (where ``quarantine-export-N.csv`` files once piled up) or the real home folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    cwd = tmp_path / "cwd"
    home.mkdir(exist_ok=True)
    cwd.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(cwd)
