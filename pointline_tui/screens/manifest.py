"""The ingest manifest: files per status and source, a filterable entry list, one entry in full."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import polars as pl
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from pointline_tui.context import navigator
from pointline_tui.formatting import count, iso_date, utc_from_us
from pointline_tui.lake.paging import Page
from pointline_tui.screens.export import copy_text
from pointline_tui.screens.keys import QUIET_VIEW_KEYS
from pointline_tui.screens.paged_list import PagedListScreen
from pointline_tui.storage.schemas import MANIFEST_STATUSES
from pointline_tui.text import one_line, safe_text
from pointline_tui.widgets.frame_table import Column, FrameTable

STATUS_FILTERS: tuple[str | None, ...] = (None, *MANIFEST_STATUSES)
"""What ``f`` cycles through: all, then each status."""
KEY_COLUMNS_WIDTH = 26
"""Columns of the terminal the list needs besides its bronze path and reason: the mark, an id
of up to six digits and the longest status, with their padding, and the scroll bar."""


@dataclass(frozen=True, slots=True)
class EntryQuery:
    """The entries the list shows."""

    status: str | None = None
    search: str | None = None
    """Case-insensitive substring of bronze_path."""
    file_id: int | None = None
    """Only this file (replaces the other filters)."""

    def describe(self) -> str:
        """``"status failed · path ~ 'okx'"`` for the filter line."""
        if self.file_id is not None:
            return f"file {self.file_id}"
        parts = [f"status {self.status or 'all'}"]
        if self.search:
            parts.append(f"path ~ {self.search!r}")
        return " · ".join(parts)


class ManifestScreen(PagedListScreen[EntryQuery]):
    """Ingested bronze files: counts per status and source, the entry list and its detail."""

    CSS_PATH = ["paged_list.tcss", "manifest.tcss"]
    ID_PREFIX = "manifest"
    # The key columns first, so that they fit 80 columns: path and reason are cut to fit (the
    # detail shows them in full); the others follow, to scroll to on a narrow terminal.
    COLUMNS = [
        Column("file_id", "id", str, numeric=True),
        Column("status", "status"),
        Column("bronze_path", "bronze path", one_line),
        Column("status_reason", "reason", one_line),
        Column("data_type", "type"),
        Column("rows_total", "total", count, numeric=True),
        Column("rows_written", "written", count, numeric=True),
        Column("rows_quarantined", "quar.", count, numeric=True),
        Column("processed_at_ts_us", "processed (UTC)", utc_from_us),
    ]
    SEARCH_PROMPT = "bronze path contains "
    SEARCH_PLACEHOLDER = "text; enter applies, esc closes"
    DETAIL_SCROLLS = True  # a status_reason can be long
    # The footer fits 60 columns with the app's "? Help": c, r, m (this screen) and q are
    # hidden; the help lists them.
    BINDINGS = [
        Binding("f", "cycle_status", "Status"),
        Binding("slash", "search", "Path", key_display="/"),
        Binding("c", "clear", "Clear", show=False),
        Binding("y", "copy('bronze_path', 'bronze path')", "Copy"),
        Binding("Y", "copy('status_reason', 'reason')", "Copy reason", show=False),
        Binding("r", "refresh", "Refresh", show=False),
        *QUIET_VIEW_KEYS,
    ]

    class CountsLoaded(Message):
        """The status counts and the per-source counts were read."""

        def __init__(self, status: pl.DataFrame, sources: pl.DataFrame) -> None:
            super().__init__()
            self.status = status
            self.sources = sources

    class QuarantineChecked(Message):
        """``file_id`` has ``rows`` rows in the validation log."""

        def __init__(self, file_id: int, rows: int) -> None:
            super().__init__()
            self.file_id = file_id
            self.rows = rows

    def __init__(self, *, status: str | None = None, file_id: int | None = None) -> None:
        super().__init__(EntryQuery(status=status, file_id=file_id))
        self._cuts: tuple[int, int] | None = None

    def _columns(self) -> list[Column]:
        cut = {"bronze_path": self._cut_path, "status_reason": self._cut_reason}
        return [replace(c, format=cut[c.name]) if c.name in cut else c for c in self.COLUMNS]

    @property
    def cut_widths(self) -> tuple[int, int]:
        """How many characters of a bronze path and of a reason the list shows.

        Set by the terminal's width when the first page shows (a column never narrows again).
        """
        if self._cuts is None:
            self._cuts = cut_widths(self.size.width or 80)
        return self._cuts

    def _cut_path(self, value: object) -> str:
        return cut_start(one_line(value), self.cut_widths[0])

    def _cut_reason(self, value: object) -> str:
        return cut_end(one_line(value), self.cut_widths[1])

    @property
    def entry_query(self) -> EntryQuery:
        """The entries shown (``filters`` by the name this screen gives them)."""
        return self.filters

    def compose_summary(self) -> ComposeResult:
        with Horizontal(id="manifest-status"):
            for status in MANIFEST_STATUSES:
                yield Static(id=f"status-{status}", classes=f"status -{status}", markup=False)
            yield Static(id="status-other", classes="status", markup=False)
        yield Static(id="manifest-sources", markup=False)

    def on_mount(self) -> None:
        self._load_counts()  # the base's on_mount then loads the first page

    # -- workers (they only post messages) ----------------------------------------------------

    @work(thread=True, exclusive=True, group="manifest-counts", exit_on_error=False)
    def _load_counts(self) -> None:
        self._post_counts()

    def _read_page(self, filters: EntryQuery, offset: int) -> Page:
        view = self.lake_app.reader.manifest()
        if filters.file_id is None:
            return view.entries(
                status=filters.status, search=filters.search, offset=offset, limit=self.PAGE_SIZE
            )
        rows = view.entry(filters.file_id)
        return Page(rows=rows, total=rows.height, offset=0, limit=self.PAGE_SIZE)

    @work(thread=True, exclusive=True, group="manifest-jump", exit_on_error=False)
    def _check_quarantine(self, file_id: int) -> None:
        rows = self.lake_app.reader.quarantine().total(file_id=file_id)
        self.post_message(self.QuarantineChecked(file_id, rows))

    @work(thread=True, exclusive=True, group="manifest-refresh", exit_on_error=False)
    def _refresh(self) -> None:
        self.lake_app.reader.refresh()
        self._post_counts()

    def _post_counts(self) -> None:
        """Read the counts (in a worker's thread) and post them."""
        view = self.lake_app.reader.manifest()
        self.post_message(self.CountsLoaded(view.status_counts(), view.counts_by_source()))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The base reports the error; a failed count or refresh also ends the loading state.
        if event.state == WorkerState.ERROR:
            self.query_one(FrameTable).loading = False
        elif event.state == WorkerState.SUCCESS and event.worker.group == "manifest-refresh":
            self._reload(offset=self.row_offset)

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

    def on_manifest_screen_quarantine_checked(self, message: QuarantineChecked) -> None:
        if message.rows == 0:
            self.notify(f"no quarantined rows for file {message.file_id}", timeout=3)
            return
        navigator(self).show_quarantine(file_id=message.file_id)

    @on(FrameTable.RowChosen)
    def _row_chosen(self, event: FrameTable.RowChosen) -> None:
        file_id = event.row.get("file_id")
        if file_id is not None:
            self._check_quarantine(int(file_id))

    def _detail_text(self, row: dict[str, Any]) -> Text:
        return entry_text(row)

    def _highlight_filters(self) -> None:
        for status in MANIFEST_STATUSES:
            active = self.filters.file_id is None and self.filters.status == status
            self.query_one(f"#status-{status}").set_class(active, "-active")

    # -- actions ------------------------------------------------------------------------------

    def action_cycle_status(self) -> None:
        current = self.filters.status if self.filters.file_id is None else None
        index = STATUS_FILTERS.index(current) if current in STATUS_FILTERS else 0
        status = STATUS_FILTERS[(index + 1) % len(STATUS_FILTERS)]
        search = self.filters.search if self.filters.file_id is None else None
        self._reload(EntryQuery(status=status, search=search))

    def _search_text(self) -> str:
        return self.filters.search or ""

    def _filters_for_search(self, text: str) -> EntryQuery:
        status = self.filters.status if self.filters.file_id is None else None
        return EntryQuery(status=status, search=text or None)

    def action_clear(self) -> None:
        self._reload(EntryQuery())

    def action_refresh(self) -> None:
        self.query_one(FrameTable).loading = True
        self._refresh()

    def action_copy(self, column: str, label: str) -> None:
        """Copy the highlighted entry's ``column``: its bronze path, or (``Y``) its reason."""
        row = self.query_one(FrameTable).current_row()
        value = None if row is None else row.get(column)
        if value is None or value == "":
            self.notify(f"no {label} to copy", timeout=2)
            return
        copy_text(self.app, str(value))


def cut_widths(width: int) -> tuple[int, int]:
    """Characters of bronze path and of reason that fit beside the key columns in ``width``.

    A path takes about half of what is left, up to 64 characters (it keeps its end), the
    reason the rest, up to 60; each keeps a few even on the narrowest terminal.
    """
    room = max(width - KEY_COLUMNS_WIDTH, 0) - 4  # the two columns' padding
    path = min(max(room * 11 // 20, 16), 64)
    return path, min(max(room - path, 12), 60)


def cut_start(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters from its start: ``"…/2024-05-03/part-092.csv.gz"``."""
    return text if len(text) <= width else "…" + text[len(text) - width + 1 :]


def cut_end(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters at its end: ``"no symbol mapping f…"``."""
    return text if len(text) <= width else text[: width - 1] + "…"


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
        text.append("-" if value is None else safe_text(value))

    text = Text()
    field("file", row.get("file_id"))
    text.append("  ")
    text.append(safe_text(row.get("status")), style="bold")
    text.append("  ")
    text.append(safe_text(f"{row.get('vendor')}/{row.get('data_type')}"))
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
