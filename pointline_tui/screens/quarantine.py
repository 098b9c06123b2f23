"""Quarantined rows from ``validation_log``: counts, filtered pages read lazily, CSV export."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import polars as pl
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static
from textual.worker import Worker, WorkerState

from pointline_tui.formatting import count, one_line, plain_text, utc_from_us
from pointline_tui.lake.paging import Page
from pointline_tui.screens.errors import report_worker_error
from pointline_tui.screens.manifest import ManifestScreen, can_page, position_text
from pointline_tui.widgets.frame_table import Column, FrameTable

if TYPE_CHECKING:
    from pointline_tui.app import PointlineApp

COLUMNS = [
    Column("file_id", "file", str, numeric=True),
    Column("rule_name", "rule"),
    Column("source_table", "table"),
    Column("symbol", "symbol", one_line),
    Column("field_name", "field", one_line),
    Column("field_value", "value", one_line),
    Column("ts_event_us", "ts_event (UTC)", utc_from_us),
    Column("vendor", "vendor"),
    Column("data_type", "type"),
    Column("bronze_path", "bronze path", one_line),
]
EXPORT_PREFIX = "quarantine-export-"


@dataclass(frozen=True, slots=True)
class RowFilters:
    """The validation log rows the screen shows (``None``: any)."""

    rule: str | None = None
    source_table: str | None = None
    file_id: int | None = None
    symbol: str | None = None

    def as_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of ``QuarantineView.page`` and ``export``."""
        return asdict(self)

    def describe(self) -> str:
        """``"rule crossed_book · file 50"``, or ``"none"``."""
        parts = [
            f"{label} {value}"
            for label, value in (
                ("rule", self.rule),
                ("table", self.source_table),
                ("file", self.file_id),
                ("symbol", self.symbol),
            )
            if value is not None
        ]
        return " · ".join(parts) or "none"


def next_export_path(folder: Path) -> Path:
    """Reserve ``quarantine-export-<N>.csv`` in ``folder`` with the first free N (from 1).

    The file is created empty here, so a concurrent export cannot pick the same name.
    """
    n = 1
    while True:
        path = folder / f"{EXPORT_PREFIX}{n}.csv"
        try:
            path.open("x").close()
        except FileExistsError:
            n += 1
            continue
        return path


