"""Diagnosis of a table folder: its Delta log, its files and what leads out of the lake.

delta-rs reads some damage silently (an empty commit file is a version with no changes) and
never lists what no commit references, so this module reads the log listing and the folders
itself. Every finding names the file, says what is wrong and what to do about it.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from pointline_tui.storage.delta.active_files import ActiveFile, active_files
from pointline_tui.storage.delta.layout import inside
from pointline_tui.storage.delta.log import (
    DELTA_LOG,
    LogListing,
    commit_name,
    commit_parsed,
    commit_problem,
    list_log,
    newest_checkpoint,
    referenced_paths,
)
from pointline_tui.storage.models import Finding, Severity, TableNotFoundError, UnsafeTableError
from pointline_tui.storage.schemas import is_event_partitioned
from pointline_tui.text import short_error

if TYPE_CHECKING:
    from deltalake import DeltaTable

_STAGING = re.compile(r"#\d+$")
"""object_store writes ``<name>#<n>`` and renames it when done: a leftover is a killed write."""
_NULL_VALUES = ("", "__HIVE_DEFAULT_PARTITION__")

PartitionKey = tuple[str, date]

KINDS = (
    "zero_byte_commit",
    "truncated_commit",
    "version_gap",
    "broken_checkpoint",
    "unreadable",
    "not_delta",
    "empty_folder",
    "outside_lake",
    "missing_file",
    "size_mismatch",
    "corrupt_file",
    "orphan_file",
    "staging_file",
    "null_partition_value",
)
"""Every kind of finding ``check_table`` reports."""


@dataclass(slots=True)
class _Report:
    """Findings of one table as they are made."""

    root: Path
    table: str
    findings: list[Finding] = field(default_factory=list)

    def add(
        self,
        severity: Severity,
        kind: str,
        rel: str | None,
        message: str,
        *,
        part: tuple[str | None, date | None] = (None, None),
        size: int | None = None,
    ) -> None:
        self.findings.append(
            Finding(
                table=self.table,
                severity=severity,
                kind=kind,
                path=None if rel is None else f"{self.table}/{rel}" if rel else self.table,
                exchange=part[0],
                trading_date=part[1],
                bytes=size,
                message=f"{self.table}: {message}",
            )
        )

    @property
    def has_error(self) -> bool:
        return any(f.severity == "error" for f in self.findings)


def check_table(
    silver_root: Path,
    name: str,
    *,
    table: DeltaTable | None = None,
    deep: bool = False,
    scan_files: bool = True,
    partitions: Iterable[PartitionKey] | None = None,
    loads: bool = False,
    errors_only: bool = False,
    replayed: int | None = None,
    files: Sequence[ActiveFile] | None = None,
    walked: Disk | None = None,
) -> tuple[Finding, ...]:
    """Diagnose the folder ``name`` of the lake at ``silver_root``.

    Args:
        silver_root: the lake root; nothing outside it is ever followed.
        name: the table's folder name.
        table: the table already opened (at its latest version), to spare a second log load.
        deep: also read every referenced file's parquet footer and compare its row count.
        scan_files: walk the table's folders for missing, resized, orphaned and staging files
            and symlinks leading out. Without it only the log is checked.
        partitions: with ``scan_files``, check the referenced files of these partitions only
            (orphans and staging files are then not looked for); ``None`` checks all.
        loads: the caller knows delta-rs loads the log (its files were just read from it):
            without ``scan_files`` it is not opened again to prove it.
        errors_only: look only for what refuses a write (the errors): no orphan or staging
            files, no commit older than the newest checkpoint.
        replayed: ``table`` was loaded just before at this version: delta-rs parsed every
            commit it replayed to get there (it fails on a line that does not parse), so
            those are not read again. Not for a handle kept while the log may have changed.
        files: ``table``'s active files (at least those of ``partitions``), when the caller
            has them already.
        walked: a walk of the whole table (``walk_table``) the caller made just before and
            goes on to use: a scan of every file compares it instead of walking again.

    Returns:
        The findings, errors first; empty for a sound table.

    Raises:
        TableNotFoundError: there is no folder ``name``.
    """
    report = _Report(Path(silver_root), name)
    path = report.root / name
    if not path.exists() and not path.is_symlink():
        raise TableNotFoundError(f"no table {name!r} in {report.root}")
    if not inside(path, report.root):
        report.add(
            "error",
            "outside_lake",
            "",
            f"the table folder leads outside the lake root (to {_target(path)}); it is never "
            "read for writing: move the table into the lake or remove the link",
        )
        return _sorted(report)
    log_dir = path / DELTA_LOG
    if not log_dir.is_dir() or log_dir.is_symlink():
        if log_dir.is_symlink():
            report.add(
                "error", "outside_lake", DELTA_LOG, f"{DELTA_LOG} is a symlink; nothing follows it"
            )
        else:
            _not_delta(report, path)
        return _sorted(report)
    listing = list_log(log_dir)
    _check_listing(report, listing)
    dt, load_error = table, None
    if dt is None and (scan_files or not loads):
        from deltalake import DeltaTable  # here: listing and reading the log need no delta-rs

        try:
            dt = DeltaTable(str(path))
            replayed = dt.version()
        except Exception as err:  # delta-rs raises several unrelated types for a bad log
            load_error = err
    # A broken checkpoint refuses no write while delta-rs reads around it: a guard reads the
    # checkpoints' footers only to name what stops the load.
    _check_checkpoint(report, log_dir, listing, parse=not errors_only or load_error is not None)
    _check_commits(
        report,
        log_dir,
        listing,
        all_commits=scan_files and partitions is None and not errors_only,
        replayed=replayed,
    )
    if load_error is not None:
        if not report.has_error:
            report.add(
                "error",
                "unreadable",
                DELTA_LOG,
                f"delta-rs cannot load the log: {short_error(load_error)}",
            )
        _downgrade_checkpoint(report, readable=False)
        return _sorted(report)
    _downgrade_checkpoint(report, readable=True)
    if scan_files and dt is not None:
        _check_files(
            report,
            path,
            listing,
            (lambda: active_files(dt)) if files is None else (lambda: files),
            dt.version(),
            partitioned=is_event_partitioned(dt.metadata().partition_columns),
            deep=deep,
            partitions=partitions,
            unreferenced=not errors_only,
            walked=walked,
        )
    return _sorted(report)


