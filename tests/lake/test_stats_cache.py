"""The statistics cache: used only while it describes the log, and always equal to delta-rs.

Changes come from another (spawned) process, as another console or ingestion would make them;
which path a load took is read from ``LakeReader.last_load`` and ``tables_opened``.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable, write_deltalake
from polars.testing import assert_frame_equal

from pointline_tui.cli import main
from pointline_tui.lake import LakeReader
from pointline_tui.lake.cache_files import default_cache_folder, stats_file
from pointline_tui.lake.cached_stats import load_stats
from pointline_tui.lake.partitions import partition_stats
from pointline_tui.lake.stats_cache import StatsCache, TableFiles, advance
from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.storage.delta.check import check_table
from pointline_tui.storage.delta.log import commit_name, list_log
from tests.frames import trades
from tests.lake.conftest import AUDIT, HOT, write_trades
from tests.loaded import run_cli

Change = Callable[[ProcessPoolExecutor, Path], None]


@pytest.fixture
def cache(tmp_path: Path) -> StatsCache:
    return StatsCache(tmp_path / "cache")


# -- what the other process does (module level, so that it can be sent there) ------------------


def _append(root: str, exchange: str, day: str, n: int) -> None:
    frame = trades(exchange, date.fromisoformat(day), n, start=10_000)
    DeltaEventStore(Path(root), audit=AUDIT).append("trades", frame)


def _compact(root: str, exchange: str, day: str) -> None:
    store = DeltaEventStore(Path(root), audit=AUDIT)
    store.compact_partitions("trades", exchange=exchange, trading_date=date.fromisoformat(day))


def _vacuum(root: str) -> None:
    report = DeltaEventStore(Path(root)).vacuum_table(
        "trades", retention_hours=0, enforce_retention=False
    )
    assert report.files_removed > 0


def _checkpoint(root: str) -> None:
    DeltaTable(str(Path(root) / "trades")).create_checkpoint()


def _restore(root: str, version: int) -> None:
    DeltaTable(str(Path(root) / "trades")).restore(version)


def _set_property(root: str) -> None:
    dt = DeltaTable(str(Path(root) / "trades"))
    dt.alter.set_table_properties({"delta.logRetentionDuration": "interval 60 days"})


def _recreate(root: str, appends: int) -> None:
    shutil.rmtree(Path(root) / "trades")
    write_trades(Path(root), {HOT: appends})


def run(pool: ProcessPoolExecutor, function: Callable[..., None], *args: object) -> None:
    pool.submit(function, *args).result(timeout=120)


# -- the figures to compare -----------------------------------------------------------------


def delta_rs_stats(table: Path) -> pl.DataFrame:
    """Per-partition files, bytes and rows as delta-rs's own add actions give them."""
    actions = pl.DataFrame(DeltaTable(str(table)).get_add_actions(flatten=True))
    return (
        actions.group_by(
            exchange=pl.col("partition.exchange"), trading_date=pl.col("partition.trading_date")
        )
        .agg(
            files=pl.len().cast(pl.Int64),
            bytes=pl.col("size_bytes").sum(),
            rows=pl.col("num_records").sum(),
        )
        .sort("exchange", "trading_date")
    )


def console_stats(reader: LakeReader) -> pl.DataFrame:
    return reader.partition_stats("trades").select(
        "exchange", "trading_date", "files", "bytes", "rows"
    )


def assert_like_delta_rs(reader: LakeReader, root: Path) -> None:
    assert_frame_equal(console_stats(reader), delta_rs_stats(root / "trades"), check_dtypes=False)
    # Kept statistics (brought forward partition by partition) are a fresh grouping's, exactly.
    fresh = partition_stats(reader.active_files("trades"))
    assert_frame_equal(reader.partition_stats("trades"), fresh)


def cache_files(cache: StatsCache) -> list[str]:
    """The cache folder's files but the mark of its last pruning."""
    return sorted(p.name for p in cache.folder.iterdir() if p.name != ".pruned")


def cached(cache: StatsCache, root: Path) -> TableFiles:
    files = cache.load((root / "trades").resolve())
    assert files is not None
    return files


def stats_from_cache(cache: StatsCache, root: Path) -> pl.DataFrame | None:
    """The per-partition files, bytes and rows ``stats`` would print from the cache alone."""
    rows = load_stats(cache.folder, (root / "trades").resolve())
    if rows is None:
        return None
    return pl.DataFrame(rows).select("exchange", "trading_date", "files", "bytes", "rows")


