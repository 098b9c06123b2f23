"""The console in a real pseudo-terminal: sizes, colour-less terminals, resizes, hostile names.

Each test runs ``python -m pointline_tui LAKE`` on a pty and reads what a terminal would show
(``pyte``), pressing keys as the bytes a plain xterm over SSH sends. The walk through every
screen is done once per terminal size (``tour``) and its record checked by several tests.
"""

from __future__ import annotations

import concurrent.futures
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable

from pointline_tui.lake import HOT_MIN_SMALL_FILES, SMALL_FILE_BYTES
from pointline_tui.screens.help import KEYS as HELP_KEYS
from pointline_tui.screens.paged_list import PagedListScreen
from pointline_tui.storage.delta import DeltaEventStore
from tests.frames import trades
from tests.terminal.pty_app import PtyApp, ScreenTimeout

Size = tuple[int, int]
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((60, 20), id="60x20")]
RESIZES: tuple[Size, ...] = ((60, 20), (100, 30))
"""From 80x24, as the issue asks; the tour goes back to 80x24 before closing the dialog."""
HANG_UP_BOUND = 10
"""Seconds a console may take to end once its terminal is gone."""
WIDE = (100, 30)
"""Wide enough for every footer to show whole (they end with the app's ``? Help``)."""

LAKE_READY = ("Lake overview", "validation_log")
FILTER_HINT = "text in any col"
"""The placeholder of the lake screen's list filter (cut at 60 columns)."""
HOSTILE_FOLDER = "esc\x1b[7mREV\x1b[2Jdir"
HOSTILE_EXCHANGE = "ex\x1b[7mREV\x1b[2J"
COLOURLESS_TERMINALS = {
    "xterm-256color": {"TERM": "xterm-256color"},  # and no COLORTERM (never passed on)
    "TERM=linux": {"TERM": "linux"},
    "NO_COLOR=1": {"NO_COLOR": "1"},
}
TOUR_TERMINALS: dict[Size, dict[str, str]] = {
    (80, 24): COLOURLESS_TERMINALS["xterm-256color"],
    (60, 20): {**COLOURLESS_TERMINALS["TERM=linux"], **COLOURLESS_TERMINALS["NO_COLOR=1"]},
}
"""One tour per size, each under its own terminal (so the three are covered without a tour
per size and terminal): the narrow one without any colour at all."""


# -- lakes -----------------------------------------------------------------------------------


EVENT_TABLES = ("orderbook_updates", "quotes", "trades")
LAKE_TABLES = (*EVENT_TABLES, "dim_symbol", "ingest_manifest", "validation_log")


def small_files(lake: Path, table: str) -> pl.DataFrame:
    """Each partition of ``table`` (its partition columns, none if unpartitioned) and how many
    of its files are small, read from the table's add actions."""
    actions = pl.DataFrame(DeltaTable(str(lake / table)).get_add_actions(flatten=True))
    keys = [c for c in actions.columns if c.startswith("partition.")]
    small = (pl.col("size_bytes") < SMALL_FILE_BYTES).sum().alias("small")
    return actions.group_by(keys).agg(small) if keys else actions.select(small)


def is_hot() -> pl.Expr:
    """The console's own rule: so many files under the small-file size."""
    return pl.col("small") >= HOT_MIN_SMALL_FILES


def partitions_line(lake: Path, *tables: str) -> str:
    """What a summary's partitions line shows for ``tables``: ``"8 (1 hot)"`` (an
    unpartitioned table is one partition)."""
    partitions = hot = 0
    for table in tables:
        per_partition = small_files(lake, table)
        partitions += per_partition.height
        hot += per_partition.filter(is_hot()).height
    return f"{partitions} ({hot} hot)"


def hot_partitions(lake: Path) -> tuple[tuple[str, str, str], ...]:
    """Every hot partition of the event tables: (table, exchange, trading date)."""
    return tuple(
        (table, exchange, day.isoformat())
        for table in EVENT_TABLES
        for exchange, day, _ in small_files(lake, table).filter(is_hot()).iter_rows()
    )


def first_rows(lake: Path, table: str) -> str:
    """What a paged list of every row of ``table`` shows under it once its first page is in."""
    total = pl.scan_delta(str(lake / table)).select(pl.len()).collect().item()
    return f"rows 1-{min(total, PagedListScreen.PAGE_SIZE)} of {total:,}"


@dataclass(frozen=True)
class LakeFigures:
    """What the console shows of a lake, derived from the lake (see the functions above)."""

    lake_partitions: str
    trades_partitions: str
    manifest_rows: str
    hot: tuple[tuple[str, str, str], ...] = ()

    @classmethod
    def of(cls, lake: Path) -> LakeFigures:
        return cls(
            lake_partitions=partitions_line(lake, *LAKE_TABLES),
            trades_partitions=partitions_line(lake, "trades"),
            manifest_rows=first_rows(lake, "ingest_manifest"),
            hot=hot_partitions(lake),
        )


@pytest.fixture(scope="module")
def figures(demo_lake_template: Path) -> LakeFigures:
    """The demo lake's figures (the lakes below are copies of it; an orphan counts for none)."""
    return LakeFigures.of(demo_lake_template)


def copy_lake(template: Path, target: Path) -> Path:
    return Path(shutil.copytree(template, target / "silver"))


def add_orphan(silver: Path) -> None:
    """A copy of a data file that no commit names, old enough for ``remove-orphans``."""
    folder = silver / "trades" / "exchange=okx" / "trading_date=2024-05-01"
    source = next(folder.glob("*.parquet"))
    orphan = folder / "part-09999-00000000-0000-0000-0000-000000000000-c000.snappy.parquet"
    shutil.copyfile(source, orphan)
    three_days_ago = time.time() - 3 * 86_400
    os.utime(orphan, (three_days_ago, three_days_ago))


def damage_quotes(silver: Path) -> None:
    """Cut the newest commit of ``quotes`` short: its log no longer reads."""
    newest = sorted((silver / "quotes" / "_delta_log").glob("*.json"))[-1]
    newest.write_text('{"add": {"path": ')


