"""Compaction you can trust: races with other optimizers, doubled commits, kill -9, partial runs.

Real Delta tables in ``tmp_path``, real spawned processes, every loop bounded by count and time.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import shutil
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import unquote

import polars as pl
import pytest
from deltalake import DeltaTable

from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.storage.delta.check import check_table
from pointline_tui.storage.delta.locks import LOCK_DIR
from pointline_tui.storage.delta.verify import RUN_KEY, verify_compaction
from pointline_tui.storage.models import (
    ConflictError,
    PartialCompactionError,
    VerificationError,
)
from tests.frames import partition_checksums, trades
from tests.storage import _trust_workers
from tests.storage._trust import (
    APPENDS,
    LATEST,
    P1,
    P2,
    P3,
    ROWS,
    build_lake,
    commit_file,
    commit_lines,
    data_files,
    live_files,
    live_rows,
    logged_paths,
    read,
)

SPAWN = multiprocessing.get_context("spawn")  # a forked child panics in deltalake


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_lake(tmp_path_factory.mktemp("trust-template") / "lake")


@pytest.fixture
def lake(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "lake"))


def errors(root: Path) -> list[str]:
    return [f.message for f in check_table(root, "trades") if f.severity == "error"]


def in_part(frame: pl.DataFrame, part: tuple[str, date]) -> pl.DataFrame:
    return frame.filter(pl.col("exchange") == part[0], pl.col("trading_date") == part[1])


# -- (a) a foreign optimizer racing ours --------------------------------------------------------


def test_a_foreign_optimizer_racing_our_compaction_loses_and_doubles_nothing(
    tmp_path: Path,
) -> None:
    root = tmp_path / "lake"
    table = root / "trades"
    store = DeltaEventStore(root)
    part = ("okx", date(2024, 5, 1))
    appended = 0

    def append(n: int) -> None:
        nonlocal appended
        try:
            store.append("trades", trades(*part, n, start=appended, file_id=7))
        except ConflictError:
            return  # a failed commit wrote nothing
        appended += n

    for _ in range(4):
        append(10)
    ready, stop, results = SPAWN.Event(), SPAWN.Event(), SPAWN.Queue()
    proc = SPAWN.Process(
        target=_trust_workers.foreign_optimizer,
        args=(str(table), part[0], part[1].isoformat(), 400, 30.0, ready, stop, results),
    )
    proc.start()
    ours = idle = conflicts = rounds = 0
    try:
        assert ready.wait(60), "the optimizer process never started"
        deadline = time.monotonic() + 12
        for _ in range(15):
            if time.monotonic() > deadline:
                break
            for _ in range(3):
                append(5)
            rounds += 1
            try:
                report = store.compact_partitions(
                    "trades", exchange=part[0], trading_date=part[1], lock_timeout_s=30
                )
            except ConflictError:
                conflicts += 1
                continue
            # The other optimizer may have left the partition one file before ours planned.
            if report.files_before > 1:
                ours += 1
            else:
                idle += 1
    finally:
        stop.set()
        proc.join(60)
        if proc.exitcode is None:
            proc.kill()
            proc.join(10)
    assert proc.exitcode == 0
    foreign, _, _ = results.get(timeout=10)

    back = read(root)
    assert back.height == appended
    assert not back.select("file_id", "file_seq").is_duplicated().any()
    assert sorted(back.get_column("file_seq").to_list()) == list(range(appended))
    assert errors(root) == []
    # Both optimizers ran: the other one committed; ours committed, lost, or (the other one
    # having compacted first) had nothing to do, each round.
    assert foreign >= 1
    assert ours + idle + conflicts == rounds >= 1
    history = [h for h in DeltaTable(str(table)).history() if h["operation"] == "OPTIMIZE"]
    assert sum(1 for h in history if RUN_KEY in h) == ours, "every compaction of ours committed"


# -- (b) verify_compaction on a real log --------------------------------------------------------


def doctor_commit(
    table: Path, version: int, removes: list[dict[str, object]], add: dict[str, object], run: str
) -> str:
    """Write commit ``version`` by hand: ``removes``, an add of a copy of ``add``'s file.

    Returns the copy's path (relative to the table). This is what delta-rs 1.6.4-1.6.6 commit
    when an OPTIMIZE on a stale handle lands over another OPTIMIZE of the same files.
    """
    source = unquote(str(add["path"]))
    copy = f"{source.rsplit('/', 1)[0]}/part-00000-{uuid.uuid4()}-c000.zstd.parquet"
    shutil.copy(table / source, table / copy)
    now_ms = int(time.time() * 1000)
    info = {
        "timestamp": now_ms,
        "operation": "OPTIMIZE",
        "operationParameters": {"targetSize": "134217728"},
        "readVersion": version - 2,
        RUN_KEY: run,
    }
    actions = [
        {"commitInfo": info},
        *({"remove": dict(r, deletionTimestamp=now_ms)} for r in removes),
        {"add": dict(add, path=copy, modificationTime=now_ms)},
    ]
    commit = commit_file(table, version)
    assert not commit.exists()
    commit.write_text("".join(json.dumps(a) + "\n" for a in actions))
    return copy


def compacted_once(root: Path) -> tuple[int, dict[str, int], list[dict[str, object]]]:
    """Compact ``P1`` through the store: (its commit's version, P1's files before, its actions)."""
    before = live_rows(root, P1)
    assert len(before) == APPENDS
    DeltaEventStore(root).compact_partitions("trades", exchange=P1[0], trading_date=P1[1])
    version = DeltaTable(str(root / "trades")).version()
    assert version == LATEST + 1
    return version, before, commit_lines(root / "trades", version)


def test_verify_compaction_catches_a_doubled_commit(lake: Path) -> None:
    table = lake / "trades"
    v, before, actions = compacted_once(lake)
    removes = [a["remove"] for a in actions if "remove" in a]
    [add] = [a["add"] for a in actions if "add" in a]
    [info] = [a["commitInfo"] for a in actions if "commitInfo" in a]
    assert len(removes) == APPENDS

    doctor_commit(table, v + 1, removes, add, "doubled-run")  # type: ignore[arg-type]
    assert in_part(read(lake), P1).height == 2 * APPENDS * ROWS, "the rows are doubled"

    with pytest.raises(VerificationError, match=rf"removed {APPENDS} file\(s\) another writer"):
        verify_compaction(table, P1, since_version=v - 1, before=before, run_id="doubled-run")
    # The honest commit it raced passes, and is the version returned.
    honest = info[RUN_KEY]  # type: ignore[index]
    commit = verify_compaction(table, P1, since_version=v - 1, before=before, run_id=honest)
    assert commit is not None
    assert commit.version == v
    [add_path] = commit.added
    assert (commit.added[add_path], commit.removed) == (add["size"], frozenset(before))
    # A run that committed nothing.
    assert verify_compaction(table, P1, since_version=v - 1, before=before, run_id="none") is None


def test_verify_compaction_passes_an_honest_hand_written_commit(lake: Path) -> None:
    table = lake / "trades"
    v, _, actions = compacted_once(lake)
    [add] = [a["add"] for a in actions if "add" in a]
    at_v = live_rows(lake, P1)
    [(path, rows)] = at_v.items()
    remove = {
        "path": add["path"],
        "dataChange": False,
        "extendedFileMetadata": True,
        "partitionValues": add["partitionValues"],
        "size": add["size"],
    }
    doctor_commit(table, v + 1, [remove], add, "rewrite-run")  # type: ignore[arg-type]
    assert in_part(read(lake), P1).height == rows == APPENDS * ROWS
    commit = verify_compaction(table, P1, since_version=v, before=at_v, run_id="rewrite-run")
    assert commit is not None
    assert commit.version == v + 1
    assert path not in live_rows(lake, P1)


def test_verify_compaction_catches_a_commit_that_changes_the_row_count(lake: Path) -> None:
    table = lake / "trades"
    v, _, actions = compacted_once(lake)
    [add] = [a["add"] for a in actions if "add" in a]
    at_v = live_rows(lake, P1)
    stats = json.loads(str(add["stats"]))
    stats["numRecords"] = 2 * stats["numRecords"]
    remove = {"path": add["path"], "dataChange": False, "partitionValues": add["partitionValues"]}
    doctor_commit(
        table,
        v + 1,
        [remove],
        dict(add, stats=json.dumps(stats)),
        "grown-run",  # type: ignore[arg-type]
    )
    with pytest.raises(VerificationError, match=rf"wrote {2 * APPENDS * ROWS:,} rows in place"):
        verify_compaction(table, P1, since_version=v, before=at_v, run_id="grown-run")


def test_compacting_a_healthy_lake_verifies_and_returns(lake: Path) -> None:
    before = partition_checksums(read(lake))
    version = DeltaTable(str(lake / "trades")).version()
    report = DeltaEventStore(lake).compact_partitions("trades")
    assert report.partitions_processed == 3
    assert [(p.exchange, p.trading_date) for p in report.partitions] == sorted([P1, P2, P3])
    assert all(p.files_after == 1 for p in report.partitions)
    assert partition_checksums(read(lake)) == before
    runs = [
        commit_lines(lake / "trades", v)[0]["commitInfo"]
        for v in range(version + 1, DeltaTable(str(lake / "trades")).version() + 1)
    ]
    assert len(runs) == 3
    assert all(RUN_KEY in info for info in runs)
    assert errors(lake) == []


# -- (c) kill -9 of `pointline-tui compact` at random moments ---------------------------------

HOT_PARTS = [
    (ex, date(2024, 5, 1) + timedelta(days=d))
    for ex in ("okx", "binance-futures")
    for d in range(4)
]


@pytest.fixture(scope="module")
def hot_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight hot partitions: 25 appends of one small file in each (compact takes ~1-2 s)."""
    root = tmp_path_factory.mktemp("hot-template") / "lake"
    store = DeltaEventStore(root)
    for i in range(25):
        frame = pl.concat(
            [
                trades(ex, day, 200, start=i * 200, file_id=k)
                for k, (ex, day) in enumerate(HOT_PARTS)
            ]
        )
        store.append("trades", frame)
    return root


