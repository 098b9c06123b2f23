"""Keeping a table's Delta log short: a checkpoint, and the clean-up of expired log files.

delta-rs's ``create_checkpoint`` and ``cleanup_metadata`` write no commit, so each action that
changes the log records an empty commit carrying the audit metadata, as a partition-scoped
vacuum does: that is what history shows of it. The clean-up is planned here by the rule
delta-rs 1.6 follows (``cleanup_expired_logs_for``), and what it removed is checked against
the plan afterwards: no log file at or after the checkpoint that every retained version is
read from may go.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pointline_tui.storage.delta.layout import table_path
from pointline_tui.storage.delta.log import DELTA_LOG, LogListing, list_log, newest_checkpoint
from pointline_tui.storage.log_models import CheckpointReport, LogCleanupReport
from pointline_tui.storage.models import StorageOperationError, UnsafeTableError

if TYPE_CHECKING:
    from deltalake import DeltaTable

_LOG_FILE = re.compile(r"^(\d{20})\.(?:json|checkpoint(?:\.\d+)?\.parquet)$")
"""The log files delta-rs's clean-up may delete (its ``DELTA_LOG_REGEX``)."""
_CHECKPOINT_FILE = re.compile(r"^(\d{20})\.checkpoint")
"""What delta-rs's clean-up takes for a checkpoint (its ``CHECKPOINT_REGEX``)."""
_DURATION = re.compile(r"interval\s+(\d+)\s+(\w+?)s?\s*$", re.IGNORECASE)
_HOURS_PER = {"week": 168.0, "day": 24.0, "hour": 1.0, "minute": 1 / 60, "second": 1 / 3600}

DEFAULT_LOG_RETENTION_HOURS = 30 * 24.0
"""Delta's ``delta.logRetentionDuration`` when a table does not set it."""
DEFAULT_CHECKPOINT_INTERVAL = 100
"""Delta's ``delta.checkpointInterval``: delta-rs writes a checkpoint every this many commits."""
OPERATION_KEY = "pointline_operation"
"""Custom commit metadata naming the maintenance an empty commit records."""


@dataclass(frozen=True, slots=True)
class LogFile:
    """A commit or checkpoint file of ``_delta_log``."""

    name: str
    version: int
    size: int
    modified: float
    """Last modification, seconds since the epoch: what log retention is measured by."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CleanupPlan:
    """The log files a clean-up at ``cutoff`` removes, by delta-rs 1.6's rule."""

    cutoff: float
    keep_from: int | None
    """The newest checkpoint at or before the oldest retained version (``None``: none)."""
    removable: tuple[LogFile, ...]


def log_files(log_dir: Path) -> tuple[LogFile, ...]:
    """The commit and checkpoint files of ``log_dir``, oldest first (symlinks not followed)."""
    found = []
    with os.scandir(log_dir) as entries:
        for entry in entries:
            match = _LOG_FILE.match(entry.name) or _CHECKPOINT_FILE.match(entry.name)
            if match is not None:
                info = entry.stat(follow_symlinks=False)
                found.append(LogFile(entry.name, int(match.group(1)), info.st_size, info.st_mtime))
    return tuple(sorted(found, key=lambda f: (f.version, f.name)))


def cleanup_plan(
    files: Iterable[LogFile], *, latest: int, retention_hours: float, now: float
) -> CleanupPlan:
    """What ``cleanup_metadata`` removes at ``now`` from a log holding ``files``.

    Every version whose log files are younger than the retention is kept, and so is the
    newest checkpoint at or before the oldest of them (whatever its age): only older, expired
    commit and checkpoint files go.
    """
    files = tuple(files)
    cutoff = now - retention_hours * 3600
    retained = [f.version for f in files if _LOG_FILE.match(f.name) and f.modified >= cutoff]
    keep = min(latest, min(retained, default=latest))
    checkpoints = [f.version for f in files if _CHECKPOINT_FILE.match(f.name)]
    safe = max((v for v in checkpoints if v <= keep), default=None)
    removable = tuple(
        f
        for f in files
        if safe is not None
        and _LOG_FILE.match(f.name)
        and f.version < safe
        and f.modified <= cutoff
    )
    return CleanupPlan(cutoff=cutoff, keep_from=safe, removable=removable)


def oldest_log_version(listing: LogListing, *, without: Iterable[str] = ()) -> int | None:
    """The oldest version the log can rebuild: from version 0, or from a complete checkpoint.

    ``without`` names log files to leave out (what a clean-up would remove).
    """
    gone = set(without)
    commits = {v for v in listing.commits if f"{v:020d}.json" not in gone}
    complete = {
        v
        for v, parts in listing.checkpoints.items()
        if parts and all(size and name not in gone for name, size in parts)
    }
    # A later version is read from one of these plus the commits after it.
    starts = complete | ({0} if 0 in commits else set())
    return min(starts, default=None)


