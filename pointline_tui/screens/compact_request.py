"""What a confirmed compaction is: the plan screen's answer and the progress screen's input."""

from __future__ import annotations

from dataclasses import dataclass

from pointline_tui.maintenance import Partition


@dataclass(frozen=True, slots=True)
class CompactRequest:
    """What the operator confirmed: these partitions of this table, at this target size."""

    table: str
    partitions: tuple[Partition, ...]
    target_size_mb: int


def compact_commands(request: CompactRequest) -> list[str]:
    """The equivalent ``pointline-tui compact`` command lines, one per partition.

    An unpartitioned table's one partition, ``(None, None)``, is the table without a filter.
    """
    size = f"--target-size-mb {request.target_size_mb}"
    return [
        f"pointline-tui compact {request.table} {size}"
        if day is None
        else f"pointline-tui compact {request.table} --exchange {ex} --date {day.isoformat()} "
        f"{size}"
        for ex, day in request.partitions
    ]
