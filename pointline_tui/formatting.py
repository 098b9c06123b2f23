"""Pure value-to-text helpers for the console and the CLI (no Textual here)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import unquote

from pointline_tui.text import one_line

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def human_bytes(n: int | float | None) -> str:
    """``1536`` -> ``"1.5 KiB"``; ``None`` -> ``"-"``."""
    if n is None:
        return "-"
    value = float(n)
    for unit in _UNITS:
        if abs(value) < 1024 or unit == _UNITS[-1]:
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def short_bytes(n: int | float | None) -> str:
    """At most four characters, in binary units: ``86016`` -> ``"84K"``, ``1536`` -> ``"1.5K"``."""
    if n is None:
        return "-"
    if abs(n) < 1000:
        return f"{int(n)}B"
    return _short(n / 1024, 1024, _SHORT_BYTES)


def short_count(n: int | None) -> str:
    """At most four characters: ``999`` -> ``"999"``, ``1_234_567`` -> ``"1.2M"``."""
    if n is None:
        return "-"
    if abs(n) < 1000:
        return str(n)
    return _short(n / 1000, 1000, _SHORT_COUNTS)


_SHORT_BYTES = ("K", "M", "G", "T", "P", "E")
_SHORT_COUNTS = ("K", "M", "B", "T")


def _short(value: float, base: int, units: tuple[str, ...]) -> str:
    """``value`` (already in ``units[0]``) with one decimal below 10, none above."""
    for unit in units:
        if abs(value) < 9.95:
            return f"{value:.1f}{unit}"
        if abs(value) < 999.5 or unit == units[-1]:
            return f"{value:.0f}{unit}"
        value /= base
    raise AssertionError("unreachable")


def short_age(seconds: float | None) -> str:
    """An age in its largest whole unit: ``45`` -> ``"45s"``, ``7200`` -> ``"2h"``, ``"400d"``.

    ``"-"`` when unknown; a time in the future (a clock ahead of this one) counts as ``"0s"``.
    """
    if seconds is None:
        return "-"
    value = max(0, int(seconds))
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if value >= size:
            return f"{value // size}{unit}"
    return f"{value}s"


def count(n: int | None) -> str:
    """``1234567`` -> ``"1,234,567"``; ``None`` -> ``"-"``."""
    return "-" if n is None else f"{n:,}"


def files(n: int | None) -> str:
    """``1`` -> ``"1 file"``, ``1200`` -> ``"1,200 files"``."""
    return f"{count(n)} file{'' if n == 1 else 's'}"


def utc_time(value: datetime | None) -> str:
    """A UTC timestamp to the second, ``"-"`` when unknown."""
    if value is None:
        return "-"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def utc_from_us(us: int | None) -> str:
    """Microseconds since the epoch as a UTC timestamp."""
    if us is None:
        return "-"
    return utc_time(datetime.fromtimestamp(us / 1_000_000, tz=UTC))


def iso_date(value: date | None) -> str:
    """A date as ``YYYY-MM-DD``, ``"-"`` when missing."""
    return "-" if value is None else value.isoformat()


def short_file_name(path: str) -> str:
    """``…/part-00000-b394ebce-ecbb-….snappy.parquet`` -> ``part-00000-b394ebce….parquet``."""
    name = path.rsplit("/", 1)[-1]
    if len(name) <= 32:
        return name
    return f"{name[:19]}…{name[name.rfind('.') :]}" if "." in name else name[:31] + "…"


def partition_name(exchange: str | None, trading_date: date | None) -> str:
    """``okx/2024-05-01``; ``(whole table)`` for an unpartitioned table. Safe to print."""
    if exchange is None and trading_date is None:
        return "(whole table)"
    return f"{one_line(exchange or '-')}/{iso_date(trading_date)}"


def partition_label(folder: str) -> str:
    """``exchange=okx/trading_date=2024-05-01`` -> ``okx/2024-05-01`` (Hive values only)."""
    if not folder:
        return "(table root)"
    return "/".join(unquote(part.partition("=")[2] or part) for part in folder.split("/"))


def whole_number(text: str, *, minimum: int) -> int | None:
    """``text`` as an integer of at least ``minimum``; ``None`` when it is not one."""
    try:
        value = int(text.strip())
    except ValueError:
        return None
    return value if value >= minimum else None
