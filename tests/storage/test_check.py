"""check: each kind of damage found with the right kind, severity and path; writes refused.

Every lake here is a real Delta table written through ``DeltaEventStore`` (or plain
``write_deltalake``) and then damaged by hand, as a crash, a bad copy or a person would.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from deltalake import DeltaTable, write_deltalake

from pointline_tui.lake import LakeReader
from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.storage.delta.check import KINDS, check_table, ensure_sound
from pointline_tui.storage.models import (
    Finding,
    SchemaMismatchError,
    StorageError,
    TableNotFoundError,
    UnsafeTableError,
)
from tests.frames import partition_checksums, trades
from tests.storage._trust import (
    D1,
    LATEST,
    P1,
    P2,
    added_by,
    build_lake,
    commit_file,
    live_files,
    read,
    snapshot,
)

Row = tuple[str, str, str | None, str | None, date | None, int | None]
"""What a finding is compared on: severity, kind, path, exchange, trading_date, bytes."""


def rows(findings: tuple[Finding, ...]) -> list[Row]:
    return sorted(
        (f.severity, f.kind, f.path, f.exchange, f.trading_date, f.bytes) for f in findings
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sound lake of ``build_lake``; copied by ``lake``, never written."""
    return build_lake(tmp_path_factory.mktemp("check-template") / "lake")


