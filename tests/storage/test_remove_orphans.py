"""remove_orphans: only old files no version names go; nothing a log names, no link followed."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest

from pointline_tui.cli import main
from pointline_tui.storage.delta import DeltaEventStore
from pointline_tui.storage.delta.check import check_table
from pointline_tui.storage.models import ReadOnlyError, UnsafeTableError
from tests.frames import partition_checksums
from tests.storage._trust import (
    OLD_S,
    P1,
    P2,
    age,
    build_lake,
    data_files,
    live_files,
    logged_paths,
    read,
    snapshot,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_lake(tmp_path_factory.mktemp("orphans-template") / "lake")


@pytest.fixture
def lake(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "lake"))


def folder_of(part: tuple[str, object]) -> str:
    return f"exchange={part[0]}/trading_date={part[1]}"


def make_orphans(lake: Path) -> tuple[dict[str, int], dict[str, int]]:
    """Old and young orphans and staging files: (old, young), each path (table-relative) -> size.

    Copies of real data files, as a killed compaction or write leaves them, and a half-made
    commit in ``_delta_log``.
    """
    table = lake / "trades"
    live = sorted(live_files(lake, P1))
    src = table / live[0]
    old = {
        f"{folder_of(P1)}/part-00000-{uuid.uuid4()}-c000.zstd.parquet": src,
        f"{live[-1]}#1": src,
        f"{folder_of(P2)}/orphan-old.parquet": src,
        f"_delta_log/_commit_{uuid.uuid4()}.json.tmp": table / "_delta_log" / f"{1:020d}.json",
    }
    young = {f"{folder_of(P1)}/orphan-young.parquet": src, f"{live[0]}#2": src}
    for rel, source in {**old, **young}.items():
        shutil.copy(source, table / rel)
    for rel in old:
        age(table / rel, OLD_S)
    sizes = {rel: (table / rel).stat().st_size for rel in [*old, *young]}
    return {r: sizes[r] for r in old}, {r: sizes[r] for r in young}


def test_removes_exactly_the_old_orphans_and_staging_files(lake: Path) -> None:
    old, young = make_orphans(lake)
    table = lake / "trades"
    notes = table / folder_of(P1) / "notes.txt"
    notes.write_text("not a data file")
    age(notes, OLD_S)
    before = partition_checksums(read(lake))
    live = live_files(lake)

    report = DeltaEventStore(lake).remove_orphans("trades", min_age_hours=24)

    assert report.table_name == "trades"
    assert (report.dry_run, report.min_age_hours) == (False, 24)
    assert report.removed_files == tuple(sorted(old))
    assert (report.files_removed, report.bytes_freed) == (len(old), sum(old.values()))
    assert report.too_young == len(young)
    assert not any((table / rel).exists() for rel in old)
    assert all((table / rel).exists() for rel in [*young, *live])
    assert notes.exists(), "only parquet and staging files are orphans"
    assert partition_checksums(read(lake)) == before
    left = {(f.kind, f.path) for f in check_table(lake, "trades")}
    assert left == {
        ("orphan_file" if rel.endswith(".parquet") else "staging_file", f"trades/{rel}")
        for rel in young
    }


def test_never_deletes_a_file_any_version_names(lake: Path) -> None:
    store = DeltaEventStore(lake)
    store.compact_partitions("trades")  # every partition: tombstones of older versions
    old, young = make_orphans(lake)
    table = lake / "trades"
    for rel in data_files(table):
        age(table / rel, OLD_S)  # age protects nothing here
    named = logged_paths(table)
    tombstoned = named - set(live_files(lake))
    assert len(tombstoned) >= 9
    before = partition_checksums(read(lake))

    report = store.remove_orphans("trades", min_age_hours=0)

    assert set(report.removed_files) == set(old) | set(young)
    assert report.too_young == 0
    assert all((table / rel).exists() for rel in named), "a logged file was deleted"
    assert partition_checksums(read(lake)) == before
    assert data_files(table) == named


def test_never_follows_a_link_out_of_the_lake(lake: Path, tmp_path: Path) -> None:
    table = lake / "trades"
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "target.parquet"
    shutil.copy(table / sorted(live_files(lake, P1))[0], target)
    link = table / folder_of(P1) / "linked.parquet"
    link.symlink_to(target)
    age(link, OLD_S)
    age(target, OLD_S)
    outside_before = snapshot(outside)
    lake_before = snapshot(lake)

    for dry_run in (True, False):
        with pytest.raises(UnsafeTableError, match="linked.parquet is a symlink leading outside"):
            DeltaEventStore(lake).remove_orphans("trades", min_age_hours=0, dry_run=dry_run)

    assert link.is_symlink()
    assert target.exists()
    assert snapshot(outside) == outside_before
    assert snapshot(lake) == lake_before


def test_a_link_inside_the_lake_is_left_as_it_is(lake: Path) -> None:
    table = lake / "trades"
    target = table / sorted(live_files(lake, P2))[0]
    link = table / folder_of(P1) / "inside-link.parquet"
    link.symlink_to(target)
    age(link, OLD_S)
    old, _ = make_orphans(lake)

    report = DeltaEventStore(lake).remove_orphans("trades", min_age_hours=24)

    assert report.removed_files == tuple(sorted(old))
    assert link.is_symlink()
    assert link.resolve() == target.resolve()
    assert target.exists()


def test_dry_run_deletes_nothing(lake: Path) -> None:
    old, young = make_orphans(lake)
    before = snapshot(lake)
    report = DeltaEventStore(lake).remove_orphans("trades", min_age_hours=24, dry_run=True)
    assert report.dry_run
    assert report.removed_files == tuple(sorted(old))
    assert (report.files_removed, report.bytes_freed, report.too_young) == (
        len(old),
        sum(old.values()),
        len(young),
    )
    assert snapshot(lake) == before


def test_a_read_only_store_refuses_but_may_list(lake: Path) -> None:
    old, _ = make_orphans(lake)
    before = snapshot(lake)
    store = DeltaEventStore(lake, read_only=True)
    with pytest.raises(ReadOnlyError, match="read-only") as info:
        store.remove_orphans("trades", min_age_hours=0)
    assert isinstance(info.value, PermissionError)
    assert store.remove_orphans("trades", min_age_hours=24, dry_run=True).files_removed == len(old)
    assert snapshot(lake) == before


@pytest.mark.parametrize("hours", [-1, float("nan")])
def test_a_bad_minimum_age_is_refused(lake: Path, hours: float) -> None:
    before = snapshot(lake)
    with pytest.raises(ValueError, match="min"):
        DeltaEventStore(lake).remove_orphans("trades", min_age_hours=hours)
    assert snapshot(lake) == before


def test_cli_dry_run_then_remove(lake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, young = make_orphans(lake)
    root = str(lake)

    assert main(["remove-orphans", "trades", "--silver-root", root, "--dry-run"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[:-1] == [f"trades/{rel}" for rel in sorted(old)]
    assert lines[-1].startswith(f"would remove {len(old)} files, ")
    assert lines[-1].endswith(f"; left {len(young)} younger than 24 h")
    assert err == ""
    assert all((lake / "trades" / rel).exists() for rel in old)

    assert main(["remove-orphans", "trades", "--silver-root", root, "--dry-run", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (
        report.items()
        >= {
            "table_name": "trades",
            "files_removed": len(old),
            "bytes_freed": sum(old.values()),
            "dry_run": True,
            "min_age_hours": 24,
            "removed_files": sorted(old),
            "too_young": len(young),
        }.items()
    )

    assert main(["remove-orphans", "trades", "--silver-root", root, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["dry_run"], report["removed_files"]) == (False, sorted(old))
    assert not any((lake / "trades" / rel).exists() for rel in old)

    assert main(["remove-orphans", "trades", "--silver-root", root, "--min-age-hours", "0"]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines()[-1].startswith(f"removed {len(young)} files, ")
    assert check_table(lake, "trades") == ()
