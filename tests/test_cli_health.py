"""``check``'s maintenance findings, ``checkpoint`` and ``clean-log``: output and exit codes."""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import date
from pathlib import Path

import pytest

from pointline_tui.cli import main
from pointline_tui.storage.delta import DeltaEventStore
from tests.frames import trades
from tests.lake.test_health import AUDIT, build

CHECKPOINT_KEYS = {
    "table_name",
    "dry_run",
    "version",
    "last_checkpoint",
    "commits_since_checkpoint",
    "live_files",
    "needed",
    "checkpoint_version",
    "audit",
}
CLEANUP_KEYS = {
    "table_name",
    "dry_run",
    "log_retention_hours",
    "cutoff",
    "keep_from",
    "oldest_version_before",
    "oldest_version_after",
    "files_removed",
    "removed_files",
    "file_bytes",
    "bytes_freed",
    "audit_version",
    "audit",
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build(tmp_path_factory.mktemp("cli-health") / "silver")
    store = DeltaEventStore(root, audit=AUDIT)
    for i in range(6):  # nine small files in one partition: hot
        store.append("trades", trades("okx", date(2024, 5, 1), 10, start=100 + 10 * i))
    return root


@pytest.fixture
def lake(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "silver"))


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv] + ["--no-cache"])
    out, err = capsys.readouterr()
    return code, out, err


def damage(lake: Path) -> None:
    log = lake / "trades" / "_delta_log"
    latest = max(int(p.name[:20]) for p in log.glob("*.json"))
    (log / f"{latest:020d}.json").write_bytes(b"")


def test_check_lists_maintenance_findings_and_still_exits_0(
    lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "check", "--silver-root", lake)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert "trades: 1 warning" in lines
    [hot] = [line for line in lines if "hot_partitions" in line]
    assert hot.startswith("  warning hot_partitions: trades: 1 hot partition(s)")
    assert hot.endswith("→ pointline-tui compact trades (console key c)")


def test_check_json_carries_the_command_and_key(
    lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "check", "trades", "--silver-root", lake, "--json")
    assert code == 0
    [finding] = json.loads(out)
    assert finding["kind"] == "hot_partitions"
    assert (finding["command"], finding["key"]) == ("pointline-tui compact trades", "c")
    assert finding["severity"] == "warning"


def test_severity_filters_what_is_shown_not_the_exit_code(
    lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "check", "--silver-root", lake, "--json", "--severity", "error")
    assert (code, json.loads(out)) == (0, [])
    shutil.copytree(lake / "trades", lake / "trades_copy")
    damage(lake)  # the original trades: an error finding
    code, out, _ = run(capsys, "check", "--silver-root", lake, "--json", "--severity", "error")
    assert code == 1
    assert [f["kind"] for f in json.loads(out)] == ["zero_byte_commit"]
    code, out, _ = run(capsys, "check", "--silver-root", lake, "--json")
    assert code == 1
    found = json.loads(out)
    # The damaged table gets no maintenance findings; its sound copy does.
    assert {f["table"] for f in found if f["kind"] == "hot_partitions"} == {"trades_copy"}


def test_a_pending_threshold_outside_its_range_exits_2(
    lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "check", "--silver-root", lake, "--pending-hours", "0")
    assert (code, out) == (2, "")
    assert "--pending-hours must be from 1 to 876,000 hours" in err


def test_checkpoint_dry_run_then_checkpoint(lake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "checkpoint", "trades", "--silver-root", lake, "--dry-run", "--json")
    plan = json.loads(out)
    assert code == 0
    assert set(plan) == CHECKPOINT_KEYS
    assert plan["dry_run"]
    assert plan["needed"]
    assert plan["checkpoint_version"] is None
    assert not list((lake / "trades" / "_delta_log").glob("*.checkpoint.parquet"))
    code, out, _ = run(capsys, "checkpoint", "trades", "--silver-root", lake, "--json")
    done = json.loads(out)
    assert code == 0
    assert done["checkpoint_version"] == plan["version"] + 1
    assert dict(done["audit"])["pointline_operation"] == "CHECKPOINT"
    code, out, _ = run(capsys, "checkpoint", "trades", "--silver-root", lake)
    assert code == 0
    assert out.strip().endswith("has a checkpoint already; nothing to do")


def test_clean_log_json_and_text(lake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "checkpoint", "trades", "--silver-root", lake)[0] == 0
    then = time.time() - 40 * 86_400
    log = lake / "trades" / "_delta_log"
    for path in log.glob("*.json"):
        os.utime(path, (then, then))
    latest = max(int(p.name[:20]) for p in log.glob("*.json"))
    expected = sorted(p.name for p in log.glob("*.json") if int(p.name[:20]) < latest)
    code, out, _ = run(capsys, "clean-log", "trades", "--silver-root", lake, "--dry-run", "--json")
    plan = json.loads(out)
    assert code == 0
    assert set(plan) == CLEANUP_KEYS
    assert plan["removed_files"] == expected
    code, out, _ = run(capsys, "clean-log", "trades", "--silver-root", lake)
    assert code == 0
    lines = out.splitlines()
    assert lines[:-1] == [f"trades/_delta_log/{name}" for name in expected]
    assert lines[-1].startswith(f"removed {len(expected)} files")
    assert sorted(p.name for p in log.glob("*.json") if int(p.name[:20]) < latest) == []


@pytest.mark.parametrize("command", ["checkpoint", "clean-log"])
def test_a_damaged_table_exits_1_and_an_unknown_one_2(
    command: str, lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, command, "nope", "--silver-root", lake)
    assert (code, out) == (2, "")
    assert "no table 'nope'" in err
    damage(lake)
    code, out, err = run(capsys, command, "trades", "--silver-root", lake)
    assert (code, out) == (1, "")
    assert err.startswith(f"pointline-tui {command}: ")
    assert "empty file" in err
