"""One mapped Icecat value -> the `data` of one Akeneo value, decided by the target attribute's type.

Every check Akeneo would make on a value and that the taxonomy lets us make in advance happens here (type,
option codes, units of the measurement family, text length, URLs): a value that would fail comes back as a
`ValueRejected` with the reason, so it is reported once instead of failing a whole PATCH line with a 422.
Text is sanitized (`sanitize.py`); a URL, to download or to write into a text attribute, must pass
`media_policy.url_problem` (http(s), a host, no user info). Nothing here raises on odd input or does I/O.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from icecat_akeneo.asset_values import ASSET_COLLECTION, asset_collection
from icecat_akeneo.catalog import taxonomy as t
from icecat_akeneo.catalog.compatibility import ICECAT_SIGN_UNITS, UNIT_FACTORS
from icecat_akeneo.catalog.taxonomy import Taxonomy, option_code, short_type
from icecat_akeneo.icecat.record import Feature
from icecat_akeneo.mapping import FieldMapping
from icecat_akeneo.media_policy import url_problem
from icecat_akeneo.sanitize import html_kind, sanitize

TEXT_DEFAULT_MAX = {t.TEXT: 255, t.TEXTAREA: 65535}  # Akeneo's limits when an attribute sets no max_characters
AMOUNT_PLACES = Decimal("0.0001")
"""Akeneo stores decimals with 4 places; converted amounts are rounded to that and trailing zeros dropped."""
MAX_DIGITS = 15
"""Integer digits beyond which a number is surely not a product measure (and would overflow Akeneo)."""
TRUE_WORDS, FALSE_WORDS = {"y", "yes", "true", "1"}, {"n", "no", "false", "0"}
_LOOKS_LIKE_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S*")
"""A text value that is one token starting with a scheme (`https://…`, `javascript:…`, `file:///…`)."""
NEVER_WRITTEN = {"pim_catalog_identifier": "the identifier is never written by the connector",
                 "pim_catalog_price_collection": "prices are never written by the connector"}


@dataclass(frozen=True)
class ValueRejected:
    """A value that would not pass Akeneo's validation, with the reason a PIM manager can act on."""
    attribute: str
    locale: str | None
    scope: str | None
    reason: str
    kind: str = "invalid_value"    # short category for reports: unknown_option, too_long, wrong_type, ...


@dataclass(frozen=True)
class MediaUpload:
    """An image/file value: the URL to download and upload via `POST /media-files` at load time."""
    url: str


