"""The readiness report and the preflight run that feeds it.

The seed's onboarding checklist is a form of Y/N boxes ("attributes endpoint given?", "test product
created?"). `run_preflight` answers every box by doing the thing (collecting the taxonomy, running the
selection, checking the mapping, exercising the API) and `readiness_report` turns the answers into one JSON +
HTML page: each checklist line pass/fail with its evidence, plus the batch size, concurrency and retry
settings the production DAG should use, derived from what was measured.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

from icecat_akeneo.akeneo.client import MAX_COLLECTION_LINES, AkeneoClient, AkeneoSettings
from icecat_akeneo.icecat.client import IcecatClient, IcecatSettings
from icecat_akeneo.icecat.lookup import FOUND, ProductKeys
from icecat_akeneo.icecat.record import ProductRecord
from icecat_akeneo.preflight import taxonomy as t
from icecat_akeneo.preflight.api_tests import ProbeTargets, run_api_tests
from icecat_akeneo.preflight.filters import dry_run_selection
from icecat_akeneo.preflight.icecat_taxonomy import (
    OPTION_CALLS_PER_SECOND,
    Pacer,
    apply_plan,
    plan_icecat_taxonomy,
)
from icecat_akeneo.preflight.mapping_check import (
    ICECAT_TAXONOMY_OPTION,
    check_mapping,
    errors,
    unmapped_features,
)
from icecat_akeneo.preflight.samples import profile_features
from icecat_akeneo.preflight.suggest import DEFAULT_THRESHOLD, propose, write_draft
from icecat_akeneo.preflight.taxonomy import Taxonomy
from icecat_akeneo.preflight.taxonomy_snapshot import (
    diff_taxonomy,
    drift_errors,
    latest_snapshot,
    save_snapshot,
)
from icecat_akeneo.retry import RetryPolicy
from icecat_akeneo.run_folder import data_root
from icecat_akeneo.templates import render

DEFAULT_SAMPLE_SIZE = 10
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


def _checklist(results: dict[str, Any]) -> list[dict[str, Any]]:
    api = {check["name"]: check for check in results.get("api_tests", [])}
    grant = api.get("oauth_password_grant", {}).get("evidence", {})
    lines = [
        _line(
            f"{results.get('environment', 'DEV')} URL given and answering",
            bool(grant.get("status_code")),
            {"url": results.get("akeneo_url"), "token_status_code": grant.get("status_code")},
        )
    ]
    for label, name in API_LINES:
        check = api.get(name)
        lines.append(
            _line(
                label,
                bool(check and check["passed"]),
                check["evidence"] if check else {"reason": "not run (an earlier check failed)"},
            )
        )
    taxonomy = results.get("taxonomy", {})
    lines.append(
        _line(
            "Taxonomy collected (versioned snapshot)",
            taxonomy.get("attributes", 0) > 0,
            {
                key: taxonomy.get(key)
                for key in (
                    "snapshot",
                    "attributes",
                    "families",
                    "channels",
                    "locales",
                    "measurement_families",
                )
            },
        )
    )
    lines.append(
        _line(
            "No drift of mapped attributes since the previous snapshot",
            not taxonomy.get("drift_errors"),
            {"drift_errors": taxonomy.get("drift_errors", []), "diff": taxonomy.get("diff")},
        )
    )
    selection = results.get("filters", {})
    lines.append(
        _line(
            "Product selection (filters) returns products",
            selection.get("selected", 0) > 0,
            {key: value for key, value in selection.items() if key != "search"},
        )
    )
    check = results.get("mapping_check", {})
    lines.append(
        _line(
            "Mapping check: every mapped attribute writable",
            not check.get("errors"),
            {
                "errors": check.get("errors", []),
                "warnings": check.get("warnings", []),
                "unmapped_features_top": check.get("unmapped_features", [])[:10],
            },
        )
    )
    sample = results.get("icecat_sample", {})
    lines.append(_line("Icecat sample fetched for the selection", sample.get("records", 0) > 0, sample))
    return lines


def recommendations(results: dict[str, Any]) -> dict[str, Any]:
    """Production settings from what was measured (the mapping's own params when nothing was)."""
    api = {check["name"]: check for check in results.get("api_tests", [])}
    batch_ok = api.get("batch_100_lines", {}).get("passed", False)
    ramp = api.get("rate_and_concurrency", {}).get("evidence", {})
    observed = api.get("retry_backoff_observed", {}).get("evidence", {})
    policy = RetryPolicy()
    concurrency = ramp.get("max_concurrency_without_429") or 1
    return {
        "batch_size": MAX_COLLECTION_LINES if batch_ok else MAX_COLLECTION_LINES // 2,
        "akeneo_concurrency": concurrency,
        "why_concurrency": (
            f"429 first seen at {ramp['first_429_at']} parallel calls"
            if ramp.get("first_429_at")
            else f"no 429 up to {concurrency} parallel calls"
        ),
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


def probe_targets(mapping: Any, taxonomy: Taxonomy) -> ProbeTargets:
    """The dedicated test product and which mapped attributes the API tests write."""
    mapped = [taxonomy.attribute(field.attribute) for field in mapping.fields]
    mapped = [attribute for attribute in mapped if attribute]

    def first(*types: str) -> str | None:
        ranked = sorted(
            (attribute for attribute in mapped if attribute["type"] in types),
            key=lambda attribute: (
                types.index(attribute["type"]),
                not attribute.get("localizable"),
                not attribute.get("scopable"),
            ),
        )
        return ranked[0]["code"] if ranked else None

    families = mapping.selection.families or []
    return ProbeTargets(
        family=families[0] if families else None,
        channel=mapping.channel,
        locales=tuple(mapping.locales),
        text_attribute=first(t.TEXTAREA, t.TEXT),
        image_attribute=first(t.IMAGE, t.FILE),
    )


async def sample_records(
    icecat_settings: IcecatSettings, keys: list[tuple[str, ProductKeys]], languages: list[str]
) -> tuple[list[ProductRecord], dict[str, Any]]:
    records: list[ProductRecord] = []
    outcomes: dict[str, int] = {}
    async with IcecatClient(icecat_settings) as icecat:
        async for _, result in icecat.enrich_many(keys, languages):
            outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
            if result.outcome == FOUND:
                records.extend(result.records)
    return records, {"products": len(keys), "records": len(records), "outcomes": outcomes}


async def _preflight(
    mapping: Any,
    akeneo_settings: AkeneoSettings,
    icecat_settings: IcecatSettings,
    client_root: Path,
    sample_size: int,
    option_calls_per_second: float,
) -> dict[str, Any]:
    results: dict[str, Any] = {
        "client": mapping.client,
        "mapping_option": mapping.mapping_option,
        "akeneo_url": akeneo_settings.base_url,
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    async with AkeneoClient(akeneo_settings) as akeneo:
        raw = await akeneo.get_taxonomy()
        previous = latest_snapshot(client_root)
        snapshot = save_snapshot(raw, client_root)
        results["taxonomy"] = {
            "snapshot": str(snapshot),
            **{
                kind: len(raw.get(kind, []))
                for kind in ("attributes", "families", "channels", "locales", "measurement_families")
            },
            "diff": diff_taxonomy(previous, raw) if previous else None,
            "drift_errors": drift_errors(mapping, previous, raw) if previous else [],
        }
        results["filters"], keys = await dry_run_selection(akeneo, mapping, sample_size)
        records, results["icecat_sample"] = await sample_records(
            icecat_settings, keys, list(mapping.languages)
        )
        features = profile_features(records)
        if mapping.mapping_option == ICECAT_TAXONOMY_OPTION:
            # option 3 first creates what the mapping will write into, so the check below sees it
            plan = plan_icecat_taxonomy(records, mapping.languages, raw, mapping.selection.families or [])
            applied = await apply_plan(akeneo, plan, Pacer(option_calls_per_second))
            results["option"] = {"icecat_taxonomy": applied, "implied_fields": applied.pop("fields")}
            raw = await akeneo.get_taxonomy()
        taxonomy = Taxonomy(raw)
        findings = check_mapping(mapping, taxonomy, features)
        results["mapping_check"] = {
            "errors": [str(finding) for finding in errors(findings)],
            "warnings": [str(finding) for finding in findings if finding.severity != "error"],
            "findings": [finding.to_dict() for finding in findings],
            "unmapped_features": unmapped_features(mapping, features),
        }
    api = await run_api_tests(akeneo_settings, probe_targets(mapping, taxonomy), taxonomy)
    results["api_tests"] = [check.to_dict() for check in api]
    return results


def run_preflight(
    mapping: Any,
    akeneo_settings: AkeneoSettings,
    icecat_settings: IcecatSettings,
    out_dir: str | Path,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    root: Path | None = None,
    option_calls_per_second: float = OPTION_CALLS_PER_SECOND,
    environment: str = "DEV",
) -> dict[str, Any]:
    """The whole preflight for one client; writes `readiness.json` / `readiness.html` into `out_dir`.

    Taxonomy snapshots go to `<data root>/<client>/taxonomy/`. Under option 3 (`icecat_taxonomy`) it also
    creates the missing `icecat_*` attributes and options, pacing option writes. `environment` (DEV / PROD)
    labels the checklist's URL line. Returns the readiness JSON.
    """
    client_root = (root or data_root()) / mapping.client
    results = asyncio.run(
        _preflight(
            mapping, akeneo_settings, icecat_settings, client_root, sample_size, option_calls_per_second
        )
    )
    document, html_page = readiness_report({**results, "environment": environment})
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "preflight-results.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    (out / "readiness.json").write_text(
        json.dumps(document, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    (out / "readiness.html").write_text(html_page, encoding="utf-8")
    return document


async def _suggest(
    mapping: Any,
    akeneo_settings: AkeneoSettings,
    icecat_settings: IcecatSettings,
    out_dir: Path,
    sample_size: int,
    threshold: float,
) -> dict[str, Any]:
    async with AkeneoClient(akeneo_settings) as akeneo:
        raw = await akeneo.get_taxonomy()
        _, keys = await dry_run_selection(akeneo, mapping, sample_size)
    records, sample = await sample_records(icecat_settings, keys, list(mapping.languages))
    taken = [field.attribute for field in mapping.fields if not field.source.startswith("feature:")]
    proposals = propose(records, raw, mapping.languages, mapping.selection.families, taken)
    return {
        "sample": sample,
        **write_draft(proposals, mapping.client, mapping.languages, mapping.channel, out_dir, threshold),
    }


def suggest_mapping(
    mapping: Any,
    akeneo_settings: AkeneoSettings,
    icecat_settings: IcecatSettings,
    out_dir: str | Path,
    sample_size: int = 20,
    threshold: float = DEFAULT_THRESHOLD,
) -> dict[str, Any]:
    """Option 2: sample the client's selected products in Icecat and write `<client>.draft.yaml/.html/.json`.

    `mapping` supplies the selection, languages, channel and the non-feature fields already decided.
    """
    return asyncio.run(
        _suggest(mapping, akeneo_settings, icecat_settings, Path(out_dir), sample_size, threshold)
    )
