"""Quarantined rows from ``validation_log``: counts, filtered pages read lazily, export."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from pointline_tui.context import navigator
from pointline_tui.formatting import count, utc_from_us
from pointline_tui.lake.paging import Page
from pointline_tui.screens.export import ExportModal, ExportResult, copy_text
from pointline_tui.screens.keys import QUIET_VIEW_KEYS
from pointline_tui.screens.paged_list import PagedListScreen
from pointline_tui.text import one_line, safe_text
from pointline_tui.widgets.frame_table import Column, FrameTable

EXPORT_FOLDER = "pointline-exports"
"""Where exports go by default, in the operator's home folder."""


@dataclass(frozen=True, slots=True)
class RowFilters:
    """The validation log rows the screen shows (``None``: any)."""

    rule: str | None = None
    source_table: str | None = None
    file_id: int | None = None
    symbol: str | None = None
    """This symbol exactly."""
    search: str | None = None
    """Part of a symbol in any case, or (a whole number) also a file id: what ``/`` sets."""

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
        if self.search:
            also = f" or file {self.search}" if _whole_number(self.search) else ""
            parts.append(f"symbol ~ {self.search!r}{also}")
        return " · ".join(parts) or "none"


def default_export_path(folder: Path, filters: RowFilters, now: datetime) -> Path:
    """``folder/quarantine-<table or all>-<UTC time>.csv``: a new name for every export."""
    table = re.sub(r"[^A-Za-z0-9_.-]+", "_", filters.source_table or "all").strip("._") or "all"
    return folder / f"quarantine-{table}-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}.csv"


