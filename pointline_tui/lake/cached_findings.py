"""``check`` findings as JSON, for the statistics cache: written plainly, read suspiciously.

A table's findings file holds what ``check`` found in its log alone, keyed by what they depend
on (``findings_key``): read without polars, so the console's first screen can mark tables.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import get_args

from pointline_tui.lake.cache_files import cache_file_for, findings_file
from pointline_tui.storage.delta.log import LogListing
from pointline_tui.storage.models import Finding, Severity

_TEXT_FIELDS = ("table", "kind", "message")
_OPTIONAL_TEXT_FIELDS = ("path", "exchange")


def findings_key(version: int, signature: str, listing: LogListing) -> str:
    """What findings of the log depend on: the version, its signature and the whole listing."""
    listed = {
        "version": version,
        "signature": signature,
        "commits": sorted(listing.commits.items()),
        "checkpoints": sorted((v, sorted(parts)) for v, parts in listing.checkpoints.items()),
        "hint": listing.last_checkpoint,
        "hint_error": listing.last_checkpoint_error,
        "temporary": sorted(listing.temporary),
    }
    return hashlib.sha256(json.dumps(listed).encode()).hexdigest()


def findings_body(key: str, findings: Sequence[Finding]) -> bytes:
    """The findings file's content: ``findings`` under ``key``."""
    return json.dumps({"key": key, "findings": findings_to_json(findings)}).encode()


def read_findings(folder: Path, table: Path, key: str) -> tuple[Finding, ...] | None:
    """The findings kept in ``folder`` for the table at ``table`` under ``key``, if any."""
    try:
        stored = json.loads(findings_file(cache_file_for(folder, table)).read_bytes())
        if not (isinstance(stored, dict) and stored.get("key") == key):
            return None
        return findings_from_json(stored.get("findings"))
    except (OSError, ValueError):  # missing, damaged, of another shape: no findings
        return None


def findings_to_json(findings: Sequence[Finding]) -> list[dict[str, object]]:
    """Each finding as a JSON object (a date as ISO text)."""
    return [
        {
            "table": f.table,
            "severity": f.severity,
            "kind": f.kind,
            "path": f.path,
            "exchange": f.exchange,
            "trading_date": None if f.trading_date is None else f.trading_date.isoformat(),
            "bytes": f.bytes,
            "message": f.message,
        }
        for f in findings
    ]


def findings_from_json(value: object) -> tuple[Finding, ...]:
    """The findings ``findings_to_json`` wrote.

    Raises:
        ValueError: anything of another shape or type.
    """
    if not isinstance(value, list):
        raise ValueError("findings are not a list")
    return tuple(_finding(item) for item in value)


def _finding(item: object) -> Finding:
    if not isinstance(item, dict) or set(item) != {
        *_TEXT_FIELDS,
        *_OPTIONAL_TEXT_FIELDS,
        "severity",
        "trading_date",
        "bytes",
    }:
        raise ValueError("a finding of another shape")
    severity = item["severity"]
    if severity not in get_args(Severity):
        raise ValueError("an unknown severity")
    if not all(isinstance(item[k], str) for k in _TEXT_FIELDS) or not all(
        isinstance(item[k], str | None) for k in _OPTIONAL_TEXT_FIELDS
    ):
        raise ValueError("a finding's text is not text")
    size, day = item["bytes"], item["trading_date"]
    if size is not None and (not isinstance(size, int) or isinstance(size, bool)):
        raise ValueError("a finding's bytes are not a number")
    if day is not None and not isinstance(day, str):
        raise ValueError("a finding's date is not text")
    return Finding(
        table=item["table"],
        severity=severity,
        kind=item["kind"],
        path=item["path"],
        exchange=item["exchange"],
        trading_date=None if day is None else date.fromisoformat(day),
        bytes=size,
        message=item["message"],
    )
