"""Bad input: malformed query strings, bodies, headers, huge lines and non-UTF-8 bytes get the documented
error, never a 500, and the server keeps serving."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import httpx

from sandbox.akeneo.testing import ApiSession, api_fixture  # noqa: F401 - provides the `api` fixture
from tests.conftest import Sandbox

PRODUCTS = "/api/rest/v1/products"
COLLECTION = {"Content-Type": "application/vnd.akeneo.collection+json"}


def raw_request(akeneo: Sandbox, request: bytes) -> bytes:
    """Send bytes no HTTP library would produce; return the status line."""
    parts = urlsplit(akeneo.base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        return sock.recv(65536).split(b"\r\n", 1)[0]


def assert_alive(api: ApiSession) -> None:
    assert api.get(PRODUCTS).status_code == 200


def test_malformed_query_parameters_are_422_not_500(api: ApiSession) -> None:
    for params, message in [
        ({"limit": "abc"}, '"abc" is not a valid limit number.'),
        ({"limit": "0"}, '"0" is not a valid limit number.'),
        ({"page": "-1"}, '"-1" is not a valid page number.'),
        (
            {"with_count": "yes"},
            'Parameter "with_count" has to be a boolean. Only "true" or "false" allowed, "yes" given.',
        ),
        ({"pagination_type": "cursor"}, "Pagination type does not exist."),
        ({"search": "[1,2]"}, 'Search query parameter has to be an array, "array" given.'),
        (
            {"search": '{"enabled": true}'},
            'Structure of filter "enabled" should respect this '
            'structure: {"enabled":[{"operator": "my_operator", '
            '"value": "my_value"}]}',
        ),
        ({"scope": "mobile"}, 'Scope "mobile" does not exist.'),
        (
            {"pagination_type": "search_after", "search_after": "%%%"},
            '"%%%" is not a valid search_after value.',
        ),
    ]:
        response = api.get(PRODUCTS, params=params)
        assert response.status_code == 422, params
        assert response.json() == {"code": 422, "message": message}
    deep = api.get(PRODUCTS, params={"search": "[" * 20_000})
    assert deep.status_code == 400
    assert_alive(api)


def test_non_utf8_bytes_in_query_body_and_lines(akeneo: Sandbox, api: ApiSession) -> None:
    token = api.tokens["access_token"].encode()
    status = raw_request(
        akeneo,
        b"GET /api/rest/v1/products?search=%FF%FE%00&limit=\xff HTTP/1.1\r\nHost: x\r\n"
        b"Authorization: Bearer " + token + b"\r\nConnection: close\r\n\r\n",
    )
    assert status.split(b" ")[1] in (b"400", b"422")
    single = api.patch(
        PRODUCTS + "/DEMO-DELL-G5",
        content=b'{"enabled": "\xff\xfe"}',
        headers={"Content-Type": "application/json"},
    )
    assert single.json() == {"code": 400, "message": "Invalid json message received"}
    response = api.patch(
        PRODUCTS, content=b'{"identifier": "\xff"}\n{"identifier": "FINE"}', headers=COLLECTION
    )
    assert response.text.split("\n") == [
        '{"line":1,"status_code":400,"message":"Invalid json message received"}',
        '{"line":2,"identifier":"FINE","status_code":201}',
    ]
    token_route = httpx.post(
        akeneo.base_url + "/api/oauth/v1/token",
        content=b"grant_type=\xff",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert token_route.status_code == 400
    assert_alive(api)


def test_bodies_of_the_wrong_shape(api: ApiSession) -> None:
    for body in (b"[]", b"null", b"", b'"text"', b"{"):
        response = api.patch(
            PRODUCTS + "/DEMO-DELL-G5", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.json() == {"code": 400, "message": "Invalid json message received"}, body
    lines = api.patch_lines(
        ["[1]", '{"identifier": 12}', '{"identifier": "  "}', '{"identifier": "A", "values": 3}']
    )
    assert [line["status_code"] for line in lines] == [400, 422, 422, 422]
    assert lines[3]["message"].startswith('Property "values" expects an array as data, "integer" given.')
    assert_alive(api)


def test_broken_multipart_bodies(api: ApiSession) -> None:
    media = "/api/rest/v1/media-files"
    for content_type, body in [
        ("multipart/form-data", b"--x\r\n"),
        ("multipart/form-data; boundary=x", b"garbage"),
        ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc'),
    ]:
        response = api.post(media, content=body, headers={"Content-Type": content_type})
        assert response.status_code in (400, 422), (content_type, body, response.text)
        assert response.json()["code"] == response.status_code
    assert_alive(api)


def test_huge_line_is_413_for_that_line_only(api: ApiSession) -> None:
    huge = (
        '{"identifier": "HUGE", "values": {"bullet_points": [{"locale": "en_US", "scope": null, "data": "'
        + ("x" * 1_000_001)
        + '"}]}}'
    )
    lines = api.patch_lines([huge, {"identifier": "SMALL"}])
    assert lines == [
        {"line": 1, "status_code": 413, "message": "Line is too long."},
        {"line": 2, "identifier": "SMALL", "status_code": 201},
    ]


def test_malformed_headers(akeneo: Sandbox, api: ApiSession) -> None:
    url = akeneo.base_url + PRODUCTS
    assert httpx.get(url, headers={"Authorization": b"Bearer \xe9\xff"}).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer"}).status_code == 401
    accept = api.get(PRODUCTS, headers={"Accept": "text/html"})
    assert accept.json() == {
        "code": 406,
        "message": '"text/html" in "Accept" header is not valid. Only "application/json" is allowed.',
    }
    status = raw_request(
        akeneo,
        b"GET " + PRODUCTS.encode() + b" HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n",
    )
    assert status.split(b" ")[1] in (b"400", b"431")
    assert raw_request(akeneo, b"NOT HTTP AT ALL\r\n\r\n").split(b" ")[1] == b"400"
    assert_alive(api)


def test_unknown_routes_and_methods_answer_json(api: ApiSession) -> None:
    missing = api.get("/api/rest/v1/nope")
    assert missing.json() == {"code": 404, "message": 'No route found for "GET /api/rest/v1/nope"'}
    method = api.put(PRODUCTS + "/DEMO-DELL-G5", json={})
    assert method.status_code == 405 and method.json()["message"].startswith('No route found for "PUT ')


def test_wrongly_typed_json_is_refused_never_a_500(api: ApiSession) -> None:
    """Shapes a fuzzer once turned into 500s: each must be a 4xx with an Akeneo body."""
    attempts = [
        ("PATCH", "/api/rest/v1/channels/ecommerce", {"locales": None}),
        ("PATCH", "/api/rest/v1/channels/ecommerce", {"category_tree": {"a": 1}}),
        ("PATCH", "/api/rest/v1/families/laptops", {"attribute_requirements": {"ecommerce": 1}}),
        ("PATCH", "/api/rest/v1/categories/laptops", {"parent": []}),
        (
            "PATCH",
            PRODUCTS + "/X",
            {"values": {"price": [{"locale": None, "scope": None, "data": [{"amount": 1, "currency": []}]}]}},
        ),
    ]
    for method, path, body in attempts:
        response = api.request(method, path, json=body)
        assert response.status_code == 422, (path, body, response.text)
        assert response.json()["code"] == 422
    searches = [
        {"family": [{"operator": "IN", "value": [{"a": 1}]}]},
        {"groups": [{"operator": "IN", "value": [{"a": 1}]}]},
        {"name": [{"operator": "=", "value": "x", "locale": [], "scope": None}]},
        {"completeness": [{"operator": "=", "value": 100, "scope": {}}]},
        {"release_date": [{"operator": "BETWEEN", "value": []}]},
    ]
    for search in searches:
        response = api.get(PRODUCTS, params={"search": json.dumps(search)})
        assert response.status_code == 422, (search, response.text)
    assert api.get(PRODUCTS, params={"limit": "²"}).status_code == 422
