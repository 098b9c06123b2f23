"""How commits and version differences read on screen: shared by the time-travel screens."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from rich.text import Text

from pointline_tui.formatting import count, partition_name, short_bytes, short_count
from pointline_tui.lake.history import HistoryEntry
from pointline_tui.lake.versions import PartitionDiff, SchemaChange
from pointline_tui.text import one_line, safe_text
from pointline_tui.widgets.frame_table import Column

DIFF_COLUMNS = [
    Column("partition", "partition", key=True),
    Column("files", "files"),
    Column("bytes", "bytes"),
    Column("rows", "rows"),
    Column("rows_delta", "Δ rows", lambda n: f"{n:+,}", numeric=True),
]
"""One partition at two versions: ``6 → 1`` files, bytes and rows, and the change of rows."""


def operation(entry: HistoryEntry) -> str:
    """The operation a person knows it by (a partition-scoped vacuum commits as a WRITE)."""
    return dict(entry.metadata).get("pointline_operation", entry.operation)


def who(entry: HistoryEntry) -> str:
    """``user@host`` from the commit's audit metadata, ``-`` without one."""
    meta = dict(entry.metadata)
    if "user" not in meta:
        return "-"
    return f"{meta['user']}@{meta.get('host', '?')}"


def commit_detail(entry: HistoryEntry, *, audit_first: bool = False) -> Text:
    """The commit's parameters, metrics and metadata, one titled paragraph each.

    ``audit_first`` puts the metadata (who ran it) first, where a short screen still shows it.
    """
    text = Text()
    parts = [
        ("parameters", entry.parameters),
        ("metrics", entry.metrics),
        ("metadata", entry.metadata),
    ]
    for title, pairs in parts[::-1] if audit_first else parts:
        if pairs:
            text.append(f"{title}: ", style="bold")
            text.append(safe_text(" · ".join(f"{k}={v}" for k, v in pairs)) + "\n")
    return text


def diff_frame(partitions: Sequence[PartitionDiff]) -> pl.DataFrame:
    """The rows of ``DIFF_COLUMNS``."""
    return pl.DataFrame(
        [
            {
                "partition": partition_name(p.exchange, p.trading_date),
                "files": f"{count(p.files_from)} → {count(p.files_to)}",
                "bytes": f"{short_bytes(p.bytes_from)} → {short_bytes(p.bytes_to)}",
                "rows": f"{short_count(p.rows_from)} → {short_count(p.rows_to)}",
                "rows_delta": None
                if p.rows_from is None or p.rows_to is None
                else p.rows_to - p.rows_from,
            }
            for p in partitions
        ],
        schema={
            "partition": pl.String,
            "files": pl.String,
            "bytes": pl.String,
            "rows": pl.String,
            "rows_delta": pl.Int64,
        },
    )


def schema_text(changes: Sequence[SchemaChange]) -> str:
    """``schema: qty: type long -> double · px: added (long)`` (empty without changes)."""
    if not changes:
        return ""
    return "schema: " + " · ".join(one_line(change.summary) for change in changes)
