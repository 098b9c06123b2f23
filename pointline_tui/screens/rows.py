"""A partition's rows (or an unpartitioned table's), a page at a time, prices scaled or not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

import polars as pl
from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from pointline_tui.lake.paging import Page
from pointline_tui.screens.paged_list import PagedListScreen
from pointline_tui.storage.schemas import PRICE_SCALE, scaled_columns
from pointline_tui.text import one_line, safe_text
from pointline_tui.widgets.frame_table import Column, FrameTable

_SCALE = Decimal(PRICE_SCALE)
"""Prices' and quantities' divisor alike (``QTY_SCALE`` is the same)."""


def unscaled(value: Any) -> str:
    """A scaled integer (or a list of them) divided by 1e9, exactly: ``1500000000`` -> ``1.5``."""
    if isinstance(value, list):
        return "[" + ", ".join("-" if v is None else unscaled(v) for v in value) + "]"
    return format((Decimal(int(value)) / _SCALE).normalize(), "f")


def as_text(value: Any) -> str:
    """Any other value as it is (a list as ``[1, 2]``)."""
    if isinstance(value, list):
        return "[" + ", ".join("-" if v is None else safe_text(v) for v in value) + "]"
    return safe_text(value)


@dataclass(frozen=True, slots=True)
class RowsScope:
    """The rows on show: a table's partition; ``None``, ``None``: an unpartitioned table."""

    table: str
    exchange: str | None = None
    trading_date: date | None = None

    def describe(self) -> str:
        """``"trades · binance-futures / 2024-05-02"``."""
        where = "whole table"
        if self.exchange is not None or self.trading_date is not None:
            day = "-" if self.trading_date is None else self.trading_date.isoformat()
            where = f"{one_line(self.exchange or '-')} / {day}"
        return f"{one_line(self.table)} · {where}"


class RowsScreen(PagedListScreen[RowsScope]):
    """The rows of one partition, read a page at a time; ``d`` divides prices by 1e9."""

    ID_PREFIX = "rows"
    COLUMNS: ClassVar[list[Column]] = []  # from the first page's schema
    SEARCH_PROMPT = ""
    SEARCH_PLACEHOLDER = ""
    DETAIL_SCROLLS = True  # a wide row's every column, below the table
    DEFAULT_CSS = """
    RowsScreen #rows-detail-scroll { max-height: 5; }
    """
    BINDINGS = [
        Binding("d", "toggle_scaled", "÷1e9"),
        Binding("m", "app.show_manifest", "Manifest", show=False),
        Binding("q", "app.show_quarantine", "Quarantine", show=False),
    ]

    def __init__(self, table: str, exchange: str | None, trading_date: date | None) -> None:
        super().__init__(RowsScope(table, exchange, trading_date))
        self.divided = False
        """Whether scaled prices and quantities show divided by 1e9 (``d``)."""
        self.scaled: tuple[str, ...] = ()
        """The columns of the rows that hold scaled prices and quantities."""

    def _read_page(self, filters: RowsScope, offset: int) -> Page:
        reader = self.lake_app.reader
        page = reader.rows(
            filters.table,
            filters.exchange,
            filters.trading_date,
            offset=offset,
            limit=self.PAGE_SIZE,
        )
        # A partition's own exchange and date are on the filter line: no columns for them.
        constant = [
            name
            for name, value in (
                ("exchange", filters.exchange),
                ("trading_date", filters.trading_date),
            )
            if value is not None and name in page.rows.columns
        ]
        return Page(
            rows=page.rows.drop(constant), total=page.total, offset=page.offset, limit=page.limit
        )

    def on_paged_list_screen_page_loaded(self, message: PagedListScreen.PageLoaded) -> None:
        # Runs before the base's handler (which shows the rows): columns come from the schema.
        if not self.query_one(FrameTable).frame_columns:
            self._set_columns(message.page.rows.schema)

    def _set_columns(self, schema: pl.Schema) -> None:
        """The first column pinned, then the prices and quantities, then the rest.

        Prices and quantities are what a look at the rows is mostly for: at 80 columns they
        show without scrolling.
        """
        self.scaled = scaled_columns(schema)
        names = list(schema.names())
        first = names[:1]
        order = first + [n for n in names if n in self.scaled and n not in first]
        order += [n for n in names if n not in order]
        columns = [
            Column(
                name,
                one_line(name),  # a column name from the table: shown, never obeyed
                self._format_scaled if name in self.scaled else as_text,
                numeric=schema[name].is_numeric(),
                key=name in first,  # stays put while the others scroll
            )
            for name in order
        ]
        self.query_one(FrameTable).set_columns(columns)

    def _format_scaled(self, value: Any) -> str:
        return unscaled(value) if self.divided else as_text(value)

    def action_toggle_scaled(self) -> None:
        self.divided = not self.divided
        table = self.query_one(FrameTable)
        for column in table.columns.values():  # narrower figures: widths start over
            column.content_width = column.label.cell_len
        table.show(table.source, keep_page=True)
        self._show_detail()
        self._show_filters()

    def _detail_text(self, row: dict[str, Any]) -> Text:
        text = Text()
        for name, value in row.items():
            text.append(f"{one_line(name)} ", style="dim")
            if value is None:
                shown = "-"
            elif name in self.scaled:
                shown = self._format_scaled(value)
            else:
                shown = as_text(value)
            text.append(shown)
            text.append("  ")
        text.rstrip()
        return text

    def _show_filters(self) -> None:
        how = "÷ 1e9" if self.divided else "× 1e9 as stored"
        self.query_one(".filters", Static).update(
            Text.assemble(
                ("rows of ", "dim"), self.filters.describe(), (" · prices, qty ", "dim"), how
            )
        )
