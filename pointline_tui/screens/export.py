"""The export dialog: which file to write, CSV or Parquet, never over a file without asking."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static
from textual.worker import Worker, WorkerState

from pointline_tui.lake.quarantine import EXPORT_SUFFIXES, ExportExistsError
from pointline_tui.screens.dialogs import ConfirmModal
from pointline_tui.screens.errors import report_worker_error
from pointline_tui.storage.models import StorageError
from pointline_tui.text import safe_text, short_error

FORMATS = {".csv": "CSV", ".parquet": "Parquet"}
"""What each suffix writes; the file's suffix picks the format."""
Writer = Callable[[Path, bool], int]
"""Writes the rows to a path (replacing an existing file when the flag says so) and returns how
many it wrote; run in a thread. Raises ``ExportExistsError`` for an existing file it may not
replace and a ``StorageError`` for a file it cannot write."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportResult:
    """``rows`` rows were written to ``path``."""

    path: Path
    rows: int


def copy_text(app: App[object], text: str) -> None:
    """Copy ``text`` to the terminal's clipboard and say so in a toast.

    Textual sends it as an OSC 52 sequence, which the terminal applies wherever the app runs,
    over SSH too (tmux passes it on with ``set-clipboard on``; macOS Terminal ignores it).
    """
    app.copy_to_clipboard(text)
    app.notify(f"copied: {safe_text(text)}", timeout=3, markup=False)


def target_path(value: str, folder: Path) -> Path | None:
    """The file the input names: ``~`` expanded, a relative name taken inside ``folder``."""
    text = value.strip()
    if not text:
        return None
    path = Path(text).expanduser()
    return path if path.is_absolute() else folder / path


def toggled_format(value: str) -> str:
    """``value`` with its suffix switched between ``.csv`` and ``.parquet``."""
    text = value.rstrip()
    path = Path(text)
    if not path.name:
        return value
    new = ".csv" if path.suffix.lower() == ".parquet" else ".parquet"
    if path.suffix.lower() in FORMATS:
        return text[: -len(path.suffix)] + new
    return text + new


class ExportModal(ModalScreen[ExportResult | None]):
    """Asks where to write rows, writes them in a worker and shows the outcome.

    The path input has the focus from the start, so every key typed goes into it and none
    reaches the screen below. An existing file is replaced only after a yes/no question; an
    error shows in the dialog, which stays open to fix the path. After the export the dialog
    shows the path in full: ``y`` copies it, Enter or Escape closes.

    Args:
        what: the rows in words, such as ``"247 quarantined rows (filter: none)"``.
        default: the file offered, absolute (shown in full).
        write: writes the rows (see ``Writer``).
    """

    DEFAULT_CSS = """
    ExportModal { align: center middle; }
    ExportModal > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 100%; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    ExportModal #export-path { margin: 1 0 0 0; }
    ExportModal #export-target { height: auto; color: $text-muted; }
    ExportModal #export-target.-bad { color: $warning; }
    ExportModal #export-target.-error { color: $error; }
    ExportModal #export-status { height: auto; }
    ExportModal #export-status.-error { color: $error; }
    ExportModal #export-status.-done { color: $success; }
    ExportModal #export-keys { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("ctrl+t", "toggle_format", "CSV/Parquet"),
        Binding("ctrl+y", "copy", "Copy path"),
        Binding("y", "copy", "Copy path", show=False),  # once written (the input takes it before)
        Binding("enter", "enter", "Export", show=False),  # when the input has no focus
    ]
    EDIT_KEYS = "Enter exports · ctrl+t CSV/Parquet · ctrl+y copies path · Esc cancels"
    DONE_KEYS = "y copies the path · Enter or Escape closes"

    class Written(Message):
        """The rows were written."""

        def __init__(self, result: ExportResult) -> None:
            super().__init__()
            self.result = result

    def __init__(self, what: str, default: Path, write: Writer) -> None:
        super().__init__()
        self.what = what
        self.default = default
        self._write_rows = write
        self.writing: Path | None = None
        """The file being written, while a worker writes it."""
        self.result: ExportResult | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"Export {safe_text(self.what)}"), id="export-title")
            yield Input(str(self.default), id="export-path", select_on_focus=False)
            yield Static(id="export-target", markup=False)
            yield Static(id="export-status", markup=False)
            yield Label(Text(self.EDIT_KEYS), id="export-keys")

    def on_mount(self) -> None:
        path = self.query_one("#export-path", Input)
        path.focus()
        path.call_after_refresh(self._show_file_name)
        self._show_target(path.value)
        self._status("")

    # -- editing ------------------------------------------------------------------------------

    def _show_file_name(self) -> None:
        """Scroll the input to its end, where the file name is, once it is laid out.

        The Input scrolls only when its cursor moves (not for the cursor it starts with).
        """
        path = self.query_one("#export-path", Input)
        path.action_home()
        path.action_end()

    @property
    def target(self) -> Path | None:
        """The file the input names now (``None``: empty)."""
        return target_path(self.query_one("#export-path", Input).value, self.default.parent)

    @on(Input.Changed, "#export-path")
    def _changed(self, event: Input.Changed) -> None:
        self._show_target(event.value)
        self._status("")

    def _show_target(self, value: str) -> None:
        target = target_path(value, self.default.parent)
        widget = self.query_one("#export-target", Static)
        problem = _problem(target)
        if problem is not None:
            widget.update(problem)
        elif target is not None:
            widget.update(f"writes {FORMATS[target.suffix.lower()]} to {safe_text(target)}")
        widget.set_class(problem is not None, "-bad")
        widget.remove_class("-error")

    def action_toggle_format(self) -> None:
        path = self.query_one("#export-path", Input)
        if self.writing is None and self.result is None:
            path.value = toggled_format(path.value)
            path.cursor_position = len(path.value)

    @on(Input.Submitted, "#export-path")
    def _submitted(self) -> None:
        self._start(overwrite=False)

    def action_enter(self) -> None:
        if self.result is not None:
            self.dismiss(self.result)
        else:
            self._start(overwrite=False)

    # -- writing ------------------------------------------------------------------------------

    def _start(self, *, overwrite: bool) -> None:
        target = self.target
        if self.writing is not None or self.result is not None:
            return
        if target is None or _problem(target) is not None:
            self.app.bell()  # the line under the input says what is wrong, now as an error
            self.query_one("#export-target").add_class("-error")
            return
        self.writing = target
        self._status(f"writing {safe_text(target)}…")
        self.query_one("#export-path", Input).disabled = True
        self.run_worker(
            partial(self._write, target, overwrite),
            name="export",
            group="export",
            description=f"export to {target}",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _write(self, target: Path, overwrite: bool) -> None:  # noqa: FBT001 - a worker's
        rows = self._write_rows(target, overwrite)
        self.post_message(self.Written(ExportResult(path=target, rows=rows)))

    def on_export_modal_written(self, message: Written) -> None:
        self.writing = None
        self.result = message.result
        path = safe_text(message.result.path)
        self._status(f"exported {message.result.rows:,} rows to {path}", done=True)
        self.query_one("#export-target").display = False
        self.query_one("#export-keys", Label).update(Text(self.DONE_KEYS))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "export" or event.state != WorkerState.ERROR:
            return
        target, self.writing = self.writing, None
        path = self.query_one("#export-path", Input)
        path.disabled = False
        path.focus()
        error = event.worker.error
        if isinstance(error, ExportExistsError) and target is not None:
            self._status("")
            question = f"{target} exists. Replace it?"
            self.app.push_screen(ConfirmModal(question), partial(self._replace, target))
            return
        self._status(short_error(error) if error is not None else "the export failed", error=True)
        if not isinstance(error, StorageError | OSError | ValueError):
            report_worker_error(self, event)  # a bug: it must surface as one

    def _replace(self, target: Path, yes: bool | None) -> None:  # noqa: FBT001 - a callback's
        if yes and self.target == target:
            self._start(overwrite=True)
        else:
            self._status("not replaced: choose another name")

    # -- closing and copying ------------------------------------------------------------------

    def action_close(self) -> None:
        if self.writing is not None:
            self._status(f"still writing {safe_text(self.writing)} (it cannot be interrupted)…")
            return
        self.dismiss(self.result)

    def action_copy(self) -> None:
        path = self.result.path if self.result is not None else self.target
        if path is not None:
            copy_text(self.app, str(path))

    def _status(self, text: str, *, error: bool = False, done: bool = False) -> None:
        status = self.query_one("#export-status", Static)
        status.update(text)
        status.display = bool(text)
        status.set_class(error, "-error")
        status.set_class(done, "-done")


def _problem(target: Path | None) -> str | None:
    """Why ``target`` cannot be exported to, judged by its name alone (``None``: it can)."""
    if target is None:
        return "type the file to write"
    if target.suffix.lower() not in EXPORT_SUFFIXES:
        return "the file name must end in .csv or .parquet (ctrl+t switches)"
    return None