def log_retention_hours(configuration: Mapping[str, str | None]) -> float:
    """The table's ``delta.logRetentionDuration`` (``interval 30 days``) in hours."""
    match = _DURATION.match(configuration.get("delta.logRetentionDuration") or "")
    if match is None or match.group(2).lower() not in _HOURS_PER:
        return DEFAULT_LOG_RETENTION_HOURS
    return int(match.group(1)) * _HOURS_PER[match.group(2).lower()]


def checkpoint_interval(configuration: Mapping[str, str | None]) -> int:
    """The table's ``delta.checkpointInterval`` (100 unless set to a positive number)."""
    value = configuration.get("delta.checkpointInterval") or ""
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_CHECKPOINT_INTERVAL


class DeltaLogMaintenance:
    """Checkpoints and log clean-ups of the lake's tables, each recorded in the log.

    Args:
        silver_root: folder holding one Delta table per data set.
        read_only: refuse both actions (their dry runs still answer).
        audit: custom metadata of the commits that record them; defaults to the user, host
            and tool version.
    """

    def __init__(
        self,
        silver_root: Path,
        *,
        read_only: bool = False,
        audit: Mapping[str, str] | None = None,
    ) -> None:
        self.silver_root = Path(silver_root)
        self.read_only = read_only
        self._audit = None if audit is None else dict(audit)

    @property
    def audit(self) -> dict[str, str]:
        """Who and where, as the commits record it."""
        from pointline_tui.storage.delta._tables import audit_metadata

        return dict(self._audit) if self._audit is not None else audit_metadata()

    def checkpoint(self, table_name: str, /, *, dry_run: bool = False) -> CheckpointReport:
        """Write a checkpoint of the table's latest version, after a commit recording it.

        Readers then start from the checkpoint instead of replaying every commit.

        Raises:
            UnknownTableError: an invalid table name.
            TableNotFoundError: the table does not exist.
            ReadOnlyError: the store is read-only and this is not a dry run.
            UnsafeTableError: ``check`` finds an error in the table's log: a checkpoint would
                make what a damaged commit lost permanent.
            StorageOperationError: delta-rs failed.
        """
        from pointline_tui.storage.delta._tables import ensure_writable, errors_as_storage

        path = table_path(self.silver_root, table_name)
        if not dry_run:
            ensure_writable(read_only=self.read_only, what=f"checkpoint {table_name}")
        with errors_as_storage(table_name):
            dt = self._sound(path, table_name)
            last = newest_checkpoint(list_log(path / DELTA_LOG))
            version = dt.version()
            audit = self.audit | {OPERATION_KEY: "CHECKPOINT"}
            report = CheckpointReport(
                table_name=table_name,
                dry_run=dry_run,
                version=version,
                last_checkpoint=last,
                commits_since_checkpoint=version - (-1 if last is None else last),
                live_files=dt.get_add_actions().num_rows,
                needed=last != version,
                checkpoint_version=None,
                audit=_pairs(audit),
            )
            if dry_run or not report.needed:
                return report
            at = _record(dt, audit)
            dt.create_checkpoint()
            if at not in list_log(path / DELTA_LOG).checkpoints:
                raise StorageOperationError(
                    f"{table_name}: delta-rs wrote no checkpoint at version {at}"
                )
        return replace(report, checkpoint_version=at)

    def clean_log(self, table_name: str, /, *, dry_run: bool = False) -> LogCleanupReport:
        """Remove the log files older than the log retention that no retained version needs.

        Runs delta-rs's ``cleanup_metadata``, then checks that it removed nothing at or after
        the checkpoint every retained version is read from, and records an empty commit
        carrying the audit metadata and what went.

        Raises:
            UnknownTableError: an invalid table name.
            TableNotFoundError: the table does not exist.
            ReadOnlyError: the store is read-only and this is not a dry run.
            UnsafeTableError: ``check`` finds an error in the table (its log or files: older
                versions may be the way back), or the checkpoint the retained versions would
                be read from does not read.
            StorageOperationError: delta-rs failed, or removed a file the plan keeps.
        """
        from pointline_tui.storage.delta._tables import ensure_writable, errors_as_storage

        path = table_path(self.silver_root, table_name)
        if not dry_run:
            ensure_writable(read_only=self.read_only, what=f"clean up the log of {table_name}")
        log_dir = path / DELTA_LOG
        with errors_as_storage(table_name):
            # Old commits may be the way back from damaged files: keep them then.
            dt = self._sound(path, table_name, scan_files=True)
            retention = log_retention_hours(dt.metadata().configuration)
            before = log_files(log_dir)
            listing = list_log(log_dir)
            plan = cleanup_plan(
                before, latest=dt.version(), retention_hours=retention, now=time.time()
            )
            if plan.keep_from is not None:
                _check_kept_checkpoint(log_dir, listing, plan.keep_from, table_name)
            planned = tuple(f.name for f in plan.removable)
            report = LogCleanupReport(
                table_name=table_name,
                dry_run=dry_run,
                log_retention_hours=retention,
                cutoff=datetime.fromtimestamp(plan.cutoff, tz=UTC),
                keep_from=plan.keep_from,
                oldest_version_before=oldest_log_version(listing),
                oldest_version_after=oldest_log_version(listing, without=planned),
                files_removed=len(planned),
                removed_files=planned,
                file_bytes=tuple(f.size for f in plan.removable),
                bytes_freed=sum(f.size for f in plan.removable),
                audit_version=None,
                audit=(),
            )
            if dry_run or not planned:
                return report
            dt.cleanup_metadata()
            left = {f.name for f in log_files(log_dir)}
            gone = [f for f in before if f.name not in left]
            assert plan.keep_from is not None  # something was planned
            wrong = [f.name for f in gone if f.version >= plan.keep_from]
            if wrong:
                raise StorageOperationError(
                    f"{table_name}: the log clean-up removed {len(wrong)} file(s) the retained "
                    f"versions need (first: {DELTA_LOG}/{wrong[0]}); check the table: "
                    f"pointline-tui check {table_name}"
                )
            after = oldest_log_version(list_log(log_dir))
            freed = sum(f.size for f in gone)
            audit = self.audit | {
                OPERATION_KEY: "CLEAN LOG",
                "files_removed": str(len(gone)),
                "bytes_freed": str(freed),
                "oldest_version": str(after),
            }
            at = _record(dt, audit)
        return replace(
            report,
            oldest_version_after=after,
            files_removed=len(gone),
            removed_files=tuple(f.name for f in gone),
            file_bytes=tuple(f.size for f in gone),
            bytes_freed=freed,
            audit_version=at,
            audit=_pairs(audit),
        )

    def _sound(self, path: Path, table_name: str, *, scan_files: bool = False) -> DeltaTable:
        """The table at its latest version, once ``check`` finds no error in its log.

        ``scan_files``: nor in its files (a walk of every folder).
        """
        from pointline_tui.storage.delta._tables import require_table
        from pointline_tui.storage.delta.check import ensure_sound

        dt = require_table(path, table_name)
        ensure_sound(self.silver_root, table_name, table=dt, scan_files=scan_files)
        return dt


