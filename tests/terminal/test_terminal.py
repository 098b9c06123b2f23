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

import pytest

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
TRADES_READY = "8 (1 hot)"
"""The trades summary's partitions line: the table's detail has loaded."""
HOSTILE_FOLDER = "esc\x1b[7mREV\x1b[2Jdir"
HOSTILE_EXCHANGE = "ex\x1b[7mREV\x1b[2J"
COLOURLESS_TERMINALS = {
    "xterm-256color": {"TERM": "xterm-256color"},  # and no COLORTERM (never passed on)
    "TERM=linux": {"TERM": "linux"},
    "NO_COLOR=1": {"NO_COLOR": "1"},
}


# -- lakes -----------------------------------------------------------------------------------


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


def select_trades(app: PtyApp) -> None:
    """From the lake screen's first paint: the tree cursor on ``trades``, its detail loaded."""
    select_table(app, "trades", ready=TRADES_READY)


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


MANIFEST_ROWS = "rows 1-55 of 55"
QUARANTINE_ROWS = "rows 1-100 of"
DIALOGS = (
    Dialog("help", ((("question_mark",), "this help"),), "this help", footer=False),
    Dialog("manifest", ((("m",), MANIFEST_ROWS),), MANIFEST_ROWS, confirm=("esc",)),
    Dialog(
        "manifest search",
        ((("m",), MANIFEST_ROWS), (("/",), "bronze path contains")),
        "bronze path contains",
        under=(gone_but("bronze path contains", MANIFEST_ROWS),),
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
    Dialog("history", ((("h",), "History of trades"),), "History of trades", confirm=("esc",)),
    Dialog(
        "compaction plan",
        ((("c",), "1 to compact"),),
        "Compact trades: plan",
        confirm=("y", "esc"),
    ),
    Dialog(
        "compaction target size",
        (
            (("c",), "1 to compact"),
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
    # Last: closing it leaves the focus on the list.
    Dialog("lake filter", ((("/",), FILTER_HINT),), FILTER_HINT, footer=False),
)


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


@dataclass
class Tour:
    size: Size
    visits: dict[str, Visit]
    first_screen: str
    exit_code: int | None


def take_tour(lake: Path, size: Size, workdir: Path, *, resizes: tuple[Size, ...]) -> Tour:
    """Open every dialog by its keys, resize it (``resizes``, then back), close it by Escape.

    Without ``resizes`` only the dialogs one key opens are visited (a dialog inside another
    is visited by the tour that resizes).

    Problems are recorded, not raised, so that each test reports its own part; a dialog that
    cannot be left ends the tour (the rest are recorded as not visited).
    """
    app = PtyApp(lake, cols=size[0], rows=size[1], cwd=workdir)
    dialogs = DIALOGS if resizes else tuple(d for d in DIALOGS if len(d.steps) == 1)
    visits = {d.name: Visit(d) for d in dialogs}
    try:
        app.wait_for(*LAKE_READY)
        app.wait_stable()
        first_screen = app.text()
        select_trades(app)
        for number, dialog in enumerate(dialogs):
            visit = visits[dialog.name]
            if not _visit(app, visit, size, resizes):
                for rest in dialogs[number + 1 :]:
                    visits[rest.name].problems.append(f"not visited: {dialog.name} stayed open")
                break
    finally:
        exit_code = app.close()
    return Tour(size, visits, first_screen, exit_code)


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
def tours(dialog_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[Size], Tour]:
    """The tours at 80x24 (resizing every dialog) and 60x20, taken once per module, side by
    side (each mostly waits for its console)."""
    taken: dict[Size, Tour] = {}

    def take(size: Size) -> Tour:
        workdir = tmp_path_factory.mktemp("tour")
        resizes = RESIZES if size == (80, 24) else ()
        return take_tour(dialog_lake, size, workdir, resizes=resizes)

    def tour(size: Size) -> Tour:
        if not taken:
            sizes = [(80, 24), (60, 20)]
            with concurrent.futures.ThreadPoolExecutor(len(sizes)) as pool:
                taken.update(zip(sizes, pool.map(take, sizes), strict=True))
        return taken[size]

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
def test_first_screen_shows_tree_detail_and_help_key(tours, size: Size) -> None:
    screen = tours(size).first_screen
    lines = screen.splitlines()
    assert lines[0].lstrip().startswith("⭘")
    assert "pointline-tui" in lines[0]
    tree = "\n".join(line[: line.index("▕")] for line in lines if "▕" in line)
    for group in ("Events", "Dimensions", "Control"):
        assert group in tree, screen
    assert "Lake overview" in screen
    assert "27 (4 hot)" in screen
    assert "rows 1-6 of 6" in screen  # the end of the detail pane (the table list) shows
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
        pytest.param((80, 24), id="80x24"),
        pytest.param(
            (60, 20),
            id="60x20",
            marks=pytest.mark.xfail(
                strict=True,
                raises=AssertionError,
                reason="at 60 columns the lake tree pane is narrower than the longest table "
                "name: 'orderbook_updates' shows as 'orderbook_upd' (the names are what one "
                "navigates by; '>' widens the tree, but the first screen cuts them)",
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


@pytest.mark.parametrize(
    "size",
    [
        pytest.param((80, 24), id="80x24"),
        pytest.param(
            (60, 20),
            id="60x20",
            marks=pytest.mark.xfail(
                strict=True,
                raises=AssertionError,
                reason="at 60 columns the footers of the manifest, quarantine, compaction plan "
                "and vacuum screens are cut before the app's '? Help' (listed last): e.g. "
                "'[ ] Page s Sort esc Back f Status / Path c Clear y Copy q Qu'",
            ),
        ),
    ],
)
def test_footer_shows_help_key_on_every_screen(tours, size: Size) -> None:
    with_footer = (
        "manifest",
        "quarantine",
        "history",
        "compaction plan",
        "vacuum dry run",
        "orphans",
    )
    visits = visited(tours(size), *with_footer)
    lake_footer = tours(size).first_screen.splitlines()[-1]
    missing = [name for name in with_footer if "?" not in visits[name].footer_keys]
    if "? Help" not in lake_footer:
        missing.append("lake")
    assert not missing, {name: visits[name].footer for name in missing if name in visits}


# -- 4. states without colour ----------------------------------------------------------------


@pytest.fixture(scope="module")
def states_lake(demo_lake_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo lake (hot partitions, failed manifest entries) with ``quotes`` damaged."""
    silver = copy_lake(demo_lake_template, tmp_path_factory.mktemp("states"))
    damage_quotes(silver)
    return silver


@pytest.mark.parametrize("env", COLOURLESS_TERMINALS.values(), ids=COLOURLESS_TERMINALS.keys())
def test_every_state_and_the_focus_show_without_colour(console, states_lake: Path, env) -> None:
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
    select_trades(app)

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
    app.wait_for(MANIFEST_ROWS)
    assert re.search(r"^\s*\d+\s+failed\s", app.text(), re.MULTILINE), app.text()
    app.press("escape")
    app.wait_until(lambda: on_lake_screen(app), "the lake screen")


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


HOSTILE_TRADES_READY = "9 (1 hot)"
"""The trades summary once the hostile partition is in."""


def hostile_sequence_reached_terminal(app: PtyApp) -> bool:
    return b"\x1b[7mREV" in app.written() or b"REV\x1b[2J" in app.written()


def assert_shown_not_obeyed(app: PtyApp, visible: str, *, where: str = "tree") -> None:
    """The name shows with its escapes as text, and the rest of the screen is still there."""
    text = app.text()
    assert not hostile_sequence_reached_terminal(app), f"raw escape sequence written: {text}"
    assert "pointline-tui" in app.lines()[0], text  # the title was not cleared
    if where == "tree":
        assert any("Events" in line for line in tree_lines(app)), text
        assert any(visible in line for line in tree_lines(app)), text  # shown, made visible
    else:
        assert visible in text, text
    reversed_text = [(y, x, c.data) for y, x, c in app.cells() if c.reverse and c.data.isalnum()]
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
    console, hostile_folder_lake: Path, hostile_exchange_lake: Path
) -> None:
    assert hostile_folder_lake == hostile_exchange_lake  # one lake with both
    app = console(hostile_folder_lake)
    # The overview list shows the folder escaped; by then the tree has painted its label too.
    app.wait_raw(b"esc\\x1b[7mREV\\x1b[2Jdir")
    app.wait_stable()
    assert_shown_not_obeyed(app, "esc\\x1b[7mREV")
    select_table(app, "trades", ready=HOSTILE_TRADES_READY)
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
    console, hostile_exchange_lake: Path
) -> None:
    app = console(hostile_exchange_lake)
    app.wait_for(*LAKE_READY)
    select_table(app, "trades", ready=HOSTILE_TRADES_READY)
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
    console, hostile_exchange_lake: Path
) -> None:
    app = console(hostile_exchange_lake)
    app.wait_for(*LAKE_READY)
    select_table(app, "trades", ready=HOSTILE_TRADES_READY)
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
    names = {"esc": "escape"}
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


def test_every_key_shown_is_one_ssh_terminals_send(console, demo_lake: Path, tours) -> None:
    app = console(demo_lake, size=(100, 60))  # tall enough for the whole help
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


def test_a_dropped_connection_ends_the_console(console, demo_lake: Path) -> None:
    """The terminal going away (SIGHUP) ends it like ctrl+q, with a screen open too.

    Hung up once the console is idle: during a burst of output Textual 8.2.8 itself can hang
    on the way out (``WriterThread.stop`` blocked in ``Queue.put``, a minimal Textual app does
    it too), which no test here can make happen every time.
    """
    app = console(demo_lake)
    app.wait_for(*LAKE_READY)
    app.press("m")
    app.wait_for(MANIFEST_ROWS)
    app.wait_stable(quiet=1.0)
    app.hang_up()
    try:
        app.proc.wait(timeout=HANG_UP_BOUND)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running {HANG_UP_BOUND} s after the hang-up")
    assert app.proc.returncode == 0
