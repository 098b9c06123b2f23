"""A screen of filtered rows read one server-side page at a time, with search and detail."""

from __future__ import annotations

from typing import Any, ClassVar, Generic, Protocol, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.types import CSSPathType
from textual.widget import Widget
from textual.widgets import Footer, Header, Input, Static
from textual.worker import Worker

from pointline_tui.context import LakeContext, lake_context
from pointline_tui.lake.paging import Page
from pointline_tui.screens.errors import report_worker_error
from pointline_tui.widgets.frame_table import Column, FrameTable


class Filters(Protocol):
    """What a list screen filters its rows by; compared to drop pages read for old filters."""

    def describe(self) -> str:
        """The filters in words, for the filter line."""
        ...


FiltersT = TypeVar("FiltersT", bound=Filters)


class PagedListScreen(Screen[None], Generic[FiltersT]):
    """Rows matching ``filters``, ``PAGE_SIZE`` at a time, and the highlighted row in full.

    Lays out, top to bottom: the subclass's summary, the filter line, a search bar that ``/``
    opens, the table, the position line and the detail panel. Subclasses name the widgets with
    ``ID_PREFIX``, read a page in ``_read_page``, fill the search input in ``_search_text``,
    turn what was searched into filters in ``_filters_for_search`` and render a row in
    ``_detail_text``.

    Textual runs the ``on_mount`` and ``on_worker_state_changed`` of every class in the MRO, so
    a subclass adds its own without calling ``super()`` (that would run the base's twice).
    """

    CSS_PATH: ClassVar[CSSPathType] = "paged_list.tcss"
    AUTO_FOCUS = "FrameTable"
    PAGE_SIZE: ClassVar[int] = 100
    ID_PREFIX: ClassVar[str]
    """Prefix of the widget ids: ``"manifest"`` gives ``#manifest-table``."""
    COLUMNS: ClassVar[list[Column]]
    SEARCH_PROMPT: ClassVar[str]
    """The label left of the search input, such as ``"bronze path contains "``."""
    SEARCH_PLACEHOLDER: ClassVar[str]
    DETAIL_SCROLLS: ClassVar[bool] = False
    """Whether the detail sits in a scrollable box, for rows too long for its height."""
    BINDINGS = [
        Binding("escape", "back", "Back"),
        # Priority: the table's own [ ] would only page within the one page it holds.
        Binding("left_square_bracket", "page(-1)", "Page", priority=True, show=False),
        Binding("right_square_bracket", "page(1)", "Page", priority=True, key_display="[ ]"),
    ]

    class PageLoaded(Message):
        """One page of rows was read for ``filters`` from row ``offset``."""

        def __init__(self, filters: object, offset: int, page: Page) -> None:
            super().__init__()
            self.filters = filters
            self.offset = offset
            self.page = page

    def __init__(self, filters: FiltersT) -> None:
        super().__init__()
        self.filters = filters
        self.row_offset = 0
        self.current_page: Page | None = None

    @property
    def lake_app(self) -> LakeContext:
        return lake_context(self)

    @property
    def _search_bar(self) -> Widget:
        return self.query_one(".search-bar")

    # -- hooks --------------------------------------------------------------------------------

    def compose_summary(self) -> ComposeResult:
        """The widgets above the filter line (none by default)."""
        yield from ()

    def _columns(self) -> list[Column]:
        """The table's columns (``COLUMNS`` by default)."""
        return self.COLUMNS

    def _read_page(self, filters: FiltersT, offset: int) -> Page:
        """Read up to ``PAGE_SIZE`` rows matching ``filters`` from ``offset`` (in a thread)."""
        raise NotImplementedError

    def _search_text(self) -> str:
        """What the search input starts with when ``/`` opens it."""
        raise NotImplementedError

    def _filters_for_search(self, text: str) -> FiltersT:
        """The filters after the operator searched for ``text`` (stripped, maybe empty)."""
        raise NotImplementedError

    def _detail_text(self, row: dict[str, Any]) -> Text:
        """The highlighted row in full."""
        raise NotImplementedError

    def _highlight_filters(self) -> None:
        """Mark the active filters in the summary (nothing by default)."""

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        prefix = self.ID_PREFIX
        yield Header()
        yield from self.compose_summary()
        yield Static(id=f"{prefix}-filters", classes="filters", markup=False)
        with Horizontal(id=f"{prefix}-search-bar", classes="search-bar"):
            yield Static(self.SEARCH_PROMPT, classes="prompt", markup=False)
            yield Input(
                placeholder=self.SEARCH_PLACEHOLDER, id=f"{prefix}-search", classes="search"
            )
        yield FrameTable(self._columns(), page_size=self.PAGE_SIZE, id=f"{prefix}-table")
        yield Static(id=f"{prefix}-position", classes="position", markup=False)
        if self.DETAIL_SCROLLS:
            # Scrollable (tab focuses it) so a long detail can be read in full.
            with VerticalScroll(id=f"{prefix}-detail-scroll", classes="detail-box"):
                yield Static(id=f"{prefix}-detail", classes="detail", markup=False)
        else:
            yield Static(id=f"{prefix}-detail", classes="detail detail-box", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self._reload()

    # -- the page worker (it only posts a message) --------------------------------------------

    @work(thread=True, exclusive=True, group="page", exit_on_error=False)
    def _load_page(self, filters: FiltersT, offset: int) -> None:
        self.post_message(self.PageLoaded(filters, offset, self._read_page(filters, offset)))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)

    def _reload(self, filters: FiltersT | None = None, offset: int = 0) -> None:
        """Show ``filters`` (default: the current ones) from row ``offset`` once read."""
        if filters is not None:
            self.filters = filters
        self.row_offset = offset
        self._show_filters()
        self.query_one(FrameTable).loading = True
        self._load_page(self.filters, offset)

    # -- results ------------------------------------------------------------------------------

    def on_paged_list_screen_page_loaded(self, message: PageLoaded) -> None:
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

    def on_data_table_row_highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        """The highlighted row in full, and where the page is (sorting re-highlights)."""
        table = self.query_one(FrameTable)
        if self.current_page is not None:
            position = position_text(self.current_page, table)
            self.query_one(".position", Static).update(position)
        row = table.current_row()
        self.query_one(".detail", Static).update(self._detail_text(row) if row else "")
        self.query_one(".detail-box").display = row is not None

    def _show_filters(self) -> None:
        self.query_one(".filters", Static).update(
            Text.assemble(("filter: ", "dim"), self.filters.describe())
        )
        self._highlight_filters()

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

    def action_search(self) -> None:
        search = self.query_one(".search", Input)
        search.value = self._search_text()
        self._search_bar.add_class("-open")
        search.focus()

    @on(Input.Submitted, ".search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self._close_search()
        self._reload(self._filters_for_search(event.value.strip()))

    def action_back(self) -> None:
        if self._search_bar.has_class("-open"):
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
            focused.has_class("search") and not self._search_bar.has_class("-open")
        ):
            self.query_one(FrameTable).focus()

    def _close_search(self) -> None:
        self._search_bar.remove_class("-open")
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
