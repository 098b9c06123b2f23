"""A page of a partition's rows (or an unpartitioned table's), read lazily through polars.

A page is read from only the files that hold it: the log's row counts say which, in the
order ``pl.scan_delta`` reads the files, so that a page of the millionth row costs about a
page. Where that cannot be told (a file without a row count, deletion vectors or column
mapping, file names that repeat), the partition filter still prunes every other partition's
files and the slice stops the scan once the page is full.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from pointline_tui.lake.paging import Page, check_window, window
from pointline_tui.lake.stats_cache import TableFiles
from pointline_tui.storage.schemas import is_event_partitioned

_SCAN_CASTS = pl.ScanCastOptions(integer_cast="upcast", float_cast="upcast")


def partition_rows(
    table: TableFiles,
    exchange: str | None,
    trading_date: date | None,
    *,
    offset: int = 0,
    limit: int = 100,
) -> Page:
    """Rows ``offset`` to ``offset + limit`` of one partition, at the version ``table`` holds.

    Args:
        table: the table's files at the version to read (``LakeReader`` keeps them).
        exchange: the partition's exchange; ``None``: any (always, for an unpartitioned table).
        trading_date: the partition's trading date; ``None``: any.
        offset: rows to skip.
        limit: rows in the page at most.

    Returns:
        A page in ``pl.scan_delta``'s order, with every column of the table (the partition
        columns included).

    Raises:
        ValueError: a negative offset or a limit below one.
        DeltaError, OSError, PolarsError: the log or a data file cannot be read.
    """
    check_window(offset, limit)
    files, where = table.files, []
    if is_event_partitioned(table.partition_columns):
        for column, value in (("exchange", exchange), ("trading_date", trading_date)):
            if value is not None:
                where.append(pl.col(column) == value)
                files = files.filter(pl.col(column) == value)
    counts = files.get_column("rows")
    scan = None if counts.null_count() else _window(table, files, offset, limit)
    if scan is not None:
        total, rows = int(counts.sum() or 0), scan.collect()
    else:
        lf = pl.scan_delta(str(table.path), version=table.version)
        lf = lf.filter(*where) if where else lf
        total = int(lf.select(pl.len()).collect(engine="streaming").item())
        rows = lf.slice(offset, limit).collect(engine="streaming")
    return Page(rows=rows, total=total, offset=offset, limit=limit)


def _window(table: TableFiles, files: pl.DataFrame, offset: int, limit: int) -> pl.LazyFrame | None:
    """The page read from only the ``files`` (one partition's) that hold it, else ``None``."""
    if table.partition_columns and not is_event_partitioned(table.partition_columns):
        return None  # partition values this module does not know how to fill in
    constant = {c: files.get_column(c).unique() for c in table.partition_columns}
    if any(len(values) > 1 for values in constant.values()):
        return None  # several partitions: their values are not in the files
    names = table.files.get_column("path").str.split("/").list.last()
    if not names.is_unique().all():
        return None  # a file is found by its name below
    from deltalake import DeltaTable  # only for a page: the first paint loads no delta-rs

    dt = DeltaTable(str(table.path), version=table.version)
    protocol = dt.protocol()
    if protocol.min_reader_version > 1 or protocol.reader_features:
        return None  # deletion vectors or column mapping: for scan_delta to apply
    rows = dict(
        zip(
            files.get_column("path").str.split("/").list.last().to_list(),
            files.get_column("rows").to_list(),
            strict=True,
        )
    )
    # In scan_delta's order: the page must be the one it would read.
    ordered = [(uri, rows[name]) for uri in dt.file_uris() if (name := _name(uri)) in rows]
    if len(ordered) != files.height:
        return None  # a file not matched by its name: better slow than a row short
    chosen, skip = window(ordered, offset, limit)
    schema = pl.Schema(dt.schema())
    if not chosen:
        return pl.DataFrame(schema=schema).lazy()
    lf = pl.scan_parquet(
        chosen,
        schema=schema,
        glob=False,  # file names are literal, never patterns
        hive_partitioning=False,
        missing_columns="insert",  # the partition columns, and files older than a column
        extra_columns="ignore",
        cast_options=_SCAN_CASTS,
    )
    values = [pl.lit(v[0], dtype=schema[c]).alias(c) for c, v in constant.items() if len(v)]
    return lf.with_columns(values).slice(skip, limit)


def _name(uri: str) -> str:
    """A data file's name: the last part of its path (delta-rs gives local paths as on disk)."""
    return uri.rsplit("/", 1)[-1]
