"""A table's Delta commits, newest first, with each commit's custom metadata split out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deltalake import DeltaTable


STANDARD_COMMIT_FIELDS = frozenset(
    {
        "timestamp",
        "operation",
        "operationParameters",
        "operationMetrics",
        "readVersion",
        "engineInfo",
        "clientVersion",
        "version",
        "isBlindAppend",
        "isolationLevel",
        "userMetadata",
        "userId",
        "userName",
        "job",
        "notebook",
        "clusterId",
        "txnId",
        "inCommitTimestamp",
    }
)
"""Commit-info fields defined by Delta or delta-rs; every other one is custom metadata."""


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryEntry:
    """One commit of a table.

    Values are text: strings as they are, anything else as JSON (``true``, ``3``, ``{...}``).
    """

    version: int
    timestamp: datetime
    operation: str
    parameters: tuple[tuple[str, str], ...]
    metrics: tuple[tuple[str, str], ...]
    metadata: tuple[tuple[str, str], ...]
    """Custom commit metadata, e.g. the user, host, tool and tool_version of the stores' audit."""


def history_entries(dt: DeltaTable, limit: int | None = None) -> tuple[HistoryEntry, ...]:
    """The commits of ``dt``'s table, newest first.

    Args:
        dt: the table.
        limit: at most this many of the newest commits (all when ``None``).

    Raises:
        ValueError: a limit below one.
    """
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    entries = (_entry(info) for info in dt.history(limit))
    return tuple(sorted(entries, key=lambda e: e.version, reverse=True))


def _entry(info: Mapping[str, Any]) -> HistoryEntry:
    millis = info.get("timestamp") or 0
    metadata = {k: v for k, v in info.items() if k not in STANDARD_COMMIT_FIELDS}
    return HistoryEntry(
        version=int(info.get("version", -1)),
        timestamp=datetime.fromtimestamp(int(millis) / 1000, tz=UTC),
        operation=str(info.get("operation") or "UNKNOWN"),
        parameters=_pairs(info.get("operationParameters")),
        metrics=_pairs(info.get("operationMetrics")),
        metadata=_pairs(metadata),
    )


def _pairs(values: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(values, Mapping):
        return ()
    return tuple((str(k), _text(v)) for k, v in sorted(values.items()))


def _text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
