"""The run report a PIM manager reads: built from what the steps left, also when a step failed."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from icecat_akeneo.artifacts import REFUSED
from icecat_akeneo.steps.report import write_report

HOSTILE_ID = '<script>alert("id")</script>'
HOSTILE_MESSAGE = "=cmd|' /C calc'!A0 \"quoted\" & <img src=x onerror=alert(1)>"


def step(run: Path, name: str, report: dict) -> None:
    (run / name).mkdir(parents=True, exist_ok=True)
    (run / name / "report.json").write_text(json.dumps(report))


def parquet(run: Path, path: str, rows: list[dict]) -> None:
    pq.write_table(pa.Table.from_pylist(rows), run / path)


def exported(run: Path, name: str) -> list[dict]:
    with (run / "exports" / f"{name}.csv").open(encoding="utf-8", newline="") as rows:
        return list(csv.DictReader(rows))


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
    assert summary["status"] == "failed"
    assert summary["status_reason"] == "Failed: validate, transform, load did not complete."
    assert summary["steps_not_done"] == ["validate", "transform", "load"]
    assert summary["pending_in_icecat"] == 1
    assert document["top_errors"] == [{"step": "enrich", "message": "not_in_icecat: gtin: HTTP 404", "count": 1,
                                       "example_identifier": "B"}]
    page = (tmp_path / "report.html").read_text()
    assert "not_in_icecat: gtin: HTTP 404" in page
    assert "<th>found</th><td>2</td>" in page and "<th>not_in_icecat</th><td>1</td>" in page
    assert "did not run: validate, transform, load" in page


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
    assert summary["status"] == "failed" and summary["lines_sent"] == 3
    assert summary["status_reason"] == ("Failed: Akeneo refused 2 of 3 lines (66.7%), more than "
                                        "max_refused_ratio 0.01.")
    assert summary["top_errors"][0] == {"step": "load", "message": "422: name too long", "count": 2,
                                        "example_identifier": "B"}


@pytest.fixture
def finished_run(tmp_path: Path) -> Path:
    """Eight products, one of each fate: synced (2), up to date, refused, quarantined, not in Icecat, Full
    Icecat only, no identifiers."""
    products = ["SYNC-1", "SYNC-2", "SAME", "REFUSED", "QUAR", "MISSING", "FULL", "NOID"]
    step(tmp_path, "extract", {"products": 8, "duration_s": 1.5})
    parquet(tmp_path, "extract/products.parquet", [
        {"identifier": p, "gtin": f"400000000000{i}", "brand": "Acme", "mpn": f"M-{i}", "values_json": "{}"}
        for i, p in enumerate(products)])
    outcomes = {"MISSING": "not_in_icecat", "FULL": "full_icecat_required", "NOID": "no_identifiers"}
    step(tmp_path, "enrich", {"products": 8, "outcomes": {"found": 5, "not_in_icecat": 1}, "duration_s": 3.0})
    parquet(tmp_path, "enrich/lookups.parquet", [
        {"identifier": p, "outcome": outcomes.get(p, "found"), "icecat_id": 42 if p == "FULL" else None,
         "message": f"{p}: not found" if p in outcomes else None} for p in products])
    step(tmp_path, "validate", {"checked": 5, "quarantined": 1, "duration_s": 2.0})
    parquet(tmp_path, "validate/quarantine.parquet", [
        {"identifier": "QUAR", "lang": "EN", "rule": "title_present", "column": "title", "message": "no title"}])
    step(tmp_path, "transform", {"lines": 3, "values_per_locale": {"de_DE": 3, "en_US": 9}, "duration_s": 0.5})
    unprocessable = [{"message": "name too long", "count": 1, "identifiers": ["REFUSED"]}]
    step(tmp_path, "load", {"lines": 3, "lines_by_status": {"204": 2, "422": 1}, "duration_s": 1.0,
                            "unprocessable_top": unprocessable})
    errors = [{"property": "values", "attribute": "name", "locale": "en_US", "message": "too long"}]
    parquet(tmp_path, "load/results.parquet", [
        {"identifier": identifier, "kind": kind, "status_code": status, "message": message, "errors_json": details,
         "batch": "batch-0001", "line": line}
        for line, (identifier, kind, status, message, details) in enumerate([
            ("SYNC-1", "values", 204, None, None), ("SYNC-2", "values", 204, None, None),
            ("SYNC-2", "media", 201, None, None), ("REFUSED", "values", 422, "name too long", json.dumps(errors))],
            start=1)])
    REFUSED.write(tmp_path, [{"identifier": "REFUSED", "attribute": "name", "locale": "en_US", "scope": None,
                              "status_code": 422, "message": "name too long too long", "kind": "values",
                              "batch": "batch-0001", "line": 4, "attempt": 1}])
    return tmp_path


def test_every_product_is_counted_once_under_its_outcome_and_the_status_says_it(finished_run: Path) -> None:
    summary = write_report(finished_run, client="acme", run_id="manual__1")
    assert summary["products_by_outcome"] == {"synced": 2, "up_to_date": 1, "quarantined": 1, "failed": 1,
                                              "not_in_icecat": 1, "full_icecat_required": 1, "no_identifiers": 1}
    assert summary["status_line"] == (
        "2 of 8 products synced; 1 already up to date; 1 quarantined by validation; 1 failed in Akeneo; "
        "1 not in Icecat; 1 only in Full Icecat; 1 without identifiers — see below.")
    page = (finished_run / "report.html").read_text(encoding="utf-8")
    assert summary["status_line"] in page
    for bar in ("synced: 2", "already up to date: 1", "204 No Content: 2", "422 Unprocessable Entity: 1",
                "enrich: 3 s", "load: 1 s"):
        assert f"<title>{bar}</title>" in page, bar


def test_a_clean_run_says_so_without_pointing_below(finished_run: Path) -> None:
    for path in ("enrich/lookups.parquet", "validate/quarantine.parquet", "load/results.parquet"):
        (finished_run / path).unlink()
    parquet(finished_run, "enrich/lookups.parquet", [{"identifier": "SYNC-1", "outcome": "found"}])
    parquet(finished_run, "extract/products.parquet", [{"identifier": "SYNC-1", "gtin": None, "brand": None,
                                                        "mpn": None}])
    parquet(finished_run, "load/results.parquet", [{"identifier": "SYNC-1", "status_code": 204}])
    assert write_report(finished_run, client="acme", run_id="r")["status_line"] == "1 of 1 products synced."


def test_a_dry_run_says_nothing_was_sent(finished_run: Path) -> None:
    step(finished_run, "load", {"dry_run": True, "lines": 0, "products_changed": 4})
    (finished_run / "load" / "results.parquet").unlink()
    summary = write_report(finished_run, client="acme", run_id="r", params={"dry_run": True})
    assert summary["status_line"].startswith("Dry run of 8 products: 4 would change in Akeneo, nothing was sent;")
    assert summary["products_by_outcome"]["not_sent_dry_run"] == 4


def test_lists_to_act_on_are_exported_as_csv_and_linked(finished_run: Path) -> None:
    document_links = write_report(finished_run, client="acme", run_id="r")
    assert document_links["report_html"].endswith("report.html")
    refused = exported(finished_run, "refused")
    assert [(row["identifier"], row["attribute"], row["locale"], row["status_code"], row["message"],
             row["attempt"]) for row in refused] == [("REFUSED", "name", "en_US", "422", "name too long too long", "1")]
    assert [(row["identifier"], row["gtin"], row["brand"], row["mpn"]) for row in
            exported(finished_run, "not_in_icecat")] == [("MISSING", "4000000000005", "Acme", "M-5")]
    assert [(row["identifier"], row["icecat_id"]) for row in exported(finished_run, "full_icecat_only")] == [
        ("FULL", "42")]
    assert [row["identifier"] for row in exported(finished_run, "quarantined")] == ["QUAR"]
    document = json.loads((finished_run / "report.json").read_text())
    assert document["exports"]["refused"] == "exports/refused.csv"
    page = (finished_run / "report.html").read_text(encoding="utf-8")
    for name in ("refused", "not_in_icecat", "full_icecat_only", "quarantined"):
        assert f'href="exports/{name}.csv"' in page
    assert ".parquet\"" not in page  # Parquet is listed, never linked
    assert "<code>load/results.parquet</code>" in page


def test_the_data_docs_page_is_linked_when_validate_wrote_one(finished_run: Path) -> None:
    docs = finished_run / "validate" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    step(finished_run, "validate", {"artifacts": {"data_docs": str(docs)}})
    write_report(finished_run, client="acme", run_id="r")
    assert "Data Docs" not in (finished_run / "report.html").read_text(encoding="utf-8")
    docs.parent.mkdir(parents=True)
    docs.write_text("<html></html>")
    write_report(finished_run, client="acme", run_id="r")
    page = (finished_run / "report.html").read_text(encoding="utf-8")
    assert 'href="validate/gx/uncommitted/data_docs/local_site/index.html"' in page


def test_a_sharded_run_links_the_data_docs_of_every_shard(finished_run: Path) -> None:
    site = Path("validate") / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    shards = {}
    for shard in ("shards/0001", "shards/0002"):
        docs = finished_run / shard / site
        docs.parent.mkdir(parents=True)
        docs.write_text("<html></html>")
        shards[shard] = {"status": "success", "artifacts": {"data_docs": str(docs)}}
    # as steps.shards.merge_step writes it: the run-level path names a site no shard wrote
    step(finished_run, "validate", {"artifacts": {"data_docs": str(finished_run / site)}, "shards": shards})
    write_report(finished_run, client="acme", run_id="r")
    page = (finished_run / "report.html").read_text(encoding="utf-8")
    for shard in shards:
        assert f'href="{shard}/{site.as_posix()}"' in page and f"Data Docs (validation results), shard {shard}" in page
    assert f'href="{site.as_posix()}"' not in page


def test_run_mode_interval_and_params_are_shown(finished_run: Path) -> None:
    write_report(finished_run, client="acme", run_id="scheduled__2026-01-02",
                 params={"full_refresh": False, "batch_size": 50},
                 data_interval=("2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00"))
    document = json.loads((finished_run / "report.json").read_text())
    assert document["run"]["mode"] == "incremental"
    page = (finished_run / "report.html").read_text(encoding="utf-8")
    assert "<th>mode</th><td>incremental</td>" in page
    assert "2026-01-01T00:00:00+00:00" in page and "<th>batch_size</th><td>50</td>" in page


def test_nested_report_values_are_tables_not_raw_json(finished_run: Path) -> None:
    write_report(finished_run, client="acme", run_id="r")
    page = (finished_run / "report.html").read_text(encoding="utf-8")
    assert '{"' not in page and "[{" not in page and "[]" not in page
    assert "<th>de_DE</th><td>3</td>" in page  # values per locale


def test_hostile_identifiers_and_messages_are_escaped_on_the_page_and_inert_in_csv(tmp_path: Path) -> None:
    step(tmp_path, "extract", {"products": 2})
    parquet(tmp_path, "extract/products.parquet", [
        {"identifier": HOSTILE_ID, "gtin": '"><b>', "brand": None, "mpn": None},
        {"identifier": "B", "gtin": None, "brand": None, "mpn": None}])
    step(tmp_path, "enrich", {"outcomes": {"not_in_icecat": 1, "found": 1}})
    parquet(tmp_path, "enrich/lookups.parquet", [
        {"identifier": HOSTILE_ID, "outcome": "not_in_icecat", "message": HOSTILE_MESSAGE},
        {"identifier": "B", "outcome": "found", "message": None}])
    step(tmp_path, "load", {"lines": 1, "lines_by_status": {"422": 1}, "failed": HOSTILE_MESSAGE})
    parquet(tmp_path, "load/results.parquet", [
        {"identifier": "B", "kind": "values", "status_code": 422, "message": HOSTILE_MESSAGE,
         "errors_json": json.dumps([{"attribute": "<i>name</i>", "message": HOSTILE_MESSAGE}])}])
    write_report(tmp_path, client="<b>acme</b>", run_id="r'\"")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<img" not in page and "<b>" not in page and "<i>" not in page
    assert "&lt;script&gt;alert(&#34;id&#34;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "&#34;quoted&#34; &amp;" in page
    assert "<script" not in page  # no script of its own either
    not_in_icecat = exported(tmp_path, "not_in_icecat")
    assert not_in_icecat[0]["identifier"] == HOSTILE_ID
    assert not_in_icecat[0]["message"] == "'" + HOSTILE_MESSAGE  # a spreadsheet shows it as text


def test_every_refused_line_is_exported_and_the_page_shows_the_first_50(finished_run: Path) -> None:
    REFUSED.write(finished_run, [{"identifier": f"P{i:03d}", "attribute": "name", "locale": "en_US", "scope": None,
                                  "status_code": 422 if i % 2 else 0, "message": f"refusal {i}", "kind": "values",
                                  "batch": "batch-0001", "line": i, "attempt": 1 + i // 40} for i in range(60)])
    summary = write_report(finished_run, client="acme", run_id="r")
    assert summary["refused_total"] == 60
    rows = exported(finished_run, "refused")
    assert len(rows) == 60 and {row["attempt"] for row in rows} == {"1", "2"}
    page = (finished_run / "report.html").read_text(encoding="utf-8")
    assert '… and 10 more — full list in <a href="exports/refused.csv">exports/refused.csv</a>.' in page
    assert "<td>P049</td>" in page and "<td>P050</td>" not in page


def test_a_long_list_is_complete_in_its_csv_and_capped_on_the_page(tmp_path: Path) -> None:
    """More products than one read batch (900) and than the page shows (1,000): every one is counted and
    exported with its keys, the page shows the first 1,000 and says where the rest are."""
    products = [f"P{i:05d}" for i in range(2500)]
    step(tmp_path, "extract", {"products": len(products)})
    parquet(tmp_path, "extract/products.parquet", [
        {"identifier": p, "gtin": f"40{i:011d}", "brand": "Acme", "mpn": f"M-{i}"} for i, p in enumerate(products)])
    step(tmp_path, "enrich", {})
    parquet(tmp_path, "enrich/lookups.parquet", [
        {"identifier": p, "outcome": "not_in_icecat" if i % 2 else "found", "message": "gtin: HTTP 404"}
        for i, p in enumerate(products)])
    summary = write_report(tmp_path, client="acme", run_id="r")
    assert summary["products_by_outcome"] == {"not_in_icecat": 1250, "not_reached": 1250}
    assert summary["top_errors"][0]["count"] == 1250 and summary["top_errors"][0]["example_identifier"] == "P00001"
    rows = exported(tmp_path, "not_in_icecat")
    assert len(rows) == 1250
    assert (rows[-1]["identifier"], rows[-1]["gtin"], rows[-1]["mpn"]) == ("P02499", "4000000002499", "M-2499")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<td>P01999</td>" in page and "<td>P02001</td>" not in page  # the 1,000th row shown, not the 1,001st
    assert '… and 250 more — full list in <a href="exports/not_in_icecat.csv">' in page


def test_an_empty_list_exports_its_header_so_a_spreadsheet_shows_its_columns(finished_run: Path) -> None:
    (finished_run / "validate" / "quarantine.parquet").unlink()
    write_report(finished_run, client="acme", run_id="r")
    header = (finished_run / "exports" / "quarantined.csv").read_text(encoding="utf-8")
    assert header.strip() == "identifier,lang,rule,column,message"