def warm(root: Path, cache: StatsCache) -> LakeReader:
    reader = LakeReader(root, cache=cache)
    reader.partition_stats("trades")
    assert reader.last_load("trades") == "full"
    assert cached(cache, root).version == reader.summary("trades").version
    return reader


# -- an unchanged lake ----------------------------------------------------------------------


def test_an_unchanged_lake_opens_from_the_cache_without_loading_a_log(
    event_lake: Path, cache: StatsCache
) -> None:
    first = LakeReader(event_lake, cache=cache)
    stats = first.partition_stats("trades")
    assert (first.last_load("trades"), first.tables_opened) == ("full", 1)
    name = cache.file_for((event_lake / "trades").resolve()).name
    assert cache_files(cache) == [name, name.replace(".parquet", ".stats.json")]

    second = LakeReader(event_lake, cache=cache)
    assert [e.state for e in second.catalog()] == ["delta"]
    assert_frame_equal(second.partition_stats("trades"), stats)
    assert_frame_equal(second.active_files("trades"), first.active_files("trades"))
    assert (second.last_load("trades"), second.tables_opened) == ("cache", 0)
    # The schema and history still come from delta-rs, opened without its file list.
    assert second.summary("trades") == first.summary("trades")
    assert second.tables_opened == 1
    assert second.refresh("trades") == ()
    assert second.last_load("trades") == "cache"


def test_without_a_cache_nothing_is_written(event_lake: Path, private_cache_home: Path) -> None:
    reader = LakeReader(event_lake)
    reader.partition_stats("trades")
    assert reader.cache is None
    assert list(private_cache_home.iterdir()) == []
    assert LakeReader(event_lake).partition_stats("trades").height == 3


# -- changes made by another process ----------------------------------------------------------


def append(pool: ProcessPoolExecutor, root: Path) -> None:
    run(pool, _append, str(root), "okx", "2024-05-03", 5)
    run(pool, _append, str(root), *HOT[:1], HOT[1].isoformat(), 3)


def compact_then_vacuum(pool: ProcessPoolExecutor, root: Path) -> None:
    run(pool, _compact, str(root), HOT[0], HOT[1].isoformat())
    run(pool, _vacuum, str(root))


def checkpoint(pool: ProcessPoolExecutor, root: Path) -> None:
    run(pool, _checkpoint, str(root))


def append_checkpoint_append(pool: ProcessPoolExecutor, root: Path) -> None:
    run(pool, _append, str(root), "okx", "2024-05-03", 5)
    run(pool, _checkpoint, str(root))
    run(pool, _append, str(root), "okx", "2024-05-04", 5)


def restore(pool: ProcessPoolExecutor, root: Path) -> None:
    run(pool, _compact, str(root), HOT[0], HOT[1].isoformat())
    run(pool, _restore, str(root), 4)


def set_property(pool: ProcessPoolExecutor, root: Path) -> None:
    run(pool, _set_property, str(root))


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (append, "incremental"),
        (compact_then_vacuum, "incremental"),
        (checkpoint, "full"),
        (append_checkpoint_append, "full"),
        (restore, "full"),  # delta-rs's restore commits metaData and protocol again
        (set_property, "full"),
    ],
    ids=lambda p: p if isinstance(p, str) else p.__name__,
)
def test_a_change_by_another_process(
    event_lake: Path,
    cache: StatsCache,
    other_process: ProcessPoolExecutor,
    change: Change,
    path: str,
) -> None:
    session = warm(event_lake, cache)
    before = cached(cache, event_lake)
    change(other_process, event_lake)
    assert stats_from_cache(cache, event_lake) is None  # the log moved on: not used

    # The next session, from the warm cache.
    fresh = LakeReader(event_lake, cache=cache)
    assert_like_delta_rs(fresh, event_lake)
    after_stats = stats_from_cache(cache, event_lake)
    assert after_stats is not None
    assert_frame_equal(after_stats, delta_rs_stats(event_lake / "trades"), check_dtypes=False)
    assert fresh.last_load("trades") == path
    assert fresh.tables_opened == (0 if path == "incremental" else 1)
    after = cached(cache, event_lake)
    assert after.version == DeltaTable(str(event_lake / "trades")).version()
    assert after.signature != before.signature

    # This session, refreshed: the same path from the files in memory.
    opened = session.tables_opened
    session.refresh()
    assert_like_delta_rs(session, event_lake)
    assert session.last_load("trades") == path
    assert session.tables_opened == opened + (0 if path == "incremental" else 1)
    assert session.summary("trades").version == after.version

    # And the cache it left is used as it is by the session after.
    last = LakeReader(event_lake, cache=cache)
    assert_like_delta_rs(last, event_lake)
    assert (last.last_load("trades"), last.tables_opened) == ("cache", 0)


