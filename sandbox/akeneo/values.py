"""Validation and normalisation of product values, per attribute type, with Akeneo's messages.

Two kinds of failures, as in Akeneo: a malformed value (wrong data type, unknown attribute, locale/scope
that does not fit the attribute) stops the update with a top-level 422 message; a well-formed but invalid
value (unknown option, too long, wrong unit...) is collected into the `errors` list of `Validation failed.`.
Accepted data is normalised the way Akeneo stores it (decimals as strings, dates at midnight UTC), so
re-sending the same value is recognised as "no change".
"""

from __future__ import annotations

from typing import Any

from sandbox.akeneo.catalog import Catalog
from sandbox.akeneo.errors import CHECK_FORMAT, documented, value_error
from sandbox.akeneo.value_types import AssetLookup, MediaLookup, TypedValues, expects, is_empty


class ValueChecker(TypedValues):
    """Checks one product's `values` against the catalogue."""

    def __init__(self, catalog: Catalog, media_lookup: MediaLookup,
                 asset_lookup: AssetLookup = lambda family, code: True) -> None:
        self.catalog = catalog
        self.media_lookup = media_lookup
        self.asset_lookup = asset_lookup
        self.errors: list[dict[str, Any]] = []

    def normalize(self, values: object) -> dict[str, list[dict[str, Any]]]:
        if not isinstance(values, dict):
            raise expects("values", "an array", values)
        normalized: dict[str, list[dict[str, Any]]] = {}
        for code, entries in values.items():
            attribute = self.catalog.attribute(code)
            if attribute is None:
                raise documented(f"The {code} attribute does not exist in your PIM.{CHECK_FORMAT}")
            if not isinstance(entries, list):
                raise expects(code, "an array", entries)
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

