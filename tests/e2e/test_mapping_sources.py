"""Issue 18's new mapping sources end to end on both sandboxes (points 4 and 5): a client mapping the best
leaflet, the later leaflets, the product family, brand logo, every GTIN, reviews and the "all
specifications" table into the demo taxonomy, and related products as associations; each value lands as
the source says, and a rerun sends nothing (the new sources are stable from run to run)."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import Sandbox
from tests.e2e.test_incremental import Runs, akeneo_patch, patches
from tests.e2e.test_sync_dag import akeneo_get, akeneo_token, product_values, value

FIELDS = """fields:
  - {source: title, attribute: name}
  - {source: specifications_html, attribute: description}
  - {source: reviews, attribute: short_description, fallback: [specifications_text]}
  - {source: "media:leaflet:all", attribute: bullet_points}
  - {source: product_family, attribute: display_resolution, fallback: [product_series]}
  - {source: brand_logo, attribute: main_image}
  - {source: gtins, attribute: image_url, join: " "}
  - {source: "media:leaflet", attribute: datasheet_url}
  - {source: "media:leaflet[2]", attribute: video_url}
  - {source: review_score, attribute: marketing_claim}
completeness: []
"""


@pytest.fixture
def runs(akeneo: Sandbox, icecat: Sandbox, tmp_path: Path) -> Runs:
    runs = Runs(akeneo, icecat, tmp_path)
    text = runs.mapping_path.read_text()
    head, rest = text.split("fields:\n", 1)
    params = rest[rest.index("params:"):]
    runs.mapping_path.write_text(head.replace("  DE: de_DE\n", "") + FIELDS + params)
    return runs


def scoped(values: dict, attribute: str) -> object:
    return next(entry["data"] for entry in values[attribute] if entry["locale"] == "en_US")


def test_new_sources_land_in_akeneo_and_a_rerun_sends_nothing(runs: Runs) -> None:
    first, akeneo_first, _ = runs.run()
    assert first["transform"]["rejected"] == 0, first["transform"]["rejected_by_reason"]
    media = f"{runs.icecat.base_url}/media/objects/"

    headset = product_values(runs.akeneo, "DEMO-PHILIPS-HS")   # sample philips-TAG5106BK
    best, second = media + "mmo_103215348_1666438965_211_31193.pdf", \
        "https://icecat.biz/rest/product-pdf?productId=103215348&lang=en"
    assert value(headset, "datasheet_url") == best, "the description's real PDF beats the REST link"
    assert value(headset, "video_url") == second
    assert value(headset, "bullet_points", "en_US") == f"{best}\n{second}"
    assert value(headset, "display_resolution") == "5000 series"
    assert value(headset, "image_url") == "4895229127005"

    dell = product_values(runs.akeneo, "DEMO-DELL-G5")        # sample dell-g5-5587 (JSON)
    table = scoped(dell, "description")
    assert table.startswith('<table class="specifications">') and '<th colspan="2">Display</th>' in table
    assert value(dell, "display_resolution") == "G5"
    assert value(dell, "main_image"), "the brand logo is uploaded as the image"
    assert "Product type: Laptop" in scoped(dell, "short_description")

    hp = product_values(runs.akeneo, "DEMO-HP-6710B")         # sample hp-compaq-6710b (airbyte JSON)
    assert scoped(hp, "short_description").startswith("(70/100): HPs Compaq range")
    assert value(hp, "marketing_claim", "en_US") == "70"
    assert value(hp, "image_url") == "0882780751682 882780751682"
    assert value(product_values(runs.akeneo, "DEMO-SAMSUNG-S25"), "display_resolution") == "Galaxy"

    rerun, akeneo_rerun, _ = runs.run()
    assert rerun["transform"]["lines"] == 0 and patches(akeneo_rerun) == 0
    assert rerun["transform"]["manual_edits_kept"] == 0


def test_related_products_in_the_selection_become_associations_added_to_what_akeneo_holds(runs: Runs) -> None:
    # the client's own AirPods (Icecat relates Apple MLWK3ZM/A to the Galaxy S25+), and a link of their own
    akeneo_patch(runs.akeneo, "DEMO-NOID", {"brand": [{"locale": None, "scope": None, "data": "Apple"}],
                                            "mpn": [{"locale": None, "scope": None, "data": "MLWK3ZM/A"}]})
    held = {"X_SELL": {"products": ["DEMO-IIYAMA"]}}
    httpx.patch(f"{runs.akeneo.base_url}/api/rest/v1/products/DEMO-SAMSUNG-S25", json={"associations": held},
                headers={"Authorization": f"Bearer {akeneo_token(runs.akeneo)}"}).raise_for_status()
    products_before = len(akeneo_get(runs.akeneo, "/api/rest/v1/products?limit=100").json()["_embedded"]["items"])
    runs.mapping_path.write_text(runs.mapping_path.read_text() + "associations:\n  - {type: X_SELL}\n")

    first, _, _ = runs.run()
    assert set(first["load"]["lines_by_status"]) == {"204"}
    associations = akeneo_get(runs.akeneo, "/api/rest/v1/products/DEMO-SAMSUNG-S25").json()["associations"]
    assert associations["X_SELL"]["products"] == ["DEMO-IIYAMA", "DEMO-NOID"]
    dell = akeneo_get(runs.akeneo, "/api/rest/v1/products/DEMO-DELL-G5").json()["associations"]
    assert dell["X_SELL"]["products"] == [], "35 related products, none the client's: nothing linked"
    assert len(akeneo_get(runs.akeneo, "/api/rest/v1/products?limit=100").json()["_embedded"]["items"]) == \
        products_before, "no product is created"

    rerun, akeneo_rerun, _ = runs.run()
    assert rerun["transform"]["lines"] == 0 and patches(akeneo_rerun) == 0
