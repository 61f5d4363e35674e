"""The Icecat language codes the connector supports, and the XML interface's numeric `langid`s.

The sandbox keeps its own copy on purpose (it never imports the connector, so a bug cannot hide on both
sides of the wire). Mapping files are checked against `ICECAT_LANGUAGES` when they load.
"""

from __future__ import annotations

# Locale short codes accepted by Icecat's JSON API (api notes §3.2). `INT` (language-independent values)
# exists on the XML interface only, which the connector does not query, so a mapping cannot ask for it.
ICECAT_LANGUAGES: frozenset[str] = frozenset(
    "ES_AR DE_AT NL_BE FR_BE DE_BE BR BG FR_CA ZH HR CZ DK ET FI FR KA DE EL HU EN_IN KN HI TA TE EN_ID ID "
    "FA EN_IE HE IT JA LV LT EN_MY ES_MX NL EN_NZ MK NO PL PT RO RU EN_SA SR EN_SG SK SL EN_ZA KO ES CA SV "
    "SE FR_CH DE_CH ZH_TW TH TR RU_UA UK AR EN US VI".split()
)

# The XML interface's verified numeric language ids (api notes §3.2).
LANGID_TO_LANG = {"0": "INT", "1": "EN", "2": "NL", "3": "FR", "4": "DE", "5": "IT", "6": "ES", "12": "ZH"}

LANGUAGE_VARIANT_OF = {"US": "EN", "BR": "PT"}
"""Icecat languages that are variants of another (US English for EN); ZH_TW-style codes reduce to `ZH`."""


def base_language(code: str) -> str:
    code = code.upper()
    return LANGUAGE_VARIANT_OF.get(code, code.split("_")[0])


def answered_in(content_language: str | None, language: str) -> bool:
    """Whether a record's `content_language` is the `language` asked for: asked for DE, Icecat sends its
    English sheet when it has no German one (content language EN). Such a fallback is no German content:
    transform writes none of it into de_DE, and enrich and the run report count it as a fallback, not as DE.
    A record that does not say which language it is in counts as answered."""
    return not content_language or base_language(content_language) == base_language(language)
