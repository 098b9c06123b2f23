"""What the subcommands print: a result as JSON or as lines of text, and tables for people."""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any


def emit(args: argparse.Namespace, payload: Any, lines: list[str]) -> None:
    """Print ``payload`` as JSON if ``--json`` was given, otherwise ``lines``."""
    print(json.dumps(payload, indent=2) if args.json else "\n".join(lines))


def jsonable(value: Any) -> Any:
    """Dates and datetimes as ISO strings, tuples as lists, for ``json.dumps``."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    """Print ``rows`` under ``headers`` in left-aligned columns, without trailing spaces."""
    widths = [max([len(h)] + [len(str(r[i])) for r in rows]) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
