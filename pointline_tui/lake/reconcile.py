"""Does the lake hold what the manifest says? Row counts per ``file_id``, compared.

Every manifest entry (``ingest_manifest``) records how many rows its bronze file wrote and
quarantined; every event row carries its ``file_id``, and so does every ``validation_log``
row. Reconciliation counts the rows per ``file_id`` (and partition) lazily, reading only the
``file_id`` and partition columns, and compares them with the entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final, Literal

import polars as pl

from pointline_tui.storage.delta._tables import errors_as_storage
from pointline_tui.storage.schemas import (
    DATA_TYPE_TABLES,
    EVENT_PARTITION_COLUMNS,
    EVENT_TABLES,
    INGEST_MANIFEST,
    VALIDATION_LOG,
)

FindingKind = Literal[
    "rows_written_mismatch",
    "rows_quarantined_mismatch",
    "date_range_mismatch",
    "unknown_file_id",
    "rows_for_unsuccessful_file",
]
KINDS: tuple[FindingKind, ...] = (
    "rows_written_mismatch",
    "rows_quarantined_mismatch",
    "date_range_mismatch",
    "unknown_file_id",
    "rows_for_unsuccessful_file",
)
ENGINE: Final = "streaming"
"""Polars' streaming engine counts in batches: on tens of millions of rows, about half the
memory and time of the default engine."""
UNSUCCESSFUL = ("pending", "failed", "quarantined")
"""Statuses whose files should have no rows in an event table."""
PARTITION_SCHEMA = pl.Schema(
    {
        "table": pl.String(),
        "file_id": pl.Int64(),
        "exchange": pl.String(),
        "trading_date": pl.Date(),
        "rows": pl.Int64(),
    }
)
"""The rows of a ``file_id`` in each partition of an event table."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconcileFinding:
    """One disagreement between a manifest entry (or its absence) and the rows in the lake."""

    file_id: int | None
    """``None``: event rows without a ``file_id``."""
    table: str
    """The event table the rows were counted in (``validation_log`` for log rows of a file
    the manifest does not have)."""
    data_type: str | None
    """The entry's ``data_type`` (``None``: no entry)."""
    status: str | None
    """The entry's status (``None``: no entry)."""
    kind: FindingKind
    expected: int | str | None
    """What the manifest says: a row count, or a date range ``min..max``."""
    actual: int | str | None
    """What the lake holds, in the same form."""
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Reconciliation:
    """The findings of one reconciliation and the partitions of the files they name."""

    findings: tuple[ReconcileFinding, ...]
    partitions: pl.DataFrame
    """``PARTITION_SCHEMA`` rows of the files the findings name, in the tables counted."""
    tables: tuple[str, ...]
    """The event tables whose rows were counted."""
    entries: int
    """Manifest entries compared."""
    rows: int
    """Event rows counted."""

    def partitions_of(self, finding: ReconcileFinding) -> pl.DataFrame:
        """The partitions of ``finding.table`` holding rows of ``finding.file_id``."""
        file_id = pl.col("file_id")
        match = file_id.is_null() if finding.file_id is None else file_id == finding.file_id
        return (
            self.partitions.filter(pl.col("table") == finding.table, match)
            .drop("table", "file_id")
            .sort("exchange", "trading_date")
        )


def reconcile(
    silver_root: Path, *, table: str | None = None, status: str | None = None
) -> Reconciliation:
    """Compare every manifest entry with the rows its ``file_id`` has in the lake.

    A ``success`` entry's ``rows_written`` must equal its rows in the event table its
    ``data_type`` names (``DATA_TYPE_TABLES``), and those rows must lie in its
    ``trading_date_min`` .. ``trading_date_max`` where set; an entry that is not pending must
    have as many ``validation_log`` rows as its ``rows_quarantined``; an entry that is not
    ``success`` must have no event rows; and every event row's ``file_id`` must have an entry
    for that table. Entries whose ``data_type`` is not an event data type are left out.

    Args:
        silver_root: the lake.
        table: only this event table's rows and entries.
        status: only findings about entries with this status.

    Returns:
        The findings, by table, kind and file id.

    Raises:
        ValueError: ``table`` is not an event table.
        StorageError: a table cannot be read (a damaged log, a missing column).
    """
    if table is not None and table not in EVENT_TABLES:
        raise ValueError(f"{table!r} is not an event table")
    root = Path(silver_root)
    names = [table] if table is not None else [t for t in EVENT_TABLES if _is_delta(root, t)]
    manifest = _manifest(root)
    entries = manifest.filter(pl.col("table").is_not_null())
    if table is not None:
        entries = entries.filter(pl.col("table") == table)
    per_file = _per_file(root, names)
    logged = _logged(root)
    compared = entries.join(per_file, on=["table", "file_id"], how="left").join(
        logged, on="file_id", how="left"
    )
    findings = [
        *_entry_findings(compared.with_columns(pl.col("rows", "logged").fill_null(0))),
        *_unknown_rows(per_file.join(entries, on=["table", "file_id"], how="anti"), manifest),
    ]
    if table is None:
        findings += _unknown_log_rows(logged.join(manifest, on="file_id", how="anti"))
    if status is not None:
        findings = [f for f in findings if f.status == status]
    findings.sort(key=lambda f: (f.table, KINDS.index(f.kind), f.file_id or 0))
    return Reconciliation(
        findings=tuple(findings),
        partitions=_partitions(root, [(f.table, f.file_id) for f in findings if f.table in names]),
        tables=tuple(names),
        entries=entries.height,
        rows=int(per_file.get_column("rows").sum()),
    )


