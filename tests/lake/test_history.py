from datetime import UTC, datetime
from pathlib import Path

import pytest

from pointline_tui.lake import LakeReader
from pointline_tui.storage.delta import DeltaEventStore
from tests.lake.conftest import APPENDS, AUDIT, HOT


def test_history_is_newest_first_with_audit_metadata(event_lake: Path) -> None:
    DeltaEventStore(event_lake, audit=AUDIT).compact_partitions(
        "trades", exchange=HOT[0], trading_date=HOT[1], target_size_mb=1
    )
    reader = LakeReader(event_lake)
    history = reader.history("trades")
    appends = sum(APPENDS.values())
    assert [h.version for h in history] == list(range(appends, -1, -1))
    latest = history[0]
    assert latest.operation == "OPTIMIZE"
    metadata = dict(latest.metadata)
    assert len(metadata.pop("pointline_run")) == 32  # the run the commit was verified for
    assert metadata == AUDIT
    assert latest.timestamp.tzinfo is UTC
    assert abs((datetime.now(UTC) - latest.timestamp).total_seconds()) < 600
    params = dict(latest.parameters)
    assert params["targetSize"] == str(2**20)
    metrics = dict(latest.metrics)
    assert metrics["numFilesRemoved"] == str(APPENDS[HOT])
    assert metrics["numFilesAdded"] == "1"
    # A plain append carries no custom metadata; its parameters and metrics are text.
    first = history[-1]
    assert (first.operation, first.metadata) == ("WRITE", ())
    assert dict(first.parameters)["mode"] == "Append"
    assert dict(first.metrics)["num_added_rows"] == "20"


def test_history_limit(event_lake: Path) -> None:
    reader = LakeReader(event_lake)
    history = reader.history("trades", limit=2)
    total = sum(APPENDS.values())
    assert [h.version for h in history] == [total - 1, total - 2]
    with pytest.raises(ValueError, match="limit"):
        reader.history("trades", limit=0)
