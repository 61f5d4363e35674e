"""The preflight predicts the values the demo's first sync refuses (`unknown_option` for a colour and Wi-Fi
standards), with the fix, using transform's own option rules on the Icecat sample."""
from __future__ import annotations

import json
from pathlib import Path

from icecat_akeneo.mapping import load_mapping
from icecat_akeneo.preflight.readiness import recommendations
from icecat_akeneo.preflight.runner import run_preflight

from tests.conftest import Sandbox
from tests.fixtures.preflight.support import DEMO_MAPPING, akeneo_settings, icecat_settings


def test_the_demos_unknown_options_are_predicted_with_the_fix(akeneo: Sandbox, icecat: Sandbox,
                                                               tmp_path: Path) -> None:
    document = run_preflight(load_mapping(DEMO_MAPPING), akeneo_settings(akeneo), icecat_settings(icecat),
                             tmp_path / "out", sample_size=50, root=tmp_path / "data")
    results = json.loads((tmp_path / "out" / "preflight-results.json").read_text(encoding="utf-8"))
    predicted = [finding for finding in results["mapping_check"]["findings"] if finding["code"] == "unknown_option"]
    print(json.dumps(predicted, indent=1))
    assert {finding["attribute"] for finding in predicted} >= {"color", "wifi_standards"}
    for finding in predicted:
        assert "first sync would refuse" in finding["message"]
        assert "add the option" in finding["fix"] and "options:" in finding["fix"]
    # values are refused one by one, the products still go: a warning, the demo stays ready
    assert document["ready"], document["summary"]["failed"]
    warnings = next(line for line in document["checklist"] if line["line"].startswith("Mapping check"))
    assert any("wifi_standards" in warning for warning in warnings["evidence"]["warnings"])


def ramp(best: int) -> dict:
    return {"api_tests": [{"name": "rate_and_concurrency", "passed": True,
                           "evidence": {"max_concurrency_without_429": best, "first_429_at": None}}]}


def test_the_concurrency_recommendation_never_exceeds_akeneos_per_connection_limit() -> None:
    unlimited = recommendations(ramp(8))  # a sandbox or on-premise PIM that never said 429
    assert unlimited["akeneo_concurrency"] == 4
    assert "documented limit of 4" in unlimited["why_concurrency"]
    assert recommendations(ramp(2))["akeneo_concurrency"] == 2
