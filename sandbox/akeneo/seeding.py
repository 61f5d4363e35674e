"""Loading a catalogue at start-up: the demo fixture, any fixture file, or N synthetic products.

Fixture products go through the same validation as API writes, so a broken fixture fails loudly naming the
product. Synthetic products are generated already normalised and streamed straight into SQLite, which is
what lets 1,000,000 products seed in minutes without the catalogue ever being held in memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sandbox.akeneo.catalog import Catalog
from sandbox.akeneo.errors import ApiError
from sandbox.akeneo.models import ModelStore, ModelUpdater
from sandbox.akeneo.products import ProductUpdater, new_product, utc_now
from sandbox.synthetic import synthetic_brand, synthetic_gtin, synthetic_mpn

DEMO_FIXTURE = Path(__file__).with_name("fixtures") / "demo.json"
VARIANTS_FIXTURE = DEMO_FIXTURE.with_name("variants.json")  # `--seed variants`: the demo plus a variant family
SYNTHETIC_FAMILIES = ("laptops", "monitors", "smartphones", "tablets", "headsets", "printing")


class SeedError(RuntimeError):
    """A fixture that the sandbox cannot load; the message names the file and the item."""


def load_fixture(spec: str) -> tuple[dict[str, Any], Iterator[dict[str, Any]] | None]:
    """(taxonomy fixture, synthetic products or None) for `--seed demo|synthetic:N|PATH`."""
    if spec.startswith("synthetic:"):
        count = spec.split(":", 1)[1]
        if not count.isdigit():
            raise SeedError(f"--seed {spec}: expected synthetic:<number of products>, e.g. synthetic:100000")
        return {**read_fixture(DEMO_FIXTURE), "products": []}, synthetic_products(int(count))
    if spec == "variants":
        return with_variants(read_fixture(DEMO_FIXTURE), read_fixture(VARIANTS_FIXTURE)), None
    return read_fixture(DEMO_FIXTURE if spec == "demo" else Path(spec)), None


def with_variants(demo: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """The demo catalogue plus the variant fixture: its lists appended, items with a demo code replaced."""
    merged = dict(demo)
    for kind, items in extra.items():
        replaced = {item.get("code") for item in items if "code" in item}
        kept = [item for item in demo.get(kind, []) if "code" not in item or item["code"] not in replaced]
        merged[kind] = kept + items
    return merged


def read_fixture(path: Path) -> dict[str, Any]:
    try:
        fixture = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SeedError(f"cannot read fixture {path}: {error}") from error
    if not isinstance(fixture, dict):
        raise SeedError(f"fixture {path} must be a JSON object with keys locales, channels, ..., products")
    return fixture


def fixture_models(fixture: dict[str, Any], catalog: Catalog) -> ModelStore:
    """The fixture's product models (roots before sub-models), validated as an API PATCH would."""
    store = ModelStore()
    updater = ModelUpdater(catalog, store, lambda code: None)
    for payload in sorted(fixture.get("product_models", []), key=lambda item: item.get("parent") is not None):
        code = payload.get("code")
        body = {key: value for key, value in payload.items() if key not in ("created", "updated")}
        try:
            model, _ = updater.apply(None, str(code), body)
        except ApiError as error:
            raise SeedError(f"fixture product model {code!r} is refused: {json.dumps(error.body())}") from error
        store.models[model["code"]] = {
            **model,
            **{key: payload[key] for key in ("created", "updated") if key in payload},
        }
    store.freeze_seed()
    return store


def fixture_products(
    fixture: dict[str, Any], catalog: Catalog, models: ModelStore | None = None
) -> Iterator[dict[str, Any]]:
    """The fixture's products, validated and normalised exactly as an API PATCH would."""
    seen: list[dict[str, Any]] = []
    updater = ProductUpdater(
        catalog,
        lambda code: None,
        (models or ModelStore()).get,
        lambda parent: (product for product in seen if product["parent"] == parent),
    )
    for position, payload in enumerate(fixture.get("products", []), start=1):
        identifier = payload.get("identifier") if isinstance(payload, dict) else None
        if not isinstance(identifier, str) or not identifier:
            raise SeedError(f"fixture product #{position} has no identifier")
        body = {key: value for key, value in payload.items() if key not in ("created", "updated", "uuid")}
        try:
            product, _ = updater.apply(None, identifier, body, payload.get("uuid"))
        except ApiError as error:
            raise SeedError(f"fixture product {identifier!r} is refused: {json.dumps(error.body())}") from error
        product["created"] = payload.get("created", product["created"])
        product["updated"] = payload.get("updated", product["updated"])
        seen.append(product)
        yield product


def synthetic_product(index: int, now: str) -> dict[str, Any]:
    """Product `index` of a scale run: the GTIN/brand/MPN the Icecat sandbox's product `index` has."""
    family = SYNTHETIC_FAMILIES[index % len(SYNTHETIC_FAMILIES)]
    product = new_product(f"SYN-{index:07d}", now)
    product.update(
        family=family,
        categories=[family],
        values={
            "ean": [{"locale": None, "scope": None, "data": synthetic_gtin(index)}],
            "brand": [{"locale": None, "scope": None, "data": synthetic_brand(index)}],
            "mpn": [{"locale": None, "scope": None, "data": synthetic_mpn(index)}],
            "data_owner": [{"locale": None, "scope": None, "data": "internal" if index % 10 == 9 else "icecat"}],
            "name": [{"locale": "en_US", "scope": None, "data": f"{synthetic_brand(index)} {family} {index}"}],
        },
    )
    return product


def synthetic_products(count: int) -> Iterator[dict[str, Any]]:
    now = utc_now()
    return (synthetic_product(index, now) for index in range(count))
