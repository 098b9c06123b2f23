import json
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from deltalake import WriterProperties, write_deltalake

from pointline_tui.lake import LakeReader
from pointline_tui.lake.quarantine import PAGE_SCHEMA, ExportExistsError
from pointline_tui.storage.delta.quarantine_store import DeltaQuarantineStore
from pointline_tui.storage.models import StorageOperationError
from pointline_tui.storage.schemas import VALIDATION_LOG
from tests.frames import trades
from tests.lake.conftest import manifest_rows, quarantine_rows


@pytest.fixture
def lake(silver: Path) -> tuple[Path, dict[str, int], pl.DataFrame]:
    ids = manifest_rows(silver)
    return silver, ids, quarantine_rows(silver, ids)


def _key(frame: pl.DataFrame) -> list[tuple]:
    return sorted(frame.select("file_id", "rule_name", "source_table", "symbol", "file_seq").rows())


def test_counts(lake: tuple[Path, dict[str, int], pl.DataFrame]) -> None:
    silver, _, logged = lake
    view = LakeReader(silver).quarantine()
    by_rule = view.counts_by_rule()
    assert by_rule.schema == pl.Schema({"rule_name": pl.String, "count": pl.Int64})
    assert by_rule.rows() == [("negative_price", 55), ("crossed_book", 12), ("stale_symbol", 7)]
    assert view.counts_by_table().rows() == [("trades", 49), ("quotes", 25)]
    assert view.total() == logged.height == 74


def test_pages_cover_the_log_once(lake: tuple[Path, dict[str, int], pl.DataFrame]) -> None:
    silver, _, logged = lake
    view = LakeReader(silver).quarantine()
    pages = [view.page(offset=offset, limit=9) for offset in range(0, 80, 9)]
    assert all(p.total == 74 for p in pages)
    assert [p.rows.height for p in pages] == [9] * 8 + [2]
    assert view.page(offset=74).rows.is_empty()
    rows = pl.concat([p.rows for p in pages])
    assert rows.columns == list(PAGE_SCHEMA.names())
    assert rows.schema == PAGE_SCHEMA
    assert _key(rows) == _key(logged)
    # The same order as reading the whole table and slicing it.
    whole = pl.read_delta(str(silver / "validation_log"))
    assert rows.select(whole.columns).equals(whole)


def test_page_reads_only_the_files_it_needs(
    lake: tuple[Path, dict[str, int], pl.DataFrame],
) -> None:
    silver, _, _ = lake
    view = LakeReader(silver).quarantine()
    last = view._snapshot.files[-1]  # the stale_symbol batch
    Path(last).unlink()
    page = view.page(offset=0, limit=40)
    assert page.total == 74  # from the log's statistics, no scan
    assert page.rows.height == 40
    with pytest.raises(StorageOperationError, match="cannot read rows"):
        view.page(rule="stale_symbol")


def test_filters(lake: tuple[Path, dict[str, int], pl.DataFrame]) -> None:
    silver, ids, logged = lake
    view = LakeReader(silver).quarantine()
    first = next(iter(ids.values()))
    cases = [
        ({"rule": "negative_price"}, pl.col("rule_name") == "negative_price"),
        ({"file_id": first}, pl.col("file_id") == first),
        ({"symbol": "BTCUSDT"}, pl.col("symbol") == "BTCUSDT"),
        ({"source_table": "quotes"}, pl.col("source_table") == "quotes"),
        (
            {"rule": "negative_price", "source_table": "trades", "symbol": "ETHUSDT"},
            (pl.col("rule_name") == "negative_price")
            & (pl.col("source_table") == "trades")
            & (pl.col("symbol") == "ETHUSDT"),
        ),
    ]
    for filters, expected in cases:
        want = logged.filter(expected)
        page = view.page(**filters, limit=1000)
        assert page.total == want.height, filters
        assert _key(page.rows) == _key(want), filters
        assert view.total(**filters) == want.height
    assert view.page(severity="error").total == 74
    assert view.page(severity="warning").total == 0
    assert view.page(source_table="nope").rows.is_empty()
    # Filtered pages keep the log's order.
    everything = view.page(limit=1000).rows
    for filters, expected in cases:
        assert view.page(**filters, limit=1000).rows.equals(everything.filter(expected))
    narrow = view.page(rule="negative_price", offset=50, limit=10)
    assert (narrow.total, narrow.rows.height) == (55, 5)


