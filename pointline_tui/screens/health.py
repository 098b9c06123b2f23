"""Lake health: every table's upkeep figures, and the findings with what to do about each."""

from __future__ import annotations

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
from pointline_tui.formatting import count, short_bytes, short_count
from pointline_tui.lake.health import LakeHealth, lake_health
from pointline_tui.lake.table_health import health_frame
from pointline_tui.screens.errors import report_worker_error
from pointline_tui.screens.keys import QUIET_VIEW_KEYS
from pointline_tui.text import one_line, safe_text
from pointline_tui.widgets.frame_table import Column, FrameTable


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}x" if value < 10 else f"{value:.0f}x"


def _version(value: int | None) -> str:
    return "-" if value is None else str(value)


# Figures in at most five characters, so that every column shows at 80 columns.
TABLE_COLUMNS = [
    Column("table", "table", key=True),
    Column("small_share", "small", _share, numeric=True),
    Column("hot", "hot", short_count, numeric=True),
    Column("skew", "skew", _ratio, numeric=True),
    Column("vacuum_now", "vac", short_bytes, numeric=True),
    Column("vacuum_later", "later", short_bytes, numeric=True),
    Column("commits", "ckpt+", short_count, numeric=True),
    Column("log_bytes", "log", short_bytes, numeric=True),
    Column("oldest", "oldest", _version, numeric=True),
]
FINDING_COLUMNS = [
    Column("severity", "sev", lambda s: "warn" if s == "warning" else str(s)),
    Column("table", "table"),
    Column("kind", "kind"),
    Column("text", "what"),
]
_FINDINGS_SCHEMA = {
    "index": pl.Int64,
    "severity": pl.String,
    "table": pl.String,
    "kind": pl.String,
    "text": pl.String,
}


class HealthScreen(Screen[None]):
    """The whole lake's upkeep: per table above, every finding below (the highlighted in full).

    ``k`` and ``x`` plan a checkpoint and a log clean-up of the table under the cursor (in
    either list); ``c`` and ``v`` open its compaction plan and vacuum dry run.
    """

    CSS_PATH = "health.tcss"
    BINDINGS = [
        Binding("k", "maintain('create_checkpoint')", "Checkpoint"),
        Binding("x", "maintain('clean_log')", "Clean log"),
        Binding("r", "refresh", "Refresh"),
        Binding("escape", "app.pop_screen", "Back"),
        Binding("c", "maintain('compact_hot')", "Compact", show=False),
        Binding("v", "maintain('vacuum_dry_run')", "Vacuum", show=False),
        *QUIET_VIEW_KEYS,
    ]

    class HealthLoaded(Message):
        """The lake's health was assessed."""

        def __init__(self, health: LakeHealth) -> None:
            super().__init__()
            self.health = health

    def __init__(self) -> None:
        super().__init__()
        self.health: LakeHealth | None = None
        self._reload_on_resume = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Lake health", style="bold"), id="health-title")
        yield FrameTable(TABLE_COLUMNS, id="health-tables")
        yield Static("assessing every table …", id="health-summary", markup=False)
        yield FrameTable(
            FINDING_COLUMNS, sortable=("severity", "table", "kind"), id="health-findings"
        )
        yield Static(id="health-detail", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#health-tables", FrameTable).focus()
        self._start(refresh=False)

    def _start(self, *, refresh: bool) -> None:
        for table in self.query(FrameTable):
            table.loading = True
        self._load(refresh=refresh)

    @work(thread=True, exclusive=True, group="health", exit_on_error=False)
    def _load(self, *, refresh: bool) -> None:
        reader = lake_context(self).reader
        if refresh:
            reader.refresh()  # reads only the commits made since
        self.post_message(self.HealthLoaded(lake_health(reader)))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)

    def on_health_screen_health_loaded(self, message: HealthLoaded) -> None:
        health = self.health = message.health
        tables = self.query_one("#health-tables", FrameTable)
        tables.loading = False
        tables.show(health_frame(list(health.tables)), keep_page=True)
        findings = self.query_one("#health-findings", FrameTable)
        findings.loading = False
        findings.show(
            pl.DataFrame(
                [
                    {
                        "index": i,
                        "severity": f.severity,
                        "table": f.table,
                        "kind": f.kind,
                        "text": f.message.removeprefix(f"{f.table}: "),
                    }
                    for i, f in enumerate(health.findings)
                ],
                schema=_FINDINGS_SCHEMA,
            ),
            keep_page=True,
        )
        self.query_one("#health-summary", Static).update(_summary(health))
        self._show_detail()

    def on_data_table_row_highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        detail = self.query_one("#health-detail", Static)
        row = self.query_one("#health-findings", FrameTable).current_row()
        if self.health is None or row is None:
            detail.update("" if self.health is None else "Nothing to do: no finding.")
            return
        finding = self.health.findings[row["index"]]
        text = Text(f"{finding.severity}: ", style="bold")
        text.append(safe_text(finding.message))
        does = [f"key {finding.key}"] if finding.key else []
        does += [finding.command] if finding.command else []
        if does:
            text.append("\n→ " + safe_text(" · ".join(does)), style="bold")
        detail.update(text)

    @on(FrameTable.RowChosen)
    def _chosen(self, event: FrameTable.RowChosen) -> None:
        navigator(self).show_table(event.row["table"])

    def _table(self) -> str | None:
        """The table under the cursor of the focused list, else of the tables list.

        The tables list answers when no list has the focus, and when the findings list is empty.
        """
        focused = self.focused
        lists = [w for w in self.query(FrameTable) if w is focused]
        row = lists[0].current_row() if lists else None
        if row is None:
            row = self.query_one("#health-tables", FrameTable).current_row()
        if row is None:
            self.notify("No table selected", severity="warning")
            return None
        return str(row["table"])

    def action_maintain(self, request: str) -> None:
        """Ask the app to open ``request`` (a ``LakeNavigator`` method) for the table."""
        if (table := self._table()) is None:
            return
        # Compaction plans open over the lake screen; the others come back here.
        self._reload_on_resume = request != "compact_hot"
        getattr(navigator(self), request)(table)

    def action_refresh(self) -> None:
        self._start(refresh=True)

    def on_screen_resume(self) -> None:
        # After maintenance opened from here, the figures it changed are read again.
        if self._reload_on_resume:
            self._reload_on_resume = False
            self._start(refresh=True)


def _summary(health: LakeHealth) -> Text:
    """The manifest's and dim_symbol's state, the tables left out, the findings' tally."""
    parts = []
    if (m := health.manifest) is not None:
        failed = sum(n for _, n in m.failed_by_reason)
        parts.append(
            f"manifest: {count(len(m.stale_pending))} pending > {m.pending_hours} h · "
            f"{count(failed)} failed · {count(len(m.quarantined_entirely))} quarantined whole"
        )
    if health.dim_violations is not None:
        broken = sum(v.rows for v in health.dim_violations)
        parts.append(
            "dim_symbol: SCD2 rules hold"
            if not broken
            else f"dim_symbol: {count(broken)} rows break SCD2 rules"
        )
    text = Text(" · ".join(parts) or "no manifest or dim_symbol assessed")
    warnings = sum(1 for f in health.findings if f.severity == "warning")
    text.append(
        f"\n{count(warnings)} warning(s), {count(len(health.findings) - warnings)} info; "
        "ckpt+ = commits since the last checkpoint"
    )
    for table, why in health.skipped:
        text.append(f"\n{one_line(table)} left out: {one_line(why)}", style="bold")
    return text
