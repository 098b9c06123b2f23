"""The console in a real pseudo-terminal, its output read by a ``pyte`` terminal emulator.

Unlike Textual's Pilot this goes through everything a terminal over SSH goes through: the
driver's escape sequences, the bytes a key sends, SIGWINCH on a resize. Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pyte

KEYS = {
    "tab": b"\t",
    "escape": b"\x1b",
    "enter": b"\r",
    "up": b"\x1b[A",
    "down": b"\x1b[B",
    "right": b"\x1b[C",
    "left": b"\x1b[D",
    "shift+down": b"\x1b[1;2B",
    "shift+tab": b"\x1b[Z",
    "space": b" ",
    "ctrl+p": b"\x10",
    "ctrl+q": b"\x11",
    "question_mark": b"?",
}
"""The bytes a plain xterm (no keyboard protocol) sends; other names are sent as they are."""

ESCAPE_GAP = 0.3
"""After a lone Escape: longer than the driver waits to tell Escape from an Alt sequence."""
KEY_GAP = 0.05
HANG_BOUND = 15.0
"""Generous: a wait this long means the console hangs (two busy cores are slow, not stuck)."""


CONSOLE = """
import fcntl, os, sys, termios
fcntl.ioctl(0, termios.TIOCSCTTY, 0)
os.execv(sys.executable, [sys.executable, "-m", "pointline_tui", *sys.argv[1:]])
"""
"""``python -m pointline_tui LAKE``, the pty made its controlling terminal first (as sshd does):
then closing the terminal hangs the session up (SIGHUP), as a dropped connection does. Done
in the child before the exec, since ``preexec_fn`` is unsafe with the reader threads."""


class ScreenTimeout(TimeoutError):
    """The expected text did not show in time; carries what the screen showed.

    Not an ``AssertionError``: an ``xfail(raises=AssertionError)`` test that times out fails.
    """


class NotOnScreen(LookupError):
    """``find`` did not find the text (a test's own assertion failing is another thing)."""


class PtyApp:
    """``python -m pointline_tui LAKE`` on a pty of ``cols`` x ``rows`` (see ``CONSOLE``)."""

    def __init__(
        self,
        lake: Path,
        *,
        cols: int = 80,
        rows: int = 24,
        env: dict[str, str] | None = None,
        cwd: Path,
    ) -> None:
        self.cols, self.rows = cols, rows
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        """Every byte the console wrote, for the tests that look at sequences."""
        self._lock = threading.Lock()
        self._escaped_at = 0.0
        self._master, slave = pty.openpty()
        self._set_size(self._master, cols, rows)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CONSOLE, str(lake)],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
            env=terminal_env(env or {}, home=cwd),
            cwd=cwd,
            close_fds=True,
        )
        os.close(slave)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # -- output ------------------------------------------------------------------------------

    def _read(self) -> None:
        while self._master >= 0:
            try:
                ready, _, _ = select.select([self._master], [], [], 0.1)
                if not ready:
                    if self.proc.poll() is not None:
                        return
                    continue
                data = os.read(self._master, 65536)
            except (OSError, ValueError):  # EIO: the console closed it; -1: hung up here
                return
            if not data:
                return
            with self._lock:
                self.raw.extend(data)
                self.stream.feed(data)

    def lines(self) -> list[str]:
        """The screen as text, one string per row."""
        with self._lock:
            return list(self.screen.display)

    def text(self) -> str:
        return "\n".join(self.lines())

    def cells(self) -> Iterator[tuple[int, int, pyte.screens.Char]]:
        """Every cell of the screen as (row, column, char) with its attributes."""
        with self._lock:
            buffer = self.screen.buffer
            snapshot = [
                (y, x, buffer[y][x]) for y in range(self.screen.lines) for x in range(self.cols)
            ]
        yield from snapshot

    def row(self, y: int) -> list[pyte.screens.Char]:
        with self._lock:
            line = self.screen.buffer[y]
            return [line[x] for x in range(self.cols)]

    def find(self, text: str) -> tuple[int, int]:
        """(row, column) of the first place ``text`` shows; ``NotOnScreen`` if nowhere."""
        for y, line in enumerate(self.lines()):
            x = line.find(text)
            if x >= 0:
                return y, x
        raise NotOnScreen(f"{text!r} is not on the screen {self._show()}")

    def look(self, text: str) -> tuple[tuple[str, bool, bool, bool, bool, bool], ...]:
        """How ``text`` (where it first shows) looks without colour: each of its cells'
        character and bold, italics, underline, strike-through and reverse attributes."""
        y, x = self.find(text)
        return tuple(without_colour(c) for c in self.row(y)[x : x + len(text)])

    def bold_runs(self, y: int) -> list[str]:
        """The bold stretches of row ``y`` (a footer's keys), stripped."""
        runs, current = [], ""
        for cell in self.row(y):
            if cell.bold:
                current += cell.data
            elif current:
                runs.append(current.strip())
                current = ""
        if current:
            runs.append(current.strip())
        return [r for r in runs if r]

    def wait_until(self, ready: Callable[[], bool], what: str, timeout: float = HANG_BOUND) -> None:
        """Poll ``ready`` until it holds; raise with the screen when ``timeout`` passes.

        ``ready`` raising ``NotOnScreen`` counts as not ready (a frame may be half drawn).
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if _holds(ready):
                return
            if self.proc.poll() is not None:
                time.sleep(0.2)  # let the reader take the last output
                raise ScreenTimeout(f"the console exited ({self.proc.returncode}) {self._show()}")
            time.sleep(0.05)
        if _holds(ready):
            return
        raise ScreenTimeout(f"{what} not on the screen after {timeout} s {self._show()}")

    def wait_for(self, *texts: str, timeout: float = HANG_BOUND) -> None:
        """Wait until every one of ``texts`` is somewhere on the screen."""
        self.wait_until(lambda: all(t in self.text() for t in texts), f"{texts!r}", timeout=timeout)

    def wait_gone(self, text: str, timeout: float = HANG_BOUND) -> None:
        self.wait_until(lambda: text not in self.text(), f"{text!r} gone", timeout=timeout)

    def wait_raw(self, data: bytes, timeout: float = HANG_BOUND) -> None:
        """Wait until the console has written ``data`` (whatever the screen shows now)."""
        self.wait_until(lambda: data in self.written(), f"{data!r} in the output", timeout)

    def written(self) -> bytes:
        """Every byte the console wrote so far."""
        with self._lock:
            return bytes(self.raw)

    def wait_stable(self, quiet: float = 0.4, timeout: float = HANG_BOUND) -> None:
        """Wait until no output came for ``quiet`` seconds (the console is idle)."""
        state = {"size": -1, "since": time.monotonic()}

        def quiet_enough() -> bool:
            with self._lock:
                size = len(self.raw)
            now = time.monotonic()
            if size != state["size"]:
                state["size"], state["since"] = size, now
                return False
            return now - state["since"] >= quiet

        self.wait_until(quiet_enough, "a quiet screen", timeout=timeout)

    def _show(self) -> str:
        return "\n--- screen ---\n" + self.text() + "\n--------------"

    # -- input -------------------------------------------------------------------------------

    def press(self, *keys: str) -> None:
        """Type ``keys``: names from ``KEYS`` or literal characters.

        A key right after a lone Escape waits ``ESCAPE_GAP``: sent sooner, the driver would
        read the two as one Alt key.
        """
        for number, key in enumerate(keys, start=1):
            wait = self._escaped_at + ESCAPE_GAP - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            os.write(self._master, KEYS.get(key, key.encode()))
            self._escaped_at = time.monotonic() if key == "escape" else 0.0
            if number < len(keys):
                time.sleep(KEY_GAP)

    def resize(self, cols: int, rows: int) -> None:
        """Resize the terminal as a terminal emulator does: new size, then SIGWINCH."""
        with self._lock:
            self.screen.resize(rows, cols)
            self.screen.erase_in_display(2)  # what shows next is what the console redrew
            self.cols, self.rows = cols, rows
        self._set_size(self._master, cols, rows)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGWINCH)

    @staticmethod
    def _set_size(fd: int, cols: int, rows: int) -> None:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    # -- the end -----------------------------------------------------------------------------

    def hang_up(self) -> None:
        """Close the terminal, as a dropped SSH connection does: the console gets SIGHUP."""
        with contextlib.suppress(OSError):
            os.close(self._master)
        self._master = -1

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> int | None:
        """Quit with ctrl+q; kill the console if it has not exited in a few seconds."""
        if self.alive():
            try:
                self.press("ctrl+q")  # lost if the console has not set up the terminal yet
                self.proc.wait(timeout=3)
            except (OSError, subprocess.TimeoutExpired):
                for sig in (signal.SIGTERM, signal.SIGKILL):
                    try:
                        os.killpg(self.proc.pid, sig)
                        self.proc.wait(timeout=3)
                        break
                    except (ProcessLookupError, subprocess.TimeoutExpired):
                        continue
        self._reader.join(timeout=2)
        if self._master >= 0:
            with contextlib.suppress(OSError):
                os.close(self._master)
            self._master = -1
        return self.proc.returncode


def _holds(ready: Callable[[], bool]) -> bool:
    try:
        return ready()
    except NotOnScreen:
        return False


def without_colour(cell: pyte.screens.Char) -> tuple[str, bool, bool, bool, bool, bool]:
    """What is left of a cell on a terminal that shows no colour."""
    return (
        cell.data,
        cell.bold,
        cell.italics,
        cell.underscore,
        cell.strikethrough,
        cell.reverse,
    )


def terminal_env(overrides: dict[str, str], *, home: Path) -> dict[str, str]:
    """The environment of a login over SSH: ``TERM`` set, nothing of Textual's, no colour hints.

    The XDG folders (the statistics cache, ...) are under ``home``, so nothing is written
    outside the test's folder. A value of ``""`` in ``overrides`` removes the variable.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TEXTUAL") and k not in ("COLORTERM", "NO_COLOR", "FORCE_COLOR")
    }
    env.update({"TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
    for name in ("CACHE", "CONFIG", "DATA", "STATE"):
        env[f"XDG_{name}_HOME"] = str(Path(home).absolute() / f"xdg-{name.lower()}")
    for key, value in overrides.items():
        if value == "":
            env.pop(key, None)
        else:
            env[key] = value
    env.pop("POINTLINE_SILVER_ROOT", None)
    env.pop("POINTLINE_ROOT", None)
    return env
