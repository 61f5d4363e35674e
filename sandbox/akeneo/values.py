"""Validation and normalisation of product values, per attribute type, with Akeneo's messages.

Two kinds of failures, as in Akeneo: a malformed value (wrong data type, unknown attribute, locale/scope
that does not fit the attribute) stops the update with a top-level 422 message; a well-formed but invalid
value (unknown option, too long, wrong unit...) is collected into the `errors` list of `Validation failed.`.
Accepted data is normalised the way Akeneo stores it (decimals as strings, dates at midnight UTC), so
re-sending the same value is recognised as "no change".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.akeneo.catalog import IDENTIFIER_TYPE, Catalog
from sandbox.akeneo.errors import CHECK_FORMAT, ApiError, documented, type_name, value_error

TEXT_DEFAULT_MAX = {"pim_catalog_text": 255, "pim_catalog_textarea": 65535, IDENTIFIER_TYPE: 255}
DATE_PATTERN = re.compile(r"^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$")
MediaLookup = Callable[[str], "str | None"]


def is_empty(data: object) -> bool:
    return data is None or data == "" or data == []


def _expects(code: str, what: str, data: object) -> ApiError:
    return documented(f'Property "{code}" expects {what} as data, "{type_name(data)}" given.{CHECK_FORMAT}')


def as_decimal(data: object) -> Decimal | None:
    if isinstance(data, bool) or not isinstance(data, (int, float, str)):
        return None
    try:
        number = Decimal(str(data).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class ValueChecker:
    """Checks one product's `values` against the catalogue."""

    def __init__(self, catalog: Catalog, media_lookup: MediaLookup) -> None:
        self.catalog = catalog
        self.media_lookup = media_lookup
        self.errors: list[dict[str, Any]] = []

    def normalize(self, values: object) -> dict[str, list[dict[str, Any]]]:
        if not isinstance(values, dict):
            raise _expects("values", "an array", values)
        normalized: dict[str, list[dict[str, Any]]] = {}
        for code, entries in values.items():
            attribute = self.catalog.attribute(code)
            if attribute is None:
                raise documented(f"The {code} attribute does not exist in your PIM.{CHECK_FORMAT}")
            if not isinstance(entries, list):
                raise _expects(code, "an array", entries)
            normalized[code] = [self._entry(attribute, entry) for entry in entries]
        return normalized

    def _entry(self, attribute: dict[str, Any], entry: object) -> dict[str, Any]:
        code = attribute["code"]
        if not isinstance(entry, dict) or not {"locale", "scope", "data"} <= entry.keys():
            raise documented(
                f'Property "{code}" expects an array with the keys "locale", "scope" and "data".'
                f"{CHECK_FORMAT}"
            )
        unknown = sorted(set(entry) - {"locale", "scope", "data", "_links"})
        if unknown:
            raise documented(f'Property "{unknown[0]}" does not exist.')
        locale, scope, data = entry["locale"], entry["scope"], entry["data"]
        self._check_locale_and_scope(attribute, locale, scope)
        if is_empty(data):
            return {"locale": locale, "scope": scope, "data": None}
        normalize = getattr(self, "_" + str(attribute["type"]).removeprefix("pim_catalog_"), None)
        if normalize is None:  # a type the sandbox does not model: stored as given
            return {"locale": locale, "scope": scope, "data": data}
        return {"locale": locale, "scope": scope, "data": normalize(attribute, data, locale, scope)}

    def _check_locale_and_scope(self, attribute: dict[str, Any], locale: object, scope: object) -> None:
        code = attribute["code"]
        if attribute["localizable"]:
            if locale is None:
                raise documented(f'Attribute "{code}" expects a locale, none given.{CHECK_FORMAT}')
            if not isinstance(locale, str) or locale not in self.catalog.activated_locales():
                raise documented(
                    f'Attribute "{code}" expects an existing and activated locale, "{locale}" '
                    f"given.{CHECK_FORMAT}"
                )
        elif locale is not None:
            raise documented(f'Attribute "{code}" does not expect a locale, "{locale}" given.{CHECK_FORMAT}')
        if attribute["scopable"]:
            if scope is None:
                raise documented(f'Attribute "{code}" expects a scope, none given.{CHECK_FORMAT}')
            if not isinstance(scope, str) or self.catalog.channel(scope) is None:
                raise documented(
                    f'Attribute "{code}" expects an existing scope, "{scope}" given.{CHECK_FORMAT}'
                )
        elif scope is not None:
            raise documented(f'Attribute "{code}" does not expect a scope, "{scope}" given.{CHECK_FORMAT}')
        if locale is not None and scope is not None:
            channel_locales = self.catalog.channel(str(scope)).get("locales", [])  # type: ignore[union-attr]
            if locale not in channel_locales:
                self.errors.append(
                    value_error(
                        f'The locale "{locale}" is not bound to the channel "{scope}" (channel locales: '
                        f"{', '.join(channel_locales)}).",
                        code,
                        str(locale),
                        str(scope),
                    )
                )
        available = attribute.get("available_locales") or []
        if locale is not None and available and locale not in available:
            self.errors.append(
                value_error(
                    f'The "{code}" attribute is only available for the locales {", ".join(available)}, '
                    f'"{locale}" given.',
                    code,
                    str(locale),
                    scope if isinstance(scope, str) else None,
                )
            )

    # --- one method per attribute type (name = type without "pim_catalog_") ---
    def _text(self, attribute: dict[str, Any], data: object, locale: str | None, scope: str | None) -> str:
        if not isinstance(data, str):
            raise _expects(attribute["code"], "a string", data)
        limit = attribute.get("max_characters") or TEXT_DEFAULT_MAX.get(attribute["type"], 255)
        if len(data) > int(limit):
            self.errors.append(
                value_error(
                    f"The {attribute['code']} attribute must not contain more than {limit} characters. "
                    "The submitted value is too long.",
                    attribute["code"],
                    locale,
                    scope,
                )
            )
        return data

    _textarea = _text
    _identifier = _text

    def _number(
        self, attribute: dict[str, Any], data: object, locale: str | None, scope: str | None
    ) -> int | str | object:
        return self._amount(attribute, data, locale, scope, attribute["code"])

    def _amount(
        self, attribute: dict[str, Any], data: object, locale: str | None, scope: str | None, field: str
    ) -> int | str | object:
        if isinstance(data, bool) or not isinstance(data, (int, float, str)):
            raise _expects(field, "a numeric", data)
        number = as_decimal(data)
        code = attribute["code"]
        if number is None:
            self.errors.append(
                value_error(
                    f"The {code} attribute requires a number, and the submitted {data} value is not.",
                    code,
                    locale,
                    scope,
                )
            )
            return data
        if not attribute.get("decimals_allowed"):
            if number != number.to_integral_value():
                self.errors.append(
                    value_error(
                        f"The {code} attribute requires a non-decimal value, and {data} is not a valid "
                        "value.",
                        code,
                        locale,
                        scope,
                    )
                )
                return data
            return int(number)
        return f"{number:.4f}"

    def _metric(
        self, attribute: dict[str, Any], data: object, locale: str | None, scope: str | None
    ) -> dict[str, Any]:
        code = attribute["code"]
        for key in ("amount", "unit"):
            if not isinstance(data, dict) or key not in data:
                raise documented(
                    f'Property "{code}" expects an array with the key "{key}" as data.{CHECK_FORMAT}'
                )
        amount = self._amount(attribute, data["amount"], locale, scope, code)
        unit = data["unit"]
        if not isinstance(unit, str) or unit not in self.catalog.metric_units(
            attribute.get("metric_family") or ""
        ):
            self.errors.append(
                value_error(
                    f'The unit "{unit}" does not exist or does not belong to the default measurement '
                    "family of "
                    f'the given attribute "{code}".',
                    code,
                    locale,
                    scope,
                )
            )
        return {"amount": amount, "unit": unit}

    def _price_collection(
        self, attribute: dict[str, Any], data: object, locale: str | None, scope: str | None
    ) -> list[dict[str, Any]]:
        code = attribute["code"]
        if not isinstance(data, list):
            raise _expects(code, "an array", data)
        prices = []
        for price in data:
            for key in ("amount", "currency"):
                if not isinstance(price, dict) or key not in price:
                    raise documented(
                        f'Property "{code}" expects an array with the key "{key}" as data.{CHECK_FORMAT}'
                    )
            if not isinstance(price["currency"], str):
                raise _expects(code, "a currency code", price["currency"])
            if price["currency"] not in self.catalog.activated_currencies():
                self.errors.append(
                    value_error(
                        f'The currency "{price["currency"]}" has to be activated.', code, locale, scope
                    )
                )
            amount = self._amount(
                {**attribute, "decimals_allowed": True}, price["amount"], locale, scope, code
            )
            number = as_decimal(amount)
            prices.append(
                {"amount": f"{number:.2f}" if number is not None else amount, "currency": price["currency"]}
            )
        return sorted(prices, key=lambda price: str(price["currency"]))

    def _simpleselect(
        self, attribute: dict[str, Any], data: object, locale: str | None, scope: str | None
    ) -> str:
        code = attribute["code"]
        if not isinstance(data, str):
            raise _expects(code, "a string", data)
        known = self.catalog.option_code(code, data)
        if known is None:
            self.errors.append(
                value_error(
                    f"The {data} value is not in the {code} attribute option list.", code, locale, scope
                )
            )
            return data
        return known

    def _multiselect(
        self, attribute: dict[str, Any], data: object, locale: str | None, scope: str | None
    ) -> list[str]:
        code = attribute["code"]
        if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
            raise _expects(code, "an array of strings", data)
        unknown = [item for item in data if self.catalog.option_code(code, item) is None]
        if unknown:
            self.errors.append(
                value_error(
                    f"The {', '.join(unknown)} values are not in the {code} attribute option list.",
                    code,
                    locale,
                    scope,
                )
            )
            return data
        return sorted({self.catalog.option_code(code, item) or item for item in data})

    def _boolean(
        self, attribute: dict[str, Any], data: object, locale: str | None, scope: str | None
    ) -> bool:
        if not isinstance(data, bool):
            raise _expects(attribute["code"], "a boolean", data)
        return data

    def _date(self, attribute: dict[str, Any], data: object, locale: str | None, scope: str | None) -> str:
        match = DATE_PATTERN.match(data) if isinstance(data, str) else None
        day = None
        if match:
            try:
                day = dt.date.fromisoformat(match.group(1))
            except ValueError:
                day = None
        if day is None:
            raise documented(
                f'Property "{attribute["code"]}" expects a string with the format "yyyy-mm-dd" as '
                f'data, "{data}" given.{CHECK_FORMAT}'
            )
        return f"{day.isoformat()}T00:00:00+00:00"

    def _image(self, attribute: dict[str, Any], data: object, locale: str | None, scope: str | None) -> str:
        code = attribute["code"]
        if not isinstance(data, str):
            raise _expects(code, "a string", data)
        filename = self.media_lookup(data)
        if filename is None:
            raise documented(
                f'Property "{code}" expects a valid fileinfo key. The media does not exist, '
                f'"{data}" given.{CHECK_FORMAT}'
            )
        allowed = attribute.get("allowed_extensions") or []
        extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        if allowed and extension not in allowed:
            self.errors.append(
                value_error(
                    f"The file extension is not allowed (allowed extensions: {', '.join(allowed)}).",
                    code,
                    locale,
                    scope,
                )
            )
        return data

    _file = _image
