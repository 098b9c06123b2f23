"""Partition locks: exclusive across threads and spawned processes, polled, cancellable, tidy."""

from __future__ import annotations

import getpass
import json
import os
import socket
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pointline_tui.storage.delta.locks import LOCK_DIR, LockHolder, partition_lock
from pointline_tui.storage.models import LockCancelledError, LockTimeoutError, StorageError
from tests.holders import SPAWN, held_by_process
from tests.storage import _lock_workers
from tests.storage._lock_workers import PART


def lock_file(root: Path, name: str = "binance-futures.2024-05-02") -> Path:
    return root / LOCK_DIR / f"{name}.lock"


def test_the_lock_file_names_the_partition_and_its_holder_and_goes_on_release(
    tmp_path: Path,
) -> None:
    acquired: list[bool] = []
    before = datetime.now(UTC)
    with partition_lock(tmp_path, PART, on_acquired=lambda: acquired.append(True)):
        record = json.loads(lock_file(tmp_path).read_text())
        assert acquired == [True]
    assert not lock_file(tmp_path).exists()
    assert (record["pid"], record["host"], record["user"]) == (
        os.getpid(),
        socket.gethostname(),
        getpass.getuser(),
    )
    since = datetime.fromisoformat(record["since"])
    assert since.tzinfo is not None
    assert before <= since <= datetime.now(UTC)

    with partition_lock(tmp_path, None):
        assert lock_file(tmp_path, "table").exists()
    with partition_lock(tmp_path, ("a b%c", date(2024, 5, 1))):
        assert lock_file(tmp_path, "a%20b%25c.2024-05-01").exists()
    assert list((tmp_path / LOCK_DIR).iterdir()) == [], "no lock file piles up"


def test_an_exception_in_the_block_still_releases(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="boom"), partition_lock(tmp_path, PART):
        raise RuntimeError("boom")
    assert not lock_file(tmp_path).exists()
    with partition_lock(tmp_path, PART, timeout_s=0):
        pass


def test_threads_take_turns(tmp_path: Path) -> None:
    inside, overlaps, done = [0], [0], [0]
    guard = threading.Lock()
    start = threading.Barrier(6)

    def work() -> None:
        start.wait(10)
        for _ in range(25):
            with partition_lock(tmp_path, PART, timeout_s=30, poll_s=0.002):
                with guard:
                    inside[0] += 1
                    overlaps[0] += inside[0] > 1
                time.sleep(0.001)
                with guard:
                    inside[0] -= 1
                    done[0] += 1

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert (done[0], overlaps[0]) == (6 * 25, 0)
    assert not lock_file(tmp_path).exists()


