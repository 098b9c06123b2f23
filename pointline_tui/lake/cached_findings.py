"""``check`` findings as JSON, for the statistics cache: written plainly, read suspiciously."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import get_args

from pointline_tui.storage.models import Finding, Severity

_TEXT_FIELDS = ("table", "kind", "message")
_OPTIONAL_TEXT_FIELDS = ("path", "exchange")


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