def test_refresh_after_a_one_file_append_reads_only_that_commit(
    event_lake: Path, other_process: ProcessPoolExecutor
) -> None:
    reader = LakeReader(event_lake)  # no cache: the files in memory are brought forward too
    summary = reader.summary("trades")
    handle = reader._slots["trades"].table  # the handle is kept across a refresh
    run(other_process, _append, str(event_lake), "okx", "2024-05-03", 5)
    assert reader.refresh() == ("trades",)
    assert (reader.last_load("trades"), reader.tables_opened) == ("incremental", 2)
    assert reader._slots["trades"].table is handle
    assert_like_delta_rs(reader, event_lake)
    after = reader.summary("trades")
    assert (after.version, after.files) == (summary.version + 1, summary.files + 1)
    assert reader.refresh("trades") == ()


def test_escaped_partition_values_are_removed_by_the_paths_on_disk(
    silver: Path, cache: StatsCache, other_process: ProcessPoolExecutor
) -> None:
    odd = ("a b%c", date(2024, 5, 1))
    write_trades(silver, {odd: 3, ("okx", date(2024, 5, 1)): 1})
    warm(silver, cache)
    run(other_process, _compact, str(silver), odd[0], odd[1].isoformat())
    reader = LakeReader(silver, cache=cache)
    assert_like_delta_rs(reader, silver)
    assert reader.last_load("trades") == "incremental"
    assert reader.partition_stats("trades").filter(exchange=odd[0])["files"].to_list() == [1]


def test_an_unpartitioned_table_is_brought_forward_too(silver: Path, cache: StatsCache) -> None:
    table = silver / "scratch"
    write_deltalake(table, pl.DataFrame({"a": [1, 2]}).to_arrow())
    LakeReader(silver, cache=cache).partition_stats("scratch")
    write_deltalake(table, pl.DataFrame({"a": [3]}).to_arrow(), mode="append")
    reader = LakeReader(silver, cache=cache)
    stats = reader.partition_stats("scratch")
    assert reader.last_load("scratch") == "incremental"
    assert stats.select("exchange", "trading_date", "files", "rows").rows() == [(None, None, 2, 3)]


# -- caches that must not be used -------------------------------------------------------------


def _rewrite_header(file: Path, **changes: object) -> None:
    metadata = pl.read_parquet_metadata(file)
    (key,) = [k for k in metadata if k != "ARROW:schema"]
    header = json.loads(metadata[key]) | changes
    pl.read_parquet(file).write_parquet(file, metadata={key: json.dumps(header)})


def truncated(file: Path) -> None:
    file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])


def garbage(file: Path) -> None:
    file.write_bytes(b"PAR1 not a parquet file PAR1")


def garbage_header(file: Path) -> None:
    frame = pl.read_parquet(file)
    frame.write_parquet(file, metadata={"pointline-tui-stats": "{not json"})


def other_release(file: Path) -> None:
    _rewrite_header(file, package="0.0.0-other")


def other_format(file: Path) -> None:
    _rewrite_header(file, format=99)


def other_path(file: Path) -> None:
    _rewrite_header(file, path="/elsewhere/silver/trades")


def other_log(file: Path) -> None:
    _rewrite_header(file, signature="0" * 64)


def newer_version(file: Path) -> None:
    _rewrite_header(file, version=999)


def other_columns(file: Path) -> None:
    metadata = pl.read_parquet_metadata(file)
    metadata.pop("ARROW:schema")
    pl.read_parquet(file).drop("rows").write_parquet(file, metadata=metadata)


