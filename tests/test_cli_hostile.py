"""Hostile input to the CLI: names that carry escapes, and numbers too big or malformed."""

import json
from datetime import date
from pathlib import Path

import pytest

from pointline_tui.cli import main
from pointline_tui.storage.delta import DeltaEventStore
from tests.frames import trades

EVIL_FOLDER = "esc\x1b[7mREV\x1b[2Jdir"
EVIL_EXCHANGE = "ex\x1b[7mREV\x1b[2J[bold]x[/][@click=app.quit]"
DAY = date(2024, 5, 1)


@pytest.fixture
def hostile_lake(demo_lake: Path) -> Path:
    (demo_lake / EVIL_FOLDER).mkdir()
    (demo_lake / EVIL_FOLDER / "part-0.parquet").write_bytes(b"PAR1")
    store = DeltaEventStore(demo_lake)
    for i in range(3):
        store.append("trades", trades(EVIL_EXCHANGE, DAY, 10, start=i * 10))
    return demo_lake


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "command",
    [
        ["stats"],
        ["stats", "trades"],
        ["check"],
        ["compact", "trades", "--dry-run"],
        ["compact", "trades", "--exchange", EVIL_EXCHANGE, "--date", DAY.isoformat()],
        ["vacuum", "trades", "--dry-run"],
        ["remove-orphans", "trades", "--dry-run"],
    ],
)
def test_text_output_never_carries_an_escape(
    command: list[str], hostile_lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *command, "--silver-root", hostile_lake)
    assert code in (0, 1), err
    assert "\x1b" not in out + err
    if command[0] in ("stats", "check") or "--dry-run" not in command:
        assert "\\x1b[7mREV" in out  # shown, so the operator sees what the name holds


def test_json_output_keeps_the_original_value(
    hostile_lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "stats", "trades", "--json", "--silver-root", hostile_lake)
    assert code == 0
    assert EVIL_EXCHANGE in {r["exchange"] for r in json.loads(out)}


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (["compact", "trades", "--target-size-mb", "17592186044416"], "--target-size-mb"),
        (["compact", "trades", "--target-size-mb", "99999999999999999999"], "--target-size-mb"),
        (["compact", "trades", "--target-size-mb", "0"], "--target-size-mb"),
        (
            ["vacuum", "trades", "--retention-hours", "5124095576030431", "--dry-run"],
            "--retention-hours",
        ),
        (["vacuum", "trades", "--retention-hours", "-1"], "--retention-hours"),
        (["remove-orphans", "trades", "--min-age-hours", "1e300"], "--min-age-hours"),
        (["remove-orphans", "trades", "--min-age-hours", "-5"], "--min-age-hours"),
    ],
)
def test_numbers_out_of_range_exit_2_before_anything_is_made(
    command: list[str], option: str, demo_lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(p.relative_to(demo_lake) for p in demo_lake.rglob("*"))
    code, out, err = run(capsys, *command, "--silver-root", demo_lake)
    assert code == 2
    assert option in err
    value = command[command.index(option) + 1]
    number = int(value) if value.lstrip("-").isdigit() else float(value)
    assert f"got {number:,}" in err  # the value, as the option reads it
    assert " to " in err  # the range
    assert "Traceback" not in err
    assert out == ""
    assert sorted(p.relative_to(demo_lake) for p in demo_lake.rglob("*")) == before


@pytest.mark.parametrize("value", ["1e3", "12.5", "big", "nan", " ", "0x10"])
def test_malformed_numbers_exit_2_naming_the_value(
    value: str, demo_lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "compact", "trades", "--target-size-mb", value, "--silver-root", demo_lake
    )
    assert code == 2
    assert "--target-size-mb" in err
    assert repr(value) in err or value.strip() in err