@pytest.fixture(scope="module")
def null_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Trades with an empty-exchange partition (written by plain delta-rs: ``append`` refuses).

    Also okx/D1 in three files compacted into one, so vacuum has tombstones to delete.
    """
    root = tmp_path_factory.mktemp("null-template") / "lake"
    path = str(root / "trades")
    by = ["exchange", "trading_date"]
    write_deltalake(path, trades("", D1, 5).to_arrow(), partition_by=by)
    for i in range(3):
        write_deltalake(
            path, trades("okx", D1, 5, start=5 + 5 * i).to_arrow(), partition_by=by, mode="append"
        )
    DeltaTable(path).optimize.compact(
        partition_filters=[("exchange", "=", "okx"), ("trading_date", "=", D1.isoformat())]
    )
    return root


@pytest.fixture
def lake(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "lake", symlinks=True))


# -- damage, one kind at a time -------------------------------------------------------------


@dataclass(frozen=True)
class Damaged:
    root: Path
    """The lake root."""
    expected: list[Row]
    """Exactly the findings ``check_table(root, "trades")`` must return."""
    part: tuple[str | None, date]
    """The partition the damage is in (or one of the table's, for a damaged log)."""
    outside: Path | None = None
    """A folder outside the lake the lake links to; it must never change."""


def first_file(root: Path, part: tuple[str, date] = P1) -> tuple[str, int]:
    return sorted(live_files(root, part).items())[0]


def zero_byte_commit(root: Path, tmp: Path) -> Damaged:
    table = root / "trades"
    lost = added_by(table, LATEST)
    commit_file(table, LATEST).write_bytes(b"")
    log = f"trades/_delta_log/{LATEST:020d}.json"
    # Its files are now named by no commit: orphans (warnings) next to the error.
    orphans = [
        ("warning", "orphan_file", f"trades/{rel}", *_part_of(rel), size) for rel, size in lost
    ]
    return Damaged(
        root, sorted([("error", "zero_byte_commit", log, None, None, None), *orphans]), P1
    )


def truncated_commit(root: Path, tmp: Path) -> Damaged:
    commit = commit_file(root / "trades", LATEST)
    commit.write_bytes(commit.read_bytes()[: commit.stat().st_size // 2])
    log = f"trades/_delta_log/{LATEST:020d}.json"
    return Damaged(root, [("error", "truncated_commit", log, None, None, None)], P1)


def version_gap(root: Path, tmp: Path) -> Damaged:
    commit_file(root / "trades", 2).unlink()
    log = f"trades/_delta_log/{2:020d}.json"
    return Damaged(root, [("error", "version_gap", log, None, None, None)], P1)


def broken_checkpoint(root: Path, tmp: Path) -> Damaged:
    DeltaTable(str(root / "trades")).create_checkpoint()
    checkpoint = root / "trades" / "_delta_log" / f"{LATEST:020d}.checkpoint.parquet"
    size = checkpoint.stat().st_size
    checkpoint.write_bytes((b"not a parquet file " * size)[:size])
    rel = f"trades/_delta_log/{checkpoint.name}"
    return Damaged(root, [("error", "broken_checkpoint", rel, None, None, None)], P1)


def missing_file(root: Path, tmp: Path) -> Damaged:
    rel, size = first_file(root)
    (root / "trades" / rel).unlink()
    return Damaged(root, [("error", "missing_file", f"trades/{rel}", *P1, size)], P1)


def size_mismatch(root: Path, tmp: Path) -> Damaged:
    rel, _ = first_file(root)
    path = root / "trades" / rel
    path.write_bytes(path.read_bytes()[:100])
    return Damaged(root, [("error", "size_mismatch", f"trades/{rel}", *P1, 100)], P1)


def partition_link(root: Path, tmp: Path) -> Damaged:
    """``P2`` (which has tombstones) moved out of the lake, a symlink left in its place."""
    folder = root / "trades" / f"exchange={P2[0]}" / f"trading_date={P2[1].isoformat()}"
    outside = tmp / "outside-partition"
    shutil.move(folder, outside)
    folder.symlink_to(outside, target_is_directory=True)
    rel = folder.relative_to(root).as_posix()
    return Damaged(root, [("error", "outside_lake", rel, None, None, None)], P2, outside)


def table_link(root: Path, tmp: Path) -> Damaged:
    outside = tmp / "outside-table"
    shutil.move(root / "trades", outside)
    (root / "trades").symlink_to(outside, target_is_directory=True)
    return Damaged(root, [("error", "outside_lake", "trades", None, None, None)], P1, outside)


DAMAGE: dict[str, Callable[[Path, Path], Damaged]] = {
    "zero_byte_commit": zero_byte_commit,
    "truncated_commit": truncated_commit,
    "version_gap": version_gap,
    "broken_checkpoint": broken_checkpoint,
    "missing_file": missing_file,
    "size_mismatch": size_mismatch,
    "partition_link": partition_link,
    "table_link": table_link,
}


def _part_of(rel: str) -> tuple[str, date]:
    ex, day = rel.split("/")[:2]
    return ex.removeprefix("exchange="), date.fromisoformat(day.removeprefix("trading_date="))


def damaged(name: str, template: Path, null_template: Path, tmp_path: Path) -> Damaged:
    if name == "null_partition_value":
        root = Path(shutil.copytree(null_template, tmp_path / "lake"))
        [(rel, size)] = [(p, s) for p, s in live_files(root).items() if p.startswith("exchange=/")]
        folder = "trades/" + rel.rsplit("/", 1)[0]
        expected = [("error", "null_partition_value", folder, None, None, size)]
        return Damaged(root, expected, (None, D1))
    root = Path(shutil.copytree(template, tmp_path / "lake", symlinks=True))
    return DAMAGE[name](root, tmp_path)


ERROR_DAMAGE = [*DAMAGE, "null_partition_value"]


@pytest.mark.parametrize("name", ERROR_DAMAGE)
def test_check_reports_exactly_the_damage(
    name: str, template: Path, null_template: Path, tmp_path: Path
) -> None:
    case = damaged(name, template, null_template, tmp_path)
    findings = check_table(case.root, "trades")
    assert rows(findings) == case.expected
    assert all(f.kind in KINDS for f in findings)
    assert all(f.table == "trades" and f.message.startswith("trades: ") for f in findings)
    assert [f.severity for f in findings] == sorted(
        (f.severity for f in findings), key=["error", "warning", "info"].index
    ), "errors first"


@pytest.mark.parametrize("name", ERROR_DAMAGE)
def test_the_console_finds_the_same_as_check(
    name: str, template: Path, null_template: Path, tmp_path: Path
) -> None:
    # The console checks the log, then walks the folders against the files it keeps.
    case = damaged(name, template, null_template, tmp_path)
    assert rows(LakeReader(case.root).health("trades")) == case.expected


def test_the_console_finds_orphans_and_staging_files_as_check_does(lake: Path) -> None:
    rel, _ = first_file(lake)
    shutil.copy(lake / "trades" / rel, lake / "trades" / f"{rel}#1")
    shutil.copy(lake / "trades" / rel, lake / "trades" / rel.replace(".parquet", "-copy.parquet"))
    found = LakeReader(lake).health("trades")
    assert rows(found) == rows(check_table(lake, "trades"))
    assert {f.kind for f in found} == {"orphan_file", "staging_file"}


def test_a_damaged_commit_behind_the_newest_checkpoint_is_a_warning(lake: Path) -> None:
    DeltaTable(str(lake / "trades")).create_checkpoint()
    commit_file(lake / "trades", 1).write_bytes(b"")
    log = f"trades/_delta_log/{1:020d}.json"
    assert rows(check_table(lake, "trades")) == [
        ("warning", "zero_byte_commit", log, None, None, None)
    ]


def test_deep_check_finds_a_file_overwritten_with_garbage_of_the_same_size(lake: Path) -> None:
    rel, size = first_file(lake)
    (lake / "trades" / rel).write_bytes(os.urandom(size))
    assert check_table(lake, "trades") == ()
    [finding] = check_table(lake, "trades", deep=True)
    assert (finding.severity, finding.kind, finding.path) == (
        "error",
        "corrupt_file",
        f"trades/{rel}",
    )
    assert (finding.exchange, finding.trading_date) == P1


def test_compacting_a_corrupt_file_fails_and_changes_nothing(lake: Path) -> None:
    """The stores never read footers before a write (``--deep`` is for people): delta-rs fails."""
    rel, size = first_file(lake)
    (lake / "trades" / rel).write_bytes(os.urandom(size))
    before = snapshot(lake)
    with pytest.raises(StorageError, match="trades"):
        DeltaEventStore(lake).compact_partitions("trades", exchange=P1[0], trading_date=P1[1])
    assert snapshot(lake) == before


def test_an_orphan_parquet_file_is_a_warning(lake: Path) -> None:
    rel, size = first_file(lake)
    copy = rel.rsplit("/", 1)[0] + "/copy-of-a-data-file.parquet"
    shutil.copy(lake / "trades" / rel, lake / "trades" / copy)
    assert rows(check_table(lake, "trades")) == [
        ("warning", "orphan_file", f"trades/{copy}", *P1, size)
    ]


def test_a_staging_file_is_a_warning(lake: Path) -> None:
    rel, size = first_file(lake)
    shutil.copy(lake / "trades" / rel, lake / "trades" / f"{rel}#1")
    assert rows(check_table(lake, "trades")) == [
        ("warning", "staging_file", f"trades/{rel}#1", *P1, size)
    ]


def test_warnings_refuse_no_write(lake: Path) -> None:
    rel, _ = first_file(lake)
    shutil.copy(lake / "trades" / rel, lake / "trades" / f"{rel}#1")
    shutil.copy(lake / "trades" / rel, lake / "trades" / rel.replace(".parquet", "-copy.parquet"))
    before = partition_checksums(read(lake))
    store = DeltaEventStore(lake)
    assert store.compact_partitions("trades").partitions_processed == 3
    assert store.vacuum_table("trades", retention_hours=0, enforce_retention=False).files_removed
    assert partition_checksums(read(lake)) == before


def test_a_commit_damaged_after_a_check_is_found_by_the_next_one(lake: Path) -> None:
    # Each commit's parse is remembered: the next look at the same file must still see it.
    assert check_table(lake, "trades") == ()
    old = commit_file(lake / "trades", 1)
    old.write_bytes(old.read_bytes()[:-20])
    log = f"trades/_delta_log/{1:020d}.json"
    expected = [("error", "truncated_commit", log, None, None, None)]
    assert rows(check_table(lake, "trades", scan_files=False)) == expected
    assert rows(check_table(lake, "trades")) == expected


def test_a_write_is_refused_for_a_commit_damaged_after_its_table_was_opened(lake: Path) -> None:
    # The store's fresh load proves the commits it replayed; one written after it is read.
    store = DeltaEventStore(lake)
    dt = DeltaTable(str(lake / "trades"))
    store.append("trades", trades("okx", D1, 3))
    newer = commit_file(lake / "trades", dt.version() + 1)
    newer.write_bytes(newer.read_bytes()[:-20])
    with pytest.raises(UnsafeTableError, match="truncated_commit|cut off"):
        ensure_sound(lake, "trades", table=dt)


def test_a_write_is_not_refused_for_orphans_and_staging_files(lake: Path) -> None:
    rel, _ = first_file(lake)
    shutil.copy(lake / "trades" / rel, lake / "trades" / f"{rel}#1")
    shutil.copy(lake / "trades" / rel, lake / "trades" / rel.replace(".parquet", "-copy.parquet"))
    found = check_table(lake, "trades", errors_only=True)
    assert found == ()
    assert {f.kind for f in check_table(lake, "trades")} == {"orphan_file", "staging_file"}
    ensure_sound(lake, "trades", scan_files=True)


def test_a_folder_that_is_not_delta_and_an_empty_folder(lake: Path) -> None:
    (lake / "stray").mkdir()
    (lake / "stray" / "a.parquet").write_bytes(b"x")
    (lake / "stray" / "notes.txt").write_text("x")
    (lake / "empty").mkdir()
    assert rows(check_table(lake, "stray")) == [("warning", "not_delta", "stray", None, None, None)]
    assert rows(check_table(lake, "empty")) == [("info", "empty_folder", "empty", None, None, None)]


def test_a_missing_folder_is_a_typed_error(lake: Path) -> None:
    with pytest.raises(TableNotFoundError, match="no table 'quotes'"):
        check_table(lake, "quotes")


def test_a_sound_lake_has_no_finding(template: Path) -> None:
    assert check_table(template, "trades") == ()
    assert check_table(template, "trades", deep=True) == ()


def test_the_demo_lake_has_no_finding(demo_lake_template: Path) -> None:
    names = sorted(p.name for p in demo_lake_template.iterdir() if p.is_dir())
    assert {"trades", "quotes", "orderbook_updates", "dim_symbol"} <= set(names)
    for name in names:
        assert check_table(demo_lake_template, name, deep=True) == (), name


# -- writes to a damaged table ----------------------------------------------------------------


def _compact_partition(store: DeltaEventStore, part: tuple[str | None, date]) -> object:
    return store.compact_partitions("trades", exchange=part[0], trading_date=part[1])


OPS: dict[str, Callable[[DeltaEventStore, tuple[str | None, date]], object]] = {
    "compact": lambda store, part: store.compact_partitions("trades"),
    "compact_partition": _compact_partition,
    "vacuum": lambda store, part: store.vacuum_table(
        "trades", retention_hours=0, enforce_retention=False
    ),
    "vacuum_dry_run": lambda store, part: store.vacuum_table(
        "trades", retention_hours=0, enforce_retention=False, dry_run=True
    ),
    "remove_orphans": lambda store, part: store.remove_orphans("trades", min_age_hours=0),
    "remove_orphans_dry_run": lambda store, part: store.remove_orphans(
        "trades", min_age_hours=0, dry_run=True
    ),
}


GRID = [pytest.param(name, op, id=f"{name}-{op}") for name in ERROR_DAMAGE for op in OPS]


@pytest.mark.parametrize(("name", "op"), GRID)
def test_a_write_to_a_damaged_table_is_refused_naming_the_finding(
    name: str, op: str, template: Path, null_template: Path, tmp_path: Path
) -> None:
    case = damaged(name, template, null_template, tmp_path)
    finding = next(f for f in check_table(case.root, "trades") if f.severity == "error")
    lake_before = snapshot(case.root)
    outside_before = snapshot(case.outside) if case.outside else None

    with pytest.raises(UnsafeTableError) as info:
        OPS[op](DeltaEventStore(case.root), case.part)

    assert isinstance(info.value, PermissionError)
    # Named: among the error's findings, or (a deletion refused outright) by its path.
    named = {(f.kind, f.path) for f in info.value.findings}
    assert finding.path is not None
    if named:
        assert (finding.kind, finding.path) in named
        assert info.value.findings[0].message in str(info.value)
    else:
        assert finding.path.removeprefix("trades/") in str(info.value)
    assert snapshot(case.root) == lake_before
    if case.outside is not None:
        assert snapshot(case.outside) == outside_before


def test_append_never_writes_through_a_link_out_of_the_lake(
    template: Path, null_template: Path, tmp_path: Path
) -> None:
    case = damaged("partition_link", template, null_template, tmp_path)
    assert case.outside is not None
    outside_before, lake_before = snapshot(case.outside), snapshot(case.root)
    with pytest.raises(UnsafeTableError, match="exchange=okx/trading_date=2024-05-02"):
        DeltaEventStore(case.root).append("trades", trades(*P2, 3, start=1000))
    assert snapshot(case.outside) == outside_before
    assert snapshot(case.root) == lake_before


@pytest.mark.parametrize("exchange", ["", "  "])
def test_append_refuses_an_empty_exchange_and_writes_nothing(
    exchange: str, lake: Path, tmp_path: Path
) -> None:
    frame = trades(exchange, D1, 3, start=1000)
    with pytest.raises(ValueError, match="empty exchange") as info:
        DeltaEventStore(tmp_path / "new").append("trades", frame)
    assert isinstance(info.value, SchemaMismatchError)
    assert not (tmp_path / "new" / "trades").exists()

    before = snapshot(lake)
    mixed = trades("okx", D1, 3, start=2000).vstack(frame)
    with pytest.raises(SchemaMismatchError, match=r"3 row\(s\) have an empty exchange"):
        DeltaEventStore(lake).append("trades", mixed)
    assert snapshot(lake) == before
