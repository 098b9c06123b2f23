"""The command line: finding the lake, the subcommands' output and exit codes, the app's guard.

Subcommands run in-process through ``main``; the app's start-up errors run in a real process.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from deltalake import DeltaTable

from pointline_tui.cli import main
from pointline_tui.cli.options import UsageError, resolve_silver_root
from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.storage.delta._tables import audit_metadata
from tests.frames import partition_checksums, trades
from tests.loaded import run_cli

HOT = ("binance-futures", date(2024, 5, 2))
"""The demo's hottest trades partition (13 small files)."""
WARMED = ("okx", date(2024, 5, 1))
"""A one-file trades partition the tests give extra files."""
EVENT_TABLES = ("trades", "quotes", "orderbook_updates")
CONTROL_TABLES = ("dim_symbol", "ingest_manifest", "validation_log")
STATS_FIELDS = {"table", "exchange", "trading_date", "files", "bytes", "rows", "small_files"}
COMPACT_FIELDS = {
    "table_name",
    "partitions_processed",
    "files_before",
    "files_after",
    "bytes_before",
    "bytes_after",
    "partitions",
}
VACUUM_FIELDS = {
    "table_name",
    "files_removed",
    "bytes_freed",
    "dry_run",
    "retention_hours",
    "removed_files",
}


