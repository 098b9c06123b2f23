"""A table partitioned by trading_date then exchange is partitioned like any other."""

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from deltalake import write_deltalake

from pointline_tui.cli import main
from pointline_tui.lake import LakeReader
from pointline_tui.storage.delta import DeltaEventStore
from tests.frames import partition_checksums, trades

DAY = date(2024, 5, 1)


@pytest.fixture
def reversed_lake(tmp_path: Path) -> Path:
    for i in range(4):
        frame = pl.concat([trades("okx", DAY, 10, start=i * 10), trades("bybit", DAY, 5)])
        write_deltalake(
            str(tmp_path / "trades"),
            frame.to_arrow(),
            mode="append",
            partition_by=["trading_date", "exchange"],
        )
    return tmp_path


def test_the_read_model_and_the_store_see_its_partitions(reversed_lake: Path) -> None:
    stats = LakeReader(reversed_lake).partition_stats("trades")
    assert stats.select("exchange", "trading_date").rows() == [("bybit", DAY), ("okx", DAY)]
    before = partition_checksums(pl.read_delta(str(reversed_lake / "trades")))
    report = DeltaEventStore(reversed_lake).compact_partitions(
        "trades", exchange="okx", trading_date=DAY
    )
    assert (report.partitions_processed, report.files_before, report.files_after) == (1, 4, 1)
    assert partition_checksums(pl.read_delta(str(reversed_lake / "trades"))) == before


def test_the_cli_compacts_it(reversed_lake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["compact", "trades", "--exchange", "bybit", "--silver-root", str(reversed_lake)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "bybit/2024-05-01: 4 -> 1 files" in out