def unreferenced(table: Path) -> set[str]:
    """Files below ``table`` no commit names, computed from the JSON commits (lake-relative)."""
    named = logged_paths(table)
    on_disk = {
        rel
        for rel in data_files(table)
        if rel.endswith(".parquet") or rel.rsplit(".parquet#", 1)[-1].isdigit()
    }
    temporary = {
        f"_delta_log/{p.name}" for p in (table / "_delta_log").iterdir() if p.name.endswith(".tmp")
    }
    return {f"{table.name}/{rel}" for rel in (on_disk - named) | temporary}


def _wait_for_a_lock(table: Path, proc: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    """Until ``proc`` holds a partition lock of ``table`` (it is compacting), or has ended.

    A lock file names its holder's pid; a killed run's files stay behind, naming theirs.
    """
    deadline = time.monotonic() + timeout_s
    while proc.poll() is None and time.monotonic() < deadline:
        for lock in (table / LOCK_DIR).glob("*.lock"):
            try:
                if json.loads(lock.read_text()).get("pid") == proc.pid:
                    return
            except (OSError, ValueError):
                continue  # being written or removed
        time.sleep(0.01)


def test_kill_9_of_compact_at_random_moments_loses_nothing(
    hot_template: Path, tmp_path: Path
) -> None:
    rng = random.Random(20240501)
    root = Path(shutil.copytree(hot_template, tmp_path / "lake"))
    table = root / "trades"
    original = partition_checksums(read(root))
    command = [
        sys.executable,
        "-m",
        "pointline_tui",
        "compact",
        "trades",
        "--silver-root",
        str(root),
    ]
    killed_running = optimize_commits = 0
    deadline = time.monotonic() + 40
    for _ in range(6):
        if time.monotonic() > deadline:
            break
        version = DeltaTable(str(table)).version()
        with subprocess.Popen(
            command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        ) as proc:
            # Start-up takes seconds on a loaded machine: time the kill from its first lock.
            _wait_for_a_lock(table, proc)
            time.sleep(rng.uniform(0.0, 1.5))
            if proc.poll() is None:
                killed_running += 1
            proc.kill()
            _, stderr = proc.communicate(timeout=60)
        assert proc.returncode in (0, -9), stderr.decode()[-2000:]

        assert partition_checksums(read(root)) == original
        findings = check_table(root, "trades")
        assert [f.message for f in findings if f.severity == "error"] == []
        reported = {f.path for f in findings if f.kind in ("orphan_file", "staging_file")}
        assert reported == unreferenced(table)
        optimize_commits += sum(
            1
            for v in range(version + 1, DeltaTable(str(table)).version() + 1)
            if commit_lines(table, v)[0].get("commitInfo", {}).get("operation") == "OPTIMIZE"  # type: ignore[union-attr]
        )
        if all(n == 1 for n in _file_counts(root).values()):  # nothing left to compact: again
            shutil.rmtree(root)
            shutil.copytree(hot_template, root)
    assert killed_running >= 1, "no kill landed while compact was running"
    assert optimize_commits >= 1, "compact never got as far as a commit"


def _file_counts(root: Path) -> dict[tuple[str, date], int]:
    counts: dict[tuple[str, date], int] = {}
    for rel in live_files(root):
        ex, day = (s.split("=", 1)[1] for s in rel.split("/")[:2])
        key = (ex, date.fromisoformat(day))
        counts[key] = counts.get(key, 0) + 1
    return counts


# -- (d) a later partition failing after earlier ones committed -------------------------------


def test_a_later_partition_failing_reports_those_committed_before(lake: Path) -> None:
    """Partitions go in sorted order: P3 (binance-futures) commits, then P1 is rewritten first.

    Another process holds P1's lock; when our run starts waiting for it, that process compacts
    P1 with plain delta-rs and lets go, so our plan for P1 is stale: ConflictError, reported
    as PartialCompactionError naming P3.
    """
    before = partition_checksums(read(lake))
    files_before = _file_counts(lake)
    locked, go, results = SPAWN.Event(), SPAWN.Event(), SPAWN.Queue()
    proc = SPAWN.Process(
        target=_trust_workers.hold_lock_then_compact,
        args=(str(lake / "trades"), P1[0], P1[1].isoformat(), locked, go, results),
    )
    proc.start()
    try:
        assert locked.wait(60), "the other process never took P1's lock"
        with pytest.raises(PartialCompactionError) as info:
            DeltaEventStore(lake).compact_partitions(
                "trades", lock_timeout_s=60, on_lock_wait=lambda holder: go.set()
            )
    finally:
        go.set()
        proc.join(60)
        if proc.exitcode is None:
            proc.kill()
            proc.join(10)
    assert proc.exitcode == 0
    assert results.get(timeout=10) == ("compacted", files_before[P1])

    err = info.value
    assert isinstance(err.__cause__, ConflictError)
    assert "1 partition(s) were compacted before it" in str(err)
    report = err.report
    assert report.partitions_processed == 1
    [done] = report.partitions
    assert (done.exchange, done.trading_date) == P3
    assert (done.files_before, done.files_after) == (files_before[P3], 1)
    assert (report.files_before, report.files_after) == (files_before[P3], 1)
    assert _file_counts(lake) == {P1: 1, P2: files_before[P2], P3: 1}
    assert partition_checksums(read(lake)) == before
    assert errors(lake) == []
