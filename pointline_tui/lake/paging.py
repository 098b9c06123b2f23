"""One page of a longer result, and the checks on the window that asks for it."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """Rows ``offset`` to ``offset + limit`` of a filtered result."""

    rows: pl.DataFrame
    total: int
    """Rows matching the filters, over every page."""
    offset: int
    limit: int


def check_window(offset: int, limit: int) -> None:
    """Refuse a negative offset or a limit below one.

    Raises:
        ValueError: naming the bad argument.
    """
    if offset < 0:
        raise ValueError(f"offset must not be negative, got {offset}")
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
