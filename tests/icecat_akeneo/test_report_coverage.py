"""The run report's language coverage matrix: written, refused, kept as manual edits, missing for lack of
content in the language, with Icecat's English answers to a German request counted as fallbacks."""
from __future__ import annotations

import json
from pathlib import Path

from icecat_akeneo.artifacts import LOOKUPS, MANUAL_EDITS, QUARANTINE, RECORDS, RESULTS, TAXONOMY, batch_path
from icecat_akeneo.mapping import load_mapping
from icecat_akeneo.steps.report_coverage import coverage_matrix

DEMO_MAPPING = Path("include/mappings/demo.yaml")


def write_run(run: Path) -> None:
    TAXONOMY.path(run).parent.mkdir(parents=True)
    TAXONOMY.path(run).write_text(json.dumps({"attributes": [
        {"code": "name", "localizable": True}, {"code": "description", "localizable": True},
        {"code": "color", "localizable": False}]}))
    LOOKUPS.write(run, [{"identifier": product, "outcome": "found"} for product in ("A", "B", "C", "Q")])
    QUARANTINE.write(run, [{"identifier": "Q", "rule": "title_present"}])
    RECORDS.write(run, [
        {"identifier": "A", "icecat_id": 1, "lang": "EN", "content_language": "EN"},
        {"identifier": "A", "icecat_id": 1, "lang": "DE", "content_language": "DE"},
        {"identifier": "B", "icecat_id": 2, "lang": "EN", "content_language": "EN"},
        {"identifier": "B", "icecat_id": 2, "lang": "DE", "content_language": "EN"},  # English fallback
        {"identifier": "C", "icecat_id": 3, "lang": "EN", "content_language": "US"},  # US counts as EN
        {"identifier": "Q", "icecat_id": 4, "lang": "DE", "content_language": "DE"},  # quarantined: not counted
    ])
    lines = [{"identifier": "A", "values": {"name": [{"locale": "en_US", "scope": None, "data": "a"},
                                                     {"locale": "de_DE", "scope": None, "data": "a"}],
                                            "color": [{"locale": None, "scope": None, "data": "red"}]}},
             {"identifier": "B", "values": {"name": [{"locale": "en_US", "scope": None, "data": "b"}]}},
             {"identifier": "C", "values": {"name": [{"locale": "en_US", "scope": None, "data": "c"}]}}]
    batch_path(run, 1).parent.mkdir(parents=True, exist_ok=True)
    batch_path(run, 1).write_text("".join(json.dumps(line) + "\n" for line in lines))
    RESULTS.write(run, [{"identifier": "A", "status_code": 204, "kind": "values"},
                        {"identifier": "B", "status_code": 204, "kind": "values"},
                        {"identifier": "C", "status_code": 422, "kind": "values"}])
    MANUAL_EDITS.write(run, [{"identifier": "B", "attribute": "description", "locale": "en_US"}])


def test_the_matrix_counts_fallbacks_as_missing_german_content(tmp_path: Path) -> None:
    write_run(tmp_path)
    matrix = coverage_matrix(tmp_path, load_mapping(DEMO_MAPPING))
    assert matrix["attributes"][:2] == ["name", "description"] and "color" not in matrix["attributes"]
    locales = {row["locale"]: row for row in matrix["locales"]}
    english, german = locales["en_US"], locales["de_DE"]
    assert (english["products"], english["own_content"], english["fallback"], english["no_sheet"]) == (3, 3, 0, 0)
    assert (german["own_content"], german["fallback"], german["no_sheet"]) == (1, 1, 1)
    assert english["cells"]["name"] == {"written": 2, "refused": 1, "manual_edits": 0, "missing_language": 0}
    assert english["cells"]["description"] == {"written": 0, "refused": 0, "manual_edits": 1,
                                               "missing_language": 0}
    # B's German "sheet" was English and C has none: two products without German content, one value written
    assert german["cells"]["name"] == {"written": 1, "refused": 0, "manual_edits": 0, "missing_language": 2}


def test_before_anything_ran_the_matrix_is_empty(tmp_path: Path) -> None:
    matrix = coverage_matrix(tmp_path, load_mapping(DEMO_MAPPING))
    assert matrix["attributes"] == []
    assert all(row["products"] == 0 and row["cells"] == {} for row in matrix["locales"])