def _check_kept_checkpoint(
    log_dir: Path, listing: LogListing, version: int, table_name: str
) -> None:
    """Refuse a clean-up that would leave the retained versions only a checkpoint that fails.

    delta-rs takes any file named like a checkpoint; every commit before it may go.

    Raises:
        UnsafeTableError: a part is missing, empty or not readable parquet.
    """
    parts = listing.checkpoints.get(version, [])
    declared = {int(name.split(".")[3]) for name, _ in parts if name.count(".") == 4}
    problem = None if parts else "is not a plain or multi-part parquet checkpoint"
    if declared and len(parts) != max(declared):
        problem = f"has {len(parts)} of its {max(declared)} parts"
    import polars as pl  # a plan of the clean-up needs none

    for name, size in parts:
        try:
            if not size:
                raise ValueError("an empty file")
            pl.read_parquet_schema(log_dir / name)
        except Exception as err:  # polars raises several types for a bad file
            problem = f"does not read ({name}: {err})"
    if problem is not None:
        raise UnsafeTableError(
            f"refused to clean up the log of {table_name}: every retained version would be "
            f"read from checkpoint {version}, which {problem}; remove that checkpoint file "
            f"first (see: pointline-tui check {table_name})"
        )


def _record(dt: DeltaTable, metadata: Mapping[str, str]) -> int:
    """Commit nothing but ``metadata`` on the table's latest version; return that commit's.

    No post-commit hook runs: it could write a checkpoint or clean up the log unplanned.
    """
    from deltalake import PostCommitHookProperties

    from pointline_tui.storage.delta._tables import commit_properties

    dt.update_incremental()
    dt.create_write_transaction(
        [],
        mode="append",
        schema=dt.schema(),
        partition_by=dt.metadata().partition_columns,
        commit_properties=commit_properties(metadata),
        post_commithook_properties=PostCommitHookProperties(
            create_checkpoint=False, cleanup_expired_logs=False
        ),
    )
    dt.update_incremental()
    return dt.version()


def _pairs(metadata: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(metadata.items()))
