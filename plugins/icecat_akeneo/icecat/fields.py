"""Single values of an Icecat data-sheet, read defensively: one bad value costs that field, not the product.

Icecat sends numbers as strings, empty strings / {} / [] for "no value", two date formats, and (on a bad day,
or from an attacker) anything else: numbers where text belongs, 2^70 as an id, 1e30 as a size, lone UTF-16
surrogates, `javascript:` URLs, megabytes of text. `FieldReader` converts each value strictly (no coercion:
a title must be a string, a URL an http(s) URL, an id an integer in range) and *refuses* a value it cannot
use: the field reads as empty and "path: reason" is kept on the record (`ProductRecord.refusals`), so the
product goes on and the report can show what was left out. Every accepted number fits its Parquet column.
Only a document that cannot be read at all (not a data-sheet, no usable Icecat id) raises `NormalizeError`.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
MAX_TEXT_CHARS = 1_000_000
"""Longer text is refused: no Akeneo attribute holds more than 65535 characters, and a run keeps records."""
MAX_URL_CHARS = 4096
MAX_DEPTH = 64
"""Deepest nesting accepted in a document (real data-sheets nest < 10 levels)."""

_NO_VALUE = (None, "", {}, [])
SURROGATES = re.compile("[\ud800-\udfff]")
_NOT_IN_URL = re.compile("[\\s\x00-\x1f\x7f\ud800-\udfff]")
_INTEGER = re.compile(r"[+-]?[0-9]{1,20}")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}([_-][A-Za-z]{2,4})?")
# http(s), a host of letters, digits, dots and hyphens, no user, maybe a port, then the path: `urlsplit` accepts
# every such URL with a port in 1..65535 (tests), so the common case skips it (~100 URLs per data-sheet).
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::([0-9]{1,5}))?/")
_TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M%S", "%Y-%m-%dT%H:%M:%S")


class NormalizeError(ValueError):
    """An Icecat document that cannot be turned into a ProductRecord at all."""

    def __init__(self, product: str, field: str, problem: str) -> None:
        super().__init__(f"Icecat product {product}: field {field}: {problem}")
        self.product = product
        self.field = field
        self.problem = problem


class Refused(ValueError):
    """A value present but unusable; the message says why (the caller knows the product and path)."""


def describe(value: object) -> str:
    """A short, safe description of a raw value for messages (never a 5 MB repr, never a huge int's digits)."""
    if isinstance(value, bool):
        return f"a boolean ({value})"
    if isinstance(value, int):
        return f"the integer {value}" if value.bit_length() <= 128 else f"a {value.bit_length()}-bit integer"
    if isinstance(value, str):
        return f"{value[:60]!r}" + (f" ({len(value)} characters)" if len(value) > 60 else "")
    if isinstance(value, float):
        return f"the number {value!r}"
    return {dict: "an object", list: "a list"}.get(type(value), f"a {type(value).__name__}")


def as_text(value: object, numbers: bool = False) -> str | None:
    """A stripped string, None for "no value"; `numbers` also accepts integers (Icecat sends some codes as
    JSON numbers). Lone surrogates are left for `FieldReader.text` to replace and report."""
    if type(value) is str:  # nearly every call (a data-sheet holds ~700 texts): no tuple scan, no isinstance
        text = value.strip()
        if len(text) > MAX_TEXT_CHARS:
            raise Refused(f"too long: {len(text)} characters > {MAX_TEXT_CHARS}")
        return text or None
    if value in _NO_VALUE:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int) if numbers else str):
        raise Refused(f"expected a string, got {describe(value)}")
    if isinstance(value, int) and not 0 <= value <= INT64_MAX:
        raise Refused(f"expected a code, got {describe(value)}")
    text = str(value).strip()
    if len(text) > MAX_TEXT_CHARS:
        raise Refused(f"too long: {len(text)} characters > {MAX_TEXT_CHARS}")
    return text or None


def as_integer(value: object, low: int, high: int) -> int | None:
    """An integer (a JSON number or a decimal string) within [low, high]; None for "no value"."""
    if type(value) is str and len(value) <= 20 and value.isascii() and value.isdigit():  # nearly every call
        number = int(value)
    elif value in _NO_VALUE:
        return None
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value.strip())
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raise Refused(f"expected an integer, got {describe(value)}")
    if not low <= number <= high:
        raise Refused(f"out of range: {describe(number)} is not in {low}..{high}")
    return number


def as_url(value: object) -> str | None:
    """An absolute http(s) URL with a host, without whitespace or control characters."""
    text = as_text(value)
    if text is None:
        return None
    if len(text) > MAX_URL_CHARS:
        raise Refused(f"URL too long: {len(text)} characters > {MAX_URL_CHARS}")
    if _NOT_IN_URL.search(text):
        raise Refused(f"URL contains whitespace or control characters: {describe(text)}")
    if _is_plain_url(text):
        return text
    try:
        parts = urlsplit(text)
        valid = parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:
        valid = False
    if not valid:
        raise Refused(f"not an http(s) URL: {describe(text)}")
    return text


