from datetime import UTC, date, datetime

import pytest

from pointline_tui.formatting import (
    count,
    files,
    human_bytes,
    iso_date,
    partition_label,
    short_file_name,
    utc_from_us,
    utc_time,
    whole_number,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "-"), (0, "0 B"), (1023, "1023 B"), (1536, "1.5 KiB"), (5 * 2**30, "5.0 GiB")],
)
def test_human_bytes(value, text) -> None:
    assert human_bytes(value) == text


def test_counts_and_dates() -> None:
    assert (count(1234567), count(None)) == ("1,234,567", "-")
    assert (files(1), files(2), files(1200)) == ("1 file", "2 files", "1,200 files")
    assert (iso_date(date(2024, 5, 1)), iso_date(None)) == ("2024-05-01", "-")
    assert utc_time(datetime(2024, 5, 6, 1, 2, 3, tzinfo=UTC)) == "2024-05-06 01:02:03"
    assert utc_from_us(1_714_953_600_000_000) == "2024-05-06 00:00:00"


def test_file_and_partition_names() -> None:
    long = (
        "exchange=okx/trading_date=2024-05-01/"
        "part-00000-b394ebce-ecbb-4f8f-856d-a3e454709287-c000.snappy.parquet"
    )
    assert short_file_name(long) == "part-00000-b394ebce….parquet"
    assert short_file_name("a/part-1.parquet") == "part-1.parquet"
    assert partition_label("exchange=binance%2Dx/trading_date=2024-05-01") == "binance-x/2024-05-01"
    assert partition_label("") == "(table root)"


@pytest.mark.parametrize(
    ("text", "minimum", "value"),
    [
        ("128", 1, 128),
        (" 0 ", 0, 0),
        ("0", 1, None),
        ("-1", 0, None),
        ("12x", 1, None),
        ("", 0, None),
    ],
)
def test_whole_number(text, minimum, value) -> None:
    assert whole_number(text, minimum=minimum) == value
