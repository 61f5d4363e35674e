"""An independent Akeneo client from PyPI (`akeneo-api-client`, module `akeneo_api_client`) works against the
sandbox: it authenticates, refreshes after a 401, pages (page and search_after) and patches collections.

The library only wraps `/products-uuid` for products, so the product calls use its own authenticated
ResourceClient, PageFactory, ResourceCursor and LineSerialize against `/products`.
"""

from __future__ import annotations

import json
import time

from akeneo_api_client.api.request.line_serialize import LineSerialize
from akeneo_api_client.client_builder import ClientBuilder
from akeneo_api_client.pagination.resource_cursor import ResourceCursor

from tests.conftest import AKENEO_CREDENTIALS, Sandbox


def build_client(akeneo: Sandbox) -> object:
    return ClientBuilder(akeneo.base_url).build_authenticated_by_password(
        AKENEO_CREDENTIALS["username"],
        AKENEO_CREDENTIALS["password"],
        AKENEO_CREDENTIALS["client_id"],
        AKENEO_CREDENTIALS["secret"],
    )


def test_pypi_client_authenticates_pages_and_patches(akeneo: Sandbox) -> None:
    akeneo.faults(token_ttl=1)
    client = build_client(akeneo)
    families = [family["code"] for page in client.family_api.all(page_size=4) for family in page]
    assert families == ["headsets", "laptops", "monitors", "printing", "smartphones", "tablets"]

    resources = client.product_uuid_api.resource_client
    search = json.dumps({"data_owner": [{"operator": "IN", "value": ["icecat"]}]})
    first = resources.get_resources(
        "api/rest/v1/products", [], {"pagination_type": "search_after", "search": search}, 4
    )
    pages = ResourceCursor(4, client.product_uuid_api.page_factory.create_page(first.json()))
    identifiers = [product["identifier"] for page in pages for product in page]
    assert len(identifiers) == 15 and "DEMO-INTERNAL" not in identifiers

    time.sleep(1.2)  # the access token expires: the client must refresh on the 401 and retry
    batch = LineSerialize()
    batch.add_items(
        [
            {
                "identifier": "DEMO-DELL-G5",
                "values": {"name": [{"locale": "en_US", "scope": None, "data": "Dell G5 15"}]},
            },
            {
                "identifier": "DEMO-HP-INK",
                "values": {"color": [{"locale": None, "scope": None, "data": "tommh"}]},
            },
        ]
    )
    response = resources.upsert_list_resource("api/rest/v1/products", [], batch)
    lines = [json.loads(line) for line in response.content.decode().split("\n")]
    assert [line["status_code"] for line in lines] == [204, 422]
    assert akeneo.counters()["tokens_issued"] == 2

    options = client.attribute_option_api.upsert_list(
        "color", [{"code": "purple", "labels": {"en_US": "Purple"}}]
    )
    assert options == [{"line": 1, "code": "purple", "status_code": 201}]
