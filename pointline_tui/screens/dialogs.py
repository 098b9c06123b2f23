"""The two confirmations used everywhere: a yes/no question and a typed name."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from pointline_tui.text import safe_text

READ_ONLY = "read-only: nothing is written (open the lake without --read-only)"
"""What ``y`` says on a plan or dry run of a lake opened read-only."""


class ConfirmModal(ModalScreen[bool]):
    """A yes/no question: ``y`` or Enter says yes, ``n`` or Escape no.

    The Yes button has the focus from the start (Tab moves to No); no key reaches the screen
    below while the question shows.
    """

    DEFAULT_CSS = """
    ConfirmModal { align: center middle; }
    ConfirmModal > Vertical {
        width: 70; max-width: 100%; height: auto; max-height: 100%; padding: 1 2;
        border: thick $warning; background: $surface;
    }
    ConfirmModal #confirm-buttons { height: auto; margin-top: 1; }
    ConfirmModal #confirm-buttons Button { margin-right: 2; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("enter", "answer(True)", "Yes", show=False),  # when no button has the focus
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(safe_text(self.question)), id="confirm-question")
            yield Label(Text("y or Enter: yes · n or Escape: no"))
            with Horizontal(id="confirm-buttons"):
                yield Button("Yes", variant="warning", id="yes")
                yield Button("No", id="no")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:  # noqa: FBT001 - an action's argument
        self.dismiss(yes)


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
            yield Static(Text(safe_text(self.question)), id="typed-question")
            yield Label(Text(safe_text(f"Type {self.expected} and press Enter (Escape cancels):")))
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
