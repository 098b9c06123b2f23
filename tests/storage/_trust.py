"""Lakes, listings and log readings shared by the "Trust" tests (check, orphans, compaction)."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from datetime import date
from pathlib import Path
from urllib.parse import unquote

import polars as pl
from deltalake import DeltaTable

from pointline_tui.storage.delta import DeltaEventStore
from tests.frames import trades

D1, D2 = date(2024, 5, 1), date(2024, 5, 2)
P1 = ("okx", D1)
P2 = ("okx", D2)
"""The template's compacted partition: it has tombstones, so vacuum has work there."""
P3 = ("binance-futures", D1)
PARTS = (P1, P2, P3)
ROWS = 20
APPENDS = 4
LATEST = APPENDS  # versions 0-2 appends, 3 the compaction of P2, 4 the last append
OLD_S = 3 * 24 * 3600
"""An age (seconds) well past every minimum orphan age used in the tests."""


def build_lake(root: Path) -> Path:
    """Trades in ``PARTS``: four appends of a file per partition, ``P2`` compacted before the last.

    Versions: 0, 1, 2 appends; 3 the compaction of ``P2``; 4 the last append. Every file is
    small (``ROWS`` rows); the (file_id, file_seq) pairs are unique across the table.
    """
    store = DeltaEventStore(root)
    for i in range(APPENDS):
        if i == APPENDS - 1:
            store.compact_partitions("trades", exchange=P2[0], trading_date=P2[1])
        frame = pl.concat(
            [
                trades(ex, day, ROWS, start=i * ROWS, file_id=10 * k + 1)
                for k, (ex, day) in enumerate(PARTS)
            ]
        )
        store.append("trades", frame)
    assert DeltaTable(str(root / "trades")).version() == LATEST
    return root


def read(root: Path, table: str = "trades") -> pl.DataFrame:
    """The table's rows, read through polars (never ``to_pyarrow_table``)."""
    return pl.read_delta(str(root / table))


def live_files(root: Path, part: tuple[str, date] | None = None) -> dict[str, int]:
    """The latest version's files (path relative to the table, as on disk) -> size in bytes."""
    actions = pl.DataFrame(DeltaTable(str(root / "trades")).get_add_actions(flatten=True))
    if part is not None:
        actions = actions.filter(
            pl.col("partition.exchange") == part[0], pl.col("partition.trading_date") == part[1]
        )
    return {unquote(p): int(s) for p, s in actions.select("path", "size_bytes").iter_rows()}


def live_rows(root: Path, part: tuple[str, date]) -> dict[str, int]:
    """The latest version's files of ``part``: path (as on disk) -> rows."""
    actions = pl.DataFrame(DeltaTable(str(root / "trades")).get_add_actions(flatten=True))
    actions = actions.filter(
        pl.col("partition.exchange") == part[0], pl.col("partition.trading_date") == part[1]
    )
    return {unquote(p): int(n) for p, n in actions.select("path", "num_records").iter_rows()}


def commit_file(table: Path, version: int) -> Path:
    return table / "_delta_log" / f"{version:020d}.json"


def commit_lines(table: Path, version: int) -> list[dict[str, object]]:
    text = commit_file(table, version).read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def added_by(table: Path, version: int) -> list[tuple[str, int]]:
    """The (path as on disk, size) of every file commit ``version`` adds."""
    return [
        (unquote(str(a["add"]["path"])), int(a["add"]["size"]))  # type: ignore[index]
        for a in commit_lines(table, version)
        if "add" in a
    ]


def logged_paths(table: Path) -> set[str]:
    """Every path (as on disk) an add or remove action of any ``_delta_log/*.json`` names."""
    paths: set[str] = set()
    for commit in sorted((table / "_delta_log").glob("*.json")):
        for line in commit.read_text().splitlines():
            if not line.strip():
                continue
            action = json.loads(line)
            for kind in ("add", "remove"):
                if kind in action:
                    paths.add(unquote(action[kind]["path"]))
    return paths


def data_files(table: Path) -> set[str]:
    """Every regular file below ``table`` (relative), outside folders starting with "_" or "."."""
    out = set()
    for dirpath, dirnames, filenames in os.walk(table):
        dirnames[:] = [d for d in dirnames if d[0] not in "._"]
        for name in filenames:
            path = Path(dirpath) / name
            if name[0] not in "._" and stat.S_ISREG(path.lstat().st_mode):
                out.add(path.relative_to(table).as_posix())
    return out


def snapshot(folder: Path) -> dict[str, tuple[object, ...]]:
    """Every entry below ``folder`` (links not followed): kind, size and content hash.

    Compared before and after an operation, it shows any file or folder created, deleted,
    rewritten or touched, the ``_delta_log`` included.
    """
    out: dict[str, tuple[object, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                out[rel] = ("dir",)
            else:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                out[rel] = ("file", info.st_size, info.st_mtime_ns, digest)
    return out


def age(path: Path, seconds: float) -> None:
    """Make ``path`` (not what a link names) look ``seconds`` old."""
    import time

    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)
