"""How the reader gets a table's files and delta-rs handle: kept, cached, advanced or loaded.

One ``TableSlot`` per table holds what the reader keeps of it; ``TableLoads`` fills a slot:
the files in memory or the cache's, brought forward by the JSON commits made since
(``stats_cache.advance``) when it can, else a load by delta-rs (taken from a ``HeadStart``
when one began it), and a handle without files for the schema and history.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import polars as pl

from pointline_tui.lake import partitions as parts
from pointline_tui.lake.catalog import (
    DELTA_LOG,
    check_root,
    check_table_dir,
    damage_reason,
    open_delta,
    table_dir,
)
from pointline_tui.lake.errors import DamagedTableError
from pointline_tui.lake.manifest import ManifestView
from pointline_tui.lake.quarantine import QuarantineView
from pointline_tui.lake.stats_cache import StatsCache, TableFiles, advance
from pointline_tui.storage.delta.files import files_frame
from pointline_tui.storage.delta.log import LogListing, list_log, log_signature
from pointline_tui.storage.models import (
    Finding,
    StorageError,
    StorageOperationError,
    TableNotFoundError,
)
from pointline_tui.text import short_error

if TYPE_CHECKING:
    from deltalake import DeltaTable

    from pointline_tui.lake.head_start import HeadStart

READ_ERRORS = (OSError, pl.exceptions.PolarsError)
"""What reading a table's log or files raises when something on disk is wrong (and delta-rs's
``DeltaError``, imported only once an error needs it: a cached lake never loads delta-rs)."""

FilesLoad = Literal["cache", "incremental", "full"]
"""How a table's files were last read: the cache file as it was, the cache (or the files in
memory) plus the JSON commits made since, or delta-rs loading the whole log."""


@dataclass(slots=True)
class TableSlot:
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


class TableLoads:
    """Fills tables' slots for a reader of the lake at ``silver_root``.

    Args:
        silver_root: the lake root.
        cache: where tables' files are kept between sessions (``None``: nowhere).
        on_load: given each table delta-rs loaded with its files (see ``LakeReader``).
        head_start: loads begun before the reader was made.
    """

    def __init__(
        self,
        silver_root: Path,
        *,
        cache: StatsCache | None,
        on_load: Callable[[str, DeltaTable, pl.DataFrame], None] | None,
        head_start: HeadStart | None,
    ) -> None:
        self._root = silver_root
        self._cache = cache
        self._on_load = on_load
        self._head_start = head_start
        self._opened_lock = threading.Lock()
        self.tables_opened = 0
        """How many times delta-rs loaded a log (with or without files) for this reader."""

    def open(
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

    def files(self, name: str, slot: TableSlot, *, save: bool = True) -> TableFiles:
        """The kept files (reading them first); the caller holds ``slot.lock``."""
        if slot.files is None:
            target = None if slot.table is None else slot.table.version()
            self.read_files(name, slot, target=target, save=save)
        assert slot.files is not None
        return slot.files

    def handle(self, name: str, slot: TableSlot) -> DeltaTable:
        """The kept delta-rs handle, at the kept files' version; the caller holds ``slot.lock``."""
        if slot.table is None:
            check_root(self._root)
            path = table_dir(self._root, name)
            kept = slot.files
            try:
                version = None if kept is None else kept.version
                dt = self.open(name, path, version=version, without_files=True)
                if kept is not None and str(dt.metadata().id) != kept.table_id:
                    raise DamagedTableError(name, "another table now")
            except DamagedTableError:
                if kept is None:
                    raise
                # The log changed under the kept files (a table written again): read both anew.
                slot.clear()
                version = self.files(name, slot).version
                dt = self.open(name, path, version=version, without_files=True)
            slot.table, slot.replayed = dt, dt.version()
        return slot.table

    def read_files(
        self, name: str, slot: TableSlot, *, target: int | None, save: bool = True
    ) -> None:
        """Bring ``slot.files`` to version ``target`` (default: the newest).

        From the files in memory, else the cache's, plus the JSON commits made since when
        ``advance`` can; else with delta-rs. The caller holds ``slot.lock``.
        """
        check_root(self._root)
        path = table_dir(self._root, name)
        check_table_dir(name, path)
        log_dir = path / DELTA_LOG
        listing = log_listing(path)  # None: delta-rs reports it
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
        dt = self.open(name, path, version=target)
        with read_errors(name):
            files, version, metadata = files_frame(dt), dt.version(), dt.metadata()
        if self._on_load is not None:
            self._on_load(name, dt, files)
        del dt  # its own copy of the file list: keep only ours
        log_dir = path / DELTA_LOG
        if listing is None or version not in listing.commits:
            listing = log_listing(path)
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

    def open_error(self, name: str, err: Exception) -> StorageError:
        """What ``err``, raised reading table ``name`` again, means: the log gone, or damaged."""
        path = table_dir(self._root, name)
        if not (path / DELTA_LOG).exists():
            return TableNotFoundError(f"table {name!r} is no longer a Delta table at {path}")
        return DamagedTableError(name, damage_reason(name, path, err))


def log_listing(table: Path) -> LogListing | None:
    """The listing of ``table``'s log (``None``: it cannot be listed)."""
    try:
        return list_log(table / DELTA_LOG)
    except OSError:
        return None


def follow(dt: DeltaTable, version: int | None) -> None:
    """Bring the handle ``dt`` to ``version`` (``None``: the newest), reading new commits."""
    if version is None or dt.version() < version:
        dt.update_incremental()
    if version is not None and dt.version() != version:
        dt.load_as_version(version)  # a commit came after the files were read


@contextmanager
def read_errors(name: str) -> Iterator[None]:
    """Errors reading table ``name``'s log or files become storage errors naming it."""
    try:
        yield
    except StorageError:
        raise
    except READ_ERRORS as err:
        raise StorageOperationError(f"{name}: {short_error(err)}") from err
    except Exception as err:
        from deltalake.exceptions import DeltaError

        if not isinstance(err, DeltaError):
            raise
        raise StorageOperationError(f"{name}: {short_error(err)}") from err
