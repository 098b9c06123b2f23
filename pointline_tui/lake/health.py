"""The lake's maintenance health: every table's figures and the findings that say what to do.

Maintenance findings are ``warning`` or ``info``: they never make a table unsafe to write
(that is ``check``'s ``error`` findings), and a table with an error finding is left out.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pointline_tui.lake.catalog import table_dir
from pointline_tui.lake.dim_health import (
    DimViolation,
    dim_findings,
    dim_violations,
    read_dim_symbol,
    unknown_symbol_findings,
    unknown_symbol_ids,
)
from pointline_tui.lake.manifest_health import (
    DEFAULT_PENDING_HOURS,
    ManifestHealth,
    manifest_findings,
    manifest_health,
)
from pointline_tui.lake.table_health import TableHealth, table_findings, table_health
from pointline_tui.storage.models import Finding, StorageError
from pointline_tui.storage.schemas import DIM_SYMBOL, EVENT_TABLES, INGEST_MANIFEST
from pointline_tui.text import short_error

if TYPE_CHECKING:
    import polars as pl

    from pointline_tui.lake.reader import LakeReader

_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, slots=True, kw_only=True)
class LakeHealth:
    """The maintenance health of the lake's tables (or of the ones asked for)."""

    tables: tuple[TableHealth, ...]
    manifest: ManifestHealth | None
    """``None`` when the manifest was not assessed (absent, damaged or not asked for)."""
    dim_violations: tuple[DimViolation, ...] | None
    """``None`` when dim_symbol was not assessed."""
    findings: tuple[Finding, ...]
    """Warnings first, then infos; by table."""
    skipped: tuple[tuple[str, str], ...]
    """(table, why) for the tables left out: damaged, unreadable, not Delta tables."""


def lake_health(
    reader: LakeReader,
    tables: Iterable[str] | None = None,
    *,
    pending_hours: int = DEFAULT_PENDING_HOURS,
    now: float | None = None,
) -> LakeHealth:
    """Assess ``tables`` (default: every Delta table of the lake).

    A table whose log ``check`` finds an error in, or that cannot be read, is skipped with
    the reason: its maintenance waits until it is repaired.

    Args:
        reader: the lake.
        tables: the table names to assess.
        pending_hours: a pending manifest entry older than this is stale.
        now: seconds since the epoch (default: now), for log retention and pending ages.
    """
    now = time.time() if now is None else now
    names = (
        [e.name for e in reader.catalog() if e.state == "delta"] if tables is None else list(tables)
    )
    rows, found, skipped = [], [], []
    manifest = violations = None
    known = _known_ids(reader) if any(n in EVENT_TABLES for n in names) else None
    for name in names:
        reason = _unassessable(reader, name)
        if reason is not None:
            skipped.append((name, reason))
            continue
        try:
            rows.append(health := table_health(reader, name, now=now))
            found += table_findings(health)
            if name == INGEST_MANIFEST.name:
                manifest = manifest_health(
                    reader.manifest().frame, pending_hours=pending_hours, now=now
                )
                found += manifest_findings(manifest)
            elif name == DIM_SYMBOL.name:
                violations = dim_violations(_dim(reader))
                found += dim_findings(violations)
            elif name in EVENT_TABLES and known is not None:
                unknown = unknown_symbol_ids(table_dir(reader.silver_root, name), known)
                found += unknown_symbol_findings(name, unknown)
        except (StorageError, OSError) as err:
            skipped.append((name, short_error(err)))
    return LakeHealth(
        tables=tuple(rows),
        manifest=manifest,
        dim_violations=violations,
        findings=tuple(sorted(found, key=lambda f: (_ORDER[f.severity], f.table))),
        skipped=tuple(skipped),
    )


def _unassessable(reader: LakeReader, name: str) -> str | None:
    """Why ``name`` is left out (``None``: it is assessed)."""
    entry = reader.entry(name)
    if entry is None or entry.state != "delta":
        return "not a Delta table" if entry is None else (entry.reason or entry.state)
    errors = [f for f in reader.health(name, scan_files=False) if f.severity == "error"]
    if errors:
        return f"its log has an error finding ({errors[0].kind}): pointline-tui check {name}"
    return None


def _dim(reader: LakeReader) -> pl.DataFrame:
    return read_dim_symbol(table_dir(reader.silver_root, DIM_SYMBOL.name))


def _known_ids(reader: LakeReader) -> pl.Series | None:
    """dim_symbol's ids, ``None`` when the lake has no readable dim_symbol to compare with."""
    entry = reader.entry(DIM_SYMBOL.name)
    if entry is None or entry.state != "delta" or _unassessable(reader, DIM_SYMBOL.name):
        return None
    return _dim(reader).get_column("symbol_id").unique()
