"""Compaction runs over several partitions, and the writer guards, on real Delta tables."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
from deltalake import DeltaTable

from pointline_tui.lake.partitions import STATS_SCHEMA
from pointline_tui.lake.reader import LakeReader
from pointline_tui.maintenance import (
    NOT_STARTED_AFTER_VERIFICATION,
    PartitionRun,
    compact_each,
    lock_holder_text,
    writer_warnings,
)
from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.storage.delta.locks import LOCK_DIR, LockHolder
from pointline_tui.storage.schemas import INGEST_MANIFEST
from tests.frames import partition_checksums, trades
from tests.holders import LOCKED, held_by_process

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


# -- compact_each and the partition lock --------------------------------------------------------


def states_of(updates: list[PartitionRun], key: tuple[str, date]) -> list[tuple[str, bool]]:
    """``(state, waiting for a lock?)`` of every update of ``key``, in order."""
    return [
        (u.state, u.waiting_for is not None) for u in updates if (u.exchange, u.trading_date) == key
    ]


def test_a_partition_waits_for_another_process_then_compacts(demo_lake: Path) -> None:
    warm_up(demo_lake)
    checksums = content(demo_lake)
    updates: list[PartitionRun] = []
    with held_by_process(demo_lake / "trades") as holder:

        def on_update(run: PartitionRun) -> None:
            updates.append(run)
            if run.waiting_for is not None:
                holder.release.set()  # the wait was seen: let the compaction have the lock

        run = compact_each(
            DeltaEventStore(demo_lake),
            "trades",
            [LOCKED, WARMED],
            max_workers=2,
            on_update=on_update,
            lock_timeout_s=60,
        )
        pid = holder.process.pid

    hot, warmed = run.partitions
    assert (hot.state, hot.files_after, hot.waiting_for, hot.error) == ("done", 1, None, None)
    assert hot.lock_holder is not None
    assert (hot.lock_holder.pid, hot.lock_holder.host) == (pid, socket.gethostname())
    assert states_of(updates, LOCKED) == [
        ("running", False),
        ("running", True),
        ("running", False),  # it has the lock: running again
        ("done", False),
    ]
    [waiting] = [u for u in updates if u.waiting_for is not None]
    since = waiting.lock_holder.since if waiting.lock_holder else None
    assert since is not None
    assert waiting.waiting_for == (
        f"held since {since:%H:%M:%S} UTC by pid {pid} on {socket.gethostname()}"
    )
    assert (warmed.state, warmed.files_after) == ("done", 1)
    assert content(demo_lake) == checksums
    assert not (demo_lake / "trades" / LOCK_DIR / "binance-futures.2024-05-02.lock").exists()


def test_cancelling_a_lock_wait_cancels_the_partition_at_once(demo_lake: Path) -> None:
    before = file_counts(demo_lake)
    stop = threading.Event()
    updates: list[PartitionRun] = []

    def on_update(run: PartitionRun) -> None:
        updates.append(run)
        if run.waiting_for is not None:
            stop.set()

    with held_by_process(demo_lake / "trades") as holder:
        started = time.monotonic()
        run = compact_each(
            DeltaEventStore(demo_lake),
            "trades",
            [LOCKED, WARMED],
            max_workers=1,
            on_update=on_update,
            cancelled=stop.is_set,
            lock_timeout_s=60,
        )
        took = time.monotonic() - started
        pid = holder.process.pid

    assert took < 10  # bounds a hang: the holder keeps its lock for 60 s
    hot, warmed = run.partitions
    assert hot.state == "cancelled"
    assert hot.waiting_for is None
    assert f"cancelled while waiting for its lock, held by pid {pid}" in (hot.error or "")
    assert (warmed.state, warmed.error) == ("cancelled", None)
    assert states_of(updates, LOCKED) == [
        ("running", False),
        ("running", True),
        ("cancelled", False),
    ]
    assert file_counts(demo_lake) == before


def test_a_lock_wait_past_the_timeout_fails_the_partition_and_the_rest_go_on(
    demo_lake: Path,
) -> None:
    warm_up(demo_lake)
    before = file_counts(demo_lake)
    with held_by_process(demo_lake / "trades") as holder:
        run = compact_each(
            DeltaEventStore(demo_lake),
            "trades",
            [LOCKED, WARMED],
            max_workers=1,
            lock_timeout_s=0.5,
        )
        pid = holder.process.pid
    hot, warmed = run.partitions
    assert hot.state == "failed"
    assert hot.error is not None
    assert f"is being compacted by pid {pid} on host" in hot.error
    assert hot.error.endswith("gave up after 0.5 s")
    assert (warmed.state, warmed.files_after) == ("done", 1)
    assert file_counts(demo_lake) == before | {WARMED: 1}


def miscount_one_file(root: Path, part: tuple[str, date], table: str = "trades") -> None:
    """Make the log claim one row more for one of ``part``'s files than the file holds."""
    wanted = {"exchange": part[0], "trading_date": part[1].isoformat()}
    for commit in sorted((root / table / "_delta_log").glob("*.json")):
        lines = commit.read_text().splitlines()
        for i, line in enumerate(lines):
            action = json.loads(line)
            add = action.get("add")
            if add and add["partitionValues"] == wanted:
                stats = json.loads(add["stats"])
                stats["numRecords"] += 1
                add["stats"] = json.dumps(stats)
                lines[i] = json.dumps(action)
                commit.write_text("\n".join(lines) + "\n")
                return
    raise AssertionError(f"no file of {part} in the log")


def test_a_failed_verification_stops_the_run(demo_lake: Path) -> None:
    warm_up(demo_lake)
    miscount_one_file(demo_lake, HOT)
    keys = [HOT, WARMED, *[k for k in partitions_of(demo_lake) if k not in (HOT, WARMED)]]
    before = file_counts(demo_lake)

    run = compact_each(DeltaEventStore(demo_lake), "trades", keys, max_workers=1)

    hot, *rest = run.partitions
    assert hot.state == "failed"
    assert "binance-futures/2024-05-02" in (hot.error or "")
    assert "Nothing more was compacted" in (hot.error or "")
    assert {(p.state, p.error) for p in rest} == {("cancelled", NOT_STARTED_AFTER_VERIFICATION)}
    assert NOT_STARTED_AFTER_VERIFICATION == "not started: an earlier partition failed verification"
    after = file_counts(demo_lake)
    assert after[WARMED] == before[WARMED] == 4, "nothing after the failed partition ran"
    assert {k: n for k, n in after.items() if k != HOT} == {
        k: n for k, n in before.items() if k != HOT
    }


def test_lock_holder_text() -> None:
    holder = LockHolder(
        pid=123, host="lake-1", user="ops", since=datetime(2024, 5, 1, 10, 0, 5, tzinfo=UTC)
    )
    same_day = datetime(2024, 5, 1, 23, 0, tzinfo=UTC)
    assert lock_holder_text(holder, now=same_day) == "held since 10:00:05 UTC by pid 123 on lake-1"
    assert lock_holder_text(holder, now=same_day + timedelta(days=1)) == (
        "held since 2024-05-01 10:00:05 UTC by pid 123 on lake-1"
    )
    assert lock_holder_text(None) == "held by another compaction (holder unknown)"
    odd = LockHolder(pid=1, host="h\x1b[31m", user="u", since=holder.since)
    assert "\x1b" not in lock_holder_text(odd, now=same_day)
