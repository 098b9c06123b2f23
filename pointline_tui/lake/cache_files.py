"""The statistics cache's folder: atomic writes, and pruning what no longer serves."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

FORMAT = 1
"""The cache files' format, part of their names: a new format never reads an old file."""
MAX_BYTES = 512 * 2**20
"""Past this many bytes of cache files, the least recently used go (a 200,000-file table's
file is about 10 MiB)."""
PRUNE_EVERY_S = 3600
"""How often (at most) a store looks for files to prune, whichever process stores."""
_STALE_S = 3600
"""A temporary file this old is a killed process's, not a write in flight."""
_PRUNED_MARK = ".pruned"
_CACHE_FILE = re.compile(r"-v(\d+)\.parquet$")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")
_FINDINGS_SUFFIX = ".findings.json"
_STATS_SUFFIX = ".stats.json"
_STATUSES_SUFFIX = ".statuses.json"
_COMPANION_SUFFIXES = (_FINDINGS_SUFFIX, _STATS_SUFFIX, _STATUSES_SUFFIX)


def default_cache_folder() -> Path:
    """``$XDG_CACHE_HOME/pointline-tui``, else ``~/.cache/pointline-tui``.

    A relative ``XDG_CACHE_HOME`` is ignored, as the XDG base directory specification says.
    """
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "pointline-tui"


def cache_file_for(folder: Path, table: Path) -> Path:
    """The cache file in ``folder`` of the table at ``table`` (a resolved folder)."""
    digest = hashlib.sha256(str(table).encode()).hexdigest()[:16]
    name = _UNSAFE_NAME.sub("_", table.name)[:40] or "table"
    return folder / f"{name}-{digest}-v{FORMAT}.parquet"


def findings_file(cache_file: Path) -> Path:
    """The file beside a table's cache file that keeps its log's findings."""
    return _companion(cache_file, _FINDINGS_SUFFIX)


def stats_file(cache_file: Path) -> Path:
    """The file beside a table's cache file that keeps its partition statistics."""
    return _companion(cache_file, _STATS_SUFFIX)


def statuses_file(cache_file: Path) -> Path:
    """The file beside the manifest table's cache file that keeps its files per status."""
    return _companion(cache_file, _STATUSES_SUFFIX)


def _companion(cache_file: Path, suffix: str) -> Path:
    return cache_file.with_name(cache_file.name.removesuffix(".parquet") + suffix)


def _with_companions(cache_file: Path) -> tuple[Path, ...]:
    return cache_file, *(_companion(cache_file, s) for s in _COMPANION_SUFFIXES)


def write_atomically(folder: Path, target: Path, body: bytes) -> bool:
    """Write ``body`` to ``target`` through a temporary file in ``folder`` (made if missing).

    The temporary file is moved into place: a reader sees the whole old file or the new one.

    Returns:
        ``False`` when it failed (a full disk, a read-only folder): the cache is a shortcut.
    """
    temporary = None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
        temporary = Path(name)
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
        os.replace(temporary, target)
    except OSError:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        return False
    return True


def prune_now_and_then(folder: Path, prune: Callable[[], object]) -> None:
    """Call ``prune`` when ``PRUNE_EVERY_S`` passed since the folder was last pruned."""
    mark = folder / _PRUNED_MARK
    try:
        if time.time() - mark.stat().st_mtime < PRUNE_EVERY_S:
            return
    except FileNotFoundError:
        pass
    except OSError:
        return
    try:
        mark.touch()
    except OSError:
        return
    prune()


def prune_folder(
    folder: Path, table_of: Callable[[Path], str | None], *, fmt: int, max_bytes: int = MAX_BYTES
) -> list[Path]:
    """Remove the cache files of ``folder`` that serve no one (see ``StatsCache.prune``).

    Args:
        folder: the cache folder.
        table_of: the table folder a cache file of format ``fmt`` describes (``None``: damaged).
        fmt: the cache files' current format.
        max_bytes: the size the table files kept may add up to at most.

    Returns:
        The files removed.
    """
    removed: list[Path] = []
    kept: list[tuple[float, int, Path]] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    names = {e.name for e in entries}
    for entry in entries:
        path = Path(entry.path)
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if _obsolete(path, st.st_mtime, now, names, table_of, fmt):
            gone = _with_companions(path) if _CACHE_FILE.search(path.name) else (path,)
            removed += [p for p in gone if _unlink(p)]
        elif _CACHE_FILE.search(path.name):
            kept.append((st.st_mtime, st.st_size, path))
    total = sum(size for _, size, _ in kept)
    for _, size, path in sorted(kept):  # the least recently used first
        if total <= max_bytes:
            break
        total -= size
        removed += [p for p in _with_companions(path) if _unlink(p)]
    return removed


def _obsolete(
    path: Path,
    modified: float,
    now: float,
    names: set[str],
    table_of: Callable[[Path], str | None],
    fmt: int,
) -> bool:
    name = path.name
    if name.startswith(".") and name.endswith(".tmp"):
        return now - modified > _STALE_S
    for suffix in _COMPANION_SUFFIXES:
        if name.endswith(suffix):
            # Without its table's file: that table is gone, or its file is still to be written
            # (by another thread or process, after this one): only an old one serves no one.
            alone = name.removesuffix(suffix) + ".parquet" not in names
            return alone and now - modified > _STALE_S
    match = _CACHE_FILE.search(name)
    if match is None:
        return False  # not a cache file
    if int(match.group(1)) != fmt:
        return int(match.group(1)) < fmt  # a newer release's file is left to it
    table = table_of(path)
    return table is None or not (Path(table) / "_delta_log").is_dir()


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
    except OSError:
        return False
    return True
