"""One page of a longer result, and the checks on the window that asks for it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

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


T = TypeVar("T")


def window(parts: Iterable[tuple[T, int]], offset: int, limit: int) -> tuple[list[T], int]:
    """The parts (files, in reading order, with their row counts) holding a page.

    Returns:
        The parts holding rows ``offset`` to ``offset + limit``, and how many rows of the
        first of them come before the page.
    """
    chosen: list[T] = []
    skip = start = 0
    for part, rows in parts:
        end = start + rows
        if end > offset and start < offset + limit:
            if not chosen:
                skip = offset - start
            chosen.append(part)
        start = end
        if start >= offset + limit:
            break
    return chosen, skip
