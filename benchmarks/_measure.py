"""Wall time and peak resident-memory growth of a block of this process (Linux-accurate)."""

from __future__ import annotations

import resource
import time
from pathlib import Path
from types import TracebackType


class Measured:
    """``with Measured() as m: ...`` then ``m.seconds`` and ``m.mib`` (peak RSS growth).

    On Linux the peak is reset first (``/proc/self/clear_refs``), so earlier work in the
    process does not hide this block's peak; elsewhere the lifetime ``ru_maxrss`` is used.
    """

    seconds: float = 0.0
    mib: float = 0.0

    def __enter__(self) -> Measured:
        self._linux = _reset_peak()
        self._before = _rss_kib("VmRSS") if self._linux else _maxrss_kib()
        self._start = time.perf_counter()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.seconds = time.perf_counter() - self._start
        peak = _rss_kib("VmHWM") if self._linux else _maxrss_kib()
        self.mib = ((peak or 0) - (self._before or 0)) / 1024


def _maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _rss_kib(field: str) -> int | None:
    """VmRSS or VmHWM of this process in KiB (None off Linux)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return None


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True
