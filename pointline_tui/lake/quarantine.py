"""Lazy queries over ``validation_log``: a page of a multi-million-row log costs about a page."""

from __future__ import annotations

import errno
import functools
import operator
import os
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar, cast
from urllib.parse import unquote

import polars as pl

from pointline_tui.lake.manifest import SOURCE_COLUMNS
from pointline_tui.lake.paging import Page, check_window, window
from pointline_tui.storage.models import StorageError, StorageOperationError
from pointline_tui.storage.schemas import VALIDATION_LOG

if TYPE_CHECKING:
    from deltalake import DeltaTable

SOURCE_PREFIX = "quarantined:"
"""Real lakes record a quarantined row's table in ``message`` as ``quarantined:<table>``."""
ADDED_SCHEMA = pl.Schema(
    {"source_table": pl.String(), **dict.fromkeys(SOURCE_COLUMNS, pl.String())}
)
PAGE_SCHEMA = pl.Schema({**VALIDATION_LOG.polars_schema, **ADDED_SCHEMA})
"""Columns of a page (and an export): the log's, source_table, then the manifest's."""
EXPORT_SUFFIXES = (".csv", ".parquet")
_SCAN_CASTS = pl.ScanCastOptions(integer_cast="upcast", float_cast="upcast")
_MAX_INT64 = 2**63 - 1
_FILE = "__pointline_file"
"""The column a scan names each row's file in (never one of the log's)."""
_ROW = "__pointline_row"
T = TypeVar("T")


class ExportExistsError(StorageError, FileExistsError):
    """The export's file exists and overwriting it was not asked for."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} exists")
        self.path = path


@dataclass(frozen=True, slots=True, kw_only=True)
class LogSnapshot:
    """The validation log's data files at one Delta version."""

    path: Path
    version: int | None
    """``None``: the lake has no validation log."""
    files: tuple[str, ...] = ()
    """Absolute paths, in the order the table lists them."""
    rows: tuple[int | None, ...] = ()
    """Each file's row count from the log's statistics (``None`` when missing)."""
    schema: pl.Schema | None = None
    plain: bool = True
    """The files can be scanned as plain parquet: unpartitioned and no reader features
    (deletion vectors, column mapping); otherwise pages go through ``pl.scan_delta``."""


def log_snapshot(dt: DeltaTable | None, path: Path, files: pl.DataFrame | None) -> LogSnapshot:
    """Capture the files of ``dt``'s version so later queries need not touch ``dt``.

    Args:
        dt: the validation log (``None`` when the lake has none).
        path: the table's folder.
        files: ``storage.delta.files.files_frame(dt)``.
    """
    if dt is None or files is None:
        return LogSnapshot(path=path, version=None)
    protocol = dt.protocol()
    return LogSnapshot(
        path=path,
        version=dt.version(),
        files=tuple(_absolute(path, rel) for rel in files.get_column("path").to_list()),
        rows=tuple(files.get_column("rows").to_list()),
        schema=pl.Schema(dt.schema()),
        plain=protocol.min_reader_version < 2 and not dt.metadata().partition_columns,
    )


def _absolute(root: Path, relative: str) -> str:
    if "://" in relative:  # an absolute URI (e.g. a shallow clone)
        return unquote(relative.removeprefix("file://"))
    return str(root / relative)


class _Filters(NamedTuple):
    rule: str | None = None
    file_id: int | None = None
    symbol: str | None = None
    source_table: str | None = None
    severity: str | None = None
    search: str | None = None

    def predicate(self) -> pl.Expr | None:
        # The raw message is compared (not the parsed table) so parquet statistics prune files.
        message = None if self.source_table is None else SOURCE_PREFIX + self.source_table
        wanted = {
            "rule_name": self.rule,
            "file_id": self.file_id,
            "symbol": self.symbol,
            "severity": self.severity,
            "message": message,
        }
        terms = [pl.col(column) == value for column, value in wanted.items() if value is not None]
        if self.search:
            terms.append(search_predicate(self.search))
        return functools.reduce(operator.and_, terms) if terms else None