@pytest.mark.parametrize(
    "damage",
    [
        truncated,
        garbage,
        garbage_header,
        other_release,
        other_format,
        other_path,
        other_log,
        newer_version,
        other_columns,
    ],
)
def test_a_cache_that_cannot_be_trusted_is_read_again_and_overwritten(
    event_lake: Path, cache: StatsCache, damage: Callable[[Path], None]
) -> None:
    warm(event_lake, cache)
    file = cache.file_for((event_lake / "trades").resolve())
    damage(file)
    reader = LakeReader(event_lake, cache=cache)
    assert_like_delta_rs(reader, event_lake)
    assert (reader.last_load("trades"), reader.tables_opened) == ("full", 1)
    again = LakeReader(event_lake, cache=cache)
    assert_like_delta_rs(again, event_lake)
    assert again.last_load("trades") == "cache"
    assert cache_files(cache) == [file.name, stats_file(file).name]  # no temporary left


def _stats_header(file: Path, **changes: object) -> None:
    stored = json.loads(file.read_text())
    stored["header"] |= changes
    file.write_text(json.dumps(stored))


def _first_partition(file: Path, **changes: object) -> None:
    stored = json.loads(file.read_text())
    stored["partitions"][0] |= changes
    file.write_text(json.dumps(stored))


STATS_DAMAGE: dict[str, Callable[[Path], None]] = {
    "truncated": lambda f: f.write_bytes(f.read_bytes()[:40]),
    "not an object": lambda f: f.write_text("[1, 2]"),
    "other release": lambda f: _stats_header(f, package="0.0.0"),
    "other format": lambda f: _stats_header(f, format=0),
    "other table folder": lambda f: _stats_header(f, path="/elsewhere/trades"),
    "other log": lambda f: _stats_header(f, signature="0" * 64),
    "older version": lambda f: _stats_header(f, version=0),
    "a field missing": lambda f: _first_partition(f, files=None) or _drop_field(f, "hot"),
    "a count as text": lambda f: _first_partition(f, files="3"),
    "a date of another form": lambda f: _first_partition(f, trading_date="01/05/2024"),
}


def _drop_field(file: Path, name: str) -> None:
    stored = json.loads(file.read_text())
    del stored["partitions"][0][name]
    file.write_text(json.dumps(stored))


