"""A table's per-partition statistics at its cached version, read without polars or a log.

Beside each table's cache file, ``StatsCache.store`` writes the partition statistics of the
version it holds (``partitions.partition_stats`` with the default thresholds) as JSON; beside
the manifest table's, the reader also keeps its files per status. What only shows them
(``pointline-tui stats``, the console's first overview) reads those files and the log's
listing, nothing else: no polars, no delta-rs, no commit. A file is used only when its header
names this format, this release, this table folder and the newest listed version, with the
``log_signature`` the log has now; anything else, or anything of another shape, is no cache:
the caller then reads the table.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path

from pointline_tui import __version__
from pointline_tui.lake.cache_files import FORMAT, cache_file_for, stats_file, statuses_file
from pointline_tui.lake.overview import Statuses
from pointline_tui.storage.delta.log import DELTA_LOG, LogListing, list_log, log_signature

STATS_FIELDS = (
    "exchange",
    "trading_date",
    "files",
    "bytes",
    "rows",
    "min_file_bytes",
    "avg_file_bytes",
    "max_file_bytes",
    "small_files",
    "hot",
    "last_modified",
)
"""The columns of ``partitions.STATS_SCHEMA``, in order: one JSON object per partition."""
_DATES = {"trading_date": date.fromisoformat, "last_modified": datetime.fromisoformat}
_INTS = ("files", "bytes", "rows", "min_file_bytes", "max_file_bytes", "small_files")

Partition = dict[str, object]
"""One partition's statistics, typed as polars' ``iter_rows(named=True)`` gives them."""


def stats_body(
    table: Path, version: int, signature: str, rows: Iterable[Mapping[str, object]]
) -> bytes:
    """The statistics file of the table at ``table``: ``rows`` (``STATS_SCHEMA``) at ``version``."""
    header = _header(table, version, signature)
    partitions = [
        {k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()} for row in rows
    ]
    return json.dumps({"header": header, "partitions": partitions}).encode()


def newest(table: Path) -> tuple[LogListing, int, str] | None:
    """The table's log listing, newest version and that version's ``log_signature``.

    ``None`` when the log of the table at ``table`` cannot be listed or has no version.
    """
    log_dir = table / DELTA_LOG
    try:
        listing = list_log(log_dir)
    except OSError:
        return None
    version = listing.latest
    signature = None if version is None else log_signature(log_dir, listing, version)
    if version is None or signature is None:
        return None
    return listing, version, signature


def load_stats(folder: Path, table: Path) -> list[Partition] | None:
    """The cached statistics of the table at ``table`` (resolved), if they describe its log now.

    Returns:
        One dict per partition, sorted as ``partition_stats`` sorts them; ``None`` when there
        is no such file, it is damaged or of another shape, or the log moved on.
    """
    found = newest(table)
    return None if found is None else read_stats(folder, table, *found[1:])


def read_stats(folder: Path, table: Path, version: int, signature: str) -> list[Partition] | None:
    """The statistics file of the table at ``table``, if it is whole and of that version."""
    stored = _read(stats_file(cache_file_for(folder, table)), _header(table, version, signature))
    partitions = None if stored is None else stored.get("partitions")
    if not isinstance(partitions, list):
        return None
    try:
        return [_partition(item) for item in partitions]
    except (TypeError, ValueError):
        return None


def statuses_body(table: Path, version: int, signature: str, statuses: Statuses) -> bytes:
    """The manifest's files per status, of the manifest table at ``table`` at ``version``."""
    header = _header(table, version, signature)
    return json.dumps({"header": header, "statuses": [list(pair) for pair in statuses]}).encode()


def read_statuses(folder: Path, table: Path, version: int, signature: str) -> Statuses | None:
    """The files per status ``statuses_body`` kept for the manifest at ``table`` at ``version``."""
    stored = _read(statuses_file(cache_file_for(folder, table)), _header(table, version, signature))
    pairs = None if stored is None else stored.get("statuses")
    if not isinstance(pairs, list) or not all(
        isinstance(p, list)
        and len(p) == 2
        and isinstance(p[0], str)
        and isinstance(p[1], int)
        and not isinstance(p[1], bool)
        for p in pairs
    ):
        return None
    return tuple((status, files) for status, files in pairs)


def _read(file: Path, header: dict[str, object]) -> dict[str, object] | None:
    """The JSON object in ``file`` if its header is ``header``; ``None`` otherwise."""
    try:
        stored = json.loads(file.read_bytes())
    except (OSError, ValueError):  # no file, a damaged one: no cache
        return None
    if not isinstance(stored, dict) or stored.get("header") != header:
        return None
    return stored


def _header(table: Path, version: int, signature: str) -> dict[str, object]:
    return {
        "format": FORMAT,
        "package": __version__,
        "path": str(table),
        "version": version,
        "signature": signature,
    }


def _partition(item: object) -> Partition:
    """One stored partition, checked field by field.

    Raises:
        ValueError: of another shape or type.
    """
    if not isinstance(item, dict) or list(item) != list(STATS_FIELDS):
        raise ValueError("a partition of another shape")
    row = dict(item)
    for name, parse in _DATES.items():
        value = row[name]
        if value is not None:
            if not isinstance(value, str):
                raise ValueError(f"{name} is not text")
            row[name] = parse(value)
    for name in _INTS:
        value = row[name]
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise ValueError(f"{name} is not a whole number")
    if not isinstance(row["exchange"], str | None) or not isinstance(row["hot"], bool):
        raise ValueError("exchange or hot of another type")
    if not isinstance(row["avg_file_bytes"], int | float | None):
        raise ValueError("avg_file_bytes is not a number")
    if isinstance(row["avg_file_bytes"], int) and not isinstance(row["avg_file_bytes"], bool):
        row["avg_file_bytes"] = float(row["avg_file_bytes"])
    return row