class QuarantineScreen(PagedListScreen[RowFilters]):
    """Rows rejected during ingestion, filtered and paged without loading the whole log."""

    CSS_PATH = ["paged_list.tcss", "quarantine.tcss"]
    ID_PREFIX = "quarantine"
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
    SEARCH_PROMPT = "symbol or file id "
    SEARCH_PLACEHOLDER = "part of a symbol (any case) or a file id; enter applies, esc closes"
    # The footer fits 60 columns with the app's "? Help": t, c, y, m and q (this screen) are
    # hidden; the help lists them.
    BINDINGS = [
        Binding("f", "cycle_rule", "Rule"),
        Binding("t", "cycle_table", "Table", show=False),
        Binding("slash", "search", "Find", key_display="/"),
        Binding("c", "clear", "Clear", show=False),
        Binding("e", "export", "Export"),
        Binding("y", "copy('bronze_path', 'bronze path')", "Copy", show=False),
        Binding("Y", "copy('field_value', 'field value')", "Copy value", show=False),
        *QUIET_VIEW_KEYS,
    ]

    class CountsLoaded(Message):
        """Rows per rule and per source table were counted."""

        def __init__(self, rules: pl.DataFrame, tables: pl.DataFrame) -> None:
            super().__init__()
            self.rules = rules
            self.tables = tables

    def __init__(
        self,
        *,
        file_id: int | None = None,
        rule: str | None = None,
        source_table: str | None = None,
        export_folder: Path | None = None,
    ) -> None:
        super().__init__(RowFilters(rule=rule, source_table=source_table, file_id=file_id))
        self.export_folder = export_folder
        """Where an export goes by default (``None``: ``~/pointline-exports``, read from
        ``HOME`` when the export starts)."""
        self.rules: tuple[str, ...] = ()
        self.tables: tuple[str, ...] = ()
        self._counts: tuple[pl.DataFrame, pl.DataFrame] | None = None

    def compose_summary(self) -> ComposeResult:
        yield Static(id="rule-counts", markup=False)
        yield Static(id="table-counts", markup=False)

    def on_mount(self) -> None:
        self.query_one("#rule-counts", Static).update(Text("counting rows…", style="dim"))
        self._load_counts()  # the base's on_mount then loads the first page

    # -- workers (they only post messages) ----------------------------------------------------

    @work(thread=True, exclusive=True, group="quarantine-counts", exit_on_error=False)
    def _load_counts(self) -> None:
        view = self.lake_app.reader.quarantine()
        self.post_message(self.CountsLoaded(view.counts_by_rule(), view.counts_by_table()))

    def _read_page(self, filters: RowFilters, offset: int) -> Page:
        view = self.lake_app.reader.quarantine()
        return view.page(**filters.as_kwargs(), offset=offset, limit=self.PAGE_SIZE)

    def _write_export(self, filters: RowFilters, path: Path, overwrite: bool) -> int:  # noqa: FBT001
        """Write the rows of ``filters`` to ``path`` (in the export dialog's worker)."""
        view = self.lake_app.reader.quarantine()
        return view.export(path, overwrite=overwrite, **filters.as_kwargs())

    # -- results ------------------------------------------------------------------------------

    def on_quarantine_screen_counts_loaded(self, message: CountsLoaded) -> None:
        self._counts = (message.rules, message.tables)
        self.rules = tuple(message.rules.get_column("rule_name").to_list())
        # Rows whose message names no table have a null source table: no filter reaches them.
        self.tables = tuple(t for t in message.tables.get_column("source_table") if t is not None)
        self._show_filters()

    def _exported(self, result: ExportResult | None) -> None:
        if result is not None:
            self.notify(
                f"exported {count(result.rows)} rows to {result.path}",
                title="Export",
                markup=False,
                timeout=6,
            )

    @on(FrameTable.RowChosen)
    def _row_chosen(self, event: FrameTable.RowChosen) -> None:
        file_id = event.row.get("file_id")
        if file_id is not None:
            navigator(self).show_manifest(file_id=int(file_id))

    def _detail_text(self, row: dict[str, Any]) -> Text:
        return row_text(row)

    def _highlight_filters(self) -> None:
        if self._counts is not None:
            rules, tables = self._counts
            self.query_one("#rule-counts", Static).update(
                counts_text("rules", rules, "rule_name", self.filters.rule)
            )
            self.query_one("#table-counts", Static).update(
                counts_text("tables", tables, "source_table", self.filters.source_table)
            )

    # -- actions ------------------------------------------------------------------------------

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

    def _search_text(self) -> str:
        filters = self.filters
        current = filters.search or filters.symbol
        if current is None and filters.file_id is not None:
            current = str(filters.file_id)
        return current or ""

    def _filters_for_search(self, text: str) -> RowFilters:
        # The search replaces an exact symbol or file (a jump from the manifest), not the rest.
        return replace(self.filters, file_id=None, symbol=None, search=text or None)

    def action_clear(self) -> None:
        self._reload(RowFilters())

    def action_export(self) -> None:
        filters = self.filters
        page = self.current_page  # the current filters' page unless one is loading
        known = page is not None and not self.query_one(FrameTable).loading
        rows = f"{count(page.total)} " if known and page is not None else ""
        folder = self.export_folder or Path.home() / EXPORT_FOLDER
        dialog = ExportModal(
            f"{rows}quarantined rows (filter: {filters.describe()})",
            default_export_path(folder, filters, datetime.now(UTC)),
            lambda path, overwrite: self._write_export(filters, path, overwrite),
        )
        self.app.push_screen(dialog, self._exported)

    def action_copy(self, column: str, label: str) -> None:
        """Copy the highlighted row's ``column`` (its bronze path, or ``Y``: its field value)."""
        row = self.query_one(FrameTable).current_row()
        value = None if row is None else row.get(column)
        if value is None or value == "":
            self.notify(f"no {label} to copy", timeout=2)
            return
        copy_text(self.app, str(value))


def _whole_number(text: str) -> bool:
    return text.isascii() and text.isdigit()


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
        name = "(none)" if value is None else safe_text(value)
        style = "reverse bold" if active is not None and value == active else ""
        text.append(f"{name} {count(n)}", style=style)
    return text


def row_text(row: dict[str, Any]) -> Text:
    """One log row in four lines; stored strings stay literal (never markup)."""

    def field(label: str, value: object) -> None:
        text.append(f"{label} ", style="dim")
        text.append("-" if value is None else safe_text(value))
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
