"""How alike two names are, robust to the ways PIM labels differ from Icecat's feature names.

Three views of the same pair, the best one wins: difflib's ratio (typos, plurals), word overlap
("Screen size" vs "Size of screen") and character trigrams (German compounds: "Bildschirmdiagonale" vs
"Bildschirmgröße" share a long stem but no whole word).
"""

from __future__ import annotations

import difflib
import re
import unicodedata

_NON_WORD = re.compile(r"[^\w]+")


def normalize(text: str) -> str:
    """Case-folded, accents kept apart from their letter, punctuation and `_` as spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_NON_WORD.sub(" ", stripped.replace("_", " ")).split())


def _trigrams(text: str) -> set[str]:
    compact = f"  {text.replace(' ', '')} "
    return {compact[index : index + 3] for index in range(len(compact) - 2)}


def similarity(left: str, right: str) -> float:
    a, b = normalize(left), normalize(right)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    ratio = difflib.SequenceMatcher(None, a, b).ratio()
    words_a, words_b = set(a.split()), set(b.split())
    overlap = len(words_a & words_b) / len(words_a | words_b)
    grams_a, grams_b = _trigrams(a), _trigrams(b)
    dice = 2 * len(grams_a & grams_b) / (len(grams_a) + len(grams_b))
    return max(overlap, (ratio + dice) / 2)
