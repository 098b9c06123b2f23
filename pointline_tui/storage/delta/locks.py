"""Per-partition compaction locks across threads and processes: polled, cancellable, tidy."""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import json
import math
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote

from pointline_tui.storage.models import LockCancelledError, LockTimeoutError

LOCK_DIR = "_pointline_locks"  # Delta readers and vacuum ignore folders starting with "_"
DEFAULT_LOCK_TIMEOUT_S: float = 600.0

_MAX_REOPENS = 1_000
"""Attempts that found their lock file unlinked or replaced after locking it, at most."""
_MAX_HOLDER_BYTES = 4_096


@dataclass(frozen=True, slots=True, kw_only=True)
class LockHolder:
    """Who holds a lock, as its holder wrote it into the lock file."""

    pid: int
    host: str
    user: str
    since: datetime
    """When the holder took the lock (tz-aware UTC)."""


@contextmanager
def partition_lock(
    table_root: Path,
    part: tuple[str, date] | None,
    *,
    timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    cancelled: Callable[[], bool] | None = None,
    on_wait: Callable[[LockHolder | None], None] | None = None,
    on_acquired: Callable[[], None] | None = None,
    poll_s: float = 0.1,
) -> Iterator[None]:
    """Hold the exclusive lock on one partition (or on a whole unpartitioned table).

    The lock is an ``fcntl.flock`` on ``<table_root>/_pointline_locks/<name>.lock``, exclusive
    between threads (each attempt opens the file anew) and processes; the kernel releases it
    when its holder dies, so a file left behind by a killed process blocks nobody and is
    reused. Attempts never block: they are repeated every ``poll_s`` until ``timeout_s``. The
    holder writes who it is into the file, and unlinks the file before unlocking it; a waiter
    that locked a file which was unlinked or replaced meanwhile lets it go and tries again, so
    two holders never coexist.

    Args:
        table_root: the table's folder (it must exist).
        part: the (exchange, trading_date) partition, or ``None`` for the whole table.
        timeout_s: give up after waiting this long (0: a single attempt).
        cancelled: checked at every poll; when it returns true the wait ends.
        on_wait: called with the holder read from the lock file (``None`` if unreadable)
            when the lock is first found taken, and again whenever that holder changes.
        on_acquired: called once the lock is held, before the body runs.
        poll_s: seconds between two attempts.

    Yields:
        Nothing; the lock is held inside the ``with`` block.

    Raises:
        ValueError: a negative or infinite ``timeout_s``, or a ``poll_s`` that is not positive.
        LockTimeoutError: still taken after ``timeout_s`` (a ``TimeoutError``).
        LockCancelledError: ``cancelled()`` turned true while waiting.
        OSError: the lock folder or file could not be created or opened.
    """
    if not math.isfinite(timeout_s) or timeout_s < 0:
        raise ValueError(f"timeout_s must be finite and not negative, got {timeout_s}")
    if not math.isfinite(poll_s) or poll_s <= 0:
        raise ValueError(f"poll_s must be positive, got {poll_s}")
    path = table_root / LOCK_DIR / f"{_lock_name(part)}.lock"
    fd = _acquire(
        path,
        _describe(table_root, part),
        timeout_s=timeout_s,
        cancelled=cancelled,
        on_wait=on_wait,
        poll_s=poll_s,
    )
    try:
        _write_holder(fd)
        if on_acquired is not None:
            on_acquired()
        yield
    finally:
        # Unlink while still holding the lock: whoever locks this inode next sees it is gone.
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)  # releases the flock


def _acquire(
    path: Path,
    what: str,
    *,
    timeout_s: float,
    cancelled: Callable[[], bool] | None,
    on_wait: Callable[[LockHolder | None], None] | None,
    poll_s: float,
) -> int:
    """Lock ``path``'s current file and return its descriptor (see ``partition_lock``)."""
    deadline = time.monotonic() + timeout_s
    attempts = math.ceil(timeout_s / poll_s) + 1 + _MAX_REOPENS
    waited = False
    holder: LockHolder | None = None
    for _ in range(attempts):
        path.parent.mkdir(exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            seen = _read_holder(fd)
            os.close(fd)
        except BaseException:
            os.close(fd)
            raise
        else:
            if _still_named(fd, path):
                return fd
            os.close(fd)  # unlinked or replaced by its last holder: lock the new one
            continue
        if on_wait is not None and (not waited or seen != holder):
            on_wait(seen)
        waited, holder = True, seen
        if cancelled is not None and cancelled():
            raise LockCancelledError(
                f"{what}: cancelled while waiting for its lock, held by {_holder_text(holder)}"
            )
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        time.sleep(min(poll_s, remaining))
    raise LockTimeoutError(
        f"{what} is being compacted by {_holder_text(holder)}; gave up after {_seconds(timeout_s)}"
    )


def _still_named(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file open as ``fd``."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (mine.st_dev, mine.st_ino)


def _write_holder(fd: int) -> None:
    record = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "user": _user(),
        "since": datetime.now(UTC).isoformat(),
    }
    data = json.dumps(record).encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


def _read_holder(fd: int) -> LockHolder | None:
    """The holder recorded in the lock file open as ``fd``; ``None`` if empty or unreadable."""
    try:
        record = json.loads(os.pread(fd, _MAX_HOLDER_BYTES, 0))
        since = datetime.fromisoformat(record["since"])
        if since.tzinfo is None:
            return None
        return LockHolder(
            pid=int(record["pid"]),
            host=str(record["host"]),
            user=str(record["user"]),
            since=since.astimezone(UTC),
        )
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (containers)
        return str(os.getuid())


def _lock_name(part: tuple[str, date] | None) -> str:
    return "table" if part is None else f"{quote(part[0], safe='-')}.{part[1].isoformat()}"


def _describe(table_root: Path, part: tuple[str, date] | None) -> str:
    if part is None:
        return f"table {table_root.name}"
    return f"{table_root.name}: partition {part[0]}/{part[1].isoformat()}"


def _holder_text(holder: LockHolder | None) -> str:
    if holder is None:
        return "another compaction (its holder could not be read)"
    since = holder.since.strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"pid {holder.pid} on host {holder.host} (user {holder.user}) since {since}"


def _seconds(value: float) -> str:
    return f"{value:g} s"
