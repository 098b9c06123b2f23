"""Reconciliation: where the lake's rows disagree with what the manifest says of each file."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import polars as pl
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import Worker

from pointline_tui.context import lake_context, navigator
from pointline_tui.formatting import count, iso_date
from pointline_tui.lake.reconcile import KINDS, ReconcileFinding, Reconciliation, reconcile
from pointline_tui.screens.errors import report_worker_error
from pointline_tui.text import one_line, safe_text
from pointline_tui.widgets.frame_table import Column, FrameTable

KIND_LABELS: dict[str, str] = {
    "rows_written_mismatch": "rows written",
    "rows_quarantined_mismatch": "rows quarantined",
    "date_range_mismatch": "date range",
    "unknown_file_id": "unknown file_id",
    "rows_for_unsuccessful_file": "unsuccessful file",
}
"""Short names for the list, so that it fits 80 columns (the detail names the kind)."""
NO_ENTRY = "-"
"""The status column of rows whose file_id has no manifest entry."""
FINDING_COLUMNS = [
    Column("kind", "kind", lambda kind: KIND_LABELS.get(kind, str(kind)), key=True),
    Column("file_id", "file", lambda v: "-" if v is None else str(v), numeric=True),
    Column("table", "table", one_line),
    Column("status", "status", one_line),
    Column("expected", "manifest", one_line, numeric=True),
    Column("actual", "lake", one_line, numeric=True),
]
PARTITION_COLUMNS = [
    Column("exchange", "exchange", one_line),
    Column("trading_date", "trading date", iso_date),
    Column("rows", "rows", count, numeric=True),
]


@dataclass(frozen=True, slots=True)
class FindingFilter:
    """The findings the list shows: ``None`` is any."""

    kind: str | None = None
    table: str | None = None
    status: str | None = None
    """A manifest status, or ``NO_ENTRY``."""

    def keeps(self, finding: ReconcileFinding) -> bool:
        """Whether the list shows ``finding``."""
        status = finding.status or NO_ENTRY
        return (
            self.kind in (None, finding.kind)
            and self.table in (None, finding.table)
            and self.status in (None, status)
        )

    def describe(self) -> str:
        """``"filter: kind all · table trades · status all"``."""
        kind = KIND_LABELS.get(self.kind, self.kind) if self.kind else "all"
        return (
            f"filter: kind {kind} · table {safe_text(self.table or 'all')} · "
            f"status {safe_text(self.status or 'all')}"
        )


class ReconcileScreen(Screen[None]):
    """Findings of reconciliation, filtered; the partitions of one; jumps to its entry and rows."""

    CSS_PATH = "reconcile.tcss"
    # The footer fits 60 columns with "? Help": f, c, p and r are hidden, the help lists them.
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("k", "cycle('kind')", "Kind"),
        Binding("t", "cycle('table')", "Table"),
        Binding("f", "cycle('status')", "Status", show=False),
        Binding("c", "clear", "Clear", show=False),
        Binding("m", "entry", "Entry"),
        Binding("q", "quarantine", "Quarantine"),
        Binding("p", "rows", "Rows", show=False),
        Binding("r", "refresh", "Refresh", show=False),
    ]

    class Reconciled(Message):
        """Reconciliation finished."""

        def __init__(self, result: Reconciliation) -> None:
            super().__init__()
            self.result = result

    def __init__(self) -> None:
        super().__init__()
        self.result: Reconciliation | None = None
        self.filter = FindingFilter()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Reconciliation", style="bold"), id="reconcile-title")
        yield Static(self.filter.describe(), id="reconcile-filters", markup=False)
        yield FrameTable(FINDING_COLUMNS, id="reconcile-findings")
        yield Static(id="reconcile-detail", markup=False)
        yield FrameTable(PARTITION_COLUMNS, page_size=50, id="reconcile-partitions")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        findings = self.query_one("#reconcile-findings", FrameTable)
        findings.loading = True
        findings.focus()
        self._reconcile()

    @work(thread=True, exclusive=True, group="reconciliation", exit_on_error=False)
    def _reconcile(self) -> None:
        self.post_message(self.Reconciled(reconcile(lake_context(self).reader.silver_root)))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)

    def on_reconcile_screen_reconciled(self, message: Reconciled) -> None:
        self.result = message.result
        findings = self.query_one("#reconcile-findings", FrameTable)
        findings.loading = False
        if self.focused is None:  # a focus asked for while loading does not take
            findings.focus()
        self._show()
        self.refresh_bindings()  # the footer shows the list's keys once it holds rows

    def action_refresh(self) -> None:
        self.query_one("#reconcile-findings", FrameTable).loading = True
        self._reconcile()

    def action_cycle(self, field: str) -> None:
        """The next value of the ``kind``, ``table`` or ``status`` filter among the findings."""
        if self.result is None:
            return
        values = _choices(self.result.findings, field)
        current = getattr(self.filter, field)
        following = values[(values.index(current) + 1) % len(values)] if current in values else None
        self.filter = replace(self.filter, **{field: following})
        self._show()

    def action_clear(self) -> None:
        self.filter = FindingFilter()
        self._show()

    @property
    def shown(self) -> tuple[ReconcileFinding, ...]:
        """The findings the list holds, in its order."""
        if self.result is None:
            return ()
        return tuple(f for f in self.result.findings if self.filter.keeps(f))

    @property
    def selected(self) -> ReconcileFinding | None:
        """The finding under the list's cursor."""
        row = self.query_one("#reconcile-findings", FrameTable).current_row()
        return None if row is None else self.shown[row["index"]]

    def _show(self) -> None:
        result = self.result
        if result is None:
            return
        shown = self.shown
        self.query_one("#reconcile-title", Static).update(_title(result, len(shown)))
        self.query_one("#reconcile-filters", Static).update(self.filter.describe())
        self.query_one("#reconcile-findings", FrameTable).show(_findings_frame(shown))
        self._show_selected()

    @on(FrameTable.RowHighlighted, "#reconcile-findings")
    def _highlighted(self) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        finding = self.selected
        detail = self.query_one("#reconcile-detail", Static)
        partitions = self.query_one("#reconcile-partitions", FrameTable)
        if finding is None or self.result is None:
            detail.update("nothing found" if self.result and not self.result.findings else "")
            partitions.show(pl.DataFrame(schema=_PARTITION_SCHEMA))
            return
        held = self.result.partitions_of(finding)
        where = f"{len(held)} partition(s) of {finding.table}" if len(held) else "no rows"
        detail.update(f"{finding.kind}: {safe_text(finding.message)}\nrows in {safe_text(where)}")
        partitions.show(held)

    # -- jumps --------------------------------------------------------------------------------

    def _file_id(self) -> int | None:
        finding = self.selected
        if finding is None or finding.file_id is None:
            self.notify("Select a finding with a file_id")
            return None
        return finding.file_id

    def action_entry(self) -> None:
        file_id = self._file_id()
        if file_id is not None:
            finding = self.selected
            if finding is not None and finding.status is None:
                self.notify(f"file {file_id} has no manifest entry")
                return
            navigator(self).show_manifest(file_id=file_id)

    def action_quarantine(self) -> None:
        file_id = self._file_id()
        if file_id is not None:
            navigator(self).show_quarantine(file_id=file_id)

    def action_rows(self) -> None:
        """The rows of the highlighted partition holding the selected finding's rows."""
        finding = self.selected
        partition = self.query_one("#reconcile-partitions", FrameTable).current_row()
        if finding is None or partition is None:
            self.notify("The finding's file has no rows in the table")
            return
        key = (partition["exchange"], partition["trading_date"])
        navigator(self).show_rows(finding.table, key)

    @on(FrameTable.RowChosen, "#reconcile-findings")
    def _chosen(self, event: FrameTable.RowChosen) -> None:
        self.query_one("#reconcile-partitions", FrameTable).focus()

    @on(FrameTable.RowChosen, "#reconcile-partitions")
    def _partition_chosen(self, event: FrameTable.RowChosen) -> None:
        self.action_rows()


