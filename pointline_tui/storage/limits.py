"""The ranges of every number the stores, the CLI and the console forms accept (one place)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pointline_tui.storage.models import OutOfRangeError


@dataclass(frozen=True, slots=True)
class Limit:
    """A numeric option: its name as a person sees it, and its inclusive range."""

    name: str
    minimum: int
    maximum: int
    unit: str

    def check(self, value: float) -> None:
        """Refuse ``value`` outside the range.

        Raises:
            OutOfRangeError: naming the option, the value and the range.
        """
        if not self.minimum <= value <= self.maximum:
            raise OutOfRangeError(
                f"{self.name} must be from {self.minimum:,} to {self.maximum:,} {self.unit}, "
                f"got {value:,}"
            )

    @property
    def range_text(self) -> str:
        """``"1 to 1,048,576 MB"``."""
        return f"{self.minimum:,} to {self.maximum:,} {self.unit}"


TARGET_SIZE_MB = Limit("target size", 1, 1_048_576, "MB")
"""Up to 1 TiB: delta-rs takes bytes as a 64-bit number, and no parquet file is bigger."""
RETENTION_HOURS = Limit("retention", 0, 876_000, "hours")
"""Up to 100 years: delta-rs panics on durations near 5e15 hours."""
ORPHAN_MIN_AGE_HOURS = Limit("minimum age", 0, 876_000, "hours")
PENDING_AGE_HOURS = Limit("pending age", 1, 876_000, "hours")
"""How long a manifest entry may stay ``pending`` before ``check`` reports it (default 24)."""

_WHOLE = re.compile(r"[+-]?[0-9]{1,30}")
"""A whole number as a person types it: ASCII digits, a sign at most (no ``1e3``, ``1_000``)."""


def parse_whole(text: str, limit: Limit) -> int:
    """``text`` as a whole number inside ``limit``; blanks around it are ignored (``" 64 "``).

    Nothing is guessed: ``1e3``, ``12.5``, ``1_000`` or other digits than ``0``-``9`` are
    refused, never read as another number.

    Raises:
        OutOfRangeError: naming the option, the text as typed and the range.
    """
    stripped = text.strip()
    if _WHOLE.fullmatch(stripped) and limit.minimum <= int(stripped) <= limit.maximum:
        return int(stripped)
    shown = (
        repr(stripped if len(stripped) <= 32 else stripped[:31] + "…") if stripped else "nothing"
    )
    raise OutOfRangeError(
        f"{limit.name} must be a whole number from {limit.range_text}, got {shown}"
    )


def check_target_size(target_size_mb: int) -> None:
    """Refuse a compaction target size outside ``TARGET_SIZE_MB``."""
    TARGET_SIZE_MB.check(target_size_mb)


def check_retention_hours(retention_hours: int) -> None:
    """Refuse a vacuum retention outside ``RETENTION_HOURS``."""
    RETENTION_HOURS.check(retention_hours)


def check_min_age_hours(min_age_hours: float) -> None:
    """Refuse an orphan minimum age outside ``ORPHAN_MIN_AGE_HOURS``."""
    ORPHAN_MIN_AGE_HOURS.check(min_age_hours)