def _is_plain_url(text: str) -> bool:
    plain = _PLAIN_URL.match(text)
    return plain is not None and (plain[1] is None or 0 < int(plain[1]) <= 65535)


def as_date(value: object, fmt: str) -> dt.date | None:
    """`fmt` is "%d-%m-%Y" for the JSON API and "%Y-%m-%d" for the XML interface."""
    text = as_text(value)
    if text is None:
        return None
    try:
        return dt.datetime.strptime(text, fmt).date()
    except ValueError:
        raise Refused(f"expected a date as {fmt}, got {describe(text)}") from None


def as_timestamp(value: object) -> dt.datetime | None:
    """Icecat's `Updated`: "YYYY-MM-DD HH:MM:SS" in data-sheets, "YYYYMMDDhhmmss" in index files."""
    text = as_text(value)
    if text is None:
        return None
    for fmt in _TIMESTAMP_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise Refused(f"expected a timestamp like 2025-01-31 12:00:00, got {describe(text)}")


def as_language(value: object) -> str | None:
    """An Icecat language code (EN, ZH_TW), upper-cased."""
    text = as_text(value)
    if text is None:
        return None
    if not _LANGUAGE.fullmatch(text):
        raise Refused(f"expected a language code like EN or ZH_TW, got {describe(text)}")
    return text.upper().replace("-", "_")


def parse_timestamp(value: object, product: str, field: str) -> dt.datetime | None:
    """`as_timestamp` for callers outside a data-sheet (the daily index): a bad value is a NormalizeError."""
    try:
        return as_timestamp(value)
    except Refused as refused:
        raise NormalizeError(product, field, str(refused)) from None


def required_id(value: object, source: str, field: str) -> int:
    """The product's Icecat id: without a usable one the document cannot be keyed, so it is not read."""
    try:
        icecat_id = as_integer(value, 1, INT64_MAX)
    except Refused as refused:
        raise NormalizeError(source, field, str(refused)) from None
    if icecat_id is None:
        raise NormalizeError(source, field, "missing")
    return icecat_id


class FieldReader:
    """The converters above for one document: a refused value reads as None and is noted as "path: reason"
    in `refusals` (which becomes `ProductRecord.refusals`)."""

    def __init__(self) -> None:
        self.refusals: list[str] = []

    def refuse(self, path: str, reason: str) -> None:
        self.refusals.append(f"{path}: {reason}")

    def text(self, value: object, path: str, numbers: bool = False) -> str | None:
        if type(value) is str and len(value) <= MAX_TEXT_CHARS:  # nearly every call: nothing to refuse
            text = value.strip()
            if text.isascii():
                return text or None
        try:
            text = as_text(value, numbers)
        except Refused as refused:
            return self.refuse(path, str(refused))
        if text is not None and not text.isascii() and SURROGATES.search(text):
            self.refuse(path, "lone UTF-16 surrogate(s) replaced by U+FFFD")
            text = SURROGATES.sub("\ufffd", text)
        return text

    def integer(self, value: object, path: str, low: int = 0, high: int = INT64_MAX) -> int | None:
        return self._guarded(path, as_integer, value, low, high)

    def identifier(self, value: object, path: str) -> int | None:
        """An Icecat id (positive, int64); a missing one is refused too (the caller leaves its item out)."""
        number = self._guarded(path, as_integer, value, 1, INT64_MAX)
        if number is None and value in _NO_VALUE:
            self.refuse(path, "missing")
        return number

    def flag(self, value: object, path: str, yes: tuple[object, ...], no: tuple[object, ...]) -> bool:
        """A yes/no value spelled as one of `yes` / `no` (Icecat: "Y" / "N", 1 / 0); anything else is refused
        and reads as no."""
        if not isinstance(value, bool):
            if value in yes:
                return True
            if value in _NO_VALUE or value in no:
                return False
        self.refuse(path, f"expected one of {', '.join(map(repr, yes + no))}, got {describe(value)}")
        return False

    def url(self, value: object, path: str) -> str | None:
        return self._guarded(path, as_url, value)

    def date(self, value: object, fmt: str, path: str) -> dt.date | None:
        return self._guarded(path, as_date, value, fmt)

    def timestamp(self, value: object, path: str) -> dt.datetime | None:
        return self._guarded(path, as_timestamp, value)

    def language(self, value: object, path: str) -> str | None:
        return self._guarded(path, as_language, value)

    def _guarded(self, path: str, convert, *args):  # noqa: ANN001, ANN202 - a converter above and its result
        try:
            return convert(*args)
        except Refused as refused:
            return self.refuse(path, str(refused))