def check_files(
    silver_root: Path,
    name: str,
    files: Callable[[], Sequence[ActiveFile]],
    version: int,
    partition_columns: Sequence[str],
    *,
    log_findings: Iterable[Finding],
) -> tuple[Finding, ...]:
    """``check_table``'s findings when the log's part is known, plus the files'.

    ``log_findings`` are its ``scan_files=False`` findings at ``version``; a walk of the
    folders is compared with ``files()``, that version's active files (asked for after the
    walk).

    Reads no log but its listing, and opens nothing with delta-rs: a caller holding the files
    may walk the folders (seconds on a big table) without holding anything else.
    """
    report = _Report(Path(silver_root), name)
    report.findings = list(log_findings)
    path = report.root / name
    _check_files(
        report,
        path,
        list_log(path / DELTA_LOG),
        files,
        version,
        partitioned=is_event_partitioned(partition_columns),
        deep=False,
        partitions=None,
        unreferenced=True,
    )
    return _sorted(report)


def ensure_sound(
    silver_root: Path,
    name: str,
    *,
    table: DeltaTable | None = None,
    partitions: Iterable[PartitionKey] | None = None,
    scan_files: bool = False,
    files: Sequence[ActiveFile] | None = None,
    walked: Disk | None = None,
) -> None:
    """Refuse a write to table ``name`` while ``check`` finds an error in it.

    Checks the log, partition folders that lead out of the lake and, when ``partitions``
    are given, those partitions' files; ``scan_files`` checks every file (a walk of every
    folder, or ``walked``, one the caller made just before: seconds on a big table).
    ``table``, when given, was opened just before: the commits its load replayed are not
    parsed again. ``files``: its active files (at least those of ``partitions``), when the
    caller has them.

    Raises:
        UnsafeTableError: naming the first error finding (all of them in ``findings``).
    """
    findings = check_table(
        silver_root,
        name,
        table=table,
        scan_files=scan_files or partitions is not None,
        partitions=partitions,
        errors_only=True,
        replayed=None if table is None else table.version(),
        files=files,
        walked=walked,
    )
    refuse_on_errors(name, [*findings, *partition_links_out(Path(silver_root), name)])


def partition_links_out(silver_root: Path, name: str) -> list[Finding]:
    """``outside_lake`` findings for partition folders (two levels) that are links out.

    A write lands in a partition folder whatever the write: this costs one listing per
    exchange, not a walk of every file.
    """
    report = _Report(silver_root, name)
    path = silver_root / name
    for rel in _partition_links(path):
        if not inside(path / rel, silver_root):
            report.add(
                "error",
                "outside_lake",
                rel,
                f"partition folder {rel} is a symlink leading outside the lake (to "
                f"{_target(path / rel)}); nothing follows it: remove the link",
            )
    return report.findings