def test_rows_are_joined_to_the_manifest(lake: tuple[Path, dict[str, int], pl.DataFrame]) -> None:
    silver, ids, _ = lake
    view = LakeReader(silver).quarantine()
    path = next(iter(ids))
    row = view.page(file_id=ids[path], limit=1).rows.row(0, named=True)
    assert (row["vendor"], row["data_type"], row["bronze_path"]) == ("tardis", "trades", path)
    assert row["message"] == "quarantined:trades"
    orphan = view.page(file_id=999, limit=1).rows.row(0, named=True)
    assert (orphan["vendor"], orphan["bronze_path"], orphan["source_table"]) == (
        None,
        None,
        "trades",
    )


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_export(
    lake: tuple[Path, dict[str, int], pl.DataFrame], tmp_path: Path, suffix: str
) -> None:
    silver, _, logged = lake
    view = LakeReader(silver).quarantine()
    out = tmp_path / f"rows{suffix}"
    assert view.export(out, rule="negative_price") == 55
    read = pl.read_csv(out, schema=PAGE_SCHEMA) if suffix == ".csv" else pl.read_parquet(out)
    assert read.schema == PAGE_SCHEMA
    assert read.equals(view.page(rule="negative_price", limit=1000).rows)
    assert view.export(tmp_path / f"all{suffix}") == logged.height


def test_export_errors(lake: tuple[Path, dict[str, int], pl.DataFrame], tmp_path: Path) -> None:
    view = LakeReader(lake[0]).quarantine()
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="csv or .parquet"):
        view.export(out / "rows.json")
    note = out / "note.txt"
    out.mkdir()
    note.write_text("a file\n")
    for target in (note / "rows.csv", note / "sub" / "rows.csv"):
        with pytest.raises(StorageOperationError) as caught:
            view.export(target)
        assert str(caught.value) == f"cannot write {target}: {note} is not a folder"
    assert [p.name for p in out.iterdir()] == ["note.txt"]
    assert view.export(out / "missing" / "dir" / "rows.csv") == 74  # folders are made


def test_export_never_replaces_a_file_unasked(
    lake: tuple[Path, dict[str, int], pl.DataFrame], tmp_path: Path
) -> None:
    view = LakeReader(lake[0]).quarantine()
    out = tmp_path / "out" / "rows.csv"
    out.parent.mkdir()
    out.write_text("keep me\n")
    with pytest.raises(ExportExistsError) as caught:
        view.export(out, rule="stale_symbol")
    assert isinstance(caught.value, FileExistsError)
    assert caught.value.path == out
    assert out.read_text() == "keep me\n"
    assert view.export(out, rule="stale_symbol", overwrite=True) == 7
    assert pl.read_csv(out).height == 7
    assert [p.name for p in out.parent.iterdir()] == ["rows.csv"]  # no partial file left


def test_failed_export_leaves_nothing(
    lake: tuple[Path, dict[str, int], pl.DataFrame], tmp_path: Path
) -> None:
    silver, _, _ = lake
    view = LakeReader(silver).quarantine()
    Path(view._snapshot.files[-1]).unlink()  # a data file gone: the scan fails mid-way
    out = tmp_path / "out"
    with pytest.raises(StorageOperationError, match=f"cannot write {out / 'rows.parquet'}: "):
        view.export(out / "rows.parquet")
    assert list(out.iterdir()) == []


def test_a_written_export_never_lands_on_a_file_that_appeared_meanwhile(tmp_path: Path) -> None:
    from pointline_tui.lake.quarantine import _place

    partial = tmp_path / ".rows.csv.1234.partial"
    partial.write_text("ours\n")
    target = tmp_path / "rows.csv"
    target.write_text("theirs\n")  # another export took the name while ours was written
    with pytest.raises(ExportExistsError):
        _place(partial, target, overwrite=False)
    assert target.read_text() == "theirs\n"
    _place(partial, target, overwrite=True)
    assert target.read_text() == "ours\n"
    assert [p.name for p in tmp_path.iterdir()] == ["rows.csv"]


