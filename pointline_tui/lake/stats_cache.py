"""A table's active files per version, kept between sessions in the user's cache folder.

One Parquet file per table holds its active files (``FILES_SCHEMA``; the per-partition
statistics are a cheap ``group_by`` of it) and, in its key-value metadata, the version they
describe and a signature of the ``_delta_log`` at that version. The signature proves the log
is still the one the files were read from: the name and size of every commit and checkpoint up
to that version, and the size, modification time and inode of that version's commit and of the
oldest log file (a table deleted and written again at the same path differs there). A cache is
used only when the signature still matches the log's listing; anything unreadable, of another
format or release, or whose signature no longer matches is treated as no cache.

``advance`` brings files forward by applying the add and remove actions of new JSON commits;
anything it does not understand (a checkpoint, a metadata or protocol change, deletion vectors,
a gap, a commit that does not parse) returns ``None``: the caller then loads the table in full.

Beside each table's file, a small JSON file keeps what ``check`` found in its log at that
version (``cached_findings``), keyed by the signature and the whole log listing. ``prune``
removes what no longer serves: files of tables gone from their folder, damaged or older-format
files, temporaries a killed process left, and, past ``MAX_BYTES``, the least recently used.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from pointline_tui import __version__
from pointline_tui.lake.cache_files import (
    FORMAT,
    MAX_BYTES,
    cache_file_for,
    findings_file,
    prune_folder,
    prune_now_and_then,
    stats_file,
    statuses_file,
    write_atomically,
)
from pointline_tui.lake.cached_findings import findings_body, findings_key, read_findings
from pointline_tui.lake.cached_stats import read_stats, read_statuses, stats_body, statuses_body
from pointline_tui.lake.overview import Statuses
from pointline_tui.lake.partitions import partition_stats, restated
from pointline_tui.storage.delta.files import FILES_SCHEMA
from pointline_tui.storage.delta.log import (
    LogListing,
    commit_actions,
    commit_name,
    log_signature,
    on_disk,
)
from pointline_tui.storage.models import Finding
from pointline_tui.storage.schemas import EVENT_PARTITION_COLUMNS, is_event_partitioned

_KEY = "pointline-tui-stats"
"""The Parquet key-value metadata entry holding a cache file's header."""
_IGNORED_ACTIONS = frozenset({"commitInfo", "txn", "cdc", "domainMetadata"})
"""Actions that change no table file: any other action but add and remove means a full load."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TableFiles:
    """A Delta table's active files at one version, and the proof of the log they came from."""

    path: Path
    """The table's folder, resolved."""
    version: int
    signature: str
    """``log_signature`` of the log at ``version``."""
    table_id: str
    """The ``metaData`` action's id."""
    partition_columns: tuple[str, ...]
    files: pl.DataFrame
    """The active files (``storage.delta.files.FILES_SCHEMA``)."""
    stats: pl.DataFrame
    """``partition_stats(files)`` at the default thresholds: every view of the table asks."""


class _Unusual(Exception):
    """A commit that ``advance`` leaves to a full load."""


def advance(
    cached: TableFiles, log_dir: Path, listing: LogListing, *, target: int | None = None
) -> TableFiles | None:
    """``cached`` brought to version ``target`` (default: the newest listed) from JSON commits.

    Args:
        cached: files at some version, with that version's signature.
        log_dir: the table's ``_delta_log``.
        listing: ``list_log(log_dir)``, made just before.
        target: the version wanted (at most the newest listed).

    Returns:
        ``cached`` itself when it already describes ``target`` and its signature still matches;
        new files when only JSON commits holding adds and removes (without deletion vectors)
        follow it; ``None`` when a full load is needed: a signature that no longer matches
        (another table, a rewritten or cleaned-up log, a new checkpoint up to ``target``), a
        missing or empty commit, a metaData or protocol action, deletion vectors or anything
        that does not parse.
    """
    newest = listing.latest if target is None else target
    if newest is None or newest < cached.version:
        return None
    if log_signature(log_dir, listing, cached.version) != cached.signature:
        return None
    if newest == cached.version:
        return cached
    versions = range(cached.version + 1, newest + 1)
    if any(listing.commits.get(v, 0) == 0 for v in versions) or any(
        cached.version < v <= newest for v in listing.checkpoints
    ):
        return None
    try:
        files, touched = _apply(cached, log_dir, versions)
    except (_Unusual, ValueError, OSError):
        return None
    signature = log_signature(log_dir, listing, newest)
    if signature is None:
        return None
    return TableFiles(
        path=cached.path,
        version=newest,
        signature=signature,
        table_id=cached.table_id,
        partition_columns=cached.partition_columns,
        files=files,
        # Only the partitions the commits touched are grouped again.
        stats=restated(cached.stats, files, touched),
    )


