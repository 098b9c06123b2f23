"""``short_age``: how old the newest file of a hot partition is, in a narrow column."""

from __future__ import annotations

import pytest

from pointline_tui.formatting import short_age


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, "-"),
        (-5, "0s"),  # a clock ahead of this one
        (0, "0s"),
        (59.9, "59s"),
        (60, "1m"),
        (3_599, "59m"),
        (3_600, "1h"),
        (86_399, "23h"),
        (86_400, "1d"),
        (400 * 86_400, "400d"),
    ],
)
def test_short_age(seconds: float | None, shown: str) -> None:
    assert short_age(seconds) == shown