@pytest.fixture(autouse=True)
def no_lake_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POINTLINE_SILVER_ROOT", raising=False)
    monkeypatch.delenv("POINTLINE_ROOT", raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> Any:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    assert err == ""
    return json.loads(out)


def add_actions(root: Path, table: str) -> pl.DataFrame:
    return pl.DataFrame(DeltaTable(str(root / table)).get_add_actions(flatten=True))


def file_counts(root: Path, table: str) -> dict[tuple[str, date], int]:
    counts = add_actions(root, table).group_by("partition.exchange", "partition.trading_date").len()
    return {(ex, day): n for ex, day, n in counts.iter_rows()}


def content(root: Path, table: str) -> dict[tuple[str, date], list[int]]:
    return partition_checksums(pl.read_delta(str(root / table)))


def files_on_disk(table: Path) -> set[str]:
    return {
        str(p.relative_to(table))
        for p in table.rglob("*.parquet")
        if not p.relative_to(table).parts[0].startswith("_")
    }


def tombstones(table: Path) -> set[str]:
    """Every path a commit of the table removed, read from the JSON log by hand."""
    removed = set()
    for commit in (table / "_delta_log").glob("*.json"):
        for line in commit.read_text().splitlines():
            action = json.loads(line)
            if "remove" in action:
                removed.add(action["remove"]["path"])
    return removed


def warm_up(root: Path, files: int = 3) -> None:
    """Give the WARMED trades partition ``files`` more small files."""
    store = DeltaEventStore(root)
    for i in range(files):
        store.append("trades", trades(*WARMED, 20, start=10_000 + i * 20, file_id=900 + i))


def damage(root: Path, name: str) -> None:
    """A copy of the quotes table as ``name``, its last commit cut in half."""
    shutil.copytree(root / "quotes", root / name)
    last = max((root / name / "_delta_log").glob("*.json"))
    text = last.read_text()
    last.write_text(text[: len(text) // 2])


# -- finding the lake -------------------------------------------------------------------------


def test_resolve_silver_root_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("a", "b/silver", "c", "d/silver", "e"):
        (tmp_path / name).mkdir(parents=True)
    a, b, c, d, e = (tmp_path / n for n in ("a", "b", "c", "d", "e"))
    monkeypatch.setenv("POINTLINE_SILVER_ROOT", str(c))
    monkeypatch.setenv("POINTLINE_ROOT", str(d))
    assert resolve_silver_root(e, a, b) == e
    assert resolve_silver_root(None, a, b) == a
    assert resolve_silver_root(None, None, b) == b / "silver"
    assert resolve_silver_root(None, None, None) == c
    monkeypatch.delenv("POINTLINE_SILVER_ROOT")
    assert resolve_silver_root(None, None, None) == d / "silver"
    monkeypatch.delenv("POINTLINE_ROOT")
    with pytest.raises(UsageError, match="no lake given"):
        resolve_silver_root(None, None, None)


@pytest.mark.parametrize(
    "how", ["--silver-root", "--root", "POINTLINE_SILVER_ROOT", "POINTLINE_ROOT"]
)
def test_subcommands_find_the_lake_like_the_app(
    how: str,
    demo_lake_template: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    where = demo_lake_template if "SILVER" in how.upper() else demo_lake_template.parent
    args: list[str | Path] = ["stats", "trades"]
    if how.startswith("--"):
        args += [how, where]
    else:
        monkeypatch.setenv(how, str(where))
    records = run_json(capsys, *args)
    assert {r["table"] for r in records} == {"trades"}
    assert len(records) == len(file_counts(demo_lake_template, "trades"))


def test_an_option_beats_the_environment(
    demo_lake_template: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POINTLINE_SILVER_ROOT", "/nonexistent/silver")
    assert run_json(capsys, "stats", "trades", "--root", demo_lake_template.parent)


@pytest.mark.parametrize("subcommand", [["stats"], ["compact", "trades"], ["vacuum", "trades"]])
def test_a_missing_lake_is_a_usage_error(
    subcommand: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *subcommand)
    assert (code, out) == (2, "")
    assert "no lake given: pass --silver-root or --root" in err
    code, out, err = run(capsys, *subcommand, "--silver-root", tmp_path / "nope")
    assert (code, out) == (2, "")
    assert f"silver root {tmp_path / 'nope'} does not exist" in err
    (tmp_path / "file").write_text("")
    code, out, err = run(capsys, *subcommand, "--root", tmp_path / "file")
    assert (code, out) == (2, "")
    assert "does not exist" in err  # file/silver


# -- stats ------------------------------------------------------------------------------------


def test_stats_json_has_one_object_per_partition(
    demo_lake_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = run_json(capsys, "stats", "--silver-root", demo_lake_template)
    assert isinstance(records, list)
    assert all(r.keys() >= STATS_FIELDS for r in records)
    by_table: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_table.setdefault(r["table"], []).append(r)
    assert set(by_table) == {*EVENT_TABLES, *CONTROL_TABLES}
    for table in EVENT_TABLES:
        actions = add_actions(demo_lake_template, table)
        expected = {
            (ex, day.isoformat()): (files, size, rows)
            for ex, day, files, size, rows in actions.group_by(
                "partition.exchange", "partition.trading_date"
            )
            .agg(pl.len(), pl.col("size_bytes").sum(), pl.col("num_records").sum())
            .iter_rows()
        }
        got = {
            (r["exchange"], r["trading_date"]): (r["files"], r["bytes"], r["rows"])
            for r in by_table[table]
        }
        assert got == expected, table
        assert (
            sum(r["rows"] for r in by_table[table])
            == pl.read_delta(str(demo_lake_template / table)).height
        )
    for table in CONTROL_TABLES:
        [record] = by_table[table]
        assert (record["exchange"], record["trading_date"]) == (None, None)
        assert record["files"] == add_actions(demo_lake_template, table).height
        assert record["rows"] == pl.read_delta(str(demo_lake_template / table)).height
    [hot] = [
        r
        for r in by_table["trades"]
        if (r["exchange"], r["trading_date"]) == ("binance-futures", "2024-05-02")
    ]
    assert hot["small_files"] == hot["files"] >= 12
    assert hot["hot"] is True


def test_stats_of_one_table(demo_lake_template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = run_json(capsys, "stats", "dim_symbol", "--silver-root", demo_lake_template)
    assert len(records) == 1
    assert records[0]["table"] == "dim_symbol"
    assert records[0]["rows"] == pl.read_delta(str(demo_lake_template / "dim_symbol")).height


def test_stats_prints_a_table_for_people(
    demo_lake_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "stats", "trades", "--silver-root", demo_lake_template)
    assert (code, err) == (0, "")
    header, *rows = out.splitlines()
    assert header.split() == ["table", "exchange", "date", "files", "small", "bytes", "rows", "hot"]
    assert len(rows) == len(file_counts(demo_lake_template, "trades"))
    [hot] = [r for r in rows if "binance-futures  2024-05-02" in r]
    assert hot.split()[3] == "13"
    assert hot.endswith("hot")
    assert all(line.startswith("trades ") for line in rows)


def test_stats_lists_tables_that_cannot_be_read(
    demo_lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stray = demo_lake / "stray_parquet" / "exchange=okx"
    stray.mkdir(parents=True)
    for n, path in enumerate(add_actions(demo_lake, "trades").get_column("path").head(2)):
        shutil.copy(demo_lake / "trades" / path, stray / f"part-{n}.parquet")
    damage(demo_lake, "quotes_copy")

    records = run_json(capsys, "stats", "--silver-root", demo_lake)
    errors = {r["table"]: r for r in records if "error" in r}
    assert set(errors) == {"stray_parquet", "quotes_copy"}
    assert errors["stray_parquet"]["error"] == "no _delta_log; 2 parquet files"
    assert "json" in errors["quotes_copy"]["error"].lower()
    assert {r["table"] for r in records if "error" not in r} == {*EVENT_TABLES, *CONTROL_TABLES}

    code, out, err = run(capsys, "stats", "--silver-root", demo_lake)
    assert (code, err) == (0, "")
    assert "stray_parquet: cannot read: no _delta_log; 2 parquet files" in out.splitlines()
    assert any(line.startswith("quotes_copy: cannot read: ") for line in out.splitlines())
    assert max(len(line) for line in out.splitlines()[:-2]) < 100, "errors do not widen the table"

    # Named: a damaged table is a failed operation, a folder that is no table a bad argument.
    code, out, err = run(capsys, "stats", "quotes_copy", "--silver-root", demo_lake, "--json")
    assert code == 1
    [record] = json.loads(out)
    assert record["table"] == "quotes_copy"
    assert "json" in record["error"].lower()
    code, out, err = run(capsys, "stats", "stray_parquet", "--silver-root", demo_lake)
    assert (code, out) == (2, "")
    assert "'stray_parquet'" in err
    assert "not a table: no _delta_log" in err
    for command in (["compact", "quotes_copy"], ["vacuum", "quotes_copy", "--dry-run"]):
        code, out, err = run(capsys, *command, "--silver-root", demo_lake)
        assert (code, out) == (1, ""), command
        assert "'quotes_copy' cannot be read" in err


@pytest.mark.parametrize(
    "command",
    [["stats", "nope"], ["compact", "nope"], ["vacuum", "nope"], ["stats", "../trades"]],
)
def test_an_unknown_table_is_a_usage_error(
    command: list[str], demo_lake_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *command, "--silver-root", demo_lake_template)
    assert (code, out) == (2, "")
    if "/" in command[1]:
        assert f"invalid table name {command[1]!r}" in err
    else:
        assert f"no table {command[1]!r} in {demo_lake_template}" in err


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (["stats", "--bogus"], "unrecognized arguments: --bogus"),
        (["compact"], "required: TABLE"),
        (
            ["compact", "trades", "--target-size-mb", "0"],
            "--target-size-mb must be from 1 to 1,048,576 MB, got 0",
        ),
        (["compact", "trades", "--target-size-mb", "big"], "invalid int value"),
        (
            ["compact", "trades", "--date", "2024-13-01"],
            "--date: not a date (YYYY-MM-DD): '2024-13-01'",
        ),
        (["compact", "trades", "--exchange", "kraken"], "no partition of 'trades' matches"),
        (["compact", "dim_symbol", "--exchange", "okx"], "not partitioned by exchange and date"),
        (["vacuum", "trades", "--retention-hours", "-1"], "--retention-hours must be from 0 to"),
        (["vacuum", "trades", "--date", "2030-01-01"], "matches --date 2030-01-01"),
        (["vacuum", "validation_log", "--date", "2024-05-01"], "not partitioned"),
    ],
)
def test_bad_arguments_exit_2_with_the_reason(
    command: list[str],
    reason: str,
    demo_lake_template: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    version = DeltaTable(str(demo_lake_template / "trades")).version()
    code, out, err = run(capsys, *command, "--silver-root", demo_lake_template)
    assert (code, out) == (2, "")
    assert reason in err
    assert DeltaTable(str(demo_lake_template / "trades")).version() == version


# -- compact ----------------------------------------------------------------------------------


def test_compact_a_table(demo_lake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before, checksums = file_counts(demo_lake, "trades"), content(demo_lake, "trades")
    version = DeltaTable(str(demo_lake / "trades")).version()

    report = run_json(capsys, "compact", "trades", "--silver-root", demo_lake)

    after = file_counts(demo_lake, "trades")
    assert after[HOT] == 1 < before[HOT]
    assert {k: n for k, n in after.items() if k != HOT} == {
        k: n for k, n in before.items() if k != HOT
    }
    assert content(demo_lake, "trades") == checksums
    assert report.keys() >= COMPACT_FIELDS
    assert report["table_name"] == "trades"
    # Plan first, as in the console: single-file partitions are skipped, not rewritten.
    assert report["partitions_processed"] == 1
    assert (report["files_before"], report["files_after"]) == (before[HOT], 1)
    hot_files = add_actions(demo_lake, "trades").filter(
        pl.col("partition.exchange") == HOT[0], pl.col("partition.trading_date") == HOT[1]
    )
    assert report["bytes_after"] == hot_files["size_bytes"].sum()
    per_partition = {
        (p["exchange"], date.fromisoformat(p["trading_date"])): (
            p["state"],
            p["files_before"],
            p["files_after"],
        )
        for p in report["partitions"]
    }
    assert per_partition == {HOT: ("done", before[HOT], 1)}
    skipped = {(p["exchange"], date.fromisoformat(p["trading_date"])) for p in report["skipped"]}
    assert skipped == set(before) - {HOT}
    assert {p["reason"] for p in report["skipped"]} == {"only one file"}

    commits = DeltaTable(str(demo_lake / "trades")).history()
    new = [c for c in commits if c["version"] > version]
    assert [c["operation"] for c in new] == ["OPTIMIZE"], "one commit, for the hot partition"
    audit = audit_metadata()
    assert {k: new[0].get(k) for k in ("user", "host", "tool")} == {
        k: audit[k] for k in ("user", "host", "tool")
    }
    assert new[0]["tool"] == "pointline-tui"


def test_compact_scoped_by_exchange_and_date(
    demo_lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warm_up(demo_lake)
    before, checksums = file_counts(demo_lake, "trades"), content(demo_lake, "trades")
    assert before[WARMED] == 4

    code, out, err = run(
        capsys,
        "compact",
        "trades",
        "--exchange",
        HOT[0],
        "--date",
        HOT[1],
        "--silver-root",
        demo_lake,
    )
    assert (code, err) == (0, "")
    size = r"\d+\.\d KiB"
    partition, total = out.splitlines()
    assert re.fullmatch(rf"{HOT[0]}/{HOT[1]}: 13 -> 1 files, {size} -> {size}", partition)
    assert total == "total" + partition.removeprefix(f"{HOT[0]}/{HOT[1]}")
    after = file_counts(demo_lake, "trades")
    assert after == before | {HOT: 1}

    report = run_json(capsys, "compact", "trades", "--exchange", "okx", "--silver-root", demo_lake)
    assert {p["exchange"] for p in report["partitions"]} == {"okx"}
    assert report["partitions_processed"] == 1  # the warmed partition; the rest have one file
    assert {p["exchange"] for p in report["skipped"]} == {"okx"}
    assert len(report["skipped"]) == 3
    assert file_counts(demo_lake, "trades") == after | {WARMED: 1}
    assert content(demo_lake, "trades") == checksums

    report = run_json(
        capsys, "compact", "trades", "--date", "2024-05-03", "--silver-root", demo_lake
    )
    assert report["partitions"] == []
    assert report["partitions_processed"] == 0
    assert {p["trading_date"] for p in report["skipped"]} == {"2024-05-03"}
    assert len(report["skipped"]) == 2


def test_compact_dry_run_plans_and_changes_nothing(
    demo_lake_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    version = DeltaTable(str(demo_lake_template / "trades")).version()
    plan = run_json(capsys, "compact", "trades", "--dry-run", "--silver-root", demo_lake_template)
    assert (plan["to_compact"], plan["files"], plan["expected_files"]) == (1, 13, 1)
    [hot] = [p for p in plan["partitions"] if not p["skipped"]]
    assert (hot["exchange"], hot["trading_date"]) == (HOT[0], HOT[1].isoformat())
    code, out, err = run(
        capsys,
        "compact",
        "trades",
        "--dry-run",
        "--target-size-mb",
        "64",
        "--silver-root",
        demo_lake_template,
    )
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[-1] == "trades: 1 to compact, 7 skipped; 13 files -> ~1 at 64 MB"
    assert any(line.startswith(f"{HOT[0]}/{HOT[1]}: 13 files (13 small)") for line in lines)
    assert f"okx/{WARMED[1]}: skip (only one file)" in lines
    assert DeltaTable(str(demo_lake_template / "trades")).version() == version


def test_compact_an_unpartitioned_table(
    demo_lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = pl.read_delta(str(demo_lake / "validation_log"))
    files = add_actions(demo_lake, "validation_log").height
    assert files > 1
    report = run_json(capsys, "compact", "validation_log", "--silver-root", demo_lake)
    assert report.keys() >= COMPACT_FIELDS
    assert (report["partitions_processed"], report["files_before"], report["files_after"]) == (
        1,
        files,
        1,
    )
    assert report["partitions"] == []
    assert add_actions(demo_lake, "validation_log").height == 1
    after = pl.read_delta(str(demo_lake / "validation_log"))
    assert after.sort(after.columns).equals(frame.sort(frame.columns))


def test_a_failing_partition_exits_1_and_the_others_finish(
    demo_lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warm_up(demo_lake)
    actions = add_actions(demo_lake, "trades")
    victim = actions.filter(
        pl.col("partition.exchange") == HOT[0], pl.col("partition.trading_date") == HOT[1]
    )["path"][0]
    (demo_lake / "trades" / victim).unlink()

    code, out, err = run(capsys, "compact", "trades", "--json", "--silver-root", demo_lake)

    assert code == 1
    assert "1 of 2 partitions failed" in err
    report = json.loads(out)
    states = {(p["exchange"], p["trading_date"]): p for p in report["partitions"]}
    failed = states.pop((HOT[0], HOT[1].isoformat()))
    assert failed["state"] == "failed"
    assert "not on disk" in failed["error"]
    assert {p["state"] for p in states.values()} == {"done"}
    assert (report["failed"], report["partitions_processed"]) == (1, 1)
    assert file_counts(demo_lake, "trades")[WARMED] == 1, "the others were still compacted"


# -- vacuum -----------------------------------------------------------------------------------


def test_vacuum_dry_run_deletes_nothing(
    demo_lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = demo_lake / "quotes"
    on_disk, version = files_on_disk(table), DeltaTable(str(table)).version()

    report = run_json(
        capsys,
        "vacuum",
        "quotes",
        "--retention-hours",
        "0",
        "--force-retention",
        "--dry-run",
        "--silver-root",
        demo_lake,
    )

    assert report.keys() == VACUUM_FIELDS
    assert (report["dry_run"], report["retention_hours"]) == (True, 0)
    assert set(report["removed_files"]) == tombstones(table)
    assert report["files_removed"] == len(tombstones(table)) > 1
    assert report["bytes_freed"] == sum((table / p).stat().st_size for p in report["removed_files"])
    assert files_on_disk(table) == on_disk
    assert DeltaTable(str(table)).version() == version


def test_vacuum_keeps_fresh_tombstones_by_default(
    demo_lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    on_disk = files_on_disk(demo_lake / "quotes")
    report = run_json(capsys, "vacuum", "quotes", "--silver-root", demo_lake)
    assert (report["files_removed"], report["retention_hours"], report["dry_run"]) == (
        0,
        168,
        False,
    )
    assert files_on_disk(demo_lake / "quotes") == on_disk


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
def test_a_retention_below_the_minimum_needs_force(
    dry_run: list[str], demo_lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    on_disk = files_on_disk(demo_lake / "quotes")
    code, out, err = run(
        capsys, "vacuum", "quotes", "--retention-hours", "0", *dry_run, "--silver-root", demo_lake
    )
    assert (code, out) == (2, "")
    assert "below quotes's minimum of 168 h" in err
    assert err.rstrip().endswith("pass --force-retention to go ahead")
    assert files_on_disk(demo_lake / "quotes") == on_disk


def test_vacuum_with_force_removes_the_compaction_tombstones(
    demo_lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = demo_lake / "quotes"
    dead, checksums = tombstones(table), content(demo_lake, "quotes")
    live = set(add_actions(demo_lake, "quotes")["path"])

    code, out, err = run(
        capsys,
        "vacuum",
        "quotes",
        "--retention-hours",
        "0",
        "--force-retention",
        "--silver-root",
        demo_lake,
    )

    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:-1] == sorted(f"quotes/{p}" for p in dead)
    assert lines[-1].startswith(f"removed {len(dead)} files, ")
    assert lines[-1].endswith("(whole table, retention 0 h)")
    assert files_on_disk(table) == live
    assert content(demo_lake, "quotes") == checksums
    report = run_json(
        capsys,
        "vacuum",
        "quotes",
        "--retention-hours",
        "0",
        "--force-retention",
        "--silver-root",
        demo_lake,
    )
    assert report["files_removed"] == 0, "nothing left to remove"


def test_a_table_wide_vacuum_loads_no_polars(demo_lake: Path) -> None:
    table = demo_lake / "quotes"
    dead, live = tombstones(table), set(add_actions(demo_lake, "quotes")["path"])
    argv = ["vacuum", "quotes", "--retention-hours", "0", "--force-retention", "--json"]
    result = run_cli(*argv, "--silver-root", str(demo_lake))
    assert (result["code"], result["loaded"]) == (0, ["deltalake"])
    assert set(json.loads(result["out"])["removed_files"]) == dead
    assert files_on_disk(table) == live


def test_vacuum_scoped_to_partitions(demo_lake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    warm_up(demo_lake)
    DeltaEventStore(demo_lake).compact_partitions("trades")
    table = demo_lake / "trades"
    dead, checksums = tombstones(table), content(demo_lake, "trades")
    warmed = {p for p in dead if p.startswith("exchange=okx/")}
    hot = {p for p in dead if p.startswith(f"exchange={HOT[0]}/trading_date={HOT[1]}/")}
    assert (len(warmed), len(hot)) == (4, 13)
    assert dead == warmed | hot
    force = ["--retention-hours", "0", "--force-retention", "--silver-root", demo_lake]

    report = run_json(capsys, "vacuum", "trades", "--exchange", "okx", *force)
    assert set(report["removed_files"]) == warmed
    assert not any((table / p).exists() for p in warmed)
    assert all((table / p).exists() for p in hot)

    report = run_json(capsys, "vacuum", "trades", "--date", "2024-05-01", *force)
    assert report["files_removed"] == 0, "okx's are gone, binance-futures' are on 2024-05-02"

    code, out, err = run(capsys, "vacuum", "trades", "--exchange", HOT[0], "--date", HOT[1], *force)
    assert (code, err) == (0, "")
    assert out.splitlines()[-1].startswith("removed 13 files, ")
    assert out.splitlines()[-1].endswith("(1 partition(s), retention 0 h)")
    assert not any((table / p).exists() for p in hot)
    assert content(demo_lake, "trades") == checksums


# -- demo -------------------------------------------------------------------------------------


def test_demo_subcommand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "silver"
    code, out, err = run(capsys, "demo", target)
    assert (code, err) == (0, "")
    assert out == f"built the demo lake in {target}; open it with: pointline-tui {target}\n"
    assert run_json(capsys, "stats", "trades", "--silver-root", target)

    code, out, err = run(capsys, "demo", target)
    assert (code, out) == (2, "")
    assert f"demo lake target {target} is not empty" in err
    code, out, err = run(capsys, "demo")
    assert (code, out) == (2, "")
    assert "required: PATH" in err


# -- the app, in a real process ---------------------------------------------------------------


def launch(
    *argv: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POINTLINE_")}
    return subprocess.run(
        [sys.executable, "-m", "pointline_tui", *map(str, argv)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        env=clean | (env or {}),
        check=False,
    )


def test_the_app_refuses_a_bad_root_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    cases = [
        ((tmp_path / "missing",), None, f"silver root {tmp_path / 'missing'} does not exist"),
        (
            ("--silver-root", tmp_path / "file"),
            None,
            f"silver root {tmp_path / 'file'} is not a folder",
        ),
        (("--root", tmp_path), None, f"silver root {tmp_path / 'silver'} does not exist"),
        ((), None, "no lake given: pass SILVER_ROOT, --silver-root or --root"),
        ((), {"POINTLINE_ROOT": str(tmp_path / "file")}, "does not exist"),
        ((), {"POINTLINE_SILVER_ROOT": str(tmp_path / "gone")}, "gone does not exist"),
    ]
    for argv, env, reason in cases:
        done = launch(*argv, env=env)
        assert done.returncode == 2, (argv, env, done.stderr)
        assert done.stdout == ""
        assert done.stderr.startswith("pointline-tui: ")
        assert reason in done.stderr
        assert "Traceback" not in done.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_the_app_refuses_an_unreadable_root(tmp_path: Path) -> None:
    locked = tmp_path / "silver"
    locked.mkdir(mode=0)
    try:
        done = launch(locked)
    finally:
        locked.chmod(0o755)
    assert done.returncode == 2
    assert f"silver root {locked} is not readable" in done.stderr


def test_subcommands_in_a_real_process(demo_lake_template: Path) -> None:
    done = launch("stats", "quotes", "--json", "--silver-root", demo_lake_template)
    assert done.returncode == 0, done.stderr
    assert {r["table"] for r in json.loads(done.stdout)} == {"quotes"}
    done = launch(
        "vacuum",
        "quotes",
        "--retention-hours",
        "1",
        env={"POINTLINE_ROOT": str(demo_lake_template.parent)},
    )
    assert done.returncode == 2
    assert "--force-retention" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("command", ["vacuum", "compact"])
def test_a_folder_that_is_no_table_name_is_a_bad_argument(
    demo_lake: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    import shutil

    shutil.copytree(demo_lake / "quotes", demo_lake / "Quotes-Copy")
    code, out, err = run(capsys, command, "Quotes-Copy", "--dry-run", "--silver-root", demo_lake)
    assert (code, out) == (2, "")
    assert "invalid table name 'Quotes-Copy'" in err
    assert "Traceback" not in err