@pytest.mark.parametrize("damage", STATS_DAMAGE.values(), ids=STATS_DAMAGE.keys())
def test_stats_files_that_cannot_be_trusted_are_not_printed(
    event_lake: Path,
    cache: StatsCache,
    damage: Callable[[Path], None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["stats", "trades", "--json", "--silver-root", str(event_lake)]
    argv += ["--cache-dir", str(cache.folder)]
    assert main(argv) == 0
    expected = capsys.readouterr().out
    file = stats_file(cache.file_for((event_lake / "trades").resolve()))
    assert stats_from_cache(cache, event_lake) is not None
    damage(file)
    assert stats_from_cache(cache, event_lake) is None
    assert main(argv) == 0  # read from the table, and the file written again
    assert capsys.readouterr().out == expected
    again = stats_from_cache(cache, event_lake)
    assert again is not None
    assert_frame_equal(again, delta_rs_stats(event_lake / "trades"), check_dtypes=False)


def test_stats_of_an_unchanged_lake_come_from_the_cache_without_polars(
    silver: Path, cache: StatsCache
) -> None:
    write_trades(silver)
    write_deltalake(silver / "scratch", pl.DataFrame({"a": [1]}).to_arrow())
    (silver / "notes").mkdir()
    (silver / "notes" / "x.txt").write_text("not a table")
    runs = []
    for argv in (["stats", "--json"], ["stats", "--json"], ["stats", "trades"]):
        runs.append(run_cli(*argv, "--silver-root", str(silver), "--cache-dir", str(cache.folder)))
    cold, warm_run, one_table = runs
    assert "polars" in cold["loaded"]
    assert (warm_run["code"], warm_run["loaded"], warm_run["out"]) == (0, [], cold["out"])
    assert (one_table["code"], one_table["loaded"]) == (0, [])
    printed = json.loads(cold["out"])
    assert {r["table"] for r in printed} == {"trades", "scratch", "notes"}
    assert "trades" in one_table["out"]


@pytest.mark.parametrize("appends", [13, 4], ids=["as many commits", "fewer commits"])
def test_another_table_at_the_same_path_is_not_taken_for_the_cached_one(
    silver: Path, cache: StatsCache, other_process: ProcessPoolExecutor, appends: int
) -> None:
    write_trades(silver, {HOT: 13})
    session = warm(silver, cache)
    session.summary("trades")  # a delta-rs handle too: it must not survive the swap
    files_only = LakeReader(silver)
    files_only.partition_stats("trades")
    run(other_process, _recreate, str(silver), appends)
    assert stats_from_cache(cache, silver) is None
    # Its files are of the old table: the new one's handle is not taken for theirs.
    assert files_only.summary("trades").version == appends - 1
    assert files_only.last_load("trades") == "full"
    assert_like_delta_rs(files_only, silver)
    reader = LakeReader(silver, cache=cache)
    assert_like_delta_rs(reader, silver)
    assert reader.last_load("trades") == "full"
    assert cached(cache, silver).table_id == str(DeltaTable(str(silver / "trades")).metadata().id)
    assert session.refresh() == ("trades",)
    assert session.last_load("trades") == "full"
    assert_like_delta_rs(session, silver)
    assert session.summary("trades").version == appends - 1


def _with_commit(root: Path, actions: list[dict[str, object]] | None, *, raw: bytes = b"") -> None:
    log = root / "trades" / "_delta_log"
    version = max(list_log(log).commits) + 1
    text = raw or "".join(json.dumps(a) + "\n" for a in actions or []).encode()
    (log / commit_name(version)).write_bytes(text)


def _an_add(root: Path, **changes: object) -> dict[str, object]:
    """The newest add action of the log, as another file (``changes`` applied)."""
    log = root / "trades" / "_delta_log"
    last = (log / commit_name(max(list_log(log).commits))).read_text().splitlines()
    add = next(json.loads(line)["add"] for line in last if '"add"' in line)
    return {"add": add | {"path": "exchange=okx/trading_date=2024-05-09/new.parquet"} | changes}


UNUSUAL = {
    "deletion vector": lambda r: [
        _an_add(r, deletionVector={"storageType": "u", "pathOrInlineDv": "x", "sizeInBytes": 1})
    ],
    "metadata": lambda r: [{"metaData": {"id": "x"}}],
    "protocol": lambda r: [{"protocol": {"minReaderVersion": 3, "minWriterVersion": 7}}],
    "unknown action": lambda r: [{"somethingNew": {}}],
    "added and removed": lambda r: [
        _an_add(r),
        {"remove": {"path": "exchange=okx/trading_date=2024-05-09/new.parquet"}},
    ],
    "missing partition value": lambda r: [_an_add(r, partitionValues={"exchange": "okx"})],
    "bad stats": lambda r: [_an_add(r, stats="{not json")],
}


@pytest.mark.parametrize("actions", UNUSUAL.values(), ids=UNUSUAL.keys())
def test_unusual_commits_are_left_to_a_full_load(
    event_lake: Path, cache: StatsCache, actions: Callable[[Path], list[dict[str, object]]]
) -> None:
    warm(event_lake, cache)
    files = cached(cache, event_lake)
    log = event_lake / "trades" / "_delta_log"
    _with_commit(event_lake, [_an_add(event_lake)])
    plain = advance(files, log, list_log(log))
    assert plain is not None
    assert plain.files.height == files.files.height + 1
    _with_commit(event_lake, actions(event_lake))
    assert advance(files, log, list_log(log)) is None
    again = advance(files, log, list_log(log), target=plain.version)
    assert again is not None
    assert (again.version, again.signature) == (plain.version, plain.signature)
    assert_frame_equal(again.files, plain.files)


def test_a_gap_an_empty_or_a_cut_commit_is_left_to_a_full_load(
    event_lake: Path, cache: StatsCache
) -> None:
    warm(event_lake, cache)
    files = cached(cache, event_lake)
    log = event_lake / "trades" / "_delta_log"
    _with_commit(event_lake, None, raw=b'{"commitInfo": {}}\n')
    assert advance(files, log, list_log(log)) is not None
    (log / commit_name(files.version + 2)).write_bytes(b'{"commitInfo": {}}\n')  # a gap
    (log / commit_name(files.version + 1)).unlink()
    assert advance(files, log, list_log(log)) is None
    (log / commit_name(files.version + 1)).write_bytes(b"")  # an empty commit
    assert advance(files, log, list_log(log)) is None
    (log / commit_name(files.version + 1)).write_bytes(b'{"add": {"pa')  # cut off
    assert advance(files, log, list_log(log)) is None


# -- where the cache lives --------------------------------------------------------------------


def test_the_cache_folder_is_never_inside_the_lake(
    event_lake: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match="inside the lake"):
        LakeReader(event_lake, cache=StatsCache(event_lake / "cache"))
    code = main(["stats", "--silver-root", str(event_lake), "--cache-dir", str(event_lake / "c")])
    assert code == 2
    assert "--cache-dir" in capsys.readouterr().err
    monkeypatch.setenv("XDG_CACHE_HOME", str(event_lake / "trades"))
    assert main(["stats", "--silver-root", str(event_lake)]) == 2
    assert "--no-cache" in capsys.readouterr().err
    assert main(["stats", "--silver-root", str(event_lake), "--no-cache"]) == 0
    assert not (event_lake / "trades" / "pointline-tui").exists()


def test_the_command_line_keeps_the_cache_in_the_user_cache_folder(
    event_lake: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], private_cache_home: Path
) -> None:
    assert default_cache_folder() == private_cache_home / "pointline-tui"
    argv = ["stats", "trades", "--json", "--silver-root", str(event_lake)]
    assert main(argv) == 0
    first = capsys.readouterr().out
    names = cache_files(StatsCache(default_cache_folder()))
    assert len(names) == 2  # the table's files and its partition statistics
    assert names[0].startswith("trades-")
    assert names[0].endswith("-v1.parquet")
    assert names[1] == names[0].replace(".parquet", ".stats.json")
    assert main(argv) == 0
    assert capsys.readouterr().out == first
    elsewhere = tmp_path / "elsewhere"
    assert main([*argv, "--cache-dir", str(elsewhere)]) == 0
    assert capsys.readouterr().out == first
    assert cache_files(StatsCache(elsewhere)) == names
    assert main([*argv, "--no-cache", "--cache-dir", str(elsewhere)]) == 2


# -- the log's findings -------------------------------------------------------------------------


def test_the_logs_findings_are_kept_while_the_log_is_as_it_was(
    event_lake: Path, cache: StatsCache, other_process: ProcessPoolExecutor
) -> None:
    first = LakeReader(event_lake, cache=cache)
    found = first.health("trades", scan_files=False)
    assert found == check_table(event_lake, "trades", scan_files=False)
    again = LakeReader(event_lake, cache=cache)
    assert again.health("trades", scan_files=False) == found
    assert (again.last_load("trades"), again.tables_opened) == ("cache", 0)

    # After an append: the new commit is parsed, the log is not loaded again.
    run(other_process, _append, str(event_lake), "okx", "2024-05-03", 5)
    later = LakeReader(event_lake, cache=cache)
    assert later.health("trades", scan_files=False) == check_table(
        event_lake, "trades", scan_files=False
    )
    assert (later.last_load("trades"), later.tables_opened) == ("incremental", 0)


def test_findings_of_another_log_listing_or_a_damaged_file_are_not_used(
    event_lake: Path, cache: StatsCache
) -> None:
    LakeReader(event_lake, cache=cache).health("trades", scan_files=False)
    findings = next(cache.folder.glob("*.findings.json"))
    findings.write_text('{"key": "x", "findings": [{"table": 1}]}')
    damaged = LakeReader(event_lake, cache=cache)
    assert damaged.health("trades", scan_files=False) == ()
    assert damaged.tables_opened == 1  # delta-rs was asked again

    # A broken _last_checkpoint leaves the table's files as they were, not its findings.
    (event_lake / "trades" / "_delta_log" / "_last_checkpoint").write_text("{not json")
    reader = LakeReader(event_lake, cache=cache)
    seen = reader.health("trades", scan_files=False)
    assert reader.last_load("trades") == "cache"
    assert seen == check_table(event_lake, "trades", scan_files=False)
    assert [f.kind for f in seen] == ["broken_checkpoint"]


# -- pruning ------------------------------------------------------------------------------------


def _two_tables(silver: Path, cache: StatsCache) -> tuple[Path, Path]:
    write_trades(silver, {HOT: 2})
    write_deltalake(silver / "scratch", pl.DataFrame({"a": [1]}).to_arrow())
    reader = LakeReader(silver, cache=cache)
    for name in ("trades", "scratch"):
        reader.health(name, scan_files=False)
    return cache.file_for((silver / "trades").resolve()), cache.file_for(
        (silver / "scratch").resolve()
    )


def test_pruning_removes_what_no_longer_serves(silver: Path, cache: StatsCache) -> None:
    trades_file, scratch_file = _two_tables(silver, cache)
    shutil.rmtree(silver / "scratch")  # a table gone: its file and findings go
    folder = cache.folder
    stale, fresh = folder / ".abc.tmp", folder / ".def.tmp"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"x")
    os.utime(stale, (1, 1))
    (folder / "old-0123456789abcdef-v0.parquet").write_bytes(b"old format")
    (folder / "new-0123456789abcdef-v99.parquet").write_bytes(b"a newer release's")
    (folder / "bad-0123456789abcdef-v1.parquet").write_bytes(b"PAR1 damaged PAR1")
    (folder / "lone-0123456789abcdef-v1.findings.json").write_text("{}")
    (folder / "notes.txt").write_text("not the cache's")
    (folder / "lone-0123456789abcdef-v1.stats.json").write_text("{}")
    (folder / "lone-0123456789abcdef-v1.statuses.json").write_text("{}")
    for lone in folder.glob("lone-*"):
        os.utime(lone, (1, 1))  # old: its table's file is not about to be written
    # Young, it is kept: a console writes a table's findings (and the manifest's statuses)
    # before the table's file, and a prune may run between.
    young = folder / "young-0123456789abcdef-v1.statuses.json"
    young.write_text("{}")
    # A table's statuses go with its file (only the manifest's are written; the rule is one).
    scratch_statuses = scratch_file.name.replace(".parquet", ".statuses.json")
    (folder / scratch_statuses).write_text("{}")
    removed = {p.name for p in cache.prune()}
    assert removed == {
        scratch_file.name,
        scratch_file.name.replace(".parquet", ".findings.json"),
        scratch_file.name.replace(".parquet", ".stats.json"),
        stale.name,
        "old-0123456789abcdef-v0.parquet",
        "bad-0123456789abcdef-v1.parquet",
        "lone-0123456789abcdef-v1.findings.json",
        "lone-0123456789abcdef-v1.stats.json",
        "lone-0123456789abcdef-v1.statuses.json",
        scratch_statuses,
    }
    assert cache_files(cache) == sorted(
        [
            fresh.name,
            trades_file.name,
            trades_file.name.replace(".parquet", ".findings.json"),
            trades_file.name.replace(".parquet", ".stats.json"),
            "new-0123456789abcdef-v99.parquet",
            "notes.txt",
            young.name,
        ]
    )
    assert LakeReader(silver, cache=cache).health("trades", scan_files=False) == ()


