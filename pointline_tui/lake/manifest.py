"""Queries over the ``ingest_manifest`` control table (small: one row per bronze file)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from pointline_tui.lake.paging import Page, check_window
from pointline_tui.storage.schemas import INGEST_MANIFEST, MANIFEST_STATUSES

if TYPE_CHECKING:
    from deltalake import DeltaTable

SOURCE_COLUMNS = ("vendor", "data_type", "bronze_path")
"""The manifest columns a quarantined row is joined to, by file_id."""


def read_manifest(dt: DeltaTable | None) -> pl.DataFrame:
    """The manifest at the version ``dt`` holds, conformed to the spec (empty without a table).

    Raises:
        SchemaMismatchError: the table lacks a required column.
    """
    if dt is None:
        return INGEST_MANIFEST.empty_frame()
    return INGEST_MANIFEST.conform(pl.read_delta(dt))


class ManifestView:
    """A snapshot of the manifest and the counts and pages the console shows.

    Args:
        frame: the manifest rows (``read_manifest``).
        version: the Delta version they were read at (``None``: no manifest table).
    """

    def __init__(self, frame: pl.DataFrame, *, version: int | None = None) -> None:
        self._frame = frame
        self._version = version

    @property
    def frame(self) -> pl.DataFrame:
        """Every manifest row."""
        return self._frame

    @property
    def version(self) -> int | None:
        """The manifest's Delta version, ``None`` when the lake has no manifest table."""
        return self._version

    def status_counts(self) -> pl.DataFrame:
        """Files per status.

        Returns:
            Columns status, count: the four statuses in ``MANIFEST_STATUSES`` order (zero when
            none), then any other status found, by name.
        """
        counts = self._frame.group_by("status").agg(pl.len().cast(pl.Int64).alias("count"))
        known = pl.DataFrame({"status": list(MANIFEST_STATUSES)}, schema={"status": pl.String})
        others = counts.filter(~pl.col("status").is_in(MANIFEST_STATUSES)).sort("status")
        return pl.concat(
            [
                known.join(counts, on="status", how="left", maintain_order="left").fill_null(0),
                others,
            ]
        )

    def counts_by_source(self) -> pl.DataFrame:
        """Files per vendor, data type and status.

        Returns:
            Columns vendor, data_type, status, count (only combinations that occur), sorted.
        """
        return (
            self._frame.group_by("vendor", "data_type", "status")
            .agg(pl.len().cast(pl.Int64).alias("count"))
            .sort("vendor", "data_type", "status")
        )

    def entries(
        self,
        *,
        status: str | None = None,
        vendor: str | None = None,
        data_type: str | None = None,
        search: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> Page:
        """One page of manifest rows, newest file id first.

        Args:
            status: only this status.
            vendor: only this vendor.
            data_type: only this data type.
            search: only bronze paths containing this text (case-insensitive).
            offset: rows to skip.
            limit: rows in the page at most.

        Raises:
            ValueError: a negative offset or a limit below one.
        """
        check_window(offset, limit)
        rows = self._frame
        for column, value in (("status", status), ("vendor", vendor), ("data_type", data_type)):
            if value is not None:
                rows = rows.filter(pl.col(column) == value)
        if search:
            needle = search.lower()
            rows = rows.filter(
                pl.col("bronze_path").str.to_lowercase().str.contains(needle, literal=True)
            )
        rows = rows.sort("file_id", descending=True)
        return Page(rows=rows.slice(offset, limit), total=rows.height, offset=offset, limit=limit)

    def entry(self, file_id: int) -> pl.DataFrame:
        """The row of ``file_id`` (an empty frame when the manifest has none)."""
        return self._frame.filter(pl.col("file_id") == file_id).head(1)

    def sources(self) -> pl.DataFrame:
        """file_id, vendor, data_type and bronze_path, one row per file id."""
        return self._frame.select("file_id", *SOURCE_COLUMNS).unique(
            "file_id", keep="first", maintain_order=True
        )
