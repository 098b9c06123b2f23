"""Deleting files from a table folder safely: only plain files inside it, never a live one.

Also how delta-rs's vacuum paths and the table's retention are read, whatever the release.
"""

from __future__ import annotations

import functools
import os
import re
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from pointline_tui.storage.delta.active_files import active_paths
from pointline_tui.storage.delta.layout import inside
from pointline_tui.storage.delta.log import DELTA_LOG, list_log, referenced_paths
from pointline_tui.storage.models import UnsafeTableError

if TYPE_CHECKING:
    from deltalake import DeltaTable

DEFAULT_RETENTION_HOURS = 168

_RETENTION = re.compile(r"interval\s+(\d+)\s+(\w+?)s?\s*$", re.IGNORECASE)
_HOURS_PER = {"hour": 1, "day": 24, "week": 168, "minute": 1 / 60, "second": 1 / 3600}


def minimum_retention_hours(dt: DeltaTable) -> int:
    """The table's ``delta.deletedFileRetentionDuration`` in hours (Delta's default: 168)."""
    value = dt.metadata().configuration.get("delta.deletedFileRetentionDuration")
    match = _RETENTION.match(value or "")
    if not match or match.group(2).lower() not in _HOURS_PER:
        return DEFAULT_RETENTION_HOURS
    return int(int(match.group(1)) * _HOURS_PER[match.group(2).lower()])


def changed_at(path: Path) -> float:
    """When ``path`` (not what a symlink names) last changed; infinitely new when gone."""
    try:
        return path.lstat().st_mtime
    except FileNotFoundError:
        return float("inf")


def table_relative(table_root: Path, reported: str) -> str:
    """A path delta-rs reported (relative, absolute or a file URI) relative to the table root."""
    local = reported.removeprefix("file://")
    for variant in (local, unquote(local)):
        for root in _roots(table_root):
            if variant.startswith(root):
                return variant[len(root) :]
    return local


@functools.cache
def _roots(table_root: Path) -> tuple[str, ...]:
    """The table root's spellings, each ending in "/" (resolved once, not once per path)."""
    return tuple({str(table_root.absolute()).rstrip("/") + "/", str(table_root.resolve()) + "/"})


def vacuum_sizes(
    dt: DeltaTable,
    table_root: Path,
    retention_hours: int,
    walked: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """What a (lite) vacuum with ``retention_hours`` deletes: on-disk names and sizes.

    Names are relative to the table root. Lite vacuum lists every old tombstone, including
    files already deleted (left out here), and spells escaped partition values differently
    from one release to the next. ``walked``: the plain files a walk of the table just found
    (relative name -> size, ``check.walk_table``); a name it did not see is looked up.
    """
    seen = walked or {}
    listed = dt.vacuum(
        retention_hours=retention_hours, dry_run=True, enforce_retention_duration=False
    )
    root = str(table_root)
    sizes = {}
    for reported in listed:
        rel = table_relative(table_root, reported)
        for variant in (rel, unquote(rel)):  # the log may percent-encode it once more
            size = seen.get(variant)
            if size is None:
                try:
                    size = os.stat(os.path.join(root, variant)).st_size
                except FileNotFoundError:
                    continue
            sizes[variant] = size
            break
    return sizes


def refuse_outside(table_root: Path, table_name: str, paths: Iterable[str]) -> None:
    """Refuse to delete anything whose folder leads out of the table (a symlinked folder).

    Raises:
        UnsafeTableError: naming the first such folder.
    """
    folders = {rel.rsplit("/", 1)[0] for rel in paths if "/" in rel}
    plain = _plain_folders(table_root, folders)
    for folder in sorted(folders - plain):
        if not inside(table_root / folder, table_root):
            raise UnsafeTableError(
                f"refused to delete in {table_name}/{folder}: the folder leads outside the "
                f"table (to {(table_root / folder).resolve()}); see: pointline-tui check "
                f"{table_name}"
            )


def _plain_folders(table_root: Path, folders: Iterable[str]) -> set[str]:
    """Those of ``folders`` (relative) that are real folders all the way down.

    No part of them is a symlink, nor ``..``: they are inside the table without resolving each.
    """
    is_link: dict[str, bool] = {}
    plain = set()
    for folder in folders:
        parts = folder.split("/")
        if ".." in parts or "" in parts:
            continue
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            if prefix not in is_link:
                try:
                    is_link[prefix] = stat.S_ISLNK(os.lstat(table_root / prefix).st_mode)
                except OSError:
                    is_link[prefix] = True  # gone or unreadable: resolve it the long way
            if is_link[prefix]:
                break
        else:
            plain.add(folder)
    return plain


def delete_unreferenced(dt: DeltaTable, root: Path, candidates: list[str]) -> list[str]:
    """Delete ``candidates``, re-checking first that the latest version references none."""
    dt.update_incremental()
    live = active_paths(dt)  # on-disk form, as candidates
    return _unlink_all(root, [rel for rel in candidates if rel not in live])


def delete_orphans(dt: DeltaTable, root: Path, candidates: list[str]) -> list[str]:
    """Delete ``candidates`` unless the latest log names them now (a commit since the check)."""
    dt.update_incremental()
    known = referenced_paths(root / DELTA_LOG, list_log(root / DELTA_LOG))
    known |= active_paths(dt)
    return _unlink_all(root, [rel for rel in candidates if rel not in known])


def _unlink_all(root: Path, candidates: list[str]) -> list[str]:
    """Unlink each of ``candidates`` that is a plain file inside ``root``; return those gone."""
    refuse_outside(root, root.name, candidates)
    removed = []
    base = str(root)
    for rel in candidates:
        target = os.path.join(base, rel)
        try:
            if not stat.S_ISREG(os.lstat(target).st_mode):
                continue  # never follow a link, nor delete a folder
            os.unlink(target)
        except FileNotFoundError:
            continue  # already gone
        removed.append(rel)
    return removed
