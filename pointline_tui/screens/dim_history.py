"""``dim_symbol`` version by version: the symbols each added, closed and changed."""

from __future__ import annotations

from typing import Any

import polars as pl
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from pointline_tui.context import lake_context
from pointline_tui.formatting import count, utc_from_us, utc_time
from pointline_tui.lake.catalog import table_dir
from pointline_tui.lake.dim_history import DimVersion, SymbolChange, dim_symbol_history
from pointline_tui.screens.errors import report_worker_error
from pointline_tui.storage.schemas import DIM_SYMBOL
from pointline_tui.text import one_line
from pointline_tui.widgets.frame_table import Column, FrameTable

COLUMNS = [
    Column("version", "ver", count, numeric=True),
    Column("change", "change"),
    Column("exchange", "exchange"),
    Column("symbol", "symbol"),
    Column("symbol_id", "id", count, numeric=True),
    Column("what", "what"),
]
VERSIONS_SHOWN = 200
"""Each version is read whole: the newest this many are compared."""
SCHEMA = {
    "version": pl.Int64,
    "change": pl.String,
    "exchange": pl.String,
    "symbol": pl.String,
    "symbol_id": pl.Int64,
    "what": pl.String,
    "detail": pl.String,
}


class DimHistoryScreen(Screen[None]):
    """Every version of ``dim_symbol``, newest first, with its symbols' SCD2 changes."""

    CSS_PATH = "history.tcss"
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    class Loaded(Message):
        """The dimension's versions were compared."""

        def __init__(self, versions: tuple[DimVersion, ...]) -> None:
            super().__init__()
            self.versions = versions

    def __init__(self) -> None:
        super().__init__()
        self.versions: tuple[DimVersion, ...] = ()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            Text(f"{DIM_SYMBOL.name}: symbols added, closed and changed", style="bold"),
            classes="tt-title",
        )
        yield FrameTable(COLUMNS, sortable=("version", "change", "symbol"), id="dim-table")
        yield Static("comparing the versions …", classes="tt-detail", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(FrameTable).focus()
        self.query_one(".tt-detail").loading = True  # the table keeps the focus
        self._load()

    @work(thread=True, exclusive=True, group="dim-history", exit_on_error=False)
    def _load(self) -> None:
        root = lake_context(self).reader.silver_root
        versions = dim_symbol_history(table_dir(root, DIM_SYMBOL.name), limit=VERSIONS_SHOWN)
        self.post_message(self.Loaded(versions))

    def on_worker_state_changed(self, event: Any) -> None:
        report_worker_error(self, event)

    def on_dim_history_screen_loaded(self, message: Loaded) -> None:
        self.versions = message.versions
        self.query_one(".tt-detail").loading = False
        if len(message.versions) == VERSIONS_SHOWN:
            title = f"{DIM_SYMBOL.name}: the newest {VERSIONS_SHOWN} versions' symbol changes"
            self.query_one(".tt-title", Static).update(Text(title, style="bold"))
        table = self.query_one(FrameTable)
        table.show(history_frame(message.versions))
        self._show_current()

    def on_data_table_row_highlighted(self) -> None:
        self._show_current()

    def _show_current(self) -> None:
        row = self.query_one(FrameTable).current_row()
        text = "no version" if row is None else row["detail"]
        self.query_one(".tt-detail", Static).update(text)


def history_frame(versions: tuple[DimVersion, ...]) -> pl.DataFrame:
    """One row per symbol change; a version that changed none (or is unreadable) gets one."""
    rows: list[dict[str, Any]] = []
    for version in versions:
        when = f"version {version.version} · {version.operation} · {utc_time(version.timestamp)}"
        if version.error is not None:
            rows.append(_row(version.version, "unreadable", what=version.error, detail=when))
        elif not version.changes:
            rows.append(_row(version.version, "-", what="no symbol changed", detail=when))
        for change in version.changes:
            rows.append(
                _row(
                    version.version,
                    change.kind,
                    exchange=one_line(change.exchange),
                    symbol=one_line(change.exchange_symbol),
                    symbol_id=change.symbol_id,
                    what=_what(change),
                    detail=f"{when} · {_effective(change)}: {_what(change)}",
                )
            )
    return pl.DataFrame(rows, schema=SCHEMA)


def _row(version: int, change: str, **values: Any) -> dict[str, Any]:
    return dict.fromkeys(SCHEMA) | {"version": version, "change": change} | values


def _what(change: SymbolChange) -> str:
    if change.kind == "changed":
        return " · ".join(f"{name} {before} → {after}" for name, before, after in change.fields)
    return "listed" if change.kind == "added" else "closed (no current row)"


def _effective(change: SymbolChange) -> str:
    if change.at_us is None:
        return f"{one_line(change.exchange_symbol)}: row removed"
    since = "until" if change.kind == "closed" else "from"
    return f"{one_line(change.exchange_symbol)} {change.kind} {since} {utc_from_us(change.at_us)}"