def _partition_links(path: Path) -> list[str]:
    links: list[str] = []
    try:
        exchanges = list(os.scandir(path))
    except OSError:
        return links
    for entry in exchanges:
        if entry.name[0] in "._":
            continue
        if entry.is_symlink():
            links.append(entry.name)
        elif entry.is_dir(follow_symlinks=False):
            with os.scandir(entry.path) as days:
                links += [f"{entry.name}/{d.name}" for d in days if d.is_symlink()]
    return links


def _behind_link(rel: str, links: Iterable[str]) -> bool:
    """Whether ``rel`` or a folder above it is one of ``links``."""
    return any(rel == link or rel.startswith(link + "/") for link in links)


def refuse_on_errors(name: str, findings: Iterable[Finding]) -> None:
    """Raise ``UnsafeTableError`` when ``findings`` hold an error.

    Raises:
        UnsafeTableError: naming the first error finding.
    """
    errors = tuple(f for f in findings if f.severity == "error")
    if errors:
        more = f" (and {len(errors) - 1} more error findings)" if len(errors) > 1 else ""
        raise UnsafeTableError(
            f"refused to write: {errors[0].message}{more}; see: pointline-tui check {name}",
            errors,
        )


# -- the log ---------------------------------------------------------------------------------


def _check_listing(report: _Report, listing: LogListing) -> None:
    base = newest_checkpoint(listing)
    for version, size in sorted(listing.commits.items()):
        if size == 0:
            report.add(
                _replayed(version, base),
                "zero_byte_commit",
                f"{DELTA_LOG}/{commit_name(version)}",
                f"commit {version} ({DELTA_LOG}/{commit_name(version)}) is an empty file: "
                "delta-rs reads it as a version that "
                "changes nothing, so whatever it committed is missing from every later "
                "version; restore the file from a backup (writes are refused until then)",
            )
    if not listing.commits and not listing.checkpoints:
        report.add("error", "unreadable", DELTA_LOG, f"{DELTA_LOG} holds no commit")
        return
    latest = listing.latest
    assert latest is not None
    # delta-rs replays the newest checkpoint plus every commit after it, all contiguous.
    first = 0 if base is None else base + 1
    missing = [v for v in range(first, latest + 1) if v not in listing.commits]
    if base is None and not listing.commits:
        missing = []
    if missing:
        shown = ", ".join(str(v) for v in missing[:5]) + (" ..." if len(missing) > 5 else "")
        report.add(
            "error",
            "version_gap",
            f"{DELTA_LOG}/{commit_name(missing[0])}",
            f"commit {missing[0]} ({DELTA_LOG}/{commit_name(missing[0])}) is missing (versions "
            f"{shown} of 0..{latest}): the table "
            "cannot be read past the gap; restore the missing commit files from a backup",
        )


def _replayed(version: int, base: int | None) -> Severity:
    """Damage in a commit the current version is read from is an error; older, a warning."""
    return "error" if base is None or version > base else "warning"


def _check_checkpoint(report: _Report, log_dir: Path, listing: LogListing, *, parse: bool) -> None:
    hint = listing.last_checkpoint
    if listing.last_checkpoint_error:
        report.add(
            "error",
            "broken_checkpoint",
            f"{DELTA_LOG}/_last_checkpoint",
            f"{listing.last_checkpoint_error}; recreate it with a new checkpoint",
        )
    if hint is not None and hint not in listing.checkpoints:
        report.add(
            "error",
            "broken_checkpoint",
            f"{DELTA_LOG}/_last_checkpoint",
            f"_last_checkpoint names version {hint}, which has no checkpoint file; "
            "delta-rs refuses the log: remove _last_checkpoint or create a new checkpoint",
        )
    for version, parts in sorted(listing.checkpoints.items()):
        for name, size in parts:
            problem: str | None = "is an empty file" if size == 0 else None
            if parse and problem is None:
                problem = _parquet_problem(log_dir / name)
            if problem:
                report.add(
                    "error",
                    "broken_checkpoint",
                    f"{DELTA_LOG}/{name}",
                    f"checkpoint {version} {problem}; remove it (the commits hold the "
                    "same state) or create a new checkpoint",
                )


def _downgrade_checkpoint(report: _Report, *, readable: bool) -> None:
    """A broken checkpoint delta-rs reads around is a warning, not an error."""
    if not readable:
        return
    report.findings = [
        Finding(
            table=f.table,
            severity="warning",
            kind=f.kind,
            path=f.path,
            message=f.message + " (delta-rs reads around it for now)",
        )
        if f.kind == "broken_checkpoint" and f.severity == "error"
        else f
        for f in report.findings
    ]


