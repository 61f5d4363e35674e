"""Writes of catalogue resources (channels, categories, attributes, families, attribute options): the
property-shape checks Akeneo's updaters make, each resource's validation, and the upsert they share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.akeneo.catalog import ATTRIBUTE_TYPES, Catalog, merge_patch
from sandbox.akeneo.errors import DOC_STANDARD_FORMAT, ApiError, documented, type_name, validation_failed
from sandbox.akeneo.state import SandboxState

Checker = Callable[[Catalog, dict[str, Any]], list[dict[str, str]]]


def error_item(prop: str, message: str) -> dict[str, str]:
    return {"property": prop, "message": message}


def check_attribute(catalog: Catalog, item: dict[str, Any]) -> list[dict[str, str]]:
    errors = []
    if item.get("type") not in ATTRIBUTE_TYPES:
        errors.append(error_item("type", f'The attribute type "{item.get("type")}" is not supported.'))
    if (
        item.get("type") == "pim_catalog_metric"
        and item.get("metric_family") not in catalog.entities["measurement_families"]
    ):
        errors.append(error_item("metric_family", "Please specify a valid metric family."))
    return errors


def check_family(catalog: Catalog, item: dict[str, Any]) -> list[dict[str, str]]:
    attributes = item.get("attributes", [])
    errors = [
        error_item("attributes", f'Attribute "{code}" does not exist.')
        for code in attributes
        if catalog.attribute(code) is None
    ]
    for channel, required in (item.get("attribute_requirements") or {}).items():
        if catalog.channel(channel) is None:
            errors.append(error_item("attribute_requirements", f'The channel "{channel}" does not exist.'))
        errors += [
            error_item(
                "attribute_requirements",
                f'The attribute "{code}" cannot be required in channel '
                f'"{channel}" as it does not belong to the family.',
            )
            for code in required
            if code not in attributes and code != catalog.identifier_attribute
        ]
    return errors


def check_channel(catalog: Catalog, item: dict[str, Any]) -> list[dict[str, str]]:
    errors = [
        error_item("locales", f'The locale "{code}" does not exist.')
        for code in item.get("locales", [])
        if code not in catalog.entities["locales"]
    ]
    errors += [
        error_item("currencies", f'The currency "{code}" does not exist.')
        for code in item.get("currencies", [])
        if code not in catalog.entities["currencies"]
    ]
    tree = catalog.entities["categories"].get(item.get("category_tree") or "")
    if tree is None or tree.get("parent") is not None:
        errors.append(
            error_item("category_tree", f'The category "{item.get("category_tree")}" is not a root category.')
        )
    return errors


def check_category(catalog: Catalog, item: dict[str, Any]) -> list[dict[str, str]]:
    parent = item.get("parent")
    if parent is not None and parent not in catalog.entities["categories"]:
        return [error_item("parent", f'The parent category "{parent}" does not exist.')]
    return []


def _is_codes(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(code, str) for code in value)


Shape = tuple[str, Callable[[object], bool]]


def _shaped(what: str, test: Callable[[object], bool], keys: str) -> dict[str, Shape]:
    return {key: (what, test) for key in keys.split()}


# property -> (description in the error, test); properties not listed take any JSON value
PROPERTY_SHAPES: dict[str, Shape] = {
    **_shaped("an array", lambda value: isinstance(value, dict), "labels group_labels conversion_units"),
    **_shaped(
        "an array of code lists per channel",
        lambda value: isinstance(value, dict) and all(_is_codes(codes) for codes in value.values()),
        "attribute_requirements",
    ),
    **_shaped(
        "an array of codes", _is_codes, "locales currencies attributes allowed_extensions available_locales"
    ),
    **_shaped(
        "a string",
        lambda value: value is None or isinstance(value, str),
        "code parent category_tree attribute_as_label attribute_as_image type group metric_family "
        "default_metric_unit attribute label",
    ),
    **_shaped(
        "a boolean",
        lambda value: value is None or isinstance(value, bool),
        "localizable scopable unique useable_as_grid_filter decimals_allowed negative_allowed "
        "wysiwyg_enabled enabled",
    ),
}


def check_shapes(payload: dict[str, Any]) -> None:
    """Akeneo's updaters refuse a property of the wrong JSON type before any validation."""
    for key, value in payload.items():
        what, test = PROPERTY_SHAPES.get(key, ("", lambda _: True))
        if not test(value):
            raise documented(
                f'Property "{key}" expects {what} as data, "{type_name(value)}" given. Check the '
                "standard format documentation.",
                DOC_STANDARD_FORMAT,
            )


def upsert(
    state: SandboxState,
    store: dict[str, dict[str, Any]],
    allowed: frozenset[str],
    check: Checker,
    code: str,
    payload: dict[str, Any],
    create_only: bool = False,
    complete: Callable[[dict[str, Any]], dict[str, Any]] = dict,
) -> int:
    unknown = sorted(set(payload) - allowed - {"_links"})
    if unknown:
        raise documented(
            f'Property "{unknown[0]}" does not exist. Check the standard format documentation.',
            DOC_STANDARD_FORMAT,
        )
    check_shapes(payload)
    current = store.get(code)
    if create_only and current is not None:
        raise validation_failed([error_item("code", "This value is already used.")])
    merged = merge_patch(current or {}, {key: value for key, value in payload.items() if key != "_links"})
    merged = complete({**merged, "code": code})
    errors = check(state.catalog, merged)
    if errors:
        raise validation_failed(errors)
    store[code] = merged
    return 201 if current is None else 204


def code_of(payload: dict[str, Any], code: str) -> None:
    given = payload.get("code", code)
    if given != code:
        raise ApiError(
            422,
            f'The code "{given}" provided in the request body must match the code "{code}" '
            "provided in the url.",
        )
