"""Icecat language short codes and XML `langid` numbers.

The sandbox must reject unknown languages exactly like Icecat (error 2) and label XML-derived content with
the right language, so both tables live in one place.
"""

from __future__ import annotations

# Locale short codes accepted by Icecat (rapiddive/icecat-sdk list + GreenCore list, see api notes §3.2).
_LOCALE_CODES = (
    "ES_AR DE_AT NL_BE FR_BE DE_BE BR BG FR_CA ZH HR CZ DK ET FI FR KA DE EL HU EN_IN KN HI TA TE EN_ID ID "
    "FA EN_IE HE IT JA LV LT EN_MY ES_MX NL EN_NZ MK NO PL PT RO RU EN_SA SR EN_SG SK SL EN_ZA KO ES CA SV "
    "SE FR_CH DE_CH ZH_TW TH TR RU_UA UK AR EN US VI INT"
)
LANGUAGES: frozenset[str] = frozenset(_LOCALE_CODES.split())

# `INT` (language-independent values) exists in XML only; the JSON API answers error 2 for it.
XML_ONLY_LANGUAGES: frozenset[str] = frozenset({"INT"})

# Numeric `langid` of the XML interface; only the verified ones (api notes §3.2).
LANGID_TO_LANG: dict[str, str] = {
    "0": "INT",
    "1": "EN",
    "2": "NL",
    "3": "FR",
    "4": "DE",
    "5": "IT",
    "6": "ES",
    "12": "ZH",
}
LANG_TO_LANGID: dict[str, str] = {lang: langid for langid, lang in LANGID_TO_LANG.items()}

FALLBACK_LANGUAGE = "EN"


def normalize_language(raw: str | None) -> str | None:
    """Upper-case `raw` if it is a known Icecat code, else None."""
    if not raw:
        return None
    code = raw.strip().upper().replace("-", "_")
    return code if code in LANGUAGES else None