def _apply(cached: TableFiles, log_dir: Path, versions: range) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The files after the commits ``versions``, and the partitions whose files changed.

    Raises:
        _Unusual: a commit holds more than plain adds and removes.
    """
    partitioned = is_event_partitioned(cached.partition_columns)
    dropped: set[str] = set()
    added: dict[str, tuple[object, ...]] = {}
    for version in versions:
        removes: set[str] = set()
        adds: dict[str, tuple[object, ...]] = {}
        for action in commit_actions(log_dir / commit_name(version)):
            for kind, body in action.items():
                if kind in _IGNORED_ACTIONS:
                    continue
                if kind not in ("add", "remove") or not isinstance(body, dict):
                    raise _Unusual(kind)
                if body.get("deletionVector") is not None or not isinstance(body.get("path"), str):
                    raise _Unusual(kind)
                path = on_disk(body["path"])
                if kind == "remove":
                    removes.add(path)
                else:
                    adds[path] = _add_row(path, body, partitioned=partitioned)
        if removes & adds.keys():
            raise _Unusual("a path both added and removed in one commit")
        for path in removes:
            added.pop(path, None)
        added.update(adds)
        dropped |= removes | adds.keys()
    gone = pl.col("path").is_in(list(dropped))
    kept = cached.files.filter(~gone)
    touched = cached.files.filter(gone).select(EVENT_PARTITION_COLUMNS)
    if not added:
        return kept, touched.unique()
    new = pl.DataFrame(
        list(added.values()),
        schema={
            "path": pl.String(),
            "size_bytes": pl.Int64(),
            "rows": pl.Int64(),
            "modified_ms": pl.Int64(),
            "exchange": pl.String(),
            "trading_date": pl.Date(),
        },
        orient="row",
    ).select(
        "path",
        "size_bytes",
        "rows",
        # The same conversion as files_frame: milliseconds since the epoch, UTC microseconds.
        pl.from_epoch("modified_ms", time_unit="ms")
        .cast(pl.Datetime("us"))
        .dt.replace_time_zone("UTC")
        .alias("modified_at"),
        "exchange",
        "trading_date",
    )
    new = new.cast(FILES_SCHEMA)
    touched = pl.concat([touched, new.select(EVENT_PARTITION_COLUMNS)]).unique()
    return pl.concat([kept, new], how="vertical"), touched


def _add_row(path: str, add: dict[str, object], *, partitioned: bool) -> tuple[object, ...]:
    size, modified = add.get("size"), add.get("modificationTime")
    if not _is_int(size) or not _is_int(modified):
        raise _Unusual("add without size or modificationTime")
    rows = None
    stats = add.get("stats")
    if isinstance(stats, str) and stats:
        parsed = json.loads(stats)
        rows = parsed.get("numRecords") if isinstance(parsed, dict) else None
        if rows is not None and not _is_int(rows):
            raise _Unusual("numRecords is not an integer")
    elif stats is not None:
        raise _Unusual("stats is not a string")
    exchange = day = None
    if partitioned:
        values = add.get("partitionValues")
        if not isinstance(values, dict):
            raise _Unusual("add without partitionValues")
        exchange, text = values.get("exchange", ""), values.get("trading_date", "")
        # An empty string is how some writers spell null: leave its reading to delta-rs.
        if exchange == "" or text == "" or not isinstance(exchange, str | None):
            raise _Unusual("unusual partition value")
        if text is not None:
            if not isinstance(text, str):
                raise _Unusual("unusual partition value")
            day = date.fromisoformat(text)
    return (path, size, rows, modified, exchange, day)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class StatsCache:
    """Tables' active files by version, one Parquet file per table in ``folder``.

    Safe to share between threads and processes: each file is written to a temporary name in
    the same folder and moved into place, so a reader sees a whole old file or a whole new one.
    The folder is created on the first store. Failing to write is silent: the cache is only
    ever a shortcut.

    Args:
        folder: where the files go; never inside a lake (the command line refuses it).
    """

    def __init__(self, folder: Path) -> None:
        self._folder = Path(folder)

    @property
    def folder(self) -> Path:
        """The cache folder."""
        return self._folder

    def file_for(self, table: Path) -> Path:
        """The cache file of the table at ``table`` (a resolved folder)."""
        return cache_file_for(self._folder, table)

    def load(self, table: Path) -> TableFiles | None:
        """The cached files of the table at ``table`` (resolved); ``None`` without a usable one.

        Only the file's header is checked here (format, release, path): whether it still
        describes the log is ``advance``'s question.
        """
        file = self.file_for(table)
        try:
            header = _header(file)
            if not (
                isinstance(header, dict)
                and header.get("format") == FORMAT
                and header.get("package") == __version__
                and header.get("path") == str(table)
            ):
                return None
            version, signature, table_id = (
                header["version"],
                header["signature"],
                header["table_id"],
            )
            columns = header["partition_columns"]
            if not (
                _is_int(version)
                and isinstance(signature, str)
                and isinstance(table_id, str)
                and isinstance(columns, list)
                and all(isinstance(c, str) for c in columns)
            ):
                return None
            files = pl.read_parquet(file)
            os.utime(file)  # recently used: the last to be pruned
        except FileNotFoundError:
            return None
        except Exception:  # a damaged file: polars and json raise many types; it is no cache
            return None
        if files.schema != FILES_SCHEMA:
            return None
        return TableFiles(
            path=table,
            version=version,
            signature=signature,
            table_id=table_id,
            partition_columns=tuple(columns),
            files=files,
            stats=partition_stats(files),
        )

    def store(self, entry: TableFiles) -> bool:
        """Write ``entry`` as its table's cache file, atomically; ``False`` if that failed."""
        header = {
            "format": FORMAT,
            "package": __version__,
            "path": str(entry.path),
            "version": entry.version,
            "signature": entry.signature,
            "table_id": entry.table_id,
            "partition_columns": list(entry.partition_columns),
        }
        body = io.BytesIO()
        # lz4: at 40,000 files about 15 ms to write and 3 ms to read (zstd: 50 and 8).
        entry.files.write_parquet(body, compression="lz4", metadata={_KEY: json.dumps(header)})
        if not write_atomically(self._folder, self.file_for(entry.path), body.getvalue()):
            return False
        self._store_stats(entry)
        prune_now_and_then(self._folder, self.prune)
        return True

    def keep_stats(self, entry: TableFiles) -> None:
        """Write ``entry``'s partition statistics file unless a whole one is there already."""
        if entry.signature and (
            read_stats(self._folder, entry.path, entry.version, entry.signature) is None
        ):
            self._store_stats(entry)

    def _store_stats(self, entry: TableFiles) -> None:
        """What ``stats`` prints, read later without polars (``cached_stats``)."""
        if not entry.signature:
            return  # never matches a log: no use
        rows = entry.stats.iter_rows(named=True)
        body = stats_body(entry.path, entry.version, entry.signature, rows)
        write_atomically(self._folder, stats_file(self.file_for(entry.path)), body)

    def load_findings(self, entry: TableFiles, listing: LogListing) -> tuple[Finding, ...] | None:
        """What ``check`` found in the log of ``entry``'s table, if the log is as it was then.

        Args:
            entry: the table's files, at the version the findings are wanted for.
            listing: the log's listing, made just before.

        Returns:
            The findings stored for this version, signature and listing; ``None`` otherwise.
        """
        if not entry.signature:
            return None  # never matches a log: no findings kept
        key = findings_key(entry.version, entry.signature, listing)
        return read_findings(self._folder, entry.path, key)

    def store_findings(
        self, entry: TableFiles, listing: LogListing, findings: Sequence[Finding]
    ) -> bool:
        """Keep ``findings`` (``check`` of the log alone) for ``entry``'s version and ``listing``.

        Returns:
            ``False`` when nothing was written (no signature, or the write failed).
        """
        if not entry.signature:
            return False
        body = findings_body(findings_key(entry.version, entry.signature, listing), findings)
        return write_atomically(self._folder, findings_file(self.file_for(entry.path)), body)

    def store_statuses(self, entry: TableFiles, statuses: Statuses) -> None:
        """Keep the manifest's files per status at ``entry``'s version, unless already kept."""
        args = (self._folder, entry.path, entry.version, entry.signature)
        if entry.signature and read_statuses(*args) != statuses:
            body = statuses_body(entry.path, entry.version, entry.signature, statuses)
            write_atomically(self._folder, statuses_file(self.file_for(entry.path)), body)

    def prune(self, *, max_bytes: int = MAX_BYTES) -> list[Path]:
        """Remove the cache files that no longer serve; returns those removed.

        Gone: a file whose table's folder no longer holds a ``_delta_log``, a damaged one, one
        of an older format, companions (findings, statistics, statuses) without their table's
        file and temporaries, both older than an hour; then, while the rest exceeds
        ``max_bytes``, the least recently used.
        """
        return prune_folder(self._folder, _table_of, fmt=FORMAT, max_bytes=max_bytes)


def _header(file: Path) -> object:
    return json.loads(pl.read_parquet_metadata(file)[_KEY])


def _table_of(file: Path) -> str | None:
    """The table folder a cache file's header names (``None``: none readable)."""
    try:
        header = _header(file)
    except Exception:  # damaged: polars and json raise many types
        return None
    table = header.get("path") if isinstance(header, dict) else None
    return table if isinstance(table, str) else None