_PARTITION_SCHEMA = {"exchange": pl.String, "trading_date": pl.Date, "rows": pl.Int64}


def _choices(findings: tuple[ReconcileFinding, ...], field: str) -> list[str | None]:
    """``None`` (any), then each value of ``field`` among ``findings`` (kinds in their order)."""
    values = {f.status or NO_ENTRY if field == "status" else getattr(f, field) for f in findings}
    ordered = [k for k in KINDS if k in values] if field == "kind" else sorted(values)
    return [None, *ordered]


def _title(result: Reconciliation, shown: int) -> Text:
    total = len(result.findings)
    text = Text("Reconciliation", style="bold")
    text.append(
        f"  {count(total)} finding{'' if total == 1 else 's'}"
        + (f" ({count(shown)} shown)" if shown != total else "")
        + f" · {count(result.entries)} entries · {count(result.rows)} rows"
    )
    return text


def _findings_frame(findings: tuple[ReconcileFinding, ...]) -> pl.DataFrame:
    def value(v: int | str | None) -> str:
        return count(v) if isinstance(v, int) else _short_range(v)

    rows: list[dict[str, Any]] = [
        {
            "index": i,
            "kind": f.kind,
            "file_id": f.file_id,
            "table": f.table,
            "status": f.status or NO_ENTRY,
            "expected": value(f.expected),
            "actual": value(f.actual),
        }
        for i, f in enumerate(findings)
    ]
    schema = {
        "index": pl.Int64,
        "kind": pl.String,
        "file_id": pl.Int64,
        "table": pl.String,
        "status": pl.String,
        "expected": pl.String,
        "actual": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def _short_range(value: str | None) -> str:
    """``"2024-05-02..2024-05-02"`` as ``"2024-05-02"``: one day needs one date."""
    if value is None:
        return "-"
    low, _, high = value.partition("..")
    return low if low == high else value
