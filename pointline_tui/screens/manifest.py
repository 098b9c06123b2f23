"""The ingest manifest: files per status and source, a filterable entry list, one entry in full."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

import polars as pl
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static
from textual.worker import Worker, WorkerState

from pointline_tui.formatting import count, iso_date, one_line, plain_text, utc_from_us
from pointline_tui.lake.paging import Page
from pointline_tui.screens.errors import report_worker_error
from pointline_tui.storage.schemas import MANIFEST_STATUSES
from pointline_tui.widgets.frame_table import Column, FrameTable

if TYPE_CHECKING:
    from pointline_tui.app import PointlineApp

COLUMNS = [
    Column("file_id", "id", str, numeric=True),
    Column("status", "status"),
    Column("data_type", "type"),
    Column("bronze_path", "bronze path", one_line),
    Column("rows_total", "total", count, numeric=True),
    Column("rows_written", "written", count, numeric=True),
    Column("rows_quarantined", "quar.", count, numeric=True),
    Column("processed_at_ts_us", "processed (UTC)", utc_from_us),
    Column("status_reason", "reason", one_line),
]
STATUS_FILTERS: tuple[str | None, ...] = (None, *MANIFEST_STATUSES)
"""What ``f`` cycles through: all, then each status."""


@dataclass(frozen=True, slots=True)
class EntryQuery:
    """The entries the list shows: filters and the window."""

    status: str | None = None
    search: str | None = None
    """Case-insensitive substring of bronze_path."""
    file_id: int | None = None
    """Only this file (replaces the other filters)."""
    offset: int = 0

    def describe(self) -> str:
        """``"status failed · path ~ 'okx'"`` for the filter line."""
        if self.file_id is not None:
            return f"file {self.file_id}"
        parts = [f"status {self.status or 'all'}"]
        if self.search:
            parts.append(f"path ~ {self.search!r}")
        return " · ".join(parts)


class ManifestScreen(Screen[None]):
    """Ingested bronze files: counts per status and source, the entry list and its detail."""

    CSS_PATH = "manifest.tcss"
    AUTO_FOCUS = "FrameTable"
    PAGE_SIZE: ClassVar[int] = 100
    BINDINGS = [
        Binding("escape", "back", "Back"),
        # Priority: the table's own [ ] would only page within the one page it holds.
        Binding("left_square_bracket", "page(-1)", "Page", priority=True, show=False),
        Binding("right_square_bracket", "page(1)", "Page", priority=True, key_display="[ ]"),
        Binding("f", "cycle_status", "Status"),
        Binding("slash", "search", "Path", key_display="/"),
        Binding("c", "clear", "Clear"),
        Binding("r", "refresh", "Refresh", show=False),
    ]

    class CountsLoaded(Message):
        """The status counts and the per-source counts were read."""

        def __init__(self, status: pl.DataFrame, sources: pl.DataFrame) -> None:
            super().__init__()
            self.status = status
            self.sources = sources

    class PageLoaded(Message):
        """One page of entries was read for ``query``."""

        def __init__(self, query: EntryQuery, page: Page) -> None:
            super().__init__()
            self.query = query
            self.page = page

    class QuarantineChecked(Message):
        """``file_id`` has ``rows`` rows in the validation log."""

        def __init__(self, file_id: int, rows: int) -> None:
            super().__init__()
            self.file_id = file_id
            self.rows = rows

    def __init__(self, *, status: str | None = None, file_id: int | None = None) -> None:
        super().__init__()
        self.entry_query = EntryQuery(status=status, file_id=file_id)
        self.current_page: Page | None = None

    @property
    def lake_app(self) -> PointlineApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="manifest-status"):
            for status in MANIFEST_STATUSES:
                yield Static(id=f"status-{status}", classes=f"status -{status}", markup=False)
            yield Static(id="status-other", classes="status", markup=False)
        yield Static(id="manifest-sources", markup=False)
        yield Static(id="manifest-filters", markup=False)
        with Horizontal(id="manifest-search-bar"):
            yield Static("bronze path contains ", classes="prompt", markup=False)
            yield Input(placeholder="text; enter applies, esc closes", id="manifest-search")
        yield FrameTable(COLUMNS, page_size=self.PAGE_SIZE, id="manifest-table")
        yield Static(id="manifest-position", markup=False)
        # Scrollable (tab focuses it) so a long status_reason can be read in full.
        with VerticalScroll(id="manifest-detail-scroll"):
            yield Static(id="manifest-detail", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self._show_filters()
        self._load_counts()
        self._reload()

    # -- workers (they only post messages) ----------------------------------------------------

    @work(thread=True, exclusive=True, group="manifest-counts", exit_on_error=False)
    def _load_counts(self) -> None:
        view = self.lake_app.reader.manifest()
        self.post_message(self.CountsLoaded(view.status_counts(), view.counts_by_source()))

    @work(thread=True, exclusive=True, group="manifest-page", exit_on_error=False)
    def _load_page(self, query: EntryQuery) -> None:
        view = self.lake_app.reader.manifest()
        if query.file_id is None:
            page = view.entries(
                status=query.status,
                search=query.search,
                offset=query.offset,
                limit=self.PAGE_SIZE,
            )
        else:
            rows = view.entry(query.file_id)
            page = Page(rows=rows, total=rows.height, offset=0, limit=self.PAGE_SIZE)
        self.post_message(self.PageLoaded(query, page))

    @work(thread=True, exclusive=True, group="manifest-jump", exit_on_error=False)
    def _check_quarantine(self, file_id: int) -> None:
        rows = self.lake_app.reader.quarantine().total(file_id=file_id)
        self.post_message(self.QuarantineChecked(file_id, rows))

    @work(thread=True, exclusive=True, group="manifest-refresh", exit_on_error=False)
    def _refresh(self) -> None:
        self.lake_app.reader.refresh()
        view = self.lake_app.reader.manifest()
        self.post_message(self.CountsLoaded(view.status_counts(), view.counts_by_source()))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.query_one(FrameTable).loading = False
        elif event.state == WorkerState.SUCCESS and event.worker.group == "manifest-refresh":
            self._reload()
        report_worker_error(self, event)

    def _reload(self, query: EntryQuery | None = None) -> None:
        """Show ``query`` (default: the current one) once its page is read."""
        if query is not None:
            self.entry_query = query
        self._show_filters()
        self.query_one(FrameTable).loading = True
        self._load_page(self.entry_query)

    # -- results ------------------------------------------------------------------------------

    def on_manifest_screen_counts_loaded(self, message: CountsLoaded) -> None:
        counts = dict(message.status.iter_rows())
        for status in MANIFEST_STATUSES:
            n = int(counts.get(status, 0))
            widget = self.query_one(f"#status-{status}", Static)
            widget.update(f"{status} {count(n)}")
            widget.set_class(n > 0, "-some")
        other = {s: n for s, n in counts.items() if s not in MANIFEST_STATUSES}
        total = sum(int(n) for n in counts.values())
        extra = "".join(f"{s} {count(int(n))} · " for s, n in other.items())
        self.query_one("#status-other", Static).update(f"{extra}{count(total)} files")
        self.query_one("#manifest-sources", Static).update(sources_text(message.sources))
        self._show_filters()

    def on_manifest_screen_page_loaded(self, message: PageLoaded) -> None:
        if message.query != self.entry_query:
            return  # the filters changed while this page loaded
        self.current_page = message.page
        table = self.query_one(FrameTable)
        table.loading = False
        table.show(message.page.rows)
        self._refocus()
        table.move_cursor(row=0)
        self._show_detail()
        self.refresh_bindings()

    def on_manifest_screen_quarantine_checked(self, message: QuarantineChecked) -> None:
        if message.rows == 0:
            self.notify(f"no quarantined rows for file {message.file_id}", timeout=3)
            return
        from pointline_tui.screens.quarantine import QuarantineScreen

        self.app.push_screen(QuarantineScreen(file_id=message.file_id))

    def on_data_table_row_highlighted(self) -> None:
        self._show_detail()

    @on(FrameTable.RowChosen)
    def _row_chosen(self, event: FrameTable.RowChosen) -> None:
        file_id = event.row.get("file_id")
        if file_id is not None:
            self._check_quarantine(int(file_id))

    def _show_detail(self) -> None:
        """The highlighted entry in full, and where the page is (sorting re-highlights)."""
        table = self.query_one(FrameTable)
        if self.current_page is not None:
            position = position_text(self.current_page, table)
            self.query_one("#manifest-position", Static).update(position)
        row = table.current_row()
        detail = self.query_one("#manifest-detail", Static)
        detail.update(entry_text(row) if row else "")
        self.query_one("#manifest-detail-scroll").display = row is not None

    def _show_filters(self) -> None:
        self.query_one("#manifest-filters", Static).update(
            Text.assemble(("filter: ", "dim"), self.entry_query.describe())
        )
        for status in MANIFEST_STATUSES:
            active = self.entry_query.file_id is None and self.entry_query.status == status
            self.query_one(f"#status-{status}").set_class(active, "-active")

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
        if offset < 0 or offset >= page.total:
            return
        self._reload(replace(self.entry_query, offset=offset))

    def action_cycle_status(self) -> None:
        current = self.entry_query.status if self.entry_query.file_id is None else None
        index = STATUS_FILTERS.index(current) if current in STATUS_FILTERS else 0
        status = STATUS_FILTERS[(index + 1) % len(STATUS_FILTERS)]
        search = self.entry_query.search if self.entry_query.file_id is None else None
        self._reload(EntryQuery(status=status, search=search))

    def action_search(self) -> None:
        search = self.query_one("#manifest-search", Input)
        search.value = self.entry_query.search or ""
        self.query_one("#manifest-search-bar").add_class("-open")
        search.focus()

    @on(Input.Submitted, "#manifest-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self._close_search()
        text = event.value.strip() or None
        status = self.entry_query.status if self.entry_query.file_id is None else None
        self._reload(EntryQuery(status=status, search=text))

    def action_clear(self) -> None:
        self._reload(EntryQuery())

    def action_refresh(self) -> None:
        self.query_one(FrameTable).loading = True
        self._refresh()

    def action_back(self) -> None:
        if self.query_one("#manifest-search-bar").has_class("-open"):
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
            focused.id == "manifest-search"
            and not self.query_one("#manifest-search-bar").has_class("-open")
        ):
            self.query_one(FrameTable).focus()

    def _close_search(self) -> None:
        self.query_one("#manifest-search-bar").remove_class("-open")
        self.query_one(FrameTable).focus()


def can_page(page: Page | None) -> bool | None:
    """Paging is enabled when the result has more than one page (``None``: shown greyed)."""
    return True if page is not None and page.total > page.limit else None


def position_text(page: Page, table: FrameTable) -> Text:
    """``"rows 1-100 of 2,345 · page sorted by rows desc  [ ] page"``."""
    if not page.total:
        return Text("no rows match")
    last = page.offset + page.rows.height
    text = Text(f"rows {page.offset + 1:,}-{last:,} of {page.total:,}")
    if table.sort_column:
        order = "desc" if table.sort_descending else "asc"
        text.append(f" · page sorted by {table.sort_column} {order}", style="dim")
    if page.total > page.limit:
        text.append("  [ ] page", style="dim")
    return text


def sources_text(sources: pl.DataFrame) -> Text:
    """Files per vendor/data_type, with the statuses other than success in brackets."""
    text = Text()
    if sources.is_empty():
        return Text("no manifest entries", style="dim")
    grouped = sources.group_by("vendor", "data_type", maintain_order=True).agg(
        pl.col("status"), pl.col("count")
    )
    for index, (vendor, data_type, statuses, counts) in enumerate(grouped.iter_rows()):
        if index:
            text.append(" · ", style="dim")
        text.append(f"{vendor}/{data_type} ", style="bold")
        text.append(count(sum(counts)))
        others = [
            f"{count(n)} {s}" for s, n in zip(statuses, counts, strict=True) if s != "success"
        ]
        if others:
            text.append(f" ({', '.join(others)})", style="dim")
    return text


def entry_text(row: dict[str, Any]) -> Text:
    """Every field of one manifest entry; stored strings stay literal (never markup)."""

    def field(label: str, value: object) -> None:
        text.append(f"{label} ", style="dim")
        text.append("-" if value is None else plain_text(value))

    text = Text()
    field("file", row.get("file_id"))
    text.append("  ")
    text.append(plain_text(row.get("status")), style="bold")
    text.append("  ")
    text.append(plain_text(f"{row.get('vendor')}/{row.get('data_type')}"))
    text.append("  ")
    field("hash", row.get("file_hash"))
    text.append("\n")
    field("bronze", row.get("bronze_path"))
    text.append("\n")
    field("rows", count(row.get("rows_total")))
    text.append("  ")
    field("written", count(row.get("rows_written")))
    text.append("  ")
    field("quarantined", count(row.get("rows_quarantined")))
    text.append("  ")
    first, last = row.get("trading_date_min"), row.get("trading_date_max")
    field("dates", f"{iso_date(first)} .. {iso_date(last)}" if first or last else None)
    text.append("\n")
    field("created", utc_from_us(row.get("created_at_ts_us")))
    text.append("  ")
    field("processed", utc_from_us(row.get("processed_at_ts_us")))
    reason = row.get("status_reason")
    if reason:
        text.append("\n")
        field("reason", reason)
    return text
