"""How a table's (or a partition's) file sizes spread over a few buckets, from its add actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

MIB = 2**20
BOUNDS = (1 * MIB, 8 * MIB, 32 * MIB, 128 * MIB)
"""Where the buckets split: below 1 MiB, 1 to 8, 8 to 32, 32 to 128, and 128 MiB or more.

32 MiB is also the small-file threshold (``partitions.SMALL_FILE_BYTES``): the first three
buckets are the small files, the last is what a compaction at the default target writes."""
LABELS = ("< 1 MiB", "1–8 MiB", "8–32 MiB", "32–128 MiB", "≥ 128 MiB")


@dataclass(frozen=True, slots=True, kw_only=True)
class SizeBucket:
    """The files whose size lies in ``[low, high)``."""

    label: str
    low: int
    high: int | None
    """``None``: no upper bound."""
    files: int
    bytes: int


def size_histogram(files: pl.DataFrame) -> tuple[SizeBucket, ...]:
    """Files and bytes per size bucket (``BOUNDS``), every bucket present, smallest first.

    Args:
        files: active files with a ``size_bytes`` column (``storage.delta.files.FILES_SCHEMA``),
            a whole table's or a partition's (``partitions.partition_files``).
    """
    import polars as pl  # loaded with the files: the buckets' text needs none

    size = pl.col("size_bytes")
    index = pl.sum_horizontal([(size >= bound).cast(pl.Int64) for bound in BOUNDS])
    counted = (
        files.select(index.alias("bucket"), size)
        .group_by("bucket")
        .agg(pl.len().alias("files"), size.sum().alias("bytes"))
    )
    by_bucket = {int(b): (int(n), int(s)) for b, n, s in counted.iter_rows()}
    lows = (0, *BOUNDS)
    highs: tuple[int | None, ...] = (*BOUNDS, None)
    return tuple(
        SizeBucket(
            label=label,
            low=low,
            high=high,
            files=by_bucket.get(i, (0, 0))[0],
            bytes=by_bucket.get(i, (0, 0))[1],
        )
        for i, (label, low, high) in enumerate(zip(LABELS, lows, highs, strict=True))
    )
