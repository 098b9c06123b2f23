"""``pointline-tui diff`` and ``restore``: exit codes, the JSON shapes and what they write.

Subcommands run in-process through ``main``, over real Delta lakes in ``tmp_path``.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable

from pointline_tui.cli import main
from pointline_tui.cli.diff import partition_json
from pointline_tui.lake.versions import version_diff
from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.storage.delta.log import list_log
from tests.storage._trust import build_lake

DIFF_KEYS = {"table", "from_version", "to_version", "schema_changes", "partitions"}
PARTITION_KEYS = {
    "exchange",
    "trading_date",
    "files_from",
    "files_to",
    "bytes_from",
    "bytes_to",
    "rows_from",
    "rows_to",
}
RESTORE_KEYS = {
    "table",
    "from_version",
    "target_version",
    "target_timestamp",
    "dry_run",
    "version",
    "files_restored",
    "files_removed",
    "returning_files",
    "missing_files",
    "schema_changes",
    "partitions",
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_lake(tmp_path_factory.mktemp("cli-time-travel") / "lake")


@pytest.fixture
def lake(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "lake"))


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def content(table: Path, version: int | None = None) -> tuple[int, int]:
    frame = pl.read_delta(str(table), version=version)
    return frame.height, int(frame.select(sorted(frame.columns)).hash_rows(seed=3).sum())


def test_diff_json_has_the_named_shape_and_the_diffs_values(
    lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "diff", "trades", "0", "4", "--silver-root", lake, "--json")
    assert (code, err) == (0, "")
    payload = json.loads(out)
    assert set(payload) == DIFF_KEYS
    assert (payload["table"], payload["from_version"], payload["to_version"]) == ("trades", 0, 4)
    assert payload["schema_changes"] == []
    expected = version_diff(lake / "trades", 0, 4)
    assert payload["partitions"] == [partition_json(p) for p in expected.partitions]
    assert payload["partitions"]
    for part in payload["partitions"]:
        assert set(part) == PARTITION_KEYS
    rows_to = (
        pl.read_delta(str(lake / "trades"), version=4).group_by("exchange", "trading_date").len()
    )
    assert {(p["exchange"], p["trading_date"]): p["rows_to"] for p in payload["partitions"]} == {
        (ex, day.isoformat()): n for ex, day, n in rows_to.iter_rows()
    }


def test_diff_of_an_unpartitioned_table_has_null_partition_values(
    demo_lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "diff", "dim_symbol", "0", "1", "--silver-root", demo_lake, "--json")
    assert code == 0
    [part] = json.loads(out)["partitions"]
    assert (part["exchange"], part["trading_date"]) == (None, None)
    assert (part["rows_from"], part["rows_to"]) == (4, 6)


def test_diff_text_and_bad_input(lake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "diff", "trades", "2", "3", "--silver-root", lake)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "trades: version 2 -> 3"
    assert lines[1].startswith("okx/2024-05-02  files 3 -> 1")
    assert lines[-1] == "1 partition(s) differ, 2 unchanged"
    code, _, err = run(capsys, "diff", "trades", "0", "99", "--silver-root", lake)
    assert (code, err.strip()) == (2, "pointline-tui: trades has no version 99 (versions 0 to 4)")
    assert run(capsys, "diff", "nope", "0", "1", "--silver-root", lake)[0] == 2
    assert run(capsys, "diff", "trades", "zero", "1", "--silver-root", lake)[0] == 2


def test_restore_dry_run_prints_the_plan_and_writes_nothing(
    lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = lake / "trades"
    listing = list_log(table / "_delta_log").commits
    code, out, err = run(
        capsys, "restore", "trades", "--version", "2", "--dry-run", "--json", "--silver-root", lake
    )
    assert (code, err) == (0, "")
    payload = json.loads(out)
    assert set(payload) == RESTORE_KEYS
    assert (payload["dry_run"], payload["version"]) == (True, None)
    assert (payload["from_version"], payload["target_version"]) == (4, 2)
    assert payload["files_restored"] == len(payload["returning_files"]) == 3
    assert all(f["on_disk"] for f in payload["returning_files"])
    assert payload["missing_files"] == []
    assert list_log(table / "_delta_log").commits == listing
    code, out, _ = run(
        capsys, "restore", "trades", "--version", "2", "--dry-run", "--silver-root", lake
    )
    assert code == 0
    assert out.splitlines()[0].startswith("plan: trades from version 4 to version 2")
    assert out.splitlines()[-1] == "every file of the target version is on disk"


def test_restore_commits_and_the_table_reads_as_the_target(
    lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = lake / "trades"
    expected = content(table, 2)
    code, out, err = run(
        capsys, "restore", "trades", "--version", "2", "--json", "--silver-root", lake
    )
    assert (code, err) == (0, "")
    payload = json.loads(out)
    assert (payload["dry_run"], payload["version"], payload["from_version"]) == (False, 5, 4)
    assert content(table) == expected
    assert DeltaTable(str(table)).history(1)[0]["operation"] == "RESTORE"


def test_restore_by_timestamp(lake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = lake / "trades"
    stamps = {int(c["version"]): int(c["timestamp"]) for c in DeltaTable(str(table)).history()}
    when = datetime.fromtimestamp(stamps[1] / 1000, tz=UTC).isoformat()
    code, out, _ = run(
        capsys, "restore", "trades", "--timestamp", when, "--silver-root", lake, "--json"
    )
    assert code == 0
    assert json.loads(out)["target_version"] == 1
    assert content(table) == content(table, 1)
    code, _, err = run(
        capsys, "restore", "trades", "--timestamp", "2001-01-01", "--silver-root", lake
    )
    assert code == 2
    assert "no version committed at or before 2001-01-01T00:00:00+00:00" in err


def test_restore_of_a_vacuumed_target_fails_naming_the_file(
    lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = lake / "trades"
    DeltaEventStore(lake).vacuum_table("trades", retention_hours=0, enforce_retention=False)
    listing = list_log(table / "_delta_log").commits
    code, out, err = run(
        capsys, "restore", "trades", "--version", "2", "--json", "--silver-root", lake
    )
    assert code == 1
    assert out == ""
    assert "first: exchange=okx/trading_date=2024-05-02/" in err
    assert list_log(table / "_delta_log").commits == listing
    code, out, err = run(
        capsys, "restore", "trades", "--version", "2", "--dry-run", "--json", "--silver-root", lake
    )
    assert code == 1
    missing = json.loads(out)["missing_files"]
    assert missing
    assert f"first: {missing[0]}" in err


@pytest.mark.parametrize(
    "argv",
    [
        ("restore", "trades"),
        ("restore", "trades", "--version", "1", "--timestamp", "2024-01-01"),
        ("restore", "trades", "--timestamp", "yesterday"),
        ("restore", "trades", "--version", "4"),
        ("restore", "trades", "--version", "9"),
        ("restore", "no_table", "--version", "1"),
    ],
)
def test_restore_bad_input_exits_2_and_writes_nothing(
    lake: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    listing = list_log(lake / "trades" / "_delta_log").commits
    code, out, err = run(capsys, *argv, "--silver-root", lake)
    assert code == 2
    assert err
    assert "Traceback" not in err + out
    assert list_log(lake / "trades" / "_delta_log").commits == listing
