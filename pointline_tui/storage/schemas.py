"""Registry of the silver tables: exact columns, dtypes, nullability and partitioning."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pointline_tui.storage.models import SchemaMismatchError

if TYPE_CHECKING:  # polars loads once a frame is made: the console paints before that
    import polars as pl

PRICE_SCALE = 1_000_000_000
QTY_SCALE = 1_000_000_000
SCALED_COLUMNS = frozenset(
    {
        *("price", "bid_price", "ask_price", "mark_price", "index_price", "last_price"),
        *("strike", "underlying_price", "pre_close_price", "open_price", "high_price"),
        *("low_price", "tick_size", "qty", "bid_qty", "ask_qty", "open_interest"),
        *("lot_size", "contract_size", "bid_price_levels", "bid_qty_levels"),
        *("ask_price_levels", "ask_qty_levels"),
    }
)
"""Columns holding prices and quantities as integers × ``PRICE_SCALE`` / ``QTY_SCALE``, as
pointline writes them; ``volume``, ``amount`` and the order counts are plain integers."""


def scaled_columns(schema: pl.Schema) -> tuple[str, ...]:
    """The columns of ``schema`` that hold scaled prices or quantities (Int64 or their lists)."""
    import polars as pl

    scaled_types = (pl.Int64(), pl.List(pl.Int64()))
    return tuple(n for n, t in schema.items() if n in SCALED_COLUMNS and t in scaled_types)


EVENT_PARTITION_COLUMNS = ("exchange", "trading_date")


def is_event_partitioned(partition_columns: Sequence[str]) -> bool:
    """The one rule of "partitioned": by exactly exchange and trading_date, in any order.

    Tables partitioned any other way are handled as a single partition.
    """
    return sorted(partition_columns) == sorted(EVENT_PARTITION_COLUMNS)


TableKind = Literal["event", "dimension", "control"]


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column of a silver table."""

    name: str
    type_code: str
    """Its type, one of ``_TYPE_CODES`` (its polars type is made when first asked)."""
    nullable: bool = False

    @property
    def dtype(self) -> pl.DataType:
        return _polars_types()[self.type_code]


