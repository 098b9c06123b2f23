"""Timing whole processes and in-process steps, in alternating pairs, and printing the rows.

Every row compares the product with a baseline measured in the same run, in pairs whose order
alternates (product first, then baseline first, ...), so that a neighbour's load on a shared
machine falls on both sides: the ratio of the medians is what to read, not the seconds.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True)
class Sample:
    """One run: wall seconds and peak resident memory in MiB (``None``: not measured)."""

    seconds: float
    mib: float | None = None


Step = Callable[[], Sample]
"""One run of a side of a row (its setup, if any, done inside and not timed)."""


@dataclass(slots=True)
class Row:
    """One line of the table: the product against its baseline, and the target."""

    work: str
    baseline: str
    target: str
    how: str
    """How the figures were taken (``process``, ``in-app``, ``in-process``)."""
    product_runs: list[Sample] = field(default_factory=list)
    baseline_runs: list[Sample] = field(default_factory=list)
    memory: bool = False
    """Compare peak memory instead of time (the ratio is of MiB)."""
    note: str = ""


def spawn(argv: Sequence[str], *, env: dict[str, str] | None = None) -> tuple[Sample, str]:
    """Run ``argv`` to its end: its wall time, its own peak RSS, its stdout.

    It is started by a small process of its own (``_STARTER``), which times it and reads its
    peak RSS (``wait4``).

    Raises:
        RuntimeError: the process failed (its stderr in the message).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        report_r, report_w = os.pipe()
        child = subprocess.Popen(
            [sys.executable, "-S", "-c", _STARTER, str(report_w), *argv],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            cwd=REPO,
            env=env,
            pass_fds=(report_w,),
        )
        os.close(report_w)
        with os.fdopen(report_r) as report:
            figures = report.read().split()
        child.wait()
        out.seek(0)
        err.seek(0)
        output, errors = out.read().decode(), err.read().decode()
    if child.returncode != 0 or len(figures) != 2:
        raise RuntimeError(f"{' '.join(argv[:4])} ... failed:\n{errors[-2000:]}")
    return Sample(float(figures[0]), int(figures[1]) / 1024), output


_STARTER = """
import os, sys, time
report, argv = int(sys.argv[1]), sys.argv[2:]
started = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
os.write(report, f"{time.perf_counter() - started} {usage.ru_maxrss}".encode())
sys.exit(0 if os.waitstatus_to_exitcode(status) == 0 else 1)
"""
"""Starts the measured process from a small one and reports its wall time and peak RSS.

A child's peak RSS (``wait4``) starts from its parent's at the fork: measured from this
process, which holds polars and the lakes' frames, a small command would look as big."""


def spawn_python(code: str, *args: str) -> tuple[Sample, str]:
    """``python -c code args``: a whole process."""
    return spawn([sys.executable, "-c", code, *args])


def reported(argv: Sequence[str]) -> Sample:
    """Run a child that times its own step and prints ``{"seconds": s, "mib": m}`` last."""
    _, out = spawn(argv)
    figures = json.loads(out.strip().splitlines()[-1])
    return Sample(float(figures["seconds"]), figures.get("mib"))


def alternate(row: Row, product: Step, baseline: Step, repeat: int) -> Row:
    """Run ``repeat`` pairs, the product first in even pairs and the baseline first in odd."""
    for i in range(repeat):
        if i % 2 == 0:
            row.product_runs.append(product())
            row.baseline_runs.append(baseline())
        else:
            row.baseline_runs.append(baseline())
            row.product_runs.append(product())
    return row


def _seconds(runs: list[Sample]) -> list[float]:
    return [r.seconds for r in runs]


def _mib(runs: list[Sample]) -> list[float]:
    return [r.mib for r in runs if r.mib is not None]


def _cell(values: list[float], unit: str) -> str:
    if not values:
        return "-"
    med, low, high = statistics.median(values), min(values), max(values)
    if unit == "s":
        return f"{med:.3f} s ({low:.3f}-{high:.3f})"
    return f"{med:,.0f} MiB ({low:,.0f}-{high:,.0f})"


def cells(row: Row) -> list[str]:
    """The Markdown cells of ``row``: work, product, baseline, ratio, target, how."""
    unit = "MiB" if row.memory else "s"
    pick = _mib if row.memory else _seconds
    product, base = pick(row.product_runs), pick(row.baseline_runs)
    both = product and base and len(product) == len(base)
    ratio = statistics.median(product) / statistics.median(base) if both else None
    product_text = _cell(product, unit)
    if not row.memory and _mib(row.product_runs):
        product_text += f", {statistics.median(_mib(row.product_runs)):,.0f} MiB"
    base_text = _cell(base, unit)
    if not row.memory and _mib(row.baseline_runs):
        base_text += f", {statistics.median(_mib(row.baseline_runs)):,.0f} MiB"
    return [
        row.work,
        product_text,
        f"{row.baseline}: {base_text}",
        "-" if ratio is None else f"x{ratio:.2f}",
        row.target,
        row.how + (f"; {row.note}" if row.note else ""),
    ]


def markdown(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table."""
    header = ["work", "product: median (min-max)", "baseline", "ratio", "target", "how"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells(row)) + " |" for row in rows]
    return "\n".join(lines)
