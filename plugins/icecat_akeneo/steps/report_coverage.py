"""The run report's language coverage matrix: per Akeneo locale and mapped localizable attribute, how many
values the run wrote (and Akeneo refused), how many it left because someone edited them in Akeneo, and how
many products had no content in that language at all.

"No content in that language" includes Icecat's fallbacks: asked for DE, Icecat sends its English sheet when it
has no German one; transform writes none of it into de_DE (`icecat.languages.answered_in`), so those products
count as missing in de_DE here, and per locale as "fallback" rather than as the locale's own content.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from icecat_akeneo.akeneo.lines import read_ndjson
from icecat_akeneo.artifacts import LOOKUPS, MANUAL_EDITS, QUARANTINE, RECORDS, RESULTS, TAXONOMY, batch_files
from icecat_akeneo.icecat.languages import answered_in
from icecat_akeneo.icecat.lookup import Outcome

if TYPE_CHECKING:
    from icecat_akeneo.mapping import ClientMapping


@dataclass(frozen=True)
class LanguageContent:
    """Per product (found in Icecat, not quarantined): which mapped languages Icecat answered in itself."""

    own: dict[str, set[str]]        # Icecat language -> products with a sheet in that language
    fallback: dict[str, set[str]]   # Icecat language -> products answered in another language
    products: set[str]

    @classmethod
    def read(cls, run_dir: Path, languages: list[str]) -> LanguageContent:
        quarantined = {row["identifier"] for row in QUARANTINE.rows(run_dir)}
        products = {row["identifier"] for row in LOOKUPS.rows(run_dir)
                    if row.get("outcome") == Outcome.FOUND and row["identifier"] not in quarantined}
        own: dict[str, set[str]] = {lang: set() for lang in languages}
        fallback: dict[str, set[str]] = {lang: set() for lang in languages}
        path = RECORDS.path(run_dir)
        rows = (pq.read_table(path, columns=["identifier", "lang", "content_language"]).to_pylist()
                if path.exists() else [])
        for row in rows:
            lang, answered = str(row["lang"]).upper(), row.get("content_language")
            if row["identifier"] not in products or lang not in own:
                continue
            (own if answered_in(answered, lang) else fallback)[lang].add(row["identifier"])
        return cls(own, fallback, products)


def _localizable_attributes(run_dir: Path, mapping: ClientMapping) -> list[str]:
    path = TAXONOMY.path(run_dir)
    if not path.exists():
        return []
    attributes = json.loads(path.read_text(encoding="utf-8")).get("attributes") or []
    localizable = {attribute["code"] for attribute in attributes if attribute.get("localizable")}
    return list(dict.fromkeys(field.attribute for field in mapping.fields if field.attribute in localizable))


def _sent_values(run_dir: Path) -> Iterator[tuple[str, str, str]]:
    """(attribute, locale, "written" | "refused") of every localized value of the PATCH lines: written when
    Akeneo accepted its line (or, before anything was sent, when it is to be sent), refused otherwise."""
    results = RESULTS.rows(run_dir)
    accepted = {row["identifier"] for row in results
                if row.get("kind") == "values" and 200 <= int(row.get("status_code") or 0) < 300}
    for path in batch_files(run_dir):
        for line in read_ndjson(path):
            verdict = "written" if not results or line.get("identifier") in accepted else "refused"
            for attribute, entries in (line.get("values") or {}).items():
                yield from ((attribute, entry["locale"], verdict) for entry in entries if entry.get("locale"))


def coverage_matrix(run_dir: Path, mapping: ClientMapping) -> dict[str, Any]:
    """`{"attributes": [...], "locales": [{locale, language, products, own_content, fallback, no_sheet,
    cells: {attribute: {written, refused, manual_edits, missing_language}}}]}`; empty lists before enrich ran."""
    attributes = _localizable_attributes(run_dir, mapping)
    content = LanguageContent.read(run_dir, [lang.upper() for lang in mapping.languages])
    sent = Counter(_sent_values(run_dir))
    manual = Counter((row["attribute"], row["locale"]) for row in MANUAL_EDITS.rows(run_dir))
    locales = []
    for language, locale in mapping.languages.items():
        own, fallback = content.own[language.upper()], content.fallback[language.upper()]
        missing = len(content.products - own)
        cells = {attribute: {"written": sent[(attribute, locale, "written")],
                             "refused": sent[(attribute, locale, "refused")],
                             "manual_edits": manual[(attribute, locale)], "missing_language": missing}
                 for attribute in attributes if _maps_locale(mapping, attribute, locale)}
        locales.append({"locale": locale, "language": language.upper(), "products": len(content.products),
                        "own_content": len(own), "fallback": len(fallback - own),
                        "no_sheet": len(content.products - own - fallback), "cells": cells})
    return {"attributes": attributes, "locales": locales}


def _maps_locale(mapping: ClientMapping, attribute: str, locale: str) -> bool:
    """Whether some field writes `attribute` in `locale` (a field's `locales:` may restrict it)."""
    return any(field.attribute == attribute and (not field.locales or locale in field.locales)
               for field in mapping.fields)
