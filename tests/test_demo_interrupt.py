"""``pointline-tui --demo`` interrupted while it builds its lake: no traceback, no leftovers."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_interrupting_the_demo_build_removes_its_lake(tmp_path: Path, sig: int) -> None:
    env = os.environ | {"TMPDIR": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pointline_tui", "--demo"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stderr is not None
    first = proc.stderr.readline().decode()  # printed once the folder exists
    assert "Building the demo lake in" in first
    deadline = time.monotonic() + 10
    while not list(tmp_path.glob("pointline-demo-*/silver/*")) and time.monotonic() < deadline:
        time.sleep(0.05)  # the build has started writing
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err.decode()
    assert "Traceback" not in err.decode()
    assert "demo lake was removed" in err.decode()
    assert list(tmp_path.glob("pointline-demo-*")) == []
