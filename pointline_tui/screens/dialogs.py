"""The two confirmations used everywhere: a yes/no question and a typed name."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static


class TypedConfirmModal(ModalScreen[bool]):
    """Confirms a destructive action by having the operator type ``expected`` (Escape cancels).

    The input has the focus from the start, so every key typed goes into it (no binding of
    the screen below can catch it); a wrong text says so and keeps the dialog open.
    """

    DEFAULT_CSS = """
    TypedConfirmModal { align: center middle; }
    TypedConfirmModal > Vertical {
        width: 70; max-width: 100%; height: auto; padding: 1 2;
        border: thick $error; background: $surface;
    }
    TypedConfirmModal #typed-error { color: $error; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, expected: str) -> None:
        super().__init__()
        self.question = question
        self.expected = expected

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question), id="typed-question")
            yield Label(Text(f"Type {self.expected} and press Enter (Escape cancels):"))
            yield Input(placeholder=self.expected, id="typed-input")
            yield Static(id="typed-error", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip() == self.expected:
            self.dismiss(True)
            return
        event.input.value = ""
        self.query_one("#typed-error", Static).update(
            f"{event.value!r} is not {self.expected!r}: nothing was done"
        )

    def action_cancel(self) -> None:
        self.dismiss(False)
