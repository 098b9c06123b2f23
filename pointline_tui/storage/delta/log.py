"""Reading a Delta log directly: its listing and its commits' actions.

delta-rs hides what this module shows: which commit files exist and how big they are, and
every path any commit or checkpoint names.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

DELTA_LOG = "_delta_log"
_COMMIT = re.compile(r"^(\d{20})\.json$")
_CHECKPOINT = re.compile(r"^(\d{20})\.checkpoint(?:\.\d+\.\d+)?\.parquet$")


@dataclass(frozen=True, slots=True)
class LogListing:
    """What ``_delta_log`` holds, from one folder listing (no file is read)."""

    commits: dict[int, int]
    """Commit version -> file size in bytes."""
    checkpoints: dict[int, list[tuple[str, int]]]
    """Checkpoint version -> its parquet parts (name, size)."""
    last_checkpoint: int | None
    """The version ``_last_checkpoint`` names (``None`` when absent or unreadable)."""
    last_checkpoint_error: str | None = None
    temporary: tuple[tuple[str, int], ...] = ()
    """Commit files a killed writer left half-made (``_commit_<uuid>.json.tmp``)."""

    @property
    def latest(self) -> int | None:
        """The newest version the listing shows."""
        versions = list(self.commits) + list(self.checkpoints)
        return max(versions) if versions else None


def list_log(log_dir: Path) -> LogListing:
    """List ``log_dir``: commits, checkpoints and the ``_last_checkpoint`` hint."""
    commits: dict[int, int] = {}
    checkpoints: dict[int, list[tuple[str, int]]] = {}
    hint: int | None = None
    hint_error = None
    temporary = []
    with os.scandir(log_dir) as entries:
        for entry in entries:
            if (match := _COMMIT.match(entry.name)) is not None:
                commits[int(match.group(1))] = entry.stat(follow_symlinks=False).st_size
            elif (match := _CHECKPOINT.match(entry.name)) is not None:
                size = entry.stat(follow_symlinks=False).st_size
                checkpoints.setdefault(int(match.group(1)), []).append((entry.name, size))
            elif entry.name == "_last_checkpoint":
                try:
                    hint = int(json.loads(Path(entry.path).read_text())["version"])
                except (OSError, ValueError, KeyError, TypeError) as err:
                    hint_error = f"_last_checkpoint cannot be read ({type(err).__name__})"
            elif entry.name.endswith(".tmp"):
                temporary.append((entry.name, entry.stat(follow_symlinks=False).st_size))
    return LogListing(commits, checkpoints, hint, hint_error, tuple(sorted(temporary)))


def commit_name(version: int) -> str:
    """``3`` -> ``"00000000000000000003.json"``."""
    return f"{version:020d}.json"


def newest_checkpoint(listing: LogListing) -> int | None:
    """The newest checkpoint with no empty part: where delta-rs starts its replay."""
    complete = [v for v, parts in listing.checkpoints.items() if all(s for _, s in parts)]
    return max(complete) if complete else None


def commit_actions(commit: Path) -> Iterator[dict[str, object]]:
    """The actions of one commit file.

    Raises:
        ValueError: a line is not a JSON object (naming the line).
    """
    with commit.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                action = json.loads(line)
            except ValueError:
                raise ValueError(f"line {number} does not parse") from None
            if not isinstance(action, dict):
                raise ValueError(f"line {number} is not an action")
            yield action


_PARSED: dict[tuple[str, int, int, int], str | None] = {}
"""Commit file (path, inode, size, mtime) -> why it does not parse (``None``: it parses)."""
_PARSED_MAX = 200_000


def commit_problem(commit: Path) -> str | None:
    """Why the commit file does not parse (``None``: every line is an action).

    A commit is written once: its answer is remembered while the file's inode, size and
    modification time stay the same, so a log is parsed once per process, not once per look.

    Raises:
        OSError: the file cannot be read.
    """
    key = _parse_key(commit)
    if key not in _PARSED:
        try:
            for _ in commit_actions(commit):
                pass
            problem = None
        except ValueError as err:
            problem = str(err)
        _remember(key, problem)
    return _PARSED[key]


def commit_parsed(commit: Path) -> None:
    """Remember that the commit file, as it is now, parses (delta-rs just replayed it).

    Raises:
        OSError: the file cannot be read.
    """
    _remember(_parse_key(commit), None)


def _parse_key(commit: Path) -> tuple[str, int, int, int]:
    info = commit.stat()
    return str(commit), info.st_ino, info.st_size, info.st_mtime_ns


def _remember(key: tuple[str, int, int, int], problem: str | None) -> None:
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.clear()
    _PARSED[key] = problem


def _checkpoint_paths(checkpoint: Path) -> set[str]:
    import polars as pl  # a listing needs none: only a checkpoint's paths do

    try:
        frame = pl.read_parquet(checkpoint, columns=["add", "remove"])
    except Exception:  # reported by _check_checkpoint
        return set()
    paths = pl.concat(
        [frame.get_column(kind).struct.field("path") for kind in ("add", "remove")]
    ).drop_nulls()
    return {on_disk(p) for p in paths.to_list()}


def referenced_paths(
    log_dir: Path, listing: LogListing, among: Iterable[str] | None = None
) -> set[str]:
    """Every data file path (as on disk) any commit or checkpoint of the log names.

    Adds and removes (tombstones) alike: a file named anywhere in the log is not an orphan.
    With ``among``, only those of these paths (the set stays as small as the question); with
    ``among`` empty, no file is read.
    """
    wanted = None if among is None else set(among)
    if wanted is not None and not wanted:
        return set()
    paths: set[str] = set()
    # Newest first: a file compacted away is named by a recent remove, so a search for
    # tombstoned files usually ends after a few commits.
    for version in sorted(listing.commits, reverse=True):
        try:
            for action in commit_actions(log_dir / commit_name(version)):
                for kind in ("add", "remove"):
                    if isinstance(value := action.get(kind), dict) and "path" in value:
                        named = on_disk(str(value["path"]))
                        if wanted is None or named in wanted:
                            paths.add(named)
        except (ValueError, OSError):
            continue  # a damaged commit is a finding of its own; what parsed still counts
        if wanted is not None and len(paths) == len(wanted):
            return paths
    for parts in listing.checkpoints.values():
        for name, size in parts:
            if size:
                paths.update(_checkpoint_paths(log_dir / name))
    return paths if wanted is None else paths & wanted


def on_disk(logged: str) -> str:
    """A path as the log stores it (percent-encoded) as it is named on disk."""
    return logged if "://" in logged else unquote(logged)


def log_signature(log_dir: Path, listing: LogListing, version: int) -> str | None:
    """A digest of the log up to ``version``, from its listing and two ``stat`` calls.

    It covers the name and size of every commit and checkpoint part up to ``version``, and
    the size, modification time and inode of commit ``version`` and of the oldest log file.

    Returns:
        The digest; ``None`` when commit ``version`` is not listed or a file vanished.
    """
    if version not in listing.commits:
        return None
    lines = [f"c{v}:{size}" for v, size in sorted(listing.commits.items()) if v <= version]
    parts = sorted(
        (v, name, size)
        for v, checkpoint in listing.checkpoints.items()
        if v <= version
        for name, size in checkpoint
    )
    lines += [f"k{name}:{size}" for _, name, size in parts]
    oldest = min(v for v in listing.commits if v <= version)
    first = commit_name(oldest)
    if parts and parts[0][0] < oldest:
        first = parts[0][1]
    try:
        for name in (first, commit_name(version)):
            st = os.stat(log_dir / name, follow_symlinks=False)
            lines.append(f"s{name}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}")
    except OSError:
        return None
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
