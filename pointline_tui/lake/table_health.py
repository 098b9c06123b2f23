"""One table's maintenance health: small files, skew, what vacuum frees, the log's length."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from pointline_tui.formatting import files, human_bytes, partition_name
from pointline_tui.lake.catalog import open_delta, table_dir
from pointline_tui.lake.thresholds import SMALL_FILE_BYTES
from pointline_tui.storage.delta.deletion import minimum_retention_hours, vacuum_sizes
from pointline_tui.storage.delta.log import DELTA_LOG, list_log, newest_checkpoint
from pointline_tui.storage.delta.log_maintenance import (
    checkpoint_interval,
    cleanup_plan,
    log_files,
    log_retention_hours,
    oldest_log_version,
)
from pointline_tui.storage.models import Finding

if TYPE_CHECKING:
    from pointline_tui.lake.reader import LakeReader

SKEW_RATIO = 10.0
"""A partition this many times the median size is skewed."""
SKEW_MIN_BYTES = 2 * SMALL_FILE_BYTES
"""...once it holds at least this much: small partitions are never worth a finding."""
UNCHECKPOINTED_COMMITS = 20
"""A table with this many commits and no checkpoint at all is worth one (info)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TableHealth:
    """The maintenance figures of one Delta table at one version."""

    table: str
    version: int
    files: int
    small_files: int
    partitions: int
    hot_partitions: int
    largest_partition: tuple[str | None, date | None] | None
    largest_bytes: int | None
    median_bytes: float | None
    retention_hours: int
    """The table's minimum vacuum retention: what vacuum keeps by default."""
    vacuum_files: int
    vacuum_bytes: int
    """What a vacuum with ``retention_hours`` frees now."""
    vacuum_later_bytes: int
    """What it frees once the retention has passed for every file removed so far."""
    commits_since_checkpoint: int
    last_checkpoint: int | None
    checkpoint_interval: int
    log_files: int
    log_bytes: int
    oldest_version: int | None
    """The oldest version the log can still rebuild (restore or time travel to)."""
    expired_log_files: int
    expired_log_bytes: int
    """What ``clean-log`` removes now."""

    @property
    def small_share(self) -> float | None:
        """The share of the files under the small-file size (``None``: no file)."""
        return self.small_files / self.files if self.files else None

    @property
    def skew(self) -> float | None:
        """The largest partition's bytes over the median's (``None``: fewer than 2)."""
        if self.partitions < 2 or not self.median_bytes or self.largest_bytes is None:
            return None
        return self.largest_bytes / self.median_bytes


def table_health(reader: LakeReader, name: str, *, now: float | None = None) -> TableHealth:
    """Figure out ``name``'s maintenance health (its log is loaded once, for vacuum's lists).

    Raises:
        UnknownTableError, TableNotFoundError, DamagedTableError: as ``LakeReader.summary``.
    """
    stats = reader.partition_stats(name)
    path = table_dir(reader.silver_root, name)
    dt = open_delta(name, path)
    log_dir = path / DELTA_LOG
    listing = list_log(log_dir)
    last = newest_checkpoint(listing)
    config = dt.metadata().configuration
    plan = cleanup_plan(
        log_files(log_dir),
        latest=dt.version(),
        retention_hours=log_retention_hours(config),
        now=time.time() if now is None else now,
    )
    retention = minimum_retention_hours(dt)
    now_bytes = vacuum_sizes(dt, path, retention)
    later_bytes = vacuum_sizes(dt, path, 0)
    largest = stats.sort("bytes", descending=True).head(1)
    log_sizes = [*listing.commits.values()]
    log_sizes += [size for parts in listing.checkpoints.values() for _, size in parts]
    return TableHealth(
        table=name,
        version=dt.version(),
        files=int(stats.get_column("files").sum()),
        small_files=int(stats.get_column("small_files").sum()),
        partitions=stats.height,
        hot_partitions=int(stats.get_column("hot").sum()),
        largest_partition=None if largest.is_empty() else largest.row(0)[:2],
        largest_bytes=None if largest.is_empty() else int(largest.item(0, "bytes")),
        median_bytes=stats.get_column("bytes").median(),  # type: ignore[arg-type]
        retention_hours=retention,
        vacuum_files=len(now_bytes),
        vacuum_bytes=sum(now_bytes.values()),
        vacuum_later_bytes=sum(later_bytes.values()) - sum(now_bytes.values()),
        commits_since_checkpoint=dt.version() - (-1 if last is None else last),
        last_checkpoint=last,
        checkpoint_interval=checkpoint_interval(config),
        log_files=len(log_sizes),
        log_bytes=sum(log_sizes),
        oldest_version=oldest_log_version(listing),
        expired_log_files=len(plan.removable),
        expired_log_bytes=sum(f.size for f in plan.removable),
    )