def _check_commits(
    report: _Report, log_dir: Path, listing: LogListing, *, all_commits: bool, replayed: int | None
) -> None:
    """Every commit delta-rs replays must parse (a killed writer leaves half a line).

    ``replayed``: delta-rs just loaded the table at this version; the commits it replayed
    (after the newest checkpoint, up to there) parsed.
    """
    base = newest_checkpoint(listing)
    first = -1 if all_commits or base is None else base
    proven = range(0 if base is None else base + 1, -1 if replayed is None else replayed + 1)
    for version in sorted(v for v in listing.commits if v > first):
        if not listing.commits[version]:
            continue  # reported as zero_byte_commit
        rel = f"{DELTA_LOG}/{commit_name(version)}"
        try:
            if version in proven:
                commit_parsed(log_dir / commit_name(version))  # the next look need not read it
                continue
            problem = commit_problem(log_dir / commit_name(version))
        except OSError as err:
            report.add("error", "unreadable", rel, f"{rel} cannot be read: {short_error(err)}")
            continue
        if problem is not None:
            report.add(
                _replayed(version, base),
                "truncated_commit",
                rel,
                f"commit {version} ({rel}) is cut off or not JSON ({problem}): the table "
                "cannot be read; restore the file from a backup",
            )


def _parquet_problem(path: Path) -> str | None:
    import polars as pl  # only a log with checkpoints needs it

    try:
        pl.read_parquet_schema(path)
    except Exception as err:  # polars raises several types for a bad file
        return f"is not a readable parquet file ({short_error(err)})"
    return None


# -- the files -------------------------------------------------------------------------------


@dataclass(slots=True)
class Disk:
    """What a walk of the table's folders found (symlinks never followed)."""

    files: dict[str, int] = field(default_factory=dict)
    """Plain files: relative path -> size in bytes."""
    links: list[str] = field(default_factory=list)
    staging: dict[str, int] = field(default_factory=dict)
    """Files a killed writer left half-made: relative path -> size in bytes."""


def walk_table(path: Path, *, under: Iterable[str] = ("",)) -> Disk:
    """The visible files below ``path`` (``under``: sub-folders to walk, relative)."""
    disk = Disk()
    stack = list(under)
    while stack:
        rel_dir = stack.pop()
        folder = path / rel_dir if rel_dir else path
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            continue
        for entry in entries:
            if entry.name[0] in "._":
                continue  # the log, locks and hidden files
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # gone since the listing (a writer renamed its staging file): unseen
            if stat.S_ISLNK(info.st_mode):
                disk.links.append(rel)
            elif stat.S_ISDIR(info.st_mode):
                stack.append(rel)
            elif _STAGING.search(entry.name):
                disk.staging[rel] = info.st_size
            elif stat.S_ISREG(info.st_mode):
                disk.files[rel] = info.st_size
    return disk


def _check_files(
    report: _Report,
    path: Path,
    listing: LogListing,
    files: Callable[[], Sequence[ActiveFile]],
    version: int,
    *,
    partitioned: bool,
    deep: bool,
    partitions: Iterable[PartitionKey] | None,
    unreferenced: bool,
    walked: Disk | None = None,
) -> None:
    """Compare the table's folders with ``files()``, the version's active files.

    For a whole table ``files`` is called after the walk (mostly system calls): making
    200,000 rows then does not hold up other threads while a screen shows its figures.
    """
    wanted = None if partitions is None else set(partitions)
    live: Sequence[ActiveFile] = ()
    folders: tuple[str, ...] = ("",)
    if wanted is not None:  # the folders to walk are those of the partitions' files
        live = [f for f in files() if not partitioned or (f.exchange, f.trading_date) in wanted]
        folders = _folders(live)
    disk = walked if walked is not None and wanted is None else walk_table(path, under=folders)
    if wanted is None:
        live = files()
    if partitioned:
        _check_null_partitions(report, live)
    for rel in disk.links:
        target = path / rel
        if not inside(target, report.root):
            report.add(
                "error",
                "outside_lake",
                rel,
                f"{rel} is a symlink leading outside the lake (to {_target(target)}); nothing "
                "follows it: remove the link",
            )
    # A partition folder that is itself a link out of the lake.
    for folder in folders:
        if folder and not inside(path / folder, report.root):
            report.add(
                "error",
                "outside_lake",
                folder,
                f"partition folder {folder} leads outside the lake (to "
                f"{_target(path / folder)}); remove the link",
            )
    for rel, size, rows, ex, day in live:
        on_disk = disk.files.get(rel)
        part = (ex, day)
        if on_disk is None:
            if _behind_link(rel, disk.links):
                continue  # the link is the finding (outside_lake when it leads out)
            report.add(
                "error",
                "missing_file",
                rel,
                f"{rel} is part of version {version} but is not on disk: its rows are "
                "lost; restore it from a backup, or restore the table to a version without it",
                part=part,
                size=size,
            )
        elif on_disk != size:
            report.add(
                "error",
                "size_mismatch",
                rel,
                f"{rel} is {on_disk:,} bytes on disk but the log says {size:,}: it is "
                "truncated or was overwritten; restore it from a backup",
                part=part,
                size=on_disk,
            )
        elif deep:
            _check_footer(report, path, rel, rows, part)
    if wanted is not None or not unreferenced:
        return
    staging = list(disk.staging.items())
    staging += [(f"{DELTA_LOG}/{name}", size) for name, size in listing.temporary]
    for rel, size in staging:
        report.add(
            "warning",
            "staging_file",
            rel,
            f"{rel} is a write that never finished (a killed writer's staging file); free it "
            f"with: pointline-tui remove-orphans {report.table}",
            part=partition_of(rel),
            size=size,
        )
    live_paths = {f.path for f in live}
    unlisted = [rel for rel in disk.files if rel not in live_paths and rel.endswith(".parquet")]
    known = referenced_paths(path / DELTA_LOG, listing, among=unlisted)
    for rel in sorted(unlisted):
        if rel in known:
            continue
        report.add(
            "warning",
            "orphan_file",
            rel,
            f"{rel} is referenced by no version of the log (left by a killed write or "
            f"compaction); free it with: pointline-tui remove-orphans {report.table}",
            part=partition_of(rel),
            size=disk.files[rel],
        )


