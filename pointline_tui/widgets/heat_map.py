"""An exchange × trading-date grid of a table's small files, one month at a time."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from pointline_tui.lake.heatmap import HeatCell, HeatMap, next_month
from pointline_tui.text import one_line

SHADES = " ░▒▓█"
"""Shade 0 (no small file) to 4: they read without colour."""
NO_PARTITION = "·"
SHADE_STYLES = ("", "green", "yellow", "dark_orange", "bold red")
LABEL_WIDTH = 16
"""The widest an exchange's name is shown (a longer one ends in "…")."""
DAY_LABELS = frozenset({1, 5, 10, 15, 20, 25, 30})
"""The day numbers above two-column cells (wider cells show every day's)."""


@dataclass(frozen=True, slots=True)
class Cursor:
    """The highlighted cell: an exchange (by index) and a day."""

    row: int
    day: date


class _CellMessage(Message):
    """About the cell of ``exchange`` and ``day`` (``cell``: that partition, if any)."""

    def __init__(self, exchange: str, day: date, cell: HeatCell | None) -> None:
        super().__init__()
        self.exchange = exchange
        self.day = day
        self.cell = cell


class HeatMapGrid(Widget, can_focus=True):
    """A month of ``HeatMap`` cells, two to four columns a day; arrows move, ``[ ]`` a month.

    Posts ``CellHighlighted`` when the cursor moves and ``CellChosen`` on enter.
    """

    BINDINGS = [
        Binding("left", "move(0, -1)", "Day", show=False),
        Binding("right", "move(0, 1)", "Day", show=False),
        Binding("up", "move(-1, 0)", "Exchange", show=False),
        Binding("down", "move(1, 0)", "Exchange", show=False),
        Binding("left_square_bracket", "month(-1)", "Month", show=False),
        Binding("right_square_bracket", "month(1)", "Month", key_display="[ ]"),
        Binding("enter", "choose", "Select"),
    ]

    class CellHighlighted(_CellMessage):
        """The cursor is on ``exchange`` and ``day`` (``cell``: that partition, if any)."""

    class CellChosen(_CellMessage):
        """Enter on a cell."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.heat: HeatMap | None = None
        self.cursor: Cursor | None = None
        self._top = 0
        """The first exchange shown, when not all fit."""

    def show(self, heat: HeatMap) -> None:
        """Draw ``heat``, the cursor on its worst partition."""
        self.heat = heat
        worst = heat.worst()
        if worst is not None:
            self._move_to(Cursor(heat.exchanges.index(worst.exchange), worst.trading_date))
        self.refresh()

    @property
    def month(self) -> date | None:
        """The first day of the month on show."""
        return None if self.cursor is None else self.cursor.day.replace(day=1)

    def action_move(self, rows: int, days: int) -> None:
        if self.cursor is not None:
            row, day = self.cursor.row + rows, self.cursor.day + timedelta(days=days)
            self._move_to(Cursor(row, day))

    def action_month(self, step: int) -> None:
        """The same day ``step`` months on (its last day if shorter), within the map's months."""
        if self.cursor is None or self.heat is None:
            return
        month = self.cursor.day.replace(day=1)
        for _ in range(abs(step)):
            month = next_month(month) if step > 0 else (month - timedelta(days=1)).replace(day=1)
        if month not in self.heat.months:
            return
        last = calendar.monthrange(month.year, month.month)[1]
        self._move_to(Cursor(self.cursor.row, month.replace(day=min(self.cursor.day.day, last))))

    def action_choose(self) -> None:
        if self.heat is not None and self.cursor is not None:
            exchange = self.heat.exchanges[self.cursor.row]
            day = self.cursor.day
            self.post_message(self.CellChosen(exchange, day, self.heat.cell(exchange, day)))

    def _move_to(self, cursor: Cursor) -> None:
        """Put the cursor on ``cursor``, kept inside the exchanges and the months shown."""
        heat = self.heat
        if heat is None or not heat.exchanges or not heat.months:
            return
        row = min(max(cursor.row, 0), len(heat.exchanges) - 1)
        first, last = heat.months[0], next_month(heat.months[-1]) - timedelta(days=1)
        day = min(max(cursor.day, first), last)
        self.cursor = Cursor(row, day)
        exchange = heat.exchanges[row]
        self.post_message(self.CellHighlighted(exchange, day, heat.cell(exchange, day)))
        self.refresh()

    def render(self) -> Text:
        if self.heat is None or self.cursor is None:
            return Text("")
        rows = max(1, self.size.height - 1)
        # Keep the cursor's exchange in view when not all exchanges fit.
        self._top = min(max(self._top, self.cursor.row - rows + 1), self.cursor.row)
        return grid_text(self.heat, self.cursor, width=self.size.width, rows=rows, top=self._top)


def grid_text(heat: HeatMap, cursor: Cursor, *, width: int, rows: int, top: int = 0) -> Text:
    """The month of ``cursor``'s day: a line of day numbers, then one line per exchange.

    Args:
        heat: the grid's cells.
        cursor: the highlighted cell (shown reversed, its day number too).
        width: columns available: each day takes two to four.
        rows: exchanges shown at most, from index ``top``.
        top: the first exchange shown.
    """
    month = cursor.day.replace(day=1)
    days = calendar.monthrange(month.year, month.month)[1]
    label = min(LABEL_WIDTH, max((len(e) for e in heat.exchanges), default=8)) + 1
    cell = min(4, max(1, (width - label) // days))  # one column a day below 31 + label
    text = Text(" " * label)
    text.append_text(_day_numbers(days, cursor.day.day, cell))
    for row in range(top, min(top + rows, len(heat.exchanges))):
        exchange = heat.exchanges[row]
        name = one_line(exchange)  # a value from the lake: shown, never obeyed
        if len(name) > label - 1:
            name = name[: label - 2] + "…"
        text.append("\n")
        if row == cursor.row:
            text.append(f"{name:<{label - 1}}", style="reverse")
            text.append(" ")
        else:
            text.append(f"{name:<{label}}")
        for day in range(1, days + 1):
            found = heat.cell(exchange, month.replace(day=day))
            if row == cursor.row and day == cursor.day.day:
                # Its count, reversed: a shade reversed would read as another shade.
                figure = NO_PARTITION if found is None else str(found.small_files)
                drawn, style = (
                    (figure if len(figure) <= cell else "+" * cell).ljust(cell),
                    "reverse",
                )
            elif found is None:
                drawn, style = NO_PARTITION.ljust(cell), "dim"
            else:
                drawn, style = SHADES[found.level] * cell, SHADE_STYLES[found.level]
            text.append(drawn, style=style)
    return text


def _day_numbers(days: int, highlighted: int, cell: int) -> Text:
    """The day numbers above the cells: every day's from three columns a day, else some.

    The highlighted day's number always shows (reversed); another that would touch it is left
    out.
    """
    wanted = set(range(1, days + 1)) if cell > 2 else {d for d in DAY_LABELS if d <= days}
    around = range(
        (highlighted - 1) * cell - 1, (highlighted - 1) * cell + len(str(highlighted)) + 1
    )
    text, written = Text(), 0
    for day in sorted(wanted | {highlighted}):
        start, number = (day - 1) * cell, str(day)
        touches = day != highlighted and (start in around or start + len(number) - 1 in around)
        if start < written or touches:
            continue
        text.append(" " * (start - written))
        text.append(number, style="reverse" if day == highlighted else "dim")
        written = start + len(number)
    return text