def _is_delta(root: Path, name: str) -> bool:
    return (root / name / "_delta_log").is_dir()


def _manifest(root: Path) -> pl.DataFrame:
    """The entries' columns reconciliation needs, with the event table of each data type."""
    columns = (
        "file_id",
        "data_type",
        "status",
        "rows_written",
        "rows_quarantined",
        "trading_date_min",
        "trading_date_max",
    )
    name = INGEST_MANIFEST.name
    if not _is_delta(root, name):
        frame = INGEST_MANIFEST.empty_frame().select(columns)
    else:
        with errors_as_storage(name):
            scan = pl.scan_delta(str(root / name))
            exprs = INGEST_MANIFEST.conform_exprs(scan.collect_schema().names())
            frame = scan.select(e for e in exprs if e.meta.output_name() in columns).collect()
    return frame.with_columns(
        table=pl.col("data_type").replace_strict(
            DATA_TYPE_TABLES, default=None, return_dtype=pl.String
        )
    )


def _per_file(root: Path, names: list[str]) -> pl.DataFrame:
    """Rows and trading dates per ``file_id`` of each table: two columns read, lazily."""
    schema = pl.Schema(
        {
            "table": pl.String(),
            "file_id": pl.Int64(),
            "rows": pl.Int64(),
            "date_min": pl.Date(),
            "date_max": pl.Date(),
        }
    )
    frames = [schema.to_frame()]
    for name in names:
        if not _is_delta(root, name):
            continue  # its entries' rows are all missing
        with errors_as_storage(name):
            counts = (
                pl.scan_delta(str(root / name))
                .group_by("file_id")
                .agg(
                    pl.len().alias("rows"),
                    pl.col("trading_date").min().alias("date_min"),
                    pl.col("trading_date").max().alias("date_max"),
                )
                .collect(engine=ENGINE)
            )
        frames.append(counts.select(pl.lit(name).alias("table"), pl.all()).cast(schema))
    return pl.concat(frames, how="vertical")


def _partitions(root: Path, files: list[tuple[str, int | None]]) -> pl.DataFrame:
    """Rows per partition of these (table, file_id)s: a second pass, over their files only.

    Grouping by the partition columns as well costs about twice the time and memory of the
    first pass, so it is done only for the files the findings name (the file_id filter skips
    the data files whose statistics exclude them).
    """
    frames = [PARTITION_SCHEMA.to_frame()]
    for name in sorted({table for table, _ in files}):
        ids = sorted({file_id for table, file_id in files if table == name and file_id is not None})
        named = pl.col("file_id").is_in(ids)
        if any(table == name and file_id is None for table, file_id in files):
            named = named | pl.col("file_id").is_null()
        with errors_as_storage(name):
            counts = (
                pl.scan_delta(str(root / name))
                .filter(named)
                .group_by("file_id", *EVENT_PARTITION_COLUMNS)
                .agg(pl.len().alias("rows"))
                .collect(engine=ENGINE)
            )
        frames.append(counts.select(pl.lit(name).alias("table"), pl.all()).cast(PARTITION_SCHEMA))
    return pl.concat(frames, how="vertical")


def _logged(root: Path) -> pl.DataFrame:
    """``validation_log`` rows per ``file_id``."""
    name = VALIDATION_LOG.name
    schema = pl.Schema({"file_id": pl.Int64(), "logged": pl.Int64()})
    if not _is_delta(root, name):
        return pl.DataFrame(schema=schema)
    with errors_as_storage(name):
        return (
            pl.scan_delta(str(root / name))
            .group_by("file_id")
            .agg(pl.len().alias("logged"))
            .cast(schema)
            .collect(engine=ENGINE)
        )


