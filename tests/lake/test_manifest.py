from pathlib import Path

import polars as pl
import pytest

from pointline_tui.lake import LakeReader
from pointline_tui.storage.schemas import INGEST_MANIFEST
from tests.lake.conftest import manifest_rows


@pytest.fixture
def ids(silver: Path) -> dict[str, int]:
    return manifest_rows(silver)


def test_status_counts_always_list_every_status(silver: Path, ids: dict[str, int]) -> None:
    counts = LakeReader(silver).manifest().status_counts()
    assert counts.schema == pl.Schema({"status": pl.String, "count": pl.Int64})
    assert counts.rows() == [("pending", 2), ("success", 3), ("failed", 1), ("quarantined", 0)]


def test_counts_by_source(silver: Path, ids: dict[str, int]) -> None:
    counts = LakeReader(silver).manifest().counts_by_source()
    assert counts.columns == ["vendor", "data_type", "status", "count"]
    assert counts.rows() == [
        ("quant360", "cn_order_events", "pending", 1),
        ("quant360", "cn_order_events", "success", 1),
        ("tardis", "quotes", "failed", 1),
        ("tardis", "trades", "pending", 1),
        ("tardis", "trades", "success", 2),
    ]


def test_entries_filters_and_pages(silver: Path, ids: dict[str, int]) -> None:
    view = LakeReader(silver).manifest()
    page = view.entries()
    assert (page.total, page.offset, page.limit) == (6, 0, 100)
    assert page.rows.columns == list(INGEST_MANIFEST.column_names)
    assert page.rows.get_column("file_id").to_list() == sorted(ids.values(), reverse=True)
    assert view.entries(status="success").total == 3
    assert view.entries(vendor="tardis", data_type="trades").total == 3
    assert view.entries(vendor="tardis", status="pending").total == 1
    found = view.entries(search="TRADES/2024-05-01/a")
    assert found.rows.get_column("bronze_path").to_list() == [
        "bronze/tardis/trades/2024-05-01/A.csv.gz"
    ]
    assert view.entries(search="[").total == 0  # literal text, not a pattern
    second = view.entries(offset=2, limit=3)
    assert (second.total, second.rows.height) == (6, 3)
    assert second.rows.equals(page.rows.slice(2, 3))
    assert view.entries(offset=10).rows.is_empty()
    with pytest.raises(ValueError, match="offset"):
        view.entries(offset=-1)
    with pytest.raises(ValueError, match="limit"):
        view.entries(limit=0)


def test_entry(silver: Path, ids: dict[str, int]) -> None:
    view = LakeReader(silver).manifest()
    failed = view.entries(status="failed").rows.row(0, named=True)
    entry = view.entry(failed["file_id"])
    assert entry.height == 1
    assert entry.row(0, named=True)["status_reason"] == "bad header"
    assert view.entry(12345).is_empty()


def test_missing_manifest_is_empty(silver: Path) -> None:
    view = LakeReader(silver).manifest()
    assert view.version is None
    assert view.frame.schema == INGEST_MANIFEST.polars_schema
    assert view.status_counts().get_column("count").to_list() == [0, 0, 0, 0]
    assert view.counts_by_source().is_empty()
    assert view.entries().total == 0


def test_manifest_view_follows_refresh(silver: Path, ids: dict[str, int]) -> None:
    from pointline_tui.storage.delta.manifest_store import DeltaManifestStore

    reader = LakeReader(silver)
    view = reader.manifest()
    assert reader.manifest() is view  # one read per version
    DeltaManifestStore(silver).update_status(
        ids["bronze/tardis/quotes/2024-05-01/c.csv.gz"], "quarantined"
    )
    reader.refresh()
    counts = dict(reader.manifest().status_counts().rows())
    assert (counts["failed"], counts["quarantined"]) == (0, 1)


def test_manifest_written_by_another_writer_is_conformed(silver: Path) -> None:
    from deltalake import write_deltalake

    # Another writer: columns in a different order, optional ones left out.
    frame = pl.DataFrame(
        {
            "status": ["success"],
            "file_id": [7],
            "vendor": ["tardis"],
            "data_type": ["trades"],
            "bronze_path": ["x.csv"],
            "file_hash": ["h"],
            "created_at_ts_us": [1],
        }
    )
    write_deltalake(silver / "ingest_manifest", frame.to_arrow())
    view = LakeReader(silver).manifest()
    assert view.frame.columns == list(INGEST_MANIFEST.column_names)
    assert view.entry(7).row(0, named=True)["rows_total"] is None
