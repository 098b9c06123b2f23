"""Lakes for the reconciliation tests: ingested through the stores, damaged by hand after."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.storage.delta.manifest_store import DeltaManifestStore
from pointline_tui.storage.delta.quarantine_store import DeltaQuarantineStore
from pointline_tui.storage.schemas import EVENT_PARTITION_COLUMNS, EVENT_TABLES
from tests.frames import trades

AUDIT = {"user": "alice", "host": "ops-box", "tool": "pointline-tui", "tool_version": "0.1.0"}
DAY1, DAY2 = date(2024, 5, 1), date(2024, 5, 2)


def book(exchange: str, day: date, n: int, *, start: int, file_id: int) -> pl.DataFrame:
    """``n`` orderbook_updates rows, from the trades builder's common columns."""
    base = trades(exchange, day, n, start=start, file_id=file_id)
    return base.with_columns(
        book_seq=pl.col("file_seq"), is_snapshot=pl.lit(value=False), side=pl.lit("bid")
    ).select(EVENT_TABLES["orderbook_updates"].column_names)


class Ingest:
    """Bronze files ingested the way pointline does: entry, quarantine, rows, status."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.events = DeltaEventStore(root, audit=AUDIT)
        self.manifest = DeltaManifestStore(root)
        self.quarantine = DeltaQuarantineStore(root)
        self.start = 0

    def rows(
        self, data_type: str, file_id: int, parts: dict[tuple[str, date], int]
    ) -> pl.DataFrame:
        build = book if data_type == "incremental_book_L2" else trades
        frames = []
        for (exchange, day), n in parts.items():
            frames.append(build(exchange, day, n, start=self.start, file_id=file_id))
            self.start += n
        return pl.concat(frames)

    def file(
        self,
        name: str,
        parts: dict[tuple[str, date], int],
        *,
        data_type: str = "trades",
        bad: int = 0,
    ) -> int:
        """Ingest a file of ``parts`` rows per partition; ``bad`` of them are quarantined."""
        file_id = self.manifest.resolve_file_id("tardis", data_type, f"bronze/{name}", name)
        frame = self.rows(data_type, file_id, parts)
        rejected, kept = frame.head(bad), frame.slice(bad)
        table = "orderbook_updates" if data_type == "incremental_book_L2" else "trades"
        self.quarantine.append(table, rejected, "price_non_positive", file_id)
        self.events.append(table, kept)
        self.manifest.update_status(
            file_id,
            "success",
            rows_total=frame.height,
            rows_written=kept.height,
            rows_quarantined=bad,
        )
        return file_id

    def pending(self, name: str) -> int:
        return self.manifest.resolve_file_id("tardis", "trades", f"bronze/{name}", name)


def write_outside_the_stores(root: Path, table: str, frame: pl.DataFrame) -> None:
    """Append with delta-rs directly, the way a script or a foreign writer would."""
    frame.write_delta(
        root / table,
        mode="append",
        delta_write_options={"partition_by": list(EVENT_PARTITION_COLUMNS)},
    )


def clean_lake(root: Path) -> Ingest:
    """A lake ingested cleanly: several partitions, quarantines, an alias, other statuses."""
    root.mkdir()
    ingest = Ingest(root)
    ingest.file("a", {("binance-futures", DAY1): 30, ("binance-futures", DAY2): 20}, bad=4)
    ingest.file("b", {("okx", DAY1): 25})
    ingest.file("c", {("okx", DAY2): 15}, data_type="incremental_book_L2", bad=2)
    failed = ingest.pending("d")
    ingest.manifest.update_status(failed, "failed", status_reason="gzip: unexpected end")
    ingest.pending("e")
    whole = ingest.pending("f")
    ingest.quarantine.append(
        "trades", ingest.rows("trades", whole, {("okx", DAY1): 6}), "unknown_symbol", whole
    )
    ingest.manifest.update_status(whole, "quarantined", rows_total=6, rows_quarantined=6)
    return ingest
