"""What failed during a run of the console, kept in full for the operator who asks.

A toast has room for one short line (``text.short_error``); the whole chain of causes, with
delta-rs's own text, stays here until the console exits, so that nothing is lost by shortening.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime

from pointline_tui.text import full_error, short_error

MAX_RECORDS = 50
"""The newest failures kept; older ones are dropped (a run that fails more says so already)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorRecord:
    """One failure: when, what was being done, its short text and every cause in full."""

    at: datetime
    doing: str
    summary: str
    details: str


class ErrorLog:
    """The newest ``MAX_RECORDS`` failures, newest first; safe to record from any thread."""

    def __init__(self) -> None:
        self._records: deque[ErrorRecord] = deque(maxlen=MAX_RECORDS)
        self._lock = threading.Lock()

    def record(self, doing: str, err: BaseException) -> ErrorRecord:
        """Keep ``err``, raised while ``doing``, and return what was kept."""
        entry = ErrorRecord(
            at=datetime.now(UTC),
            doing=doing,
            summary=short_error(err),
            details=full_error(err),
        )
        with self._lock:
            self._records.appendleft(entry)
        return entry

    def records(self) -> tuple[ErrorRecord, ...]:
        """Every failure kept, newest first."""
        with self._lock:
            return tuple(self._records)
