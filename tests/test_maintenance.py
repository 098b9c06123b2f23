"""Compaction runs over several partitions, and the writer guards, on real Delta tables."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
from deltalake import DeltaTable

from pointline_tui.lake.partitions import STATS_SCHEMA
from pointline_tui.lake.reader import LakeReader
from pointline_tui.maintenance import PartitionRun, compact_each, writer_warnings
from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.storage.schemas import INGEST_MANIFEST
from tests.frames import partition_checksums, trades

HOT = ("binance-futures", date(2024, 5, 2))
WARMED = ("okx", date(2024, 5, 1))
NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)


def file_counts(root: Path, table: str = "trades") -> dict[tuple[str, date], int]:
    actions = pl.DataFrame(DeltaTable(str(root / table)).get_add_actions(flatten=True))
    counts = actions.group_by("partition.exchange", "partition.trading_date").len()
    return {(ex, day): n for ex, day, n in counts.iter_rows()}


def file_bytes(root: Path, table: str = "trades") -> dict[tuple[str, date], int]:
    actions = pl.DataFrame(DeltaTable(str(root / table)).get_add_actions(flatten=True))
    sizes = actions.group_by("partition.exchange", "partition.trading_date").agg(
        pl.col("size_bytes").sum()
    )
    return {(ex, day): n for ex, day, n in sizes.iter_rows()}


def content(root: Path, table: str = "trades") -> dict[tuple[str, date], list[int]]:
    return partition_checksums(pl.read_delta(str(root / table)))


def warm_up(root: Path, files: int = 3) -> None:
    """Give the WARMED trades partition ``files`` more small files."""
    store = DeltaEventStore(root)
    for i in range(files):
        store.append("trades", trades(*WARMED, 20, start=10_000 + i * 20, file_id=900 + i))


def partitions_of(root: Path, table: str = "trades") -> list[tuple[str, date]]:
    return sorted(file_counts(root, table))


# -- compact_each -----------------------------------------------------------------------------


def test_compacts_every_partition_with_two_workers(demo_lake: Path) -> None:
    warm_up(demo_lake)
    before, before_bytes, checksums = (
        file_counts(demo_lake),
        file_bytes(demo_lake),
        content(demo_lake),
    )
    keys = partitions_of(demo_lake)
    updates: list[PartitionRun] = []

    run = compact_each(
        DeltaEventStore(demo_lake),
        "trades",
        keys,
        target_size_mb=64,
        max_workers=2,
        on_update=updates.append,
    )

    after, after_bytes = file_counts(demo_lake), file_bytes(demo_lake)
    assert (run.table_name, run.target_size_mb) == ("trades", 64)
    assert [(p.exchange, p.trading_date) for p in run.partitions] == keys
    assert run.count("done") == len(keys)
    for p in run.partitions:
        key = (p.exchange, p.trading_date)
        assert (p.files_before, p.files_after) == (before[key], after[key])
        assert (p.bytes_before, p.bytes_after) == (before_bytes[key], after_bytes[key])
        assert p.error is None
        assert p.elapsed_s is not None
        assert p.elapsed_s >= 0
    assert (after[HOT], after[WARMED]) == (1, 1)
    assert run.total("files_before") == sum(before.values())
    assert run.total("files_after") == sum(after.values())
    assert run.total("bytes_after") == sum(after_bytes.values())
    assert content(demo_lake) == checksums

    # Every partition went waiting -> running -> done, reported through on_update.
    for key in keys:
        states = [u.state for u in updates if (u.exchange, u.trading_date) == key]
        assert states == ["running", "done"], key
    first_running = next(u for u in updates if u.state == "running")
    assert first_running.files_before is None, "a running partition has no figures yet"
    assert PartitionRun(exchange="okx", trading_date=WARMED[1]).state == "waiting"


def test_an_unknown_table_fails_every_partition(demo_lake: Path) -> None:
    keys = partitions_of(demo_lake)[:3]
    run = compact_each(DeltaEventStore(demo_lake), "liquidations", keys, max_workers=2)
    assert run.count("failed") == 3
    for p in run.partitions:
        assert p.state == "failed"
        assert p.error == (
            "table 'liquidations' does not exist yet "
            f"(no Delta log at {demo_lake / 'liquidations'})"
        )
    assert run.total("files_after") == 0


def test_a_failing_partition_records_its_error_and_the_others_finish(demo_lake: Path) -> None:
    warm_up(demo_lake)
    actions = pl.DataFrame(DeltaTable(str(demo_lake / "trades")).get_add_actions(flatten=True))
    victim = actions.filter(
        pl.col("partition.exchange") == HOT[0], pl.col("partition.trading_date") == HOT[1]
    )["path"][0]
    (demo_lake / "trades" / victim).unlink()
    missing = ("kraken", date(2024, 5, 1))
    before = file_counts(demo_lake)

    run = compact_each(DeltaEventStore(demo_lake), "trades", [HOT, missing, WARMED], max_workers=2)

    hot, gone, warmed = run.partitions
    assert hot.state == "failed"
    assert victim in (hot.error or "")
    assert "not on disk" in (hot.error or "")
    assert gone.state == "failed"
    assert gone.error == "trades has no partition kraken/2024-05-01"
    assert (warmed.state, warmed.files_before, warmed.files_after) == ("done", 4, 1)
    assert file_counts(demo_lake) == before | {WARMED: 1}, "the failed partition is unchanged"


def test_cancelling_leaves_partitions_not_started_untouched(demo_lake: Path) -> None:
    warm_up(demo_lake)
    before, checksums = file_counts(demo_lake), content(demo_lake)
    keys = [HOT, *[k for k in partitions_of(demo_lake) if k != HOT]]
    started = threading.Event()
    updates: list[PartitionRun] = []

    def on_update(run: PartitionRun) -> None:
        updates.append(run)
        if run.state == "running":
            started.set()

    run = compact_each(
        DeltaEventStore(demo_lake),
        "trades",
        keys,
        max_workers=1,
        on_update=on_update,
        cancelled=started.is_set,
    )

    first, *rest = run.partitions
    assert (first.exchange, first.trading_date, first.state) == (*HOT, "done")
    assert {p.state for p in rest} == {"cancelled"}
    assert all(p.files_before is None and p.elapsed_s is None for p in rest)
    assert [u.state for u in updates] == ["running", "done"] + ["cancelled"] * len(rest)
    after = file_counts(demo_lake)
    assert after == before | {HOT: 1}
    assert after[WARMED] == 4, "a cancelled partition keeps its small files"
    assert run.count("cancelled") == len(keys) - 1
    assert content(demo_lake) == checksums


def test_no_partitions_is_an_empty_run(demo_lake: Path) -> None:
    run = compact_each(DeltaEventStore(demo_lake), "trades", [])
    assert run.partitions == ()
    assert run.total("files_after") == 0


# -- writer_warnings --------------------------------------------------------------------------


def stats_frame(modified: dict[tuple[str, date], datetime]) -> pl.DataFrame:
    rows = [
        {"exchange": ex, "trading_date": day, "last_modified": when}
        for (ex, day), when in modified.items()
    ]
    return pl.DataFrame(rows).with_columns(
        pl.col("last_modified").cast(STATS_SCHEMA["last_modified"])
    )


def pending_rows(*rows: tuple[str, date | None, date | None]) -> pl.DataFrame:
    """Pending rows whose data_type is the path's third part, as the demo's bronze paths."""
    frame = pl.DataFrame(
        [
            {
                "bronze_path": path,
                "data_type": path.split("/")[2],
                "trading_date_min": low,
                "trading_date_max": high,
            }
            for path, low, high in rows
        ],
        schema={
            "bronze_path": pl.String,
            "data_type": pl.String,
            "trading_date_min": pl.Date,
            "trading_date_max": pl.Date,
        },
    )
    return frame


def test_a_recent_write_flags_its_partition() -> None:
    fresh, old = ("okx", date(2024, 5, 1)), ("okx", date(2024, 5, 2))
    stats = stats_frame({fresh: NOW - timedelta(minutes=3), old: NOW - timedelta(hours=2)})
    warnings = writer_warnings([fresh, old], stats, pending_rows(), now=NOW)
    assert set(warnings) == {fresh}
    assert "written 3 min ago" in warnings[fresh]
    # Outside the window nothing is flagged; a wider window flags the older one too.
    assert writer_warnings([fresh, old], stats, pending_rows(), now=NOW + timedelta(hours=1)) == {}
    wide = writer_warnings([old], stats, pending_rows(), now=NOW, recent=timedelta(hours=3))
    assert set(wide) == {old}
    assert "written 120 min ago" in wide[old]


def test_pending_manifest_rows_flag_the_partition_they_name() -> None:
    named, ranged, quiet = (
        ("okx", date(2024, 5, 4)),
        ("binance-futures", date(2024, 5, 2)),
        ("okx", date(2024, 5, 3)),
    )
    stats = stats_frame({k: NOW - timedelta(days=1) for k in (named, ranged, quiet)})
    pending = pending_rows(
        ("tardis/okx/quotes/2024-05-04/part-095.csv.gz", None, None),
        ("tardis/okx/quotes/2024-05-04/part-096.csv.gz", None, None),
        ("tardis/binance-futures/trades/week-18.csv.gz", date(2024, 5, 1), date(2024, 5, 3)),
    )
    warnings = writer_warnings([named, ranged, quiet], stats, pending, now=NOW)
    assert set(warnings) == {named, ranged}
    assert "2 pending manifest files" in warnings[named]
    assert "1 pending manifest file" in warnings[ranged]
    assert "written" not in warnings[named]


def test_pending_rows_match_whole_exchange_names_and_their_own_table() -> None:
    day = date(2024, 5, 4)
    stats = stats_frame({("binance", day): NOW - timedelta(days=1)})
    pending = pending_rows(("tardis/binance-futures/trades/2024-05-04/p.csv.gz", None, None))
    assert writer_warnings([("binance", day)], stats, pending, now=NOW) == {}

    pending = pending_rows(("tardis/okx/quotes/2024-05-04/p.csv.gz", None, None))
    stats = stats_frame({("okx", day): NOW - timedelta(days=1)})
    assert writer_warnings([("okx", day)], stats, pending, table="trades", now=NOW) == {}
    assert set(writer_warnings([("okx", day)], stats, pending, table="quotes", now=NOW)) == {
        ("okx", day)
    }


def test_both_reasons_together_and_the_demo_manifest(demo_lake_template: Path) -> None:
    reader = LakeReader(demo_lake_template)
    stats = reader.partition_stats("quotes")
    manifest = pl.read_delta(str(demo_lake_template / INGEST_MANIFEST.name))
    pending = manifest.filter(status="pending")
    assert pending.height == 2
    keys = [(ex, day) for ex, day in stats.select("exchange", "trading_date").iter_rows()]
    newest = stats.get_column("last_modified").max()
    assert isinstance(newest, datetime)

    later = writer_warnings(keys, stats, pending, now=newest + timedelta(days=1))
    assert set(later) == {("okx", date(2024, 5, 4))}
    assert "2 pending manifest files" in later[("okx", date(2024, 5, 4))]

    at_once = writer_warnings(keys, stats, pending, now=newest + timedelta(minutes=1))
    assert set(at_once) == set(keys), "the demo was just written"
    assert "written 1 min ago" in at_once[("okx", date(2024, 5, 4))]
    assert "2 pending manifest files" in at_once[("okx", date(2024, 5, 4))]
    assert "pending" not in at_once[("okx", date(2024, 5, 1))]
