"""A deterministic demo lake, written through the store classes like any pointline ingest."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from deltalake import DeltaTable

from pointline_tui.storage.delta import (
    DeltaDimensionStore,
    DeltaEventStore,
    DeltaManifestStore,
    DeltaQuarantineStore,
)
from pointline_tui.storage.schemas import DIM_SYMBOL, EVENT_TABLES, PRICE_SCALE

DAYS = tuple(date(2024, 5, 1) + timedelta(days=i) for i in range(4))
SYMBOLS = {
    "binance-futures": (("BTCUSDT", 1, 62_000), ("ETHUSDT", 2, 3_100)),
    "okx": (("BTC-USDT-SWAP", 3, 62_010), ("ETH-USDT-SWAP", 4, 3_101)),
}
VENDOR = "tardis"
CLOCK_START_US = 1_714_953_600_000_000  # 2024-05-06T00:00:00Z: "now" while the demo ingests
DEMO_AUDIT = {"user": "demo", "host": "demo-host", "tool": "pointline-tui", "tool_version": "demo"}

HOT = {  # (table, exchange, day index) -> extra small bronze files ingested one by one
    ("trades", "binance-futures", 1): 12,
    ("orderbook_updates", "okx", 2): 9,
}
COMPACTED = ("quotes", "okx", 0, 5)  # table, exchange, day index, extra files then compacted
QUARANTINE_RULES = {  # rule -> the field it flags
    "price_non_positive": "price",
    "crossed_book": "price",
    "ts_out_of_order": "ts_event_us",
    "unknown_symbol": "symbol",
}
QUARANTINED_FILES = (  # table, exchange, day index, part, rule: every row of the file rejected
    ("trades", "okx", 2, 70, "unknown_symbol"),
    ("quotes", "binance-futures", 1, 71, "crossed_book"),
)
UNKNOWN_FILE_ID = 9_001
"""The file id of rows copied in from another lake: no entry of this manifest has it."""


@dataclass
class _Clock:
    """A deterministic clock: every reading is one second after the previous one."""

    now_us: int = CLOCK_START_US

    def __call__(self) -> int:
        self.now_us += 1_000_000
        return self.now_us


def build_demo_lake(silver_root: Path) -> Path:
    """Write the demo lake under ``silver_root`` (which must be empty or missing) and return it.

    Trades, quotes and order-book updates for two exchanges over four trading dates; two hot
    partitions; every manifest status; quarantined rows across rules, files and tables;
    ``dim_symbol`` in two versions; tombstones from one compaction, so vacuum has work; and
    one damaged file of each kind reconciliation finds (``_damage``).
    """
    silver_root = Path(silver_root)
    if silver_root.exists() and any(silver_root.iterdir()):
        raise FileExistsError(f"demo lake target {silver_root} is not empty")
    silver_root.mkdir(parents=True, exist_ok=True)
    clock = _Clock()
    events = DeltaEventStore(silver_root, audit=DEMO_AUDIT)
    manifest = DeltaManifestStore(silver_root, clock=clock)
    quarantine = DeltaQuarantineStore(silver_root, clock=clock)
    ingest = _Ingest(events, manifest, quarantine)

    _write_dim_symbol(DeltaDimensionStore(silver_root))
    for table in ("trades", "quotes", "orderbook_updates"):
        for exchange in SYMBOLS:
            for day_index, day in enumerate(DAYS):
                ingest.file(table, exchange, day, part=0, rows=400)
                extra = HOT.get((table, exchange, day_index), 0)
                if COMPACTED[:3] == (table, exchange, day_index):
                    extra = COMPACTED[3]
                for part in range(1, extra + 1):
                    ingest.file(table, exchange, day, part=part, rows=60)
    table, exchange, day_index, _ = COMPACTED
    events.compact_partitions(table, exchange=exchange, trading_date=DAYS[day_index])

    for n, reason in enumerate(
        (
            "schema drift: column 'px' not found",
            "gzip: unexpected end of file",
            "no symbol mapping for XRPUSDT on 2024-05-03",
        )
    ):
        file_id = ingest.resolve("trades", "binance-futures", DAYS[n], part=90 + n)
        manifest.update_status(file_id, "failed", status_reason=reason)
    for table, exchange, day_index, part, rule in QUARANTINED_FILES:
        ingest.quarantined_file(table, exchange, DAYS[day_index], part=part, rule=rule)
    _damage(ingest)
    for n in range(2):
        ingest.resolve("quotes", "okx", DAYS[3], part=95 + n)  # stays pending: the newest
    return silver_root


def _damage(ingest: _Ingest) -> None:
    """One file of each kind reconciliation finds, damaged the way real lakes get damaged."""
    events, manifest = ingest.events, ingest.manifest
    # Trades stay as they were: only their hot partition has more than one file.
    # Rows partly lost: the run recorded the whole file, but its second write never landed.
    file_id, frame = ingest.rows("orderbook_updates", "binance-futures", DAYS[3], part=81, rows=120)
    events.append("orderbook_updates", frame.head(80))
    manifest.update_status(file_id, "success", rows_total=120, rows_written=120)
    # Written twice: a re-run that did not look at the manifest appended a file's rows again.
    file_id = ingest.resolve("orderbook_updates", "okx", DAYS[1], part=0)
    events.append("orderbook_updates", ingest.written[file_id])
    # A failed file's rows: the write landed, then the run died and a retry recorded a failure.
    file_id, frame = ingest.rows("quotes", "okx", DAYS[1], part=83, rows=70)
    events.append("quotes", frame)
    manifest.update_status(
        file_id,
        "failed",
        rows_total=70,
        status_reason="worker killed after the write (out of memory)",
    )
    # Rows without an entry: a backfill copied from another lake kept that lake's file ids.
    events.append("quotes", _BUILDERS["quotes"]("binance-futures", DAYS[2], 50, UNKNOWN_FILE_ID))
    # A quarantine count the log disagrees with: two of the file's log rows never landed.
    ingest.file("quotes", "okx", DAYS[3], part=84, rows=100, bad_rows=10, logged=8)
    # A date range the rows disagree with: the entry was "corrected" by hand, to the wrong day.
    file_id = ingest.resolve("orderbook_updates", "okx", DAYS[0], part=0)
    wrong_day = f"CAST('{DAYS[1].isoformat()}' AS DATE)"
    DeltaTable(str(manifest.path)).update(
        predicate=f"file_id = {file_id}",
        updates={"trading_date_min": wrong_day, "trading_date_max": wrong_day},
    )


class _Ingest:
    """Ingests fake bronze files: manifest row, event rows, quarantined rows, status."""

    def __init__(
        self,
        events: DeltaEventStore,
        manifest: DeltaManifestStore,
        quarantine: DeltaQuarantineStore,
    ) -> None:
        self.events, self.manifest, self.quarantine = events, manifest, quarantine
        self.files = 0
        self.written: dict[int, pl.DataFrame] = {}
        """The event rows each ingested file wrote, by file id."""

    def resolve(self, table: str, exchange: str, day: date, *, part: int) -> int:
        path = f"{VENDOR}/{exchange}/{table}/{day.isoformat()}/part-{part:03d}.csv.gz"
        digest = hashlib.sha256(path.encode()).hexdigest()[:16]
        return self.manifest.resolve_file_id(VENDOR, table, path, digest)

    def rows(
        self, table: str, exchange: str, day: date, *, part: int, rows: int
    ) -> tuple[int, pl.DataFrame]:
        """A bronze file's manifest id and its ``rows`` event rows."""
        file_id = self.resolve(table, exchange, day, part=part)
        return file_id, _BUILDERS[table](exchange, day, rows, file_id)

    def file(
        self,
        table: str,
        exchange: str,
        day: date,
        *,
        part: int,
        rows: int,
        bad_rows: int | None = None,
        logged: int | None = None,
    ) -> int:
        """Ingest a file; some rows are quarantined (``logged`` of them reach the log)."""
        file_id, frame = self.rows(table, exchange, day, part=part, rows=rows)
        self.files += 1
        # Unless told, every fifth file has a few dozen bad rows, spread over the rules.
        if bad_rows is None:
            bad_rows = 30 + self.files % 11 if self.files % 5 == 0 else 0
        bad = frame.gather_every(7).head(bad_rows)
        if bad.height:
            frame = frame.join(bad.select("file_seq"), on="file_seq", how="anti")
        rule = list(QUARANTINE_RULES)[(self.files // 5) % len(QUARANTINE_RULES)]
        self._log(table, bad.head(bad.height if logged is None else logged), rule, file_id)
        self.events.append(table, frame)
        self.written[file_id] = frame
        self.manifest.update_status(
            file_id,
            "success",
            rows_total=frame.height + bad.height,
            rows_written=frame.height,
            rows_quarantined=bad.height,
        )
        return file_id

    def quarantined_file(
        self, table: str, exchange: str, day: date, *, part: int, rule: str
    ) -> None:
        """Ingest a file whose every row fails ``rule``: nothing reaches the event table."""
        file_id, bad = self.rows(table, exchange, day, part=part, rows=24)
        self._log(table, bad, rule, file_id)
        self.manifest.update_status(
            file_id, "quarantined", rows_total=bad.height, rows_quarantined=bad.height
        )

    def _log(self, table: str, bad: pl.DataFrame, rule: str, file_id: int) -> None:
        field = QUARANTINE_RULES[rule]
        if field not in bad.columns:  # quotes have bid/ask prices
            field = "bid_price"
        context = bad.with_columns(
            field_name=pl.lit(field), field_value=pl.col(field).cast(pl.String)
        )
        self.quarantine.append(table, context, rule, file_id)


def _common(exchange: str, day: date, n: int, file_id: int) -> pl.DataFrame:
    """The common event columns for ``n`` rows over the exchange's symbols in one day."""
    symbols = SYMBOLS[exchange]
    seq = pl.int_range(0, n, eager=True)
    day_start_us = (day - date(1970, 1, 1)).days * 86_400_000_000
    seed = file_id * 7_919
    return pl.DataFrame(
        {
            "exchange": pl.Series([exchange] * n),
            "trading_date": pl.Series([day] * n),
            "symbol": pl.Series([symbols[i % 2][0] for i in range(n)]),
            "symbol_id": pl.Series([symbols[i % 2][1] for i in range(n)], dtype=pl.Int64),
            "ts_event_us": day_start_us + (seq * 86_400_000_000 // max(n, 1)) + seed % 1_000,
            "ts_local_us": day_start_us + (seq * 86_400_000_000 // max(n, 1)) + 1_500,
            "file_id": pl.Series([file_id] * n, dtype=pl.Int64),
            "file_seq": seq,
        }
    ).with_columns(
        _mid=pl.Series([symbols[i % 2][2] for i in range(n)]) * PRICE_SCALE
        + ((seq * 37 + seed) % 500 - 250) * PRICE_SCALE // 10,
        _size=((seq * 13 + seed) % 97 + 1) * 10_000_000,
    )


def _trades(exchange: str, day: date, n: int, file_id: int) -> pl.DataFrame:
    base = _common(exchange, day, n, file_id)
    return _finish(
        "trades",
        base.with_columns(
            trade_id=pl.format("{}-{}", pl.col("file_id"), pl.col("file_seq")),
            side=pl.when(pl.col("file_seq") % 3 == 0).then(pl.lit("sell")).otherwise(pl.lit("buy")),
            is_buyer_maker=pl.col("file_seq") % 3 == 0,
            price=pl.col("_mid"),
            qty=pl.col("_size"),
        ),
    )


def _quotes(exchange: str, day: date, n: int, file_id: int) -> pl.DataFrame:
    base = _common(exchange, day, n, file_id)
    tick = PRICE_SCALE // 10
    return _finish(
        "quotes",
        base.with_columns(
            bid_price=pl.col("_mid") - tick,
            bid_qty=pl.col("_size"),
            ask_price=pl.col("_mid") + tick,
            ask_qty=pl.col("_size") * 2,
            seq_num=pl.col("file_seq") + file_id * 1_000_000,
        ),
    )


def _orderbook_updates(exchange: str, day: date, n: int, file_id: int) -> pl.DataFrame:
    base = _common(exchange, day, n, file_id)
    return _finish(
        "orderbook_updates",
        base.with_columns(
            book_seq=pl.col("file_seq") + file_id * 1_000_000,
            side=pl.when(pl.col("file_seq") % 2 == 0).then(pl.lit("bid")).otherwise(pl.lit("ask")),
            price=pl.col("_mid") + (pl.col("file_seq") % 10 - 5) * PRICE_SCALE // 10,
            qty=pl.col("_size"),
            is_snapshot=pl.col("file_seq") < 20,
        ),
    )


def _finish(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    spec = EVENT_TABLES[table]
    return frame.select(spec.column_names).cast(spec.polars_schema)


_BUILDERS: dict[str, Callable[[str, date, int, int], pl.DataFrame]] = {
    "trades": _trades,
    "quotes": _quotes,
    "orderbook_updates": _orderbook_updates,
}


def _write_dim_symbol(store: DeltaDimensionStore) -> None:
    """Version 0: four symbols. Version 1: ETHUSDT's tick size changes (SCD2) and SOLUSDT lists."""
    rows = []
    for exchange, symbols in SYMBOLS.items():
        for symbol, symbol_id, _ in symbols:
            base = symbol[:3]
            rows.append(
                {
                    "symbol_id": symbol_id,
                    "exchange": exchange,
                    "exchange_symbol": symbol,
                    "canonical_symbol": f"{base}-USDT-PERP",
                    "market_type": "perpetual",
                    "base_asset": base,
                    "quote_asset": "USDT",
                    "valid_from_ts_us": 1_704_067_200_000_000,
                    "valid_until_ts_us": 253_402_300_799_000_000,
                    "is_current": True,
                    "tick_size": PRICE_SCALE // 10,
                    "lot_size": PRICE_SCALE // 1000,
                    "contract_size": PRICE_SCALE,
                    "updated_at_ts_us": 1_704_067_200_000_000,
                }
            )
    first = pl.DataFrame(rows, schema=DIM_SYMBOL.polars_schema)
    store.save_dim_symbol(first, expected_version=-1)

    change_us = 1_714_608_000_000_000  # 2024-05-02T00:00:00Z
    eth = first.filter(exchange_symbol="ETHUSDT")
    closed = eth.with_columns(
        valid_until_ts_us=pl.lit(change_us),
        is_current=pl.lit(False),
        updated_at_ts_us=pl.lit(change_us),
    )
    reopened = eth.with_columns(
        symbol_id=pl.lit(5, pl.Int64),
        valid_from_ts_us=pl.lit(change_us),
        tick_size=pl.lit(PRICE_SCALE // 100, pl.Int64),
        updated_at_ts_us=pl.lit(change_us),
    )
    sol = first.filter(exchange_symbol="BTCUSDT").with_columns(
        symbol_id=pl.lit(6, pl.Int64),
        exchange_symbol=pl.lit("SOLUSDT"),
        canonical_symbol=pl.lit("SOL-USDT-PERP"),
        base_asset=pl.lit("SOL"),
        valid_from_ts_us=pl.lit(change_us),
        updated_at_ts_us=pl.lit(change_us),
    )
    second = pl.concat(
        [first.filter(pl.col("exchange_symbol") != "ETHUSDT"), closed, reopened, sol]
    )
    store.save_dim_symbol(second.cast(DIM_SYMBOL.polars_schema), expected_version=0)
