"""What failed during this run, in full: every cause of each error the toasts shortened."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from pointline_tui.context import lake_context
from pointline_tui.error_log import ErrorRecord
from pointline_tui.formatting import utc_time
from pointline_tui.screens.export import copy_text
from pointline_tui.text import one_line


class ErrorDetailsScreen(Screen[None]):
    """The run's failures, newest first; the selected one in full, copyable with ``y``."""

    CSS_PATH = "error_details.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("y", "copy", "Copy"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.records: tuple[ErrorRecord, ...] = ()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Errors of this run, newest first", style="bold"), id="errors-title")
        yield OptionList(id="errors-list")
        yield Static(id="errors-detail", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.records = lake_context(self).errors.records()
        options = self.query_one(OptionList)
        options.add_options(
            Option(Text(f"{utc_time(r.at)}  {one_line(r.doing)}: {r.summary}", no_wrap=True))
            for r in self.records
        )
        if self.records:
            options.highlighted = 0
        else:
            options.display = False
            self.query_one("#errors-detail", Static).update("Nothing has failed in this run.")
        options.focus()

    @on(OptionList.OptionHighlighted)
    def _show(self, event: OptionList.OptionHighlighted) -> None:
        record = self.records[event.option_index]
        self.query_one("#errors-detail", Static).update(Text(f"{record.doing}\n\n{record.details}"))

    def action_copy(self) -> None:
        index = self.query_one(OptionList).highlighted
        if index is not None and self.records:
            copy_text(self.app, self.records[index].details)
