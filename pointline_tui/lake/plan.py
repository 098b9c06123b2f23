"""What a compaction would do, per partition, before anything is rewritten."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

MB = 1024 * 1024

PartitionKey = tuple[str | None, date | None]
"""(exchange, trading_date); (None, None) for an unpartitioned table."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PartitionPlan:
    """One partition of a compaction plan."""

    exchange: str | None
    trading_date: date | None
    files: int
    bytes: int
    small_files: int
    """Files below the small-file size: the stats frame's threshold, or the target size when
    planned from a files frame."""
    expected_files: int
    """Files after compaction: ``ceil(bytes / target)``, at least 1 (the current count when
    skipped)."""
    skipped: bool
    skip_reason: str | None
    last_modified: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CompactionPlan:
    """A compaction plan; the totals count only the partitions that are not skipped."""

    target_size_mb: int
    partitions: tuple[PartitionPlan, ...]
    to_compact: int
    skipped: int
    files: int
    bytes: int
    small_files: int
    expected_files: int


def plan_compaction(
    frame: pl.DataFrame,
    partitions: Iterable[PartitionKey] | None = None,
    *,
    target_size_mb: int = 128,
) -> CompactionPlan:
    """Plan the compaction of ``partitions`` to files of about ``target_size_mb``.

    A partition is skipped when it has no files or a single one, or when all its files are at
    least the target size already (delta-rs's optimize would leave them as they are).

    Args:
        frame: a ``partition_stats`` frame, or a files frame (columns exchange, trading_date,
            size_bytes and optionally modified_at) such as ``LakeReader``'s add actions.
        partitions: the (exchange, trading_date) keys to plan, in this order; ``None`` plans
            every partition of ``frame``.
        target_size_mb: the compaction's target file size.

    Returns:
        The plan, one ``PartitionPlan`` per requested partition.

    Raises:
        ValueError: a target size below 1 MB, or a frame of neither kind.
    """
    if target_size_mb < 1:
        raise ValueError(f"target_size_mb must be at least 1, got {target_size_mb}")
    target = target_size_mb * MB
    stats = _aggregate(frame, target)
    by_key = {(row["exchange"], row["trading_date"]): row for row in stats.iter_rows(named=True)}
    keys = list(by_key) if partitions is None else list(dict.fromkeys(partitions))
    plans = tuple(_plan_one(key, by_key.get(key), target) for key in keys)
    active = [p for p in plans if not p.skipped]
    return CompactionPlan(
        target_size_mb=target_size_mb,
        partitions=plans,
        to_compact=len(active),
        skipped=len(plans) - len(active),
        files=sum(p.files for p in active),
        bytes=sum(p.bytes for p in active),
        small_files=sum(p.small_files for p in active),
        expected_files=sum(p.expected_files for p in active),
    )


def _aggregate(frame: pl.DataFrame, target: int) -> pl.DataFrame:
    """Per partition: files, bytes, small_files, min_file_bytes and last_modified."""
    columns = ["exchange", "trading_date", "files", "bytes", "small_files", "min_file_bytes"]
    no_time = pl.lit(None, dtype=pl.Datetime("us", "UTC"))
    if set(columns) <= set(frame.columns):
        last = pl.col("last_modified") if "last_modified" in frame.columns else no_time
        return frame.select(*columns, last.alias("last_modified"))
    if not {"exchange", "trading_date", "size_bytes"} <= set(frame.columns):
        raise ValueError(
            "plan_compaction needs a partition_stats frame or a files frame with exchange, "
            f"trading_date and size_bytes; got columns {frame.columns}"
        )
    size = pl.col("size_bytes")
    modified = pl.col("modified_at").max() if "modified_at" in frame.columns else no_time
    return frame.group_by("exchange", "trading_date").agg(
        pl.len().alias("files"),
        size.sum().alias("bytes"),
        (size < target).sum().alias("small_files"),
        size.min().alias("min_file_bytes"),
        modified.alias("last_modified"),
    )


def _plan_one(key: PartitionKey, row: dict[str, object] | None, target: int) -> PartitionPlan:
    exchange, trading_date = key
    if row is None:
        return PartitionPlan(
            exchange=exchange,
            trading_date=trading_date,
            files=0,
            bytes=0,
            small_files=0,
            expected_files=0,
            skipped=True,
            skip_reason="no files",
            last_modified=None,
        )
    files, size = int(row["files"]), int(row["bytes"])  # type: ignore[call-overload]
    reason = None
    if files <= 1:
        reason = "only one file" if files == 1 else "no files"
    elif int(row["min_file_bytes"]) >= target:  # type: ignore[call-overload]
        reason = "all files are at least the target size"
    return PartitionPlan(
        exchange=exchange,
        trading_date=trading_date,
        files=files,
        bytes=size,
        small_files=int(row["small_files"]),  # type: ignore[call-overload]
        expected_files=files if reason else max(1, math.ceil(size / target)),
        skipped=reason is not None,
        skip_reason=reason,
        last_modified=row["last_modified"],  # type: ignore[arg-type]
    )