def table_findings(health: TableHealth) -> list[Finding]:
    """The maintenance findings of one table: each says what to do and what does it."""
    name = health.table
    found: list[Finding] = []

    def add(severity: str, kind: str, message: str, **fields: object) -> None:
        found.append(
            Finding(
                table=name,
                severity=severity,  # type: ignore[arg-type]
                kind=kind,
                path=None,
                message=f"{name}: {message}",
                **fields,  # type: ignore[arg-type]
            )
        )

    if health.hot_partitions:
        add(
            "warning",
            "hot_partitions",
            f"{health.hot_partitions} hot partition(s); {health.small_files:,} of "
            f"{files(health.files)} are under {human_bytes(SMALL_FILE_BYTES)}: compact them",
            command=f"pointline-tui compact {name}",
            key="c",
        )
    skew = health.skew
    if skew is not None and skew >= SKEW_RATIO and (health.largest_bytes or 0) >= SKEW_MIN_BYTES:
        where = partition_name(*health.largest_partition) if health.largest_partition else "-"
        add(
            "info",
            "partition_skew",
            f"partition {where} holds {human_bytes(health.largest_bytes)}, {skew:.0f}x the "
            f"median partition ({human_bytes(health.median_bytes)}): check what writes it",
        )
    if health.vacuum_files:
        later = (
            f", and {human_bytes(health.vacuum_later_bytes)} more once the retention passes"
            if health.vacuum_later_bytes
            else ""
        )
        add(
            "info",
            "vacuum_reclaimable",
            f"vacuum frees {human_bytes(health.vacuum_bytes)} in {files(health.vacuum_files)} "
            f"now (retention {health.retention_hours} h){later}",
            bytes=health.vacuum_bytes,
            command=f"pointline-tui vacuum {name}",
            key="v",
        )
    since = health.commits_since_checkpoint
    if since >= health.checkpoint_interval or (
        health.last_checkpoint is None and since >= UNCHECKPOINTED_COMMITS
    ):
        after = (
            "and no checkpoint"
            if health.last_checkpoint is None
            else f"since the last checkpoint ({health.last_checkpoint})"
        )
        add(
            "warning" if since >= health.checkpoint_interval else "info",
            "checkpoint_due",
            f"{since:,} commits {after}: every reader replays them; create a checkpoint",
            command=f"pointline-tui checkpoint {name}",
            key="k",
        )
    if health.expired_log_files:
        add(
            "info",
            "expired_log_files",
            f"{files(health.expired_log_files)} ({human_bytes(health.expired_log_bytes)}) of "
            "the log are past the log retention and no retained version needs them: clean "
            "them up",
            bytes=health.expired_log_bytes,
            command=f"pointline-tui clean-log {name}",
            key="x",
        )
    return found


def health_frame(rows: list[TableHealth]) -> pl.DataFrame:
    """One row per table, for a list: the figures a person compares across tables."""
    return pl.DataFrame(
        [
            {
                "table": h.table,
                "files": h.files,
                "small_share": h.small_share,
                "hot": h.hot_partitions,
                "skew": h.skew,
                "vacuum_now": h.vacuum_bytes,
                "vacuum_later": h.vacuum_later_bytes,
                "commits": h.commits_since_checkpoint,
                "log_bytes": h.log_bytes,
                "oldest": h.oldest_version,
                "version": h.version,
            }
            for h in rows
        ],
        schema=HEALTH_SCHEMA,
    )


HEALTH_SCHEMA = pl.Schema(
    {
        "table": pl.String(),
        "files": pl.Int64(),
        "small_share": pl.Float64(),
        "hot": pl.Int64(),
        "skew": pl.Float64(),
        "vacuum_now": pl.Int64(),
        "vacuum_later": pl.Int64(),
        "commits": pl.Int64(),
        "log_bytes": pl.Int64(),
        "oldest": pl.Int64(),
        "version": pl.Int64(),
    }
)