def test_past_its_bound_the_least_recently_used_go_first(silver: Path, cache: StatsCache) -> None:
    trades_file, scratch_file = _two_tables(silver, cache)
    os.utime(trades_file, (1, 1))
    os.utime(scratch_file, (2, 2))
    cache.load(trades_file.parent.parent / "x")  # no such entry: nothing changes
    assert cache.load((silver / "trades").resolve()) is not None  # used now: the newest
    bound = trades_file.stat().st_size + 1
    removed = {p.name for p in cache.prune(max_bytes=bound)}
    assert removed == {
        scratch_file.name,
        scratch_file.name.replace(".parquet", ".findings.json"),
        scratch_file.name.replace(".parquet", ".stats.json"),
    }
    assert cache.prune(max_bytes=bound) == []


def test_a_store_prunes_at_most_now_and_then(silver: Path, cache: StatsCache) -> None:
    _, scratch_file = _two_tables(silver, cache)
    shutil.rmtree(silver / "scratch")
    reader = LakeReader(silver, cache=cache)
    write_trades(silver, {HOT: 1})
    reader.refresh()
    reader.partition_stats("trades")  # a store, soon after the first: no pruning yet
    assert scratch_file.exists()
    os.utime(cache.folder / ".pruned", (1, 1))
    write_trades(silver, {HOT: 1})
    reader.refresh("trades")
    assert not scratch_file.exists()


def test_a_refresh_can_leave_the_cache_write_for_later(
    event_lake: Path, cache: StatsCache, other_process: ProcessPoolExecutor
) -> None:
    session = warm(event_lake, cache)
    before = cached(cache, event_lake)
    run(other_process, _append, str(event_lake), "okx", "2024-05-03", 5)
    assert session.refresh(save=False) == ("trades",)
    assert_like_delta_rs(session, event_lake)  # the figures are new at once
    assert cached(cache, event_lake).version == before.version  # the file is not yet
    session.refresh()  # nothing new: the write stays due
    session.save()
    assert cached(cache, event_lake).version == before.version + 1
    last = LakeReader(event_lake, cache=cache)
    assert_like_delta_rs(last, event_lake)
    assert (last.last_load("trades"), last.tables_opened) == ("cache", 0)
