"""The write tests of the API technical tests: one dedicated product written in every configured
locale/scope, a UTF-8 round trip, the collection-PATCH batch limits and a media upload, then cleaned up."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from icecat_akeneo.akeneo.client import MAX_COLLECTION_LINES
from icecat_akeneo.catalog.taxonomy import Taxonomy
from icecat_akeneo.preflight.api_session import API, CheckResult, ProbeTargets, Session, line_statuses, message, ms

UTF8_SAMPLE = (
    "Café crème, naïve façade — Ærøskøbing; 中文 日本語 한국어; עברית العربية; "
    "emoji 🚀👍🏽; HTML &amp; &lt;b&gt; <b>bold</b>; line one\nline two\r\nline three"
)
# 1x1 transparent PNG: the smallest image any image attribute accepts.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def _value(attribute: dict[str, Any], locale: str | None, channel: str, data: Any) -> dict[str, Any]:
    return {
        "locale": locale if attribute.get("localizable") else None,
        "scope": channel if attribute.get("scopable") else None,
        "data": data,
    }


async def _product_values(session: Session, identifier: str) -> tuple[int, dict[str, Any]]:
    response = await session.call("GET", f"{API}/products/{identifier}")
    return response.status_code, (response.json().get("values", {}) if response.status_code == 200 else {})


async def check_writes(session: Session, targets: ProbeTargets, taxonomy: Taxonomy) -> list[CheckResult]:
    """Create the test product, PATCH it in both formats, write every locale/scope, batch 100 and 101."""
    identifier, results = targets.identifier, []
    body: dict[str, Any] = {"identifier": identifier, "enabled": False}
    if targets.family:
        body["family"] = targets.family
    start = time.perf_counter()
    created = await session.call("PATCH", f"{API}/products/{identifier}", json=body)
    results.append(
        CheckResult(
            "test_product_created",
            created.status_code in (201, 204),
            {
                "identifier": identifier,
                "status_code": created.status_code,
                "ms": ms(start),
                **({} if created.is_success else {"message": message(created)}),
            },
        )
    )
    attribute = taxonomy.attribute(targets.text_attribute or "") if targets.text_attribute else None
    if attribute is None:
        return results + [
            CheckResult("patch_formats", False, {"reason": "no text attribute mapped to write"})
        ]
    code, locale = attribute["code"], targets.locales[0]
    start = time.perf_counter()
    single = await session.call(
        "PATCH",
        f"{API}/products/{identifier}",
        json={"values": {code: [_value(attribute, locale, targets.channel, "preflight single")]}},
    )
    results.append(
        CheckResult(
            "patch_single_format",
            single.status_code == 204,
            {"status_code": single.status_code, "ms": ms(start), "attribute": code},
        )
    )
    start = time.perf_counter()
    collection = await session.patch_lines(
        [
            {
                "identifier": identifier,
                "values": {code: [_value(attribute, locale, targets.channel, "preflight collection")]},
            }
        ]
    )
    statuses = line_statuses(collection) if collection.status_code == 200 else []
    results.append(
        CheckResult(
            "patch_collection_format",
            statuses == [204],
            {"status_code": collection.status_code, "line_statuses": statuses, "ms": ms(start)},
        )
    )
    results.append(await _check_locales_scopes(session, targets, attribute))
    results.append(await _check_utf8(session, targets, attribute))
    results.extend(await _check_batch_limits(session, targets, attribute))
    return results


async def _check_locales_scopes(
    session: Session, targets: ProbeTargets, attribute: dict[str, Any]
) -> CheckResult:
    locales = targets.locales if attribute.get("localizable") else (None,)
    written = [
        _value(attribute, locale, targets.channel, f"preflight {locale or 'all'} {targets.channel}")
        for locale in locales
    ]
    response = await session.call(
        "PATCH", f"{API}/products/{targets.identifier}", json={"values": {attribute["code"]: written}}
    )
    _, values = await _product_values(session, targets.identifier)
    read = {(value["locale"], value["scope"]): value["data"] for value in values.get(attribute["code"], [])}
    missing = [
        f"{value['locale']}/{value['scope']}"
        for value in written
        if read.get((value["locale"], value["scope"])) != value["data"]
    ]
    return CheckResult(
        "locales_scopes_round_trip",
        response.status_code == 204 and not missing,
        {
            "attribute": attribute["code"],
            "status_code": response.status_code,
            "written": [f"{value['locale']}/{value['scope']}" for value in written],
            "not_read_back": missing,
            **({} if response.is_success else {"message": message(response)}),
        },
    )


async def _check_utf8(session: Session, targets: ProbeTargets, attribute: dict[str, Any]) -> CheckResult:
    # a text attribute holds one line: the same characters with the line breaks folded into spaces
    sample = UTF8_SAMPLE if attribute.get("type") == "pim_catalog_textarea" else " ".join(UTF8_SAMPLE.split())
    value = _value(attribute, targets.locales[0], targets.channel, sample)
    response = await session.patch_lines(
        [{"identifier": targets.identifier, "values": {attribute["code"]: [value]}}]
    )
    _, values = await _product_values(session, targets.identifier)
    read = next(
        (
            item["data"]
            for item in values.get(attribute["code"], [])
            if (item["locale"], item["scope"]) == (value["locale"], value["scope"])
        ),
        None,
    )
    return CheckResult(
        "utf8_round_trip",
        read == sample,
        {
            "attribute": attribute["code"],
            "status_code": response.status_code,
            "sent": sample,
            "read_back": read,
        },
    )


async def _check_batch_limits(
    session: Session, targets: ProbeTargets, attribute: dict[str, Any]
) -> list[CheckResult]:
    results = []
    for lines, expected in ((MAX_COLLECTION_LINES, 200), (MAX_COLLECTION_LINES + 1, 413)):
        batch = [
            {
                "identifier": targets.identifier,
                "values": {
                    attribute["code"]: [
                        _value(attribute, targets.locales[0], targets.channel, f"batch line {line}")
                    ]
                },
            }
            for line in range(lines)
        ]
        start = time.perf_counter()
        response = await session.patch_lines(batch)
        statuses = line_statuses(response) if response.status_code == 200 else []
        ok = response.status_code == expected and (expected != 200 or len(statuses) == lines)
        results.append(
            CheckResult(
                f"batch_{lines}_lines",
                ok,
                {
                    "status_code": response.status_code,
                    "expected": expected,
                    "lines_answered": len(statuses),
                    "ms": ms(start),
                    **({} if response.status_code == 200 else {"message": message(response)}),
                },
            )
        )
    return results


async def check_media(session: Session, targets: ProbeTargets, taxonomy: Taxonomy) -> CheckResult:
    attribute = taxonomy.attribute(targets.image_attribute) if targets.image_attribute else None
    if attribute is None:
        return CheckResult("media_upload", False, {"reason": "no image/file attribute mapped"})
    product = {
        "identifier": targets.identifier,
        "attribute": attribute["code"],
        "locale": targets.locales[0] if attribute.get("localizable") else None,
        "scope": targets.channel if attribute.get("scopable") else None,
    }
    start = time.perf_counter()
    response = await session.call(
        "POST",
        f"{API}/media-files",
        data={"product": json.dumps(product)},
        files={"file": ("icecat-preflight.png", TINY_PNG, "image/png")},
    )
    return CheckResult(
        "media_upload",
        response.status_code == 201,
        {
            "attribute": attribute["code"],
            "status_code": response.status_code,
            "ms": ms(start),
            "location": response.headers.get("Location"),
            **({} if response.is_success else {"message": message(response)}),
        },
    )


async def cleanup(session: Session, identifier: str) -> CheckResult:
    """DELETE the test product; where the PIM refuses DELETE, disable it instead."""
    deleted = await session.call("DELETE", f"{API}/products/{identifier}")
    if deleted.status_code == 204:
        return CheckResult("test_product_cleaned_up", True, {"method": "DELETE", "status_code": 204})
    disabled = await session.call("PATCH", f"{API}/products/{identifier}", json={"enabled": False})
    return CheckResult(
        "test_product_cleaned_up",
        disabled.status_code == 204,
        {
            "method": "PATCH enabled=false",
            "delete_status_code": deleted.status_code,
            "status_code": disabled.status_code,
        },
    )
