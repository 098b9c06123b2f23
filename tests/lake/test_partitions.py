from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from pointline_tui.lake import LakeReader
from pointline_tui.lake.partitions import PARTITION_FILES_SCHEMA, STATS_SCHEMA
from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.storage.models import TableNotFoundError, UnknownTableError
from tests.lake.conftest import APPENDS, AUDIT, COLD, HOT, ROWS_PER_APPEND, WARM, replay_log


def _expected(table: Path, small: int, hot_min: int) -> dict[tuple[str, date], dict]:
    """Per-partition figures from a hand replay of the log and the parquet footers."""
    groups: dict[tuple[str, date], list] = defaultdict(list)
    for logged in replay_log(table).values():
        part = logged.partition
        groups[(part["exchange"], date.fromisoformat(part["trading_date"]))].append(logged)
    out = {}
    for key, files in groups.items():
        sizes = [f.size for f in files]
        small_files = sum(s < small for s in sizes)
        out[key] = {
            "files": len(files),
            "bytes": sum(sizes),
            "rows": sum(f.rows for f in files),
            "min_file_bytes": min(sizes),
            "avg_file_bytes": sum(sizes) / len(sizes),
            "max_file_bytes": max(sizes),
            "small_files": small_files,
            "hot": small_files >= hot_min,
        }
    return out


def _as_dict(stats: pl.DataFrame) -> dict[tuple[str, date], dict]:
    return {
        (row.pop("exchange"), row.pop("trading_date")): row
        for row in stats.drop("last_modified").iter_rows(named=True)
    }


def test_stats_match_the_log_and_parquet_footers(event_lake: Path) -> None:
    stats = LakeReader(event_lake).partition_stats("trades")
    assert stats.schema == STATS_SCHEMA
    assert stats.select("exchange", "trading_date").rows() == sorted([HOT, WARM, COLD])
    assert _as_dict(stats) == _expected(event_lake / "trades", 32 * 2**20, 8)
    assert stats.filter("hot").select("exchange", "trading_date").rows() == [HOT]
    assert stats.get_column("files").to_list() == [APPENDS[HOT], APPENDS[WARM], APPENDS[COLD]]
    assert stats.get_column("rows").to_list() == [
        n * ROWS_PER_APPEND for n in (APPENDS[HOT], APPENDS[WARM], APPENDS[COLD])
    ]


def test_thresholds_change_small_and_hot(event_lake: Path) -> None:
    reader = LakeReader(event_lake)
    stats = reader.partition_stats("trades", small_file_bytes=1, hot_min_small_files=2)
    assert stats.get_column("small_files").to_list() == [0, 0, 0]
    biggest = int(reader.active_files("trades").get_column("size_bytes").max()) + 1
    stats = reader.partition_stats("trades", small_file_bytes=biggest, hot_min_small_files=3)
    assert _as_dict(stats) == _expected(event_lake / "trades", biggest, 3)
    assert stats.get_column("hot").to_list() == [True, True, False]
    with pytest.raises(ValueError, match="hot_min_small_files"):
        reader.partition_stats("trades", hot_min_small_files=0)


def test_last_modified_is_utc_and_recent(event_lake: Path) -> None:
    stats = LakeReader(event_lake).partition_stats("trades")
    last = stats.get_column("last_modified").max()
    assert isinstance(last, datetime)
    assert last.tzinfo is not None
    assert abs((datetime.now(UTC) - last).total_seconds()) < 600


def test_stats_ignore_files_the_log_does_not_reference(event_lake: Path) -> None:
    reader = LakeReader(event_lake)
    before = reader.partition_stats("trades")
    folder = event_lake / "trades" / "exchange=okx" / "trading_date=2024-05-01"
    pl.DataFrame({"a": [1]}).write_parquet(folder / "stray.parquet")
    DeltaEventStore(event_lake, audit=AUDIT).compact_partitions(
        "trades", exchange=WARM[0], trading_date=WARM[1]
    )
    reader.refresh("trades")
    after = reader.partition_stats("trades")
    # Compaction tombstones WARM's files: they stay on disk but are no longer counted.
    assert after.filter(exchange=WARM[0], trading_date=WARM[1]).get_column("files").item() == 1
    assert _as_dict(after) == _expected(event_lake / "trades", 32 * 2**20, 8)
    assert after.filter(exchange="okx").equals(before.filter(exchange="okx"))


def test_partition_files(event_lake: Path) -> None:
    reader = LakeReader(event_lake)
    files = reader.partition_files("trades", *HOT)
    assert files.schema == PARTITION_FILES_SCHEMA
    logged = {
        path: f
        for path, f in replay_log(event_lake / "trades").items()
        if path.startswith("exchange=binance-futures/trading_date=2024-05-01/")
    }
    assert files.get_column("path").to_list() == sorted(logged)
    assert files.get_column("size_bytes").to_list() == [logged[p].size for p in sorted(logged)]
    assert files.get_column("rows").to_list() == [ROWS_PER_APPEND] * APPENDS[HOT]
    assert reader.partition_files("trades", "nowhere", date(2024, 1, 1)).is_empty()


def test_unpartitioned_table_is_one_row(silver: Path) -> None:
    from deltalake import write_deltalake

    for i in range(3):
        write_deltalake(silver / "scratch", pl.DataFrame({"a": [i, i]}).to_arrow(), mode="append")
    reader = LakeReader(silver)
    stats = reader.partition_stats("scratch")
    assert stats.height == 1
    row = stats.row(0, named=True)
    assert (row["exchange"], row["trading_date"], row["files"], row["rows"]) == (None, None, 3, 6)
    assert reader.partition_files("scratch", None, None).height == 3


def test_empty_table_has_no_partitions(silver: Path) -> None:
    from deltalake import DeltaTable, write_deltalake

    write_deltalake(silver / "scratch", pl.DataFrame({"a": [1]}).to_arrow())
    DeltaTable(silver / "scratch").delete()
    reader = LakeReader(silver)
    assert reader.partition_stats("scratch").is_empty()
    summary = reader.summary("scratch")
    assert (summary.files, summary.bytes, summary.rows, summary.partitions) == (0, 0, 0, 0)


def test_unknown_and_invalid_tables(event_lake: Path) -> None:
    reader = LakeReader(event_lake)
    with pytest.raises(TableNotFoundError, match="quotes"):
        reader.partition_stats("quotes")
    for bad in ("../etc", ".hidden", "_pointline_locks", "a/b", ""):
        with pytest.raises(UnknownTableError):
            reader.partition_stats(bad)
