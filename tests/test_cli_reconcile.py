"""``pointline-tui reconcile``: exit codes, the text by table and the JSON array."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from pointline_tui.cli import main
from pointline_tui.demo import UNKNOWN_FILE_ID
from pointline_tui.lake.reconcile import reconcile
from tests.reconcile_lakes import DAY1, clean_lake, write_outside_the_stores

FIELDS = ["file_id", "table", "data_type", "status", "kind", "expected", "actual", "message"]


@pytest.fixture(autouse=True)
def no_lake_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POINTLINE_SILVER_ROOT", raising=False)
    monkeypatch.delenv("POINTLINE_ROOT", raising=False)


def run(capsys: pytest.CaptureFixture[str], root: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["reconcile", "--silver-root", str(root), "--no-cache", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_clean_lake_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lake = clean_lake(tmp_path / "silver")
    code, out, err = run(capsys, lake.root)
    assert (code, err) == (0, "")
    entries = pl.read_delta(str(lake.root / "ingest_manifest")).height
    rows = sum(pl.read_delta(str(lake.root / t)).height for t in ("trades", "orderbook_updates"))
    assert out.splitlines() == [
        "trades: ok",
        "orderbook_updates: ok",
        f"reconciled {entries} manifest entries against {rows} rows in 2 table(s): nothing found",
    ]
    code, out, _ = run(capsys, lake.root, "--json")
    assert (code, json.loads(out)) == (0, [])


def test_findings_exit_1_grouped_by_table(
    demo_lake_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, demo_lake_template)
    assert (code, err) == (1, "")
    findings = reconcile(demo_lake_template).findings
    lines = out.splitlines()
    for table in ("trades", "quotes", "orderbook_updates"):
        mine = [f for f in findings if f.table == table]
        header = lines.index(next(line for line in lines if line.startswith(f"{table}: ")))
        if not mine:
            assert lines[header] == f"{table}: ok"
            continue
        assert lines[header].startswith(f"{table}: {len(mine)} findings (")
        body = lines[header + 1 : header + 1 + len(mine)]
        for line, finding in zip(body, mine, strict=True):
            assert line.startswith(f"  {finding.kind}  file {finding.file_id}")
            assert line.endswith(finding.message)
    assert lines[-1].endswith(
        f": {len(findings)} findings (2 rows_written_mismatch, "
        "1 rows_quarantined_mismatch, 1 date_range_mismatch, "
        "1 unknown_file_id, 1 rows_for_unsuccessful_file)"
    )


def test_json_is_one_array_of_findings_with_original_values(
    demo_lake_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, demo_lake_template, "--json")
    assert (code, err) == (1, "")
    array = json.loads(out)
    assert [list(item) for item in array] == [FIELDS] * len(array)
    expected = [
        [getattr(f, name) for name in FIELDS] for f in reconcile(demo_lake_template).findings
    ]
    assert [[item[name] for name in FIELDS] for item in array] == expected
    assert UNKNOWN_FILE_ID in [item["file_id"] for item in array]  # 9001, never "9,001"


def test_table_and_status_narrow_the_findings(
    demo_lake_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, demo_lake_template, "--table", "quotes", "--json")
    quotes = [f for f in reconcile(demo_lake_template).findings if f.table == "quotes"]
    assert code == 1
    assert [(i["file_id"], i["kind"]) for i in json.loads(out)] == [
        (f.file_id, f.kind) for f in quotes
    ]
    code, out, _ = run(capsys, demo_lake_template, "--table", "trades")
    assert code == 0
    assert out.splitlines()[0] == "trades: ok"
    code, out, _ = run(capsys, demo_lake_template, "--status", "failed", "--json")
    assert code == 1
    assert {i["status"] for i in json.loads(out)} == {"failed"}
    code, out, _ = run(capsys, demo_lake_template, "--status", "pending")
    assert code == 0
    assert out.splitlines()[-1].endswith("nothing found")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--status", "done"], "unknown status 'done'; statuses: pending, success"),
        (["--table", "ingest_manifest"], "'ingest_manifest' is not an event table"),
        (["--table", "trade"], "'trade' is not an event table"),
        (["--table", "liquidations"], "no table 'liquidations' in"),
    ],
)
def test_bad_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    lake = clean_lake(tmp_path / "silver")
    code, out, err = run(capsys, lake.root, *argv)
    assert (code, out) == (2, "")
    assert message in err
    assert "Traceback" not in err


def test_no_lake_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, tmp_path / "nowhere")
    assert code == 2
    assert "nowhere" in err


def test_an_unreadable_table_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lake = clean_lake(tmp_path / "silver")
    next((lake.root / "trades").rglob("*.parquet")).unlink()
    code, out, err = run(capsys, lake.root)
    assert (code, out) == (1, "")
    assert err.startswith("pointline-tui reconcile: ")
    assert "trades" in err
    assert "Traceback" not in err


def test_text_shows_hostile_values_safely(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = clean_lake(tmp_path / "silver")
    file_id = lake.manifest.resolve_file_id("tardis", "trades\x1b[31m", "bronze/x", "x")
    write_outside_the_stores(lake.root, "trades", lake.rows("trades", file_id, {("okx", DAY1): 2}))
    code, out, _ = run(capsys, lake.root)
    assert code == 1
    assert "\x1b" not in out
    assert "trades\\x1b[31m" in out
