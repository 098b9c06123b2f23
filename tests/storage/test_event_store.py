from __future__ import annotations

import multiprocessing
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake

from pointline_tui.storage.contracts import EventStore, PartitionOptimizer, TableVacuum
from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.storage.delta.event_store import UNIQUE_PER_ROW
from pointline_tui.storage.delta.layout import table_path
from pointline_tui.storage.models import (
    ConflictError,
    ReadOnlyError,
    RetentionError,
    SchemaMismatchError,
    TableNotFoundError,
    UnknownTableError,
)
from tests.frames import partition_checksums, trades
from tests.storage import _event_workers

D1, D2 = date(2024, 5, 1), date(2024, 5, 2)


def read_trades(root: Path) -> pl.DataFrame:
    return pl.read_delta(str(root / "trades"))


def file_counts(root: Path) -> dict[tuple[str, date], int]:
    actions = pl.DataFrame(DeltaTable(str(root / "trades")).get_add_actions(flatten=True))
    counts = actions.group_by("partition.exchange", "partition.trading_date").len()
    return {(ex, day): n for ex, day, n in counts.iter_rows()}


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    """Trades with 4 small files in each of three partitions."""
    store = DeltaEventStore(tmp_path)
    for i in range(4):
        for exchange, day in [("okx", D1), ("okx", D2), ("binance-futures", D1)]:
            store.append("trades", trades(exchange, day, 50, start=i * 50))
    return tmp_path


def test_implements_the_contracts(tmp_path: Path) -> None:
    store = DeltaEventStore(tmp_path)
    assert isinstance(store, EventStore)
    assert isinstance(store, PartitionOptimizer)
    assert isinstance(store, TableVacuum)


@pytest.mark.parametrize("name", ["../trades", "/abs", "a/b", "Trades", "", "1x", "x.y"])
def test_table_path_refuses_anything_but_plain_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="invalid table name"):
        table_path(tmp_path, name)


def test_table_path_is_under_the_root(tmp_path: Path) -> None:
    assert table_path(tmp_path, "dim_symbol") == tmp_path / "dim_symbol"


def test_append_lands_hive_partitioned_and_reads_back(tmp_path: Path) -> None:
    store = DeltaEventStore(tmp_path)
    frame = pl.concat([trades("binance-futures", D1, 10), trades("okx", D2, 5, start=10)])
    store.append("trades", frame)

    folders = sorted(
        p.relative_to(tmp_path / "trades").as_posix()
        for p in (tmp_path / "trades").glob("exchange=*/*")
    )
    assert folders == [
        "exchange=binance-futures/trading_date=2024-05-01",
        "exchange=okx/trading_date=2024-05-02",
    ]
    back = read_trades(tmp_path).select(frame.columns)
    assert partition_checksums(back) == partition_checksums(frame)
    assert DeltaTable(str(tmp_path / "trades")).metadata().partition_columns == [
        "exchange",
        "trading_date",
    ]


def test_append_to_an_unknown_table_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(
        ValueError, match="unknown event table 'dim_symbol'.*orderbook_updates.*trades"
    ) as info:
        DeltaEventStore(tmp_path).append("dim_symbol", trades("okx", D1, 1))
    assert isinstance(info.value, UnknownTableError)
    assert not (tmp_path / "dim_symbol").exists()


@pytest.mark.parametrize(
    ("change", "column"),
    [
        (lambda f: f.drop("qty"), "qty"),
        (lambda f: f.with_columns(venue=pl.lit("x")), "venue"),
        (lambda f: f.with_columns(pl.col("price").cast(pl.Float64)), "price"),
        (lambda f: f.with_columns(pl.col("trading_date").cast(pl.String)), "trading_date"),
        (lambda f: f.with_columns(side=pl.lit(None, pl.String)), "side"),
    ],
)
def test_append_refuses_a_mismatched_frame_and_writes_nothing(
    tmp_path: Path, change, column: str
) -> None:
    store = DeltaEventStore(tmp_path)
    store.append("trades", trades("okx", D1, 3))
    with pytest.raises(SchemaMismatchError, match=f"'{column}'"):
        store.append("trades", change(trades("okx", D1, 3, start=3)))
    assert DeltaTable(str(tmp_path / "trades")).version() == 0
    assert read_trades(tmp_path).height == 3