class _Rejected(Exception):
    """Internal: one converter's reason; `convert` turns it into a ValueRejected."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind


def is_empty(value: object) -> bool:
    """Nothing to send: no value, blank text, a list of blanks, a feature without any value."""
    if isinstance(value, Feature):
        return not (value.raw_value or value.presentation_value)
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list):
        return all(is_empty(item) for item in value)
    return value is None


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _as_text(value: object, join: str) -> str:
    if isinstance(value, Feature):
        text = value.presentation_value or " ".join(part for part in (value.raw_value, value.unit) if part)
        return text.strip()
    if isinstance(value, list):
        return join.join(str(item).strip() for item in value if item is not None and str(item).strip())
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _as_decimal(value: object) -> Decimal:
    raw = value.raw_value if isinstance(value, Feature) else value
    if isinstance(raw, bool) or isinstance(raw, (list, dict)) or raw is None:
        raise _Rejected("wrong_type", f"expects a number, got {_describe(value)}")
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        raise _Rejected("wrong_type", f"expects a number, got {_describe(value)}") from None
    if not number.is_finite():
        raise _Rejected("wrong_type", f"expects a finite number, got {raw!r}")
    if number and number.adjusted() >= MAX_DIGITS:
        raise _Rejected("out_of_range", f"cannot hold {raw!r}: more than {MAX_DIGITS} digits")
    return number


def _describe(value: object) -> str:
    if isinstance(value, Feature):
        return f"feature {value.feature_id} ({value.type}) value {value.raw_value!r}"
    return repr(value)


def _amount(number: Decimal, attribute: dict[str, Any]) -> str | int:
    """Decimal-string when the attribute allows decimals (`"2.7"`), integer otherwise."""
    if number < 0 and attribute.get("negative_allowed") is False:
        raise _Rejected("out_of_range", f"does not allow negative values, got {number}")
    for bound, outside, side in (("number_min", number.__lt__, "at least"),
                                 ("number_max", number.__gt__, "at most")):
        limit = attribute.get(bound)
        if limit not in (None, "") and outside(Decimal(str(limit))):
            raise _Rejected("out_of_range", f"must be {side} {limit}, got {format(number.normalize(), 'f')}")
    rounded = number.quantize(AMOUNT_PLACES) if number != number.to_integral_value() else number
    if attribute.get("decimals_allowed"):
        return format(rounded.normalize(), "f")
    if rounded != rounded.to_integral_value():
        shown = format(rounded.normalize(), "f")
        raise _Rejected("not_an_integer", f"requires a non-decimal value, and {shown} is not")
    return int(rounded)


def _text(value: object, attribute: dict[str, Any], field: FieldMapping, taxonomy: Taxonomy) -> str:
    text = sanitize(_as_text(value, field.join), html_kind(attribute, field.html)).strip()
    if _LOOKS_LIKE_URL.fullmatch(text):
        problem = url_problem(text)
        if problem:
            raise _Rejected("unsafe_url", f"refuses {text[:80]!r}: {problem}")
    if not field.precheck:
        return text
    limit = attribute.get("max_characters") or TEXT_DEFAULT_MAX[attribute["type"]]
    if len(text) > int(limit):
        raise _Rejected("too_long",
                        f"must not contain more than {limit} characters, the value has {len(text)}")
    _check_validation_rule(text, attribute)
    return text


def _check_validation_rule(text: str, attribute: dict[str, Any]) -> None:
    """Akeneo's text `validation_rule`: url, email, or regexp (a PHP pattern such as `/^[A-Z]+$/i`)."""
    rule = attribute.get("validation_rule")
    if rule == "url" and not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", text, re.IGNORECASE):
        raise _Rejected("validation_rule", f"must be a URL, got {text[:80]!r}")
    if rule == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        raise _Rejected("validation_rule", f"must be an e-mail address, got {text[:80]!r}")
    pattern = attribute.get("validation_regexp")
    if rule == "regexp" and pattern:
        delimited = re.fullmatch(r"(.)(.*)\1([a-zA-Z]*)", pattern, re.DOTALL)
        body, flags = (delimited.group(2), delimited.group(3)) if delimited else (pattern, "")
        try:
            matched = re.search(body, text, re.IGNORECASE if "i" in flags else 0)
        except re.error:
            return      # a PHP-only pattern: leave the verdict to Akeneo
        if not matched:
            raise _Rejected("validation_rule", f"must match the regular expression {pattern}")


def _number(value: object, attribute: dict[str, Any], field: FieldMapping, taxonomy: Taxonomy) -> str | int:
    return _amount(_as_decimal(value), attribute)


def _metric(value: object, attribute: dict[str, Any], field: FieldMapping,
            taxonomy: Taxonomy) -> dict[str, Any]:
    family = attribute.get("metric_family")
    units = taxonomy.metric_units(family)
    target = field.unit or attribute.get("default_metric_unit")
    if target not in units:
        known = ", ".join(sorted(units))
        raise _Rejected("unknown_unit", f"unit {target!r} is not in measurement family {family!r} ({known})")
    number = _as_decimal(value)
    sign = value.unit if isinstance(value, Feature) else None
    if not sign:
        raise _Rejected("missing_unit",
                        f"needs a unit, but {_describe(value)} has none: map it to a number attribute")
    source_unit = ICECAT_SIGN_UNITS.get(sign.strip())
    if source_unit not in units:
        raise _Rejected("unknown_unit", f"Icecat unit {sign!r} has no unit in measurement family {family!r}")
    if source_unit != target:
        if source_unit not in UNIT_FACTORS or target not in UNIT_FACTORS:
            raise _Rejected("unknown_unit",
                            f"cannot convert {source_unit} to {target}: no conversion factor known")
        number = number * UNIT_FACTORS[source_unit] / UNIT_FACTORS[target]
    return {"amount": _amount(number, attribute), "unit": target}


def _boolean(value: object, attribute: dict[str, Any], field: FieldMapping, taxonomy: Taxonomy) -> bool:
    raw = value.raw_value if isinstance(value, Feature) else value
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise _Rejected("wrong_type", f"expects Y or N, got {_describe(value)}")


def _select_values(value: object) -> list[str]:
    """Icecat sends a multi_dropdown's raw value comma-separated (`802.11a,Wi-Fi 5 (802.11ac)`)."""
    if isinstance(value, Feature):
        raw = value.raw_value or value.presentation_value or ""
        return [part.strip() for part in raw.split(",") if part.strip()]
    return [str(item).strip() for item in _as_list(value) if item is not None and str(item).strip()]