@pytest.fixture(scope="module")
def dialog_lake(demo_lake_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo lake plus an orphaned file in trades (so orphan removal asks to confirm)."""
    silver = copy_lake(demo_lake_template, tmp_path_factory.mktemp("dialogs"))
    add_orphan(silver)
    return silver


# -- the console -----------------------------------------------------------------------------


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Callable[..., PtyApp]]:
    """Start the console on a pty; every one started is quit (or killed) at the end."""
    started: list[PtyApp] = []

    def start(lake: Path, size: Size = (80, 24), env: dict[str, str] | None = None) -> PtyApp:
        app = PtyApp(lake, cols=size[0], rows=size[1], env=env, cwd=tmp_path)
        started.append(app)
        return app

    yield start
    for app in started:
        app.close()


def detail_title(app: PtyApp) -> str:
    """The first line of the lake screen's detail pane (what the tree cursor is on)."""
    for line in app.lines()[1:3]:
        if "▕" in line:
            return line.split("▕", 1)[1].strip()
    return ""


def tree_lines(app: PtyApp) -> list[str]:
    """The lake screen's tree pane, line by line."""
    return [line.split("▕", 1)[0] for line in app.lines() if "▕" in line]


def marker_of(app: PtyApp, row: str) -> str:
    """What the list's marker column shows left of ``row`` (between the pane edge and it)."""
    y, x = app.find(row)
    return app.lines()[y][:x].rsplit("▕", 1)[-1].strip()


def select_table(app: PtyApp, table: str, *, ready: str) -> None:
    """Move the tree cursor down to ``table`` (a few presses at most) and wait for its detail.

    After each press: the redraw, then a detail title (blank while it loads; a group shows
    the same overview as the first line, so the title need not change).
    """
    for _ in range(8):
        if detail_title(app) == table:
            break
        app.press("down")
        app.wait_stable(quiet=0.25, timeout=5)
        app.wait_until(lambda: detail_title(app) != "", "a detail title", timeout=5)
    app.wait_for(ready)


def select_trades(app: PtyApp, figures: LakeFigures) -> None:
    """From the lake screen's first paint: the tree cursor on ``trades``, its detail loaded."""
    select_table(app, "trades", ready=figures.trades_partitions)


def on_lake_screen(app: PtyApp) -> bool:
    """The lake screen, with nothing over it: its tree pane shows, left of the detail."""
    return any("Events" in line.split("▕", 1)[0] for line in app.lines() if "▕" in line)


# -- the walk through every screen and dialog ------------------------------------------------


Expect = str | Callable[[PtyApp], bool]
"""Text that shows, or a test of the screen (the focus entering an input shows only in the
footer)."""


def holds(app: PtyApp, expect: Expect) -> bool:
    return expect in app.text() if isinstance(expect, str) else expect(app)


def described(expect: Expect) -> str:
    return repr(expect) if isinstance(expect, str) else str(expect.__doc__)


def footer_has(text: str) -> Callable[[PtyApp], bool]:
    def check(app: PtyApp) -> bool:
        return text in app.lines()[-1]

    check.__doc__ = f"the footer shows {text!r}"
    return check


def footer_lacks(text: str) -> Callable[[PtyApp], bool]:
    def check(app: PtyApp) -> bool:
        footer = app.lines()[-1]
        return bool(footer.strip()) and text not in footer  # blank: between two frames

    check.__doc__ = f"the footer shows other keys than {text!r}"
    return check


def gone_but(gone: str, stays: str) -> Callable[[PtyApp], bool]:
    def check(app: PtyApp) -> bool:
        text = app.text()
        return gone not in text and stays in text

    check.__doc__ = f"{gone!r} closed, {stays!r} still there"
    return check


@dataclass(frozen=True)
class Dialog:
    """A screen or dialog reached from the lake screen (``trades`` selected) by keys."""

    name: str
    steps: tuple[tuple[tuple[str, ...], Expect], ...]
    """Keys to press, each followed by what shows once they took effect."""
    shows: str
    """Text that shows while it is open, at every size."""
    under: tuple[Expect, ...] = ()
    """What each Escape but the last leaves (a dialog over a screen, an input in a screen)."""
    confirm: tuple[str, ...] = ()
    """Footer keys it must keep visible: those that confirm and cancel."""
    footer: bool = True
    """Whether it shows a full footer (the help covers it; an input's focus shortens it)."""


QUARANTINE_ROWS = "rows 1-100 of"
HISTORY = "History of trades"


def history_listed(app: PtyApp) -> bool:
    """the history's commits listed (keys before that find no row to act on)"""
    text = app.text()
    return HISTORY in text and re.search(r"^\s*\d+\s+\d{4}-\d\d-\d\d ", text, re.M) is not None


def plan_loaded(app: PtyApp) -> bool:
    """the plan's figures ('N to compact')"""
    return re.search(r"\b\d+ to compact\b", app.text()) is not None


def dialogs(figures: LakeFigures) -> tuple[Dialog, ...]:
    """Every screen and dialog, in the order the tour visits them."""
    manifest_rows = figures.manifest_rows
    return (
        Dialog("help", ((("question_mark",), "this help"),), "this help", footer=False),
        Dialog("manifest", ((("m",), manifest_rows),), manifest_rows, confirm=("esc",)),
        Dialog(
            "manifest search",
            ((("m",), manifest_rows), (("/",), "bronze path contains")),
            "bronze path contains",
            under=(gone_but("bronze path contains", manifest_rows),),
            footer=False,
        ),
        Dialog("quarantine", ((("q",), QUARANTINE_ROWS),), QUARANTINE_ROWS, confirm=("esc",)),
        Dialog(
            "quarantine search",
            ((("q",), QUARANTINE_ROWS), (("/",), "symbol or file")),
            "symbol or file",
            under=(gone_but("symbol or file", QUARANTINE_ROWS),),
            footer=False,
        ),
        Dialog("history", ((("h",), history_listed),), HISTORY, confirm=("esc",)),
        Dialog(
            "compaction plan",
            ((("c",), plan_loaded),),
            "Compact trades: plan",
            confirm=("y", "esc"),
        ),
        Dialog(
            "compaction target size",
            (
                (("c",), plan_loaded),
                (("t",), footer_lacks("y Compact")),  # the focus is in the field
            ),
            "Compact trades: plan",
            under=(footer_has("y Compact"),),  # the first Escape leaves the field
            footer=False,
        ),
        Dialog(
            "vacuum dry run",
            ((("v",), "Dry run (whole table)"),),
            "Vacuum trades",
            confirm=("y", "esc"),
        ),
        Dialog(
            "vacuum retention",
            (
                (("v",), "Dry run (whole table)"),
                (("t",), footer_lacks("y Vacuum")),
            ),
            "Vacuum trades",
            under=(footer_has("y Vacuum"),),
            footer=False,
        ),
        Dialog(
            "orphans",
            ((("o",), "y deletes them"),),
            "Remove orphans of trades",
            confirm=("y", "esc"),
        ),
        Dialog(
            "orphans typed confirmation",
            ((("o",), "y deletes them"), (("y",), "Type trades and press")),
            "Type trades and press",
            under=(gone_but("Type trades and press", "y deletes them"),),
            footer=False,
        ),
        Dialog(
            "command palette",
            ((("ctrl+p",), "Search for commands"),),
            "Search for commands",
            footer=False,  # its list covers the footer at 60x20
        ),
        Dialog("hot partitions", ((("H",), "worst first"),), "Hot partitions", confirm=("esc",)),
        Dialog("lake health", ((("L",), "commits since"),), "Lake health", confirm=("esc",)),
        Dialog(
            "checkpoint plan",  # Tab: from the findings to the tables
            ((("L",), "commits since"), (("tab", "k"), "Create a checkpoint of")),
            "Create a checkpoint of",
            # not "Lake health": at 60x20 the focused tables scroll the title away
            under=(gone_but("Create a checkpoint of", "commits since"),),
            confirm=("y", "esc"),
        ),
        Dialog("errors", ((("E",), "Errors of this run"),), "Errors of", confirm=("esc",)),
        Dialog("reconcile", ((("R",), "findings ·"),), "Reconciliation", confirm=("esc",)),
        Dialog(
            "heat map",
            ((("g",), "small files per partition"),),
            "small files per partition",
            confirm=("esc",),
        ),
        Dialog("rows", ((("p",), "[ ] page"),), "rows of trades", confirm=("esc",)),
        Dialog(
            "commit changes",
            ((("h",), history_listed), (("enter",), "trades · version")),
            "trades · version",
            under=(gone_but("trades · version", HISTORY),),
            confirm=("esc",),
        ),
        Dialog(
            "version diff",  # the newest version marked, the one before it compared
            ((("h",), history_listed), (("space", "down", "d"), "trades: version")),
            "trades: version",
            under=(gone_but("trades: version", HISTORY),),
            confirm=("esc",),
        ),
        Dialog(
            "as of",
            ((("h",), history_listed), (("down", "a"), "read-only")),
            "trades as of version",
            under=(gone_but("trades as of version", HISTORY),),
            confirm=("esc",),
        ),
        Dialog(
            "restore plan",
            ((("h",), history_listed), (("down", "b"), "Restore trades to version")),
            "Restore trades to version",
            under=(gone_but("Restore trades to version", HISTORY),),
            confirm=("y", "esc"),
        ),
        Dialog(
            "dim_symbol changes",  # its history by the palette: the tree stays on trades
            (
                (("ctrl+p",), "Search for commands"),
                (tuple("dim_symbol history"), "table: dim_symbol history"),
                (("enter",), "History of dim_symbol"),
                (("c",), "symbols added, closed and changed"),
            ),
            "symbols added, closed",
            under=(gone_but("symbols added, closed", "History of dim_symbol"),),
            confirm=("esc",),
        ),
        # Last: closing it leaves the focus on the list.
        Dialog("lake filter", ((("/",), FILTER_HINT),), FILTER_HINT, footer=False),
    )


DIALOG_NAMES = tuple(d.name for d in dialogs(LakeFigures("", "", "")))
FOOTER_SCREENS = tuple(d.name for d in dialogs(LakeFigures("", "", "")) if d.footer)
"""The screens whose footer shows (and must end with the app's ``? Help``)."""


@dataclass
class Visit:
    """What the tour saw of one dialog."""

    dialog: Dialog
    problems: list[str] = field(default_factory=list)
    footer: str = ""
    footer_keys: list[str] = field(default_factory=list)
    wide_footer: str = ""
    wide_footer_keys: list[str] = field(default_factory=list)
    redrawn: list[Size] = field(default_factory=list)
    """The sizes it was resized to and redrawn at (the screen is blanked before)."""
    opened: str = ""
    """The whole screen once it had opened (its footer settled)."""


@dataclass
class Tour:
    size: Size
    visits: dict[str, Visit]
    first_screen: str
    exit_code: int | None
    list_footer: str = ""
    """The lake screen's footer with the partition list of ``trades`` focused."""
    file_sizes: str = ""
    """The lake screen with the file-size histogram of ``trades`` in its detail (``z``)."""
    problems: list[str] = field(default_factory=list)
    """What went wrong on the lake screen itself (the list focus, the histogram)."""


def take_tour(
    lake: Path,
    size: Size,
    workdir: Path,
    *,
    figures: LakeFigures,
    resizes: tuple[Size, ...],
    env: dict[str, str],
) -> Tour:
    """Open every dialog by its keys, resize it (``resizes``, then back), close it by Escape.

    First the lake screen's own views of ``trades``: its list focused, its file sizes.
    Problems are recorded, not raised, so that each test reports its own part; a dialog that
    cannot be left ends the tour (the rest are recorded as not visited).
    """
    app = PtyApp(lake, cols=size[0], rows=size[1], env=env, cwd=workdir)
    walk = dialogs(figures)
    visits = {d.name: Visit(d) for d in walk}
    tour = Tour(size, visits, "", None)
    try:
        app.wait_for(*LAKE_READY)
        app.wait_stable()
        tour.first_screen = app.text()
        select_trades(app, figures)
        _lake_views(app, tour)
        for number, dialog in enumerate(walk):
            visit = visits[dialog.name]
            if not _visit(app, visit, size, resizes):
                for rest in walk[number + 1 :]:
                    visits[rest.name].problems.append(f"not visited: {dialog.name} stayed open")
                break
    finally:
        tour.exit_code = app.close()
    return tour


def _lake_views(app: PtyApp, tour: Tour) -> None:
    """The list focused (Tab) and back (shift+Tab); the file sizes (``z``) and back."""
    try:
        app.press("tab")
        app.wait_until(lambda: footer_has("s Sort")(app), "the list's keys in the footer")
        app.wait_stable(quiet=0.25)
        tour.list_footer = app.lines()[-1]
        app.press("shift+tab")
        app.wait_until(lambda: footer_lacks("s Sort")(app), "the tree focused again")
        app.press("z")
        app.wait_for("trades · file sizes", "in all")
        app.wait_stable(quiet=0.25)
        tour.file_sizes = app.text()
        app.press("z")
        app.wait_gone("trades · file sizes")
    except ScreenTimeout as err:
        tour.problems.append(str(err))


def _visit(app: PtyApp, visit: Visit, size: Size, resizes: tuple[Size, ...]) -> bool:
    dialog = visit.dialog
    try:
        for keys, expect in dialog.steps:
            app.press(*keys)
            app.wait_until(lambda expect=expect: holds(app, expect), f"{keys}: {described(expect)}")
        app.wait_for(dialog.shows)
    except ScreenTimeout as err:
        visit.problems.append(f"did not open: {err}")
        return _recover(app, visit)
    if not _footer_settled(app, visit):
        return _recover(app, visit)
    visit.footer = app.lines()[-1]
    visit.footer_keys = app.bold_runs(app.rows - 1)
    visit.opened = app.text()
    for cols, rows in (*resizes, size) if resizes else ():
        app.resize(cols, rows)
        try:
            app.wait_for(dialog.shows, timeout=10)
        except ScreenTimeout as err:
            state = "alive" if app.alive() else f"exited with {app.proc.returncode}"
            visit.problems.append(f"after resizing to {cols}x{rows} ({state}): {err}")
            return False
        visit.redrawn.append((cols, rows))
        if (cols, rows) == WIDE and _footer_settled(app, visit):
            visit.wide_footer = app.lines()[-1]
            visit.wide_footer_keys = app.bold_runs(rows - 1)
    for number, expect in enumerate(dialog.under, start=1):
        app.press("escape")
        try:
            app.wait_until(lambda expect=expect: holds(app, expect), described(expect), timeout=10)
        except ScreenTimeout as err:
            visit.problems.append(f"escape {number} did not leave {described(expect)}: {err}")
            return _recover(app, visit)
    app.press("escape")
    try:
        app.wait_until(
            lambda: on_lake_screen(app) and dialog.shows not in app.text(),
            "the lake screen",
            timeout=10,
        )
    except ScreenTimeout as err:
        visit.problems.append(f"the last escape did not bring the lake screen back: {err}")
        return _recover(app, visit)
    return True


def _footer_settled(app: PtyApp, visit: Visit) -> bool:
    """Wait for the footer to settle: it follows the focus, which a screen sets once its rows
    are in (and it is redrawn blank in between)."""
    if not visit.dialog.footer:
        return True
    seen = {"footer": "", "since": time.monotonic()}

    def settled() -> bool:
        footer, now = app.lines()[-1], time.monotonic()
        if footer != seen["footer"]:
            seen["footer"], seen["since"] = footer, now
        return bool(footer.strip()) and now - seen["since"] >= 0.2

    try:
        app.wait_until(settled, "a footer", timeout=5)
    except ScreenTimeout as err:
        visit.problems.append(f"its footer stayed blank: {err}")
        return False
    return True


def _recover(app: PtyApp, visit: Visit, most: int = 4) -> bool:
    """After a problem: Escape (a few times at most) until the lake screen is back."""
    for _ in range(most):
        if not app.alive():
            return False
        app.press("escape")
        try:
            app.wait_until(lambda: on_lake_screen(app), "the lake screen", timeout=3)
            return True
        except ScreenTimeout:
            continue
    visit.problems.append(f"{most} escapes did not bring the lake screen back")
    return False


@pytest.fixture(scope="module")
def tours(
    dialog_lake: Path, figures: LakeFigures, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[Size], Tour]:
    """The tours at 80x24 (resizing every dialog) and 60x20, each under its terminal
    (``TOUR_TERMINALS``), taken once per module, side by side (each mostly waits for its
    console)."""
    taken: dict[Size, concurrent.futures.Future[Tour]] = {}

    def take(size: Size) -> Tour:
        workdir = tmp_path_factory.mktemp("tour")
        resizes = RESIZES if size == (80, 24) else ()
        env = TOUR_TERMINALS[size]
        return take_tour(dialog_lake, size, workdir, figures=figures, resizes=resizes, env=env)

    def tour(size: Size) -> Tour:
        if not taken:  # once, even if a tour raised (each test then raises it again)
            sizes = [(80, 24), (60, 20)]
            with concurrent.futures.ThreadPoolExecutor(len(sizes)) as pool:
                taken.update({s: pool.submit(take, s) for s in sizes})
        return taken[size].result()

    return tour


def visited(tour: Tour, *names: str) -> dict[str, Visit]:
    """The visits of ``names`` (all of the tour's if none), each without a problem.

    Fails (``pytest.fail``, not an assertion) otherwise: a test marked ``xfail`` for what it
    checks must not pass because the tour did not get there.
    """
    visits = {n: tour.visits[n] for n in names} if names else tour.visits
    problems = {n: v.problems for n, v in visits.items() if v.problems}
    if problems:
        pytest.fail(f"the tour at {tour.size} did not get through: {problems}")
    return visits


# -- 1. first screen and focus ---------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_first_screen_shows_tree_detail_and_help_key(
    tours, figures: LakeFigures, size: Size
) -> None:
    screen = tours(size).first_screen
    lines = screen.splitlines()
    assert lines[0].lstrip().startswith("⭘")
    assert "pointline-tui" in lines[0]
    tree = "\n".join(line[: line.index("▕")] for line in lines if "▕" in line)
    for group in ("Events", "Dimensions", "Control"):
        assert group in tree, screen
    assert "Lake overview" in screen
    assert f"partitions        {figures.lake_partitions}" in screen
    assert (
        f"rows 1-{len(LAKE_TABLES)} of {len(LAKE_TABLES)}" in screen
    )  # the end of the detail pane (the table list) shows
    assert "? Help" in lines[-1], screen


