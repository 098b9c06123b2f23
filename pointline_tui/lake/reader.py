"""The facade the console calls: cached Delta tables and every read-model query over them."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl
from deltalake import DeltaTable
from deltalake.exceptions import DeltaError

from pointline_tui.lake import partitions as parts
from pointline_tui.lake.catalog import (
    DELTA_LOG,
    LakeCatalog,
    TableEntry,
    check_root,
    damage_reason,
    open_delta,
    table_dir,
)
from pointline_tui.lake.errors import DamagedTableError
from pointline_tui.lake.history import HistoryEntry, history_entries
from pointline_tui.lake.manifest import ManifestView, read_manifest
from pointline_tui.lake.overview import LakeOverview, build_overview
from pointline_tui.lake.plan import CompactionPlan, PartitionKey, plan_compaction
from pointline_tui.lake.quarantine import QuarantineView, log_snapshot
from pointline_tui.lake.summary import TableSummary, build_summary
from pointline_tui.storage.delta.check import check_table
from pointline_tui.storage.delta.files import files_frame
from pointline_tui.storage.models import (
    Finding,
    StorageError,
    StorageOperationError,
    TableNotFoundError,
)
from pointline_tui.storage.schemas import INGEST_MANIFEST, VALIDATION_LOG
from pointline_tui.text import short_error

_READ_ERRORS = (DeltaError, OSError, pl.exceptions.PolarsError)
"""What reading a table's log or files raises when something on disk is wrong."""


