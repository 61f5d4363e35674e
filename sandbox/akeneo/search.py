"""The `search` query parameter of product lists: Akeneo's filter grammar, operators and 422 messages.

Filters on indexed columns (enabled, family, created, updated, the identifier) become SQL; the others
(categories, completeness, attribute values) become a Python predicate applied while scanning rows in
identifier order, which keeps memory flat however many products match.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sandbox.akeneo.catalog import Catalog
from sandbox.akeneo.errors import ApiError, type_name
from sandbox.akeneo.product_views import completeness
from sandbox.akeneo.search_values import (
    COMPARATORS,
    OPERATORS_BY_TYPE,
    Predicate,
    attribute_predicate,
    check_locales,
)

DATE_PROPERTY_OPERATORS = {"=", "!=", "<", ">", "BETWEEN", "NOT BETWEEN", "SINCE LAST N DAYS"}
NO_VALUE_OPERATORS = {"EMPTY", "NOT EMPTY", "UNCLASSIFIED"}


@dataclass
class ProductQuery:
    """A parsed search: SQL over indexed columns plus Python predicates over the product body."""

    sql: list[str] = field(default_factory=lambda: ["1"])
    params: list[Any] = field(default_factory=list)
    predicates: list[Predicate] = field(default_factory=list)

    @property
    def where(self) -> str:
        return " AND ".join(self.sql)

    def matches(self, product: dict[str, Any]) -> bool:
        return all(predicate(product) for predicate in self.predicates)


def load_search(raw: str) -> dict[str, Any]:
    """The decoded `search` parameter of any list route (400 if not JSON, 422 if not an object)."""
    try:
        search = json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiError(400, "Search query parameter should be valid JSON.") from None
    if not isinstance(search, dict):
        raise ApiError(422, f'Search query parameter has to be an array, "{type_name(search)}" given.')
    return search


def _code_list(name: str, value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ApiError(422, f'Property "{name}" expects an array of codes as data, "{type_name(value)}" given.')
    return value


def _unsupported(name: str, operator: str) -> ApiError:
    return ApiError(422, f'Filter on property "{name}" is not supported or does not support operator "{operator}"')


def _datetime_value(name: str, value: object) -> str:
    try:
        moment = dt.datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise ApiError(
            422,
            f'Property "{name}" expects a string with the format "yyyy-mm-dd H:i:s" as data, "{value}" given.',
        ) from None
    return moment.replace(tzinfo=dt.UTC).isoformat()


class SearchParser:
    """Turns `search`, `search_locale` and `search_scope` into a ProductQuery."""

    def __init__(
        self,
        catalog: Catalog,
        search_locale: str | None,
        search_scope: str | None,
        ancestors: Callable[[str | None], list[str]] = lambda code: [code] if code else [],
    ) -> None:
        self.catalog = catalog
        self.ancestors = ancestors  # a product's parent -> the codes of it and its own parent
        self.search_locale = search_locale
        self.search_scope = search_scope
        if search_locale is not None and search_locale not in catalog.activated_locales():
            raise ApiError(422, f'Locale "{search_locale}" does not exist or is not activated.')
        if search_scope is not None and catalog.channel(search_scope) is None:
            raise ApiError(422, f'Scope "{search_scope}" does not exist.')

    def parse(self, raw: str | None) -> ProductQuery:
        query = ProductQuery()
        if raw is None:
            return query
        search = load_search(raw)
        for name, filters in search.items():
            if not isinstance(filters, list) or not all(isinstance(item, dict) for item in filters):
                raise ApiError(
                    422,
                    f'Structure of filter "{name}" should respect this structure: '
                    f'{{"{name}":[{{"operator": "my_operator", "value": "my_value"}}]}}',
                )
            for item in filters:
                operator = item.get("operator")
                if operator is None:
                    raise ApiError(422, f'Operator is missing for the property "{name}".')
                if not isinstance(operator, str):
                    raise ApiError(422, f'Operator has to be a string, "{type_name(operator)}" given.')
                if operator not in NO_VALUE_OPERATORS and "value" not in item:
                    raise ApiError(422, f'Value is missing for the property "{name}".')
                self._add(query, name, operator, item)
        return query

    def _add(self, query: ProductQuery, name: str, operator: str, item: dict[str, Any]) -> None:
        value = item.get("value")
        if name == "enabled":
            if operator not in ("=", "!=") or not isinstance(value, bool):
                raise _unsupported(name, operator)
            query.sql.append(f"enabled {'=' if operator == '=' else '!='} ?")
            query.params.append(int(value))
        elif name == "family":
            self._family(query, operator, value)
        elif name in ("created", "updated"):
            self._date_property(query, name, operator, value)
        elif name == "categories":
            query.predicates.append(self._categories(operator, value))
        elif name == "completeness":
            query.predicates.append(self._completeness(operator, value, item))
        elif name == "groups":
            query.predicates.append(self._groups(operator, value))
        elif name == "parent":
            query.predicates.append(self._parent(operator, value))
        elif name == "identifier" or name == self.catalog.identifier_attribute:
            self._identifier(query, operator, value)
        else:
            attribute = self.catalog.attribute(name)
            if attribute is None or operator not in OPERATORS_BY_TYPE.get(attribute["type"], set()):
                raise _unsupported(name, operator)
            query.predicates.append(attribute_predicate(self.catalog, self, attribute, operator, value, item))

    def _parent(self, operator: str, value: object) -> Predicate:
        """Variant products whose model or root model is given (Akeneo's ancestor filter)."""
        if operator in ("EMPTY", "NOT EMPTY"):
            return lambda product: (product["parent"] is None) == (operator == "EMPTY")
        if operator not in ("=", "IN"):
            raise _unsupported("parent", operator)
        wanted = set(_code_list("parent", value) if operator == "IN" else [value])
        if operator == "=" and not isinstance(value, str):
            raise ApiError(422, f'Property "parent" expects a string as data, "{type_name(value)}" given.')
        return lambda product: bool(wanted & set(self.ancestors(product["parent"])))

    def _family(self, query: ProductQuery, operator: str, value: object) -> None:
        if operator in ("EMPTY", "NOT EMPTY"):
            query.sql.append("family IS NULL" if operator == "EMPTY" else "family IS NOT NULL")
            return
        if operator not in ("IN", "NOT IN"):
            raise _unsupported("family", operator)
        value = _code_list("family", value)
        marks = ",".join("?" * len(value)) or "NULL"
        query.sql.append(f"family IN ({marks})" if operator == "IN" else f"(family IS NULL OR family NOT IN ({marks}))")
        query.params.extend(value)

    def _date_property(self, query: ProductQuery, name: str, operator: str, value: object) -> None:
        if operator not in DATE_PROPERTY_OPERATORS:
            raise _unsupported(name, operator)
        if operator == "SINCE LAST N DAYS":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ApiError(422, f'Property "{name}" expects an integer as data, "{type_name(value)}" given.')
            since = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=value)
            query.sql.append(f"{name} >= ?")
            query.params.append(since.isoformat())
        elif operator in ("BETWEEN", "NOT BETWEEN"):
            if not isinstance(value, list) or len(value) != 2:
                raise ApiError(422, f'Property "{name}" expects an array with 2 dates as data.')
            low, high = (_datetime_value(name, bound) for bound in value)
            query.sql.append(f"{name} {'NOT ' if operator == 'NOT BETWEEN' else ''}BETWEEN ? AND ?")
            query.params.extend([low, high])
        elif operator in ("=", "!="):  # "during the given day"
            day = _datetime_value(name, value)[:10]
            start = f"{day}T00:00:00+00:00"
            end = f"{(dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()}T00:00:00+00:00"
            query.sql.append(f"{'' if operator == '=' else 'NOT '}({name} >= ? AND {name} < ?)")
            query.params.extend([start, end])
        else:
            query.sql.append(f"{name} {operator} ?")
            query.params.append(_datetime_value(name, value))

    def _identifier(self, query: ProductQuery, operator: str, value: object) -> None:
        if operator in ("EMPTY", "NOT EMPTY"):
            query.sql.append("0" if operator == "EMPTY" else "1")
            return
        if operator in ("IN", "NOT IN"):
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise ApiError(422, 'Property "identifier" expects an array of strings as data.')
            if len(value) > 100:
                raise ApiError(422, "You cannot filter on more than 100 identifiers.")
            marks = ",".join("?" * len(value)) or "NULL"
            query.sql.append(f"identifier {'NOT ' if operator == 'NOT IN' else ''}IN ({marks})")
            query.params.extend(value)
            return
        if not isinstance(value, str):
            raise ApiError(422, f'Property "identifier" expects a string as data, "{type_name(value)}" given.')
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses = {
            "=": ("identifier = ?", value),
            "!=": ("identifier != ?", value),
            "STARTS WITH": ("identifier LIKE ? ESCAPE '\\'", escaped + "%"),
            "CONTAINS": ("identifier LIKE ? ESCAPE '\\'", f"%{escaped}%"),
            "DOES NOT CONTAIN": ("identifier NOT LIKE ? ESCAPE '\\'", f"%{escaped}%"),
        }
        if operator not in clauses:
            raise _unsupported("identifier", operator)
        clause, param = clauses[operator]
        query.sql.append(clause)
        query.params.append(param)

    def _categories(self, operator: str, value: object) -> Predicate:
        if operator == "UNCLASSIFIED":
            return lambda product: not product["categories"]
        if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
            raise ApiError(422, 'Property "categories" expects an array as data.')
        unknown = [code for code in value if code not in self.catalog.entities["categories"]]
        if len(unknown) == 1:
            raise ApiError(422, f'Category "{unknown[0]}" does not exist.')
        if unknown:
            raise ApiError(422, f'Categories "{", ".join(unknown)}" do not exist.')
        codes = set(value)
        if operator in ("IN CHILDREN", "NOT IN CHILDREN"):
            codes = set().union(*(self.catalog.category_with_descendants(code) for code in value))
        if operator in ("IN", "IN CHILDREN"):
            return lambda product: bool(codes & set(product["categories"]))
        if operator in ("NOT IN", "NOT IN CHILDREN"):
            return lambda product: not codes & set(product["categories"])
        if operator == "IN OR UNCLASSIFIED":
            return lambda product: not product["categories"] or bool(codes & set(product["categories"]))
        raise _unsupported("categories", operator)

    def _groups(self, operator: str, value: object) -> Predicate:
        if operator in ("EMPTY", "NOT EMPTY"):
            return lambda product: (not product["groups"]) == (operator == "EMPTY")
        if operator not in ("IN", "NOT IN"):
            raise _unsupported("groups", operator)
        codes = set(_code_list("groups", value))
        return lambda product: bool(codes & set(product["groups"])) == (operator == "IN")

    def _completeness(self, operator: str, value: object, item: dict[str, Any]) -> Predicate:
        scope = item.get("scope", self.search_scope)
        if not isinstance(scope, str) or self.catalog.channel(scope) is None:
            raise ApiError(422, 'Property "completeness" expects a valid scope.')
        if isinstance(value, bool) or not isinstance(value, int):
            raise ApiError(422, f'Property "completeness" expects an integer as data, "{type_name(value)}" given.')
        compare = COMPARATORS.get(
            operator.replace(" ON ALL LOCALES", "")
            .replace("GREATER OR EQUALS THAN", ">=")
            .replace("GREATER THAN", ">")
            .replace("LOWER OR EQUALS THAN", "<=")
            .replace("LOWER THAN", "<")
        )
        if compare is None:
            raise _unsupported("completeness", operator)
        if operator.endswith("ON ALL LOCALES"):
            locales = item.get("locales")
            if not isinstance(locales, list):
                raise ApiError(422, 'Property "completeness" expects an array with the key "locales".')
            check_locales(self.catalog, locales)
            return lambda product: all(
                compare(Decimal(percent), Decimal(value))
                for locale, percent in completeness(product, self.catalog, scope).items()
                if locale in locales
            )
        return lambda product: any(
            compare(Decimal(percent), Decimal(value)) for percent in completeness(product, self.catalog, scope).values()
        )