TABLES = (
    "orderbook_updates",
    "quotes",
    "trades",
    "dim_symbol",
    "ingest_manifest",
    "validation_log",
)


@pytest.mark.parametrize(
    "size",
    [
        SIZES[0],
        pytest.param(
            *SIZES[1].values,
            id=SIZES[1].id,
            marks=pytest.mark.xfail(
                strict=True,
                raises=AssertionError,
                reason="at 60 columns the tree gives way to the partition list, whose files "
                "column must show beside exchange and date: 'orderbook_updates' shows as "
                "'orderbook_upd' ('>' widens the tree, '\\' hides it)",
            ),
        ),
    ],
)
def test_tree_shows_every_table_name_whole(tours, size: Size) -> None:
    lines = tours(size).first_screen.splitlines()
    tree = "\n".join(line[: line.index("▕")] for line in lines if "▕" in line)
    cut = [name for name in TABLES if name not in tree]
    assert not cut, tree


@pytest.mark.parametrize(
    ("keys", "shows"),
    [
        pytest.param(("question_mark",), "this help", id="help"),
        pytest.param(("ctrl+p",), "Search for commands", id="command-palette"),
    ],
)
def test_ctrl_q_quits_with_a_dialog_open(console, demo_lake: Path, keys, shows) -> None:
    """A modal screen stops the app's bindings, unless they have priority (ctrl+q must)."""
    app = console(demo_lake)
    app.wait_for(*LAKE_READY)
    app.press(*keys)
    app.wait_for(shows)
    app.press("ctrl+q")
    try:
        app.proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        app.press("escape")  # so that the teardown's ctrl+q quits
        pytest.fail(f"ctrl+q did not quit with {shows!r} open")
    assert app.proc.returncode == 0


