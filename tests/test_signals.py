"""A dropped SSH session ends the console cleanly: real process, real terminal, real signal."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path


def read_until(fd: int, pattern: re.Pattern[bytes], timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not pattern.search(seen):
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    return seen


def test_sighup_exits_the_demo_and_removes_its_lake() -> None:
    main, terminal = pty.openpty()
    env = os.environ | {"TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pointline_tui", "--demo"],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=env,
        start_new_session=True,
    )
    os.close(terminal)
    try:
        started = read_until(main, re.compile(rb"Building the demo lake in (\S+) \.\.\."), 30)
        folder = Path(re.search(rb"demo lake in (\S+) ", started).group(1).decode())  # type: ignore[union-attr]
        # The app is up once it has drawn the lake tree.
        read_until(main, re.compile(rb"Events"), 60)
        assert folder.exists()
        proc.send_signal(signal.SIGHUP)
        assert proc.wait(timeout=30) == 0
        assert not folder.exists()
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
