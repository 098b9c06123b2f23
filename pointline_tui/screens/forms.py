"""A form's number field: checked against its documented range, the refusal shown under it."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static

from pointline_tui.storage.limits import Limit, parse_whole
from pointline_tui.storage.models import OutOfRangeError


class NumberField(Vertical):
    """A label, an input and, under them, why the text typed is refused.

    Enter on a whole number inside ``limit`` posts ``Accepted``; anything else (out of range,
    ``1e3``, ``12.5``) shows the message under the field and keeps the focus in it. The
    message goes as soon as the text is a valid number again. Escape puts the value in use
    back and leaves the field.
    """

    DEFAULT_CSS = """
    NumberField { height: auto; padding: 0 1; }
    NumberField > Horizontal { height: 3; }
    NumberField > Horizontal > Label { padding: 1 0; }
    NumberField > Horizontal > Input { width: 12; }
    NumberField > .field-error { display: none; height: auto; color: $error; }
    NumberField.-invalid > .field-error { display: block; }
    """

    BINDINGS = [Binding("escape", "revert", "Keep value")]

    class Accepted(Message):
        """Enter on a valid number."""

        def __init__(self, field: NumberField, value: int) -> None:
            super().__init__()
            self.field = field
            self.value = value

        @property
        def control(self) -> NumberField:
            """The field, so that ``@on(NumberField.Accepted, "#id")`` selects it."""
            return self.field

    def __init__(self, label: str, limit: Limit, value: int, *, input_id: str, id: str) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.label = label
        self.limit = limit
        self.value = value
        self.input_id = input_id
        self.error = ""
        """The refusal on show under the field; ``""`` when none."""

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label(f"{self.label} ")
            yield Input(str(self.value), id=self.input_id)
        yield Static(classes="field-error", markup=False)

    def focus_input(self) -> None:
        """Put the cursor in the field."""
        self.query_one(Input).focus()

    def action_revert(self) -> None:
        self.query_one(Input).value = str(self.value)
        self._show_error("")
        self.screen.focus_next()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            value = parse_whole(event.value, self.limit)
        except OutOfRangeError as err:
            self._show_error(str(err))
            return
        self._show_error("")
        self.value = value
        self.post_message(self.Accepted(self, value))

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.error:
            try:
                parse_whole(event.value, self.limit)
            except OutOfRangeError:
                return
            self._show_error("")

    def _show_error(self, message: str) -> None:
        self.error = message
        self.query_one(".field-error", Static).update(message)
        self.set_class(bool(message), "-invalid")