# -- 2. every screen by keys, Escape closes it -----------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_every_screen_opens_by_key_and_escape_closes_it(tours, size: Size) -> None:
    tour = tours(size)
    problems = {name: v.problems for name, v in tour.visits.items() if v.problems}
    assert not problems
    assert not tour.problems  # the lake screen's own views
    assert tour.exit_code == 0  # ctrl+q quit it


# -- 3. resizing with a dialog open ----------------------------------------------------------


def test_resizing_with_any_dialog_open_redraws_it(tours) -> None:
    tour = tours((80, 24))
    resized = {
        name: [p for p in v.problems if "resizing" in p or "not visited" in p]
        for name, v in tour.visits.items()
    }
    assert not {name: p for name, p in resized.items() if p}
    expected = [*RESIZES, (80, 24)]
    assert {name: v.redrawn for name, v in tour.visits.items()} == {
        name: expected for name in tour.visits
    }


# -- nothing essential cut off ---------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_footer_keeps_confirm_and_cancel_keys(tours, size: Size) -> None:
    missing = {
        name: [k for k in v.dialog.confirm if k not in v.footer_keys]
        for name, v in visited(tours(size)).items()
    }
    assert not {name: keys for name, keys in missing.items() if keys}


def footer_cases() -> Iterator[object]:
    for size in SIZES:
        for name in ("lake", "lake list", *FOOTER_SCREENS):
            yield pytest.param(size.values[0], name, id=f"{size.id}-{name}")


