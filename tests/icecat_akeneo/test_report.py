"""The run report a PIM manager reads: built from what the steps left, also when a step failed."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from icecat_akeneo.steps.report import write_report


def step(run: Path, name: str, report: dict) -> None:
    (run / name).mkdir(parents=True, exist_ok=True)
    (run / name / "report.json").write_text(json.dumps(report))


def test_a_run_stopped_at_validate_still_gets_a_report_naming_what_did_not_run(tmp_path: Path) -> None:
    step(tmp_path, "extract", {"products": 3})
    step(tmp_path, "enrich", {"outcomes": {"found": 2, "not_in_icecat": 1}})
    pq.write_table(pa.Table.from_pylist([
        {"identifier": "A", "outcome": "found", "message": None},
        {"identifier": "B", "outcome": "not_in_icecat", "message": "gtin: HTTP 404"},
    ]), tmp_path / "enrich" / "lookups.parquet")
    summary = write_report(tmp_path, client="acme", run_id="manual__1", state={"pending_in_icecat": 1})

    document = json.loads((tmp_path / "report.json").read_text())
    assert {"extract", "enrich", "validate", "transform", "load", "summary"} <= set(document)
    assert document["validate"] == {"status": "not run"}
    assert summary["status"] == "incomplete"
    assert summary["steps_not_done"] == ["validate", "transform", "load"]
    assert summary["pending_in_icecat"] == 1
    assert document["top_errors"] == [{"step": "enrich", "message": "not_in_icecat: gtin: HTTP 404", "count": 1,
                                       "example_identifier": "B"}]
    page = (tmp_path / "report.html").read_text()
    assert "not_in_icecat: gtin: HTTP 404" in page and "found: 2, not_in_icecat: 1" in page


def test_load_failures_are_grouped_by_message_with_an_example_product(tmp_path: Path) -> None:
    for name in ("extract", "enrich", "validate", "transform"):
        step(tmp_path, name, {})
    step(tmp_path, "load", {"lines": 3, "lines_by_status": {"204": 1, "422": 2}})
    pq.write_table(pa.Table.from_pylist([
        {"identifier": "A", "status_code": 204, "message": None},
        {"identifier": "B", "status_code": 422, "message": "name too long"},
        {"identifier": "C", "status_code": 422, "message": "name too long"},
    ]), tmp_path / "load" / "results.parquet")
    summary = write_report(tmp_path, client="acme", run_id="manual__1")
    assert summary["status"] == "success" and summary["lines_sent"] == 3
    assert summary["top_errors"][0] == {"step": "load", "message": "422: name too long", "count": 2,
                                        "example_identifier": "B"}
