"""Checking an OPTIMIZE commit against the log before trusting it.

Some delta-rs releases let an optimize planned on a stale snapshot commit over another
optimize of the same files, doubling their rows. Whatever the release, a compaction commit
must remove only files that were live in the version it was committed on, and add exactly
the rows it removed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import NamedTuple

from pointline_tui.storage.delta.log import (
    DELTA_LOG,
    commit_actions,
    commit_name,
    list_log,
    on_disk,
)
from pointline_tui.storage.models import VerificationError

RUN_KEY = "pointline_run"
"""Custom commit metadata naming the compaction run that made a commit."""


class CompactionCommit(NamedTuple):
    """What a compaction's commit did to its partition."""

    version: int
    added: Mapping[str, int]
    """The files it wrote: path (as on disk) -> bytes."""
    removed: frozenset[str]
    """The files it removed (paths as on disk)."""


def verify_compaction(
    table_root: Path,
    part: tuple[str, date] | None,
    *,
    since_version: int,
    before: Mapping[str, int | None],
    run_id: str,
) -> CompactionCommit | None:
    """Check the commit of compaction ``run_id`` made on top of version ``since_version``.

    Args:
        table_root: the table's folder.
        part: the compacted (exchange, trading_date), ``None`` for a whole table.
        since_version: the version the compaction was planned on.
        before: the partition's live files at ``since_version``: path (as on disk) -> rows.
        run_id: the value of ``RUN_KEY`` in the compaction's commit metadata.

    Returns:
        The compaction's commit, ``None`` when it committed nothing.

    Raises:
        VerificationError: the commit removed a file that was no longer live, or its files
            hold another number of rows than those it removed.
    """
    where = "the table" if part is None else f"partition {part[0]}/{part[1].isoformat()}"
    live = dict(before)
    log_dir = table_root / DELTA_LOG
    for version in sorted(v for v in list_log(log_dir).commits if v > since_version):
        actions = list(commit_actions(log_dir / commit_name(version)))
        adds = _files(actions, "add", part)
        removes = _files(actions, "remove", part)
        if not _is_run(actions, run_id):
            for path in removes:
                live.pop(path, None)
            live.update(adds)
            continue
        gone = [path for path in removes if path not in live]
        if gone:
            raise VerificationError(
                f"{table_root.name}: the compaction of {where} (version {version}) removed "
                f"{len(gone)} file(s) another writer had already removed (first: {gone[0]}); "
                "their rows may now be in the table twice. Nothing more was compacted: "
                f"check the table (pointline-tui check {table_root.name}) and restore version "
                f"{version - 1} if rows are doubled"
            )
        removed_rows = [live[path] for path in removes]
        added_rows = list(adds.values())
        if None not in removed_rows and None not in added_rows:
            expected, actual = sum(removed_rows), sum(added_rows)  # type: ignore[arg-type]
            if expected != actual:
                raise VerificationError(
                    f"{table_root.name}: the compaction of {where} (version {version}) wrote "
                    f"{actual:,} rows in place of {expected:,}. Nothing more was compacted: "
                    f"restore version {version - 1} (pointline-tui history {table_root.name})"
                )
        return CompactionCommit(version, _sizes(actions, part), frozenset(removes))
    return None


def _sizes(actions: list[dict[str, object]], part: tuple[str, date] | None) -> dict[str, int]:
    """The files the add actions of ``part`` name: path (as on disk) -> bytes."""
    sizes = {}
    for path, add in _actions(actions, "add", part):
        size = add.get("size")
        if not isinstance(size, int) or isinstance(size, bool):
            raise VerificationError(f"an add action without its size: {path}")
        sizes[path] = size
    return sizes


def _is_run(actions: list[dict[str, object]], run_id: str) -> bool:
    for action in actions:
        info = action.get("commitInfo")
        if isinstance(info, dict) and info.get(RUN_KEY) == run_id:
            return True
    return False


def _files(
    actions: list[dict[str, object]], kind: str, part: tuple[str, date] | None
) -> dict[str, int | None]:
    """The ``kind`` ("add"/"remove") actions of ``part``: path (on disk) -> rows (if known)."""
    return {path: _rows(value.get("stats")) for path, value in _actions(actions, kind, part)}


def _actions(
    actions: list[dict[str, object]], kind: str, part: tuple[str, date] | None
) -> Iterator[tuple[str, dict[str, object]]]:
    """The ``kind`` ("add"/"remove") actions of ``part``, each with its path as on disk."""
    for action in actions:
        value = action.get(kind)
        if not isinstance(value, dict) or "path" not in value:
            continue
        if part is not None:
            values = value.get("partitionValues")
            if isinstance(values, dict) and (
                values.get("exchange") != part[0]
                or values.get("trading_date") != part[1].isoformat()
            ):
                continue
        yield on_disk(str(value["path"])), value


def _rows(stats: object) -> int | None:
    if not isinstance(stats, str):
        return None
    try:
        rows = json.loads(stats).get("numRecords")
    except (ValueError, AttributeError):
        return None
    return rows if isinstance(rows, int) else None
