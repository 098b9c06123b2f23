"""The one definition of every numeric option's range, and reading a number as a person types it."""

from __future__ import annotations

import pytest

from pointline_tui.storage.limits import (
    ORPHAN_MIN_AGE_HOURS,
    RETENTION_HOURS,
    TARGET_SIZE_MB,
    Limit,
    parse_whole,
)
from pointline_tui.storage.models import OutOfRangeError


@pytest.mark.parametrize(
    ("text", "limit", "value"),
    [
        ("128", TARGET_SIZE_MB, 128),
        (" 64 ", TARGET_SIZE_MB, 64),
        ("1048576", TARGET_SIZE_MB, 1_048_576),
        ("0", RETENTION_HOURS, 0),
        ("+7", RETENTION_HOURS, 7),
        ("876000", ORPHAN_MIN_AGE_HOURS, 876_000),
    ],
)
def test_parse_whole_takes_whole_numbers_inside_the_range(
    text: str, limit: Limit, value: int
) -> None:
    assert parse_whole(text, limit) == value


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("1e3", TARGET_SIZE_MB),  # never 13 (digits kept) nor 1000 (a float read)
        ("12.5", TARGET_SIZE_MB),
        ("-1", TARGET_SIZE_MB),
        ("0", TARGET_SIZE_MB),
        ("17592186044416", TARGET_SIZE_MB),  # 2**44 MB: delta-rs's bytes overflow
        ("99999999999999999999", TARGET_SIZE_MB),  # beyond 64 bits
        ("5124095576030431", RETENTION_HOURS),  # delta-rs panics on it
        ("-1", RETENTION_HOURS),
        ("1_000", RETENTION_HOURS),
        ("١٢", RETENTION_HOURS),  # digits, but not ones the field takes
        ("", ORPHAN_MIN_AGE_HOURS),
        ("9" * 5000, ORPHAN_MIN_AGE_HOURS),  # more digits than int() reads
    ],
)
def test_parse_whole_refuses_naming_the_field_the_value_and_the_range(
    text: str, limit: Limit
) -> None:
    with pytest.raises(OutOfRangeError) as raised:
        parse_whole(text, limit)
    message = str(raised.value)
    assert isinstance(raised.value, ValueError)
    assert message.startswith(f"{limit.name} must be a whole number from {limit.range_text}")
    shown = message.rpartition(", got ")[2]
    assert shown == (repr(text) if 0 < len(text) <= 32 else "nothing" if not text else shown)
    assert len(message) < 160  # a pasted novel is cut


def test_the_limits_check_what_the_stores_take() -> None:
    TARGET_SIZE_MB.check(1)
    with pytest.raises(OutOfRangeError, match="target size must be from 1 to 1,048,576 MB"):
        TARGET_SIZE_MB.check(0)
