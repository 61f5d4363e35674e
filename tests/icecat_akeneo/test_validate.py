"""Validate: the completeness rules run as a Great Expectations suite; failing products are quarantined with
the reason, and the run fails only above the failure ratio."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from icecat_akeneo.artifacts import QUARANTINE
from icecat_akeneo.mapping import CompletenessRule, load_mapping
from icecat_akeneo.steps.validate import ValidationFailed, run_validate

from tests.fixtures.mappings.records import (
    DEMO_MAPPING,
    REPO,
    dell_g5_en,
    iiyama,
    record,
    samsung_s7,
    write_enrich,
    write_extract,
)


def _demo_run(run_dir: Path) -> None:
    """Dell, iiyama, the S7 in EN + DE (no German description), BADEAN (iiyama data, wrong check digit), the
    Jabra (no GTIN in Akeneo) and a product without images nor brand."""
    bare = dataclasses.replace(iiyama(), images=[], brand=None)
    write_enrich(run_dir, {"DEMO-DELL-G5": [dell_g5_en()], "DEMO-IIYAMA": [iiyama()],
                           "DEMO-SAMSUNG-S7": [samsung_s7("EN"), samsung_s7("DE")],
                           "DEMO-BADEAN": [iiyama()], "DEMO-JABRA-HS": [iiyama()], "DEMO-BARE": [bare]})
    write_extract(run_dir, {"DEMO-DELL-G5": "5397184119709", "DEMO-IIYAMA": "4948570114344",
                            "DEMO-SAMSUNG-S7": "8806088281285", "DEMO-BADEAN": "4948570114345",
                            "DEMO-JABRA-HS": None, "DEMO-BARE": "4948570114344"})


def _quarantine(run_dir: Path) -> list[tuple]:
    rows = pq.read_table(QUARANTINE.path(run_dir)).to_pylist()
    return sorted((row["identifier"], row["lang"], row["rule"], row["message"]) for row in rows)


def test_demo_rules_quarantine_exactly_the_failing_products(tmp_path: Path) -> None:
    _demo_run(tmp_path)
    report = run_validate(tmp_path, load_mapping(DEMO_MAPPING), failure_ratio=0.5)
    assert _quarantine(tmp_path) == [
        ("DEMO-BADEAN", None, "valid_ean13",
         "GTIN '4948570114345' in Akeneo fails the EAN-13 check digit: its last digit is 5, the check digit of "
         "494857011434 is 4: correct it in Akeneo"),
        ("DEMO-BARE", None, "field_present:brand", "record field brand is empty in Icecat"),
        ("DEMO-BARE", None, "min_images", "0 image(s) in Icecat, at least 1 required"),
    ]
    assert report["checked"] == 6 and report["quarantined"] == 2 and report["passed"] == 4
    assert report["by_rule"] == {"field_present:brand": 1, "min_images": 1, "valid_ean13": 1}
    results = json.loads(Path(report["artifacts"]["results"]).read_text())
    assert results["success"] is False
    assert Path(report["artifacts"]["data_docs"]).name == "index.html"
    assert Path(report["artifacts"]["data_docs"]).is_relative_to(tmp_path / "validate" / "gx")


def test_above_the_failure_ratio_the_run_fails_after_writing_the_quarantine(tmp_path: Path) -> None:
    _demo_run(tmp_path)
    with pytest.raises(ValidationFailed) as raised:
        run_validate(tmp_path, load_mapping(DEMO_MAPPING), failure_ratio=0.25)
    assert "quarantined 2 of 6 products (33%), above failure_ratio 25%" in str(raised.value)
    assert raised.value.report["quarantined"] == 2
    assert {row[0] for row in _quarantine(tmp_path)} == {"DEMO-BADEAN", "DEMO-BARE"}


def test_per_language_rules_name_the_language_and_can_be_restricted(tmp_path: Path) -> None:
    strict = load_mapping(DEMO_MAPPING).model_copy(update={"completeness": [
        CompletenessRule(rule="title_present"), CompletenessRule(rule="description_min_length", value=20)]})
    write_enrich(tmp_path, {"S7": [samsung_s7("EN"), samsung_s7("DE")],
                            "UNTITLED": [record("EN", description_text="A description long enough")]})
    write_extract(tmp_path, {})
    run_validate(tmp_path, strict, failure_ratio=1.0)
    assert _quarantine(tmp_path) == [
        ("S7", "DE", "description_min_length",
         "description in Icecat language DE has 0 characters, at least 20 required"),
        ("UNTITLED", "EN", "title_present", "no title in Icecat language EN"),
    ]
    english_only = strict.model_copy(update={"completeness": [
        CompletenessRule(rule="description_min_length", value=20, languages=["EN"])]})
    run_validate(tmp_path, english_only, failure_ratio=1.0)
    assert _quarantine(tmp_path) == []


def test_nothing_found_means_nothing_checked(tmp_path: Path) -> None:
    write_extract(tmp_path, {"P": "5397184119709"})
    report = run_validate(tmp_path, load_mapping(DEMO_MAPPING), failure_ratio=0.0)
    assert report["checked"] == 0 and report["quarantined"] == 0
    assert pq.read_table(QUARANTINE.path(tmp_path)).num_rows == 0


def test_importing_the_step_does_not_import_great_expectations() -> None:
    code = ("import sys, icecat_akeneo.steps.validate; "
            "print('great_expectations' in sys.modules, 'pandas' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=REPO, env={"PYTHONPATH": str(REPO / "plugins")})
    assert result.stdout.split() == ["False", "False"]


def test_counts_over_many_batches_equal_the_whole_catalogue_and_gx_agrees_on_the_evidence(tmp_path: Path) -> None:
    """Rules judged a product at a time give the same quarantine and per-rule counts as one batch; the one
    Great Expectations run at the end finds exactly the failures the rule check kept as evidence."""
    one_batch, many = tmp_path / "one", tmp_path / "many"
    for run_dir in (one_batch, many):
        _demo_run(run_dir)
    mapping = load_mapping(DEMO_MAPPING)
    whole = run_validate(one_batch, mapping, failure_ratio=1.0)
    batched = run_validate(many, mapping, failure_ratio=1.0, products_per_batch=1)
    assert _quarantine(many) == _quarantine(one_batch)
    assert {key: batched[key] for key in ("checked", "quarantined", "by_rule")} == \
        {key: whole[key] for key in ("checked", "quarantined", "by_rule")}
    results = json.loads(Path(batched["artifacts"]["results"]).read_text())
    assert results["batches"] == 6
    assert results["expectations"] == json.loads(Path(whole["artifacts"]["results"]).read_text())["expectations"]
    assert {rule: counts["unexpected_count"] for rule, counts in results["expectations"].items()} == \
        {"title_present": 0, "min_images": 1, "description_min_length": 0, "valid_ean13": 1,
         "field_present:brand": 1}
    assert results["evidence"]["gx_agrees"] is True and results["evidence"]["capped"] is False
    assert Path(batched["artifacts"]["data_docs"]).exists()


def test_evidence_is_capped_while_counts_stay_exact(tmp_path: Path) -> None:
    """Past the evidence cap the GX run and Data Docs stop growing; the report still counts every failure."""
    from icecat_akeneo.steps.validate_rules import Evidence, RuleCheck, check_rows

    mapping = load_mapping(DEMO_MAPPING)
    check = RuleCheck(mapping.completeness, Evidence(failing_cap=2, passing_cap=1))
    bare = dataclasses.asdict(dataclasses.replace(iiyama(), images=[], brand=None))
    for start in range(0, 10, 5):
        records = [{**bare, "identifier": f"BARE-{n}", "images": 0} for n in range(start, start + 5)]
        failures = check.run(check_rows(records, {}, mapping))
        assert {row["identifier"] for row in failures} == {f"BARE-{n}" for n in range(start, start + 5)}
    assert check.statistics["min_images"]["unexpected_count"] == 10
    assert len(check.evidence.rows) == 2 and check.evidence.capped
    assert check.evidence_counts()["min_images"] == 2
