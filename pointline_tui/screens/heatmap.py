"""A table's small files per exchange and trading date, as a heat map a month at a time."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import Worker

from pointline_tui.context import lake_context, navigator
from pointline_tui.formatting import count, human_bytes, iso_date
from pointline_tui.lake.heatmap import HeatCell, HeatMap, heat_map
from pointline_tui.lake.thresholds import HOT_MIN_SMALL_FILES, SMALL_FILE_BYTES
from pointline_tui.screens.errors import report_worker_error
from pointline_tui.text import one_line
from pointline_tui.widgets.heat_map import NO_PARTITION, SHADE_STYLES, SHADES, HeatMapGrid
from pointline_tui.widgets.lake_tree import HOT_MARK


class HeatMapScreen(Screen[None]):
    """Where a table's small files are: ``enter`` selects a partition in the lake tree."""

    AUTO_FOCUS = "HeatMapGrid"
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]
    DEFAULT_CSS = """
    HeatMapScreen #heatmap-title { height: 1; padding: 0 1; color: $accent; }
    HeatMapScreen HeatMapGrid { height: 1fr; padding: 0 1; }
    HeatMapScreen #heatmap-cell { height: 2; padding: 0 1; background: $panel; }
    HeatMapScreen #heatmap-legend { height: auto; padding: 0 1; color: $text-muted; }
    """

    class Loaded(Message):
        """The table's heat map was computed from its partition statistics."""

        def __init__(self, heat: HeatMap) -> None:
            super().__init__()
            self.heat = heat

    def __init__(self, table: str) -> None:
        super().__init__()
        self.table = table
        self.heat: HeatMap | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="heatmap-title", markup=False)
        yield HeatMapGrid(id="heatmap-grid")
        yield Static(id="heatmap-cell", markup=False)
        yield Static(id="heatmap-legend", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#heatmap-title", Static).update(self._title())
        self.query_one(HeatMapGrid).loading = True
        self._load()

    @work(thread=True, exclusive=True, group="heatmap", exit_on_error=False)
    def _load(self) -> None:
        self.post_message(
            self.Loaded(heat_map(lake_context(self).reader.partition_stats(self.table)))
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)

    def on_heat_map_screen_loaded(self, message: Loaded) -> None:
        self.heat = message.heat
        grid = self.query_one(HeatMapGrid)
        grid.loading = False
        self.query_one("#heatmap-legend", Static).update(legend_text(message.heat))
        if not message.heat.exchanges:
            self.query_one("#heatmap-cell", Static).update(
                f"{one_line(self.table)} has no partitions by exchange and trading date"
            )
        grid.show(message.heat)
        # A focus asked for while it was loading does not take, nor always one asked for in
        # the same turn as its loading ends: ask again once the screen has refreshed.
        grid.focus()
        self.call_after_refresh(grid.focus)

    @on(HeatMapGrid.CellHighlighted)
    def _highlighted(self, event: HeatMapGrid.CellHighlighted) -> None:
        self.query_one("#heatmap-title", Static).update(self._title())
        self.query_one("#heatmap-cell", Static).update(
            cell_text(event.exchange, event.day, event.cell)
        )

    @on(HeatMapGrid.CellChosen)
    def _chosen(self, event: HeatMapGrid.CellChosen) -> None:
        if event.cell is None:
            self.notify("No partition there", timeout=2)
        else:
            navigator(self).show_partition(self.table, event.exchange, event.day)

    def _title(self) -> Text:
        """``trades · small files per partition · May 2024 (month 2 of 3)``."""
        text = Text(f"{one_line(self.table)} · small files per partition", style="bold")
        grid = self.query_one(HeatMapGrid)
        month, heat = grid.month, self.heat
        if month is not None and heat is not None:
            text.append(f" · {month:%B %Y}")
            months = heat.months
            if len(months) > 1:
                text.append(
                    f" (month {months.index(month) + 1} of {len(months)}; [ ] month)", style="dim"
                )
        return text


def cell_text(exchange: str, day: date, cell: HeatCell | None) -> Text:
    """The highlighted partition's figures (two lines), or that there is none."""
    text = Text(f"{one_line(exchange)} / {iso_date(day)}", style="bold")
    if cell is None:
        text.append("  no partition", style="dim")
        return text
    if cell.hot:
        text.append(f"  {HOT_MARK} hot", style="bold yellow")
    text.append("  ⏎ select\n", style="dim")  # short: the line fits 60 columns
    text.append(
        f"{count(cell.small_files)} small of {count(cell.files)} files · "
        f"{human_bytes(cell.bytes)}, avg {human_bytes(cell.avg_file_bytes)} · "
        f"{count(cell.rows)} rows"
    )
    return text


def legend_text(heat: HeatMap) -> Text:
    """What each shade stands for: the small files of a partition, in ranges."""
    small_mib = SMALL_FILE_BYTES // 2**20
    text = Text(f"small files (< {small_mib} MiB) per partition: ", style="dim")
    for level, (low, high) in enumerate(heat.ranges, 1):
        text.append(SHADES[level] * 2, style=SHADE_STYLES[level])
        span = count(low) if low == high else f"{count(low)}–{count(high)}"
        text.append(f" {span}  ")
    text.append("\n")
    text.append("blank", style="bold")
    text.append(" none   ", style="dim")
    text.append(NO_PARTITION, style="bold")
    text.append(" no partition   ", style="dim")
    text.append(f"hot ({HOT_MARK}): {HOT_MIN_SMALL_FILES}+ small files", style="dim")
    return text