@dataclass(frozen=True, slots=True, kw_only=True)
class TableSpec:
    """A silver table's schema and partitioning."""

    name: str
    kind: TableKind
    columns: tuple[ColumnSpec, ...]
    partition_by: tuple[str, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def polars_schema(self) -> pl.Schema:
        import polars as pl

        return pl.Schema({c.name: c.dtype for c in self.columns})

    def column(self, name: str) -> ColumnSpec:
        """Return the spec of column ``name`` (``KeyError`` if the table has none)."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def conform_exprs(self, names: Sequence[str]) -> list[pl.Expr]:
        """Expressions bringing a frame with columns ``names`` to this spec's order and dtypes.

        Tables written by other pointline writers may order columns differently or lack
        optional columns (those become nulls).

        Raises:
            SchemaMismatchError: a required column is missing.
        """
        import polars as pl

        exprs = []
        for col in self.columns:
            if col.name in names:
                exprs.append(pl.col(col.name).cast(col.dtype))
            elif col.nullable:
                exprs.append(pl.lit(None, dtype=col.dtype).alias(col.name))
            else:
                raise SchemaMismatchError(f"{self.name}: table lacks required column {col.name!r}")
        return exprs

    def conform(self, df: pl.DataFrame) -> pl.DataFrame:
        """``df`` (read from a table) in this spec's order and dtypes; extra columns kept last."""
        import polars as pl

        extra = [pl.col(c) for c in df.columns if c not in self.column_names]
        return df.select(*self.conform_exprs(df.columns), *extra)

    def empty_frame(self) -> pl.DataFrame:
        """An empty frame with exactly this table's schema."""
        import polars as pl

        return pl.DataFrame(schema=self.polars_schema)


_TYPE_CODES = ("str", "i64", "i32", "f64", "bool", "date", "list_i64")


@functools.cache
def _polars_types() -> dict[str, pl.DataType]:
    """``_TYPE_CODES`` -> their polars types."""
    import polars as pl

    types = (pl.String(), pl.Int64(), pl.Int32(), pl.Float64(), pl.Boolean(), pl.Date())
    return dict(zip(_TYPE_CODES, (*types, pl.List(pl.Int64())), strict=True))


def _cols(spec: str) -> tuple[ColumnSpec, ...]:
    """Parse ``"name:type[?]"`` tokens (``_TYPE_CODES``); ``?`` marks a nullable column."""
    out = []
    for token in spec.split():
        name, _, code = token.partition(":")
        nullable = code.endswith("?")
        code = code.rstrip("?")
        if code not in _TYPE_CODES:
            raise ValueError(f"column {name}: unknown type {code!r}")
        out.append(ColumnSpec(name, code, nullable))
    return tuple(out)


_COMMON = (
    "exchange:str trading_date:date symbol:str symbol_id:i64 ts_event_us:i64 "
    "ts_local_us:i64? file_id:i64 file_seq:i64 "
)

_EVENT_COLUMNS = {
    "trades": "trade_id:str? side:str is_buyer_maker:bool? price:i64 qty:i64",
    "quotes": "bid_price:i64 bid_qty:i64 ask_price:i64 ask_qty:i64 seq_num:i64?",
    "orderbook_updates": "book_seq:i64? side:str price:i64 qty:i64 is_snapshot:bool",
    "derivative_ticker": (
        "mark_price:i64 index_price:i64? last_price:i64? open_interest:i64? "
        "funding_rate:f64? predicted_funding_rate:f64? funding_ts_us:i64?"
    ),
    "liquidations": "liquidation_id:str? side:str price:i64 qty:i64",
    "options_chain": (
        "option_type:str strike:i64 expiration_ts_us:i64 open_interest:i64? last_price:i64? "
        "bid_price:i64? bid_qty:i64? bid_iv:f64? ask_price:i64? ask_qty:i64? ask_iv:f64? "
        "mark_price:i64? mark_iv:f64? underlying_index:str? underlying_price:i64? "
        "delta:f64? gamma:f64? vega:f64? theta:f64? rho:f64?"
    ),
    "cn_order_events": (
        "channel_id:i32 channel_seq:i64 channel_biz_seq:i64? symbol_order_seq:i64? "
        "order_ref:i64 event_kind:str side:str order_type:str? price:i64 qty:i64"
    ),
    "cn_tick_events": (
        "channel_id:i32 channel_seq:i64 channel_biz_seq:i64? symbol_trade_seq:i64? "
        "bid_order_ref:i64? ask_order_ref:i64? event_kind:str aggressor_side:str? "
        "price:i64 qty:i64"
    ),
    "cn_l2_snapshots": (
        "snapshot_seq:i64 image_status:str? trading_phase_code:str? "
        "bid_price_levels:list_i64 bid_qty_levels:list_i64 ask_price_levels:list_i64 "
        "ask_qty_levels:list_i64 bid_order_count_levels:list_i64? "
        "ask_order_count_levels:list_i64? pre_close_price:i64? open_price:i64? "
        "high_price:i64? low_price:i64? last_price:i64? volume:i64? amount:i64? "
        "num_trades:i64? total_bid_qty:i64? total_ask_qty:i64?"
    ),
}

DIM_SYMBOL = TableSpec(
    name="dim_symbol",
    kind="dimension",
    columns=_cols(
        "symbol_id:i64 exchange:str exchange_symbol:str canonical_symbol:str market_type:str "
        "base_asset:str quote_asset:str valid_from_ts_us:i64 valid_until_ts_us:i64 "
        "is_current:bool tick_size:i64? lot_size:i64? contract_size:i64? updated_at_ts_us:i64"
    ),
)

INGEST_MANIFEST = TableSpec(
    name="ingest_manifest",
    kind="control",
    # Row counts are null while a file is pending (schemas.md), hence nullable here.
    columns=_cols(
        "file_id:i64 vendor:str data_type:str bronze_path:str file_hash:str status:str "
        "rows_total:i64? rows_written:i64? rows_quarantined:i64? trading_date_min:date? "
        "trading_date_max:date? created_at_ts_us:i64 processed_at_ts_us:i64? status_reason:str?"
    ),
)

VALIDATION_LOG = TableSpec(
    name="validation_log",
    kind="control",
    columns=_cols(
        "file_id:i64 rule_name:str severity:str logged_at_ts_us:i64 file_seq:i64? "
        "field_name:str? field_value:str? ts_event_us:i64? symbol:str? symbol_id:i64? message:str?"
    ),
)

EVENT_TABLES: dict[str, TableSpec] = {
    name: TableSpec(
        name=name,
        kind="event",
        columns=_cols(_COMMON + cols),
        partition_by=EVENT_PARTITION_COLUMNS,
    )
    for name, cols in _EVENT_COLUMNS.items()
}

DATA_TYPE_TABLES: dict[str, str] = {
    **{name: name for name in EVENT_TABLES},
    "incremental_book_L2": "orderbook_updates",
    "incremental_book_l2": "orderbook_updates",
    "order_new": "cn_order_events",
    "l3_orders": "cn_order_events",
    "tick_new": "cn_tick_events",
    "l3_ticks": "cn_tick_events",
    "L2_new": "cn_l2_snapshots",
    "l2_new": "cn_l2_snapshots",
}
"""Manifest ``data_type`` -> the event table pointline's ingestion writes its rows to."""

TABLES: dict[str, TableSpec] = {
    **EVENT_TABLES,
    DIM_SYMBOL.name: DIM_SYMBOL,
    INGEST_MANIFEST.name: INGEST_MANIFEST,
    VALIDATION_LOG.name: VALIDATION_LOG,
}

MANIFEST_STATUSES = ("pending", "success", "failed", "quarantined")
