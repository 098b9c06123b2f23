"""The manifest's health: files stuck pending, failures by reason, files quarantined whole."""

from __future__ import annotations

import time
from dataclasses import dataclass

import polars as pl

from pointline_tui.formatting import count, utc_from_us
from pointline_tui.storage.models import Finding
from pointline_tui.storage.schemas import INGEST_MANIFEST

DEFAULT_PENDING_HOURS = 24
"""A ``pending`` entry older than this is stale (``--pending-hours``, ``PENDING_AGE_HOURS``)."""
_SHOWN_IDS = 5


@dataclass(frozen=True, slots=True, kw_only=True)
class ManifestHealth:
    """What the manifest says about ingestion that went wrong or never ended."""

    entries: int
    pending: int
    pending_hours: int
    stale_pending: tuple[int, ...]
    """The file ids of entries pending for longer than ``pending_hours``, oldest first."""
    oldest_pending_us: int | None
    failed_by_reason: tuple[tuple[str, int], ...]
    """(reason, files) of the ``failed`` entries, most files first."""
    quarantined_entirely: tuple[int, ...]
    """File ids whose every row was quarantined (nothing written)."""


def manifest_health(
    frame: pl.DataFrame, *, pending_hours: int = DEFAULT_PENDING_HOURS, now: float | None = None
) -> ManifestHealth:
    """Sum up the manifest rows ``frame`` (``ManifestView.frame``)."""
    now_us = int((time.time() if now is None else now) * 1_000_000)
    pending = frame.filter(status="pending").sort("created_at_ts_us", "file_id")
    stale = pending.filter(pl.col("created_at_ts_us") < now_us - pending_hours * 3_600_000_000)
    failed = (
        frame.filter(status="failed")
        .group_by(pl.col("status_reason").fill_null("(no reason given)"))
        .agg(pl.len())
        .sort(["len", "status_reason"], descending=[True, False])
    )
    whole = frame.filter(
        pl.col("status") == "quarantined",
        pl.col("rows_written").fill_null(0) == 0,
        pl.col("rows_quarantined").fill_null(0) > 0,
    ).sort("file_id")
    return ManifestHealth(
        entries=frame.height,
        pending=pending.height,
        pending_hours=pending_hours,
        stale_pending=tuple(stale.get_column("file_id").to_list()),
        oldest_pending_us=None if stale.is_empty() else stale.item(0, "created_at_ts_us"),
        failed_by_reason=tuple((str(r), int(n)) for r, n in failed.iter_rows()),
        quarantined_entirely=tuple(whole.get_column("file_id").to_list()),
    )


def manifest_findings(health: ManifestHealth) -> list[Finding]:
    """Warnings for stale pending entries, each failure reason, files quarantined whole."""
    name = INGEST_MANIFEST.name
    found = []

    def add(kind: str, message: str, key: str) -> None:
        found.append(
            Finding(
                table=name,
                severity="warning",
                kind=kind,
                path=None,
                key=key,
                message=f"{name}: {message}",
            )
        )

    if health.stale_pending:
        add(
            "stale_pending",
            f"{count(len(health.stale_pending))} file(s) pending for over "
            f"{health.pending_hours} h (oldest since {utc_from_us(health.oldest_pending_us)} "
            f"UTC; file ids {_ids(health.stale_pending)}): their ingest may have died; re-run "
            "it, or mark them failed",
            "m",
        )
    for reason, files in health.failed_by_reason:
        add(
            "failed_files",
            f"{count(files)} failed file(s): {reason}; fix the cause and re-ingest them",
            "m",
        )
    if health.quarantined_entirely:
        add(
            "quarantined_entirely",
            f"{count(len(health.quarantined_entirely))} file(s) had every row quarantined "
            f"(file ids {_ids(health.quarantined_entirely)}): check the source and the rules",
            "q",
        )
    return found


def _ids(ids: tuple[int, ...]) -> str:
    shown = ", ".join(str(i) for i in ids[:_SHOWN_IDS])
    return shown + (", …" if len(ids) > _SHOWN_IDS else "")