def search_predicate(text: str) -> pl.Expr:
    """Rows whose symbol contains ``text`` in any case, or, for a whole number, of that file id.

    An expression for the scan: the streaming engine evaluates it file by file, so a search
    never loads the log (parquet statistics cannot prune a substring, so it reads the column).
    """
    needle = text.lower()
    term = pl.col("symbol").str.to_lowercase().str.contains(needle, literal=True).fill_null(False)
    if needle.isascii() and needle.isdigit() and int(needle) <= _MAX_INT64:
        term = term | (pl.col("file_id") == int(needle))
    return term


def source_table() -> pl.Expr:
    """The table named in ``message`` (null when it is not ``quarantined:<table>``)."""
    message = pl.col("message")
    return (
        pl.when(message.str.starts_with(SOURCE_PREFIX))
        .then(message.str.slice(len(SOURCE_PREFIX)))
        .alias("source_table")
    )


class QuarantineView:
    """Counts, pages and exports of one validation log snapshot, read lazily.

    Rows come in the order of the log's files, so pages stay stable for a snapshot; counts
    are computed once per snapshot and filter. A page at any offset reads only what holds
    it: without filters, the files its rows are in (from the log's row counts); with filters,
    the matching rows are first counted per file (once per filter, like the total), then per
    row group in a file the page starts deep inside (its parquet footer), and only those row
    groups are read.

    Args:
        snapshot: the log's files (``log_snapshot``).
        sources: file_id, vendor, data_type, bronze_path from the manifest, joined to rows.
    """

    def __init__(self, snapshot: LogSnapshot, sources: pl.DataFrame | None = None) -> None:
        self._snapshot = snapshot
        empty = pl.DataFrame(schema={"file_id": pl.Int64(), **dict(ADDED_SCHEMA)})
        self._sources = (sources if sources is not None else empty).select(
            "file_id", *SOURCE_COLUMNS
        )
        # Counts and totals per filter: the snapshot never changes, so neither do they.
        self._memo: dict[object, object] = {}
        self._lock = threading.Lock()

    @property
    def version(self) -> int | None:
        """The log's Delta version, ``None`` when the lake has no validation log."""
        return self._snapshot.version

    def counts_by_rule(self) -> pl.DataFrame:
        """Rows per rule_name (columns rule_name, count), most frequent first."""
        return self._memoized("by_rule", lambda: self._counts(pl.col("rule_name")))

    def counts_by_table(self) -> pl.DataFrame:
        """Rows per source table (columns source_table, count), most frequent first.

        Rows whose message names no table are counted under a null source_table.
        """
        return self._memoized("by_table", lambda: self._counts(source_table()))

    def total(
        self,
        *,
        rule: str | None = None,
        file_id: int | None = None,
        symbol: str | None = None,
        source_table: str | None = None,
        severity: str | None = None,
        search: str | None = None,
    ) -> int:
        """Rows matching the filters (the same as ``page``'s)."""
        return self._total(_Filters(rule, file_id, symbol, source_table, severity, search))

    def page(
        self,
        *,
        rule: str | None = None,
        file_id: int | None = None,
        symbol: str | None = None,
        source_table: str | None = None,
        severity: str | None = None,
        search: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> Page:
        """One page of log rows with their source table and bronze file.

        Args:
            rule: only this rule_name.
            file_id: only rows of this bronze file.
            symbol: only this symbol (exactly).
            source_table: only rows quarantined from this table.
            severity: only this severity.
            search: only rows whose symbol contains this text, ignoring case, or (a whole
                number) of this file id.
            offset: matching rows to skip.
            limit: rows in the page at most.

        Returns:
            A page with ``PAGE_SCHEMA`` columns (plus any extra columns of the log).

        Raises:
            ValueError: a negative offset or a limit below one.
        """
        check_window(offset, limit)
        filters = _Filters(rule, file_id, symbol, source_table, severity, search)
        total = self._total(filters)
        predicate = filters.predicate()
        known = None not in self._snapshot.rows
        if predicate is None and known and self._snapshot.plain:
            lf = self._window(offset, limit)
        elif predicate is not None and self._snapshot.plain:
            lf = self._filtered_window(filters, predicate, offset, limit)
        else:
            lf = self._scan()
            if predicate is not None:
                lf = lf.filter(predicate)
            lf = lf.slice(offset, limit)
        rows = _collect(self._decorate(lf))
        return Page(rows=rows, total=total, offset=offset, limit=limit)

    def export(
        self,
        path: Path | str,
        *,
        overwrite: bool = False,
        rule: str | None = None,
        file_id: int | None = None,
        symbol: str | None = None,
        source_table: str | None = None,
        severity: str | None = None,
        search: str | None = None,
    ) -> int:
        """Write every matching row (as ``page`` shows them) to CSV or Parquet, streaming.

        The rows go to a hidden file beside ``path`` that takes its name only once complete,
        so a failed export leaves nothing behind and a reader never sees half a file. Missing
        folders of ``path`` are created.

        Args:
            path: the output file; its suffix (``.csv`` or ``.parquet``) picks the format.
            overwrite: replace an existing file (else it is refused, even one appearing
                while the rows are written).
            rule: only this rule_name.
            file_id: only rows of this bronze file.
            symbol: only this symbol (exactly).
            source_table: only rows quarantined from this table.
            severity: only this severity.
            search: as ``page``'s.

        Returns:
            The number of rows written.

        Raises:
            ValueError: an unsupported suffix.
            ExportExistsError: ``path`` exists and ``overwrite`` is false.
            StorageOperationError: the file could not be written (``"cannot write <path>:
                permission denied"``).
        """
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix not in EXPORT_SUFFIXES:
            raise ValueError(f"cannot export to {target.name!r}: use a .csv or .parquet file")
        if not overwrite and target.exists():
            raise ExportExistsError(target)
        filters = _Filters(rule, file_id, symbol, source_table, severity, search)
        lf = self._scan()
        if (predicate := filters.predicate()) is not None:
            lf = lf.filter(predicate)
        lf = self._decorate(lf)
        partial = _reserve_beside(target)
        try:
            if suffix == ".csv":
                lf.sink_csv(partial)
            else:
                lf.sink_parquet(partial)
            _place(partial, target, overwrite=overwrite)
        except ExportExistsError:
            partial.unlink(missing_ok=True)
            raise
        except (OSError, pl.exceptions.PolarsError) as err:
            partial.unlink(missing_ok=True)
            raise StorageOperationError(_cannot_write(target, err)) from err
        return self._total(filters)

    # -- internals ----------------------------------------------------------------------------

    def _memoized(self, key: object, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._memo:
                return cast(T, self._memo[key])
        value = compute()  # outside the lock: other queries need not wait for this one
        with self._lock:
            self._memo[key] = value
        return value

    def _total(self, filters: _Filters) -> int:
        predicate = filters.predicate()
        rows = self._snapshot.rows
        if predicate is None and None not in rows and self._snapshot.plain:
            return sum(rows)  # type: ignore[arg-type]
        if predicate is not None and self._snapshot.plain:
            return sum(self._file_matches(filters, predicate))

        def count() -> int:
            lf = self._scan() if predicate is None else self._scan().filter(predicate)
            return int(_collect(lf.select(pl.len())).item())

        return self._memoized(("total", filters), count)

    def _counts(self, key: pl.Expr) -> pl.DataFrame:
        counted = _collect(self._scan().group_by(key).agg(pl.len().cast(pl.Int64).alias("count")))
        return counted.sort(
            ["count", counted.columns[0]], descending=[True, False], nulls_last=True
        )

    def _scan(self, files: Sequence[str] | None = None, *, named: bool = False) -> pl.LazyFrame:
        """The conformed rows of ``files`` (default: every file of the snapshot).

        ``named`` adds each row's file path as ``_FILE`` (plain snapshots only).
        """
        snap = self._snapshot
        paths = list(snap.files if files is None else files)
        if snap.version is None or not paths:
            empty = VALIDATION_LOG.empty_frame().lazy()
            return empty.with_columns(pl.lit(None, pl.String).alias(_FILE)) if named else empty
        if snap.plain:
            lf = pl.scan_parquet(
                paths,
                schema=snap.schema,
                glob=False,  # file names are literal, never patterns
                hive_partitioning=False,
                missing_columns="insert",  # files older than a column
                extra_columns="ignore",
                cast_options=_SCAN_CASTS,
                include_file_paths=_FILE if named else None,
            )
        else:
            lf = pl.scan_delta(str(snap.path), version=snap.version)
        return _conform(lf)

    def _file_matches(self, filters: _Filters, predicate: pl.Expr) -> tuple[int, ...]:
        """Rows matching ``filters`` in each file of the (plain) snapshot, counted once."""

        def count() -> tuple[int, ...]:
            counted = self._scan(named=True).filter(predicate).group_by(_FILE).agg(pl.len())
            found = dict(_collect(counted).iter_rows())
            return tuple(int(found.get(path, 0)) for path in self._snapshot.files)

        return self._memoized(("per_file", filters), count)

    def _filtered_window(
        self, filters: _Filters, predicate: pl.Expr, offset: int, limit: int
    ) -> pl.LazyFrame:
        """Matching rows offset..offset+limit, read from only the files that hold them."""
        pieces: list[pl.LazyFrame] = []
        start, wanted = 0, limit
        counts = self._file_matches(filters, predicate)
        for path, matches in zip(self._snapshot.files, counts, strict=True):
            if wanted == 0:
                break
            if start + matches > offset:
                skip = max(0, offset - start)
                take = min(wanted, matches - skip)
                pieces.append(self._matches_in(path, filters, predicate, skip, take))
                wanted -= take
            start += matches
        if not pieces:
            return self._scan([]).filter(predicate)
        return pl.concat(pieces, how="vertical")

    def _matches_in(
        self, path: str, filters: _Filters, predicate: pl.Expr, skip: int, take: int
    ) -> pl.LazyFrame:
        """Matches skip..skip+take of one file; deep in a file, only the row groups holding them."""
        lf = self._scan([path])
        if skip:
            first_row, rows, skip = self._row_groups_for(path, filters, predicate, skip, take)
            lf = lf.slice(first_row, rows)
        return lf.filter(predicate).slice(skip, take)

    def _row_groups_for(
        self, path: str, filters: _Filters, predicate: pl.Expr, skip: int, take: int
    ) -> tuple[int, int, int]:
        """Where matches skip..skip+take of ``path`` are: (first row, rows, matches to skip).

        The rows span the row groups holding those matches; the matches before them in those
        groups are the ones to skip.
        """
        groups = self._group_matches(path, filters, predicate)
        first_row = rows = seen = 0
        skipped = None
        for row_start, group_rows, matches in groups:
            if skipped is None:
                if seen + matches <= skip:
                    seen += matches
                    continue
                first_row, skipped = row_start, skip - seen
            rows = row_start + group_rows - first_row
            seen += matches
            if seen >= skip + take:
                break
        return first_row, rows, skipped or 0

    def _group_matches(
        self, path: str, filters: _Filters, predicate: pl.Expr
    ) -> tuple[tuple[int, int, int], ...]:
        """(first row, rows, matching rows) of each row group of ``path``, counted once."""

        def count() -> tuple[tuple[int, int, int], ...]:
            sizes = _row_group_rows(path)
            starts = [sum(sizes[:i]) for i in range(len(sizes))]
            if len(sizes) < 2:
                total = self._file_matches(filters, predicate)[self._snapshot.files.index(path)]
                return ((0, sizes[0] if sizes else 0, total),)
            group = pl.lit(pl.Series(starts, dtype=pl.UInt32)).search_sorted(
                pl.col(_ROW), side="right"
            )
            counted = (
                self._scan([path])
                .with_row_index(_ROW)
                .filter(predicate)
                .group_by(group.alias("group"))
                .agg(pl.len())
            )
            found = dict(_collect(counted).iter_rows())
            return tuple(
                (start, size, int(found.get(i + 1, 0)))
                for i, (start, size) in enumerate(zip(starts, sizes, strict=True))
            )

        return self._memoized(("per_group", filters, path), count)

    def _window(self, offset: int, limit: int) -> pl.LazyFrame:
        """Rows offset..offset+limit read from only the files that hold them."""
        rows = (n or 0 for n in self._snapshot.rows)
        chosen, skip = window(zip(self._snapshot.files, rows, strict=True), offset, limit)
        if not chosen:
            return VALIDATION_LOG.empty_frame().lazy()
        return self._scan(chosen).slice(skip, limit)

    def _decorate(self, lf: pl.LazyFrame) -> pl.LazyFrame:
        """Add source_table and the manifest's vendor, data_type and bronze_path."""
        return lf.with_columns(source_table()).join(
            self._sources.lazy(), on="file_id", how="left", maintain_order="left"
        )


def _reserve_beside(target: Path) -> Path:
    """Create an empty hidden file in ``target``'s folder (made if missing) to write into.

    Raises:
        StorageOperationError: the folder cannot be made or written to.
    """
    folder = target.parent
    try:
        existing = next(p for p in (folder, *folder.parents) if p.exists())
        if not existing.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, f"{existing} is not a folder")
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{target.name}.{secrets.token_hex(4)}.partial"
        # Created here (not by polars) for a plain OSError; the mode follows the umask.
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as err:
        raise StorageOperationError(_cannot_write(target, err)) from err
    return partial


def _place(partial: Path, target: Path, *, overwrite: bool) -> None:
    """Give the written file its name; without ``overwrite`` never over an existing file."""
    if overwrite:
        os.replace(partial, target)
        return
    try:
        os.link(partial, target)  # atomic, and fails if the name was taken meanwhile
    except FileExistsError:
        raise ExportExistsError(target) from None
    except OSError:  # a file system without hard links
        if target.exists():
            raise ExportExistsError(target) from None
        os.replace(partial, target)
        return
    partial.unlink()


def _cannot_write(target: Path, err: BaseException) -> str:
    """``"cannot write /proc/x.csv: permission denied"``."""
    # An OSError's own text names the hidden file written to; the reason alone says it all.
    reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
    return f"cannot write {target}: {reason[:1].lower()}{reason[1:]}"


def _row_group_rows(path: str) -> list[int]:
    """The rows of each row group of the parquet file at ``path``, from its footer.

    Raises:
        StorageOperationError: the file is gone or is not parquet.
    """
    import pyarrow.parquet as pq  # only for a page deep inside a file: its footer

    try:
        footer = pq.read_metadata(path)
    except (OSError, ValueError) as err:
        raise StorageOperationError(f"{VALIDATION_LOG.name}: cannot read rows: {err}") from err
    return [footer.row_group(i).num_rows for i in range(footer.num_row_groups)]


def _collect(lf: pl.LazyFrame) -> pl.DataFrame:
    """Run ``lf`` on the streaming engine, whose memory stays bounded.

    Raises:
        StorageOperationError: a data file is gone or cannot be read.
    """
    try:
        return lf.collect(engine="streaming")
    except (OSError, pl.exceptions.PolarsError) as err:
        raise StorageOperationError(f"{VALIDATION_LOG.name}: cannot read rows: {err}") from err


def _conform(lf: pl.LazyFrame) -> pl.LazyFrame:
    """The log's columns in spec order and dtypes; optional ones a writer left out are null."""
    names = lf.collect_schema().names()
    exprs = VALIDATION_LOG.conform_exprs(names)
    # Extra columns stay, unless they would collide with the ones a page adds.
    spec = set(VALIDATION_LOG.column_names) | set(ADDED_SCHEMA.names())
    return lf.select(*exprs, *(pl.col(n) for n in names if n not in spec))
