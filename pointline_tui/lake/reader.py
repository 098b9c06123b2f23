"""The facade the console calls: cached table files and every read-model query over them."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import polars as pl

from pointline_tui.lake import partitions as parts
from pointline_tui.lake.catalog import (
    DELTA_LOG,
    LakeCatalog,
    TableEntry,
    check_root,
    check_table_dir,
    damage_reason,
    open_delta,
    table_dir,
)
from pointline_tui.lake.errors import DamagedTableError
from pointline_tui.lake.history import HistoryEntry, history_entries
from pointline_tui.lake.manifest import ManifestView, read_manifest
from pointline_tui.lake.overview import LakeOverview, Statuses, build_overview
from pointline_tui.lake.paging import Page
from pointline_tui.lake.plan import CompactionPlan, PartitionKey, plan_compaction
from pointline_tui.lake.quarantine import QuarantineView, log_snapshot
from pointline_tui.lake.rows import partition_rows
from pointline_tui.lake.stats_cache import StatsCache, TableFiles, advance
from pointline_tui.lake.summary import TableSummary, build_summary
from pointline_tui.lake.thresholds import HOT_MIN_SMALL_FILES, SMALL_FILE_BYTES
from pointline_tui.storage.delta.check import check_files, check_table
from pointline_tui.storage.delta.files import file_rows, files_frame
from pointline_tui.storage.delta.layout import inside
from pointline_tui.storage.delta.log import LogListing, list_log, log_signature
from pointline_tui.storage.models import (
    Finding,
    StorageError,
    StorageOperationError,
    TableNotFoundError,
)
from pointline_tui.storage.schemas import INGEST_MANIFEST, VALIDATION_LOG, is_event_partitioned
from pointline_tui.text import short_error

if TYPE_CHECKING:
    from deltalake import DeltaTable

    from pointline_tui.lake.head_start import HeadStart

_READ_ERRORS = (OSError, pl.exceptions.PolarsError)
"""What reading a table's log or files raises when something on disk is wrong (and delta-rs's
``DeltaError``, imported only once an error needs it: a cached lake never loads delta-rs)."""

_UNWALKED = frozenset({"outside_lake", "not_delta", "empty_folder"})
"""Log findings after which ``check`` walks no folder."""

FilesLoad = Literal["cache", "incremental", "full"]
"""How a table's files were last read: the cache file as it was, the cache (or the files in
memory) plus the JSON commits made since, or delta-rs loading the whole log."""


@dataclass(slots=True)
class _Slot:
    """One table's cache entry; ``lock`` guards every other field and every call on ``table``."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    files: TableFiles | None = None
    """The active files at the version this slot holds; ``None`` until a query needs them."""
    table: DeltaTable | None = None
    """delta-rs's handle, without files (its own copy of the file list would double the
    memory), at the version of ``files``: for the schema, metadata and history."""
    loaded_by: FilesLoad | None = None
    view: ManifestView | QuarantineView | None = None
    view_key: object = None
    health: dict[tuple[int, bool], tuple[Finding, ...]] = field(default_factory=dict)
    """Findings of ``check`` by (version, files scanned); dropped on every refresh."""
    replayed: int | None = None
    """The version delta-rs loaded this table at since the last refresh: the commits it
    replayed parsed then, so ``check`` need not read them (``None``: none loaded since)."""
    unsaved: bool = False
    """``files`` are newer than the cache file (a refresh that left the write to ``save``)."""

    def clear(self) -> None:
        self.table, self.files, self.loaded_by, self.view = None, None, None, None
        self.health, self.replayed, self.unsaved = {}, None, False

    def identity(self) -> tuple[int, str | None] | None:
        """The version held and the table's id (``None``: nothing read yet)."""
        if self.files is not None:
            return self.files.version, self.files.table_id
        return None if self.table is None else (self.table.version(), None)


