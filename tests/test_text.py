"""Text from the lake and from libraries: shown safely, errors shortened."""

import re

import pytest
from deltalake import DeltaTable

from pointline_tui.text import full_error, one_line, safe_text, short_error

HOSTILE_NAMES = [
    "esc\x1b[7mREV\x1b[2Jdir",
    "ex\x1b[7mREV\x1b[2J",
    "bell\x07and\x00nul",
    "osc\x1b]0;title\x07",
    "csi8bit\x9b2J",
    "rtl\u202eevil",
    "[bold]markup[/]",
    "[@click=app.quit]quit",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_safe_text_shows_every_control_character_and_obeys_none(name: str) -> None:
    shown = safe_text(name)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in shown)
    assert "\u202e" not in shown
    # Printable text is kept as it is, markup included: nothing renders it.
    runs = re.split(r"[\x00-\x1f\x7f-\x9f\u202e]", name)
    assert all(run in shown for run in runs)


def test_safe_text_spells_escapes_visibly() -> None:
    assert safe_text("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert safe_text("\u202e") == "\\u202e"
    assert one_line("two\nlines\tand\x1b") == "two lines and\\x1b"


def test_short_error_drops_colour_backtraces_and_rust_structures() -> None:
    raw = (
        "\x1b[31m↳\x1b[0m Kernel error: Generic delta kernel error: Expected contiguous commit "
        'files, but found gap: ParsedLogPath { location: FileMeta { location: Url { scheme: "file",'
        ' path: "/lake/trades/_delta_log/00000000000000000001.json", query: None }, size: 2 } }'
        "\n   0: <unknown>\n   1: <unknown>\n  12: start_thread"
    )
    short = short_error(raw)
    assert short == (
        "↳ Expected contiguous commit files, but found gap: "
        "/lake/trades/_delta_log/00000000000000000001.json"
    )


def test_short_error_of_a_real_delta_rs_error_with_a_backtrace(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUST_BACKTRACE", "1")
    (tmp_path / "_delta_log").mkdir()
    (tmp_path / "_delta_log" / "00000000000000000000.json").write_text('{"protocol": {"min')
    with pytest.raises(Exception) as info:  # noqa: PT011 - delta-rs raises several types
        DeltaTable(str(tmp_path))
    short = short_error(info.value)
    assert "\n" not in short
    assert "<unknown>" not in short
    assert "\x1b" not in short
    assert len(short) <= 300
    assert "Json error" in short or "json" in short.lower()
    assert short in full_error(info.value).replace("\n", " ") or full_error(info.value)


def test_short_error_keeps_a_long_message_short() -> None:
    assert len(short_error("x" * 5_000)) == 300
