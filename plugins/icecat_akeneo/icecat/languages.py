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