def test_search_matches_part_of_a_symbol_in_any_case_or_a_file_id(
    lake: tuple[Path, dict[str, int], pl.DataFrame],
) -> None:
    silver, ids, logged = lake
    view = LakeReader(silver).quarantine()
    symbols = set(logged.get_column("symbol").drop_nulls())
    assert {"BTCUSDT", "ETHUSDT"} <= symbols
    everything = view.page(limit=1000).rows
    first = next(iter(ids.values()))
    cases = {
        "btc": pl.col("symbol").str.contains("BTC", literal=True),
        "UsDt": pl.col("symbol").str.contains("USDT", literal=True),
        "hus": pl.col("symbol") == "ETHUSDT",
        ".*": pl.lit(False),  # literal text, never a pattern
        str(first): pl.col("file_id") == first,
        "999": pl.col("file_id") == 999,  # a file id the manifest does not know
    }
    for text, expected in cases.items():
        want = logged.filter(expected)
        page = view.page(search=text, limit=1000)
        assert page.total == view.total(search=text) == want.height, text
        assert _key(page.rows) == _key(want), text
        # In the log's order, paged like any filter.
        assert page.rows.equals(everything.filter(expected)), text
        halves = [view.page(search=text, offset=o, limit=5).rows for o in range(0, 80, 5)]
        assert pl.concat(halves).equals(page.rows), text
    assert view.page(search="9" * 30).total == 0  # no overflow for a long number
    combined = view.page(search="eth", rule="negative_price", limit=1000)
    want = logged.filter(
        pl.col("symbol").str.contains("ETH", literal=True)
        & (pl.col("rule_name") == "negative_price")
    )
    assert combined.total == want.height > 0
    out = silver.parent / "eth.csv"  # in tmp_path
    assert view.export(out, search="eth") == logged.filter(cases["hus"]).height


def test_missing_log_is_empty(silver: Path, tmp_path: Path) -> None:
    view = LakeReader(silver).quarantine()
    assert view.version is None
    page = view.page(rule="x")
    assert (page.total, page.rows.schema) == (0, PAGE_SCHEMA)
    assert view.page().rows.schema == PAGE_SCHEMA
    assert view.counts_by_rule().columns == ["rule_name", "count"]
    assert view.counts_by_table().columns == ["source_table", "count"]
    assert view.export(tmp_path / "none.csv") == 0
    assert pl.read_csv(tmp_path / "none.csv").columns == list(PAGE_SCHEMA.names())


def test_files_without_statistics_are_counted_by_scanning(
    lake: tuple[Path, dict[str, int], pl.DataFrame],
) -> None:
    silver, _, logged = lake
    # Another writer that records no statistics in its add actions.
    for commit in (silver / "validation_log" / "_delta_log").glob("*.json"):
        actions = [json.loads(line) for line in commit.read_text().splitlines()]
        for action in actions:
            action.get("add", {}).pop("stats", None)
        commit.write_text("".join(json.dumps(a) + "\n" for a in actions))
    reader = LakeReader(silver)
    assert reader.summary("validation_log").rows is None
    view = reader.quarantine()
    page = view.page(offset=70, limit=10)
    assert (page.total, page.rows.height) == (74, 4)
    assert _key(pl.concat([view.page(limit=70).rows, page.rows])) == _key(logged)


def test_quarantine_view_follows_refresh(lake: tuple[Path, dict[str, int], pl.DataFrame]) -> None:
    from datetime import date

    silver, _, _ = lake
    reader = LakeReader(silver)
    view = reader.quarantine()
    assert reader.quarantine() is view
    DeltaQuarantineStore(silver).append("trades", trades("okx", date(2024, 5, 1), 3), "late", 5)
    assert reader.quarantine().total() == 74
    reader.refresh()
    fresh = reader.quarantine()
    assert fresh is not view
    assert (fresh.total(), fresh.total(rule="late")) == (77, 3)


def test_partitioned_log_of_another_writer_goes_through_scan_delta(silver: Path) -> None:
    from deltalake import write_deltalake

    frame = pl.DataFrame(
        {
            "file_id": [1, 2, 3],
            "rule_name": ["a", "b", "a"],
            "severity": ["error", "warning", "error"],
            "logged_at_ts_us": [1, 2, 3],
            "message": ["quarantined:trades", None, "quarantined:quotes"],
        }
    )
    write_deltalake(silver / "validation_log", frame.to_arrow(), partition_by=["severity"])
    view = LakeReader(silver).quarantine()
    assert not view._snapshot.plain
    page = view.page(limit=10)
    assert page.rows.schema == PAGE_SCHEMA
    assert sorted(page.rows.get_column("file_id").to_list()) == [1, 2, 3]
    assert page.total == 3
    assert view.page(severity="warning").rows.get_column("file_id").to_list() == [2]
    assert view.counts_by_rule().rows() == [("a", 2), ("b", 1)]
    assert view.counts_by_table().rows() == [("quotes", 1), ("trades", 1), (None, 1)]


