"""Filters on attribute values in product searches: which operators each attribute type accepts, and how a
stored value is compared with the filter value (Akeneo's search index semantics: text case-insensitive,
media by file name, numbers as decimals, dates by day)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

from sandbox.akeneo.catalog import IDENTIFIER_TYPE, MEDIA_TYPES, SELECT_TYPES, Catalog
from sandbox.akeneo.errors import ApiError, type_name
from sandbox.akeneo.value_types import as_decimal, is_empty

Predicate = Callable[[dict[str, Any]], bool]
TEXT_OPERATORS = {
    "STARTS WITH",
    "CONTAINS",
    "DOES NOT CONTAIN",
    "=",
    "!=",
    "EMPTY",
    "NOT EMPTY",
    "IN",
    "NOT IN",
}
NUMBER_OPERATORS = {"<", "<=", "=", "!=", ">=", ">", "EMPTY", "NOT EMPTY"}
OPERATORS_BY_TYPE = {
    IDENTIFIER_TYPE: TEXT_OPERATORS,
    "pim_catalog_text": TEXT_OPERATORS,
    "pim_catalog_textarea": TEXT_OPERATORS,
    "pim_catalog_number": NUMBER_OPERATORS,
    "pim_catalog_metric": NUMBER_OPERATORS,
    "pim_catalog_price_collection": NUMBER_OPERATORS,
    "pim_catalog_simpleselect": {"IN", "NOT IN", "EMPTY", "NOT EMPTY"},
    "pim_catalog_multiselect": {"IN", "NOT IN", "EMPTY", "NOT EMPTY"},
    "pim_catalog_boolean": {"=", "!=", "EMPTY", "NOT EMPTY"},
    "pim_catalog_date": {"<", "=", "!=", ">", "BETWEEN", "NOT BETWEEN", "EMPTY", "NOT EMPTY"},
    "pim_catalog_image": TEXT_OPERATORS - {"IN", "NOT IN"},
    "pim_catalog_file": TEXT_OPERATORS - {"IN", "NOT IN"},
}


class SearchContext(Protocol):
    """The request-wide `search_locale` / `search_scope` an attribute filter falls back on."""

    search_locale: str | None
    search_scope: str | None


def check_locales(catalog: Catalog, locales: list[Any]) -> None:
    unknown = [str(locale) for locale in locales if locale not in catalog.activated_locales()]
    if len(unknown) == 1:
        raise ApiError(422, f'Locale "{unknown[0]}" does not exist or is not activated.')
    if unknown:
        raise ApiError(422, f'Locales "{", ".join(unknown)}" do not exist or are not activated.')



def attribute_predicate(
    catalog: Catalog,
    parser: SearchContext,
    attribute: dict[str, Any],
    operator: str,
    value: object,
    item: dict[str, Any],
) -> Predicate:
    """The filter on one attribute value, with Akeneo's checks of its locale and scope."""
    code = attribute["code"]
    locale = item.get("locale", parser.search_locale if attribute["localizable"] else None)
    scope = item.get("scope", parser.search_scope if attribute["scopable"] else None)
    for key, code_value in (("locale", locale), ("scope", scope)):
        if code_value is not None and not isinstance(code_value, str):
            raise ApiError(
                422, f'Property "{code}" expects a {key} code, "{type_name(code_value)}" given.'
            )
    if attribute["localizable"] and locale is None:
        raise ApiError(422, f'Attribute "{code}" expects a locale, none given.')
    if not attribute["localizable"] and locale is not None:
        raise ApiError(422, f'Attribute "{code}" does not expect a locale, "{locale}" given.')
    if locale is not None:
        check_locales(catalog, [locale])
    if attribute["scopable"] and scope is None:
        raise ApiError(422, f'Attribute "{code}" expects a scope, none given.')
    if not attribute["scopable"] and scope is not None:
        raise ApiError(422, f'Attribute "{code}" does not expect a scope, "{scope}" given.')
    if scope is not None and catalog.channel(scope) is None:
        raise ApiError(422, f'Scope "{scope}" does not exist.')
    test = _value_test(attribute, operator, value)

    def predicate(product: dict[str, Any]) -> bool:
        data = next(
            (
                entry["data"]
                for entry in product["values"].get(code, [])
                if entry["locale"] == locale and entry["scope"] == scope
            ),
            None,
        )
        if operator in ("EMPTY", "NOT EMPTY"):
            return is_empty(data) == (operator == "EMPTY")
        return not is_empty(data) and test(data)

    return predicate


COMPARATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
}


def _value_test(attribute: dict[str, Any], operator: str, value: object) -> Callable[[Any], bool]:
    """How one stored value is compared with the filter value, per attribute type."""
    kind = attribute["type"]
    code = attribute["code"]
    if operator in ("EMPTY", "NOT EMPTY"):
        return lambda data: True
    if kind in SELECT_TYPES:
        if not isinstance(value, list):
            raise ApiError(422, f'Property "{code}" expects an array as data, "{type_name(value)}" given.')
        wanted = {str(option).lower() for option in value}

        def options_match(data: Any) -> bool:
            found = {str(option).lower() for option in (data if isinstance(data, list) else [data])}
            return bool(found & wanted) == (operator == "IN")

        return options_match
    if kind == "pim_catalog_boolean":
        if not isinstance(value, bool):
            raise ApiError(422, f'Property "{code}" expects a boolean as data, "{type_name(value)}" given.')
        return lambda data: (data == value) == (operator == "=")
    if kind in ("pim_catalog_number", "pim_catalog_metric", "pim_catalog_price_collection"):
        wanted_number = as_decimal(value.get("amount") if isinstance(value, dict) else value)
        if wanted_number is None:
            raise ApiError(422, f'Property "{code}" expects a numeric as data, "{type_name(value)}" given.')
        compare = COMPARATORS[operator]

        def amounts(data: Any) -> list[Decimal | None]:
            if kind == "pim_catalog_metric":
                return [as_decimal(data.get("amount"))]
            if kind == "pim_catalog_price_collection":
                return [as_decimal(price.get("amount")) for price in data]
            return [as_decimal(data)]

        return lambda data: any(
            amount is not None and compare(amount, wanted_number) for amount in amounts(data)
        )
    if kind == "pim_catalog_date":
        bounds = value if operator in ("BETWEEN", "NOT BETWEEN") else [value]
        if not isinstance(bounds, list) or not bounds or not all(isinstance(bound, str) for bound in bounds):
            raise ApiError(422, f'Property "{code}" expects a string with the format "yyyy-mm-dd" as data.')
        days = [bound[:10] for bound in bounds]
        if operator == "BETWEEN":
            return lambda data: days[0] <= data[:10] <= days[-1]
        if operator == "NOT BETWEEN":
            return lambda data: not days[0] <= data[:10] <= days[-1]
        compare = COMPARATORS[operator]
        return lambda data: compare(data[:10], days[0])
    return _text_test(code, operator, value, kind in MEDIA_TYPES)


def _text_test(code: str, operator: str, value: object, is_media: bool) -> Callable[[Any], bool]:
    """Text-like filters, case-insensitive as Akeneo's search index is; media compare the file name."""
    if operator in ("IN", "NOT IN"):
        if not isinstance(value, list):
            raise ApiError(422, f'Property "{code}" expects an array as data, "{type_name(value)}" given.')
        wanted = {str(item).lower() for item in value}
        return lambda data: (str(data).lower() in wanted) == (operator == "IN")
    if not isinstance(value, str):
        raise ApiError(422, f'Property "{code}" expects a string as data, "{type_name(value)}" given.')
    needle = value.lower()

    def text_of(data: Any) -> str:
        text = str(data).lower()
        return text.rsplit("/", 1)[-1].split("_", 1)[-1] if is_media else text

    tests: dict[str, Callable[[str], bool]] = {
        "STARTS WITH": lambda text: text.startswith(needle),
        "CONTAINS": lambda text: needle in text,
        "DOES NOT CONTAIN": lambda text: needle not in text,
        "=": lambda text: text == needle,
        "!=": lambda text: text != needle,
    }
    test = tests[operator]
    return lambda data: test(text_of(data))
