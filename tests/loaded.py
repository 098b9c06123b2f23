"""The command line run in an interpreter of its own, reporting the heavy modules it loaded."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

_SCRIPT = """
import contextlib, io, json, sys
from pointline_tui.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(sys.argv[1:])
loaded = [name for name in ("polars", "deltalake", "pyarrow", "textual") if name in sys.modules]
print(json.dumps({"code": code, "out": out.getvalue(), "loaded": loaded}))
"""


def run_cli(*argv: str) -> dict[str, Any]:
    """``pointline-tui ARGV`` in a fresh interpreter: its exit ``code``, ``out`` and ``loaded``."""
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result