def _entry_findings(compared: pl.DataFrame) -> list[ReconcileFinding]:
    """What each entry says against what its table and the log hold.

    The comparisons run in polars, one column per kind; only the entries with a disagreement
    become Python objects, so a manifest of millions of entries stays fast.
    """
    status, rows = pl.col("status"), pl.col("rows")
    success = status == "success"

    def off(said: str, held: str) -> pl.Expr:  # a bound set where the rows are not
        return pl.col(said).is_not_null() & (pl.col(said) != pl.col(held))

    checks = {
        "rows_written_mismatch": success & (rows != pl.col("rows_written")),
        "rows_for_unsuccessful_file": status.is_in(UNSUCCESSFUL) & (rows > 0),
        "rows_quarantined_mismatch": (status != "pending")
        & (pl.col("rows_quarantined") != pl.col("logged")),
        "date_range_mismatch": success
        & (rows > 0)
        & (off("trading_date_min", "date_min") | off("trading_date_max", "date_max")),
    }
    flagged = compared.with_columns(
        pl.col("rows_written", "rows_quarantined").fill_null(0),
        **{kind: check.fill_null(value=False) for kind, check in checks.items()},
    ).filter(pl.any_horizontal(*checks))
    return [f for row in flagged.iter_rows(named=True) for f in _entry_rows(row)]


def _entry_rows(row: dict[str, Any]) -> list[ReconcileFinding]:
    """The findings of one flagged entry (``_entry_findings`` says which kinds)."""
    table, rows, logged = row["table"], row["rows"], row["logged"]
    written, quarantined = row["rows_written"], row["rows_quarantined"]
    said = _range(row["trading_date_min"], row["trading_date_max"])
    held = _range(row["date_min"], row["date_max"])
    gap = f"{written - rows:,} missing" if rows < written else f"{rows - written:,} extra"
    details: dict[FindingKind, tuple[int | str, int | str, str]] = {
        "rows_written_mismatch": (
            written,
            rows,
            f"manifest: {written:,} rows written; {table} holds {rows:,} ({gap})",
        ),
        "rows_for_unsuccessful_file": (
            0,
            rows,
            f"the file is {row['status']}, yet {table} holds {rows:,} of its rows",
        ),
        "rows_quarantined_mismatch": (
            quarantined,
            logged,
            f"manifest: {quarantined:,} rows quarantined; validation_log holds {logged:,}",
        ),
        "date_range_mismatch": (
            said,
            held,
            f"manifest: trading dates {said}; {table} holds its rows in {held}",
        ),
    }
    return [
        ReconcileFinding(
            file_id=row["file_id"],
            table=table,
            data_type=row["data_type"],
            status=row["status"],
            kind=kind,
            expected=expected,
            actual=actual,
            message=message,
        )
        for kind, (expected, actual, message) in details.items()
        if row[kind]
    ]


def _range(low: date | None, high: date | None) -> str:
    return f"{low.isoformat() if low else '?'}..{high.isoformat() if high else '?'}"


def _unknown_rows(unmatched: pl.DataFrame, manifest: pl.DataFrame) -> list[ReconcileFinding]:
    """Event rows whose ``file_id`` has no entry for their table."""
    entries = {row["file_id"]: row for row in manifest.iter_rows(named=True)}
    findings = []
    for row in unmatched.sort("table", "file_id", nulls_last=True).iter_rows(named=True):
        file_id, table, rows = row["file_id"], row["table"], row["rows"]
        entry = entries.get(file_id)
        if file_id is None:
            why = "have no file_id"
        elif entry is None:
            why = f"carry file_id {file_id}, which the manifest does not have"
        else:
            meant = entry["table"] or "no event table"
            why = f"carry file_id {file_id}, whose entry is for {meant} ({entry['data_type']})"
        findings.append(
            ReconcileFinding(
                file_id=file_id,
                table=table,
                data_type=None if entry is None else entry["data_type"],
                status=None if entry is None else entry["status"],
                kind="unknown_file_id",
                expected=0,
                actual=rows,
                message=f"{rows:,} rows in {table} {why}",
            )
        )
    return findings


def _unknown_log_rows(unmatched: pl.DataFrame) -> list[ReconcileFinding]:
    """``validation_log`` rows whose ``file_id`` the manifest does not have."""
    return [
        ReconcileFinding(
            file_id=row["file_id"],
            table=VALIDATION_LOG.name,
            data_type=None,
            status=None,
            kind="unknown_file_id",
            expected=0,
            actual=row["logged"],
            message=f"{row['logged']:,} validation_log rows carry file_id {row['file_id']}, "
            "which the manifest does not have",
        )
        for row in unmatched.sort("file_id", nulls_last=True).iter_rows(named=True)
    ]
