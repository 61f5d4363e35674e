"""The run report's language coverage matrix: per Akeneo locale and mapped localizable attribute, how many
values the run wrote (and Akeneo refused), how many it left because someone edited them in Akeneo, and how
many products had no content in that language at all.

"No content in that language" includes Icecat's fallbacks: asked for DE, Icecat sends its English sheet when it
has no German one; transform writes none of it into de_DE (`icecat.languages.answered_in`), so those products
count as missing in de_DE here, and per locale as "fallback" rather than as the locale's own content.
"""
from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from icecat_akeneo.akeneo.lines import read_ndjson
from icecat_akeneo.artifacts import (
    LOOKUPS,
    MANUAL_EDITS,
    QUARANTINE,
    RECORDS,
    RESULTS,
    TAXONOMY,
    batch_files,
)
from icecat_akeneo.icecat.languages import answered_in
from icecat_akeneo.icecat.lookup import Outcome
from icecat_akeneo.steps.batches import KeyedStore, parquet_pairs, product_batches

if TYPE_CHECKING:
    from icecat_akeneo.mapping import ClientMapping


@dataclass(frozen=True)
class LanguageContent:
    """Per product (found in Icecat, not quarantined): which mapped languages Icecat answered in itself."""

    own: Counter[str]        # Icecat language -> products with a sheet in that language
    fallback: Counter[str]   # Icecat language -> products answered only in another language
    products: int

    @classmethod
    def read(cls, run_dir: Path, languages: list[str]) -> LanguageContent:
        """Counted a batch of products at a time (records are contiguous per product); which products were
        found and not quarantined is asked of a keyed store, so nothing here grows with the catalogue."""
        own: Counter[str] = Counter()
        fallback: Counter[str] = Counter()
        with tempfile.TemporaryDirectory() as scratch, KeyedStore(Path(scratch) / "keys.sqlite") as keyed:
            keyed.put("found", parquet_pairs(LOOKUPS.path(run_dir), "identifier", where=("outcome", Outcome.FOUND)))
            keyed.put("quarantined", parquet_pairs(QUARANTINE.path(run_dir), "identifier"))
            products = keyed.counts["found"] - keyed.count_common("found", "quarantined")
            for batch in product_batches(RECORDS.path(run_dir), columns=["lang", "content_language"]):
                identifiers = [identifier for identifier, _ in batch]
                found = keyed.get_many("found", identifiers)
                quarantined = keyed.get_many("quarantined", identifiers)
                for identifier, rows in batch:
                    if identifier not in found or identifier in quarantined:
                        continue
                    answered: dict[str, bool] = {}
                    for row in rows:
                        lang = str(row["lang"]).upper()
                        answered[lang] = answered.get(lang, False) or answered_in(row.get("content_language"), lang)
                    for lang in languages:     # own content wins over a fallback in the same language
                        if answered.get(lang):
                            own[lang] += 1
                        elif lang in answered:
                            fallback[lang] += 1
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
    path = RESULTS.path(run_dir)
    if not path.exists() or not pq.ParquetFile(path).metadata.num_rows:
        yield from _values_of_lines(run_dir, None)
        return
    with tempfile.TemporaryDirectory() as scratch, KeyedStore(Path(scratch) / "keys.sqlite") as keyed:
        keyed.put("accepted", ((identifier, None) for identifier, status in parquet_pairs(
            path, "identifier", "status_code", where=("kind", "values")) if 200 <= int(status or 0) < 300))
        yield from _values_of_lines(run_dir, keyed)


def _values_of_lines(run_dir: Path, keyed: KeyedStore | None) -> Iterator[tuple[str, str, str]]:
    """Without load results (`keyed` None) every value is "written"; else as its product's line was judged."""
    for path in batch_files(run_dir):
        lines = list(read_ndjson(path))
        accepted = None if keyed is None else keyed.get_many("accepted", (line.get("identifier") for line in lines))
        for line in lines:
            verdict = "written" if accepted is None or line.get("identifier") in accepted else "refused"
            for attribute, entries in (line.get("values") or {}).items():
                yield from ((attribute, entry["locale"], verdict) for entry in entries if entry.get("locale"))


def coverage_matrix(run_dir: Path, mapping: ClientMapping) -> dict[str, Any]:
    """`{"attributes": [...], "locales": [{locale, language, products, own_content, fallback, no_sheet,
    cells: {attribute: {written, refused, manual_edits, missing_language}}}]}`; empty lists before enrich ran."""
    attributes = _localizable_attributes(run_dir, mapping)
    content = LanguageContent.read(run_dir, [lang.upper() for lang in mapping.languages])
    sent = Counter(_sent_values(run_dir))
    manual = Counter(parquet_pairs(MANUAL_EDITS.path(run_dir), "attribute", "locale"))
    locales = []
    for language, locale in mapping.languages.items():
        own, fallback = content.own[language.upper()], content.fallback[language.upper()]
        missing = content.products - own
        cells = {attribute: {"written": sent[(attribute, locale, "written")],
                             "refused": sent[(attribute, locale, "refused")],
                             "manual_edits": manual[(attribute, locale)], "missing_language": missing}
                 for attribute in attributes if _maps_locale(mapping, attribute, locale)}
        locales.append({"locale": locale, "language": language.upper(), "products": content.products,
                        "own_content": own, "fallback": fallback,
                        "no_sheet": content.products - own - fallback, "cells": cells})
    return {"attributes": attributes, "locales": locales}


def _maps_locale(mapping: ClientMapping, attribute: str, locale: str) -> bool:
    """Whether some field writes `attribute` in `locale` (a field's `locales:` may restrict it)."""
    return any(field.attribute == attribute and (not field.locales or locale in field.locales)
               for field in mapping.fields)