@pytest.mark.parametrize(("size", "screen"), footer_cases())
def test_footer_shows_help_key_on_every_screen(tours, size: Size, screen: str) -> None:
    tour = tours(size)
    if screen == "lake":
        footer = tour.first_screen.splitlines()[-1]
    elif screen == "lake list":
        assert not tour.problems
        footer = tour.list_footer
    else:
        footer = visited(tour, screen)[screen].footer
    assert "? Help" in footer, footer


SIZE_BUCKETS = ("< 1 MiB", "1–8 MiB", "8–32 MiB", "32–128 MiB", "≥ 128 MiB")


@pytest.mark.parametrize("size", SIZES)
def test_hot_partitions_name_every_hot_partition_whole(
    tours, figures: LakeFigures, size: Size
) -> None:
    shown = visited(tours(size), "hot partitions")["hot partitions"].opened
    assert figures.hot  # the demo has hot partitions to show
    for table, exchange, day in figures.hot:
        assert re.search(rf"▲\s+{table}\s+{exchange}\s+{day}\s", shown), shown


@pytest.mark.parametrize("size", SIZES)
def test_file_sizes_show_every_bucket_whole(tours, size: Size) -> None:
    tour = tours(size)
    assert not tour.problems
    detail = [
        line.split("▕", 1)[1].rstrip() for line in tour.file_sizes.splitlines() if "▕" in line
    ]
    for bucket in SIZE_BUCKETS:
        [row] = [line for line in detail if line.lstrip().startswith(bucket)]
        # files, then bytes: both figures whole at the end of the row
        assert re.search(r"\s\d+\s.*\s\d[\d.]*(?:[KMGT]i?)?B?$", row), tour.file_sizes


@pytest.mark.parametrize("size", SIZES)
def test_heat_map_shows_the_highlighted_partition_figures(tours, size: Size) -> None:
    shown = visited(tours(size), "heat map")["heat map"].opened
    assert re.search(r"\d+ small of \d+ files", shown), shown


@pytest.mark.parametrize("size", SIZES)
def test_rows_title_says_how_prices_show(tours, size: Size) -> None:
    shown = visited(tours(size), "rows")["rows"].opened
    assert "as stored" in shown, shown


# -- 4. states without colour ----------------------------------------------------------------


