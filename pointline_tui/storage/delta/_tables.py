"""Helpers shared by the Delta stores: open, validate, conform and commit frames."""

from __future__ import annotations

import functools
import getpass
import random
import socket
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Concatenate, Literal, ParamSpec, Protocol, TypeVar

from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake.exceptions import CommitFailedError, DeltaError
from deltalake.exceptions import SchemaMismatchError as DeltaSchemaMismatch
from deltalake.exceptions import TableNotFoundError as DeltaTableNotFound

from pointline_tui import __version__
from pointline_tui.storage.models import (
    ConflictError,
    ReadOnlyError,
    SchemaMismatchError,
    StorageError,
    StorageOperationError,
    TableNotFoundError,
)
from pointline_tui.storage.schemas import TableSpec
from pointline_tui.text import short_error

if TYPE_CHECKING:  # loaded where frames are read or written: a vacuum does without
    import polars as pl
    import pyarrow as pa


def audit_metadata() -> dict[str, str]:
    """Who and where: recorded in the commits of maintenance operations."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. in some containers
        user = "unknown"
    return {
        "user": user,
        "host": socket.gethostname(),
        "tool": "pointline-tui",
        "tool_version": __version__,
    }


def commit_properties(
    metadata: Mapping[str, str] | None = None, *, max_commit_retries: int | None = None
) -> CommitProperties:
    """CommitProperties carrying ``metadata`` as the commit's custom metadata."""
    return CommitProperties(
        custom_metadata=dict(metadata) if metadata else None,
        max_commit_retries=max_commit_retries,
    )


def open_table(path: Path) -> DeltaTable | None:
    """Open the Delta table at ``path``; ``None`` when no table exists there yet.

    Raises:
        StorageOperationError: the table's log exists but does not load.
    """
    if not DeltaTable.is_deltatable(str(path)):
        return None
    try:
        return DeltaTable(str(path))
    except DeltaTableNotFound:
        return None
    except DeltaError as err:
        raise translate(err, path.name) from err


def require_table(path: Path, table_name: str) -> DeltaTable:
    """Open the Delta table at ``path`` or raise a typed error naming it."""
    dt = open_table(path)
    if dt is None:
        raise TableNotFoundError(
            f"table {table_name!r} does not exist yet (no Delta log at {path})"
        )
    return dt


def ensure_writable(*, read_only: bool, what: str) -> None:
    """Refuse ``what`` on a store opened read-only."""
    if read_only:
        raise ReadOnlyError(f"refused to {what}: the lake is opened read-only")


def validate_frame(spec: TableSpec, df: pl.DataFrame) -> None:
    """Check that ``df`` has exactly the spec's columns and dtypes, and no null in a required one.

    Raises:
        SchemaMismatchError: naming the first missing, extra, mistyped or null-holding column.
    """
    expected = spec.polars_schema
    for name in expected:
        if name not in df.columns:
            raise SchemaMismatchError(f"{spec.name}: missing column {name!r}")
    for name in df.columns:
        if name not in expected:
            raise SchemaMismatchError(f"{spec.name}: unexpected column {name!r}")
    for name, dtype in df.schema.items():
        if dtype != expected[name]:
            raise SchemaMismatchError(
                f"{spec.name}: column {name!r} has dtype {dtype}, expected {expected[name]}"
            )
    for col in spec.columns:
        if not col.nullable and df.get_column(col.name).null_count():
            raise SchemaMismatchError(f"{spec.name}: column {col.name!r} must not contain nulls")


def read_table(spec: TableSpec, path: Path) -> pl.DataFrame:
    """Read a whole (small) table conformed to its spec; empty frame when it does not exist."""
    dt = open_table(path)
    if dt is None:
        return spec.empty_frame()
    import polars as pl

    return spec.conform(pl.read_delta(dt))


def to_table_arrow(spec: TableSpec, df: pl.DataFrame, dt: DeltaTable | None) -> pa.Table:
    """Arrow data for ``df`` shaped as the existing table's schema (or the spec's for a new one).

    Raises:
        SchemaMismatchError: when writing would change the table's schema: the table lacks a
            column that holds data here, or has a required column this frame does not carry.
    """
    import polars as pl

    if dt is None:
        return df.to_arrow()
    table_fields = {f.name: f for f in dt.schema().fields}
    for name in df.columns:
        if name not in table_fields and df.get_column(name).null_count() != df.height:
            raise SchemaMismatchError(
                f"{spec.name}: the table has no column {name!r}; writing it would change "
                "the table's schema"
            )
    exprs = []
    for name, field in table_fields.items():
        if name in df.columns:
            exprs.append(pl.col(name))
        elif field.nullable:
            dtype = spec.column(name).dtype if name in spec.column_names else pl.String()
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
        else:
            raise SchemaMismatchError(
                f"{spec.name}: the table requires column {name!r}, which is not in this frame"
            )
    return df.select(exprs).to_arrow()