def test_spawned_processes_take_turns(tmp_path: Path) -> None:
    counter = tmp_path / "counter"
    counter.write_text("0")
    barrier = SPAWN.Barrier(3)
    procs = [
        SPAWN.Process(
            target=_lock_workers.count_up, args=(str(tmp_path), str(counter), 20, barrier)
        )
        for _ in range(3)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert counter.read_text() == "60", "an update was lost: two holders at once"
    assert not lock_file(tmp_path).exists()


def test_a_waiter_sees_the_other_process_and_times_out(tmp_path: Path) -> None:
    seen: list[LockHolder | None] = []
    with held_by_process(tmp_path) as other:
        proc = other.process
        started = time.monotonic()
        with (
            pytest.raises(LockTimeoutError) as info,
            partition_lock(tmp_path, PART, timeout_s=0.5, on_wait=seen.append, poll_s=0.05),
        ):
            pytest.fail("the lock was taken twice")
        waited = time.monotonic() - started
        assert lock_file(tmp_path).exists(), "the holder's file stays while it holds"
    assert 0.5 <= waited < 5
    [holder] = seen  # once: the holder did not change
    assert holder is not None
    assert (holder.pid, holder.host, holder.user) == (
        proc.pid,
        socket.gethostname(),
        getpass.getuser(),
    )
    assert holder.since.tzinfo is not None
    assert timedelta(0) <= datetime.now(UTC) - holder.since < timedelta(minutes=5)
    since = holder.since.strftime("%Y-%m-%d %H:%M:%S UTC")
    assert str(info.value) == (
        f"{tmp_path.name}: partition binance-futures/2024-05-02 is being compacted by "
        f"pid {proc.pid} on host {socket.gethostname()} (user {getpass.getuser()}) "
        f"since {since}; gave up after 0.5 s"
    )
    assert isinstance(info.value, StorageError)
    assert isinstance(info.value, TimeoutError)
    assert not lock_file(tmp_path).exists(), "the holder removed its file on release"


def test_cancelling_ends_the_wait_at_the_next_poll(tmp_path: Path) -> None:
    with held_by_process(tmp_path) as other:
        proc = other.process
        stop = threading.Event()
        threading.Timer(0.3, stop.set).start()
        started = time.monotonic()
        with (
            pytest.raises(LockCancelledError, match=f"cancelled while waiting.*pid {proc.pid}"),
            partition_lock(tmp_path, PART, timeout_s=60, cancelled=stop.is_set),
        ):
            pytest.fail("the lock was taken twice")
        assert time.monotonic() - started < 2


def test_a_waiter_gets_the_lock_once_the_other_process_lets_go(tmp_path: Path) -> None:
    seen: list[LockHolder | None] = []
    acquired: list[float] = []
    with held_by_process(tmp_path, hold_s=1.0) as other:
        proc = other.process
        with partition_lock(
            tmp_path,
            PART,
            timeout_s=30,
            on_wait=seen.append,
            on_acquired=lambda: acquired.append(time.monotonic()),
        ):
            record = json.loads(lock_file(tmp_path).read_text())
            assert record["pid"] == os.getpid()
        assert [h.pid if h else None for h in seen] == [proc.pid]
        assert len(acquired) == 1
    assert not lock_file(tmp_path).exists()


def test_a_killed_holder_leaves_a_file_that_blocks_nobody(tmp_path: Path) -> None:
    ready = SPAWN.Event()
    proc = SPAWN.Process(target=_lock_workers.hold_until_killed, args=(str(tmp_path), ready, 60))
    proc.start()
    try:
        assert ready.wait(60)
    finally:
        proc.kill()  # SIGKILL: no finally runs, the file stays behind
        proc.join(30)
    assert proc.exitcode == -9
    stale = lock_file(tmp_path)
    assert json.loads(stale.read_text())["pid"] == proc.pid
    seen: list[LockHolder | None] = []
    with partition_lock(tmp_path, PART, timeout_s=2, on_wait=seen.append):
        assert json.loads(stale.read_text())["pid"] == os.getpid(), "the stale file is reused"
    assert seen == [], "nothing to wait for"
    assert not stale.exists()


def test_an_unreadable_lock_file_is_reused_and_an_unreadable_holder_is_none(
    tmp_path: Path,
) -> None:
    lock_file(tmp_path).parent.mkdir()
    lock_file(tmp_path).write_text("not json")
    with partition_lock(tmp_path, PART, timeout_s=0):
        pass

    seen: list[LockHolder | None] = []
    with partition_lock(tmp_path, PART):
        lock_file(tmp_path).write_text("{}")  # a holder that wrote nothing readable
        with (
            pytest.raises(LockTimeoutError, match="holder could not be read"),
            partition_lock(tmp_path, PART, timeout_s=0.2, on_wait=seen.append, poll_s=0.05),
        ):
            pytest.fail("the lock was taken twice")
    assert seen == [None]


@pytest.mark.parametrize(
    ("timeout_s", "poll_s"), [(-1.0, 0.1), (float("inf"), 0.1), (1.0, 0.0), (1.0, float("nan"))]
)
def test_bad_timeouts_are_refused(tmp_path: Path, timeout_s: float, poll_s: float) -> None:
    with (
        pytest.raises(ValueError, match="must be"),
        partition_lock(tmp_path, PART, timeout_s=timeout_s, poll_s=poll_s),
    ):
        pytest.fail("locked with a bad timeout")
