"""Loads begun before the console's imports: taken by the reader, never doubled, never wrong."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

import polars as pl
from deltalake import DeltaTable, write_deltalake
from polars.testing import assert_frame_equal

from pointline_tui.lake import LakeReader
from pointline_tui.lake.head_start import HeadStart
from pointline_tui.lake.stats_cache import StatsCache
from pointline_tui.storage.delta import DeltaEventStore
from tests.frames import trades
from tests.lake.conftest import AUDIT, write_trades


def two_tables(root: Path) -> Path:
    """trades (events, listed first) and scratch (another group)."""
    write_trades(root)
    write_deltalake(root / "scratch", pl.DataFrame({"a": [1, 2, 3]}).to_arrow())
    return root


def delta_rs_files(table: Path, version: int | None = None) -> pl.DataFrame:
    actions = pl.DataFrame(DeltaTable(str(table), version=version).get_add_actions(flatten=True))
    return actions.select(files=pl.len().cast(pl.Int64), bytes=pl.col("size_bytes").sum())


def reader_files(reader: LakeReader, name: str) -> pl.DataFrame:
    stats = reader.partition_stats(name)
    return stats.select(files=pl.col("files").sum(), bytes=pl.col("bytes").sum())


def test_the_reader_takes_every_load_begun_ahead(silver: Path) -> None:
    two_tables(silver)
    head = HeadStart(silver, None)
    reader = LakeReader(silver, head_start=head)
    assert [e.state for e in reader.catalog()] == ["delta", "delta"]
    assert head.handed == ("trades", "scratch")  # in the catalog's order
    assert reader.tables_opened == 2  # each loaded once, by the head start
    for name in ("trades", "scratch"):
        assert reader.last_load(name) == "full"
        assert_frame_equal(reader_files(reader, name), delta_rs_files(silver / name))


def test_tables_the_cache_holds_are_not_loaded_ahead(silver: Path, tmp_path: Path) -> None:
    write_trades(silver)
    cache = StatsCache(tmp_path / "cache")
    LakeReader(silver, cache=cache).catalog()  # trades is kept
    write_deltalake(silver / "scratch", pl.DataFrame({"a": [1]}).to_arrow())
    head = HeadStart(silver, cache.folder)
    reader = LakeReader(silver, cache=cache, head_start=head)
    reader.catalog()
    assert head.handed == ("scratch",)
    assert (reader.last_load("trades"), reader.last_load("scratch")) == ("cache", "full")
    assert reader.tables_opened == 1


def test_a_table_asked_for_before_its_turn_is_loaded_once_by_the_reader(silver: Path) -> None:
    two_tables(silver)
    head = HeadStart(silver, None)
    reader = LakeReader(silver, head_start=head)
    # The head start holds trades until it is taken: scratch is not begun yet.
    assert_frame_equal(reader_files(reader, "scratch"), delta_rs_files(silver / "scratch"))
    reader.catalog()
    assert head.handed == ("trades",)
    assert reader.tables_opened == 2
    assert head.take("scratch") is None  # and it never will be loaded ahead now


def test_a_log_that_does_not_load_is_left_to_the_reader_which_says_why(silver: Path) -> None:
    two_tables(silver)
    (silver / "scratch" / "_delta_log" / "00000000000000000000.json").write_text("{not json")
    head = HeadStart(silver, None)
    reader = LakeReader(silver, head_start=head)
    entries = {e.name: e for e in reader.catalog()}
    assert head.handed == ("trades",)
    assert entries["scratch"].state == "damaged"
    assert entries["scratch"].reason
    assert entries["trades"].state == "delta"


def _append(root: str) -> None:
    frame = trades("okx", date(2024, 5, 7), 4, start=90_000)
    DeltaEventStore(Path(root), audit=AUDIT).append("trades", frame)


def test_a_commit_while_loading_ahead_gives_the_figures_of_one_version(
    silver: Path, other_process: ProcessPoolExecutor
) -> None:
    write_trades(silver)
    head = HeadStart(silver, None)
    other_process.submit(_append, str(silver)).result(timeout=120)  # before or after its load
    reader = LakeReader(silver, head_start=head)
    reader.catalog()
    assert head.handed == ("trades",)
    version = reader.summary("trades").version
    assert_frame_equal(reader_files(reader, "trades"), delta_rs_files(silver / "trades", version))
    reader.refresh()
    newest = reader.summary("trades").version
    assert newest == DeltaTable(str(silver / "trades")).version()
    assert_frame_equal(reader_files(reader, "trades"), delta_rs_files(silver / "trades"))