@pytest.fixture(scope="module")
def states_lake(demo_lake_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo lake (hot partitions, failed manifest entries) with ``quotes`` damaged."""
    silver = copy_lake(demo_lake_template, tmp_path_factory.mktemp("states"))
    damage_quotes(silver)
    return silver


@pytest.mark.parametrize("env", COLOURLESS_TERMINALS.values(), ids=COLOURLESS_TERMINALS.keys())
def test_every_state_and_the_focus_show_without_colour(
    console, states_lake: Path, figures: LakeFigures, env
) -> None:
    """Each state differs from its absence in characters or attributes, never only colour;
    Tab moves the focus from the tree to the list, and that shows too (the footer, the look of
    the tree's cursor)."""
    app = console(states_lake, env=env)
    app.wait_for(*LAKE_READY)

    # damaged: a mark and a word, not only red
    app.wait_for("quotes ✗ damaged")

    # selected, tree focused: the cursor's row looks different, and the look follows it
    select_table(app, "orderbook_updates", ready="health")
    app.wait_stable(quiet=0.25)  # each look is taken once the screen is drawn
    plain, damaged = app.look("▶ orderbook_updates"), app.look("quotes ✗ damaged")
    app.press("down")
    app.wait_until(lambda: detail_title(app) == "quotes", "quotes selected")
    app.wait_until(lambda: app.look("▶ orderbook_updates") != plain, "the cursor moving off")
    app.wait_until(lambda: app.look("quotes ✗ damaged") != damaged, "the cursor on quotes")
    select_trades(app, figures)

    # hot: ▲ in the tree (with the count of hot partitions) and in the partition list
    app.press("enter")
    app.wait_until(lambda: any("▲1" in t and "binance" in t for t in tree_lines(app)), "▲1")
    assert "▲" in marker_of(app, "binance-futures  2024-05-02")

    # focused pane: Tab hands the focus to the list; the tree's cursor looks different then,
    # and the list's keys join the footer
    app.wait_stable(quiet=0.25)
    tree_cursor = app.look("▼ trades")
    app.press("tab")
    app.wait_until(lambda: "s Sort" in app.lines()[-1], "the list's keys in the footer")
    app.wait_until(lambda: app.look("▼ trades") != tree_cursor, "the tree cursor unfocused")

    # selected, list focused: the row under the cursor looks different
    app.wait_stable(quiet=0.25)
    before = app.look("binance-futures  2024-05-02")
    app.press("down")
    app.wait_until(
        lambda: app.look("binance-futures  2024-05-02") != before, "the list cursor on the row"
    )

    # marked: ● in the marker column, and the status line says so
    app.press("space")
    app.wait_for("1 marked")
    assert "●" in marker_of(app, "binance-futures  2024-05-02")

    # failed: the manifest names the status in words
    app.press("m")
    app.wait_for(figures.manifest_rows)
    assert re.search(r"^\s*\d+\s+failed\s", app.text(), re.MULTILINE), app.text()
    app.press("escape")
    app.wait_until(lambda: on_lake_screen(app), "the lake screen")

    # hot across the lake: ▲ on each row; marked: ● beside it, and the hint says so
    app.press("H")
    app.wait_until(lambda: row_marks(app, "trades") == "▲", "trades' hot row")
    app.press("space")
    app.wait_until(lambda: row_marks(app, "trades") == "●▲", "trades' row marked")
    assert "1 marked" in app.text()
    app.press("escape")
    app.wait_until(lambda: on_lake_screen(app), "the lake screen")

    # a marked version in the history: ●, and the line below the list says which
    app.press("h")
    app.wait_until(lambda: history_listed(app), "the history listed")
    app.press("space")
    app.wait_until(
        lambda: (
            re.search(r"^\s*●\s+\d+\s+\d{4}-", app.text(), re.MULTILINE) is not None
            and re.search(r"marked: \d+", app.text()) is not None
        ),
        "a ● version, and the line saying which",
    )
    app.press("escape")
    app.wait_until(lambda: on_lake_screen(app), "the lake screen")


def row_marks(app: PtyApp, first: str) -> str | None:
    """The marks left of the first list row whose first column is ``first`` (a screen
    without panes: the hot partitions), or None if no row shows it."""
    match = re.search(rf"^\s*([●▲]*)\s+{re.escape(first)}\s", app.text(), re.MULTILINE)
    return None if match is None else match.group(1)


# -- 5. escape sequences from the lake -------------------------------------------------------


@pytest.fixture
def hostile_folder_lake(demo_lake: Path) -> Path:
    """The demo lake with a folder whose name holds reverse-video and clear-screen sequences."""
    (demo_lake / HOSTILE_FOLDER).mkdir()
    (demo_lake / HOSTILE_FOLDER / "notes.txt").write_text("not a table\n")
    return demo_lake


@pytest.fixture
def hostile_exchange_lake(demo_lake: Path) -> Path:
    """The demo lake with a trades partition whose exchange value holds those sequences."""
    DeltaEventStore(demo_lake).append(
        "trades", trades(HOSTILE_EXCHANGE, date(2024, 5, 1), 20, file_id=9_999)
    )
    return demo_lake


@pytest.fixture
def hostile_ready(hostile_exchange_lake: Path) -> str:
    """The trades summary's partitions line once the hostile partition is in."""
    return partitions_line(hostile_exchange_lake, "trades")


def hostile_sequence_reached_terminal(app: PtyApp) -> bool:
    return b"\x1b[7mREV" in app.written() or b"REV\x1b[2J" in app.written()


def assert_shown_not_obeyed(
    app: PtyApp, visible: str, *, where: str = "tree", own_reverse: bool = False
) -> None:
    """The name shows with its escapes as text, and the rest of the screen is still there.

    ``own_reverse``: the screen shows its cursor in reverse video, so only the name's own row
    is checked for it.
    """
    text = app.text()
    assert not hostile_sequence_reached_terminal(app), f"raw escape sequence written: {text}"
    assert "pointline-tui" in app.lines()[0], text  # the title was not cleared
    if where == "tree":
        assert any("Events" in line for line in tree_lines(app)), text
        assert any(visible in line for line in tree_lines(app)), text  # shown, made visible
    else:
        assert visible in text, text
    rows = {app.find(visible)[0]} if own_reverse else range(app.rows)
    reversed_text = [
        (y, x, c.data) for y, x, c in app.cells() if c.reverse and c.data.isalnum() and y in rows
    ]
    assert not reversed_text  # nothing switched to reverse video by the name's [7m


def walk_tree_until(app: PtyApp, arrived: Callable[[], bool], *, most: int = 14) -> None:
    """Press down (the screen settling after each) until ``arrived``; a few presses at most."""
    for _ in range(most):
        if arrived():
            return
        app.press("down")
        app.wait_stable(quiet=0.25, timeout=5)
    if not arrived():
        raise ScreenTimeout(f"{most} presses of down did not get there {app.text()}")


def test_hostile_names_are_shown_escaped_in_the_tree(
    console, hostile_folder_lake: Path, hostile_exchange_lake: Path, hostile_ready: str
) -> None:
    assert hostile_folder_lake == hostile_exchange_lake  # one lake with both
    app = console(hostile_folder_lake)
    # The overview list shows the folder escaped; by then the tree has painted its label too.
    app.wait_raw(b"esc\\x1b[7mREV\\x1b[2Jdir")
    app.wait_stable()
    assert_shown_not_obeyed(app, "esc\\x1b[7mREV")
    select_table(app, "trades", ready=hostile_ready)
    app.wait_raw(b"ex\\x1b[7mREV\\x1b[2J")  # the partition list shows the value escaped
    app.press("enter")  # expand trades: its exchanges join the tree
    app.wait_until(
        lambda: "okx (" in app.text() or hostile_sequence_reached_terminal(app),
        "the exchanges in the tree",
    )
    app.wait_stable()
    assert_shown_not_obeyed(app, "ex\\x1b[7mREV")


def test_hostile_folder_name_is_shown_escaped_when_selected(
    console, hostile_folder_lake: Path
) -> None:
    app = console(hostile_folder_lake)
    app.wait_raw(b"esc\\x1b[7mREV\\x1b[2Jdir")
    # To the last group (Other folders) from sibling to sibling, then down onto the folder.
    app.press("down", "shift+down", "shift+down", "shift+down")
    walk_tree_until(
        app,
        lambda: "Not a Delta table" in app.text() or hostile_sequence_reached_terminal(app),
    )
    assert_shown_not_obeyed(app, "esc\\x1b[7mREV", where="detail")


def test_hostile_exchange_value_is_shown_escaped_when_selected(
    console, hostile_exchange_lake: Path, hostile_ready: str
) -> None:
    app = console(hostile_exchange_lake)
    app.wait_for(*LAKE_READY)
    select_table(app, "trades", ready=hostile_ready)
    app.press("enter")
    app.wait_until(lambda: "okx (" in app.text(), "the exchanges in the tree")
    walk_tree_until(
        app,
        lambda: (
            detail_title(app).startswith("trades / ex") or hostile_sequence_reached_terminal(app)
        ),
    )
    app.wait_stable()
    assert_shown_not_obeyed(app, "trades / ex\\x1b[7mREV", where="detail")


def test_hostile_exchange_value_is_shown_escaped_in_the_compaction_plan(
    console, hostile_exchange_lake: Path, hostile_ready: str
) -> None:
    app = console(hostile_exchange_lake)
    app.wait_for(*LAKE_READY)
    select_table(app, "trades", ready=hostile_ready)
    app.press("tab")  # into the partition list; its fifth row is the hostile partition
    app.wait_until(lambda: footer_has("s Sort")(app), "the list focused")
    app.press("down", "down", "down", "down", "space")
    app.wait_for("1 marked")
    assert "●" in marker_of(app, "ex\\x1b[7mREV")  # the hostile partition is the marked one
    app.press("c")
    app.wait_until(  # the title may be cleared already
        lambda: "plan for 1 partition" in app.text() or hostile_sequence_reached_terminal(app),
        "the plan",
    )
    app.wait_stable()
    assert_shown_not_obeyed(app, "ex\\x1b[7mREV", where="plan")


@pytest.fixture
def hostile_hot_lake(demo_lake: Path) -> Path:
    """The demo lake with a hot trades partition whose exchange value holds those sequences:
    one small file per commit, each with a file id the manifest does not know."""
    store = DeltaEventStore(demo_lake)
    for n in range(HOT_MIN_SMALL_FILES):
        frame = trades(HOSTILE_EXCHANGE, date(2024, 5, 1), 20, start=n * 20, file_id=9_990 + n)
        store.append("trades", frame)
    return demo_lake


HOSTILE_SHOWN = "ex\\x1b[7mREV"
"""How the start of the hostile exchange value shows."""
HOSTILE_CUT = "ex\\x1b[7"
"""As much of it as the hot partitions' exchange column shows at 80 columns, and the diff's
and restore plan's partition column (at times only its header's width)."""


def wait_shown_or_obeyed(app: PtyApp, what: str, shown: str = HOSTILE_SHOWN) -> None:
    app.wait_until(lambda: shown in app.text() or hostile_sequence_reached_terminal(app), what)
    app.wait_stable()


def back_to_lake(app: PtyApp, escapes: int = 1) -> None:
    for _ in range(escapes):
        app.press("escape")
    app.wait_until(lambda: on_lake_screen(app), "the lake screen", timeout=10)


def test_hostile_exchange_value_is_shown_escaped_on_every_new_screen(
    console, hostile_hot_lake: Path
) -> None:
    """Hot partitions, heat map, rows, a commit's changes, a diff, the table as of a version,
    a restore plan and reconciliation."""
    app = console(hostile_hot_lake)
    app.wait_for(*LAKE_READY)

    app.press("H")
    wait_shown_or_obeyed(app, "the hostile partition among the hot ones", HOSTILE_CUT)
    assert_shown_not_obeyed(app, HOSTILE_CUT, where="hot partitions")
    back_to_lake(app)

    select_table(app, "trades", ready=partitions_line(hostile_hot_lake, "trades"))
    app.press("g")
    app.wait_for("hot (▲)")  # its legend: the map is in (the list below showed the value too)
    wait_shown_or_obeyed(app, "the hostile exchange in the heat map")
    assert_shown_not_obeyed(app, HOSTILE_SHOWN, where="heat map", own_reverse=True)
    back_to_lake(app)

    app.press("tab")  # the list; its fifth row is the hostile partition (sorted by exchange)
    app.wait_until(lambda: footer_has("s Sort")(app), "the list focused")
    app.press("down", "down", "down", "down", "p")
    app.wait_for("rows of trades")
    wait_shown_or_obeyed(app, "the hostile partition's rows")
    assert_shown_not_obeyed(app, f"rows of trades · {HOSTILE_SHOWN}", where="rows")
    back_to_lake(app)
    app.press("shift+tab")

    app.press("h")
    app.wait_until(lambda: history_listed(app), "the history listed")
    app.press("enter")  # the newest commit added a file to the hostile partition
    app.wait_for("trades · version")
    wait_shown_or_obeyed(app, "the commit's partition")
    assert_shown_not_obeyed(app, HOSTILE_SHOWN, where="commit changes")
    app.press("escape")
    app.wait_until(lambda: history_listed(app), "the history listed")
    app.press("space", "down", "d")
    app.wait_for("trades: version")
    wait_shown_or_obeyed(app, "the partition the two versions differ in", HOSTILE_CUT)
    assert_shown_not_obeyed(app, HOSTILE_CUT, where="diff")
    app.press("escape")
    app.wait_until(lambda: history_listed(app), "the history listed")
    app.press("a")  # the version before the newest: the hostile partition has files there
    app.wait_for("read-only")
    wait_shown_or_obeyed(app, "the partitions as of that version")
    assert_shown_not_obeyed(app, HOSTILE_SHOWN, where="as of")
    app.press("escape")
    app.wait_until(lambda: history_listed(app), "the history listed")
    app.press("b")  # restoring it takes the newest file out of the hostile partition
    app.wait_for("Restore trades to version")
    wait_shown_or_obeyed(app, "the partition the restore changes", HOSTILE_CUT)
    assert_shown_not_obeyed(app, HOSTILE_CUT, where="restore plan")
    back_to_lake(app, escapes=2)

    app.press("R")  # the hostile rows have file ids no manifest entry has
    app.wait_for("findings ·")
    for _ in range(12):  # down the findings until one's partitions show the hostile one
        if HOSTILE_SHOWN in app.text() or hostile_sequence_reached_terminal(app):
            break
        app.press("down")
        app.wait_stable(quiet=0.25, timeout=5)
    wait_shown_or_obeyed(app, "the unknown file ids' partitions")
    assert_shown_not_obeyed(app, HOSTILE_SHOWN, where="reconcile")
    back_to_lake(app)


# -- 6. keys an SSH terminal sends -----------------------------------------------------------

SSH_NAMED_KEYS = {
    "up",
    "down",
    "left",
    "right",
    "enter",
    "escape",
    "tab",
    "shift+tab",
    "space",
    "backspace",
    "delete",
    "insert",
    "home",
    "end",
    "pageup",
    "pagedown",
    "arrows",  # the help's word for up/down/left/right
}
MARKS = {"▲", "●", "✗"}
"""Help rows that explain a mark of the tree or a list, not a key."""


def ssh_sendable(key: str) -> bool:
    """Whether a terminal over SSH (no keyboard protocol) sends something distinct for ``key``.

    Printable ASCII, the named keys above, F1-F12, ctrl+letter, alt+ (ESC prefix); not F13+,
    ctrl+shift, super/hyper/meta-only or ctrl/shift with a named key (xterm sends none).
    """
    if len(key) == 1:
        return key.isascii() and key.isprintable()
    lower = key.lower()
    if lower in SSH_NAMED_KEYS:
        return True
    if re.fullmatch(r"f([1-9]|1[0-2])", lower):
        return True
    if re.fullmatch(r"(ctrl\+|\^)[a-z]", lower):
        return True
    match = re.fullmatch(r"alt\+(.+)", lower)
    return match is not None and ssh_sendable(match.group(1))


def help_keys(lines: list[str]) -> list[str]:
    """The keys the help screen lists (its rows' first column), split into single keys."""
    keys = []
    for line in lines:
        inner = line.strip().strip("│").rstrip()
        if not inner.startswith("  ") or inner[2:3] in ("", " "):
            continue  # a section title, or a wrapped description
        first = re.split(r"\s{2,}", inner.strip())[0]
        if first.startswith("--"):
            continue  # a command-line option (--read-only)
        found = split_keys(re.sub(r"\(.*?\)", "", first))
        keys.extend(k for k in found if k not in MARKS)
    return keys


def split_keys(text: str) -> list[str]:
    """``"up/down, enter"`` → up, down, enter; ``"/ , escape"`` → /, escape; ``"[ / ]"``."""
    keys = []
    for part in re.split(r"\s*,\s+|\s+/\s+|\s+or\s+", text.strip()):
        part = part.strip()
        if not part:
            continue
        keys.extend([part] if part == "/" or "/" not in part else part.split("/"))
    return keys


def footer_keys(runs: list[str]) -> list[str]:
    """A footer's bold key displays as key names (``esc``, ``[ ]``)."""
    names = {"esc": "escape", "⏎": "enter"}
    keys = []
    for run in runs:
        keys.extend(names.get(k, k) for k in run.split())
    return keys


def test_split_keys() -> None:
    assert split_keys("up/down, enter") == ["up", "down", "enter"]
    assert split_keys("/ , escape") == ["/", "escape"]
    assert split_keys("space / * / u") == ["space", "*", "u"]
    assert split_keys("[ / ]") == ["[", "]"]
    assert split_keys("? or f1") == ["?", "f1"]
    assert not ssh_sendable("f13")
    assert not ssh_sendable("ctrl+shift+p")
    assert not ssh_sendable("super+k")
    assert not ssh_sendable("shift+enter")
    assert ssh_sendable("ctrl+q")
    assert ssh_sendable("?")
    assert ssh_sendable("escape")


HELP_ROWS = 2 + sum(3 + 2 * len(keys) for _, keys in HELP_KEYS)
"""Rows enough for the whole help: each section's title, rows (each wrapped once at most)
and a gap, and the box's border."""


def test_every_key_shown_is_one_ssh_terminals_send(console, demo_lake: Path, tours) -> None:
    app = console(demo_lake, size=(100, HELP_ROWS))  # tall enough for the whole help
    app.wait_for(*LAKE_READY)
    app.press("question_mark")
    app.wait_for("this help", "export the filtered quarantine rows")
    listed = help_keys(app.lines())
    for expected in ("?", "m", "q", "ctrl+p", "escape", "ctrl+q", "tab", "space", "[", "]"):
        assert expected in listed  # the parse found the rows
    shown = {"help": listed}
    for name, visit in visited(tours((80, 24))).items():
        if visit.dialog.footer and visit.wide_footer.strip():
            assert "? Help" in visit.wide_footer, f"{name}: footer cut at 100 columns"
            shown[f"{name} footer"] = footer_keys(visit.wide_footer_keys)
    assert len(shown) > 5
    unsendable = {where: [k for k in keys if not ssh_sendable(k)] for where, keys in shown.items()}
    assert not {where: keys for where, keys in unsendable.items() if keys}


def test_a_dropped_connection_ends_the_console(
    console, demo_lake: Path, figures: LakeFigures
) -> None:
    """The terminal going away (SIGHUP) ends it like ctrl+q, with a screen open too.

    Hung up once the console is idle: during a burst of output Textual 8.2.8 itself can hang
    on the way out (``WriterThread.stop`` blocked in ``Queue.put``, a minimal Textual app does
    it too), which no test here can make happen every time.
    """
    app = console(demo_lake)
    app.wait_for(*LAKE_READY)
    app.press("m")
    app.wait_for(figures.manifest_rows)
    app.wait_stable(quiet=1.0)
    app.hang_up()
    try:
        app.proc.wait(timeout=HANG_UP_BOUND)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running {HANG_UP_BOUND} s after the hang-up")
    assert app.proc.returncode == 0