def test_append_of_an_empty_frame_is_a_no_op(tmp_path: Path) -> None:
    DeltaEventStore(tmp_path).append("trades", trades("okx", D1, 0))
    assert not (tmp_path / "trades").exists()


def test_appends_from_several_processes_all_land(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(3)
    procs = [
        ctx.Process(target=_event_workers.append_batches, args=(str(tmp_path), w, 4, 25, barrier))
        for w in range(3)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    back = read_trades(tmp_path)
    assert back.height == 3 * 4 * 25
    assert sorted(back.get_column("file_seq").to_list()) == list(range(300))


def test_compact_one_partition_keeps_rows_and_leaves_the_others(lake: Path) -> None:
    before = partition_checksums(read_trades(lake))
    report = DeltaEventStore(lake).compact_partitions("trades", exchange="okx", trading_date=D1)

    assert file_counts(lake) == {("okx", D1): 1, ("okx", D2): 4, ("binance-futures", D1): 4}
    assert partition_checksums(read_trades(lake)) == before
    assert report.table_name == "trades"
    assert report.partitions_processed == 1
    assert (report.files_before, report.files_after) == (4, 1)
    actions = pl.DataFrame(DeltaTable(str(lake / "trades")).get_add_actions(flatten=True))
    okx_d1 = actions.filter(
        pl.col("partition.exchange") == "okx", pl.col("partition.trading_date") == D1
    )
    assert report.bytes_after == okx_d1.get_column("size_bytes").sum()
    [part] = report.partitions
    assert (part.exchange, part.trading_date, part.files_before, part.files_after) == (
        "okx",
        D1,
        4,
        1,
    )
    assert part.bytes_before == report.bytes_before > part.bytes_after == report.bytes_after


def test_compacted_files_have_no_dictionary_for_columns_unique_per_row(lake: Path) -> None:
    DeltaEventStore(lake).compact_partitions("trades", exchange="okx", trading_date=D1)
    folder = lake / "trades" / "exchange=okx" / f"trading_date={D1.isoformat()}"
    [compacted] = [
        uri for uri in DeltaTable(str(lake / "trades")).file_uris() if str(folder) in uri
    ]
    chunks = pq.ParquetFile(compacted.removeprefix("file://")).metadata.row_group(0)
    encodings = {
        chunks.column(i).path_in_schema: (chunks.column(i).compression, chunks.column(i).encodings)
        for i in range(chunks.num_columns)
    }
    for name, (compression, used) in encodings.items():
        assert compression == "ZSTD", name
        dictionary = "RLE_DICTIONARY" in used
        assert dictionary == (name not in UNIQUE_PER_ROW and name != "is_buyer_maker"), name


def test_compact_by_exchange_only_never_merges_partitions(lake: Path) -> None:
    before = partition_checksums(read_trades(lake))
    report = DeltaEventStore(lake).compact_partitions("trades", exchange="okx")
    assert file_counts(lake) == {("okx", D1): 1, ("okx", D2): 1, ("binance-futures", D1): 4}
    assert partition_checksums(read_trades(lake)) == before
    assert [(p.exchange, p.trading_date) for p in report.partitions] == [("okx", D1), ("okx", D2)]
    assert (report.partitions_processed, report.files_before, report.files_after) == (2, 8, 2)


def test_compact_everything_and_by_date(lake: Path) -> None:
    store = DeltaEventStore(lake)
    by_date = store.compact_partitions("trades", trading_date=D1)
    assert {(p.exchange, p.trading_date) for p in by_date.partitions} == {
        ("okx", D1),
        ("binance-futures", D1),
    }
    rest = store.compact_partitions("trades")
    assert rest.partitions_processed == 3
    assert (rest.files_before, rest.files_after) == (6, 3)
    assert set(file_counts(lake).values()) == {1}


def test_compact_with_no_matching_partition_reports_zeros(lake: Path) -> None:
    version = DeltaTable(str(lake / "trades")).version()
    report = DeltaEventStore(lake).compact_partitions("trades", exchange="kraken")
    assert (report.partitions_processed, report.files_before, report.files_after) == (0, 0, 0)
    assert (report.bytes_before, report.bytes_after, report.partitions) == (0, 0, ())
    assert DeltaTable(str(lake / "trades")).version() == version


def test_compact_a_missing_table_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="'quotes' does not exist") as info:
        DeltaEventStore(tmp_path).compact_partitions("quotes")
    assert isinstance(info.value, TableNotFoundError)


def test_compact_an_unpartitioned_table(tmp_path: Path) -> None:
    for i in range(3):
        write_deltalake(
            str(tmp_path / "dim_symbol"), pl.DataFrame({"x": [i]}).to_arrow(), mode="append"
        )
    store = DeltaEventStore(tmp_path)
    with pytest.raises(ValueError, match="not partitioned"):
        store.compact_partitions("dim_symbol", exchange="okx")
    report = store.compact_partitions("dim_symbol")
    assert (report.partitions_processed, report.files_before, report.files_after) == (1, 3, 1)
    assert sorted(pl.read_delta(str(tmp_path / "dim_symbol"))["x"].to_list()) == [0, 1, 2]


def test_compaction_records_who_and_where(lake: Path) -> None:
    store = DeltaEventStore(lake, audit={"user": "ops", "host": "lake-1", "tool": "pointline-tui"})
    store.compact_partitions("trades", exchange="okx", trading_date=D1)
    [last] = DeltaTable(str(lake / "trades")).history(1)
    assert last["operation"] == "OPTIMIZE"
    assert (last["user"], last["host"], last["tool"]) == ("ops", "lake-1", "pointline-tui")


def test_two_processes_compacting_one_partition_one_wins(lake: Path) -> None:
    before = partition_checksums(read_trades(lake))
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=_event_workers.compact_once, args=(str(lake), barrier, results))
        for _ in range(2)
    ]
    for p in procs:
        p.start()
    outcomes = sorted(results.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(30)
    kinds = [kind for kind, _ in outcomes]
    # Either the second saw the first's commit (nothing left to do) or it lost the race.
    assert kinds.count("ok") >= 1
    if kinds == ["conflict", "ok"]:
        assert "another writer compacted or rewrote partition okx/2024-05-01" in outcomes[0][1]
    assert partition_checksums(read_trades(lake)) == before
    assert file_counts(lake)[("okx", D1)] == 1


def compacted(lake: Path) -> DeltaEventStore:
    store = DeltaEventStore(lake)
    store.compact_partitions("trades")
    return store


def test_vacuum_removes_only_tombstoned_files(lake: Path) -> None:
    store = compacted(lake)
    before = partition_checksums(read_trades(lake))
    tombstoned = sorted(
        p.relative_to(lake / "trades").as_posix() for p in (lake / "trades").rglob("*.parquet")
    )
    live = {u.split("/trades/", 1)[1] for u in DeltaTable(str(lake / "trades")).file_uris()}
    expected = sorted(set(tombstoned) - live)
    sizes = sum((lake / "trades" / p).stat().st_size for p in expected)

    dry = store.vacuum_table("trades", retention_hours=0, dry_run=True, enforce_retention=False)
    assert (dry.files_removed, dry.bytes_freed, dry.dry_run) == (12, sizes, True)
    assert list(dry.removed_files) == expected
    assert all((lake / "trades" / p).exists() for p in expected)

    report = store.vacuum_table("trades", retention_hours=0, enforce_retention=False)
    assert (report.table_name, report.files_removed, report.bytes_freed) == ("trades", 12, sizes)
    assert (report.dry_run, report.retention_hours) == (False, 0)
    assert not any((lake / "trades" / p).exists() for p in expected)
    assert partition_checksums(read_trades(lake)) == before

    again = store.vacuum_table("trades", retention_hours=0, enforce_retention=False)
    assert (again.files_removed, again.bytes_freed, again.removed_files) == (0, 0, ())


def test_vacuum_keeps_files_within_retention(lake: Path) -> None:
    report = compacted(lake).vacuum_table("trades")
    assert (report.files_removed, report.retention_hours) == (0, 168)


def test_vacuum_below_the_minimum_retention_needs_the_override(lake: Path) -> None:
    store = compacted(lake)
    with pytest.raises(ValueError, match="below trades's minimum of 168 h") as info:
        store.vacuum_table("trades", retention_hours=1)
    assert isinstance(info.value, RetentionError)
    with pytest.raises(ValueError, match="retention must be from 0 to"):
        store.vacuum_table("trades", retention_hours=-1, enforce_retention=False)


def test_vacuum_respects_the_table_retention_setting(tmp_path: Path) -> None:
    write_deltalake(
        str(tmp_path / "trades"),
        trades("okx", D1, 3).to_arrow(),
        partition_by=["exchange", "trading_date"],
        configuration={"delta.deletedFileRetentionDuration": "interval 2 days"},
    )
    store = DeltaEventStore(tmp_path)
    assert store.vacuum_table("trades", retention_hours=48).files_removed == 0
    with pytest.raises(RetentionError, match="minimum of 48 h"):
        store.vacuum_table("trades", retention_hours=47)


def test_vacuum_of_marked_partitions_deletes_only_inside_them(lake: Path) -> None:
    store = compacted(lake)
    report = store.vacuum_table(
        "trades", retention_hours=0, enforce_retention=False, partitions=[("okx", D2)]
    )
    assert report.files_removed == 4
    assert all(p.startswith("exchange=okx/trading_date=2024-05-02/") for p in report.removed_files)
    rest = store.vacuum_table("trades", retention_hours=0, enforce_retention=False, dry_run=True)
    assert rest.files_removed == 8
    assert not any(
        p.startswith("exchange=okx/trading_date=2024-05-02/") for p in rest.removed_files
    )
    assert read_trades(lake).height == 600


def test_vacuum_a_missing_table(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        DeltaEventStore(tmp_path).vacuum_table("trades")


def test_read_only_store_refuses_every_write(lake: Path) -> None:
    version = DeltaTable(str(lake / "trades")).version()
    store = DeltaEventStore(lake, read_only=True)
    with pytest.raises(ReadOnlyError, match="read-only"):
        store.append("trades", trades("okx", D1, 1))
    with pytest.raises(ReadOnlyError):
        store.compact_partitions("trades")
    with pytest.raises(ReadOnlyError):
        store.vacuum_table("trades", retention_hours=0, enforce_retention=False)
    assert store.vacuum_table("trades", dry_run=True).dry_run
    assert DeltaTable(str(lake / "trades")).version() == version


def test_conflict_error_is_a_storage_error() -> None:
    from pointline_tui.storage.models import StorageError

    assert issubclass(ConflictError, StorageError)


def test_append_to_a_table_written_by_another_writer(tmp_path: Path) -> None:
    """Other writers may order columns differently and leave out optional ones."""
    theirs = trades("okx", D1, 4).drop("ts_local_us")
    theirs = theirs.select(list(reversed(theirs.columns)))
    write_deltalake(
        str(tmp_path / "trades"), theirs.to_arrow(), partition_by=["exchange", "trading_date"]
    )
    store = DeltaEventStore(tmp_path)

    store.append(
        "trades", trades("okx", D1, 3, start=4).with_columns(ts_local_us=pl.lit(None, pl.Int64))
    )
    table = DeltaTable(str(tmp_path / "trades"))
    assert [f.name for f in table.schema().fields] == theirs.columns
    assert read_trades(tmp_path).height == 7

    with pytest.raises(SchemaMismatchError, match="'ts_local_us'"):
        store.append(
            "trades", trades("okx", D1, 5, start=7).with_columns(ts_local_us=pl.lit(1, pl.Int64))
        )
    assert DeltaTable(str(tmp_path / "trades")).version() == 1


def test_vacuum_of_marked_partitions_is_recorded_with_its_audit(lake: Path) -> None:
    store = DeltaEventStore(lake, audit={"user": "ops", "host": "lake-1", "tool": "pointline-tui"})
    store.compact_partitions("trades")
    report = store.vacuum_table(
        "trades", retention_hours=0, enforce_retention=False, partitions=[("okx", D1)]
    )
    [last] = DeltaTable(str(lake / "trades")).history(1)
    assert (last["pointline_operation"], last["user"], last["host"]) == (
        "VACUUM PARTITIONS",
        "ops",
        "lake-1",
    )
    assert last["files_removed"] == str(report.files_removed) == "4"
    assert last["bytes_freed"] == str(report.bytes_freed)
    assert last["partitions"] == "okx/2024-05-01"
    assert read_trades(lake).height == 600


def test_table_wide_vacuum_records_who_and_where(lake: Path) -> None:
    store = DeltaEventStore(lake, audit={"user": "ops", "host": "lake-1", "tool": "pointline-tui"})
    store.compact_partitions("trades")
    report = store.vacuum_table("trades", retention_hours=0, enforce_retention=False)
    [last] = DeltaTable(str(lake / "trades")).history(1)
    assert (last["pointline_operation"], last["user"], last["host"]) == ("VACUUM", "ops", "lake-1")
    assert last["files_removed"] == str(report.files_removed) == "12"
    assert last["bytes_freed"] == str(report.bytes_freed)
    assert (last["retention_hours"], "partitions" in last) == ("0", False)
    assert read_trades(lake).height == 600


def test_partition_vacuum_with_escaped_partition_values_keeps_live_files(tmp_path: Path) -> None:
    """Hive folder names escape such values, and the log percent-encodes them once more."""
    odd = "a b%c"
    store = DeltaEventStore(tmp_path)
    for i in range(3):
        store.append("trades", trades(odd, D1, 20, start=i * 20))
    before = partition_checksums(read_trades(tmp_path))
    report = store.compact_partitions("trades", exchange=odd, trading_date=D1)
    assert (report.files_before, report.files_after) == (3, 1)

    vacuum = store.vacuum_table(
        "trades", retention_hours=0, enforce_retention=False, partitions=[(odd, D1)]
    )
    assert vacuum.files_removed == 3
    assert partition_checksums(read_trades(tmp_path)) == before
    live = DeltaTable(str(tmp_path / "trades")).file_uris()
    assert len(live) == 1
    assert all(Path(uri.removeprefix("file://")).exists() for uri in live)


def test_the_vacuum_safety_net_never_deletes_a_live_file(tmp_path: Path) -> None:
    """Even if handed a live file as a candidate (escaped partition value included)."""
    from pointline_tui.storage.delta.deletion import delete_unreferenced

    store = DeltaEventStore(tmp_path)
    store.append("trades", trades("a b%c", D1, 5))
    root = tmp_path / "trades"
    [live] = [p.relative_to(root).as_posix() for p in root.rglob("*.parquet")]
    assert delete_unreferenced(DeltaTable(str(root)), root, [live]) == []
    assert (root / live).exists()


def test_a_damaged_log_is_a_storage_error_not_a_delta_rs_one(lake: Path) -> None:
    from pointline_tui.storage.models import StorageError

    log = sorted((lake / "trades" / "_delta_log").glob("*.json"))[-1]
    log.write_text(log.read_text()[:40])  # a truncated last commit
    store = DeltaEventStore(lake)
    with pytest.raises(StorageError, match="trades"):
        store.compact_partitions("trades")
    with pytest.raises(StorageError, match="trades"):
        store.vacuum_table("trades", dry_run=True)


def test_a_table_handed_over_is_the_one_the_next_write_starts_from(lake: Path) -> None:
    # A command loads the table once to plan; the store compacts from that load, brought up
    # to date, even though another writer appended after it.
    store = DeltaEventStore(lake)
    loaded = DeltaTable(str(lake / "trades"))
    planned_at = loaded.version()
    store.append("trades", trades("okx", D1, 50, start=1_000))
    before = partition_checksums(read_trades(lake))
    store.adopt("trades", loaded)
    report = store.compact_partitions("trades", exchange="okx", trading_date=D1)
    assert (report.files_before, report.files_after) == (5, 1)
    assert loaded.version() == planned_at + 2  # the append, then the compaction through it
    assert partition_checksums(read_trades(lake)) == before

    # Given once: the next write opens the table itself, and so does a vacuum.
    vacuumed = DeltaTable(str(lake / "trades"))
    store.adopt("trades", vacuumed)
    removed = store.vacuum_table("trades", retention_hours=0, enforce_retention=False)
    assert removed.files_removed == 5
    assert vacuumed.version() == DeltaTable(str(lake / "trades")).version()  # it committed
    assert partition_checksums(read_trades(lake)) == before