class QuarantineScreen(Screen[None]):
    """Rows rejected during ingestion, filtered and paged without loading the whole log."""

    CSS_PATH = "quarantine.tcss"
    AUTO_FOCUS = "FrameTable"
    PAGE_SIZE: ClassVar[int] = 100
    BINDINGS = [
        Binding("escape", "back", "Back"),
        # Priority: the table's own [ ] would only page within the one page it holds.
        Binding("left_square_bracket", "page(-1)", "Page", priority=True, show=False),
        Binding("right_square_bracket", "page(1)", "Page", priority=True, key_display="[ ]"),
        Binding("f", "cycle_rule", "Rule"),
        Binding("t", "cycle_table", "Table"),
        Binding("slash", "search", "Find", key_display="/"),
        Binding("c", "clear", "Clear"),
        Binding("e", "export", "Export"),
    ]

    class CountsLoaded(Message):
        """Rows per rule and per source table were counted."""

        def __init__(self, rules: pl.DataFrame, tables: pl.DataFrame) -> None:
            super().__init__()
            self.rules = rules
            self.tables = tables

    class PageLoaded(Message):
        """One page of rows was read for ``filters`` at ``offset``."""

        def __init__(self, filters: RowFilters, offset: int, page: Page) -> None:
            super().__init__()
            self.filters = filters
            self.offset = offset
            self.page = page

    class ExportFinished(Message):
        """``rows`` rows were written to ``path``."""

        def __init__(self, path: Path, rows: int) -> None:
            super().__init__()
            self.path = path
            self.rows = rows

    def __init__(
        self,
        *,
        file_id: int | None = None,
        rule: str | None = None,
        source_table: str | None = None,
    ) -> None:
        super().__init__()
        self.filters = RowFilters(rule=rule, source_table=source_table, file_id=file_id)
        self.row_offset = 0
        self.current_page: Page | None = None
        self.rules: tuple[str, ...] = ()
        self.tables: tuple[str, ...] = ()
        self._counts: tuple[pl.DataFrame, pl.DataFrame] | None = None

    @property
    def lake_app(self) -> PointlineApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="rule-counts", markup=False)
        yield Static(id="table-counts", markup=False)
        yield Static(id="quarantine-filters", markup=False)
        with Horizontal(id="quarantine-search-bar"):
            yield Static("symbol or file_id ", classes="prompt", markup=False)
            yield Input(
                placeholder="exact symbol, or digits for a file_id; enter applies, esc closes",
                id="quarantine-search",
            )
        yield FrameTable(COLUMNS, page_size=self.PAGE_SIZE, id="quarantine-table")
        yield Static(id="quarantine-position", markup=False)
        yield Static(id="quarantine-detail", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#rule-counts", Static).update(Text("counting rows…", style="dim"))
        self._load_counts()
        self._reload()

    # -- workers (they only post messages) ----------------------------------------------------

    @work(thread=True, exclusive=True, group="quarantine-counts", exit_on_error=False)
    def _load_counts(self) -> None:
        view = self.lake_app.reader.quarantine()
        self.post_message(self.CountsLoaded(view.counts_by_rule(), view.counts_by_table()))

    @work(thread=True, exclusive=True, group="quarantine-page", exit_on_error=False)
    def _load_page(self, filters: RowFilters, offset: int) -> None:
        view = self.lake_app.reader.quarantine()
        page = view.page(**filters.as_kwargs(), offset=offset, limit=self.PAGE_SIZE)
        self.post_message(self.PageLoaded(filters, offset, page))

    @work(thread=True, group="quarantine-export", exit_on_error=False)
    def _export(self, filters: RowFilters, folder: Path) -> None:
        view = self.lake_app.reader.quarantine()
        path = next_export_path(folder)
        try:
            rows = view.export(path, **filters.as_kwargs())
        except BaseException:
            path.unlink(missing_ok=True)  # do not leave the reserved, empty file behind
            raise
        self.post_message(self.ExportFinished(path, rows))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.group == "quarantine-page":
            self.query_one(FrameTable).loading = False
        report_worker_error(self, event)

    def _reload(self, filters: RowFilters | None = None, offset: int = 0) -> None:
        """Show ``filters`` (default: the current ones) from ``offset`` once read."""
        if filters is not None:
            self.filters = filters
        self.row_offset = offset
        self._show_filters()
        self.query_one(FrameTable).loading = True
        self._load_page(self.filters, offset)

    # -- results ------------------------------------------------------------------------------

    def on_quarantine_screen_counts_loaded(self, message: CountsLoaded) -> None:
        self._counts = (message.rules, message.tables)
        self.rules = tuple(message.rules.get_column("rule_name").to_list())
        # Rows whose message names no table have a null source table: no filter reaches them.
        self.tables = tuple(t for t in message.tables.get_column("source_table") if t is not None)
        self._show_filters()

    def on_quarantine_screen_page_loaded(self, message: PageLoaded) -> None:
        if (message.filters, message.offset) != (self.filters, self.row_offset):
            return  # the filters or the page changed while this one loaded
        self.current_page = message.page
        table = self.query_one(FrameTable)
        table.loading = False
        table.show(message.page.rows)
        self._refocus()
        table.move_cursor(row=0)
        self._show_detail()
        self.refresh_bindings()

    def on_quarantine_screen_export_finished(self, message: ExportFinished) -> None:
        self.notify(
            f"exported {count(message.rows)} rows to {message.path}",
            title="Export",
            markup=False,
            timeout=6,
        )

    def on_data_table_row_highlighted(self) -> None:
        self._show_detail()

    @on(FrameTable.RowChosen)
    def _row_chosen(self, event: FrameTable.RowChosen) -> None:
        file_id = event.row.get("file_id")
        if file_id is not None:
            self.app.push_screen(ManifestScreen(file_id=int(file_id)))

    def _show_detail(self) -> None:
        """The highlighted row in full, and where the page is (sorting re-highlights)."""
        table = self.query_one(FrameTable)
        if self.current_page is not None:
            position = position_text(self.current_page, table)
            self.query_one("#quarantine-position", Static).update(position)
        row = table.current_row()
        detail = self.query_one("#quarantine-detail", Static)
        detail.update(row_text(row) if row else "")
        detail.display = row is not None

    def _show_filters(self) -> None:
        self.query_one("#quarantine-filters", Static).update(
            Text.assemble(("filter: ", "dim"), self.filters.describe())
        )
        if self._counts is not None:
            rules, tables = self._counts
            self.query_one("#rule-counts", Static).update(
                counts_text("rules", rules, "rule_name", self.filters.rule)
            )
            self.query_one("#table-counts", Static).update(
                counts_text("tables", tables, "source_table", self.filters.source_table)
            )

    # -- actions ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "page":
            return can_page(self.current_page)
        return True

    def action_page(self, step: int) -> None:
        page = self.current_page
        if page is None:
            return
        offset = page.offset + step * self.PAGE_SIZE
        if 0 <= offset < page.total:
            self._reload(offset=offset)

    def action_cycle_rule(self) -> None:
        if not self.rules:
            self.notify("no rules counted yet", timeout=2)
            return
        self._reload(replace(self.filters, rule=_next(self.rules, self.filters.rule)))

    def action_cycle_table(self) -> None:
        if not self.tables:
            self.notify("no source tables counted yet", timeout=2)
            return
        table = _next(self.tables, self.filters.source_table)
        self._reload(replace(self.filters, source_table=table))

    def action_search(self) -> None:
        search = self.query_one("#quarantine-search", Input)
        current = self.filters.file_id if self.filters.file_id is not None else self.filters.symbol
        search.value = "" if current is None else str(current)
        self.query_one("#quarantine-search-bar").add_class("-open")
        search.focus()

    @on(Input.Submitted, "#quarantine-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self._close_search()
        text = event.value.strip()
        file_id = int(text) if text.isdigit() else None
        symbol = text if text and file_id is None else None
        self._reload(replace(self.filters, file_id=file_id, symbol=symbol))

    def action_clear(self) -> None:
        self._reload(RowFilters())

    def action_export(self) -> None:
        self.notify(f"exporting rows ({self.filters.describe()})…", timeout=2, markup=False)
        self._export(self.filters, Path.cwd())

    def action_back(self) -> None:
        if self.query_one("#quarantine-search-bar").has_class("-open"):
            self._close_search()
        else:
            self.app.pop_screen()

    def _refocus(self) -> None:
        """Focus the table, unless the operator focused something else.

        A focus asked for while the table was loading does not take, and the closed search
        input must not keep it.
        """
        focused = self.focused
        if focused is None or (
            focused.id == "quarantine-search"
            and not self.query_one("#quarantine-search-bar").has_class("-open")
        ):
            self.query_one(FrameTable).focus()

    def _close_search(self) -> None:
        self.query_one("#quarantine-search-bar").remove_class("-open")
        self.query_one(FrameTable).focus()


def _next(options: tuple[str, ...], current: str | None) -> str | None:
    """The option after ``current`` in ``(None, *options)``, wrapping around."""
    cycle = (None, *options)
    index = cycle.index(current) if current in cycle else 0
    return cycle[(index + 1) % len(cycle)]


def counts_text(label: str, counts: pl.DataFrame, column: str, active: str | None) -> Text:
    """``"rules  crossed_book 51 · …"`` with the active filter's value highlighted."""
    text = Text(f"{label} ", style="dim")
    if counts.is_empty():
        text.append("none")
    for index, (value, n) in enumerate(counts.select(column, "count").iter_rows()):
        if index:
            text.append(" · ", style="dim")
        name = "(none)" if value is None else plain_text(value)
        style = "reverse bold" if active is not None and value == active else ""
        text.append(f"{name} {count(n)}", style=style)
    return text


def row_text(row: dict[str, Any]) -> Text:
    """One log row in four lines; stored strings stay literal (never markup)."""

    def field(label: str, value: object) -> None:
        text.append(f"{label} ", style="dim")
        text.append("-" if value is None else plain_text(value))
        text.append("  ")

    text = Text()
    field("file", row.get("file_id"))
    field("seq", row.get("file_seq"))
    field("severity", row.get("severity"))
    field("rule", row.get("rule_name"))
    symbol, symbol_id = row.get("symbol"), row.get("symbol_id")
    field("symbol", symbol if symbol_id is None else f"{symbol} ({symbol_id})")
    text.append("\n")
    field("field", row.get("field_name"))
    field("value", row.get("field_value"))
    field("event", utc_from_us(row.get("ts_event_us")))
    field("logged", utc_from_us(row.get("logged_at_ts_us")))
    text.append("\n")
    field("message", row.get("message"))
    text.append("\n")
    field("bronze", row.get("bronze_path"))
    text.rstrip()
    return text
