"""A DataTable that shows one page of a Polars frame at a time, so big frames stay fast."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from pointline_tui.text import one_line

if TYPE_CHECKING:
    import polars as pl

Formatter = Callable[[Any], str]


@dataclass(frozen=True, slots=True)
class Column:
    """How one frame column shows: its header, formatter and alignment."""

    name: str
    label: str
    format: Formatter = str
    numeric: bool = False
    key: bool = False
    """A key column (exchange, date): the leading key columns stay put when the rest scrolls."""


SORT_MARKS = {True: "▼", False: "△"}
"""After the sorted column's label: descending, ascending (``▲`` marks hot partitions)."""


class FrameTable(DataTable[Text]):
    """A page of ``page_size`` rows of a frame; ``[``/``]`` page, ``s``/``S`` sort.

    The frame itself stays in Polars: only the visible page becomes widget rows, because a
    DataTable needs about 0.7 s per 1,000 rows to become ready. Up and down go on to the
    previous or next page at its edges; home and end go to the first and last row.
    """

    DEFAULT_CSS = """
    FrameTable:nocolor > .datatable--cursor,
    FrameTable:nocolor > .datatable--fixed-cursor {
        text-style: underline;
    }
    FrameTable:nocolor:focus > .datatable--cursor,
    FrameTable:nocolor:focus > .datatable--fixed-cursor {
        text-style: reverse;
    }
    """
    """Without colour the cursor row still shows: underlined, reversed when focused."""

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
        self._source: pl.DataFrame | None = None
        self._frame: pl.DataFrame | None = None
        self.filter_text = ""
        self.page_index = 0
        self.sort_column: str | None = None
        self.sort_descending = False
        self.total_rows = 0

    # Empty until the first ``show``, and made then: a table on the first screen, still
    # hidden, must not load polars before the screen paints.
    @property
    def source(self) -> pl.DataFrame:
        """Everything given to ``show``; ``frame`` is what the filter keeps of it."""
        if self._source is None:
            self._source = _empty()
        return self._source

    @source.setter
    def source(self, frame: pl.DataFrame) -> None:
        self._source = frame

    @property
    def frame(self) -> pl.DataFrame:
        """The rows of ``source`` the filter keeps."""
        if self._frame is None:
            self._frame = _empty()
        return self._frame

    @frame.setter
    def frame(self, frame: pl.DataFrame) -> None:
        self._frame = frame

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
        # Marked and hot at once shows two signs ("●▲").
        self.add_column(" ", key="__mark__", width=1 if self.marker is None else 2)
        for col in self.frame_columns:
            self.add_column(self._label(col), key=col.name)
        keys = 0
        while keys < len(self.frame_columns) and self.frame_columns[keys].key:
            keys += 1
        self.fixed_columns = 1 + keys if keys else 0

    def _label(self, col: Column) -> Text:
        label = col.label
        if col.name == self.sort_column:
            label += f" {SORT_MARKS[self.sort_descending]}"
        return Text(label, justify="right" if col.numeric else "left")

    def _relabel(self) -> None:
        """Show the sort mark on the sorted column's header (widths follow on render)."""
        for col in self.frame_columns:
            column = self.columns.get(ColumnKey(col.name))
            if column is not None:
                column.label = self._label(col)
                column.content_width = max(column.content_width, column.label.cell_len)

    def show(self, frame: pl.DataFrame, *, keep_page: bool = False) -> None:
        """Show ``frame`` (filtered and sorted as currently chosen), from its first page."""
        self.source = frame
        self.frame = _matching(frame, self.filter_text)
        self.total_rows = self.frame.height
        if not keep_page:
            self.page_index = 0
        self._render_page()

    def show_as(
        self, frame: pl.DataFrame, filter_text: str, sorting: tuple[str | None, bool], **at: Any
    ) -> None:
        """Show ``frame`` filtered and sorted so, the cursor on the first row holding ``at``."""
        self.filter_text = filter_text
        self.set_sorting(sorting[0], descending=sorting[1])
        self.show(frame)
        self.go_to(**at)

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

    @property
    def sorting(self) -> tuple[str | None, bool]:
        """The sorted column (``None``: the frame's order) and whether it is descending."""
        return self.sort_column, self.sort_descending

    def set_sorting(self, column: str | None, *, descending: bool) -> None:
        """Sort by ``column`` from the next ``show`` on (a column not shown: no sort)."""
        self.sort_column = column if column in self.sortable else None
        self.sort_descending = descending and self.sort_column is not None
        self._relabel()

    def go_to(self, **values: Any) -> bool:
        """Put the cursor on the first row holding ``values`` (its page shown); found?"""
        frame = self._sorted()
        if frame.is_empty() or not set(values) <= set(frame.columns):
            return False
        import polars as pl

        matches = pl.all_horizontal(pl.col(k).eq_missing(v) for k, v in values.items())
        hits = frame.with_row_index("__row__").filter(matches)
        if hits.is_empty():
            return False
        self._go_to_index(int(hits["__row__"][0]))
        return True

    def _go_to_index(self, index: int) -> None:
        if not self.total_rows:
            return
        index = min(max(index, 0), self.total_rows - 1)
        page, row = divmod(index, self.page_size)
        if page != self.page_index:
            self.page_index = page
            self._render_page(cursor=row)
        else:
            self.move_cursor(row=row)

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

    def action_cursor_down(self) -> None:
        if self.row_count and self.cursor_row == self.row_count - 1:
            self._go_to_index((self.page_index + 1) * self.page_size)  # the next page's first
        else:
            super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.row_count and self.cursor_row == 0 and self.page_index:
            self._go_to_index(self.page_index * self.page_size - 1)  # the previous page's last
        else:
            super().action_cursor_up()

    def action_scroll_home(self) -> None:
        self._go_to_index(0)

    def action_scroll_end(self) -> None:
        self._go_to_index(self.total_rows - 1)

    action_scroll_top = action_scroll_home
    action_scroll_bottom = action_scroll_end

    def action_sort(self) -> None:
        names = list(self.sortable)
        if self.sort_column in names:
            index = names.index(self.sort_column) + 1
            self.sort_column = names[index] if index < len(names) else None
        else:
            self.sort_column = names[0] if names else None
        self.sort_descending = self.sort_column is not None and self._is_numeric(self.sort_column)
        self.page_index = 0
        self._relabel()
        self._render_page()

    def action_reverse(self) -> None:
        if self.sort_column:
            self.sort_descending = not self.sort_descending
            self.page_index = 0
            self._relabel()
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

    def _render_page(self, *, cursor: int | None = None) -> None:
        """Show the current page, the cursor on row ``cursor`` (default: where it was)."""
        cursor = self.cursor_row if cursor is None else cursor
        self.clear()
        start = self.page_index * self.page_size
        page = self._sorted().slice(start, self.page_size)
        widths = [column.content_width for column in self.ordered_columns]
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
            widths = [max(w, cell.cell_len) for w, cell in zip(widths, cells, strict=True)]
            self.add_row(*cells)
        # DataTable measures new rows only when idle, and keeps a cell drawn before that at its
        # old width (its cell cache ignores widths): measure them now, as they are added.
        for column, width in zip(self.ordered_columns, widths, strict=True):
            if column.auto_width:
                column.content_width = width
        if self.row_count:
            self.move_cursor(row=min(cursor, self.row_count - 1))


def _matching(frame: pl.DataFrame, text: str) -> pl.DataFrame:
    """The rows of ``frame`` in which some column's text contains ``text``, ignoring case."""
    if not text or frame.is_empty():
        return frame
    import polars as pl

    row_text = pl.concat_str(
        [pl.col(c).cast(pl.String) for c in frame.columns], separator=" ", ignore_nulls=True
    )
    return frame.filter(row_text.str.to_lowercase().str.contains(text.lower(), literal=True))


def _empty() -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame()
