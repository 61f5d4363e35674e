"""The readiness report, from the results of the preflight run (`runner.run_preflight`).

The seed's onboarding checklist is a form of Y/N boxes ("attributes endpoint given?", "test product
created?"). `runner.run_preflight` answers every box by doing the thing (collecting the taxonomy, running the
selection, checking the mapping, exercising the API) and `readiness_report` turns the answers into one JSON +
HTML page: each checklist line pass/fail with its evidence, plus the batch size, concurrency and retry
settings the production DAG should use, derived from what was measured.
"""

from __future__ import annotations

from typing import Any

from icecat_akeneo.akeneo.client import MAX_COLLECTION_LINES, MAX_PARALLEL_CALLS_PER_CONNECTION
from icecat_akeneo.retry import RetryPolicy
from icecat_akeneo.templates import render

# (checklist line, API check name): the seed's form first, then what pre-production adds to it.
API_LINES = (
    ("Attributes endpoint given (/api/rest/v1/attributes/)", "attributes_endpoint"),
    ("Products endpoint given (/api/rest/v1/products/)", "products_endpoint"),
    ("OAuth2 password grant", "oauth_password_grant"),
    ("OAuth2 refresh grant", "oauth_refresh_grant"),
    ("Test product created", "test_product_created"),
    ("PATCH single product (application/json)", "patch_single_format"),
    ("PATCH collection (NDJSON)", "patch_collection_format"),
    ("Every configured locale/scope written and read back", "locales_scopes_round_trip"),
    ("Batch of 100 lines accepted", "batch_100_lines"),
    ("Batch of 101 lines refused (413)", "batch_101_lines"),
    ("Media upload (POST /media-files)", "media_upload"),
    ("UTF-8 round trip (accents, CJK, RTL, emoji, entities, newlines)", "utf8_round_trip"),
    ("Request rate and concurrency before 429 measured", "rate_and_concurrency"),
    ("Retry / back-off behaviour observed", "retry_backoff_observed"),
    ("Test product cleaned up", "test_product_cleaned_up"),
)


def _line(line: str, passed: bool, evidence: dict[str, Any]) -> dict[str, Any]:
    return {"line": line, "passed": bool(passed), "evidence": evidence}


TAXONOMY_COUNTS = ("snapshot", "attributes", "families", "channels", "locales", "measurement_families")


def _api_lines(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The URL line, then one line per API technical test in the checklist's order."""
    api = {check["name"]: check for check in results.get("api_tests", [])}
    grant = api.get("oauth_password_grant", {}).get("evidence", {})
    lines = [_line(f"{results.get('environment', 'DEV')} URL given and answering", bool(grant.get("status_code")),
                   {"url": results.get("akeneo_url"), "token_status_code": grant.get("status_code")})]
    for label, name in API_LINES:
        check = api.get(name)
        lines.append(_line(label, bool(check and check["passed"]),
                           check["evidence"] if check else {"reason": "not run (an earlier check failed)"}))
    return lines


def _checklist(results: dict[str, Any]) -> list[dict[str, Any]]:
    taxonomy = results.get("taxonomy", {})
    selection = results.get("filters", {})
    check = results.get("mapping_check", {})
    sample = results.get("icecat_sample", {})
    return [
        *_api_lines(results),
        _line("Taxonomy collected (versioned snapshot)", taxonomy.get("attributes", 0) > 0,
              {key: taxonomy.get(key) for key in TAXONOMY_COUNTS}),
        _line("No drift of mapped attributes since the previous snapshot", not taxonomy.get("drift_errors"),
              {"drift_errors": taxonomy.get("drift_errors", []), "diff": taxonomy.get("diff")}),
        _line("Product selection (filters) returns products", selection.get("selected", 0) > 0,
              {key: value for key, value in selection.items() if key != "search"}),
        _line("Mapping check: every mapped attribute writable", not check.get("errors"),
              {"errors": check.get("errors", []), "warnings": check.get("warnings", []),
               "unmapped_features_top": check.get("unmapped_features", [])[:10]}),
        _line("Icecat sample fetched for the selection", sample.get("records", 0) > 0, sample),
        # informational: where each mapped value of a variant family will be written (axes never are)
        _line("Variant families: mapped attributes by level (root model, sub-model, variant)", True,
              results.get("variants", {})),
    ]


def _why_concurrency(ramp: dict[str, Any], measured: int, recommended: int) -> str:
    seen = (f"429 first seen at {ramp['first_429_at']} parallel calls" if ramp.get("first_429_at")
            else f"no 429 up to {measured} parallel calls")
    if recommended < measured:
        seen += (f"; capped at Akeneo's documented limit of {MAX_PARALLEL_CALLS_PER_CONNECTION} concurrent calls "
                 "per connection (SaaS), which a production PIM enforces with 429s")
    return seen


def recommendations(results: dict[str, Any]) -> dict[str, Any]:
    """Production settings from what was measured (the mapping's own params when nothing was)."""
    api = {check["name"]: check for check in results.get("api_tests", [])}
    batch_ok = api.get("batch_100_lines", {}).get("passed", False)
    ramp = api.get("rate_and_concurrency", {}).get("evidence", {})
    observed = api.get("retry_backoff_observed", {}).get("evidence", {})
    policy = RetryPolicy()
    measured = ramp.get("max_concurrency_without_429") or 1
    concurrency = min(measured, MAX_PARALLEL_CALLS_PER_CONNECTION)
    return {
        "batch_size": MAX_COLLECTION_LINES if batch_ok else MAX_COLLECTION_LINES // 2,
        "akeneo_concurrency": concurrency,
        "why_concurrency": _why_concurrency(ramp, measured, concurrency),
        "retry": {
            "max_attempts": policy.max_attempts,
            "base_delay_s": policy.base_delay,
            "max_delay_s": policy.max_delay,
            "retry_on": "408, 425, 429, 5xx, timeouts, resets",
            "honour_retry_after": True,
            "server_sent_retry_after": observed.get("retry_after_values", []),
        },
        "expected_requests_per_second": ramp.get("requests_per_second_at_max"),
    }


def readiness_report(results: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """(JSON document, HTML page) from the results `run_preflight` collected."""
    lines = _checklist(results)
    failed = [line["line"] for line in lines if not line["passed"]]
    document = {
        "client": results.get("client"),
        "mapping_option": results.get("mapping_option"),
        "generated": results.get("generated"),
        "ready": not failed,
        "summary": {"lines": len(lines), "passed": len(lines) - len(failed), "failed": failed},
        "checklist": lines,
        "recommended": recommendations(results),
        "option": results.get("option", {}),
    }
    return document, render("readiness.html", title=f"Readiness report: {document['client']}", **document)
