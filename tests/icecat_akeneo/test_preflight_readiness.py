"""The whole preflight of the demo client on both sandboxes, and the readiness report it writes."""

from __future__ import annotations

import json
from pathlib import Path

from icecat_akeneo.akeneo.client import AkeneoSettings
from icecat_akeneo.icecat.client import IcecatSettings
from icecat_akeneo.mapping import load_mapping
from icecat_akeneo.preflight.readiness import readiness_report
from icecat_akeneo.preflight.runner import run_preflight

from tests.conftest import Sandbox
from tests.fixtures.preflight.support import (
    DEMO_MAPPING,
    akeneo_settings,
    demo_document,
    icecat_settings,
    mapping_of,
)


def _settings(akeneo: Sandbox, icecat: Sandbox) -> tuple[AkeneoSettings, IcecatSettings]:
    return akeneo_settings(akeneo), icecat_settings(icecat)


def test_demo_client_is_ready_and_the_report_says_why(
    akeneo: Sandbox, icecat: Sandbox, tmp_path: Path
) -> None:
    akeneo.faults(concurrency_limit=4, latency_ms=20)
    document = run_preflight(
        load_mapping(DEMO_MAPPING), *_settings(akeneo, icecat), tmp_path / "out", root=tmp_path / "data"
    )
    print(json.dumps({"summary": document["summary"], "recommended": document["recommended"]}, indent=1))
    assert document["ready"], document["summary"]["failed"]
    lines = {line["line"]: line for line in document["checklist"]}
    assert lines["Test product created"]["evidence"]["status_code"] == 201
    assert lines["Batch of 101 lines refused (413)"]["evidence"]["status_code"] == 413
    assert document["recommended"]["akeneo_concurrency"] == 4
    assert document["recommended"]["batch_size"] == 100
    page = (tmp_path / "out" / "readiness.html").read_text(encoding="utf-8")
    assert "READY" in page and "Attributes endpoint given" in page
    assert len(list((tmp_path / "data" / "demo" / "taxonomy").glob("*.json"))) == 1


def test_a_second_preflight_reports_drift_of_a_mapped_attribute(
    akeneo: Sandbox, icecat: Sandbox, tmp_path: Path
) -> None:
    settings = _settings(akeneo, icecat)
    run_preflight(load_mapping(DEMO_MAPPING), *settings, tmp_path / "first", root=tmp_path)
    snapshot = next((tmp_path / "demo" / "taxonomy").glob("*.json"))
    old = json.loads(snapshot.read_text(encoding="utf-8"))
    for attribute in old["attributes"]:
        if attribute["code"] == "weight":
            attribute["type"] = "pim_catalog_number"  # as if someone retyped it since
    snapshot.write_text(json.dumps(old), encoding="utf-8")
    document = run_preflight(load_mapping(DEMO_MAPPING), *settings, tmp_path / "second", root=tmp_path)
    drift = next(line for line in document["checklist"] if line["line"].startswith("No drift"))
    assert not drift["passed"]
    assert drift["evidence"]["drift_errors"] == [
        "client demo: fields[5]: attribute 'weight' changed type from number to metric in Akeneo "
        "since the last taxonomy snapshot; review the mapping and rerun the preflight"
    ]


def test_broken_mapping_fails_the_preflight_with_its_three_errors(
    akeneo: Sandbox, icecat: Sandbox, tmp_path: Path
) -> None:
    document = demo_document()
    # the demo's own weight field makes way: one field per attribute, locale and scope
    document["fields"] = [field for field in document["fields"] if field["attribute"] != "weight"]
    first_added = len(document["fields"])
    document["fields"] += [
        {"source": "feature:1650", "attribute": "depth"},
        {"source": "title", "attribute": "weight"},
    ]
    document["languages"]["NL"] = "nl_NL"
    report = run_preflight(
        mapping_of(document, "broken.yaml"), *_settings(akeneo, icecat), tmp_path / "out", root=tmp_path
    )
    assert not report["ready"]
    check = next(line for line in report["checklist"] if line["line"].startswith("Mapping check"))
    assert len(check["evidence"]["errors"]) == 3
    assert {error.split(":")[1].strip() for error in check["evidence"]["errors"]} == {
        f"fields[{first_added}] (depth)",
        f"fields[{first_added + 1}] (weight)",
        "languages.NL (-)",
    }


def test_option3_preflight_creates_icecat_attributes_once(
    akeneo: Sandbox, icecat: Sandbox, tmp_path: Path
) -> None:
    document = demo_document()
    document["mapping_option"] = "icecat_taxonomy"
    mapping = mapping_of(document, "demo.yaml")
    runs = [
        run_preflight(
            mapping,
            *_settings(akeneo, icecat),
            tmp_path / name,
            sample_size=3,
            root=tmp_path,
            option_calls_per_second=1000,
        )
        for name in ("first", "second")
    ]
    first, second = (run["option"]["icecat_taxonomy"] for run in runs)
    assert first["attributes"]["created"] > 100 and first["attributes"]["failed"] == 0, first["failures"][:3]
    assert first["options"]["created"] > 50 and first["options"]["failed"] == 0
    assert second["attributes"] == {"created": 0, "skipped": first["attributes"]["created"], "failed": 0}
    assert second["options"]["created"] == 0
    assert {"source": "feature:944", "attribute": "icecat_944_display_diagonal"} in runs[0]["option"][
        "implied_fields"
    ]


def test_report_marks_checks_that_never_ran_as_failed() -> None:
    document, page = readiness_report(
        {
            "client": "acme",
            "api_tests": [
                {"name": "oauth_password_grant", "passed": False, "evidence": {"status_code": 422}}
            ],
        }
    )
    assert not document["ready"]
    assert "Test product created" in document["summary"]["failed"]
    assert "NOT READY" in page


def test_hostile_evidence_and_settings_are_escaped_on_the_readiness_page() -> None:
    hostile = '<script>alert("x")</script>'
    _, page = readiness_report(
        {
            "client": "<b>acme</b>",
            "api_tests": [
                {"name": "test_product_created", "passed": False, "evidence": {"body": hostile}},
                # reaches the recommended settings, once printed in an unescaped <pre>
                {"name": "retry_backoff_observed", "passed": True, "evidence": {"retry_after_values": [hostile]}},
            ],
        }
    )
    assert "<script" not in page and "<b>" not in page
    # in both checks' evidence and in the recommended settings
    assert page.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") == 3
    assert "<th>server_sent_retry_after</th>" in page  # the settings are a table, not a JSON dump