def _option_codes(values: list[str], attribute: dict[str, Any], field: FieldMapping,
                  taxonomy: Taxonomy) -> list[str]:
    """Per Icecat value: the field's `options` map, else an option whose code is the value's slug, else an
    option labelled with the value in any locale (clients' own codes rarely follow our slug)."""
    options = taxonomy.options(attribute["code"])
    existing = {option["code"].lower(): option["code"] for option in options}
    by_label = {label.strip().casefold(): option["code"]
                for option in options for label in (option.get("labels") or {}).values() if label}
    mapped = {key.lower(): code for key, code in field.options.items()}
    codes, unknown = [], []
    for item in values:
        code = field.options.get(item) or mapped.get(item.lower())
        if code is None:
            code = option_code(item)
            code = code if code.lower() in existing else by_label.get(item.casefold(), code)
        if code.lower() in existing or not field.precheck:
            codes.append(existing.get(code.lower(), code))
        else:
            unknown.append(f"{code!r} (Icecat value {item!r})")
    if unknown:
        raise _Rejected("unknown_option",
                        f"option code(s) {', '.join(unknown)} do not exist: create them in Akeneo or map "
                        "the Icecat value under the field's `options:`")
    return list(dict.fromkeys(codes))


def _simpleselect(value: object, attribute: dict[str, Any], field: FieldMapping, taxonomy: Taxonomy) -> str:
    values = _select_values(value)
    if len(values) > 1:
        raise _Rejected("several_values",
                        f"is a simple select but Icecat gives {len(values)} values {values}: "
                        "map the feature to a multiselect attribute")
    return _option_codes(values, attribute, field, taxonomy)[0]


def _multiselect(value: object, attribute: dict[str, Any], field: FieldMapping,
                 taxonomy: Taxonomy) -> list[str]:
    return _option_codes(_select_values(value), attribute, field, taxonomy)


def _date(value: object, attribute: dict[str, Any], field: FieldMapping, taxonomy: Taxonomy) -> str:
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(_as_text(value, "")[:10])
        except ValueError:
            raise _Rejected("wrong_type", f"expects a date (YYYY-MM-DD), got {_describe(value)}") from None
    for bound, outside, side in (("date_min", day.__lt__, "after"), ("date_max", day.__gt__, "before")):
        limit = str(attribute.get(bound) or "")[:10]
        if limit and outside(dt.date.fromisoformat(limit)):
            raise _Rejected("out_of_range", f"requires a date that is {limit} or {side}, got {day}")
    return f"{day.isoformat()}T00:00:00+00:00"


def _media(value: object, attribute: dict[str, Any], field: FieldMapping, taxonomy: Taxonomy) -> MediaUpload:
    """The URL to download. Its name decides nothing: what the file really is (signature and Content-Type)
    is checked against the allowed extensions at load (`media_types.content_problem`), so an allowed file is
    never refused for its name, and the policy's host and size checks happen there too."""
    url = str(_as_list(value)[0]).strip()
    problem = url_problem(url)
    if problem:
        raise _Rejected("wrong_type", f"expects a file URL to download, got {url[:80]!r}: {problem}")
    return MediaUpload(url)


CONVERTERS = {
    t.TEXT: _text, t.TEXTAREA: _text, t.NUMBER: _number, t.METRIC: _metric, t.BOOLEAN: _boolean,
    t.SIMPLESELECT: _simpleselect, t.MULTISELECT: _multiselect, t.DATE: _date,
    t.IMAGE: _media, t.FILE: _media, ASSET_COLLECTION: asset_collection,  # -> AssetCollectionUpload
}


def convert(value: object, attribute: dict[str, Any], field: FieldMapping, taxonomy: Taxonomy, *,
            locale: str | None, scope: str | None) -> Any:
    """The Akeneo `data` for `value` (a `MediaUpload` for image/file attributes), or a `ValueRejected`."""
    code, attribute_type = attribute.get("code", field.attribute), attribute.get("type", "")
    converter = CONVERTERS.get(attribute_type)
    if converter is None:
        unsupported = f"attribute type {short_type(attribute_type)} is not supported"
        reason = NEVER_WRITTEN.get(attribute_type, unsupported)
        return ValueRejected(code, locale, scope, reason, "unsupported_type")
    try:
        return converter(value, attribute, field, taxonomy)
    except _Rejected as rejected:
        return ValueRejected(code, locale, scope, f"{short_type(attribute_type)} attribute {code} {rejected}",
                             rejected.kind)
    except (ArithmeticError, ValueError, TypeError, AttributeError) as error:   # odd input: never crash a run
        return ValueRejected(code, locale, scope, f"cannot convert {_describe(value)}: {error}", "wrong_type")
