"""The facade the console calls: cached table files and every read-model query over them."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from pointline_tui.lake import partitions as parts
from pointline_tui.lake.catalog import (
    DELTA_LOG,
    LakeCatalog,
    TableEntry,
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
from pointline_tui.lake.stats_cache import StatsCache, TableFiles
from pointline_tui.lake.summary import TableSummary, build_summary
from pointline_tui.lake.table_loads import (
    FilesLoad,
    TableLoads,
    TableSlot,
    follow,
    log_listing,
    read_errors,
)
from pointline_tui.lake.thresholds import HOT_MIN_SMALL_FILES, SMALL_FILE_BYTES
from pointline_tui.storage.delta.check import check_files, check_table
from pointline_tui.storage.delta.files import file_rows
from pointline_tui.storage.delta.layout import inside
from pointline_tui.storage.models import (
    Finding,
    StorageError,
    StorageOperationError,
    TableNotFoundError,
)
from pointline_tui.storage.schemas import INGEST_MANIFEST, VALIDATION_LOG, is_event_partitioned

if TYPE_CHECKING:
    from deltalake import DeltaTable

    from pointline_tui.lake.head_start import HeadStart

_UNWALKED = frozenset({"outside_lake", "not_delta", "empty_folder"})
"""Log findings after which ``check`` walks no folder."""


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
        self._loads = TableLoads(self._root, cache=cache, on_load=on_load, head_start=head_start)
        if cache is not None and inside(cache.folder, self._root):
            raise ValueError(f"the cache folder {cache.folder} is inside the lake {self._root}")
        self._cache = cache
        self._slots: dict[str, TableSlot] = {}
        self._slots_lock = threading.Lock()

    @property
    def tables_opened(self) -> int:
        """How many times this reader had delta-rs load a log (with or without files)."""
        return self._loads.tables_opened

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
            dt = self._loads.handle(name, slot)  # first: it may read the files again
            files = self._loads.files(name, slot)
            return build_summary(name, dt, files.files, files.stats)

    def partitioned(self, name: str) -> bool:
        """Whether table ``name`` is partitioned by exchange and trading date (the one rule).

        Raises:
            UnknownTableError, TableNotFoundError, DamagedTableError: as ``summary``.
        """
        with self._locked(name) as slot:
            return is_event_partitioned(self._loads.files(name, slot).partition_columns)

    def active_files(self, name: str) -> pl.DataFrame:
        """The current version's files (``storage.delta.files.FILES_SCHEMA``), from the log.

        Raises:
            UnknownTableError, TableNotFoundError, DamagedTableError: as ``summary``.
        """
        with self._locked(name) as slot:
            return self._loads.files(name, slot).files

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
            files = self._loads.files(name, slot)
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
            files = self._loads.files(name, slot)
        with read_errors(name):  # outside the lock: the table's other queries need not wait
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
                    dt = self._loads.handle(name, slot)
                except (DamagedTableError, TableNotFoundError):
                    return check_table(self._root, name, scan_files=False)
                version = dt.version()
            key = (version, False)
            if key not in slot.health:
                listing = log_listing(path)  # before: a commit may come
                with read_errors(name):
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
                kept = self._loads.files(name, slot)
            except (DamagedTableError, TableNotFoundError, StorageOperationError):
                return check_table(self._root, name)
            key = (kept.version, True)
            if key in slot.health:
                return slot.health[key]
        if any(f.kind in _UNWALKED for f in log):
            found = log  # the table folder or its log leads out of the lake: nothing is walked
        else:
            with read_errors(name):
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

    def _cached_findings(self, name: str, slot: TableSlot) -> tuple[Finding, ...] | None:
        """The log's findings at the kept files' version, from memory or the cache file.

        ``None`` when neither has them (or the table does not read): delta-rs is asked then.
        The caller holds ``slot.lock``.
        """
        if self._cache is None:
            return None
        try:
            files = self._loads.files(name, slot)
        except StorageError:
            return None
        key = (files.version, False)
        if key not in slot.health:
            listing = log_listing(table_dir(self._root, name))
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
            return history_entries(self._loads.handle(name, slot), limit)

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
                    else self._loads.open(name, table_dir(self._root, name), version=key)
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
                    dt = self._loads.handle(name, slot)  # first: it may read the files again
                    snapshot = log_snapshot(dt, path, self._loads.files(name, slot).files)
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
        slot = self._slot(INGEST_MANIFEST.name)
        with slot.lock:  # the lock guards every field of a slot
            kept = slot.files
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
                        self._loads.read_files(table, slot, target=None, save=save)
                    if slot.table is not None:
                        follow(slot.table, None if slot.files is None else slot.files.version)
                except Exception as err:  # delta-rs raises several unrelated types
                    slot.clear()
                    if name is not None:
                        if isinstance(err, DamagedTableError | TableNotFoundError):
                            raise
                        raise self._loads.open_error(table, err) from err
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

    def _slot(self, name: str) -> TableSlot:
        with self._slots_lock:
            return self._slots.setdefault(name, TableSlot())

    def _open_for_catalog(self, name: str, path: Path, *, save: bool = True) -> None:
        slot = self._slot(name)
        # A log that loads with files that do not: the table's own queries say so.
        with slot.lock, suppress(StorageOperationError):
            self._loads.files(name, slot, save=save)

    @contextmanager
    def _locked(self, name: str) -> Iterator[TableSlot]:
        """Hold table ``name``'s lock; read errors inside become storage errors."""
        table_dir(self._root, name)  # refuse bad names before keeping anything
        slot = self._slot(name)
        with slot.lock, read_errors(name):
            yield slot

    @contextmanager
    def _optional(self, name: str) -> Iterator[tuple[TableFiles | None, TableSlot]]:
        """Like ``_locked`` for a control table, with its files (``None``: the lake has none)."""
        slot = self._slot(name)
        with slot.lock:
            try:
                files: TableFiles | None = self._loads.files(name, slot)
            except TableNotFoundError:
                files = None
            with read_errors(name):
                yield files, slot