class LakeReader:
    """Read-only queries over a silver lake, safe to call from any number of worker threads.

    Each table's active files are read once and kept by name, with a delta-rs handle (opened
    without files) for its schema and history. They stay at the version they were first read
    (or last refreshed) at: call ``refresh`` after a write to see it. Calls on one table take
    turns; calls on different tables run in parallel.

    With a ``cache``, a table's files are first looked up there: when the log's listing shows
    the cached version is still the newest (and its signature matches), no log is loaded; when
    only plain JSON commits follow it, just those are read. The same holds for ``refresh``.
    Anything else (see ``stats_cache.advance``) loads the table with delta-rs, as without cache.

    Every method raises ``LakeRootError`` when the silver root is missing or unreadable.

    Args:
        silver_root: folder holding one table per sub-folder.
        cache: where tables' files are kept between sessions (``None``: nowhere).
        on_load: given each table delta-rs loaded with its files (name, handle, the
            ``files_frame`` made of it), which the reader then drops: a command that goes on
            to write hands them to its store.
        head_start: loads begun before the reader was made; a table's is taken where the
            reader would load it with its files (and counted in ``tables_opened``).

    Raises:
        ValueError: the cache folder is inside the lake.
    """

    def __init__(
        self,
        silver_root: Path,
        *,
        cache: StatsCache | None = None,
        on_load: Callable[[str, DeltaTable, pl.DataFrame], None] | None = None,
        head_start: HeadStart | None = None,
    ) -> None:
        self._root = Path(silver_root)
        self._on_load = on_load
        self._head_start = head_start
        if cache is not None and inside(cache.folder, self._root):
            raise ValueError(f"the cache folder {cache.folder} is inside the lake {self._root}")
        self._cache = cache
        self._slots: dict[str, _Slot] = {}
        self._slots_lock = threading.Lock()
        self._opened_lock = threading.Lock()
        self.tables_opened = 0
        """How many times this reader had delta-rs load a log (with or without files)."""

    @property
    def silver_root(self) -> Path:
        """The lake's root folder."""
        return self._root

    @property
    def cache(self) -> StatsCache | None:
        """Where tables' files are kept between sessions (``None``: nowhere)."""
        return self._cache

    def last_load(self, name: str) -> FilesLoad | None:
        """How the files of table ``name`` were last read (``None``: not read yet)."""
        slot = self._slot(name)
        with slot.lock:
            return slot.loaded_by

    # -- catalog and tables -------------------------------------------------------------------

    def catalog(self, *, open_tables: bool = True, save: bool = True) -> tuple[TableEntry, ...]:
        """Every table of the lake (see ``LakeCatalog.tables``); their files are kept.

        A kept table keeps the state it was read with: a log damaged since shows up after
        ``refresh``. ``open_tables=False`` lists without opening any log (a first paint). A
        table whose cached files describe the newest listed version is sound without a load.
        ``save=False`` leaves the cache files of tables read now to ``save`` (as ``refresh``).
        """
        opener = functools.partial(self._open_for_catalog, save=save)
        return LakeCatalog(self._root, opener=opener).tables(open_tables=open_tables)

    def entry(self, name: str) -> TableEntry | None:
        """The catalog entry of table ``name`` alone (see ``LakeCatalog.entry``); it is kept."""
        return LakeCatalog(self._root, opener=self._open_for_catalog).entry(name)

    def summary(self, name: str) -> TableSummary:
        """Version, last commit, schema and totals of table ``name``.

        Raises:
            UnknownTableError: ``name`` is not a plain folder name.
            TableNotFoundError: the folder is missing or not a Delta table.
            DamagedTableError: its Delta log fails to load.
        """
        with self._locked(name) as slot:
            dt = self._handle(name, slot)  # first: it may read the files again
            files = self._files(name, slot)
            return build_summary(name, dt, files.files, files.stats)

    def partitioned(self, name: str) -> bool:
        """Whether table ``name`` is partitioned by exchange and trading date (the one rule).

        Raises:
            UnknownTableError, TableNotFoundError, DamagedTableError: as ``summary``.
        """
        with self._locked(name) as slot:
            return is_event_partitioned(self._files(name, slot).partition_columns)

    def active_files(self, name: str) -> pl.DataFrame:
        """The current version's files (``storage.delta.files.FILES_SCHEMA``), from the log.

        Raises:
            UnknownTableError, TableNotFoundError, DamagedTableError: as ``summary``.
        """
        with self._locked(name) as slot:
            return self._files(name, slot).files

    def partition_stats(
        self,
        name: str,
        *,
        small_file_bytes: int = SMALL_FILE_BYTES,
        hot_min_small_files: int = HOT_MIN_SMALL_FILES,
    ) -> pl.DataFrame:
        """Per (exchange, trading_date) statistics (``partitions.STATS_SCHEMA``).

        Raises:
            ValueError: invalid thresholds.
            UnknownTableError, TableNotFoundError, DamagedTableError: as ``summary``.
        """
        with self._locked(name) as slot:
            files = self._files(name, slot)
        if (small_file_bytes, hot_min_small_files) == (SMALL_FILE_BYTES, HOT_MIN_SMALL_FILES):
            return files.stats
        return parts.partition_stats(
            files.files, small_file_bytes=small_file_bytes, hot_min_small_files=hot_min_small_files
        )

    def partition_files(
        self, name: str, exchange: str | None, trading_date: date | None
    ) -> pl.DataFrame:
        """The files of one partition (``None``, ``None`` for an unpartitioned table).

        Raises:
            UnknownTableError, TableNotFoundError, DamagedTableError: as ``summary``.
        """
        return parts.partition_files(self.active_files(name), exchange, trading_date)

    def rows(
        self,
        name: str,
        exchange: str | None,
        trading_date: date | None,
        *,
        offset: int = 0,
        limit: int = 100,
    ) -> Page:
        """A page of one partition's rows at the kept version (``rows.partition_rows``).

        Raises:
            ValueError: a negative offset or a limit below one.
            UnknownTableError, TableNotFoundError, DamagedTableError: as ``summary``.
            StorageOperationError: a data file cannot be read.
        """
        with self._locked(name) as slot:
            files = self._files(name, slot)
        with _read_errors(name):  # outside the lock: the table's other queries need not wait
            return partition_rows(files, exchange, trading_date, offset=offset, limit=limit)

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
        commit (a killed write), and a refresh is how the operator asks to look again. With a
        cache, the log's findings (``scan_files=False``) are kept there too and used again while
        the log's listing is as it was, without loading the log.

        Args:
            name: the table's folder name.
            scan_files: also walk its folders (missing, resized, orphaned files; links out).

        Raises:
            UnknownTableError: ``name`` is not a plain folder name.
            TableNotFoundError: the folder is gone.
        """
        if scan_files:
            return self._scan(name)
        path = table_dir(self._root, name)
        slot = self._slot(name)
        with slot.lock:
            if (cached := self._cached_findings(name, slot)) is not None:
                return cached
            kept = slot.files
            dt: DeltaTable | None = None
            if kept is not None and slot.replayed == kept.version:
                version = kept.version  # delta-rs loaded this log just now: no handle proves it
            else:
                try:
                    dt = self._handle(name, slot)
                except (DamagedTableError, TableNotFoundError):
                    return check_table(self._root, name, scan_files=False)
                version = dt.version()
            key = (version, False)
            if key not in slot.health:
                listing = _listing(path)  # before: a commit may come
                with _read_errors(name):
                    slot.health[key] = check_table(
                        self._root,
                        path.name,
                        table=dt,
                        scan_files=False,
                        loads=dt is None,
                        replayed=slot.replayed,
                    )
                if self._cache and listing and kept is not None and kept.version == key[0]:
                    self._cache.store_findings(kept, listing, slot.health[key])
            return slot.health[key]

    def _scan(self, name: str) -> tuple[Finding, ...]:
        """``health`` with the files: the log's findings, then a walk of the folders.

        The walk (seconds on a big table) compares the kept files with the folders without
        holding the table's lock: the table's other queries go on meanwhile.
        """
        log = self.health(name, scan_files=False)
        slot = self._slot(name)
        with slot.lock:
            try:
                kept = self._files(name, slot)
            except (DamagedTableError, TableNotFoundError, StorageOperationError):
                return check_table(self._root, name)
            key = (kept.version, True)
            if key in slot.health:
                return slot.health[key]
        if any(f.kind in _UNWALKED for f in log):
            found = log  # the table folder or its log leads out of the lake: nothing is walked
        else:
            with _read_errors(name):
                found = check_files(
                    self._root,
                    name,
                    lambda: file_rows(kept.files),
                    kept.version,
                    kept.partition_columns,
                    log_findings=log,
                )
        with slot.lock:
            if slot.files is kept:  # not refreshed meanwhile: still the answer for them
                slot.health[key] = found
        return found

    def _cached_findings(self, name: str, slot: _Slot) -> tuple[Finding, ...] | None:
        """The log's findings at the kept files' version, from memory or the cache file.

        ``None`` when neither has them (or the table does not read): delta-rs is asked then.
        The caller holds ``slot.lock``.
        """
        if self._cache is None:
            return None
        try:
            files = self._files(name, slot)
        except StorageError:
            return None
        key = (files.version, False)
        if key not in slot.health:
            listing = _listing(table_dir(self._root, name))
            found = None if listing is None else self._cache.load_findings(files, listing)
            fresh = slot.loaded_by == "full" and slot.replayed == files.version
            if found is None and listing is not None and (slot.loaded_by == "incremental" or fresh):
                # delta-rs loaded the files just now, or a version it loaded, followed by plain
                # commits that each parsed: it loads.
                found = check_table(
                    self._root, name, scan_files=False, loads=True, replayed=slot.replayed
                )
                self._cache.store_findings(files, listing, found)
            if found is None:
                return None
            slot.health[key] = found
        return slot.health[key]

    def history(self, name: str, limit: int | None = None) -> tuple[HistoryEntry, ...]:
        """The table's commits, newest first (at most ``limit``).

        Raises:
            ValueError: a limit below one.
            UnknownTableError, TableNotFoundError, DamagedTableError: as ``summary``.
        """
        with self._locked(name) as slot:
            return history_entries(self._handle(name, slot), limit)

    # -- control tables -----------------------------------------------------------------------

    def manifest(self) -> ManifestView:
        """The ingest manifest (an empty view when the lake has none).

        Raises:
            DamagedTableError: the manifest's Delta log fails to load.
            SchemaMismatchError: the manifest lacks a required column.
        """
        name = INGEST_MANIFEST.name
        with self._optional(name) as (files, slot):
            key = None if files is None else files.version
            if slot.view is None or slot.view_key != key:
                # Its rows are read through delta-rs: a handle with files, not kept.
                dt = (
                    None
                    if key is None
                    else self._open(name, table_dir(self._root, name), version=key)
                )
                slot.view, slot.view_key = ManifestView(read_manifest(dt), version=key), key
            assert isinstance(slot.view, ManifestView)
            return slot.view

    def quarantine(self) -> QuarantineView:
        """The validation log, joined to the manifest (an empty view when the lake has none).

        Raises:
            DamagedTableError: the log's (or the manifest's) Delta log fails to load.
        """
        manifest = self.manifest()
        name = VALIDATION_LOG.name
        path = table_dir(self._root, name)
        with self._optional(name) as (files, slot):
            version = None if files is None else files.version
            key = (version, manifest.version)
            if slot.view is None or slot.view_key != key:
                if files is None:
                    snapshot = log_snapshot(None, path, None)
                else:
                    dt = self._handle(name, slot)  # first: it may read the files again
                    snapshot = log_snapshot(dt, path, self._files(name, slot).files)
                slot.view, slot.view_key = QuarantineView(snapshot, manifest.sources()), key
            assert isinstance(slot.view, QuarantineView)
            return slot.view

    def lake_overview(
        self,
        *,
        small_file_bytes: int = SMALL_FILE_BYTES,
        hot_min_small_files: int = HOT_MIN_SMALL_FILES,
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
        statuses = self._statuses() if has_manifest else None
        rows = {name: frame.iter_rows(named=True) for name, frame in stats.items()}
        return build_overview(self._root, entries, rows, statuses)

    def _statuses(self) -> Statuses:
        """The manifest's files per status, also kept in the cache for the next first screen."""
        view = self.manifest()
        statuses = tuple((str(s), int(n)) for s, n in view.status_counts().iter_rows())
        kept = self._slot(INGEST_MANIFEST.name).files
        if self._cache is not None and kept is not None and kept.version == view.version:
            self._cache.store_statuses(kept, statuses)
        return statuses

    # -- keeping tables -----------------------------------------------------------------------

    def refresh(self, name: str | None = None, *, save: bool = True) -> tuple[str, ...]:
        """Bring kept tables up to date, reading only the commits made since.

        Tables not read yet are left alone (they are read fresh when first used). A table
        that fails to update is dropped. New plain JSON commits are applied to the kept files
        (and written to the cache); anything else loads the table again (``stats_cache.advance``).

        Args:
            name: the table to refresh; ``None`` refreshes every kept table, silently
                dropping those that fail.
            save: write the cache files now; ``False`` leaves that to ``save``, for a caller
                that shows the new figures first (a 200,000-file table's file takes ~0.1 s).

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
                slot.health, slot.replayed = {}, None  # a refresh looks at the log again
                before = slot.identity()
                if before is None:
                    continue
                try:
                    # delta-rs finds no new commit in a log that is gone: check it is there.
                    if not (table_dir(self._root, table) / DELTA_LOG).is_dir():
                        raise FileNotFoundError(f"no {DELTA_LOG}")
                    if slot.files is not None:
                        self._read_files(table, slot, target=None, save=save)
                    if slot.table is not None:
                        _follow(slot.table, None if slot.files is None else slot.files.version)
                except Exception as err:  # delta-rs raises several unrelated types
                    slot.clear()
                    if name is not None:
                        if isinstance(err, DamagedTableError | TableNotFoundError):
                            raise
                        raise self._open_error(table, err) from err
                    continue
                if slot.identity() != before:
                    changed.append(table)
        return tuple(changed)

    def save(self) -> None:
        """Write the cache files a ``refresh(save=False)`` left, outside the tables' locks."""
        if self._cache is None:
            return
        with self._slots_lock:
            slots = list(self._slots.values())
        for slot in slots:
            with slot.lock:
                files, slot.unsaved = slot.files if slot.unsaved else None, False
            if files is not None:  # immutable: written while the table's queries go on
                self._cache.store(files)

    def _slot(self, name: str) -> _Slot:
        with self._slots_lock:
            return self._slots.setdefault(name, _Slot())

    def _open(
        self, name: str, path: Path, *, version: int | None = None, without_files: bool = False
    ) -> DeltaTable:
        """Open table ``name`` with delta-rs (counted in ``tables_opened``)."""
        with self._opened_lock:
            self.tables_opened += 1
        if self._head_start is not None and not without_files:
            early = self._head_start.take(name)
            if early is not None and version in (None, early.version()):
                return early
        return open_delta(name, path, version=version, without_files=without_files)

    def _files(self, name: str, slot: _Slot, *, save: bool = True) -> TableFiles:
        """The kept files (reading them first); the caller holds ``slot.lock``."""
        if slot.files is None:
            target = None if slot.table is None else slot.table.version()
            self._read_files(name, slot, target=target, save=save)
        assert slot.files is not None
        return slot.files

    def _handle(self, name: str, slot: _Slot) -> DeltaTable:
        """The kept delta-rs handle, at the kept files' version; the caller holds ``slot.lock``."""
        if slot.table is None:
            check_root(self._root)
            path = table_dir(self._root, name)
            kept = slot.files
            try:
                version = None if kept is None else kept.version
                dt = self._open(name, path, version=version, without_files=True)
                if kept is not None and str(dt.metadata().id) != kept.table_id:
                    raise DamagedTableError(name, "another table now")
            except DamagedTableError:
                if kept is None:
                    raise
                # The log changed under the kept files (a table written again): read both anew.
                slot.clear()
                version = self._files(name, slot).version
                dt = self._open(name, path, version=version, without_files=True)
            slot.table, slot.replayed = dt, dt.version()
        return slot.table

    def _read_files(self, name: str, slot: _Slot, *, target: int | None, save: bool = True) -> None:
        """Bring ``slot.files`` to version ``target`` (default: the newest).

        From the files in memory, else the cache's, plus the JSON commits made since when
        ``advance`` can; else with delta-rs. The caller holds ``slot.lock``.
        """
        check_root(self._root)
        path = table_dir(self._root, name)
        check_table_dir(name, path)
        log_dir = path / DELTA_LOG
        listing = _listing(path)  # None: delta-rs reports it
        base, how = slot.files, slot.loaded_by
        if base is None and self._cache is not None:
            base, how = self._cache.load(path.resolve()), "cache"
        files = (
            None
            if base is None or listing is None
            else advance(base, log_dir, listing, target=target)
        )
        if files is None:
            files, how = self._full_load(name, path, listing, target), "full"
            slot.replayed = files.version
        elif files is not base:
            how = "incremental"
        changed = files is not base
        if self._cache is not None and files.signature:
            if changed and save:
                self._cache.store(files)
            elif how == "cache":  # the statistics file beside may be gone or damaged
                self._cache.keep_stats(files)
        rejected = how == "full" and base is not None  # maybe another table's log now
        if slot.table is not None and (rejected or slot.table.version() > files.version):
            slot.table = None  # reopened at the files' version when needed
        slot.files, slot.loaded_by = files, how
        if changed:  # else a write still due stays due
            slot.unsaved = not save and bool(files.signature)

    def _full_load(
        self, name: str, path: Path, listing: LogListing | None, target: int | None
    ) -> TableFiles:
        """The files of version ``target`` (default: the newest) as delta-rs reads them."""
        dt = self._open(name, path, version=target)
        with _read_errors(name):
            files, version, metadata = files_frame(dt), dt.version(), dt.metadata()
        if self._on_load is not None:
            self._on_load(name, dt, files)
        del dt  # its own copy of the file list: keep only ours
        log_dir = path / DELTA_LOG
        if listing is None or version not in listing.commits:
            listing = _listing(path)
        signature = None if listing is None else log_signature(log_dir, listing, version)
        return TableFiles(
            path=path.resolve(),
            version=version,
            signature=signature or "",  # never matches: a version read again next time
            table_id=str(metadata.id),
            partition_columns=tuple(metadata.partition_columns),
            files=files,
            stats=parts.partition_stats(files),
        )

    def _open_for_catalog(self, name: str, path: Path, *, save: bool = True) -> None:
        slot = self._slot(name)
        # A log that loads with files that do not: the table's own queries say so.
        with slot.lock, suppress(StorageOperationError):
            self._files(name, slot, save=save)

    @contextmanager
    def _locked(self, name: str) -> Iterator[_Slot]:
        """Hold table ``name``'s lock; read errors inside become storage errors."""
        table_dir(self._root, name)  # refuse bad names before keeping anything
        slot = self._slot(name)
        with slot.lock, _read_errors(name):
            yield slot

    @contextmanager
    def _optional(self, name: str) -> Iterator[tuple[TableFiles | None, _Slot]]:
        """Like ``_locked`` for a control table, with its files (``None``: the lake has none)."""
        slot = self._slot(name)
        with slot.lock:
            try:
                files: TableFiles | None = self._files(name, slot)
            except TableNotFoundError:
                files = None
            with _read_errors(name):
                yield files, slot

    def _open_error(self, name: str, err: Exception) -> StorageError:
        path = table_dir(self._root, name)
        if not (path / DELTA_LOG).exists():
            return TableNotFoundError(f"table {name!r} is no longer a Delta table at {path}")
        return DamagedTableError(name, damage_reason(name, path, err))


def _listing(table: Path) -> LogListing | None:
    """The listing of ``table``'s log (``None``: it cannot be listed)."""
    try:
        return list_log(table / DELTA_LOG)
    except OSError:
        return None


def _follow(dt: DeltaTable, version: int | None) -> None:
    """Bring the handle ``dt`` to ``version`` (``None``: the newest), reading new commits."""
    if version is None or dt.version() < version:
        dt.update_incremental()
    if version is not None and dt.version() != version:
        dt.load_as_version(version)  # a commit came after the files were read


@contextmanager
def _read_errors(name: str) -> Iterator[None]:
    """Errors reading table ``name``'s log or files become storage errors naming it."""
    try:
        yield
    except StorageError:
        raise
    except _READ_ERRORS as err:
        raise StorageOperationError(f"{name}: {short_error(err)}") from err
    except Exception as err:
        from deltalake.exceptions import DeltaError

        if not isinstance(err, DeltaError):
            raise
        raise StorageOperationError(f"{name}: {short_error(err)}") from err
