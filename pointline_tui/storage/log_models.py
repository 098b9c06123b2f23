"""Reports of the Delta log's maintenance: checkpoints and the clean-up of expired log files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckpointReport:
    """What ``checkpoint`` wrote (or, in a dry run, would write)."""

    table_name: str
    dry_run: bool
    version: int
    """The table's version: the checkpoint is written there (or already is)."""
    last_checkpoint: int | None
    """The newest complete checkpoint before, ``None`` when the log had none."""
    commits_since_checkpoint: int
    """Commits a reader replays on top of ``last_checkpoint`` before (all of them if none)."""
    live_files: int
    """Add actions the checkpoint holds (one per file of the version)."""
    needed: bool
    """False when ``version`` already has a checkpoint: nothing is (or would be) written."""
    checkpoint_version: int | None
    """The version checkpointed: the audit commit's (``None`` in a dry run or when not needed)."""
    audit: tuple[tuple[str, str], ...]
    """The custom metadata of the audit commit (written just before the checkpoint)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LogCleanupReport:
    """What ``clean_log`` removed from ``_delta_log`` (or, in a dry run, would remove)."""

    table_name: str
    dry_run: bool
    log_retention_hours: float
    """The table's ``delta.logRetentionDuration`` (30 days unless set)."""
    cutoff: datetime
    """Log files last modified at or before this (UTC) are expired."""
    keep_from: int | None
    """The checkpoint every retained version is read from: no log file at or after it goes
    (``None``: no checkpoint old enough, nothing can go)."""
    oldest_version_before: int | None
    """The oldest version the log could rebuild before (``None``: none)."""
    oldest_version_after: int | None
    """The oldest version the log can rebuild after the clean-up."""
    files_removed: int
    removed_files: tuple[str, ...]
    """Names in ``_delta_log``, oldest first."""
    file_bytes: tuple[int, ...]
    """The size of each of ``removed_files``, in the same order."""
    bytes_freed: int
    audit_version: int | None
    """The empty commit recording the clean-up (``None`` in a dry run or when nothing went)."""
    audit: tuple[tuple[str, str], ...]
    """Its custom metadata."""


class LogMaintenance(Protocol):
    """What the console needs to keep a table's log short (``DeltaLogMaintenance``)."""

    def checkpoint(self, table_name: str, /, *, dry_run: bool = False) -> CheckpointReport:
        """See ``DeltaLogMaintenance.checkpoint``."""
        ...

    def clean_log(self, table_name: str, /, *, dry_run: bool = False) -> LogCleanupReport:
        """See ``DeltaLogMaintenance.clean_log``."""
        ...