@dataclass(slots=True)
class _Slot:
    """One table's cache entry; ``lock`` guards every other field and every call on ``table``."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    table: DeltaTable | None = None
    files: pl.DataFrame | None = None
    files_version: int = -1
    view: ManifestView | QuarantineView | None = None
    view_key: object = None
    health: dict[tuple[int, bool], tuple[Finding, ...]] = field(default_factory=dict)
    """Findings of ``check`` by (version, files scanned); dropped on every refresh."""

    def clear(self) -> None:
        self.table, self.files, self.files_version, self.view = None, None, -1, None
        self.health = {}


class LakeReader:
    """Read-only queries over a silver lake, safe to call from any number of worker threads.

    Opened Delta tables are cached by name, so that a query reads the log once. They stay at
    the version they were opened (or last refreshed) at: call ``refresh`` after a write to see
    it. Calls on one table take turns; calls on different tables run in parallel.

    Every method raises ``LakeRootError`` when the silver root is missing or unreadable.

    Args:
        silver_root: folder holding one table per sub-folder.
    """

    def __init__(self, silver_root: Path) -> None:
        self._root = Path(silver_root)
        self._slots: dict[str, _Slot] = {}
        self._slots_lock = threading.Lock()

    @property
    def silver_root(self) -> Path:
        """The lake's root folder."""
        return self._root

    # -- catalog and tables -------------------------------------------------------------------

    def catalog(self, *, open_tables: bool = True) -> tuple[TableEntry, ...]:
        """Every table of the lake (see ``LakeCatalog.tables``); opened tables are cached.

        A cached table keeps the state it was opened with: a log damaged since shows up after
        ``refresh``. ``open_tables=False`` lists without opening any log (a first paint).
        """
        catalog = LakeCatalog(self._root, opener=self._open_for_catalog)
        return catalog.tables(open_tables=open_tables)

    def entry(self, name: str) -> TableEntry | None:
        """The catalog entry of table ``name`` alone (see ``LakeCatalog.entry``); it is cached."""
        return LakeCatalog(self._root, opener=self._open_for_catalog).entry(name)

    def summary(self, name: str) -> TableSummary:
        """Version, last commit, schema and totals of table ``name``.

        Raises:
            UnknownTableError: ``name`` is not a plain folder name.
            TableNotFoundError: the folder is missing or not a Delta table.
            DamagedTableError: its Delta log fails to load.
        """
        with self._table(name) as (dt, slot):
            files = self._files(dt, slot)
            return build_summary(name, dt, files, parts.partition_stats(files))

    def active_files(self, name: str) -> pl.DataFrame:
        """The current version's files (``storage.delta.files.FILES_SCHEMA``), from the log.

        Raises:
            UnknownTableError, TableNotFoundError, DamagedTableError: as ``summary``.
        """
        with self._table(name) as (dt, slot):
            return self._files(dt, slot)

    def partition_stats(
        self,
        name: str,
        *,
        small_file_bytes: int = parts.SMALL_FILE_BYTES,
        hot_min_small_files: int = parts.HOT_MIN_SMALL_FILES,
    ) -> pl.DataFrame:
        """Per (exchange, trading_date) statistics (``partitions.STATS_SCHEMA``).

        Raises:
            ValueError: invalid thresholds.
            UnknownTableError, TableNotFoundError, DamagedTableError: as ``summary``.
        """
        return parts.partition_stats(
            self.active_files(name),
            small_file_bytes=small_file_bytes,
            hot_min_small_files=hot_min_small_files,
        )

    def partition_files(
        self, name: str, exchange: str | None, trading_date: date | None
    ) -> pl.DataFrame:
        """The files of one partition (``None``, ``None`` for an unpartitioned table).

        Raises:
            UnknownTableError, TableNotFoundError, DamagedTableError: as ``summary``.
        """
        return parts.partition_files(self.active_files(name), exchange, trading_date)

    def plan_compaction(
        self,
        name: str,
        partitions: Iterable[PartitionKey] | None = None,
        *,
        target_size_mb: int = 128,
    ) -> CompactionPlan:
        """Plan compacting ``partitions`` (all when ``None``) from the table's files.

        Raises:
            ValueError: a target size below 1 MB.
            UnknownTableError, TableNotFoundError, DamagedTableError: as ``summary``.
        """
        return plan_compaction(self.active_files(name), partitions, target_size_mb=target_size_mb)

    def health(self, name: str, *, scan_files: bool = True) -> tuple[Finding, ...]:
        """What ``check`` finds in table ``name`` (see ``storage.delta.check.check_table``).

        Remembered per version until the next ``refresh``: files may change on disk without a
        commit (a killed write), and a refresh is how the operator asks to look again.

        Args:
            name: the table's folder name.
            scan_files: also walk its folders (missing, resized, orphaned files; links out).

        Raises:
            UnknownTableError: ``name`` is not a plain folder name.
            TableNotFoundError: the folder is gone.
        """
        path = table_dir(self._root, name)
        slot = self._slot(name)
        with slot.lock:
            try:
                dt = self._load(name, slot)
            except (DamagedTableError, TableNotFoundError):
                return check_table(self._root, name, scan_files=scan_files)
            key = (dt.version(), scan_files)
            if key not in slot.health:
                with _read_errors(name):
                    slot.health[key] = check_table(
                        self._root, path.name, table=dt, scan_files=scan_files
                    )
            return slot.health[key]

    def history(self, name: str, limit: int | None = None) -> tuple[HistoryEntry, ...]:
        """The table's commits, newest first (at most ``limit``).

        Raises:
            ValueError: a limit below one.
            UnknownTableError, TableNotFoundError, DamagedTableError: as ``summary``.
        """
        with self._table(name) as (dt, _):
            return history_entries(dt, limit)

    # -- control tables -----------------------------------------------------------------------

    def manifest(self) -> ManifestView:
        """The ingest manifest (an empty view when the lake has none).

        Raises:
            DamagedTableError: the manifest's Delta log fails to load.
            SchemaMismatchError: the manifest lacks a required column.
        """
        with self._optional(INGEST_MANIFEST.name) as (dt, slot):
            key = None if dt is None else dt.version()
            if slot.view is None or slot.view_key != key:
                frame = read_manifest(dt)
                slot.view, slot.view_key = ManifestView(frame, version=key), key
            assert isinstance(slot.view, ManifestView)
            return slot.view

    def quarantine(self) -> QuarantineView:
        """The validation log, joined to the manifest (an empty view when the lake has none).

        Raises:
            DamagedTableError: the log's (or the manifest's) Delta log fails to load.
        """
        manifest = self.manifest()
        path = table_dir(self._root, VALIDATION_LOG.name)
        with self._optional(VALIDATION_LOG.name) as (dt, slot):
            version = None if dt is None else dt.version()
            key = (version, manifest.version)
            if slot.view is None or slot.view_key != key:
                files = None if dt is None else self._files(dt, slot)
                snapshot = log_snapshot(dt, path, files)
                slot.view, slot.view_key = QuarantineView(snapshot, manifest.sources()), key
            assert isinstance(slot.view, QuarantineView)
            return slot.view

    def lake_overview(
        self,
        *,
        small_file_bytes: int = parts.SMALL_FILE_BYTES,
        hot_min_small_files: int = parts.HOT_MIN_SMALL_FILES,
    ) -> LakeOverview:
        """Tables by state, totals over the Delta tables and manifest status counts.

        A Delta table whose files cannot be read is counted as damaged instead of failing.
        """
        entries = self.catalog()
        stats = {}
        for entry in entries:
            if entry.state != "delta":
                continue
            try:
                stats[entry.name] = self.partition_stats(
                    entry.name,
                    small_file_bytes=small_file_bytes,
                    hot_min_small_files=hot_min_small_files,
                )
            except StorageError:
                continue
        has_manifest = any(e.name == INGEST_MANIFEST.name and e.name in stats for e in entries)
        counts = self.manifest().status_counts() if has_manifest else None
        return build_overview(self._root, entries, stats, counts)

    # -- cache --------------------------------------------------------------------------------

    def refresh(self, name: str | None = None) -> tuple[str, ...]:
        """Bring cached tables up to date, reading only the commits made since.

        Tables not opened yet are left alone (they are read fresh when first used). A table
        that fails to update is dropped from the cache.

        Args:
            name: the table to refresh; ``None`` refreshes every cached table, silently
                dropping those that fail.

        Returns:
            The names of the tables whose version changed.

        Raises:
            TableNotFoundError: ``name`` was given and its Delta log is gone.
            DamagedTableError: ``name`` was given and its log no longer loads.
        """
        if name is not None:
            table_dir(self._root, name)
            names = [name]
        else:
            with self._slots_lock:
                names = sorted(self._slots)
        changed = []
        for table in names:
            with self._slots_lock:
                slot = self._slots.get(table)
            if slot is None:
                continue
            with slot.lock:
                slot.health = {}
                if slot.table is None:
                    continue
                before = slot.table.version()
                try:
                    # delta-rs finds no new commit in a log that is gone: check it is there.
                    if not (table_dir(self._root, table) / DELTA_LOG).is_dir():
                        raise FileNotFoundError(f"no {DELTA_LOG}")
                    slot.table.update_incremental()
                except Exception as err:  # delta-rs raises several unrelated types
                    slot.clear()
                    if name is not None:
                        raise self._open_error(table, err) from err
                    continue
                if slot.table.version() != before:
                    changed.append(table)
        return tuple(changed)

    def _slot(self, name: str) -> _Slot:
        with self._slots_lock:
            return self._slots.setdefault(name, _Slot())

    def _load(self, name: str, slot: _Slot) -> DeltaTable:
        """The cached table (opening it first); the caller holds ``slot.lock``."""
        if slot.table is None:
            check_root(self._root)
            slot.table = open_delta(name, table_dir(self._root, name))
        return slot.table

    def _open_for_catalog(self, name: str, path: Path) -> None:
        slot = self._slot(name)
        with slot.lock:
            self._load(name, slot)

    @contextmanager
    def _table(self, name: str) -> Iterator[tuple[DeltaTable, _Slot]]:
        """Hold table ``name``'s lock; read errors inside become storage errors."""
        table_dir(self._root, name)  # refuse bad names before caching anything
        slot = self._slot(name)
        with slot.lock, _read_errors(name):
            yield self._load(name, slot), slot

    @contextmanager
    def _optional(self, name: str) -> Iterator[tuple[DeltaTable | None, _Slot]]:
        """Like ``_table`` for a control table, yielding ``None`` when the lake has none."""
        slot = self._slot(name)
        with slot.lock:
            try:
                dt: DeltaTable | None = self._load(name, slot)
            except TableNotFoundError:
                dt = None
            with _read_errors(name):
                yield dt, slot

    def _open_error(self, name: str, err: Exception) -> StorageError:
        path = table_dir(self._root, name)
        if not (path / DELTA_LOG).exists():
            return TableNotFoundError(f"table {name!r} is no longer a Delta table at {path}")
        return DamagedTableError(name, damage_reason(name, path, err))

    @staticmethod
    def _files(dt: DeltaTable, slot: _Slot) -> pl.DataFrame:
        """The files of ``dt``'s version, read once per version; the caller holds the lock."""
        version = dt.version()
        if slot.files is None or slot.files_version != version:
            slot.files, slot.files_version = files_frame(dt), version
        return slot.files


@contextmanager
def _read_errors(name: str) -> Iterator[None]:
    """Errors reading table ``name``'s log or files become storage errors naming it."""
    try:
        yield
    except StorageError:
        raise
    except _READ_ERRORS as err:
        raise StorageOperationError(f"{name}: {short_error(err)}") from err