def _check_null_partitions(report: _Report, live: Sequence[ActiveFile]) -> None:
    bad = [
        f
        for f in live
        if f.exchange is None or f.exchange.strip() in _NULL_VALUES or f.trading_date is None
    ]
    if not bad:
        return
    first = bad[0].path
    report.add(
        "error",
        "null_partition_value",
        first.rsplit("/", 1)[0],
        f"{len(bad)} file(s) have an empty or null exchange or trading_date (first: "
        f"{first}); no partition can be compacted or vacuumed safely there: rewrite those "
        "rows with their real partition values",
        size=sum(f.size for f in bad),
    )


def _check_footer(
    report: _Report, path: Path, rel: str, rows: int | None, part: tuple[str | None, date | None]
) -> None:
    import polars as pl  # a deep check only

    try:
        actual = pl.scan_parquet(path / rel).select(pl.len()).collect().item()
    except Exception as err:  # polars raises several types for a bad file
        report.add(
            "error",
            "corrupt_file",
            rel,
            f"{rel} is not a readable parquet file ({short_error(err)}); restore it from a backup",
            part=part,
        )
        return
    if rows is not None and actual != rows:
        report.add(
            "error",
            "corrupt_file",
            rel,
            f"{rel} holds {actual:,} rows but the log says {rows:,}; restore it from a backup",
            part=part,
        )


def _folders(live: Sequence[ActiveFile]) -> tuple[str, ...]:
    paths = (f.path for f in live)
    return tuple(sorted({p.rsplit("/", 1)[0] if "/" in p else "" for p in paths})) or ("",)


def _not_delta(report: _Report, path: Path) -> None:
    disk = walk_table(path)
    if not disk.files and not disk.links and not disk.staging:
        report.add("info", "empty_folder", "", "the folder is empty (no Delta log, no files)")
        return
    parquet = sum(1 for rel in disk.files if rel.endswith(".parquet"))
    report.add(
        "warning",
        "not_delta",
        "",
        f"no {DELTA_LOG}: not a Delta table ({parquet} parquet and "
        f"{len(disk.files) - parquet} other files); the console only reads it",
    )


def partition_of(rel: str) -> tuple[str | None, date | None]:
    """The exchange and trading date a Hive-style relative path names (``None`` if not)."""
    values = {}
    for segment in rel.split("/")[:-1]:
        key, sep, value = segment.partition("=")
        if sep:
            values[key] = unquote(value)
    try:
        day: date | None = date.fromisoformat(values.get("trading_date", ""))
    except ValueError:
        day = None
    return values.get("exchange"), day


def _target(path: Path) -> str:
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):
        return "a symlink loop"


_ORDER = {"error": 0, "warning": 1, "info": 2}


def _sorted(report: _Report) -> tuple[Finding, ...]:
    return tuple(sorted(report.findings, key=lambda f: _ORDER[f.severity]))
