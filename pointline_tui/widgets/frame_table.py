"""A DataTable that shows one page of a Polars frame at a time, so big frames stay fast."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl
from rich.text import Text
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable

from pointline_tui.text import one_line

Formatter = Callable[[Any], str]


@dataclass(frozen=True, slots=True)
class Column:
    """How one frame column shows: its header, formatter and alignment."""

    name: str
    label: str
    format: Formatter = str
    numeric: bool = False


class FrameTable(DataTable[Text]):
    """A page of ``page_size`` rows of a frame; ``[``/``]`` page, ``s``/``S`` sort.

    The frame itself stays in Polars: only the visible page becomes widget rows, because a
    DataTable needs about 0.7 s per 1,000 rows to become ready.
    """

    BINDINGS = [
        Binding("right_square_bracket", "page(1)", "Next page", show=False),
        Binding("left_square_bracket", "page(-1)", "Prev page", show=False),
        Binding("s", "sort", "Sort"),
        Binding("S", "reverse", "Reverse", show=False),
    ]

    class RowChosen(Message):
        """Enter on a row: carries the frame row as a dict."""

        def __init__(self, table: FrameTable, row: dict[str, Any]) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> FrameTable:
            return self.table

    def __init__(
        self,
        columns: list[Column],
        *,
        page_size: int = 100,
        sortable: tuple[str, ...] = (),
        marker: Callable[[dict[str, Any]], str] | None = None,
        id: str | None = None,  # noqa: A002 - Textual's name
    ) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.frame_columns = columns
        self.page_size = page_size
        self.sortable = sortable or tuple(c.name for c in columns)
        self.marker = marker
        self.source = pl.DataFrame()
        """Everything given to ``show``; ``frame`` is what the filter keeps of it."""
        self.frame = pl.DataFrame()
        self.filter_text = ""
        self.page_index = 0
        self.sort_column: str | None = None
        self.sort_descending = False
        self.total_rows = 0

    def on_mount(self) -> None:
        self._add_columns()

    def set_columns(self, columns: list[Column]) -> None:
        """Show other columns (a different kind of frame): sorting starts over."""
        if [c.name for c in columns] == [c.name for c in self.frame_columns]:
            return
        self.frame_columns = columns
        self.sortable = tuple(c.name for c in columns)
        self.sort_column = None
        self.clear(columns=True)
        self._add_columns()

    def _add_columns(self) -> None:
        self.add_column(" ", key="__mark__", width=1)
        for col in self.frame_columns:
            self.add_column(col.label, key=col.name)

    def show(self, frame: pl.DataFrame, *, keep_page: bool = False) -> None:
        """Show ``frame`` (filtered and sorted as currently chosen), from its first page."""
        self.source = frame
        self.frame = _matching(frame, self.filter_text)
        self.total_rows = self.frame.height
        if not keep_page:
            self.page_index = 0
        self._render_page()

    def set_filter(self, text: str) -> None:
        """Keep only the rows whose text contains ``text`` (any column, any case)."""
        self.filter_text = text.strip()
        self.show(self.source)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total_rows // self.page_size))

    @property
    def page_label(self) -> str:
        """``"rows 1-100 of 2,345"`` for the status line."""
        if not self.total_rows:
            return "no rows"
        first = self.page_index * self.page_size + 1
        last = min(self.total_rows, first + self.page_size - 1)
        sort = ""
        if self.sort_column:
            sort = f" · sorted by {self.sort_column} {'desc' if self.sort_descending else 'asc'}"
        return f"rows {first:,}-{last:,} of {self.total_rows:,}{sort}"

    def current_row(self) -> dict[str, Any] | None:
        """The frame row under the cursor."""
        index = self.page_index * self.page_size + self.cursor_row
        if not self.row_count or index >= self.total_rows:
            return None
        return self._sorted().row(index, named=True)

    def action_page(self, step: int) -> None:
        page = min(max(self.page_index + step, 0), self.pages - 1)
        if page != self.page_index:
            self.page_index = page
            self._render_page()

    def action_sort(self) -> None:
        names = list(self.sortable)
        if self.sort_column in names:
            index = names.index(self.sort_column) + 1
            self.sort_column = names[index] if index < len(names) else None
        else:
            self.sort_column = names[0] if names else None
        self.sort_descending = self.sort_column is not None and self._is_numeric(self.sort_column)
        self.page_index = 0
        self._render_page()

    def action_reverse(self) -> None:
        if self.sort_column:
            self.sort_descending = not self.sort_descending
            self.page_index = 0
            self._render_page()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self.current_row()
        if row is not None:
            self.post_message(self.RowChosen(self, row))

    def refresh_marks(self) -> None:
        """Redraw the marker column of the visible page (after marks changed)."""
        if self.marker is None:
            return
        start = self.page_index * self.page_size
        page = self._sorted().slice(start, self.page_size)
        for offset, row in enumerate(page.iter_rows(named=True)):
            self.update_cell_at(Coordinate(offset, 0), Text(self.marker(row)))

    def _is_numeric(self, name: str) -> bool:
        return any(c.name == name and c.numeric for c in self.frame_columns)

    def _sorted(self) -> pl.DataFrame:
        if self.sort_column and self.sort_column in self.frame.columns:
            return self.frame.sort(
                self.sort_column, descending=self.sort_descending, nulls_last=True
            )
        return self.frame

    def _render_page(self) -> None:
        cursor = self.cursor_row
        self.clear()
        start = self.page_index * self.page_size
        page = self._sorted().slice(start, self.page_size)
        for row in page.iter_rows(named=True):
            mark = self.marker(row) if self.marker else ""
            cells = [Text(mark)]
            for col in self.frame_columns:
                value = row.get(col.name)
                # Text, never markup: values such as delta-rs errors may hold "[...]".
                text = Text("-" if value is None else one_line(col.format(value)))
                if col.numeric:
                    text.justify = "right"
                cells.append(text)
            self.add_row(*cells)
        if self.row_count:
            self.move_cursor(row=min(cursor, self.row_count - 1))


def _matching(frame: pl.DataFrame, text: str) -> pl.DataFrame:
    """The rows of ``frame`` in which some column's text contains ``text``, ignoring case."""
    if not text or frame.is_empty():
        return frame
    row_text = pl.concat_str(
        [pl.col(c).cast(pl.String) for c in frame.columns], separator=" ", ignore_nulls=True
    )
    return frame.filter(row_text.str.to_lowercase().str.contains(text.lower(), literal=True))
