"""dim_symbol's health: the SCD type 2 rules, and event rows whose symbol_id it lacks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pointline_tui.formatting import count
from pointline_tui.storage.models import Finding
from pointline_tui.storage.schemas import DIM_SYMBOL

DIM_COLUMNS = (
    "symbol_id",
    "exchange",
    "exchange_symbol",
    "valid_from_ts_us",
    "valid_until_ts_us",
    "is_current",
)
"""The columns the rules read (the table is read lazily, only these)."""
_KEY = ("exchange", "exchange_symbol")
_SHOWN = 3
_FIX = "correct them at the source and save a new version of dim_symbol"


@dataclass(frozen=True, slots=True, kw_only=True)
class DimViolation:
    """One SCD2 rule that rows of dim_symbol break."""

    kind: str
    rows: int
    examples: tuple[str, ...]
    """A few of them, for a person (``binance-futures/ETHUSDT``, ``symbol_id 5``)."""
    rule: str


def read_dim_symbol(path: Path) -> pl.DataFrame:
    """The columns the rules need, read lazily from the table at ``path``."""
    return pl.scan_delta(str(path)).select(DIM_COLUMNS).collect()


def dim_violations(dim: pl.DataFrame) -> tuple[DimViolation, ...]:
    """The rules pointline checks on dim_symbol, each with the rows that break it."""
    found = []

    def rule(kind: str, broken: pl.DataFrame, label: pl.Expr, text: str) -> None:
        if broken.height:
            examples = broken.select(label.alias("x")).unique(maintain_order=True)
            found.append(
                DimViolation(
                    kind=kind,
                    rows=broken.height,
                    examples=tuple(examples.get_column("x").head(_SHOWN).to_list()),
                    rule=text,
                )
            )

    key = pl.format("{}/{}", "exchange", "exchange_symbol")
    window = dim.filter(pl.col("valid_until_ts_us") <= pl.col("valid_from_ts_us"))
    rule("dim_invalid_window", window, key, "valid_until must be after valid_from")
    current = dim.filter(pl.col("is_current").sum().over(_KEY) > 1)
    rule("dim_multiple_current", current, key, "one current row per exchange and symbol")
    ordered = dim.sort(*_KEY, "valid_from_ts_us")
    previous_end = pl.col("valid_until_ts_us").shift(1).over(_KEY)
    overlap = ordered.filter(pl.col("valid_from_ts_us") < previous_end)
    rule("dim_overlapping_windows", overlap, key, "validity windows of a symbol must not overlap")
    doubled = dim.filter(pl.len().over("symbol_id") > 1)
    ids = pl.format("symbol_id {}", "symbol_id")
    rule("dim_duplicate_symbol_id", doubled, ids, "symbol_id must be unique")
    return tuple(found)


def unknown_symbol_ids(table_path: Path, known: pl.Series) -> pl.DataFrame:
    """Rows per ``symbol_id`` of an event table that dim_symbol does not hold.

    Only the ``symbol_id`` column is read, lazily.

    Returns:
        Columns symbol_id, rows; most rows first.
    """
    return (
        pl.scan_delta(str(table_path))
        .select("symbol_id")
        .filter(~pl.col("symbol_id").is_in(known.implode()))
        .group_by("symbol_id")
        .agg(pl.len().cast(pl.Int64).alias("rows"))
        .sort(["rows", "symbol_id"], descending=[True, False])
        .collect()
    )


def dim_findings(violations: tuple[DimViolation, ...]) -> list[Finding]:
    """One warning per broken rule of dim_symbol."""
    name = DIM_SYMBOL.name
    return [
        Finding(
            table=name,
            severity="warning",
            kind=v.kind,
            path=None,
            message=f"{name}: {count(v.rows)} row(s) break the rule {v.rule} (e.g. "
            f"{', '.join(v.examples)}): {_FIX}",
        )
        for v in violations
    ]


def unknown_symbol_findings(table: str, unknown: pl.DataFrame) -> list[Finding]:
    """A warning for an event table with rows whose symbol_id is not in dim_symbol."""
    if unknown.is_empty():
        return []
    rows = int(unknown.get_column("rows").sum())
    ids = ", ".join(str(i) for i in unknown.get_column("symbol_id").head(_SHOWN).to_list())
    more = ", …" if unknown.height > _SHOWN else ""
    return [
        Finding(
            table=table,
            severity="warning",
            kind="unknown_symbol_id",
            path=None,
            message=f"{table}: {count(rows)} row(s) carry a symbol_id dim_symbol does not hold "
            f"({count(unknown.height)} id(s): {ids}{more}): add the symbols to dim_symbol or "
            "re-ingest those rows",
        )
    ]
