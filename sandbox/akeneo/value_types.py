"""Normalisation of one value's `data` per attribute type, with Akeneo's messages: a malformed value
raises a top-level 422, a well-formed but invalid one is appended to `errors` (see `values.py`)."""

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
AssetLookup = Callable[[str, str], bool]  # (asset family, asset code) -> the asset exists


def is_empty(data: object) -> bool:
    return data is None or data == "" or data == []


def expects(code: str, what: str, data: object) -> ApiError:
    return documented(f'Property "{code}" expects {what} as data, "{type_name(data)}" given.{CHECK_FORMAT}')


def as_decimal(data: object) -> Decimal | None:
    if isinstance(data, bool) or not isinstance(data, (int, float, str)):
        return None
    try:
        number = Decimal(str(data).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class TypedValues:
    """One method per attribute type (name = type without "pim_catalog_"), mixed into `ValueChecker`."""

    catalog: Catalog
    media_lookup: MediaLookup
    asset_lookup: AssetLookup
    errors: list[dict[str, Any]]

    def _text(self, attribute: dict[str, Any], data: object, locale: str | None, scope: str | None) -> str:
        if not isinstance(data, str):
            raise expects(attribute["code"], "a string", data)
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
            raise expects(field, "a numeric", data)
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
            raise expects(code, "an array", data)
        prices = []
        for price in data:
            for key in ("amount", "currency"):
                if not isinstance(price, dict) or key not in price:
                    raise documented(
                        f'Property "{code}" expects an array with the key "{key}" as data.{CHECK_FORMAT}'
                    )
            if not isinstance(price["currency"], str):
                raise expects(code, "a currency code", price["currency"])
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
            raise expects(code, "a string", data)
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
            raise expects(code, "an array of strings", data)
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
            raise expects(attribute["code"], "a boolean", data)
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
            raise expects(code, "a string", data)
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

    def _asset_collection(self, attribute: dict[str, Any], data: object, locale: str | None,
                          scope: str | None) -> list[str]:
        """Asset codes of the attribute's family (`reference_data_name`), in the order given; an unknown
        asset is a value error (message inferred from the Asset Manager's "asset should exist" rule)."""
        code, family = attribute["code"], str(attribute.get("reference_data_name") or "")
        if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
            raise expects(code, "an array of asset codes", data)
        for asset in dict.fromkeys(data):
            if not self.asset_lookup(family, asset):
                self.errors.append(value_error(f'The asset "{asset}" does not exist in the asset family '
                                               f'"{family}".', code, locale, scope))
        return list(dict.fromkeys(data))
