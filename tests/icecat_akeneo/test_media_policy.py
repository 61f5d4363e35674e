"""The media fetch policy and the real-type checks, with test doubles (no network): what may be requested,
how much is read, and what a body must be to be stored."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from icecat_akeneo.media_policy import (
    FILE,
    IMAGE,
    MB,
    MediaPolicy,
    MediaRefused,
    address_problem,
    check_url,
    fetch,
    url_problem,
)
from icecat_akeneo.media_types import PDF, PNG, content_problem, media_filename

PNG_HEAD = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
JPEG_HEAD = b"\xff\xd8\xff\xe0" + b"\x00" * 12
PDF_HEAD = b"%PDF-1.4\n" + b"\x00" * 7
DOCX_HEAD = b"PK\x03\x04" + b"\x00" * 12
HTML = b"<!DOCTYPE html><html><body>internal admin page</body></html>"


async def public(host: str, port: int) -> list[str]:
    return ["93.184.216.34"]


def refusal(url: str, policy: MediaPolicy | None = None, resolve=public) -> str:
    with pytest.raises(MediaRefused) as refused:
        asyncio.run(check_url(url, policy or MediaPolicy(), resolve))
    return str(refused.value)


def test_urls_that_are_never_used() -> None:
    assert "user name or password" in url_problem("http://images.icecat.biz@127.0.0.1/a.jpg")
    assert "is not http or https" in url_problem("javascript:alert(1)")
    assert "is not http or https" in url_problem("file:///etc/passwd")
    assert "names no host" in url_problem("http:///a.jpg")
    assert "spaces" in url_problem("https://images.icecat.biz/a b.jpg")
    assert url_problem("https://images.icecat.biz/img/a.jpg") is None


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/a.jpg", "http://localhost/a.jpg", "http://2130706433/a.jpg", "http://0x7f.1/a.jpg",
    "http://[::1]/a.jpg", "http://169.254.169.254/latest/meta-data/", "http://images.icecat.biz.evil.test/a.jpg",
    "http://images.icecat.biz:8080/a.jpg",
])
def test_hosts_off_the_allow_list_are_refused_before_any_request(url: str) -> None:
    assert refusal(url).startswith("media refused: host not allowed")


def test_an_allowed_host_must_resolve_to_public_addresses_unless_the_connection_allows_private_ones() -> None:
    async def internal(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.0.0.7"]

    assert "resolves to address 10.0.0.7 is not public" in refusal("https://images.icecat.biz/a.jpg", resolve=internal)
    asyncio.run(check_url("https://images.icecat.biz/a.jpg", MediaPolicy(), public))
    private = MediaPolicy(allow_private_addresses=True)
    asyncio.run(check_url("https://images.icecat.biz/a.jpg", private, internal))
    for address in ("127.0.0.1", "192.168.1.1", "169.254.1.1", "224.0.0.1", "0.0.0.0", "::ffff:127.0.0.1", "fe80::1"):
        assert address_problem(address, MediaPolicy()), address
    assert address_problem("93.184.216.34", MediaPolicy()) is None


def test_a_connection_widens_the_allow_list_by_host_port_and_wildcard() -> None:
    policy = MediaPolicy().widened(["127.0.0.1:8082", "*.cdn.example.com"])
    asyncio.run(check_url("http://127.0.0.1:8082/media/a.jpg", policy, public))
    asyncio.run(check_url("https://img.cdn.example.com/a.jpg", policy, public))
    assert refusal("http://127.0.0.1:8083/a.jpg", policy).startswith("media refused: host not allowed")
    assert refusal("https://cdn.example.com.evil.test/a.jpg", policy).startswith("media refused: host not allowed")


def fetch_with(handler, url: str, policy: MediaPolicy, kind: str = IMAGE) -> tuple[list[str], object]:
    requested: list[str] = []

    def route(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        return handler(request)

    async def run() -> object:
        async with httpx.AsyncClient(transport=httpx.MockTransport(route)) as web:
            try:
                return await fetch(web, url, policy, kind, public)
            except MediaRefused as exc:
                return exc

    return requested, asyncio.run(run())


def test_a_redirect_to_a_host_off_the_list_is_never_followed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "http://127.0.0.1:9/secret"})

    requested, outcome = fetch_with(handler, "https://images.icecat.biz/a.jpg", MediaPolicy())
    assert requested == ["https://images.icecat.biz/a.jpg"]
    assert str(outcome) == "media refused: host not allowed (127.0.0.1:9)"


def test_redirects_on_allowed_hosts_are_followed_at_most_three_times() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        hop = int(request.url.path.strip("/") or 0)
        return httpx.Response(302, headers={"Location": f"/{hop + 1}"})

    requested, outcome = fetch_with(handler, "https://images.icecat.biz/0", MediaPolicy())
    assert len(requested) == 4 and str(outcome) == "media refused: more than 3 redirects"


async def megabytes(count: int, read: dict[str, int]) -> AsyncIterator[bytes]:
    """A body of `count` MB made lazily, counting the chunks actually pulled."""
    for _ in range(count):
        read["chunks"] += 1
        yield b"\x00" * MB


def test_a_declared_size_over_the_cap_is_refused_before_the_body_is_read() -> None:
    read = {"chunks": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": str(512 * MB)}, content=megabytes(512, read))

    _, outcome = fetch_with(handler, "https://images.icecat.biz/a.jpg", MediaPolicy())
    assert str(outcome) == "media refused: too large: 512 MB > 20 MB" and read["chunks"] == 0


def test_a_stream_without_length_stops_at_the_cap() -> None:
    read = {"chunks": 0}
    _, outcome = fetch_with(lambda request: httpx.Response(200, content=megabytes(500, read)),
                            "https://objects.icecat.biz/a.pdf", MediaPolicy(max_bytes={IMAGE: MB, FILE: 2 * MB}), FILE)
    assert str(outcome) == "media refused: too large: more than 2 MB" and read["chunks"] <= 4


def test_the_body_must_be_what_the_attribute_holds() -> None:
    assert content_problem("text/html", HTML, IMAGE, []) == (None, "is text/html, not an image")
    assert content_problem("image/jpeg", HTML, IMAGE, [])[1] == "says image/jpeg but is text/html, not an image"
    assert content_problem("image/jpeg", PNG_HEAD, IMAGE, [])[1] == "says image/jpeg but is image/png"
    assert content_problem("application/pdf", PDF_HEAD, IMAGE, [])[1] == "is application/pdf, not an image"
    assert content_problem(None, DOCX_HEAD, FILE, ["pdf"])[1] == "is application/zip, not one of pdf"
    assert content_problem("application/octet-stream", PDF_HEAD, FILE, ["pdf"]) == (PDF, None)
    assert content_problem("image/png; charset=binary", PNG_HEAD, IMAGE, ["png", "jpg"]) == (PNG, None)


def test_media_are_named_by_what_they_are() -> None:
    leaflet = "https://icecat.biz/rest/product-pdf?productId=56195846"
    assert media_filename(leaflet, PDF, ["pdf"]) == "product-pdf.pdf"
    assert media_filename("https://images.icecat.biz/img/photo.jpg", PNG, ["png"]) == "photo.png"
    assert media_filename("https://images.icecat.biz/img/photo.PNG", PNG, []) == "photo.PNG"
    jpeg, _ = content_problem("image/jpeg", JPEG_HEAD, IMAGE, ["jpeg"])
    assert media_filename("https://images.icecat.biz/img/photo", jpeg, ["jpeg"]) == "photo.jpeg"