# -- pages at any depth -------------------------------------------------------------------------

DEEP_RULES = ("negative_price", "crossed_book", "stale_symbol", "zero_qty")


def _deep_log(silver: Path) -> Path:
    """A log of three appends of 5,000 rows, each file in row groups of 1,000 rows."""
    table = silver / "validation_log"
    for batch in range(3):
        n = pl.int_range(batch * 5_000, (batch + 1) * 5_000, eager=True)
        frame = pl.DataFrame({"n": n}).select(
            file_id=pl.col("n") // 700 + 1,
            # Uneven runs of each rule, so that row groups hold different numbers of matches.
            rule_name=pl.lit(pl.Series(DEEP_RULES)).gather((pl.col("n") // 13 + pl.col("n")) % 4),
            severity=pl.lit("error"),
            logged_at_ts_us=pl.col("n") + 1_714_521_600_000_000,
            file_seq=pl.col("n"),
            field_name=pl.lit("price"),
            field_value=pl.col("n").cast(pl.String),
            ts_event_us=pl.col("n") * 1_000,
            symbol=pl.when(pl.col("n") % 3 == 0)
            .then(pl.lit("ETHUSDT"))
            .otherwise(pl.lit("BTCUSD")),
            symbol_id=pl.col("n") % 3,
            message=pl.lit("quarantined:trades"),
        )
        write_deltalake(
            table,
            frame.cast(dict(VALIDATION_LOG.polars_schema)).to_arrow(),  # type: ignore[arg-type]
            mode="append",
            writer_properties=WriterProperties(max_row_group_size=1_000),
        )
    return table


DEEP_FILTERS: dict[str, tuple[dict[str, object], pl.Expr]] = {
    "rule": ({"rule": "crossed_book"}, pl.col("rule_name") == "crossed_book"),
    "rule and symbol": (
        {"rule": "zero_qty", "symbol": "ETHUSDT"},
        (pl.col("rule_name") == "zero_qty") & (pl.col("symbol") == "ETHUSDT"),
    ),
    "search": ({"search": "eth"}, pl.col("symbol").str.to_lowercase().str.contains("eth")),
    "file id": ({"file_id": 12}, pl.col("file_id") == 12),
}


@pytest.mark.parametrize("name", DEEP_FILTERS)
def test_filtered_pages_at_any_depth_equal_reading_the_whole_log(silver: Path, name: str) -> None:
    table = _deep_log(silver)
    assert all(
        pq.read_metadata(f).num_row_groups == 5
        for f in LakeReader(silver).quarantine()._snapshot.files
    )
    wanted, expr = DEEP_FILTERS[name]
    whole = pl.read_delta(str(table)).filter(expr)
    view = LakeReader(silver).quarantine()
    total = view.total(**wanted)  # type: ignore[arg-type]
    assert total == whole.height > 200
    for offset in (0, 1, 99, total // 3, total // 2 + 7, total - 150, total - 1, total):
        for limit in (1, 100):
            page = view.page(offset=offset, limit=limit, **wanted)  # type: ignore[arg-type]
            assert page.total == total
            expected = whole.slice(offset, limit)
            assert page.rows.select(whole.columns).equals(expected), (offset, limit)


def test_a_deep_filtered_page_reads_only_the_row_groups_holding_it(silver: Path) -> None:
    table = _deep_log(silver)
    view = LakeReader(silver).quarantine()
    expr = pl.col("rule_name") == "crossed_book"
    whole = pl.read_delta(str(table)).filter(expr)
    total = view.total(rule="crossed_book")  # the matches are counted per file first
    last = view._snapshot.files[-1]
    deep = total - 10  # in the last file's last row group
    view.page(offset=deep, limit=5, rule="crossed_book")  # its row groups counted once
    # Wreck every row group of that file but the last: a page there must not need them.
    footer = pq.read_metadata(last)
    end = min(
        footer.row_group(footer.num_row_groups - 1).column(c).dictionary_page_offset
        or footer.row_group(footer.num_row_groups - 1).column(c).data_page_offset
        for c in range(footer.num_columns)
    )
    with open(last, "r+b") as handle:
        handle.seek(4)
        handle.write(b"\0" * (end - 4))
    page = view.page(offset=deep, limit=5, rule="crossed_book")
    assert page.rows.select(whole.columns).equals(whole.slice(deep, 5))
    with pytest.raises(StorageOperationError):
        view.page(offset=total - 900, limit=5, rule="crossed_book")
