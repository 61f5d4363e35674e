"""Akeneo's error bodies in one place: `{"code": <status>, "message": ...}` plus `errors`/`_links` when due.

Handlers raise `ApiError`; the app turns it into the exact JSON Akeneo sends. Collection PATCH lines reuse
the same body with `code` renamed to `status_code`, which is what Akeneo's stream response does.
"""

from __future__ import annotations

from typing import Any

DOC_PRODUCT_PATCH = "http://api.akeneo.com/api-reference.html#patch_products__code_"
DOC_STANDARD_FORMAT = "https://docs.akeneo.com/master/reference/standard_format/products.html"
CHECK_FORMAT = " Check the expected format on the API documentation."
INVALID_JSON = "Invalid json message received"


class ApiError(Exception):
    """An HTTP error answered with Akeneo's JSON body."""

    def __init__(
        self, status: int, message: str, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"code": self.status, "message": self.message, **self.extra}


def documented(message: str, href: str = DOC_PRODUCT_PATCH) -> ApiError:
    """A 422 for a payload-format problem: top-level message plus the documentation link, no `errors`."""
    return ApiError(422, message, _links={"documentation": {"href": href}})


def validation_failed(errors: list[dict[str, Any]]) -> ApiError:
    return ApiError(422, "Validation failed.", errors=errors)


def value_error(message: str, attribute: str, locale: str | None, scope: str | None) -> dict[str, Any]:
    """One entry of a `Validation failed.` body for a product value."""
    return {
        "property": "values",
        "message": message,
        "attribute": attribute,
        "locale": locale,
        "scope": scope,
    }


def type_name(value: object) -> str:
    """PHP's gettype() names, which Akeneo puts in its type errors."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    return "array"
