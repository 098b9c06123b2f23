"""``pointline-tui check``: exit codes, JSON and text output; damaged tables refused by the CLI.

Subcommands run in-process through ``main``, over real Delta lakes in ``tmp_path``.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path

import pytest

from pointline_tui.cli import main
from pointline_tui.cli.output import jsonable
from pointline_tui.storage.delta.check import check_table
from tests.storage._trust import LATEST, P1, build_lake, commit_file, live_files, snapshot

FINDING_KEYS = {
    "table",
    "severity",
    "kind",
    "path",
    "exchange",
    "trading_date",
    "bytes",
    "command",
    "key",
    "message",
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_lake(tmp_path_factory.mktemp("cli-check-template") / "lake")


@pytest.fixture
def lake(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "lake"))


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def a_data_file(lake: Path, table: str = "trades") -> Path:
    return lake / table / sorted(live_files(lake, P1))[0]


def add_orphan(lake: Path) -> None:
    src = a_data_file(lake)
    shutil.copy(src, src.with_name("orphan-copy.parquet"))


def test_a_sound_lake_exits_0(lake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "--silver-root", lake)
    assert (code, err) == (0, "")
    assert out.splitlines() == ["trades: ok", "checked 1 table(s): nothing found"]
    code, out, _ = run(capsys, "check", "trades", "--silver-root", lake, "--json", "--deep")
    assert (code, json.loads(out)) == (0, [])


def test_an_error_finding_exits_1(lake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    commit_file(lake / "trades", LATEST).write_bytes(b"")
    code, out, _ = run(capsys, "check", "--silver-root", lake)
    assert code == 1
    assert (
        "  error   zero_byte_commit: trades: commit 4 (_delta_log/00000000000000000004.json) is an"
        in out
    )


def test_only_warnings_exit_0(lake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_orphan(lake)
    code, out, _ = run(capsys, "check", "--silver-root", lake)
    assert code == 0
    assert out.splitlines()[0] == "trades: 1 warning"
    assert out.splitlines()[-1] == "checked 1 table(s): 1 warning"


def test_an_unknown_table_exits_2(lake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "nope", "--silver-root", lake)
    assert (code, out) == (2, "")
    assert "no table 'nope'" in err


def test_deep_finds_what_sizes_cannot(lake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = a_data_file(lake)
    path.write_bytes(os.urandom(path.stat().st_size))
    assert run(capsys, "check", "trades", "--silver-root", lake)[0] == 0
    code, out, _ = run(capsys, "check", "trades", "--silver-root", lake, "--deep", "--json")
    assert code == 1
    assert [f["kind"] for f in json.loads(out)] == ["corrupt_file"]


def test_json_is_one_array_of_findings_with_exactly_these_keys(
    lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commit_file(lake / "trades", LATEST).write_bytes(b"")  # an error and its orphans
    (lake / "empty").mkdir()
    code, out, _ = run(capsys, "check", "--silver-root", lake, "--json")
    assert code == 1
    findings = json.loads(out)
    assert isinstance(findings, list)
    assert len(findings) == 5
    assert all(set(f) == FINDING_KEYS for f in findings)
    expected = [
        jsonable(asdict(f)) for name in ("trades", "empty") for f in check_table(lake, name)
    ]
    assert sorted(findings, key=json.dumps) == sorted(expected, key=json.dumps)
    orphan = next(f for f in findings if f["kind"] == "orphan_file")
    assert orphan["exchange"] in {"okx", "binance-futures"}
    assert isinstance(orphan["trading_date"], str)
    assert isinstance(orphan["bytes"], int)


def test_text_output_groups_findings_by_table(
    lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(lake / "trades", lake / "trades_copy")
    a_data_file(lake, "trades_copy").unlink()
    add_orphan(lake)
    (lake / "empty").mkdir()
    (lake / "stray").mkdir()
    (lake / "stray" / "x.parquet").write_bytes(b"x")

    code, out, _ = run(capsys, "check", "--silver-root", lake)

    assert code == 1
    lines = out.splitlines()
    assert lines[-1] == "checked 4 table(s): 1 error, 2 warnings, 1 info"
    groups: dict[str, list[str]] = {}
    current = ""
    for line in lines[:-1]:
        if line.startswith("  "):
            groups[current].append(line)
        else:
            current, _, tally = line.partition(": ")
            assert current not in groups, "one group per table"
            groups[current] = [tally]
    assert groups.keys() == {"trades", "trades_copy", "empty", "stray"}
    assert groups["trades"][0] == "1 warning"
    assert groups["trades_copy"][0] == "1 error"
    assert groups["empty"][0] == "1 info"
    assert groups["stray"][0] == "1 warning"
    for name, (_, *findings) in groups.items():
        assert len(findings) == 1
        assert findings[0].split(": ", 1)[1].startswith(f"{name}: "), findings[0]
    assert groups["trades_copy"][1].startswith("  error   missing_file (")
    assert groups["trades"][1].startswith("  warning orphan_file (")


@pytest.mark.parametrize("command", ["compact", "vacuum", "remove-orphans"])
def test_a_write_to_a_damaged_table_exits_1_naming_the_finding(
    command: str, lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commit_file(lake / "trades", LATEST).write_bytes(b"")
    [finding] = [f for f in check_table(lake, "trades") if f.severity == "error"]
    before = snapshot(lake)
    code, out, err = run(capsys, command, "trades", "--silver-root", lake)
    assert (code, out) == (1, "")
    assert err.startswith(f"pointline-tui {command}: ")
    assert finding.message in err
    assert snapshot(lake) == before


@pytest.mark.parametrize(
    "command",
    [
        "compact",
        "vacuum",
        "remove-orphans",
    ],
)
def test_a_write_to_a_table_with_a_missing_file_exits_1_naming_it(
    command: str, lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_data_file(lake).unlink()
    [finding] = check_table(lake, "trades")
    code, out, err = run(capsys, command, "trades", "--silver-root", lake)
    assert code == 1
    # compact refuses the damaged partition (its line says why) and compacts the others.
    assert finding.message in (out if command == "compact" else err)


@pytest.mark.parametrize("command", ["compact", "vacuum", "remove-orphans"])
def test_a_write_to_a_truncated_log_names_the_finding(
    command: str, lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commit = commit_file(lake / "trades", LATEST)
    commit.write_bytes(commit.read_bytes()[:40])
    [finding] = check_table(lake, "trades")
    code, _, err = run(capsys, command, "trades", "--silver-root", lake)
    assert code == 1
    assert finding.message.removeprefix("trades: ") in err
