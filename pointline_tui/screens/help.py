"""Every key of the console, by screen."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Everywhere",
        (
            ("? or f1", "this help"),
            ("m", "manifest: ingested files by status"),
            ("q", "quarantine: rows rejected during ingestion"),
            ("H", "hot partitions of every event table, worst first"),
            ("R", "reconcile: manifest row counts against the rows in the lake"),
            ("L", "lake health: upkeep of every table, findings and what to do"),
            ("ctrl+p", "command palette: screens and tables"),
            ("E", "errors of this run in full (toasts show the first line); y copies"),
            ("escape", "back"),
            ("ctrl+q", "quit"),
        ),
    ),
    (
        "Lake",
        (
            ("up/down, enter", "move in the tree, expand a table or exchange"),
            ("tab / shift+tab", "next / previous pane: tree, list, filter"),
            ("< / > / \\", "narrow / widen / hide (and show) the tree"),
            ("h", "history of the selected table"),
            ("r", "refresh (reads only new commits)"),
            ("enter (partition row)", "show the partition's files"),
            ("escape", "from a partition's files back to its list"),
            ("/ , escape", "filter the list by any text (escape clears)"),
            ("space / * / u", "mark a partition / mark every hot one / clear marks"),
            ("c", "compact the marked (else selected) partitions: plan first"),
            ("v", "vacuum the table, or only inside marked partitions: dry run first"),
            ("o", "remove orphaned files (no version names them): dry run first"),
            ("z", "file sizes: a histogram of the table's, exchange's or partition's files"),
            ("g", "heat map: the table's small files by exchange and trading date"),
            ("p", "rows of the partition (selected or highlighted), or of the table"),
            ("▲", "a hot partition (8+ files under 32 MiB); ● a marked one"),
        ),
    ),
    (
        "Lists",
        (
            ("s / S", "sort by the next column / reverse (header: ▼ or △)"),
            ("[ / ]", "previous / next page (up/down go on at its edges)"),
            ("home / end", "first / last row"),
            ("left / right", "scroll the columns (key columns stay)"),
            ("enter", "open the row"),
            ("y / t / escape", "plans and dry runs: confirm / edit target or retention / cancel"),
            ("", "(read-only: plans and dry runs show, nothing is confirmed)"),
        ),
    ),
    (
        "Hot partitions",
        (
            ("space / * / u", "mark a partition / mark all / clear marks"),
            ("c", "plan compacting the marked (else all), one table's plan after another"),
            ("escape (on a plan)", "skip that table: the next table's plan shows"),
            ("r", "read again (only new commits); also after a compaction"),
            ("enter", "the partition's table in the lake"),
        ),
    ),
    (
        "History and time travel",
        (
            ("enter", "what the commit changed, per partition, with its metrics and audit"),
            ("space / d", "mark two versions / compare them (one mark: with the cursor row)"),
            ("a", "browse the table as of the version (read-only): enter files, p rows"),
            (
                "b",
                "restore the table to the version: plan first (f: its files), then type its name",
            ),
            ("c", "dim_symbol: symbols added, closed and changed, version by version"),
            ("r", "refresh the history"),
        ),
    ),
    (
        "Heat map (g) and rows (p)",
        (
            ("arrows, [ / ]", "heat map: move by day and exchange / by month"),
            ("enter", "heat map: select the partition in the lake tree"),
            ("[ / ], left / right", "rows: previous / next page; scroll the columns"),
            ("d", "rows: prices and quantities divided by 1e9, or as stored"),
        ),
    ),
    (
        "Lake health (L)",
        (
            ("tab, up/down", "tables above, findings below (the highlighted one in full)"),
            ("k / x", "create a checkpoint / clean up expired log files: plan, then type"),
            ("c / v", "compact the hot partitions / vacuum dry run of the table"),
            ("enter", "the table in the lake"),
            ("r", "assess again (reads only new commits)"),
        ),
    ),
    (
        "Manifest and quarantine",
        (
            ("/", "filter: bronze path (manifest), symbol or file_id (quarantine)"),
            ("f", "cycle the status (manifest) or rule (quarantine) filter"),
            ("t", "quarantine: cycle the source-table filter"),
            ("c", "clear the filters"),
            ("[ / ]", "previous / next page"),
            ("enter", "manifest entry: its quarantined rows; quarantine row: its manifest entry"),
            ("e", "export the filtered quarantine rows to CSV"),
            ("y / Y", "copy the bronze path / the reason (manifest) or field value (quarantine)"),
            ("r", "manifest: re-read the lake"),
        ),
    ),
    (
        "Reconcile",
        (
            ("k / t / f", "cycle the kind / table / status filter"),
            ("c", "clear the filters"),
            ("enter, tab", "the partitions holding the finding's rows; enter: their rows"),
            ("m / q", "the finding's manifest entry / its quarantined rows"),
            ("p", "the rows of the highlighted partition"),
            ("r", "reconcile again"),
        ),
    ),
)


class HelpScreen(ModalScreen[None]):
    """The keys of every screen."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Close"),
        Binding("question_mark", "app.pop_screen", "Close", show=False),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 78; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            for title, keys in KEYS:
                table = Table(title=title, title_justify="left", show_header=False, box=None)
                table.add_column(style="bold", no_wrap=True, min_width=22)
                table.add_column()
                for key, what in keys:
                    table.add_row(key, what)
                yield Static(table)