def append_frame(spec: TableSpec, path: Path, df: pl.DataFrame) -> None:
    """Append ``df`` to the table at ``path`` (creating it with the spec's partitioning).

    A failed append commit wrote nothing, so it is retried on a fresh snapshot: racing first
    writers can each commit table metadata, which delta-rs's own retries do not get past.
    """
    for attempt in range(_APPEND_ATTEMPTS):
        target = open_table(path)
        try:
            write_deltalake(
                target if target is not None else str(path),
                to_table_arrow(spec, df, target),
                mode="append",
                partition_by=list(spec.partition_by) or None,
            )
            return
        except CommitFailedError as err:
            if attempt + 1 == _APPEND_ATTEMPTS:
                raise translate(err, spec.name) from err
            time.sleep(random.uniform(0.01, 0.05))
        except DeltaError as err:
            raise translate(err, spec.name) from err


_APPEND_ATTEMPTS = 5


P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")


@contextmanager
def errors_as_storage(table_name: str) -> Iterator[None]:
    """Re-raise a delta-rs, polars or OS error as a storage error naming ``table_name``.

    None of them leaves a store method as such.
    """
    try:
        yield
    except StorageError:
        raise
    except Exception as err:
        if not isinstance(err, _foreign_errors()):
            raise
        raise translate(err, table_name) from err


def _foreign_errors() -> tuple[type[Exception], ...]:
    """delta-rs's, the file system's and, once loaded (else it raised nothing), polars' errors."""
    polars = sys.modules.get("polars")
    polars_errors = () if polars is None else (polars.exceptions.PolarsError,)
    return (DeltaError, OSError, *polars_errors)


def storage_errors(
    method: Callable[Concatenate[S, str, P], R],
) -> Callable[Concatenate[S, str, P], R]:
    """Raise whatever delta-rs raises inside a store method as a storage error naming the table.

    The method's first argument after ``self`` is the table name.
    """

    @functools.wraps(method)
    def wrapper(self: S, table_name: str, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with errors_as_storage(table_name):
            return method(self, table_name, *args, **kwargs)

    return wrapper


class _OneTableStore(Protocol):
    @property
    def path(self) -> Path: ...


T = TypeVar("T", bound=_OneTableStore)


def table_errors(method: Callable[Concatenate[T, P], R]) -> Callable[Concatenate[T, P], R]:
    """``storage_errors`` for a store of one table (its folder is ``self.path``)."""

    @functools.wraps(method)
    def wrapper(self: T, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with errors_as_storage(self.path.name):
            return method(self, *args, **kwargs)

    return wrapper


def translate(err: Exception, table_name: str) -> Exception:
    """A storage error for a delta-rs, polars or OS error (conflicts, schema errors stay typed)."""
    if isinstance(err, OSError) and not isinstance(err, DeltaError):
        where = f" ({err.filename})" if getattr(err, "filename", None) else ""
        return StorageOperationError(f"{table_name}: {err.strerror or err}{where}")
    if isinstance(err, CommitFailedError):
        return ConflictError(f"{table_name}: another writer committed first: {short_error(err)}")
    if isinstance(err, DeltaSchemaMismatch):
        return SchemaMismatchError(f"{table_name}: {short_error(err)}")
    return StorageOperationError(f"{table_name}: {short_error(err)}")


def now_us() -> int:
    """The current UTC time in microseconds since the epoch (the lake's timestamp unit)."""
    return time.time_ns() // 1_000


def create_frame(
    spec: TableSpec,
    path: Path,
    df: pl.DataFrame,
    *,
    metadata: Mapping[str, str] | None = None,
) -> None:
    """Create the table at ``path`` holding ``df``; of several racing creators exactly one wins.

    ``mode="error"`` alone does not ensure that: with commit retries, delta-rs lets a creator
    that lost the race to version 0 commit again on top of the winner. Without retries the
    loser's commit fails instead.

    Raises:
        ConflictError: the table exists already (another writer created it first).
    """
    try:
        write_deltalake(
            str(path),
            to_table_arrow(spec, df, None),
            mode="error",
            partition_by=list(spec.partition_by) or None,
            commit_properties=commit_properties(metadata, max_commit_retries=0),
        )
    except DeltaError as err:
        # delta-rs reports a lost race either as a failed commit or as "table already exists".
        if isinstance(err, CommitFailedError) or open_table(path) is not None:
            raise ConflictError(f"{spec.name}: another writer created the table first") from err
        raise translate(err, spec.name) from err


def commit_on_snapshot(
    spec: TableSpec,
    dt: DeltaTable,
    df: pl.DataFrame,
    *,
    mode: Literal["append", "overwrite"],
    metadata: Mapping[str, str] | None = None,
) -> None:
    """Commit ``df`` (append or overwrite) on exactly the version ``dt`` holds, or not at all.

    Without commit retries delta-rs must commit as version ``dt.version() + 1`` and fails if
    another writer took it: the basis of the stores' optimistic concurrency. Unlike
    ``append_frame``, a failed commit is never retried on a newer snapshot.

    Raises:
        ConflictError: another writer committed after the version ``dt`` holds.
        SchemaMismatchError: the table cannot hold ``df`` without changing its schema.
    """
    data = to_table_arrow(spec, df, dt)
    try:
        write_deltalake(
            dt,
            data,
            mode=mode,
            partition_by=list(spec.partition_by) or None,
            commit_properties=commit_properties(metadata, max_commit_retries=0),
        )
    except DeltaError as err:
        raise translate(err, spec.name) from err
