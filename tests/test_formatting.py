from datetime import UTC, date, datetime

import pytest

from pointline_tui.formatting import (
    count,
    files,
    human_bytes,
    iso_date,
    partition_label,
    short_bytes,
    short_count,
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


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "-"),
        (0, "0B"),
        (999, "999B"),
        (1000, "1.0K"),
        (1536, "1.5K"),
        (86_016, "84K"),
        (10 * 1024 - 1, "10K"),
        (1023 * 1024, "1.0M"),
        (128 * 2**20, "128M"),
        (5 * 2**30, "5.0G"),
        (-2048, "-2.0K"),
    ],
)
def test_short_bytes_fit_four_columns(value, text) -> None:
    assert short_bytes(value) == text
    assert value is None or value < 0 or len(text) <= 4


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "-"),
        (0, "0"),
        (999, "999"),
        (1_000, "1.0K"),
        (9_949, "9.9K"),
        (9_950, "10K"),
        (999_499, "999K"),
        (999_500, "1.0M"),
        (1_234_567, "1.2M"),
        (12_345_678, "12M"),
        (5_000_000_000, "5.0B"),
    ],
)
def test_short_count_fits_four_columns(value, text) -> None:
    assert short_count(value) == text
    assert len(text) <= 4
